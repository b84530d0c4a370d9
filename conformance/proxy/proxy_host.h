// ProxyHost: `conformance proxy`'s listener and forwarder, event-driven.
//
// Why not the server's Pistache adapter with a blocking client per thread
// (what the proxy first ran on): every exchange then parked a thread on the
// upstream's socket, and the task switches, poll calls and libcurl's own
// bookkeeping cost about 65 us of CPU per exchange, a quarter of the direct
// throughput on a two-core machine. Here each loop thread owns its client
// connections and its kept-alive upstream connections on one epoll set, and
// an exchange is four socket calls (read, send upstream, read its answer,
// send back) and the judging, with no thread hand-off.
//
// What a client sees is what the server's adapter gives (pistache_server.h),
// from the same framer (http/request_framer.h) and the same error replies
// (http/wire_reply.h): requests framed strictly, pipelined ones answered in
// order, a refusal (400 MALFORMED_REQUEST, 431, 413 for a body over the
// limit) or a stall (408) answered in JSON and the connection closed, HEAD
// forwarded as GET and answered without the body, "100 Continue" when asked.
// What the upstream sees: the request as JudgingProxy::Prepare builds it, on
// a kept-alive connection for GET and HEAD (resent once, on a fresh one, if
// a kept-alive connection closes before any byte of its answer: the upstream
// closing an idle connection is not a lost reply), on a connection of its
// own for anything else. The answer passes back with its status line's
// reason phrase, de-chunked, with a Content-Length.
//
// An https upstream (or a test's scripted client) is forwarded by
// JudgingProxy::Handle instead, which blocks its loop for the exchange:
// give such a proxy more threads.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace conformance {

class JudgingProxy;

struct ProxyHostOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 0;  // 0: pick a free one
  int threads = 2;    // event loops
  // An http:// upstream ("http://host[:port][/base]") to forward to from
  // the loops; empty: every request goes to JudgingProxy::Handle.
  std::string upstream;
  size_t max_request_bytes = 8 * 1024 * 1024;
  size_t max_response_bytes = 16 * 1024 * 1024;
  std::chrono::milliseconds request_timeout{30000};   // a client's request not whole by then: 408
  std::chrono::milliseconds idle_timeout{120000};     // an idle client connection is closed
  std::chrono::milliseconds upstream_timeout{30000};  // one exchange with the upstream
  std::chrono::milliseconds connect_timeout{5000};
};

class ProxyHost {
 public:
  ProxyHost(JudgingProxy& proxy, ProxyHostOptions options);
  ~ProxyHost();
  // Binds and serves on background threads until Stop(); returns the bound
  // port. Throws std::runtime_error when the address cannot be bound or the
  // upstream URL cannot be read.
  uint16_t Start();
  // Stops serving; exchanges still in flight are dropped unjudged.
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace conformance
