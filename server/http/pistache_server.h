// The Pistache adapter: copies each HTTP request into an HttpRequest, asks
// HttpApi, and writes the HttpReply back. It also works around Pistache 0.0.5:
// it keeps HTTP/1.1 connections alive for clients that send no Connection
// header (Pistache answers "Connection: Close" yet keeps the socket, so such
// clients reconnect for every request), and answers late replies from a timer
// thread instead of sleeping on an I/O thread (which would stall every
// connection on it). Routing is HttpApi's, not Pistache's router, which has a
// data race with several threads in 0.0.5.
// It takes over Pistache's Http::Handler::onInput, so that every answer is a
// JSON one of spec/: a head over its limits (http/request_head.h) is 431
// REQUEST_HEADER_FIELDS_TOO_LARGE, a request that cannot be framed (a bad
// Content-Length, what Pistache's parser refuses or cannot finish) 400
// MALFORMED_REQUEST, both closing the connection; a body over
// max_request_bytes is answered by HttpApi from the head alone (413, after
// its route and fault checks) without being read, then the connection is
// closed; and a request followed at once by a half-close still gets its reply.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "http/http_api.h"

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
