// ProxyHost behind real sockets on 127.0.0.1: a scripted upstream (one
// thread per connection, each request answered by the next step of a script
// in the order requests arrive), a JudgingProxy for the HL Connector's spec,
// the host on a free port, and a blocking client that sends raw bytes and
// reads what comes back (5 s receive timeout). Every wait is bounded; the
// upstream stops itself when the test's rig goes away.
//
// Each close case is run several times: a close that arrives in the same
// epoll edge as the last data once went unseen, depending on timing.
#include "proxy/proxy_host.h"

#include <boost/test/unit_test.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "check/openapi.h"
#include "core/lifecycle.h"
#include "exec/http_client.h"
#include "proxy/judging_proxy.h"
#include "testing/raw_socket.h"
#include "testing/test_support.h"

namespace conformance {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

const OpenApiSpec& HlSpec() {
  static const auto spec = OpenApiSpec::Parse(ReadTestFile(CONFORMANCE_OPENAPI), "spec/openapi.yaml");
  return *spec;
}

sockaddr_in Loopback(uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

// The value of `name` in a request or reply head (any case), or "".
std::string FieldOf(const std::string& head, const std::string& name) {
  std::istringstream lines(head);
  std::string line;
  while (std::getline(lines, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const size_t colon = line.find(':');
    if (colon == std::string::npos || !EqualsIgnoringCase(line.substr(0, colon), name)) continue;
    const size_t start = line.find_first_not_of(' ', colon + 1);
    return start == std::string::npos ? "" : line.substr(start);
  }
  return "";
}

// An upstream on 127.0.0.1 that answers the n-th request it receives (over
// all its connections) with the n-th step of its script; a request past the
// script has its connection closed without an answer.
class ScriptedUpstream {
 public:
  enum class After {
    kKeepOpen,             // answer, then read the next request on the connection
    kClose,                // answer, then close
    kCloseWithoutAnswer,   // read the request and close (a lost reply)
    kNeverAnswer,          // read the request and wait until the other side closes
  };
  struct Step {
    std::function<std::string(const std::string& request)> answer;
    After after = After::kKeepOpen;
  };
  static Step Answer(std::string bytes, After after = After::kKeepOpen) {
    return {[bytes](const std::string&) { return bytes; }, after};
  }
  static Step Lose() { return {nullptr, After::kCloseWithoutAnswer}; }
  static Step Hang() { return {nullptr, After::kNeverAnswer}; }

  explicit ScriptedUpstream(std::vector<Step> script) : script_(std::move(script)) {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a = Loopback(0);
    socklen_t size = sizeof a;
    if (listener_ < 0 || ::bind(listener_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::listen(listener_, 16) != 0 || ::getsockname(listener_, reinterpret_cast<sockaddr*>(&a), &size) != 0)
      throw std::runtime_error("the scripted upstream cannot listen");
    port_ = ntohs(a.sin_port);
    acceptor_ = std::thread([this] { AcceptLoop(); });
  }
  ~ScriptedUpstream() {
    stop_.store(true);
    acceptor_.join();
    for (auto& t : connections_) t.join();
    ::close(listener_);
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::string authority() const { return "127.0.0.1:" + std::to_string(port_); }
  // Every request received so far, head and body, in the order received.
  std::vector<std::string> requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }
  int connections() {
    std::lock_guard lock(mu_);
    return static_cast<int>(connections_.size());
  }

 private:
  static constexpr auto kLifetime = 8s;  // a test that forgets to end cannot hold its thread longer

  bool Expired() const { return stop_.load() || Clock::now() - born_ > kLifetime; }

  // Waits up to 50 ms for `fd` to be readable.
  static bool Readable(int fd) {
    pollfd p{fd, POLLIN, 0};
    return ::poll(&p, 1, 50) > 0;
  }

  void AcceptLoop() {
    while (!Expired()) {
      if (!Readable(listener_)) continue;
      const int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      std::lock_guard lock(mu_);
      connections_.emplace_back([this, fd] {
        Serve(fd);
        ::close(fd);
      });
    }
  }

  // Reads one request (head, then a Content-Length body) from `fd` into
  // `request`, with what followed it left in `pending`. False when the
  // connection closed or the upstream stops first.
  bool ReadRequest(int fd, std::string& pending, std::string& request) {
    char buffer[4096];
    for (;;) {
      if (const size_t end = pending.find("\r\n\r\n"); end != std::string::npos) {
        const std::string length = FieldOf(pending.substr(0, end + 2), "Content-Length");
        const size_t whole = end + 4 + (length.empty() ? 0 : std::stoul(length));
        if (pending.size() >= whole) {
          request = pending.substr(0, whole);
          pending.erase(0, whole);
          return true;
        }
      }
      if (Expired()) return false;
      if (!Readable(fd)) continue;
      const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
      if (n <= 0) return false;
      pending.append(buffer, static_cast<size_t>(n));
    }
  }

  void Serve(int fd) {
    std::string pending, request;
    while (ReadRequest(fd, pending, request)) {
      Step step = Lose();
      {
        std::lock_guard lock(mu_);
        if (requests_.size() < script_.size()) step = script_[requests_.size()];
        requests_.push_back(request);
      }
      if (step.after == After::kCloseWithoutAnswer) return;
      if (step.after == After::kNeverAnswer) {
        char byte;
        while (!Expired())
          if (Readable(fd) && ::recv(fd, &byte, 1, 0) <= 0) return;
        return;
      }
      const std::string bytes = step.answer(request);
      if (::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(bytes.size())) return;
      if (step.after == After::kClose) return;
    }
  }

  const std::vector<Step> script_;
  const Clock::time_point born_ = Clock::now();
  int listener_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::vector<std::string> requests_;
  std::vector<std::thread> connections_;
  std::thread acceptor_;
};

using Step = ScriptedUpstream::Step;
using After = ScriptedUpstream::After;

// The host forwards by itself: JudgingProxy::Handle (and so its client)
// must not be used. If it were, the client sees this 502.
class UnusedClient final : public HttpClient {
 public:
  HttpResponse Send(const HttpRequest&) override {
    HttpResponse r;
    r.error = TransportError::kOther;
    r.error_message = "JudgingProxy::Handle was called";
    return r;
  }
};

// A port nobody listens on (bound, then let go without listening).
uint16_t UnusedPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a = Loopback(0);
  socklen_t size = sizeof a;
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &size);
  ::close(fd);
  return ntohs(a.sin_port);
}

// The scripted upstream, a JudgingProxy over it, and the host in front
// (declared last: stopped first, so that its upstream connections close
// before the upstream's threads are joined).
struct Rig {
  explicit Rig(std::vector<Step> script, std::function<void(ProxyHostOptions&)> tweak = {},
               std::string upstream_url = "")
      : upstream(std::move(script)) {
    url = upstream_url.empty() ? upstream.url() : upstream_url;
    ProxyOptions o;
    o.upstream = url;
    o.spec = &HlSpec();
    o.lifecycle = &purchase::Lifecycle::Builtin();
    o.new_client = [] { return std::make_unique<UnusedClient>(); };
    o.log = &log;
    proxy = std::make_unique<JudgingProxy>(o);
    ProxyHostOptions h;
    h.upstream = url;
    h.threads = 2;
    if (tweak) tweak(h);
    host = std::make_unique<ProxyHost>(*proxy, h);
    port = host->Start();
  }
  ScriptedUpstream upstream;
  std::string url;
  std::ostringstream log;
  std::unique_ptr<JudgingProxy> proxy;
  std::unique_ptr<ProxyHost> host;
  uint16_t port = 0;
};

// A blocking client of the host: raw bytes out, raw bytes back.
class RawClient {
 public:
  explicit RawClient(uint16_t port) : fd_(purchase::testing::ConnectLoopback(port)) {
    if (fd_ < 0) throw std::runtime_error("cannot connect to the proxy");
    timeval five{5, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &five, sizeof five);
  }
  ~RawClient() { ::close(fd_); }

  // Ends the client's side: it sends nothing more, and waits.
  void HalfClose() { ::shutdown(fd_, SHUT_WR); }

  void Send(const std::string& bytes) {
    BOOST_TEST_REQUIRE(::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size()));
  }
  // Reads one reply (head, then its Content-Length body); what it got when
  // the connection closes or 5 s pass first.
  std::string ReadReply() {
    for (;;) {
      if (const size_t end = pending_.find("\r\n\r\n"); end != std::string::npos) {
        const std::string length = FieldOf(pending_.substr(0, end + 2), "Content-Length");
        const size_t whole = end + 4 + (length.empty() ? 0 : std::stoul(length));
        if (pending_.size() >= whole) {
          std::string reply = pending_.substr(0, whole);
          pending_.erase(0, whole);
          return reply;
        }
      }
      if (!Receive()) return std::exchange(pending_, {});
    }
  }
  // Reads until the proxy closes the connection; false if 5 s pass first.
  bool ReadUntilClose(std::string& bytes) {
    while (Receive()) {
    }
    bytes = std::exchange(pending_, {});
    return closed_;
  }

 private:
  // False at the close (closed_), a reset (closed_ too) or the timeout.
  bool Receive() {
    char buffer[4096];
    const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
    if (n > 0) {
      pending_.append(buffer, static_cast<size_t>(n));
      return true;
    }
    closed_ = n == 0 || errno == ECONNRESET;
    return false;
  }

  int fd_ = -1;
  std::string pending_;
  bool closed_ = false;
};

std::string JsonReply(const std::string& status_line, const std::string& body, bool closes = false) {
  return "HTTP/1.1 " + status_line + "\r\nContent-Type: application/json; charset=utf-8\r\n" +
         (closes ? "Connection: close\r\n" : "") + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

const std::string kOrderBody =
    R"({"order_id":"o-1","vendor_order_id":"v-1","asset_id":"a-1","quantity":1,"status":"PROCESSING",)"
    R"("created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z"})";

std::string Get(const std::string& target) {
  return "GET " + target + " HTTP/1.1\r\nHost: proxy.test\r\nAuthorization: Bearer tok-a\r\n\r\n";
}

BOOST_AUTO_TEST_SUITE(ProxyHostTest)

BOOST_AUTO_TEST_CASE(TheUpstreamsReasonPhraseAndItsChunkedBodyComeBackWithAContentLength) {
  // The body split over three chunks, one with an extension, and a trailer.
  std::string wire = "HTTP/1.1 202 Taking Its Time\r\nContent-Type: application/json\r\nRetry-After: 1\r\n"
                     "Transfer-Encoding: chunked\r\nX-Upstream: yes\r\n\r\n";
  for (const std::string& part : {kOrderBody.substr(0, 10), kOrderBody.substr(10, 50), kOrderBody.substr(60)}) {
    std::ostringstream size;
    size << std::hex << part.size();
    wire += size.str() + (part.size() == 50 ? ";ext=1" : "") + "\r\n" + part + "\r\n";
  }
  wire += "0\r\nX-Trailer: dropped\r\n\r\n";
  Rig rig({ScriptedUpstream::Answer(wire)});
  RawClient client(rig.port);
  client.Send(Get("/purchase/info?order_id=o-1"));
  BOOST_TEST(client.ReadReply() ==
             "HTTP/1.1 202 Taking Its Time\r\nContent-Type: application/json\r\nRetry-After: 1\r\nX-Upstream: yes\r\n"
             "Content-Length: " + std::to_string(kOrderBody.size()) + "\r\n\r\n" + kOrderBody);
  // What the upstream got: the upstream's authority for Host, the client's
  // own fields but the hop-by-hop ones.
  const auto requests = rig.upstream.requests();
  BOOST_TEST_REQUIRE(requests.size() == 1u);
  BOOST_TEST(requests[0] == "GET /purchase/info?order_id=o-1 HTTP/1.1\r\nHost: " + rig.upstream.authority() +
                                "\r\nAuthorization: Bearer tok-a\r\n\r\n");
}

BOOST_AUTO_TEST_CASE(TwoPipelinedGetsAreAnsweredInOrderOnOneUpstreamConnection) {
  // Each answer names the request it answers.
  const auto echo = [](const std::string& request) {
    const std::string line = request.substr(0, request.find("\r\n"));
    return "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + std::to_string(line.size()) +
           "\r\n\r\n" + line;
  };
  Rig rig({{echo, After::kKeepOpen}, {echo, After::kKeepOpen}});
  RawClient client(rig.port);
  client.Send(Get("/purchase/info?order_id=o-1") + Get("/purchase/info?order_id=o-2"));
  const auto reply_to = [](const std::string& line) {
    return "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + std::to_string(line.size()) +
           "\r\n\r\n" + line;
  };
  BOOST_TEST(client.ReadReply() == reply_to("GET /purchase/info?order_id=o-1 HTTP/1.1"));
  BOOST_TEST(client.ReadReply() == reply_to("GET /purchase/info?order_id=o-2 HTTP/1.1"));
  BOOST_TEST(rig.upstream.requests().size() == 2u);
  BOOST_TEST(rig.upstream.connections() == 1);  // the first answer's connection was kept for the second
}

BOOST_AUTO_TEST_CASE(AKeptConnectionTheUpstreamClosedWhileIdleIsNotALostReply) {
  // The upstream reads the second GET on the kept connection and closes it
  // without a byte: what a server closing an idle connection looks like
  // when the request crosses the close. The proxy sends it once more, on a
  // new connection.
  Rig rig({ScriptedUpstream::Answer(JsonReply("200 OK", kOrderBody)), ScriptedUpstream::Lose(),
           ScriptedUpstream::Answer(JsonReply("200 OK", kOrderBody))});
  RawClient client(rig.port);
  const std::string expected = JsonReply("200 OK", kOrderBody);
  client.Send(Get("/purchase/info?order_id=o-1"));
  BOOST_TEST(client.ReadReply() == expected);
  client.Send(Get("/purchase/info?order_id=o-1"));
  BOOST_TEST(client.ReadReply() == expected);
  const auto requests = rig.upstream.requests();
  BOOST_TEST_REQUIRE(requests.size() == 3u);
  BOOST_TEST(requests[1] == requests[2]);  // the same request, resent
  BOOST_TEST(rig.upstream.connections() == 2);
  BOOST_TEST(rig.proxy->totals().dropped == 0u);
}

BOOST_AUTO_TEST_CASE(AnUpstreamThatClosedAnIdleKeptConnectionIsNotUsedAgain) {
  // The upstream answers (keep-alive) and closes right after: by the next
  // GET the proxy either saw the close or resends; either way a 200.
  Rig rig({ScriptedUpstream::Answer(JsonReply("200 OK", kOrderBody), After::kClose),
           ScriptedUpstream::Answer(JsonReply("200 OK", kOrderBody))});
  RawClient client(rig.port);
  const std::string expected = JsonReply("200 OK", kOrderBody);
  client.Send(Get("/purchase/info?order_id=o-1"));
  BOOST_TEST(client.ReadReply() == expected);
  std::this_thread::sleep_for(50ms);  // the close reaches the proxy while the connection is idle
  client.Send(Get("/purchase/info?order_id=o-1"));
  BOOST_TEST(client.ReadReply() == expected);
  BOOST_TEST(rig.upstream.requests().size() == 2u);
  BOOST_TEST(rig.upstream.connections() == 2);
}

BOOST_AUTO_TEST_CASE(APostWhoseUpstreamClosesWithoutAnsweringIsDroppedAndSentOnce) {
  Rig rig({ScriptedUpstream::Lose(), ScriptedUpstream::Answer(JsonReply("201 Created", kOrderBody))});
  RawClient client(rig.port);
  const std::string body = R"({"token":"t","asset_id":"a-1","quantity":1,"vendor_order_id":"v-1"})";
  client.Send("POST /purchase/register HTTP/1.1\r\nHost: proxy.test\r\nAuthorization: Bearer tok-a\r\n"
              "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
  std::string got;
  BOOST_TEST(client.ReadUntilClose(got));  // closed, not timed out
  BOOST_TEST(got == "");                   // and without a byte: the lost reply stays lost
  std::this_thread::sleep_for(200ms);      // a resend, if any, would have reached the upstream by now
  const auto requests = rig.upstream.requests();
  BOOST_TEST_REQUIRE(requests.size() == 1u);
  BOOST_TEST(requests[0] == "POST /purchase/register HTTP/1.1\r\nHost: " + rig.upstream.authority() +
                                "\r\nAuthorization: Bearer tok-a\r\nContent-Type: application/json\r\nContent-Length: " +
                                std::to_string(body.size()) + "\r\n\r\n" + body);
  BOOST_TEST(rig.proxy->totals().dropped == 1u);
}

BOOST_AUTO_TEST_CASE(AnUnreachableUpstreamIsA502UpstreamFailed) {
  const std::string authority = "127.0.0.1:" + std::to_string(UnusedPort());
  Rig rig({}, {}, "http://" + authority);
  RawClient client(rig.port);
  client.Send(Get("/purchase/info?order_id=o-1"));
  const std::string body = R"({"error":{"code":"UPSTREAM_FAILED","message":"the upstream cannot connect: cannot connect to )" +
                           authority + R"(: Connection refused"}})";
  BOOST_TEST(client.ReadReply() == JsonReply("502 Bad Gateway", body));
  BOOST_TEST(rig.proxy->totals().upstream_failures == 1u);
}

BOOST_AUTO_TEST_CASE(GarbageFromTheClientIsA400MalformedRequestAndTheConnectionClosed) {
  Rig rig({});
  RawClient client(rig.port);
  client.Send("garbage\r\n\r\n");
  std::string got;
  BOOST_TEST(client.ReadUntilClose(got));
  const std::string body =
      R"({"error":{"code":"MALFORMED_REQUEST","message":"the request line is not `method SP target SP version` with a )"
      R"(token method and an origin-form (/path?query) or absolute-form (http://host/path) target of visible ASCII"}})";
  BOOST_TEST(got == JsonReply("400 Bad Request", body, /*closes=*/true));
  BOOST_TEST(rig.upstream.requests().empty());
}

BOOST_AUTO_TEST_CASE(ARequestIncompletePastTheRequestTimeoutIsA408) {
  Rig rig({}, [](ProxyHostOptions& o) { o.request_timeout = 300ms; });
  RawClient client(rig.port);
  const auto sent = Clock::now();
  client.Send("GET /purchase/info?order_id=o-1 HTTP/1.1\r\nHost: proxy.test\r\n");  // the head never ends
  std::string got;
  BOOST_TEST(client.ReadUntilClose(got));
  const auto waited = Clock::now() - sent;
  BOOST_TEST((waited >= 300ms && waited < 2s), std::chrono::duration_cast<std::chrono::milliseconds>(waited).count());
  const std::string body =
      R"({"error":{"code":"REQUEST_TIMEOUT","message":"the request was not complete within 300 ms of its first byte )"
      R"x((a body shorter than its Content-Length, or a head or chunk never finished)"}})x";
  BOOST_TEST(got == JsonReply("408 Request Timeout", body, /*closes=*/true));
  BOOST_TEST(rig.upstream.requests().empty());
}

BOOST_AUTO_TEST_CASE(AnUpstreamThatNeverAnswersWithinTheUpstreamTimeoutIsA502) {
  Rig rig({ScriptedUpstream::Hang()}, [](ProxyHostOptions& o) { o.upstream_timeout = 300ms; });
  RawClient client(rig.port);
  const auto sent = Clock::now();
  client.Send(Get("/purchase/info?order_id=o-1"));
  const std::string got = client.ReadReply();
  const auto waited = Clock::now() - sent;
  BOOST_TEST((waited >= 300ms && waited < 2s), std::chrono::duration_cast<std::chrono::milliseconds>(waited).count());
  const std::string body =
      R"({"error":{"code":"UPSTREAM_FAILED","message":"the upstream timed out: no answer within 300 ms"}})";
  BOOST_TEST(got == JsonReply("502 Bad Gateway", body));
  BOOST_TEST(rig.upstream.requests().size() == 1u);
  BOOST_TEST(rig.proxy->totals().upstream_failures == 1u);
}

BOOST_AUTO_TEST_CASE(AnAnswerDelimitedByTheCloseIsWholeAtTheClose) {
  for (int round = 0; round < 5; ++round) {
    Rig rig({ScriptedUpstream::Answer("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil close", After::kClose)},
            [](ProxyHostOptions& o) { o.upstream_timeout = 3s; });
    RawClient client(rig.port);
    const auto sent = Clock::now();
    client.Send(Get("/purchase/info?order_id=o-1"));
    const std::string got = client.ReadReply();
    BOOST_TEST(got == "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 11\r\n\r\nuntil close");
    BOOST_TEST((Clock::now() - sent < 2s));
  }
}

BOOST_AUTO_TEST_CASE(AnUpstreamClosingInTheMiddleOfItsAnswerIsA502) {
  for (int round = 0; round < 5; ++round) {
    Rig rig({ScriptedUpstream::Answer("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort", After::kClose)},
            [](ProxyHostOptions& o) { o.upstream_timeout = 3s; });
    RawClient client(rig.port);
    client.Send(Get("/purchase/info?order_id=o-1"));
    const std::string body =
        R"({"error":{"code":"UPSTREAM_FAILED","message":"the upstream failed: closed in the middle of its answer"}})";
    BOOST_TEST(client.ReadReply() == JsonReply("502 Bad Gateway", body));
  }
}

BOOST_AUTO_TEST_CASE(AClientThatHalfClosesGetsItsReplyThenTheClose) {
  for (int round = 0; round < 5; ++round) {
    Rig rig({ScriptedUpstream::Answer(JsonReply("200 OK", kOrderBody))});
    RawClient client(rig.port);
    client.Send(Get("/purchase/info?order_id=o-1"));
    client.HalfClose();
    std::string got;
    BOOST_TEST(client.ReadUntilClose(got));
    BOOST_TEST(got == JsonReply("200 OK", kOrderBody));
  }
}

BOOST_AUTO_TEST_CASE(AClientThatPipelinesAndNeverReadsIsSentNothingMoreOnceItsRepliesPileUp) {
  // 80 answers of 512 KiB: far more than the kernel's socket buffers and
  // the proxy's 1 MiB of unread replies hold together.
  const std::string big(512 * 1024, 'x');
  std::vector<Step> script(80, ScriptedUpstream::Answer("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " +
                                                        std::to_string(big.size()) + "\r\n\r\n" + big));
  Rig rig(script);
  RawClient client(rig.port);
  std::string pipelined;
  for (int i = 0; i < 80; ++i) pipelined += Get("/purchase/info?order_id=o-1");
  client.Send(pipelined);
  std::this_thread::sleep_for(1s);
  const size_t forwarded = rig.upstream.requests().size();
  BOOST_TEST(forwarded < 40u, forwarded << " of 80 forwarded while the client read nothing");
  // Once it reads, every answer comes, in order.
  for (int i = 0; i < 80; ++i) {
    const std::string reply = client.ReadReply();
    BOOST_TEST_REQUIRE(reply.size() > big.size(), "reply " << i);
    BOOST_TEST_REQUIRE(reply.rfind("HTTP/1.1 200 OK\r\n", 0) == 0, "reply " << i);
  }
  BOOST_TEST(rig.upstream.requests().size() == 80u);
}

// An https upstream (or a test's client) is forwarded by JudgingProxy::Handle
// on the loop: the host passes the request to it and writes what it returns.
class AnsweringClient final : public HttpClient {
 public:
  HttpResponse Send(const HttpRequest& request) override {
    seen = request.method + " " + request.url;
    HttpResponse r;
    r.status = 200;
    r.headers = {{"Content-Type", "application/json; charset=utf-8"}};
    r.body = kOrderBody;
    return r;
  }
  static inline std::string seen;
};

BOOST_AUTO_TEST_CASE(WithoutAnUpstreamToForwardToTheHostAsksTheProxysOwnClient) {
  std::ostringstream log;
  ProxyOptions o;
  o.upstream = "https://staging.example";
  o.spec = &HlSpec();
  o.lifecycle = &purchase::Lifecycle::Builtin();
  o.new_client = [] { return std::make_unique<AnsweringClient>(); };
  o.log = &log;
  JudgingProxy proxy(o);
  ProxyHostOptions h;  // no upstream: every request goes through Handle
  ProxyHost host(proxy, h);
  RawClient client(host.Start());
  client.Send(Get("/purchase/info?order_id=o-1"));
  BOOST_TEST(client.ReadReply() == JsonReply("200 OK", kOrderBody));
  BOOST_TEST(AnsweringClient::seen == "GET https://staging.example/purchase/info?order_id=o-1");
  BOOST_TEST(proxy.totals().exchanges == 1u);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace conformance
