// The bytes of a reply on the wire, and the errors a socket adapter answers
// itself before any API sees the request (a request that cannot be framed,
// a head too large, a stall): one writer for every host that speaks HTTP/1.1
// from our own framing (pistache_server.h, and conformance proxy's host).
#pragma once

#include <string>
#include <string_view>

#include "http/http_message.h"

namespace purchase::http {

// An error answered before the API: its code and status (spec/errors.yaml).
struct WireError {
  std::string_view code;
  int status = 0;
};

// The code's status in spec/errors.yaml; throws std::runtime_error if the
// catalogue lacks it.
WireError Catalogued(std::string_view code);

// The JSON error body every API writes ({"error":{"code","message"}}).
std::string ErrorBody(std::string_view code, std::string_view message);

// The bytes of a reply: status line (with `reason`, or the standard phrase
// when empty), Content-Type, Connection when it closes, the reply's own
// headers, Content-Length, and the body unless the request was a HEAD (which
// gets GET's head, Content-Length included). Appended to `out`.
void AppendWireBytes(std::string& out, const HttpReply& reply, int minor_version, bool closes, bool head_only,
                     std::string_view reason = {});
inline std::string WireBytes(const HttpReply& reply, int minor_version, bool closes, bool head_only,
                             std::string_view reason = {}) {
  std::string out;
  AppendWireBytes(out, reply, minor_version, closes, head_only, reason);
  return out;
}

}  // namespace purchase::http
