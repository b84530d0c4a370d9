// The socket adapter: Pistache 0.0.5 accepts connections and moves bytes;
// every request is framed here (http/request_framer.h), handed to the API
// (an HttpApi or a ProfileHost) as one HttpRequest, and its HttpReply
// written back by us, so that no byte sequence a client can send reaches a
// Pistache parser that loops or drops (see the top of pistache_server.cc for
// what of Pistache still runs).
// What a client sees:
// - pipelined requests answered in order, a reply held back by a fault
//   rule's delay holding back those behind it (sent from a timer thread, never
//   by sleeping on an I/O thread);
// - keep-alive for HTTP/1.1 unless the client sends "Connection: close";
//   HTTP/1.0 answered in kind, then closed; HEAD answered as GET without the
//   body; absolute-form targets ("GET http://host/path") read as origin-form;
// - every refusal a JSON error of spec/errors.yaml, then the connection
//   closed: a head over its limits 431 REQUEST_HEADER_FIELDS_TOO_LARGE, a
//   request that cannot be framed (or is ambiguous about its length) 400
//   MALFORMED_REQUEST, a request not complete within request_timeout of its
//   first byte 408 REQUEST_TIMEOUT; a body over max_request_bytes is not read
//   but answered by the API from the head (413, after its route and fault
//   checks), then the connection closed;
// - a request followed at once by a half-close still gets its reply.
// Routing is the API's, not Pistache's router, which has a data race with
// several threads in 0.0.5.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "hl_connector/http_api.h"

namespace purchase::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;  // 0: pick a free port
  int threads = 1;
  bool log_requests = true;
  // The largest body read into memory, at least HttpApi's max_body_bytes: a
  // request whose Content-Length is larger (or whose chunked body grows
  // larger) is answered from its head, as HttpApi answers any body over
  // max_body_bytes (413 after the route and fault checks), its body left
  // unread and the connection closed after the reply.
  size_t max_request_bytes = 1024 * 1024;
  // A request whose first byte arrived this long ago and whose last has not
  // (a body shorter than its Content-Length, a head or chunk never finished)
  // is answered 408 REQUEST_TIMEOUT and its connection closed.
  std::chrono::milliseconds request_timeout{30000};
};

class PistacheServer {
 public:
  PistacheServer(RequestHandler& api, ServerOptions options);
  ~PistacheServer();
  // Binds and serves `api` on background threads until Stop(); returns the
  // bound port (the one picked when options.port is 0). Throws
  // std::runtime_error if the address cannot be bound.
  uint16_t Start();
  // Stops serving; replies still waiting for their delay are dropped.
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace purchase::http
