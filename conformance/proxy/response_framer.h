// ResponseFramer: where an upstream's answer ends (RFC 9112 6.3), from the
// bytes of its connection, for the proxy's own forwarder (proxy_host.h).
//
// One answer per request: the forwarder never pipelines to the upstream, so
// a framer is reset before each request and told whether it was a HEAD.
// What it reads:
// - the status line `HTTP/1.x SP 3DIGIT [SP reason]`; interim 1xx answers
//   (100 Continue, 103 Early Hints) are skipped, as a client does;
// - field lines `name: value`, CRLF or bare LF (a server's answer is read
//   leniently; a client's request is what the proxy holds to the letter);
// - the body: none after a HEAD or for 204 and 304, chunked when
//   Transfer-Encoding ends in "chunked" (de-chunked, trailers dropped), until
//   the close when it names another coding, else Content-Length, else
//   everything until the upstream closes.
// Pure: bytes in, an answer out; no I/O, no clock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "check/header_list.h"

namespace conformance {

struct FramedResponse {
  int status = 0;
  std::string reason;  // as the upstream wrote it ("" when it wrote none)
  HeaderList headers;  // in order, value without the blanks around it
  std::string body;    // de-chunked
  // Whether the connection may carry another request: HTTP/1.1 without
  // "Connection: close", and a body not delimited by the close.
  bool keep_alive = false;
};

class ResponseFramer {
 public:
  enum class Next {
    kNeedMore,  // the answer is not whole yet
    kResponse,  // whole: moved into the argument
    kBroken,    // not HTTP, or past a limit: error() says what
  };

  explicit ResponseFramer(size_t max_head = 64 * 1024, size_t max_body = 16 * 1024 * 1024)
      : max_head_(max_head), max_body_(max_body) {}

  // Forgets everything: the next bytes answer a new request.
  void Reset(bool head_request);
  void Append(const char* data, size_t size);
  // Takes the answer once it is whole.
  Next Take(FramedResponse& out);
  // The upstream closed: an answer delimited by the close is whole now; any
  // other one is cut short (kBroken).
  Next TakeAtClose(FramedResponse& out);
  // Whether any byte of the answer has arrived (a close before the first
  // one is a request that was never answered).
  bool started() const { return received_ > 0; }
  // Whether the answer passed the body limit (error() says so too).
  bool too_large() const { return too_large_; }
  const std::string& error() const { return error_; }

 private:
  enum class Stage { kStatus, kFields, kFixed, kChunkSize, kChunkData, kChunkEnd, kTrailer, kUntilClose, kDone };
  bool Step();
  bool NextLine(std::string_view& line);
  bool ParseStatus(std::string_view line);
  bool EndHead();
  bool Fail(std::string why);
  bool AppendBody(size_t n);

  size_t max_head_, max_body_;
  std::string buf_;
  size_t pos_ = 0;
  size_t received_ = 0;
  size_t head_bytes_ = 0;
  bool head_request_ = false;
  Stage stage_ = Stage::kStatus;
  FramedResponse r_;
  int minor_ = 1;
  uint64_t remaining_ = 0;
  bool chunked_ = false;
  bool has_length_ = false;
  bool has_encoding_ = false;
  bool close_ = false;
  bool too_large_ = false;
  std::string error_;
};

}  // namespace conformance
