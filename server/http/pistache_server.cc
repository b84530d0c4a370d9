#include "http/pistache_server.h"

#include <strings.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <list>
#include <mutex>
#include <queue>
#include <thread>

#include <pistache/endpoint.h>
#include <pistache/http.h>
#include <pistache/peer.h>
#include <pistache/transport.h>

#include "http/request_framer.h"
#include "http/wire_reply.h"
#include "http/valid_text.h"

// What of Pistache 0.0.5 still runs here, and what it is kept away from:
// - Relied on: its listener and epoll loop (accept, read, the write queue
//   Peer::send feeds, which any thread may push to, flushed at once after
//   each read: see onInput), Peer's data slots, and its idle check
//   (TransportImpl::checkIdlePeers), which closes a connection that has been
//   idle (Peer::isIdle) for the keep-alive timeout.
// - Kept away: its request parser (never fed a byte: RequestFramer frames
//   every request, so none of the parser's loops, drops or misreadings can
//   happen), its ResponseWriter (replies are written here, so HEAD, the
//   Connection header and the order of pipelined replies are ours), and its
//   own 408 (its header and body timeouts are set past any stall; StallWatch
//   answers a stalled request with JSON instead).
// The parser object still exists because the idle check looks one up for
// every connection and reads its step and its time: Connection below is one,
// whose step stays at the request line and whose time is reset whenever the
// connection falls idle.

namespace purchase::http {
namespace {

using namespace Pistache;
using SteadyTime = std::chrono::steady_clock::time_point;
using Clock = std::chrono::steady_clock;

// Writes `bytes` to the peer (from any thread: Peer::send only queues them
// for its I/O thread) and, when `closes`, ends the stream once they are
// written (shutdown SHUT_WR): the client reads the reply, then the end. What
// it still sends is read and dropped until it closes, so that the close never
// resets a reply it has not read yet.
void Write(const std::shared_ptr<Tcp::Peer>& peer, std::string bytes, bool closes) {
  const size_t size = bytes.size();
  auto sent = peer->send(RawBuffer(std::move(bytes), size));
  if (!closes) return;
  std::weak_ptr<Tcp::Peer> weak = peer;
  sent.then(
      [weak](ssize_t) {
        if (auto p = weak.lock()) ::shutdown(p->fd(), SHUT_WR);
      },
      Async::IgnoreException);
}

// Sends replies whose fault rule says "answer late", and the replies
// pipelined behind them, each at its instant and in the order scheduled,
// from one thread of its own.
class DelayedReplies {
 public:
  DelayedReplies() : thread_([this] { Run(); }) {}
  ~DelayedReplies() { Stop(); }

  void Schedule(SteadyTime when, std::weak_ptr<Tcp::Peer> peer, std::string bytes, bool closes) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
      queue_.push(Pending{when, next_++, std::move(peer), std::move(bytes), closes});
    }
    cv_.notify_all();
  }

  // Drops what is still waiting (the peers are about to go).
  void Stop() {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
      stopping_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

 private:
  struct Pending {
    SteadyTime when;
    uint64_t seq;
    std::weak_ptr<Tcp::Peer> peer;
    std::string bytes;
    bool closes;
  };
  struct Later {
    bool operator()(const Pending& a, const Pending& b) const {
      return a.when != b.when ? a.when > b.when : a.seq > b.seq;
    }
  };

  void Run() {
    std::unique_lock lock(mu_);
    while (!stopping_) {
      if (queue_.empty()) {
        cv_.wait(lock);
        continue;
      }
      const SteadyTime when = queue_.top().when;
      if (Clock::now() < when) {
        cv_.wait_until(lock, when);
        continue;
      }
      Pending due = queue_.top();
      queue_.pop();
      lock.unlock();
      if (auto peer = due.peer.lock()) Write(peer, std::move(due.bytes), due.closes);
      lock.lock();
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::priority_queue<Pending, std::vector<Pending>, Later> queue_;
  uint64_t next_ = 0;
  bool stopping_ = false;
  std::thread thread_;
};

// One connection: its framer and what the adapter knows of it. Pistache
// finds it under Http::Handler::ParserData (see the top of this file).
struct Connection final : Http::RequestParser {
  Connection(FramingLimits limits, std::weak_ptr<Tcp::Peer> p)
      : Http::RequestParser(/*maxDataSize=*/1), framer(limits), peer(std::move(p)) {}

  // Taken by the I/O thread for each read and by StallWatch: a connection's
  // bytes are handled by one of them at a time.
  std::mutex mu;
  RequestFramer framer;
  std::weak_ptr<Tcp::Peer> peer;
  SteadyTime request_started{};  // when the first byte of the request being framed arrived
  // A reply that ends the connection is queued (a refusal, Connection: close,
  // HTTP/1.0, an unread body, a dropped connection): nothing more is read.
  bool closing = false;
  // Replies are sent in the order of their requests: a reply held back by a
  // fault rule's delay holds back the replies pipelined after it, until then.
  SteadyTime replies_held_until{};
};

struct Shared;

// Answers every request that has been in flight longer than the limit (its
// first byte arrived, its last did not) with a JSON 408 and closes its
// connection: a client that stalls mid-request holds nothing for ever, and
// learns why in the API's own error format.
class StallWatch {
 public:
  StallWatch(std::chrono::milliseconds limit, WireError error, bool log, DelayedReplies& delayed)
      : limit_(limit), error_(error), log_(log), delayed_(delayed), thread_([this] { Run(); }) {}
  ~StallWatch() { Stop(); }

  void Watch(const std::shared_ptr<Connection>& connection) {
    std::lock_guard lock(mu_);
    connections_.push_back(connection);
  }

  void Stop() {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
      stopping_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

 private:
  void Run() {
    // A tenth of the limit late at most, and never busier than 100 checks a second.
    const auto tick = std::clamp<std::chrono::milliseconds>(limit_ / 10, std::chrono::milliseconds(10),
                                                            std::chrono::milliseconds(1000));
    std::unique_lock lock(mu_);
    while (!stopping_) {
      cv_.wait_for(lock, tick);
      if (stopping_) break;
      const SteadyTime now = Clock::now();
      for (auto it = connections_.begin(); it != connections_.end();) {
        std::shared_ptr<Connection> connection = it->lock();
        if (!connection) {
          it = connections_.erase(it);
          continue;
        }
        ++it;
        Check(*connection, now);
      }
    }
  }

  void Check(Connection& connection, SteadyTime now) {
    std::lock_guard lock(connection.mu);
    if (connection.closing || !connection.framer.HasPartialRequest()) return;
    if (now - connection.request_started <= limit_) return;
    connection.closing = true;
    const auto peer = connection.peer.lock();
    if (!peer) return;
    HttpReply reply;
    reply.status = error_.status;
    reply.body = ErrorBody(error_.code, "the request was not complete within " + std::to_string(limit_.count()) +
                                            " ms of its first byte (a body shorter than its Content-Length, or a "
                                            "head or chunk never finished)");
    if (log_) std::fprintf(stderr, "- - %d (request stalled)\n", reply.status);
    std::string bytes = WireBytes(reply, 1, /*closes=*/true, /*head_only=*/false);
    // After the replies still held back on this connection, if any.
    if (connection.replies_held_until > now)
      delayed_.Schedule(connection.replies_held_until, peer, std::move(bytes), /*closes=*/true);
    else
      Write(peer, std::move(bytes), /*closes=*/true);
  }

  std::chrono::milliseconds limit_;
  WireError error_;
  bool log_;
  DelayedReplies& delayed_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::list<std::weak_ptr<Connection>> connections_;
  std::thread thread_;
};

struct Shared {
  Shared(const ServerOptions& options, WireError timeout)
      : stalls(options.request_timeout, timeout, options.log_requests, delayed) {}
  RequestHandler* api = nullptr;
  bool log_requests = true;
  FramingLimits limits;
  // host:port actually bound, for requests without a Host header (HTTP/1.0);
  // written once before `bound` is set.
  std::string authority;
  std::atomic<bool> bound{false};
  DelayedReplies delayed;
  StallWatch stalls;
  WireError malformed_request, header_too_large, internal_error;
};

// Pistache 0.0.5's Http::Handler, with its onInput taken over: every byte
// read goes to the connection's RequestFramer, and each request it frames is
// answered in turn (pipelined ones included) by the API, on the connection's
// I/O thread.
class ApiHandler : public Http::Handler {
 public:
  HTTP_PROTOTYPE(ApiHandler)
  explicit ApiHandler(std::shared_ptr<Shared> shared) : shared_(std::move(shared)) {}

  // Unused: onInput never hands Pistache a request.
  void onRequest(const Http::Request&, Http::ResponseWriter) override {}

  // A client that half-closes its side right after its request (printf ... |
  // nc -N; some proxies) makes Pistache read 0 bytes in the same call that
  // read the request (Tcp::Transport::handleIncoming), then call this and
  // close the socket (removePeer), while the reply onInput queued
  // (Peer::send only queues) is still unwritten: it was lost. Writing the
  // queue now sends it before the close; one waiting for its fault rule's
  // delay is lost (the client hung up on it).
  // The kernel still delivers what it holds after the close, so the socket
  // buffer is raised to the most the kernel allows (twice net.core.wmem_max)
  // first: only a reply larger than that is cut short.
  void onDisconnection(const std::shared_ptr<Tcp::Peer>& peer) override {
    // Setting SO_SNDBUF ends the kernel's own tuning of it, so it is set only
    // when that makes it larger (the kernel doubles the value, up to twice
    // wmem_max).
    static const int most = [] {
      long wmem_max = 0;
      if (FILE* f = std::fopen("/proc/sys/net/core/wmem_max", "r")) {
        if (std::fscanf(f, "%ld", &wmem_max) != 1) wmem_max = 0;
        std::fclose(f);
      }
      return static_cast<int>(std::min<long>(wmem_max, 1L << 29));
    }();
    int current = 0;
    socklen_t size = sizeof current;
    if (most > 0 && ::getsockopt(peer->fd(), SOL_SOCKET, SO_SNDBUF, &current, &size) == 0 && current < 2 * most)
      ::setsockopt(peer->fd(), SOL_SOCKET, SO_SNDBUF, &most, sizeof most);
    transport()->flush();
  }

 private:
  void onConnection(const std::shared_ptr<Tcp::Peer>& peer) override {
    auto connection = std::make_shared<Connection>(shared_->limits, peer);
    peer->putData(ParserData, connection);
    peer->setIdle(true);
    shared_->stalls.Watch(connection);
  }

  void onInput(const char* buffer, size_t len, const std::shared_ptr<Tcp::Peer>& peer) override {
    HandleInput(buffer, len, peer);
    // Pistache 0.0.5 writes a queued reply when the socket reports writable
    // (edge-triggered), but Transport::onReady handles an event that is
    // readable and writable at once as readable only: a reply queued just
    // before the client's next bytes arrived was never written (one in about
    // 100,000 split exchanges of wire_test waited for ever). Writing the queue
    // now, on this I/O thread, does not wait for that edge.
    transport()->flush();
  }

  void HandleInput(const char* buffer, size_t len, const std::shared_ptr<Tcp::Peer>& peer) {
    const std::shared_ptr<Http::RequestParser> parser = getParser(peer);
    Connection& connection = static_cast<Connection&>(*parser);
    std::lock_guard lock(connection.mu);
    if (connection.closing) return;
    RequestFramer& framer = connection.framer;
    if (!framer.HasPartialRequest()) connection.request_started = Clock::now();
    framer.Append(buffer, len);
    thread_local FramedRequest request;
    for (;;) {
      switch (framer.TakeRequest(request)) {
        case RequestFramer::Next::kNeedMore:
          if (framer.HasPartialRequest()) {
            peer->setIdle(false);
            // A client that asked for "100-continue" waits for it before
            // sending the body (curl: a second, then it sends anyway).
            if (framer.TakeContinueRequest() && connection.replies_held_until <= Clock::now())
              Write(peer, "HTTP/1.1 100 Continue\r\n\r\n", /*closes=*/false);
          } else {
            // Idle: Pistache's keep-alive timeout counts from now.
            peer->setIdle(true);
            connection.reset();
          }
          return;
        case RequestFramer::Next::kRefused: {
          const RequestFramer::Refusal why = framer.refusal();
          const bool too_large = why == RequestFramer::Refusal::kLineTooLong ||
                                 why == RequestFramer::Refusal::kHeadTooLarge;
          Refuse(connection, peer, too_large ? shared_->header_too_large : shared_->malformed_request,
                 RequestFramer::Explain(why));
          return;
        }
        case RequestFramer::Next::kRequest:
          Answer(connection, request, peer);
          if (connection.closing) return;
          // The next request's bytes may already be here: its time starts now.
          connection.request_started = Clock::now();
          break;
      }
    }
  }

  // Answers `error` and closes the connection: after a framing error the
  // next request's first byte cannot be found.
  void Refuse(Connection& connection, const std::shared_ptr<Tcp::Peer>& peer, const WireError& error,
              const std::string& message) {
    HttpReply reply;
    reply.status = error.status;
    reply.body = ErrorBody(error.code, message);
    if (shared_->log_requests) std::fprintf(stderr, "- - %d (refused before the API: %s)\n", reply.status, message.c_str());
    Emit(connection, peer, WireBytes(reply, 1, /*closes=*/true, /*head_only=*/false), Clock::now(), /*closes=*/true);
  }

  // Sends a reply at `when` or later, after every reply sent before it on
  // this connection; `closes` ends the connection after it.
  void Emit(Connection& connection, const std::shared_ptr<Tcp::Peer>& peer, std::string bytes, SteadyTime when,
            bool closes) {
    if (closes) connection.closing = true;
    if (when < connection.replies_held_until) when = connection.replies_held_until;
    if (when > Clock::now()) {
      connection.replies_held_until = when;
      shared_->delayed.Schedule(when, peer, std::move(bytes), closes);
      return;
    }
    Write(peer, std::move(bytes), closes);
  }

  // Copies the request into an HttpRequest, asks the API, and sends its reply.
  // A body over the limit was not read: the API is given one just past the
  // limit, so that it answers exactly as for any body over its own limit
  // (route, fault rules, 413), and the connection is closed after the reply.
  void Answer(Connection& connection, FramedRequest& request, const std::shared_ptr<Tcp::Peer>& peer) {
    const auto start = Clock::now();
    // One request record per I/O thread, assigned over field by field: its
    // strings keep their buffers, so building it allocates nothing once warm.
    // Handle() is synchronous, so nothing holds on to it.
    thread_local HttpRequest req;
    const bool head_only = request.method == "HEAD";
    req.method = head_only ? std::string_view("GET") : std::string_view(request.method);
    req.path = request.path;
    SplitRawQuery(request.query, req.query);
    if (const auto authorization = request.Field("Authorization"))
      req.authorization.emplace(*authorization);
    else
      req.authorization.reset();
    if (const auto sandbox = request.Field("X-Sandbox"))
      req.sandbox.emplace(*sandbox);
    else
      req.sandbox.reset();
    req.host = request.host;
    req.raw_query = request.query;
    req.fields = &request.fields;
    req.local_authority =
        shared_->bound.load(std::memory_order_acquire) ? std::string_view(shared_->authority) : std::string_view();
    if (request.body_unread)
      req.body.assign(shared_->limits.max_body + 1, 'x');
    else
      req.body.swap(request.body);

    HttpReply reply;
    try {
      reply = shared_->api->Handle(req);
    } catch (const std::exception& e) {
      // Handle never throws; if it did, the client still gets JSON.
      if (shared_->log_requests) std::fprintf(stderr, "- - 500 (adapter: %s)\n", e.what());
      reply = HttpReply{};
      reply.status = shared_->internal_error.status;
      reply.body = ErrorBody(shared_->internal_error.code, "unexpected server error");
    }
    if (req.body.capacity() > 2 * kMaxHeadBytes) std::string().swap(req.body);

    if (shared_->log_requests) {
      const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
      std::fprintf(stderr, "%s %s %d %.3fms%s\n", request.method.c_str(), req.path.c_str(), reply.status, ms,
                   reply.drop_connection ? " (connection dropped by fault rule)"
                   : reply.delay_ms      ? " (delayed by fault rule)"
                   : request.body_unread ? " (body over the limit not read; connection closed)"
                                         : "");
    }
    if (reply.drop_connection) {
      // The lost-reply case: the request was handled, the client never hears.
      connection.closing = true;
      ::shutdown(peer->fd(), SHUT_RDWR);
      return;
    }
    const bool closes = request.CloseAfterReply();
    Emit(connection, peer, WireBytes(reply, request.minor_version, closes, head_only),
         start + std::chrono::milliseconds(reply.delay_ms), closes);
  }

  std::shared_ptr<Shared> shared_;
};

}  // namespace

struct PistacheServer::Impl {
  ServerOptions options;
  std::shared_ptr<Shared> shared;
  std::unique_ptr<Http::Endpoint> endpoint;
};

PistacheServer::PistacheServer(RequestHandler& api, ServerOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->shared = std::make_shared<Shared>(impl_->options, Catalogued("REQUEST_TIMEOUT"));
  impl_->shared->api = &api;
  impl_->shared->log_requests = impl_->options.log_requests;
  impl_->shared->limits.max_body = impl_->options.max_request_bytes;
  impl_->shared->malformed_request = Catalogued("MALFORMED_REQUEST");
  impl_->shared->header_too_large = Catalogued("REQUEST_HEADER_FIELDS_TOO_LARGE");
  impl_->shared->internal_error = Catalogued("INTERNAL_ERROR");
}

PistacheServer::~PistacheServer() { Stop(); }

uint16_t PistacheServer::Start() {
  const Address address(impl_->options.host, Port(impl_->options.port));
  impl_->endpoint = std::make_unique<Http::Endpoint>(address);
  // Pistache's own stall answer (a plain-text 408) must never come first:
  // StallWatch answers stalls.
  const auto never = std::chrono::hours(24 * 365);
  auto opts = Http::Endpoint::options()
                  .threads(impl_->options.threads)
                  .flags(Tcp::Options::ReuseAddr)
                  .maxRequestSize(impl_->options.max_request_bytes + kMaxHeadBytes)
                  .maxResponseSize(16 * 1024 * 1024)
                  .headerTimeout(never)
                  .bodyTimeout(never);
  impl_->endpoint->init(opts);
  impl_->endpoint->setHandler(Http::make_handler<ApiHandler>(impl_->shared));
  impl_->endpoint->serveThreaded();  // binds, then serves
  const uint16_t port = static_cast<uint16_t>(impl_->endpoint->getPort());
  impl_->shared->authority = impl_->options.host + ":" + std::to_string(port);
  impl_->shared->bound.store(true, std::memory_order_release);
  return port;
}

void PistacheServer::Stop() {
  if (impl_->endpoint) {
    // The threads that write from outside the I/O loop stop first: the
    // peers they would write to are about to go.
    impl_->shared->stalls.Stop();
    impl_->shared->delayed.Stop();
    impl_->endpoint->shutdown();
    impl_->endpoint.reset();
  }
}

}  // namespace purchase::http
