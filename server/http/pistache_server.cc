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
#include <pistache/transport.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "core/error_catalog.h"
#include "http/request_head.h"

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

Async::Promise<ssize_t> Send(Http::ResponseWriter& response, const HttpReply& reply) {
  for (const auto& [name, value] : reply.headers) response.headers().add(std::make_shared<NamedHeader>(name, value));
  // Parsing a media type costs Pistache about 5,200 instructions, 12% of the
  // adapter's work for GET /purchase/info (callgrind); nearly every reply has
  // HttpReply's default JSON type, so that one is parsed once.
  static const std::string_view kDefaultType = HttpReply{}.content_type;
  static const Http::Mime::MediaType kDefaultMediaType = Http::Mime::MediaType::fromString(std::string(kDefaultType));
  const auto code = static_cast<Http::Code>(reply.status);
  if (reply.content_type == kDefaultType) return response.send(code, reply.body, kDefaultMediaType);
  return response.send(code, reply.body, Http::Mime::MediaType::fromString(std::string(reply.content_type)));
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

// An error the adapter answers itself, before HttpApi sees the request: its
// code and status (spec/errors.yaml, looked up when the server is built).
struct WireError {
  std::string_view code;
  int status = 0;
};

struct Shared {
  RequestHandler* api;
  bool log_requests;
  size_t max_body_read;  // ServerOptions::max_request_bytes
  // host:port actually bound, for requests without a Host header (HTTP/1.0);
  // written once before `bound` is set.
  std::string authority;
  std::atomic<bool> bound{false};
  DelayedReplies delayed;
  WireError malformed_request, header_too_large, payload_too_large, internal_error;
};

// Per connection: Pistache's request parser (so that Pistache's own code,
// which finds it under Http::Handler::ParserData, still does), and what the
// adapter checks in front of it.
struct WireParser final : Http::RequestParser {
  explicit WireParser(size_t max_bytes) : Http::RequestParser(max_bytes) {}
  RequestHeadScanner head;
  std::string pending;     // the bytes of a head that spans reads, until it is complete
  bool head_fed = false;   // the current request's head is in Pistache's parser
  bool refused = false;    // answered and closing: every later byte is dropped
  // Readies the connection for its next request.
  void NextRequest() {
    reset();
    head.Reset();
    head_fed = false;
    if (pending.capacity() > 2 * kMaxHeadLineBytes) std::string().swap(pending);
    pending.clear();
  }
};

// The JSON error body HttpApi writes ({"error":{"code","message"}}).
std::string ErrorBody(std::string_view code, std::string_view message) {
  rapidjson::StringBuffer out;
  rapidjson::Writer<rapidjson::StringBuffer> w(out);
  w.StartObject();
  w.Key("error");
  w.StartObject();
  w.Key("code");
  w.String(code.data(), static_cast<rapidjson::SizeType>(code.size()));
  w.Key("message");
  w.String(message.data(), static_cast<rapidjson::SizeType>(message.size()));
  w.EndObject();
  w.EndObject();
  return std::string(out.GetString(), out.GetSize());
}

// Pistache 0.0.5's Http::Handler::onInput, taken over: it feeds each read to
// the parser and calls onRequest when a request is whole, but answers what it
// refuses itself (plain-text 400, 413, 501, and a 500 with the exception's
// what() for a Content-Length of -1 or 20 digits), accepts what it should
// refuse (a 100,000-byte header; Content-Length "abc" read as 0) and keeps a
// request whose body passes its buffer in memory. This one does what it did
// (the same parser, ResponseWriter, Connection header, Peer::setIdle), with
// RequestHeadScanner in front of the parser and every refusal a JSON error of
// spec/errors.yaml. It runs on the connection's I/O thread, like Pistache's.
class ApiHandler : public Http::Handler {
 public:
  HTTP_PROTOTYPE(ApiHandler)
  explicit ApiHandler(std::shared_ptr<Shared> shared) : shared_(std::move(shared)) {}

  void onRequest(const Http::Request& request, Http::ResponseWriter response) override {
    Serve(request, std::move(response), /*body_unread=*/false);
  }

  // A client that half-closes its side right after its request (printf ... |
  // nc -N; some proxies) makes Pistache read 0 bytes in the same call that
  // read the request (Tcp::Transport::handleIncoming), then call this and
  // close the socket (removePeer), while the reply onRequest queued
  // (Transport::asyncWrite only queues) is still unwritten: it was lost.
  // Writing the queue now sends it before the close. A reply too large for
  // the socket buffer at once is still cut short, as is one waiting for its
  // fault rule's delay.
  void onDisconnection(const std::shared_ptr<Tcp::Peer>& peer) override {
    (void)peer;
    transport()->flush();
  }

 private:
  void onConnection(const std::shared_ptr<Tcp::Peer>& peer) override {
    // As Http::Handler::onConnection, with the adapter's parser.
    std::shared_ptr<Http::RequestParser> parser = std::make_shared<WireParser>(getMaxRequestSize());
    peer->putData(ParserData, parser);
  }

  void onInput(const char* buffer, size_t len, const std::shared_ptr<Tcp::Peer>& peer) override {
    const std::shared_ptr<Http::RequestParser> parser = getParser(peer);
    WireParser& wire = static_cast<WireParser&>(*parser);
    if (wire.refused) return;
    if (wire.head_fed) {
      Feed(wire, buffer, len, peer);
      return;
    }
    // A head is usually whole in one read: it is scanned where it lies and
    // only a head that spans reads is kept (in `pending`) until it is whole.
    const bool kept = !wire.pending.empty();
    if (kept) wire.pending.append(buffer, len);
    const char* data = kept ? wire.pending.data() : buffer;
    const size_t size = kept ? wire.pending.size() : len;
    using Verdict = RequestHeadScanner::Verdict;
    const Verdict verdict = wire.head.Scan(data, size);
    switch (verdict) {
      case Verdict::kIncomplete:
        if (!kept) wire.pending.assign(buffer, len);
        return;
      case Verdict::kComplete:
        break;
      case Verdict::kLineTooLong:
      case Verdict::kHeadTooLarge:
        Refuse(wire, peer, shared_->header_too_large, RequestHeadScanner::Explain(verdict));
        return;
      default:
        Refuse(wire, peer, shared_->malformed_request, RequestHeadScanner::Explain(verdict));
        return;
    }
    wire.head_fed = true;
    const std::string carried = std::move(wire.pending);  // `data` may point into it
    wire.pending.clear();
    if (kept) data = carried.data();
    const std::optional<uint64_t> length = wire.head.content_length();
    if (!length || *length <= shared_->max_body_read) {
      Feed(wire, data, size, peer);
      return;
    }
    // A body over the limit is not read: the request is answered from its
    // head (HttpApi's 413 after its route and fault checks), then the
    // connection is closed. Pistache is given the head without its
    // Content-Length, or it would wait for (or try to reserve) that body.
    const std::string head = RequestHeadScanner::WithoutContentLength(std::string_view(data, wire.head.head_size()));
    Http::Private::State state = Http::Private::State::Again;
    try {
      if (wire.feed(head.data(), head.size())) state = wire.parse();
    } catch (const std::exception&) {
      state = Http::Private::State::Again;
    }
    if (state == Http::Private::State::Done)
      Answer(wire, peer, /*body_unread=*/true);
    else
      Refuse(wire, peer, shared_->payload_too_large,
             "the request body is larger than " + std::to_string(shared_->max_body_read) + " bytes");
  }

  // Feeds bytes of the current request (its head, then body bytes) to
  // Pistache's parser and answers the request once it is whole.
  void Feed(WireParser& wire, const char* data, size_t size, const std::shared_ptr<Tcp::Peer>& peer) {
    if (!wire.feed(data, size)) {
      // Past the parser's buffer: a chunked body longer than any
      // Content-Length would be let in. Answered from its head, as above.
      Answer(wire, peer, /*body_unread=*/true);
      return;
    }
    Http::Private::State state;
    try {
      state = wire.parse();
    } catch (const Http::HttpError& e) {
      // Pistache's own refusals: a bad request line or version, an unknown
      // method, an unsupported Transfer-Encoding, a malformed chunk.
      Refuse(wire, peer, shared_->malformed_request, "the request is not HTTP/1.1 this server reads: " + e.reason());
      return;
    } catch (const std::exception&) {
      Refuse(wire, peer, shared_->malformed_request, "the request is not HTTP/1.1 this server reads");
      return;
    }
    if (state == Http::Private::State::Done) {
      Answer(wire, peer, /*body_unread=*/false);
    } else if (wire.step()->id() != Http::Private::BodyStep::Id) {
      // The whole head is in and Pistache still reads it: a request line
      // without a version, a field without a colon, bare LFs. It would wait
      // for the rest forever.
      Refuse(wire, peer, shared_->malformed_request, "the request head is not HTTP/1.1 this server reads");
    }
  }

  // Answers the request Pistache parsed, as Http::Handler::onInput does.
  void Answer(WireParser& wire, const std::shared_ptr<Tcp::Peer>& peer, bool body_unread) {
    Http::Request& request = wire.request;
    try {
      Http::ResponseWriter response(request.version(), transport(), this, peer);
      request.copyAddress(peer->address());
      // Keep-alive: HTTP/1.1 means keep the connection unless the client
      // says otherwise; Pistache's "Connection: Close" default is wrong for it.
      auto connection = request.headers().tryGet<Http::Header::Connection>();
      const bool client_closes = connection && connection->control() == Http::ConnectionControl::Close;
      if (body_unread || client_closes || request.version() != Http::Version::Http11)
        response.headers().add<Http::Header::Connection>(
            body_unread || !connection ? Http::ConnectionControl::Close : connection->control());
      peer->setIdle(false);
      Serve(request, std::move(response), body_unread);
    } catch (const std::exception& e) {
      if (shared_->log_requests) std::fprintf(stderr, "- - 500 (adapter: %s)\n", e.what());
      Refuse(wire, peer, shared_->internal_error, "unexpected server error");
      return;
    }
    if (body_unread) {
      wire.refused = true;
      wire.reset();
    } else {
      wire.NextRequest();
    }
  }

  // Answers `error` and closes the connection: after a framing error or an
  // unread body, the next request's first byte cannot be found. The client
  // gets the reply, then the end of the stream (shutdown SHUT_WR once the
  // reply is written); what it still sends is read and dropped until it
  // closes, so that the close never resets a reply it has not read yet.
  void Refuse(WireParser& wire, const std::shared_ptr<Tcp::Peer>& peer, const WireError& error,
              const std::string& message) {
    wire.refused = true;
    HttpReply reply;
    reply.status = error.status;
    reply.body = ErrorBody(error.code, message);
    Http::ResponseWriter response(Http::Version::Http11, transport(), this, peer);
    response.headers().add<Http::Header::Connection>(Http::ConnectionControl::Close);
    if (shared_->log_requests) std::fprintf(stderr, "- - %d (refused before the API: %s)\n", reply.status, message.c_str());
    CloseAfter(Send(response, reply), peer);
    wire.reset();
    wire.pending.clear();
  }

  static void CloseAfter(Async::Promise<ssize_t> sent, const std::shared_ptr<Tcp::Peer>& peer) {
    std::weak_ptr<Tcp::Peer> weak = peer;
    sent.then(
        [weak](ssize_t) {
          if (auto p = weak.lock()) ::shutdown(p->fd(), SHUT_WR);
        },
        Async::IgnoreException);
  }

  // Copies the request into an HttpRequest, asks HttpApi, and writes its
  // reply. `body_unread`: the body was over the limit and not read; HttpApi
  // is given one just past the limit, so that it answers exactly as for any
  // body over max_body_bytes (route, fault rules, 413), and the connection
  // is closed after the reply.
  void Serve(const Http::Request& request, Http::ResponseWriter response, bool body_unread) {
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
    if (body_unread)
      req.body.assign(shared_->max_body_read + 1, 'x');
    else
      req.body = request.body();

    HttpReply reply = shared_->api->Handle(req);
    if (body_unread && req.body.capacity() > 2 * kMaxHeadBytes) std::string().swap(req.body);

    if (shared_->log_requests) {
      const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
      std::fprintf(stderr, "%s %s %d %.3fms%s\n", req.method.c_str(), req.path.c_str(), reply.status, ms,
                   reply.drop_connection ? " (connection dropped by fault rule)"
                   : reply.delay_ms      ? " (delayed by fault rule)"
                   : body_unread         ? " (body over the limit not read; connection closed)"
                                         : "");
    }
    if (reply.drop_connection) {
      // The lost-reply case: the request was handled, the client never hears.
      if (auto peer = response.peer()) ::shutdown(peer->fd(), SHUT_RDWR);
      return;
    }
    if (reply.delay_ms > 0) {
      // (After an unread body the client closes: the reply says Connection: close.)
      shared_->delayed.Schedule(start + std::chrono::milliseconds(reply.delay_ms), std::move(response), std::move(reply));
      return;
    }
    auto sent = Send(response, reply);
    if (body_unread)
      if (auto peer = response.peer()) CloseAfter(std::move(sent), peer);
  }

  std::shared_ptr<Shared> shared_;
};

// The code's status in spec/errors.yaml; throws if the catalog lacks it.
WireError Catalogued(std::string_view code) {
  const auto& statuses = ErrorCatalog::Builtin().statuses();
  const auto it = statuses.find(std::string(code));
  if (it == statuses.end()) throw std::runtime_error("spec/errors.yaml has no " + std::string(code));
  return WireError{code, it->second};
}

}  // namespace

struct PistacheServer::Impl {
  ServerOptions options;
  std::shared_ptr<Shared> shared;
  std::unique_ptr<Http::Endpoint> endpoint;
};

PistacheServer::PistacheServer(RequestHandler& api, ServerOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->shared = std::make_shared<Shared>();
  impl_->shared->api = &api;
  impl_->shared->log_requests = impl_->options.log_requests;
  impl_->shared->max_body_read = impl_->options.max_request_bytes;
  impl_->shared->malformed_request = Catalogued("MALFORMED_REQUEST");
  impl_->shared->header_too_large = Catalogued("REQUEST_HEADER_FIELDS_TOO_LARGE");
  impl_->shared->payload_too_large = Catalogued("PAYLOAD_TOO_LARGE");
  impl_->shared->internal_error = Catalogued("INTERNAL_ERROR");
}

PistacheServer::~PistacheServer() { Stop(); }

uint16_t PistacheServer::Start() {
  const Address address(impl_->options.host, Port(impl_->options.port));
  impl_->endpoint = std::make_unique<Http::Endpoint>(address);
  auto opts = Http::Endpoint::options()
                  .threads(impl_->options.threads)
                  .flags(Tcp::Options::ReuseAddr)
                  // A whole head and the largest body read fit in Pistache's buffer.
                  .maxRequestSize(impl_->options.max_request_bytes + kMaxHeadBytes)
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
