#include "proxy/response_framer.h"

#include <algorithm>
#include <cctype>

namespace conformance {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Whether a comma-separated field value lists `token` (any case).
bool ListsToken(std::string_view value, std::string_view token) {
  while (!value.empty()) {
    const size_t comma = value.find(',');
    if (EqualsIgnoringCase(Trim(value.substr(0, comma)), token)) return true;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return false;
}

// The last coding a Transfer-Encoding value lists.
std::string_view LastCoding(std::string_view value) {
  const size_t comma = value.rfind(',');
  return Trim(comma == std::string_view::npos ? value : value.substr(comma + 1));
}

}  // namespace

void ResponseFramer::Reset(bool head_request) {
  buf_.clear();
  pos_ = received_ = head_bytes_ = 0;
  head_request_ = head_request;
  stage_ = Stage::kStatus;
  r_ = FramedResponse{};
  minor_ = 1;
  remaining_ = 0;
  chunked_ = has_length_ = has_encoding_ = close_ = too_large_ = false;
  error_.clear();
}

void ResponseFramer::Append(const char* data, size_t size) {
  if (stage_ == Stage::kDone || !error_.empty()) return;
  received_ += size;
  if (pos_ > 0 && pos_ == buf_.size()) {
    buf_.clear();
    pos_ = 0;
  }
  buf_.append(data, size);
}

ResponseFramer::Next ResponseFramer::Take(FramedResponse& out) {
  while (error_.empty() && stage_ != Stage::kDone && Step()) {
  }
  if (!error_.empty()) return Next::kBroken;
  if (stage_ != Stage::kDone) return Next::kNeedMore;
  r_.keep_alive = minor_ == 1 && !close_;
  out = std::move(r_);
  r_ = FramedResponse{};
  stage_ = Stage::kStatus;  // nothing more is expected; Reset() starts the next
  buf_.clear();
  pos_ = 0;
  return Next::kResponse;
}

ResponseFramer::Next ResponseFramer::TakeAtClose(FramedResponse& out) {
  const Next next = Take(out);
  if (next != Next::kNeedMore) return next;
  if (stage_ == Stage::kUntilClose) {
    close_ = true;
    stage_ = Stage::kDone;
    return Take(out);
  }
  Fail(received_ == 0 ? "closed without answering" : "closed in the middle of its answer");
  return Next::kBroken;
}

bool ResponseFramer::Fail(std::string why) {
  if (error_.empty()) error_ = std::move(why);
  return false;
}

bool ResponseFramer::NextLine(std::string_view& line) {
  const size_t lf = buf_.find('\n', pos_);
  const bool in_head = stage_ == Stage::kStatus || stage_ == Stage::kFields || stage_ == Stage::kTrailer;
  if (lf == std::string::npos) {
    if (in_head && head_bytes_ + (buf_.size() - pos_) > max_head_) return Fail("its head is over " + std::to_string(max_head_) + " bytes");
    return false;
  }
  line = std::string_view(buf_).substr(pos_, lf - pos_);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (in_head) {
    head_bytes_ += lf + 1 - pos_;
    if (head_bytes_ > max_head_) return Fail("its head is over " + std::to_string(max_head_) + " bytes");
  }
  pos_ = lf + 1;
  return true;
}

bool ResponseFramer::ParseStatus(std::string_view line) {
  // HTTP/1.x SP 3DIGIT [SP reason]
  if (line.size() < 12 || line.substr(0, 7) != "HTTP/1." || !(line[7] == '0' || line[7] == '1') || line[8] != ' ' ||
      !std::isdigit(static_cast<unsigned char>(line[9])) || !std::isdigit(static_cast<unsigned char>(line[10])) ||
      !std::isdigit(static_cast<unsigned char>(line[11])) || (line.size() > 12 && line[12] != ' '))
    return Fail("its status line is not HTTP/1.x: '" + std::string(line.substr(0, 60)) + "'");
  minor_ = line[7] - '0';
  r_.status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
  r_.reason = line.size() > 13 ? std::string(line.substr(13)) : "";
  return true;
}

bool ResponseFramer::EndHead() {
  if (r_.status >= 100 && r_.status < 200 && r_.status != 101) {
    // An interim answer: the real one follows.
    r_ = FramedResponse{};
    head_bytes_ = 0;
    chunked_ = has_length_ = has_encoding_ = close_ = false;
    stage_ = Stage::kStatus;
    return true;
  }
  if (head_request_ || r_.status == 204 || r_.status == 304 || r_.status == 101) {
    stage_ = Stage::kDone;
    return true;
  }
  if (chunked_) {
    stage_ = Stage::kChunkSize;
  } else if (has_length_ && !has_encoding_) {
    if (remaining_ > max_body_) {
      too_large_ = true;
      return Fail("its body (" + std::to_string(remaining_) + " bytes) is over " + std::to_string(max_body_));
    }
    r_.body.reserve(remaining_);
    stage_ = remaining_ == 0 ? Stage::kDone : Stage::kFixed;
  } else {
    close_ = true;
    stage_ = Stage::kUntilClose;
  }
  return true;
}

bool ResponseFramer::AppendBody(size_t n) {
  if (r_.body.size() + n > max_body_) {
    too_large_ = true;
    return Fail("its body is over " + std::to_string(max_body_) + " bytes");
  }
  r_.body.append(buf_, pos_, n);
  pos_ += n;
  return true;
}

bool ResponseFramer::Step() {
  std::string_view line;
  switch (stage_) {
    case Stage::kStatus:
      if (!NextLine(line)) return false;
      if (line.empty()) return true;  // blank lines before a status line are skipped
      if (!ParseStatus(line)) return false;
      stage_ = Stage::kFields;
      return true;
    case Stage::kFields:
    case Stage::kTrailer: {
      if (!NextLine(line)) return false;
      if (line.empty()) {
        if (stage_ == Stage::kTrailer) {
          stage_ = Stage::kDone;
          return true;
        }
        return EndHead();
      }
      const size_t colon = line.find(':');
      if (colon == std::string_view::npos || colon == 0) return Fail("a field line without a name: '" + std::string(line.substr(0, 60)) + "'");
      if (stage_ == Stage::kTrailer) return true;  // trailer fields are dropped
      const std::string_view name = line.substr(0, colon), value = Trim(line.substr(colon + 1));
      if (EqualsIgnoringCase(name, "Transfer-Encoding")) {
        // RFC 9112 6.3: chunked last, the chunks frame it; any other coding
        // runs until the close, whatever Content-Length says.
        has_encoding_ = true;
        chunked_ = EqualsIgnoringCase(LastCoding(value), "chunked");
      } else if (EqualsIgnoringCase(name, "Content-Length")) {
        uint64_t n = 0;
        if (value.empty() || value.size() > 19) return Fail("its Content-Length is not a length: '" + std::string(value) + "'");
        for (const char c : value) {
          if (!std::isdigit(static_cast<unsigned char>(c))) return Fail("its Content-Length is not a length: '" + std::string(value) + "'");
          n = n * 10 + static_cast<uint64_t>(c - '0');
        }
        if (has_length_ && n != remaining_) return Fail("two Content-Length fields that differ");
        has_length_ = true;
        remaining_ = n;
      } else if (EqualsIgnoringCase(name, "Connection") && ListsToken(value, "close")) {
        close_ = true;
      }
      r_.headers.emplace_back(std::string(name), std::string(value));
      return true;
    }
    case Stage::kFixed: {
      const size_t n = static_cast<size_t>(std::min<uint64_t>(remaining_, buf_.size() - pos_));
      if (n == 0) return false;
      if (!AppendBody(n)) return false;
      remaining_ -= n;
      if (remaining_ == 0) stage_ = Stage::kDone;
      return true;
    }
    case Stage::kChunkSize: {
      if (!NextLine(line)) return false;
      const std::string_view size = Trim(line.substr(0, line.find(';')));
      uint64_t n = 0;
      if (size.empty() || size.size() > 15) return Fail("a chunk size that is not one: '" + std::string(line.substr(0, 40)) + "'");
      for (const char c : size) {
        const int d = std::isdigit(static_cast<unsigned char>(c)) ? c - '0'
                      : (c >= 'a' && c <= 'f')                    ? c - 'a' + 10
                      : (c >= 'A' && c <= 'F')                    ? c - 'A' + 10
                                                                  : -1;
        if (d < 0) return Fail("a chunk size that is not one: '" + std::string(line.substr(0, 40)) + "'");
        n = n * 16 + static_cast<uint64_t>(d);
      }
      if (n == 0) {
        head_bytes_ = 0;
        stage_ = Stage::kTrailer;
        return true;
      }
      if (r_.body.size() + n > max_body_) {
        too_large_ = true;
        return Fail("its body is over " + std::to_string(max_body_) + " bytes");
      }
      remaining_ = n;
      stage_ = Stage::kChunkData;
      return true;
    }
    case Stage::kChunkData: {
      const size_t n = static_cast<size_t>(std::min<uint64_t>(remaining_, buf_.size() - pos_));
      if (n == 0) return false;
      if (!AppendBody(n)) return false;
      remaining_ -= n;
      if (remaining_ == 0) stage_ = Stage::kChunkEnd;
      return true;
    }
    case Stage::kChunkEnd:
      if (!NextLine(line)) return false;
      if (!line.empty()) return Fail("a chunk not followed by CRLF");
      stage_ = Stage::kChunkSize;
      return true;
    case Stage::kUntilClose: {
      const size_t n = buf_.size() - pos_;
      if (n == 0) return false;
      return AppendBody(n);
    }
    case Stage::kDone:
      return false;
  }
  return false;
}

}  // namespace conformance
