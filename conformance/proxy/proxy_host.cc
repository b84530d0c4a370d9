#include "proxy/proxy_host.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <thread>
#include <unordered_set>
#include <vector>

#include "http/request_framer.h"
#include "http/valid_text.h"  // SplitRawQuery
#include "http/wire_reply.h"
#include "proxy/judging_proxy.h"
#include "proxy/response_framer.h"

namespace conformance {
namespace {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;
using purchase::http::FramedRequest;
using purchase::http::HttpReply;
using purchase::http::RequestFramer;
using purchase::http::WireError;

// The upstream's address, read once from its URL.
struct UpstreamAddress {
  sockaddr_storage address{};
  socklen_t length = 0;
  std::string authority;  // host[:port], the Host field sent when the client's is not passed on
  std::string base_path;  // prefixed to every path
};

UpstreamAddress ReadUpstream(const std::string& url) {
  const std::string scheme = "http://";
  if (url.rfind(scheme, 0) != 0) throw std::runtime_error("the upstream is not an http:// URL: " + url);
  const std::string rest = url.substr(scheme.size());
  const size_t slash = rest.find('/');
  UpstreamAddress up;
  up.authority = rest.substr(0, slash);
  up.base_path = slash == std::string::npos ? "" : rest.substr(slash);
  while (!up.base_path.empty() && up.base_path.back() == '/') up.base_path.pop_back();
  std::string host = up.authority, port = "80";
  if (!host.empty() && host.front() == '[') {
    const size_t close = host.find(']');
    if (close == std::string::npos) throw std::runtime_error("the upstream's host is not read: " + url);
    if (close + 1 < host.size() && host[close + 1] == ':') port = host.substr(close + 2);
    host = host.substr(1, close - 1);
  } else if (const size_t colon = host.rfind(':'); colon != std::string::npos) {
    port = host.substr(colon + 1);
    host = host.substr(0, colon);
  }
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (const int rc = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &found); rc != 0 || !found)
    throw std::runtime_error("cannot resolve the upstream " + up.authority + ": " + ::gai_strerror(rc));
  std::memcpy(&up.address, found->ai_addr, found->ai_addrlen);
  up.length = found->ai_addrlen;
  ::freeaddrinfo(found);
  return up;
}

enum class Kind { kListener, kWake, kClient, kUpstream };

struct Socket {
  explicit Socket(Kind k, int f) : kind(k), fd(f) {}
  Kind kind;
  int fd;
  bool dead = false;  // closed; deleted once the events in hand are handled
};

struct Client;
struct Upstream;

// One request from its client's framing to its reply.
struct InFlight {
  Client* client = nullptr;  // null once the client went away
  FramedRequest framed;      // owns what `request` points into
  purchase::http::HttpRequest request;
  HttpRequest forward;
  std::string wire;  // the request's bytes for the upstream
  bool head_only = false;
  int minor_version = 1;
  bool closes = false;
  TimePoint started;
  bool on_kept_connection = false;
  bool resent = false;
};

struct Client : Socket {
  Client(int f, purchase::http::FramingLimits limits) : Socket(Kind::kClient, f), framer(limits) {}
  RequestFramer framer;
  std::string out;
  size_t out_sent = 0;
  InFlight* in_flight = nullptr;
  bool read_pending = false;  // readable, not read while an exchange was in flight
  bool peer_done = false;     // the client half-closed: answer what it sent, then close
  bool closing = false;       // the last reply is queued: close once it is written
  bool draining = false;      // written and shut down for writing: reading until the client closes
  bool hung_up = false;       // epoll saw its end: read on to the close past a short read
  TimePoint request_started, last_active, drain_started;
};

struct Upstream : Socket {
  explicit Upstream(int f, size_t max_response) : Socket(Kind::kUpstream, f), framer(64 * 1024, max_response) {}
  bool connected = false;
  bool kept = false;  // goes back to the idle pool after its answer
  TimePoint connect_started;
  InFlight* exchange = nullptr;
  const std::string* out = nullptr;  // the exchange's request bytes
  size_t out_sent = 0;
  ResponseFramer framer;
};

bool WouldBlock() { return errno == EAGAIN || errno == EWOULDBLOCK; }

void NoDelay(int fd) {
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

}  // namespace

// One event loop: an epoll set, its clients, its upstream connections.
class Loop {
 public:
  Loop(JudgingProxy& proxy, const ProxyHostOptions& options, const UpstreamAddress* upstream, int listener,
       WireError malformed, WireError too_large, WireError timeout, WireError body_too_large)
      : proxy_(proxy),
        options_(options),
        upstream_(upstream),
        listener_(Kind::kListener, listener),
        malformed_(malformed),
        header_too_large_(too_large),
        timeout_(timeout),
        body_too_large_(body_too_large) {
    limits_.max_body = options.max_request_bytes;
    epoll_ = ::epoll_create1(EPOLL_CLOEXEC);
    const int wake = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (epoll_ < 0 || wake < 0) throw std::runtime_error(std::string("epoll: ") + std::strerror(errno));
    wake_ = std::make_unique<Socket>(Kind::kWake, wake);
    Watch(listener_, EPOLLIN | EPOLLEXCLUSIVE);
    Watch(*wake_, EPOLLIN);
    buffer_.resize(64 * 1024);
  }

  ~Loop() {
    for (Client* c : clients_) {
      ::close(c->fd);
      delete c->in_flight;
      delete c;
    }
    for (InFlight* x : orphans_) delete x;
    for (Upstream* u : upstreams_) {
      ::close(u->fd);
      delete u;
    }
    for (Socket* s : graveyard_) delete s;
    ::close(wake_->fd);
    ::close(epoll_);
  }

  void Start() { thread_ = std::thread([this] { Run(); }); }
  void Stop() {
    stopping_.store(true);
    const uint64_t one = 1;
    if (::write(wake_->fd, &one, sizeof one) < 0) {
    }
    if (thread_.joinable()) thread_.join();
  }

 private:
  void Watch(Socket& s, uint32_t events) {
    epoll_event e{};
    e.events = events;
    e.data.ptr = &s;
    ::epoll_ctl(epoll_, EPOLL_CTL_ADD, s.fd, &e);
  }

  void Run() {
    constexpr int kMaxEvents = 256;
    epoll_event events[kMaxEvents];
    TimePoint next_sweep = Clock::now() + kSweepEvery;
    while (!stopping_.load(std::memory_order_relaxed)) {
      const int n = ::epoll_wait(epoll_, events, kMaxEvents, static_cast<int>(kSweepEvery.count()));
      now_ = Clock::now();
      for (int i = 0; i < n; ++i) {
        Socket* s = static_cast<Socket*>(events[i].data.ptr);
        if (s->dead) continue;
        switch (s->kind) {
          case Kind::kListener: Accept(); break;
          case Kind::kWake: break;
          case Kind::kClient: OnClient(static_cast<Client*>(s), events[i].events); break;
          case Kind::kUpstream: OnUpstream(static_cast<Upstream*>(s), events[i].events); break;
        }
      }
      for (Socket* s : graveyard_) delete s;
      graveyard_.clear();
      if (now_ >= next_sweep) {
        Sweep();
        next_sweep = now_ + kSweepEvery;
      }
    }
  }

  // --- clients ---

  void Accept() {
    for (;;) {
      const int fd = ::accept4(listener_.fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
          // Out of descriptors: the pending connection stays queued and the
          // listener stays readable, so waiting on it would spin. It is
          // watched again at the next sweep, once connections may have closed.
          ::epoll_ctl(epoll_, EPOLL_CTL_DEL, listener_.fd, nullptr);
          accept_paused_ = true;
        }
        return;  // else EAGAIN: another loop took it
      }
      NoDelay(fd);
      auto* c = new Client(fd, limits_);
      c->last_active = now_;
      clients_.insert(c);
      Watch(*c, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET);
    }
  }

  void OnClient(Client* c, uint32_t events) {
    if (events & EPOLLOUT) {
      if (!FlushClient(c)) return;
    }
    if (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) c->hung_up = true;
    if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) c->read_pending = true;
    // Readable, or writable again after its replies piled up: go on.
    if (c->read_pending || (events & EPOLLOUT)) Drive(c);
  }

  // Replies the client has not read yet, past which it is sent nothing
  // more until it reads: a client that pipelines requests and never reads
  // their answers must not make the proxy hold them all.
  static constexpr size_t kMaxUnread = 1 << 20;
  static bool Backlogged(const Client* c) { return c->out.size() - c->out_sent > kMaxUnread; }

  // Reads what the client sent (at most a megabyte at a time, so that one
  // client cannot hold the loop). False when the connection is gone.
  bool ReadClient(Client* c) {
    c->read_pending = false;
    size_t taken = 0;
    for (;;) {
      const ssize_t n = ::recv(c->fd, buffer_.data(), buffer_.size(), 0);
      if (n > 0) {
        if (c->draining) continue;  // after the last reply: dropped
        if (!c->framer.HasPartialRequest()) c->request_started = now_;
        c->framer.Append(buffer_.data(), static_cast<size_t>(n));
        c->last_active = now_;
        taken += static_cast<size_t>(n);
        // A short read drained the socket: the next bytes raise a new edge.
        // But a close that came with these bytes raises none of its own.
        if (static_cast<size_t>(n) < buffer_.size() && !c->hung_up) return true;
        if (taken >= (1u << 20)) {
          c->read_pending = true;
          return true;
        }
        continue;
      }
      if (n == 0) {
        c->peer_done = true;
        if (c->draining) {
          CloseClient(c);
          return false;
        }
        return true;
      }
      if (errno == EINTR) continue;
      if (WouldBlock()) return true;
      CloseClient(c);  // reset
      return false;
    }
  }

  // Answers what the client's bytes hold, one request at a time, reading
  // more while none is in flight.
  void Drive(Client* c) {
    while (!c->dead && !c->in_flight && !Backlogged(c)) {
      if (c->closing || c->draining) {
        if (c->read_pending && !ReadClient(c)) return;
        return;
      }
      thread_local FramedRequest framed;
      switch (c->framer.TakeRequest(framed)) {
        case RequestFramer::Next::kRequest:
          StartExchange(c, std::move(framed));
          framed = FramedRequest{};
          if (!c->dead && !c->in_flight) c->request_started = now_;
          continue;
        case RequestFramer::Next::kRefused: {
          const auto why = c->framer.refusal();
          const bool too_large = why == RequestFramer::Refusal::kLineTooLong || why == RequestFramer::Refusal::kHeadTooLarge;
          Refuse(c, too_large ? header_too_large_ : malformed_, RequestFramer::Explain(why));
          return;
        }
        case RequestFramer::Next::kNeedMore:
          if (c->framer.HasPartialRequest() && c->framer.TakeContinueRequest()) {
            c->out.append("HTTP/1.1 100 Continue\r\n\r\n");
            if (!FlushClient(c)) return;
          }
          if (c->read_pending) {
            if (!ReadClient(c)) return;
            continue;
          }
          if (c->peer_done) {
            // Everything it sent is answered: close once the replies are written.
            c->closing = true;
            FlushClient(c);
          }
          return;
      }
    }
  }

  void Refuse(Client* c, const WireError& error, const std::string& message) {
    HttpReply reply;
    reply.status = error.status;
    reply.body = purchase::http::ErrorBody(error.code, message);
    purchase::http::AppendWireBytes(c->out, reply, 1, /*closes=*/true, /*head_only=*/false);
    c->closing = true;
    FlushClient(c);
  }

  // Writes what is queued; once the last reply is out, shuts the connection
  // down for writing and reads until the client closes (so that the close
  // never resets a reply it has not read). False when the connection is gone.
  bool FlushClient(Client* c) {
    while (c->out_sent < c->out.size()) {
      const ssize_t n = ::send(c->fd, c->out.data() + c->out_sent, c->out.size() - c->out_sent, MSG_NOSIGNAL);
      if (n > 0) {
        c->out_sent += static_cast<size_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && WouldBlock()) {
        // EPOLLOUT resumes. What was sent goes, so that a client reading
        // slowly but for ever does not grow the buffer for ever.
        if (c->out_sent > (1u << 16)) {
          c->out.erase(0, c->out_sent);
          c->out_sent = 0;
        }
        return true;
      }
      CloseClient(c);
      return false;
    }
    c->out.clear();
    c->out_sent = 0;
    if (c->out.capacity() > (1u << 20)) std::string().swap(c->out);
    if (c->closing && !c->draining && !c->in_flight) {
      ::shutdown(c->fd, SHUT_WR);
      c->draining = true;
      c->drain_started = now_;
      if (c->peer_done) {
        CloseClient(c);
        return false;
      }
    }
    return true;
  }

  void CloseClient(Client* c) {
    if (c->dead) return;
    c->dead = true;
    ::close(c->fd);
    clients_.erase(c);
    if (c->in_flight) {
      c->in_flight->client = nullptr;  // judged when its answer comes, answered to no one
      orphans_.insert(c->in_flight);
      c->in_flight = nullptr;
    }
    graveyard_.push_back(c);
  }

  // --- exchanges ---

  void StartExchange(Client* c, FramedRequest framed) {
    auto* x = new InFlight;
    x->client = c;
    c->in_flight = x;
    x->started = now_;
    x->framed = std::move(framed);
    const FramedRequest& f = x->framed;
    x->head_only = f.method == "HEAD";
    x->minor_version = f.minor_version;
    x->closes = f.CloseAfterReply();
    purchase::http::HttpRequest& r = x->request;
    r.method = x->head_only ? "GET" : f.method;
    r.path = f.path;
    purchase::http::SplitRawQuery(f.query, r.query);
    if (const auto a = f.Field("Authorization")) r.authorization.emplace(*a);
    if (const auto s = f.Field("X-Sandbox")) r.sandbox.emplace(*s);
    r.host = f.host;
    r.raw_query = f.query;
    r.fields = &f.fields;
    r.body.swap(x->framed.body);
    if (f.body_unread) {
      // Not read, so it cannot be passed on.
      c->in_flight = nullptr;
      delete x;
      Refuse(c, body_too_large_,
             "the request body is over the proxy's limit of " + std::to_string(options_.max_request_bytes) + " bytes");
      return;
    }
    if (!upstream_) {
      Finish(x, proxy_.Handle(x->request), {});
      return;
    }
    x->forward = proxy_.Prepare(x->request);
    WriteUpstreamRequest(*x);
    SendUpstream(x, !x->forward.fresh_connection);
  }

  void WriteUpstreamRequest(InFlight& x) {
    std::string& w = x.wire;
    w.reserve(256 + x.forward.body.size());
    w.append(x.request.method).push_back(' ');
    w.append(upstream_->base_path).append(x.request.path);
    if (!x.framed.query.empty() || x.framed.has_query) w.append("?").append(x.framed.query);
    w.append(" HTTP/1.1\r\n");
    if (!FindHeader(x.forward.headers, "Host")) w.append("Host: ").append(upstream_->authority).append("\r\n");
    for (const auto& [name, value] : x.forward.headers) w.append(name).append(": ").append(value).append("\r\n");
    if (x.forward.has_body) w.append("Content-Length: ").append(std::to_string(x.forward.body.size())).append("\r\n");
    w.append("\r\n");
    w.append(x.forward.body);
  }

  // Sends the exchange's request on an idle kept-alive connection when
  // `may_reuse` and one is there, else on a new one.
  void SendUpstream(InFlight* x, bool may_reuse) {
    Upstream* u = nullptr;
    if (may_reuse && !idle_.empty()) {
      u = idle_.back();
      idle_.pop_back();
      x->on_kept_connection = true;
    } else {
      x->on_kept_connection = false;
      u = Connect();
      if (!u) {
        Fail(x, TransportError::kCannotConnect, std::string("cannot connect to ") + upstream_->authority + ": " +
                                                      std::strerror(errno));
        return;
      }
      u->kept = may_reuse;
    }
    u->exchange = x;
    u->framer.Reset(x->request.method == "HEAD");
    u->out = &x->wire;
    u->out_sent = 0;
    if (u->connected) FlushUpstream(u);
  }

  Upstream* Connect() {
    const int fd = ::socket(upstream_->address.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return nullptr;
    NoDelay(fd);
    auto* u = new Upstream(fd, options_.max_response_bytes);
    u->connect_started = now_;
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&upstream_->address), upstream_->length) == 0) {
      u->connected = true;
    } else if (errno != EINPROGRESS) {
      const int saved = errno;
      ::close(fd);
      delete u;
      errno = saved;
      return nullptr;
    }
    upstreams_.insert(u);
    Watch(*u, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET);
    return u;
  }

  void OnUpstream(Upstream* u, uint32_t events) {
    if (!u->connected && (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
      int error = 0;
      socklen_t size = sizeof error;
      ::getsockopt(u->fd, SOL_SOCKET, SO_ERROR, &error, &size);
      if (error != 0) {
        InFlight* x = u->exchange;
        CloseUpstream(u);
        if (x) Fail(x, TransportError::kCannotConnect,
                    std::string("cannot connect to ") + upstream_->authority + ": " + std::strerror(error));
        return;
      }
      u->connected = true;
    }
    if (u->connected && (events & EPOLLOUT) && u->exchange && !FlushUpstream(u)) return;
    if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) ReadUpstream(u, events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR));
  }

  bool FlushUpstream(Upstream* u) {
    while (u->out && u->out_sent < u->out->size()) {
      const ssize_t n = ::send(u->fd, u->out->data() + u->out_sent, u->out->size() - u->out_sent, MSG_NOSIGNAL);
      if (n > 0) {
        u->out_sent += static_cast<size_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && WouldBlock()) return true;
      UpstreamClosed(u);  // what it answered, if anything, is read from here
      return false;
    }
    u->out = nullptr;
    u->out_sent = 0;
    return true;
  }

  // `hung_up`: epoll saw the upstream's end, which a short read must not
  // hide (an answer delimited by the close is whole only then).
  void ReadUpstream(Upstream* u, bool hung_up) {
    for (;;) {
      const ssize_t n = ::recv(u->fd, buffer_.data(), buffer_.size(), 0);
      if (n > 0) {
        if (!u->exchange) continue;  // an idle connection has nothing to say; dropped
        u->framer.Append(buffer_.data(), static_cast<size_t>(n));
        FramedResponse response;
        switch (u->framer.Take(response)) {
          case ResponseFramer::Next::kNeedMore: break;
          case ResponseFramer::Next::kResponse: Answered(u, std::move(response)); return;
          case ResponseFramer::Next::kBroken: Broken(u); return;
        }
        if (static_cast<size_t>(n) < buffer_.size() && !hung_up) return;
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && WouldBlock()) return;
      UpstreamClosed(u);
      return;
    }
  }

  // The upstream closed (or reset) its connection.
  void UpstreamClosed(Upstream* u) {
    InFlight* x = u->exchange;
    if (!x) {
      RemoveIdle(u);
      CloseUpstream(u);
      return;
    }
    FramedResponse response;
    if (u->framer.TakeAtClose(response) == ResponseFramer::Next::kResponse) {
      response.keep_alive = false;
      Answered(u, std::move(response));
      return;
    }
    const bool started = u->framer.started();
    CloseUpstream(u);
    if (!started && x->on_kept_connection && !x->resent) {
      // A kept-alive connection the upstream closed while idle: not this
      // request's fault. Sent once more, on a new connection.
      x->resent = true;
      SendUpstream(x, /*may_reuse=*/false);
      return;
    }
    if (!started)
      Fail(x, TransportError::kNoReply, "closed without answering");
    else
      Fail(x, TransportError::kOther, "closed in the middle of its answer");
  }

  void Broken(Upstream* u) {
    InFlight* x = u->exchange;
    const bool too_large = u->framer.too_large();
    const std::string why = u->framer.error();
    CloseUpstream(u);
    Fail(x, too_large ? TransportError::kTooLarge : TransportError::kOther, "answered what is not HTTP/1.1: " + why);
  }

  void Answered(Upstream* u, FramedResponse framed) {
    InFlight* x = u->exchange;
    u->exchange = nullptr;
    // Kept only when the whole request went out: an upstream that answers
    // before reading all of it (a 413) leaves the connection mid-request.
    if (framed.keep_alive && u->kept && !u->out) {
      idle_.push_back(u);
    } else {
      CloseUpstream(u);
    }
    HttpResponse response;
    response.status = framed.status;
    response.headers = std::move(framed.headers);
    response.body = std::move(framed.body);
    response.elapsed_ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - x->started).count();
    HttpReply reply = proxy_.Conclude(x->request, x->forward, response);
    // The upstream's own reason phrase, unless the proxy answers otherwise.
    const std::string reason = reply.status == framed.status ? std::move(framed.reason) : std::string();
    Finish(x, std::move(reply), reason);
  }

  void Fail(InFlight* x, TransportError error, std::string message) {
    HttpResponse response;
    response.error = error;
    response.error_message = std::move(message);
    response.elapsed_ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - x->started).count();
    Finish(x, proxy_.Conclude(x->request, x->forward, response), {});
  }

  // Sends the reply to the exchange's client, if it is still there, and
  // goes on with what it sent next.
  void Finish(InFlight* x, HttpReply reply, const std::string& reason) {
    Client* c = x->client;
    orphans_.erase(x);
    if (!c) {
      delete x;
      return;
    }
    c->in_flight = nullptr;
    const bool head_only = x->head_only, closes = x->closes;
    const int minor = x->minor_version;
    delete x;
    if (reply.drop_connection) {
      // The upstream closed without answering: so does the proxy.
      ::shutdown(c->fd, SHUT_RDWR);
      CloseClient(c);
      return;
    }
    purchase::http::AppendWireBytes(c->out, reply, minor, closes, head_only, reason);
    if (closes) c->closing = true;
    if (!FlushClient(c)) return;
    c->request_started = now_;
    Drive(c);
  }

  void RemoveIdle(Upstream* u) {
    for (auto it = idle_.begin(); it != idle_.end(); ++it)
      if (*it == u) {
        idle_.erase(it);
        return;
      }
  }

  void CloseUpstream(Upstream* u) {
    if (u->dead) return;
    u->dead = true;
    ::close(u->fd);
    upstreams_.erase(u);
    graveyard_.push_back(u);
  }

  // --- time ---

  // Every tenth of a second: stalled requests (408), idle and draining
  // clients (closed), upstream exchanges past their time (502).
  void Sweep() {
    if (accept_paused_) {
      accept_paused_ = false;
      Watch(listener_, EPOLLIN | EPOLLEXCLUSIVE);
    }
    std::vector<Client*> stalled, idle;
    for (Client* c : clients_) {
      if (c->draining) {
        if (now_ - c->drain_started > std::chrono::seconds(2)) idle.push_back(c);
      } else if (!c->in_flight && !c->closing && c->framer.HasPartialRequest()) {
        if (now_ - c->request_started > options_.request_timeout) stalled.push_back(c);
      } else if (!c->in_flight && c->out.empty() && now_ - c->last_active > options_.idle_timeout) {
        idle.push_back(c);
      }
    }
    for (Client* c : stalled)
      Refuse(c, timeout_, "the request was not complete within " + std::to_string(options_.request_timeout.count()) +
                              " ms of its first byte (a body shorter than its Content-Length, or a head or chunk "
                              "never finished)");
    for (Client* c : idle) CloseClient(c);
    std::vector<Upstream*> late;
    for (Upstream* u : upstreams_) {
      if (!u->exchange) continue;
      if ((!u->connected && now_ - u->connect_started > options_.connect_timeout) ||
          now_ - u->exchange->started > options_.upstream_timeout)
        late.push_back(u);
    }
    for (Upstream* u : late) {
      InFlight* x = u->exchange;
      const bool connecting = !u->connected;
      CloseUpstream(u);
        if (connecting)
        Fail(x, TransportError::kCannotConnect, "could not connect to " + upstream_->authority + " within " +
                                                    std::to_string(options_.connect_timeout.count()) + " ms");
      else
        Fail(x, TransportError::kTimeout, "no answer within " + std::to_string(options_.upstream_timeout.count()) + " ms");
    }
  }

  static constexpr std::chrono::milliseconds kSweepEvery{100};

  JudgingProxy& proxy_;
  const ProxyHostOptions& options_;
  const UpstreamAddress* upstream_;  // null: JudgingProxy::Handle forwards
  Socket listener_;
  WireError malformed_, header_too_large_, timeout_, body_too_large_;
  purchase::http::FramingLimits limits_;
  int epoll_ = -1;
  std::unique_ptr<Socket> wake_;
  std::vector<char> buffer_;
  std::unordered_set<Client*> clients_;
  std::unordered_set<Upstream*> upstreams_;
  std::vector<Upstream*> idle_;
  std::unordered_set<InFlight*> orphans_;  // in flight for a client that went away
  std::vector<Socket*> graveyard_;
  TimePoint now_ = Clock::now();
  bool accept_paused_ = false;  // out of descriptors: the listener is not watched until the next sweep
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

struct ProxyHost::Impl {
  JudgingProxy& proxy;
  ProxyHostOptions options;
  std::unique_ptr<UpstreamAddress> upstream;
  int listener = -1;
  std::vector<std::unique_ptr<Loop>> loops;
};

ProxyHost::ProxyHost(JudgingProxy& proxy, ProxyHostOptions options)
    : impl_(new Impl{proxy, std::move(options), nullptr, -1, {}}) {}

ProxyHost::~ProxyHost() { Stop(); }

uint16_t ProxyHost::Start() {
  Impl& m = *impl_;
  if (!m.options.upstream.empty()) m.upstream = std::make_unique<UpstreamAddress>(ReadUpstream(m.options.upstream));
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string port = std::to_string(m.options.port);
  if (const int rc = ::getaddrinfo(m.options.host.c_str(), port.c_str(), &hints, &found); rc != 0 || !found)
    throw std::runtime_error(std::string("cannot resolve ") + m.options.host + ": " + ::gai_strerror(rc));
  const int fd = ::socket(found->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  const int one = 1;
  if (fd >= 0) ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (fd < 0 || ::bind(fd, found->ai_addr, found->ai_addrlen) != 0 || ::listen(fd, 1024) != 0) {
    const std::string why = std::strerror(errno);
    if (fd >= 0) ::close(fd);
    ::freeaddrinfo(found);
    throw std::runtime_error(why);
  }
  ::freeaddrinfo(found);
  m.listener = fd;
  sockaddr_storage bound{};
  socklen_t size = sizeof bound;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &size);
  const uint16_t bound_port = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6&>(bound).sin6_port
                                                                : reinterpret_cast<sockaddr_in&>(bound).sin_port);
  const WireError malformed = purchase::http::Catalogued("MALFORMED_REQUEST");
  const WireError too_large = purchase::http::Catalogued("REQUEST_HEADER_FIELDS_TOO_LARGE");
  const WireError timeout = purchase::http::Catalogued("REQUEST_TIMEOUT");
  const WireError body_too_large = purchase::http::Catalogued("PAYLOAD_TOO_LARGE");
  for (int i = 0; i < std::max(1, m.options.threads); ++i)
    m.loops.push_back(std::make_unique<Loop>(m.proxy, m.options, m.upstream.get(), fd, malformed, too_large, timeout,
                                             body_too_large));
  for (auto& loop : m.loops) loop->Start();
  return bound_port;
}

void ProxyHost::Stop() {
  Impl& m = *impl_;
  for (auto& loop : m.loops) loop->Stop();
  m.loops.clear();
  if (m.listener >= 0) ::close(m.listener);
  m.listener = -1;
}

}  // namespace conformance
