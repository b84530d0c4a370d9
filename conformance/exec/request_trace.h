// The request trace (`conformance run --trace-requests FILE`): every HTTP
// request the runner sends, in the order it sends them, one JSON object a line:
//
//   {"method":"POST","url":"http://127.0.0.1:8080/purchase/register",
//    "headers":[["Authorization","Bearer test-token-vendor-a"],["Content-Type","application/json"]],
//    "body":"{\"token\":\"...\"}"}
//
// "headers" are the request's own [name, value] pairs in the order sent (what
// libcurl adds itself, such as Host, Accept when none is given, or the empty Expect, is not in
// them); "body" is there only when the request has one (a string, byte for
// byte); "fresh_connection": true marks a request sent on a new connection
// that is closed afterwards (a step expecting no reply). Credentials are
// written as sent, not redacted: the file is for replaying the run
// (ci/bench/curl_loop.cc replay) and for seeing exactly what was sent.
//
// Threads: one RequestTrace is shared by every client of a run; Write() takes
// a lock, so lines never interleave and their order is the order in which the
// clients started sending. Each line is flushed at once, so a run that hangs
// leaves a trace up to the request it hangs on.
#pragma once

#include <memory>
#include <mutex>
#include <ostream>
#include <string>

#include "exec/http_client.h"

namespace conformance {

// Returns the trace line of `request`, without the newline.
std::string RequestTraceLine(const HttpRequest& request);

class RequestTrace {
 public:
  // Writes to `out`, which must outlive the trace.
  explicit RequestTrace(std::ostream& out) : out_(out) {}
  // Appends the line of `request` and flushes; a failed write leaves `out` in
  // a failed state (see ok()). Thread-safe.
  void Write(const HttpRequest& request);
  // Returns false once a write has failed.
  bool ok();

 private:
  std::mutex mutex_;
  std::ostream& out_;
};

// Wraps `client` so that every request is written to `trace` just before it
// is sent. `trace` must outlive the returned client.
std::unique_ptr<HttpClient> NewTracingHttpClient(std::unique_ptr<HttpClient> client, RequestTrace& trace);

}  // namespace conformance
