#include "http/request_framer.h"

#include <cstring>

namespace purchase::http {
namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t'; }

// tchar of RFC 9110 5.6.2: the bytes of a token (a method, a field name).
bool IsTokenChar(unsigned char c) {
  if (c >= '0' && c <= '9') return true;
  if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') return true;
  return std::strchr("!#$%&'*+-.^_`|~", c) != nullptr && c != 0;
}

bool IsToken(std::string_view s) {
  if (s.empty()) return false;
  for (const char c : s)
    if (!IsTokenChar(static_cast<unsigned char>(c))) return false;
  return true;
}

// Whether `name` is `lower` (lowercase ASCII) in any case.
bool NameIs(std::string_view name, std::string_view lower) {
  if (name.size() != lower.size()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lower[i]) return false;
  }
  return true;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsBlank(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsBlank(s.back())) s.remove_suffix(1);
  return s;
}

// Whether `list` (a comma-separated field value) has `lower` as an element.
bool ListHas(std::string_view list, std::string_view lower) {
  while (!list.empty()) {
    const size_t comma = list.find(',');
    if (NameIs(Trim(list.substr(0, comma)), lower)) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

// A field value of RFC 9110 5.5: visible bytes, obs-text, blanks between.
bool IsFieldValue(std::string_view value) {
  for (const char ch : value) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '\t' || c == ' ' || (c >= 0x21 && c != 0x7f)) continue;
    return false;
  }
  return true;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = static_cast<char>(c | 0x20);
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// chunk-ext of RFC 9112 7.1.1: *( BWS ";" BWS name [ BWS "=" BWS value ] ),
// a value being a token or a quoted-string.
bool IsChunkExtensions(std::string_view s) {
  auto skip_blanks = [&s] {
    while (!s.empty() && IsBlank(s.front())) s.remove_prefix(1);
  };
  auto take_token = [&s] {
    size_t n = 0;
    while (n < s.size() && IsTokenChar(static_cast<unsigned char>(s[n]))) ++n;
    s.remove_prefix(n);
    return n > 0;
  };
  for (;;) {
    skip_blanks();
    if (s.empty()) return true;
    if (s.front() != ';') return false;
    s.remove_prefix(1);
    skip_blanks();
    if (!take_token()) return false;
    skip_blanks();
    if (s.empty() || s.front() != '=') continue;
    s.remove_prefix(1);
    skip_blanks();
    if (!s.empty() && s.front() == '"') {
      s.remove_prefix(1);
      bool closed = false;
      while (!s.empty() && !closed) {
        const auto c = static_cast<unsigned char>(s.front());
        s.remove_prefix(1);
        if (c == '"') {
          closed = true;
        } else if (c == '\\') {
          if (s.empty()) return false;
          const auto quoted = static_cast<unsigned char>(s.front());
          if (quoted != '\t' && (quoted < 0x20 || quoted == 0x7f)) return false;
          s.remove_prefix(1);
        } else if (c != '\t' && (c < 0x20 || c == 0x7f)) {
          return false;
        }
      }
      if (!closed) return false;
    } else if (!take_token()) {
      return false;
    }
  }
}

}  // namespace

std::optional<std::string_view> FramedRequest::Field(std::string_view name) const {
  for (const auto& [n, v] : fields) {
    if (n.size() != name.size()) continue;
    bool same = true;
    for (size_t i = 0; i < n.size() && same; ++i) same = (n[i] | 0x20) == (name[i] | 0x20);
    if (same) return std::string_view(v);
  }
  return std::nullopt;
}

bool FramedRequest::CloseAfterReply() const { return minor_version == 0 || connection_close || body_unread; }

void RequestFramer::Append(const char* data, size_t size) {
  if (stopped()) return;
  buf_.append(data, size);
}

bool RequestFramer::TakeContinueRequest() {
  if (stopped() || stage_ == Stage::kHead || r_.complete || r_.continue_taken) return false;
  if (!r_.request.expects_continue || r_.request.minor_version == 0) return false;
  r_.continue_taken = true;
  return true;
}

bool RequestFramer::HasPartialRequest() const {
  if (stopped()) return false;
  return stage_ != Stage::kHead || r_.head_bytes > 0 || pos_ < buf_.size();
}

RequestFramer::Next RequestFramer::TakeRequest(FramedRequest& out) {
  for (;;) {
    if (refusal_ != Refusal::kNone) return Next::kRefused;
    if (unread_body_) return Next::kNeedMore;
    bool progressed = false;
    switch (stage_) {
      case Stage::kHead: progressed = ReadHead(); break;
      case Stage::kFixedBody: progressed = ReadFixedBody(); break;
      case Stage::kChunkSize: progressed = ReadChunkSize(); break;
      case Stage::kChunkData: progressed = ReadChunkData(); break;
      case Stage::kChunkDataEnd: progressed = ReadChunkDataEnd(); break;
      case Stage::kTrailer: progressed = ReadTrailer(); break;
    }
    if (refusal_ != Refusal::kNone) {
      buf_.clear();
      pos_ = 0;
      return Next::kRefused;
    }
    if (r_.complete) {
      out = std::move(r_.request);
      r_ = InProgress();
      stage_ = Stage::kHead;
      if (out.body_unread) {
        unread_body_ = true;
        std::string().swap(buf_);
        pos_ = 0;
      }
      Compact();
      return Next::kRequest;
    }
    if (!progressed) {
      Compact();
      return Next::kNeedMore;
    }
  }
}

void RequestFramer::Compact() {
  if (pos_ == buf_.size()) {
    buf_.clear();
    pos_ = 0;
    // An idle connection does not keep the buffer of a large request.
    if (buf_.capacity() > 2 * kMaxHeadBytes) std::string().swap(buf_);
  } else if (pos_ > 4096 && pos_ > buf_.size() / 2) {
    buf_.erase(0, pos_);
    pos_ = 0;
  }
}

bool RequestFramer::Refuse(Refusal why) {
  refusal_ = why;
  return false;
}

bool RequestFramer::NextLine(std::string_view& line, Refusal too_long, bool in_head) {
  const size_t avail = buf_.size() - pos_;
  const char* start = buf_.data() + pos_;
  const void* found = scan_ < avail ? std::memchr(start + scan_, '\n', avail - scan_) : nullptr;
  const size_t lf = found ? static_cast<size_t>(static_cast<const char*>(found) - start) : avail;
  // Each limit is passed at one byte of the stream: the line's at its
  // (max_line + 2)th byte without an LF (+1: a CR may end the line), the
  // head's at its (max_head + 1)th byte. The verdict names the one passed
  // first, so it does not depend on how the bytes were split into reads.
  const bool line_over = lf > limits_.max_line + 1;
  const bool head_over = in_head && r_.head_bytes + (found ? lf + 1 : avail) > limits_.max_head;
  if (line_over && head_over)
    return Refuse(r_.head_bytes + limits_.max_line + 2 <= limits_.max_head + 1 ? too_long : Refusal::kHeadTooLarge);
  if (line_over) return Refuse(too_long);
  if (head_over) return Refuse(Refusal::kHeadTooLarge);
  if (!found) {
    scan_ = avail;
    return false;
  }
  if (lf == 0 || start[lf - 1] != '\r') return Refuse(Refusal::kBadLineEnding);
  line = std::string_view(start, lf - 1);
  if (line.find('\r') != std::string_view::npos) return Refuse(Refusal::kBadLineEnding);
  pos_ += lf + 1;
  scan_ = 0;
  return true;
}

bool RequestFramer::ReadHead() {
  std::string_view line;
  for (;;) {
    if (!NextLine(line, Refusal::kLineTooLong, /*in_head=*/true)) return false;
    r_.head_bytes += line.size() + 2;
    if (!r_.request_line_seen) {
      if (line.empty()) continue;  // RFC 9112 2.2: empty lines before a request are skipped
      r_.request_line_seen = true;
      if (!ParseRequestLine(line)) return false;
      continue;
    }
    if (line.empty()) return EndHead();
    if (!ParseField(line, /*trailer=*/false)) return false;
  }
}

bool RequestFramer::ParseRequestLine(std::string_view line) {
  const size_t sp1 = line.find(' ');
  if (sp1 == std::string_view::npos) return Refuse(Refusal::kBadRequestLine);
  const std::string_view method = line.substr(0, sp1);
  const size_t sp2 = line.find(' ', sp1 + 1);
  const std::string_view target = line.substr(sp1 + 1, sp2 == std::string_view::npos ? std::string_view::npos : sp2 - sp1 - 1);
  const std::string_view version = sp2 == std::string_view::npos ? std::string_view() : line.substr(sp2 + 1);
  if (!IsToken(method) || target.empty()) return Refuse(Refusal::kBadRequestLine);
  for (const char ch : target) {
    const auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c >= 0x7f || c == '#') return Refuse(Refusal::kBadRequestLine);
  }
  if (version == "HTTP/1.1")
    r_.request.minor_version = 1;
  else if (version == "HTTP/1.0")
    r_.request.minor_version = 0;
  else
    return Refuse(Refusal::kBadVersion);
  r_.request.method.assign(method);

  std::string_view rest = target;
  if (target.front() != '/') {
    // absolute-form (RFC 9112 3.2.2); asterisk- and authority-form name no
    // resource of ours.
    size_t scheme = 0;
    if (target.size() > 7 && NameIs(target.substr(0, 7), "http://"))
      scheme = 7;
    else if (target.size() > 8 && NameIs(target.substr(0, 8), "https://"))
      scheme = 8;
    if (scheme == 0) return Refuse(Refusal::kBadRequestLine);
    rest.remove_prefix(scheme);
    const size_t end = rest.find_first_of("/?");
    const std::string_view authority = rest.substr(0, end);
    if (authority.empty() || authority.find('@') != std::string_view::npos) return Refuse(Refusal::kBadRequestLine);
    r_.absolute_host.emplace(authority);
    rest.remove_prefix(authority.size());
  }
  const size_t q = rest.find('?');
  r_.request.path.assign(rest.substr(0, q));
  if (r_.request.path.empty()) r_.request.path = "/";
  if (q != std::string_view::npos) {
    r_.request.has_query = true;
    r_.request.query.assign(rest.substr(q + 1));
  }
  return true;
}

bool RequestFramer::ParseField(std::string_view line, bool trailer) {
  // A line starting with a blank continues the previous one (obs-fold): RFC
  // 9112 5.2 lets a server refuse it, and it hides one field inside another.
  if (IsBlank(line.front())) return Refuse(Refusal::kBadField);
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos) return Refuse(Refusal::kBadField);
  const std::string_view name = line.substr(0, colon);
  const std::string_view value = Trim(line.substr(colon + 1));
  if (!IsToken(name) || !IsFieldValue(value)) return Refuse(Refusal::kBadField);
  if (trailer) return true;  // checked, then dropped: nothing of ours reads a trailer

  if (NameIs(name, "content-length")) {
    if (value.empty()) return Refuse(Refusal::kBadContentLength);
    uint64_t n = 0;
    for (const char c : value) {
      if (c < '0' || c > '9') return Refuse(Refusal::kBadContentLength);
      const auto digit = static_cast<uint64_t>(c - '0');
      if (n > (UINT64_MAX - digit) / 10) return Refuse(Refusal::kBadContentLength);
      n = n * 10 + digit;
    }
    if (r_.content_length && *r_.content_length != n) return Refuse(Refusal::kConflictingLengths);
    r_.content_length = n;
    if (r_.chunked) return Refuse(Refusal::kLengthAndEncoding);
  } else if (NameIs(name, "transfer-encoding")) {
    if (r_.content_length) return Refuse(Refusal::kLengthAndEncoding);
    // Exactly one coding in all, "chunked": we decode no other (RFC 9112 6.1
    // lets a server refuse what it does not understand), and HTTP/1.0 has
    // no transfer codings to frame by.
    if (r_.chunked || !NameIs(value, "chunked") || r_.request.minor_version == 0)
      return Refuse(Refusal::kUnsupportedEncoding);
    r_.chunked = true;
  } else if (NameIs(name, "host")) {
    if (++r_.hosts > 1) return Refuse(Refusal::kBadHost);
    r_.request.host.emplace(value);
  } else if (NameIs(name, "connection")) {
    if (ListHas(value, "close")) r_.request.connection_close = true;
  } else if (NameIs(name, "expect")) {
    if (NameIs(value, "100-continue")) r_.request.expects_continue = true;
  }
  r_.request.fields.emplace_back(name, value);
  return true;
}

bool RequestFramer::EndHead() {
  if (r_.request.minor_version == 1 && r_.hosts == 0) return Refuse(Refusal::kBadHost);
  if (r_.absolute_host) r_.request.host = std::move(r_.absolute_host);
  if (r_.chunked) {
    stage_ = Stage::kChunkSize;
    return true;
  }
  const uint64_t length = r_.content_length.value_or(0);
  if (length > limits_.max_body) {
    r_.request.body_unread = true;
    r_.complete = true;
    return true;
  }
  r_.remaining = length;
  if (length == 0) {
    r_.complete = true;
    return true;
  }
  r_.request.body.reserve(static_cast<size_t>(length));
  stage_ = Stage::kFixedBody;
  return true;
}

bool RequestFramer::CopyBody() {
  const size_t n = static_cast<size_t>(std::min<uint64_t>(r_.remaining, buf_.size() - pos_));
  if (n == 0) return false;
  r_.request.body.append(buf_, pos_, n);
  pos_ += n;
  r_.remaining -= n;
  return true;
}

bool RequestFramer::ReadFixedBody() {
  if (!CopyBody()) return false;
  if (r_.remaining == 0) r_.complete = true;
  return true;
}

bool RequestFramer::ReadChunkSize() {
  std::string_view line;
  if (!NextLine(line, Refusal::kBadChunk)) return false;
  size_t digits = 0;
  uint64_t size = 0;
  while (digits < line.size() && HexDigit(line[digits]) >= 0) {
    if (digits == 16) return Refuse(Refusal::kBadChunk);
    size = size * 16 + static_cast<uint64_t>(HexDigit(line[digits]));
    ++digits;
  }
  if (digits == 0 || !IsChunkExtensions(line.substr(digits))) return Refuse(Refusal::kBadChunk);
  if (size == 0) {
    stage_ = Stage::kTrailer;
    return true;
  }
  if (size > limits_.max_body - r_.request.body.size()) {
    // Past the limit: answered from the head, the rest left unread.
    r_.request.body_unread = true;
    std::string().swap(r_.request.body);
    r_.complete = true;
    return true;
  }
  r_.remaining = size;
  stage_ = Stage::kChunkData;
  return true;
}

bool RequestFramer::ReadChunkData() {
  if (!CopyBody()) return false;
  if (r_.remaining == 0) stage_ = Stage::kChunkDataEnd;
  return true;
}

bool RequestFramer::ReadChunkDataEnd() {
  // Pistache 0.0.5 loops for ever when this CR and LF arrive in two reads;
  // here they are simply waited for.
  if (buf_.size() - pos_ < 2) return false;
  if (buf_[pos_] != '\r' || buf_[pos_ + 1] != '\n') return Refuse(Refusal::kBadChunk);
  pos_ += 2;
  stage_ = Stage::kChunkSize;
  return true;
}

bool RequestFramer::ReadTrailer() {
  std::string_view line;
  if (!NextLine(line, Refusal::kHeadTooLarge)) return false;
  r_.trailer_bytes += line.size() + 2;
  if (r_.trailer_bytes > limits_.max_head) return Refuse(Refusal::kHeadTooLarge);
  if (line.empty()) {
    r_.complete = true;
    return true;
  }
  return ParseField(line, /*trailer=*/true);
}

const char* RequestFramer::Explain(Refusal refusal) {
  switch (refusal) {
    case Refusal::kLineTooLong:
      return "a line of the request head (the request line or one header field) is longer than 8192 bytes";
    case Refusal::kHeadTooLarge:
      return "the request head (request line and header fields) is longer than 65536 bytes";
    case Refusal::kBadRequestLine:
      return "the request line is not `method SP target SP version` with a token method and an origin-form "
             "(/path?query) or absolute-form (http://host/path) target of visible ASCII";
    case Refusal::kBadVersion:
      return "the request's HTTP version is not HTTP/1.1 or HTTP/1.0";
    case Refusal::kBadLineEnding:
      return "a line of the request does not end in CRLF (a bare CR or LF)";
    case Refusal::kBadField:
      return "a header field is not `name: value` (a token name directly followed by its colon, a value of "
             "visible characters, no line folding)";
    case Refusal::kBadHost:
      return "an HTTP/1.1 request needs exactly one Host header field (RFC 9112 section 3.2)";
    case Refusal::kBadContentLength:
      return "Content-Length is not a decimal number of bytes (digits only, at most 18446744073709551615)";
    case Refusal::kConflictingLengths:
      return "the request has two Content-Length fields with different values";
    case Refusal::kLengthAndEncoding:
      return "the request has both Content-Length and Transfer-Encoding";
    case Refusal::kUnsupportedEncoding:
      return "the only Transfer-Encoding this server reads is a single \"chunked\", in HTTP/1.1";
    case Refusal::kBadChunk:
      return "the chunked body is malformed (a chunk size is not 1 to 16 hex digits with valid extensions, or a "
             "chunk does not end in CRLF)";
    default:
      return "";
  }
}

}  // namespace purchase::http
