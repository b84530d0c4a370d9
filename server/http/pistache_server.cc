#include "http/pistache_server.h"

#include <strings.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <queue>
#include <thread>

#include <pistache/endpoint.h>
#include <pistache/http.h>
#include <pistache/peer.h>

namespace purchase::http {
namespace {

using namespace Pistache;
using SteadyTime = std::chrono::steady_clock::time_point;

const char* MethodName(Http::Method m) {
  switch (m) {
    case Http::Method::Get: return "GET";
    case Http::Method::Post: return "POST";
    case Http::Method::Put: return "PUT";
    case Http::Method::Delete: return "DELETE";
    case Http::Method::Patch: return "PATCH";
    case Http::Method::Head: return "HEAD";
    case Http::Method::Options: return "OPTIONS";
    case Http::Method::Trace: return "TRACE";
    case Http::Method::Connect: return "CONNECT";
    default: return "OTHER";
  }
}

// A response header with a name chosen at run time. Pistache 0.0.5 writes only
// typed headers into a response (Raw ones are silently dropped).
class NamedHeader final : public Http::Header::Header {
 public:
  NamedHeader(std::string name, std::string value) : name_(std::move(name)), value_(std::move(value)) {}
  const char* name() const override { return name_.c_str(); }
  void write(std::ostream& os) const override { os << value_; }
#ifdef SAFE_HEADER_CAST
  uint64_t hash() const override { return 0; }
#endif

 private:
  std::string name_, value_;
};

void Send(Http::ResponseWriter& response, const HttpReply& reply) {
  for (const auto& [name, value] : reply.headers) response.headers().add(std::make_shared<NamedHeader>(name, value));
  // Parsing a media type costs Pistache about 5,200 instructions, 12% of the
  // adapter's work for GET /purchase/info (callgrind); nearly every reply has
  // HttpReply's default JSON type, so that one is parsed once.
  static const std::string_view kDefaultType = HttpReply{}.content_type;
  static const Http::Mime::MediaType kDefaultMediaType = Http::Mime::MediaType::fromString(std::string(kDefaultType));
  const auto code = static_cast<Http::Code>(reply.status);
  if (reply.content_type == kDefaultType)
    response.send(code, reply.body, kDefaultMediaType);
  else
    response.send(code, reply.body, Http::Mime::MediaType::fromString(std::string(reply.content_type)));
}

// Sends replies whose fault rule says "answer late", each at its deadline,
// from one thread of its own.
class DelayedReplies {
 public:
  DelayedReplies() : thread_([this] { Run(); }) {}
  ~DelayedReplies() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

  void Schedule(SteadyTime when, Http::ResponseWriter response, HttpReply reply) {
    {
      std::lock_guard lock(mu_);
      queue_.push(std::make_shared<Pending>(Pending{when, next_++, std::move(response), std::move(reply)}));
    }
    cv_.notify_all();
  }

 private:
  struct Pending {
    SteadyTime when;
    uint64_t seq;
    Http::ResponseWriter response;
    HttpReply reply;
  };
  struct Later {
    bool operator()(const std::shared_ptr<Pending>& a, const std::shared_ptr<Pending>& b) const {
      return a->when != b->when ? a->when > b->when : a->seq > b->seq;
    }
  };

  void Run() {
    std::unique_lock lock(mu_);
    while (!stopping_) {
      if (queue_.empty()) {
        cv_.wait(lock);
        continue;
      }
      const SteadyTime when = queue_.top()->when;
      if (std::chrono::steady_clock::now() < when) {
        cv_.wait_until(lock, when);
        continue;
      }
      std::shared_ptr<Pending> due = queue_.top();
      queue_.pop();
      lock.unlock();
      Send(due->response, due->reply);
      lock.lock();
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::priority_queue<std::shared_ptr<Pending>, std::vector<std::shared_ptr<Pending>>, Later> queue_;
  uint64_t next_ = 0;
  bool stopping_ = false;
  std::thread thread_;
};

struct Shared {
  HttpApi* api;
  bool log_requests;
  // host:port actually bound, for requests without a Host header (HTTP/1.0);
  // written once before `bound` is set.
  std::string authority;
  std::atomic<bool> bound{false};
  DelayedReplies delayed;
};

class ApiHandler : public Http::Handler {
 public:
  HTTP_PROTOTYPE(ApiHandler)
  explicit ApiHandler(std::shared_ptr<Shared> shared) : shared_(std::move(shared)) {}

  void onRequest(const Http::Request& request, Http::ResponseWriter response) override {
    const auto start = std::chrono::steady_clock::now();
    // One request record per I/O thread, assigned over field by field: its
    // strings keep their buffers, so building it allocates nothing once warm
    // (a fresh one cost three allocations per GET /purchase/info). Handle()
    // is synchronous, so nothing holds on to it.
    thread_local HttpRequest req;
    req.method = MethodName(request.method());
    req.path = request.resource();
    size_t params = 0;
    for (auto it = request.query().parameters_begin(); it != request.query().parameters_end(); ++it, ++params) {
      if (params == req.query.size()) req.query.emplace_back();
      req.query[params].first = it->first;
      req.query[params].second = it->second;
    }
    req.query.resize(params);
    const auto& headers = request.headers();
    // One pass over the raw headers instead of two tryGetRaw() lookups: each
    // of those lowercases a copy of the name, hashes it and copies the header
    // out (callgrind: 1,800 instructions and two allocations per request).
    // The map holds one entry per case-insensitive name, so this finds the same.
    bool has_authorization = false, has_host = false;
    for (const auto& [name, raw] : headers.rawList()) {
      if (strcasecmp(name.c_str(), "Authorization") == 0) {
        req.authorization = raw.value();
        has_authorization = true;
      } else if (strcasecmp(name.c_str(), "Host") == 0) {
        req.host = raw.value();
        has_host = true;
      }
    }
    if (!has_authorization) req.authorization.reset();
    if (!has_host) req.host.reset();
    req.local_authority =
        shared_->bound.load(std::memory_order_acquire) ? std::string_view(shared_->authority) : std::string_view();
    req.body = request.body();

    HttpReply reply = shared_->api->Handle(req);

    // Keep-alive: HTTP/1.1 means keep the connection unless the client says
    // otherwise; Pistache's "Connection: Close" default is wrong for it.
    auto connection = headers.tryGet<Http::Header::Connection>();
    const bool client_closes = connection && connection->control() == Http::ConnectionControl::Close;
    if (request.version() == Http::Version::Http11 && !client_closes)
      response.headers().remove<Http::Header::Connection>();

    if (shared_->log_requests) {
      const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
      std::fprintf(stderr, "%s %s %d %.3fms%s\n", req.method.c_str(), req.path.c_str(), reply.status, ms,
                   reply.drop_connection ? " (connection dropped by fault rule)"
                                         : reply.delay_ms ? " (delayed by fault rule)" : "");
    }
    if (reply.drop_connection) {
      // The lost-reply case: the request was handled, the client never hears.
      if (auto peer = response.peer()) ::shutdown(peer->fd(), SHUT_RDWR);
      return;
    }
    if (reply.delay_ms > 0) {
      shared_->delayed.Schedule(start + std::chrono::milliseconds(reply.delay_ms), std::move(response), std::move(reply));
      return;
    }
    Send(response, reply);
  }

 private:
  std::shared_ptr<Shared> shared_;
};

}  // namespace

struct PistacheServer::Impl {
  ServerOptions options;
  std::shared_ptr<Shared> shared;
  std::unique_ptr<Http::Endpoint> endpoint;
};

PistacheServer::PistacheServer(HttpApi& api, ServerOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->shared = std::make_shared<Shared>();
  impl_->shared->api = &api;
  impl_->shared->log_requests = impl_->options.log_requests;
}

PistacheServer::~PistacheServer() { Stop(); }

uint16_t PistacheServer::Start() {
  const Address address(impl_->options.host, Port(impl_->options.port));
  impl_->endpoint = std::make_unique<Http::Endpoint>(address);
  auto opts = Http::Endpoint::options()
                  .threads(impl_->options.threads)
                  .flags(Tcp::Options::ReuseAddr)
                  .maxRequestSize(impl_->options.max_request_bytes)
                  .maxResponseSize(16 * 1024 * 1024);
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
    impl_->endpoint->shutdown();
    impl_->endpoint.reset();
  }
}

}  // namespace purchase::http
