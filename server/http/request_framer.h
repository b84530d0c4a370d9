// RequestFramer: where one HTTP/1.1 request ends and the next begins (RFC
// 9112), decided by us from the bytes of a connection, before any library
// code sees them.
//
// Pistache 0.0.5 frames requests badly enough that one client can stop the
// whole server: a chunked body whose CRLF is split over two reads sends its
// chunk parser into an endless loop, pipelined requests are dropped, "abc"
// is read as Content-Length 0. So the socket adapter feeds every byte it
// reads to this framer and hands on only what it returns: one complete,
// de-chunked request at a time, or a refusal.
//
// What it accepts (and everything else is a refusal, after which the
// connection is closed, because the next request's first byte can no longer
// be found):
// - the request line `method SP request-target SP HTTP/1.0|HTTP/1.1` with a
//   token method, an origin-form target ("/path?query") or an absolute-form
//   one ("http://host/path?query", whose authority then is the Host), its
//   bytes visible ASCII; empty lines before it are skipped (RFC 9112 2.2);
// - field lines `name: value`: a token name with no blank before its colon
//   (a space there is how "Transfer-Encoding : chunked" smuggles a second
//   framing past a proxy), a value of visible bytes, blanks and obs-text, no
//   line folding; every line ends in CRLF (a bare CR or LF is refused);
// - a head of at most kMaxHeadBytes with no line over kMaxHeadLineBytes,
//   judged as the bytes arrive (a 1 MB flood is refused at its 64th KiB);
// - exactly one Host in HTTP/1.1 (RFC 9112 3.2), at most one in HTTP/1.0;
// - the body framed by Content-Length (1*DIGIT fitting 64 bits, repeated only
//   with the same value) or by `Transfer-Encoding: chunked` alone (in HTTP/1.1
//   only), never both; chunk sizes of at most 16 hex digits, extensions
//   (`;name=value`) skipped, trailer fields checked like header fields and
//   dropped.
// A body longer than FramingLimits::max_body is not read: the request is
// returned at once (Content-Length) or as soon as the chunks pass the limit,
// marked body_unread, and the framer reads nothing more (the caller answers
// from the head and closes).
//
// Pure: bytes in, requests out; no I/O, no clock, no allocation per byte.
// Each call resumes where the previous one stopped, so a request arriving a
// byte at a time costs what it costs whole. One framer per connection, used
// by one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace purchase::http {

inline constexpr size_t kMaxHeadLineBytes = 8 * 1024;  // without its CRLF
inline constexpr size_t kMaxHeadBytes = 64 * 1024;     // blank line included

struct FramingLimits {
  size_t max_line = kMaxHeadLineBytes;
  size_t max_head = kMaxHeadBytes;
  // The largest body read into memory; a larger one is left unread.
  size_t max_body = 1024 * 1024;
};

// One request, as the client framed it.
struct FramedRequest {
  std::string method;  // as sent (a token, case-sensitive)
  std::string path;    // the target's path, not decoded ("/" for "http://host")
  std::string query;   // the raw text after '?', not decoded ("" when none)
  bool has_query = false;
  int minor_version = 1;  // HTTP/1.<minor_version>
  // The field lines in order: the name as sent, the value without the blanks
  // around it.
  std::vector<std::pair<std::string, std::string>> fields;
  // The Host field's value, or an absolute-form target's authority (which
  // RFC 9112 3.2.2 puts before any Host field); nullopt in HTTP/1.0 without one.
  std::optional<std::string> host;
  std::string body;  // de-chunked
  // The body was over max_body and was not read: body is empty, and the
  // framer reads nothing after this request.
  bool body_unread = false;
  // The client asked for "100-continue" before sending its body.
  bool expects_continue = false;
  // The Connection field lists "close".
  bool connection_close = false;

  // The value of the first field named `name` (any case), or nullopt.
  std::optional<std::string_view> Field(std::string_view name) const;
  // Whether the connection ends after this request's reply: HTTP/1.0 (this
  // server does not keep 1.0 connections), "Connection: close", or an
  // unread body.
  bool CloseAfterReply() const;
};

class RequestFramer {
 public:
  enum class Refusal {
    kNone,
    kLineTooLong,          // one head line over max_line (431)
    kHeadTooLarge,         // the head over max_head (431)
    kBadRequestLine,       // not `token SP target SP version`, or a target we do not read
    kBadVersion,           // not HTTP/1.0 or HTTP/1.1
    kBadLineEnding,        // a bare CR or a bare LF
    kBadField,             // a field line that is not `token ":" value`, or obs-fold
    kBadHost,              // no Host in HTTP/1.1, or two
    kBadContentLength,     // not 1*DIGIT, or past 2^64 - 1
    kConflictingLengths,   // two Content-Length fields with different values
    kLengthAndEncoding,    // Content-Length and Transfer-Encoding together
    kUnsupportedEncoding,  // a Transfer-Encoding other than exactly "chunked", or in HTTP/1.0
    kBadChunk,             // a chunk size, extension or ending that is not RFC 9112 7.1
  };

  enum class Next {
    kNeedMore,  // no complete request in what was appended
    kRequest,   // one complete request was moved into the argument
    kRefused,   // refusal() says why; nothing more will be returned
  };

  explicit RequestFramer(FramingLimits limits = {}) : limits_(limits) {}

  // Appends bytes read from the connection (ignored once refused or past an
  // unread body).
  void Append(const char* data, size_t size);
  void Append(std::string_view bytes) { Append(bytes.data(), bytes.size()); }

  // Takes the next complete request out of what was appended. Call it until
  // it stops returning kRequest: several pipelined requests may be waiting.
  Next TakeRequest(FramedRequest& out);

  // Whether bytes of a request not yet complete are held (for the stall
  // limit): false between requests on an idle connection.
  bool HasPartialRequest() const;
  // After kRefused: why. kLineTooLong and kHeadTooLarge are 431s, the rest 400s.
  Refusal refusal() const { return refusal_; }
  // Once per request: whether its head is whole, it asked for "100-continue"
  // (HTTP/1.1) and its body has not all arrived yet, so the client waits for
  // a 100 Continue before sending it (RFC 9110 10.1.1).
  bool TakeContinueRequest();
  // Whether the framer has stopped (refused, or past an unread body).
  bool stopped() const { return refusal_ != Refusal::kNone || unread_body_; }

  // An explanation of a refusal for error.message.
  static const char* Explain(Refusal refusal);

 private:
  enum class Stage { kHead, kFixedBody, kChunkSize, kChunkData, kChunkDataEnd, kTrailer };

  // Each stage's step: consumes what it can from buf_[pos_..]; false when it
  // needs more bytes or refused.
  bool ReadHead();
  bool ParseRequestLine(std::string_view line);
  bool ParseField(std::string_view line, bool trailer);
  bool EndHead();
  bool ReadFixedBody();
  // Copies up to r_.remaining body bytes that have arrived; false if none.
  bool CopyBody();
  bool ReadChunkSize();
  bool ReadChunkData();
  bool ReadChunkDataEnd();
  bool ReadTrailer();
  // Takes the next CRLF-ended line from pos_ into `line` (without its CRLF);
  // false when it needs more bytes or refused: `too_long` past max_line (and
  // kHeadTooLarge past max_head when `in_head`), a bare CR or LF always.
  bool NextLine(std::string_view& line, Refusal too_long, bool in_head = false);
  bool Refuse(Refusal why);
  void Compact();

  FramingLimits limits_;
  std::string buf_;   // bytes appended and not yet consumed from pos_ on
  size_t pos_ = 0;    // start of the unconsumed bytes
  size_t scan_ = 0;   // how far from pos_ the current line was searched for its LF
  Stage stage_ = Stage::kHead;
  Refusal refusal_ = Refusal::kNone;
  bool unread_body_ = false;

  // The request being framed, all of it forgotten once it is taken.
  struct InProgress {
    FramedRequest request;
    bool complete = false;
    bool continue_taken = false;
    bool request_line_seen = false;
    size_t head_bytes = 0;  // consumed so far (empty lines before it included)
    size_t trailer_bytes = 0;
    std::optional<uint64_t> content_length;
    bool chunked = false;
    int hosts = 0;
    std::optional<std::string> absolute_host;  // an absolute-form target's authority
    uint64_t remaining = 0;                    // body or chunk bytes still to read
  };
  InProgress r_;
};

}  // namespace purchase::http
