// The purchase-server process on a real socket, for each of the four APIs:
// one request can never stop it. Every request of the framing corpus (and a
// few of each API's own), sent split at every byte boundary and in random
// read sizes, gets the same bytes back as when sent whole; the chunked
// request that once hung Pistache 0.0.5 for every client gets its answer,
// and the server still stops on SIGTERM; a stalled request gets a JSON 408.
// Talks to 127.0.0.1 only; every wait is bounded.
#define BOOST_TEST_MODULE wire
#include <boost/test/unit_test.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "testing/framing_corpus.h"
#include "testing/raw_socket.h"

namespace {

using namespace std::chrono_literals;
using purchase::http::testing::FramingCase;

// One purchase-server process serving `api` with its fixtures, killed when
// the test ends.
class ServerProcess {
 public:
  explicit ServerProcess(const std::string& api, std::vector<std::string> args = {}) {
    int out[2];
    BOOST_REQUIRE(pipe(out) == 0);
    pid_ = fork();
    BOOST_REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      dup2(out[1], STDOUT_FILENO);
      close(out[0]);
      close(out[1]);
      const std::string fixtures = std::string(PURCHASE_TEST_FIXTURES) + (api == "hl-connector" ? "" : "/" + api);
      std::vector<std::string> all = {PURCHASE_SERVER_BINARY, "--port", "0", "--quiet", "--api", api,
                                      "--fixtures", fixtures};
      for (auto& a : args) all.push_back(std::move(a));
      std::vector<char*> argv;
      for (auto& a : all) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
    close(out[1]);
    // "listening on http://127.0.0.1:PORT ..."
    std::string banner;
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (banner.find('\n') == std::string::npos && std::chrono::steady_clock::now() < deadline) {
      pollfd p{out[0], POLLIN, 0};
      if (poll(&p, 1, 100) <= 0) continue;
      char c[256];
      const ssize_t n = read(out[0], c, sizeof c);
      if (n <= 0) break;
      banner.append(c, static_cast<size_t>(n));
    }
    close(out[0]);
    const size_t colon = banner.find("127.0.0.1:");
    BOOST_REQUIRE_MESSAGE(colon != std::string::npos, "purchase-server did not start: " << banner);
    port_ = static_cast<uint16_t>(std::stoi(banner.substr(colon + 10)));
  }
  ~ServerProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }

  uint16_t port() const { return port_; }

  // Sends SIGTERM; whether the process exited with status 0 within `limit`.
  bool StopsOnSigterm(std::chrono::milliseconds limit) {
    kill(pid_, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) && WEXITSTATUS(status) == 0;
      }
      std::this_thread::sleep_for(10ms);
    }
    return false;
  }

 private:
  pid_t pid_ = -1;
  uint16_t port_ = 0;
};

int Connect(uint16_t port) {
  const int fd = purchase::testing::ConnectLoopback(port);
  BOOST_REQUIRE(fd >= 0);
  return fd;
}

// Reads until the server ends the stream; "<timeout>" appended if it has
// not within `limit`.
std::string ReadToEnd(int fd, std::chrono::milliseconds limit) {
  bool closed = false;
  std::string out = purchase::testing::ReadUntilClosed(fd, limit, &closed);
  return closed ? out : out + "<timeout>";
}

// How many whole replies (head and Content-Length bytes of body) `bytes` holds.
size_t CompleteReplies(const std::string& bytes) {
  size_t n = 0, at = 0;
  for (;;) {
    const size_t head_end = bytes.find("\r\n\r\n", at);
    if (head_end == std::string::npos) return n;
    const size_t length_at = bytes.find("\r\nContent-Length: ", at);
    if (length_at == std::string::npos || length_at > head_end) return n;
    const size_t end = head_end + 4 + std::stoul(bytes.substr(length_at + 18));
    if (end > bytes.size()) return n;
    ++n;
    at = end;
  }
}

using purchase::testing::SendInPieces;

const std::string kCloseRequest = "GET /_control/clock HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";

void Reset(uint16_t port) {
  const std::string reply =
      SendInPieces(port, "POST /_control/reset HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", {});
  BOOST_REQUIRE_MESSAGE(reply.rfind("HTTP/1.1 200", 0) == 0, reply);
}

// Every case, whole and then split at every byte and in random reads, from
// the same start state: the same replies, byte for byte.
void ExpectSplitsAnswerAsTheWhole(const std::string& api, const std::vector<FramingCase>& own) {
  ServerProcess server(api);
  std::vector<FramingCase> cases = purchase::http::testing::FramingCorpus();
  cases.insert(cases.end(), own.begin(), own.end());
  std::mt19937 random(11);
  size_t exchanges = 0;
  for (const auto& c : cases) {
    // A request that closes after the case's own: the end of the replies is
    // the end of the stream.
    const std::string bytes = c.bytes + kCloseRequest;
    Reset(server.port());
    const std::string whole = SendInPieces(server.port(), bytes, {});
    BOOST_TEST_REQUIRE(whole.find("<timeout>") == std::string::npos, api << ", " << c.name << ": " << whole);
    BOOST_TEST_REQUIRE(whole.rfind("HTTP/1.", 0) == 0, api << ", " << c.name << ": " << whole);
    for (const auto& cuts : purchase::testing::SplitsOf(bytes.size(), random, 5)) {
      Reset(server.port());
      const std::string split = SendInPieces(server.port(), bytes, cuts);
      ++exchanges;
      BOOST_TEST_REQUIRE(split == whole, api << ", " << c.name << ", reads starting at " << cuts.front() << " ("
                                             << cuts.size() << " cuts):\n"
                                             << split << "\n--- whole:\n"
                                             << whole);
    }
  }
  BOOST_TEST_MESSAGE(api << ": " << cases.size() << " cases, " << exchanges << " split exchanges");
}

std::string Get(const std::string& target, const std::string& token) {
  return "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token + "\r\n\r\n";
}

std::string Post(const std::string& target, const std::string& token, const std::string& body) {
  return "POST " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token +
         "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(WireRules)

BOOST_AUTO_TEST_CASE(HlConnectorAnswersEverySplitAsTheWhole) {
  ExpectSplitsAnswerAsTheWhole(
      "hl-connector",
      {{"validate then info", Post("/purchase/validate-purchase-before-payment", "test-token-vendor-a",
                                   R"({"asset_id":"asset-basic","quantity":1,"customer_ip":"203.0.113.7"})") +
                                  Get("/purchase/info?order_id=nope", "test-token-vendor-a")}});
}

BOOST_AUTO_TEST_CASE(ImagingCatalogAnswersEverySplitAsTheWhole) {
  ExpectSplitsAnswerAsTheWhole(
      "imaging-catalog",
      {{"purchase then read", Post("/api/catalog/v2/purchases", "test-token-caller-a", R"({"frame_id":"none"})") +
                                  Get("/api/catalog/v2/purchases/nope", "test-token-caller-a")}});
}

BOOST_AUTO_TEST_CASE(SheetMusicDirectAnswersEverySplitAsTheWhole) {
  ExpectSplitsAnswerAsTheWhole("sheetmusicdirect",
                               {{"orders unsigned", Get("/orders?retailerOrderId=1&key=k", "unused") +
                                                        Get("/orders/allproducts", "unused")}});
}

BOOST_AUTO_TEST_CASE(TabsAnswersEverySplitAsTheWhole) {
  ExpectSplitsAnswerAsTheWhole("tabs", {{"purchase then read", Post("/v1/purchases", "test-token-merchant-a", "{}") +
                                                                   Get("/v1/purchases/nope", "test-token-merchant-a")}});
}

// Each framing case of issue 19 gets the answer the contract documents, on
// every API: the statuses of its replies in order, and whether the server
// then ended the stream.
BOOST_AUTO_TEST_CASE(EveryFramingCaseGetsItsDocumentedAnswerOnEveryApi) {
  const std::string get = "GET /_control/clock HTTP/1.1\r\nHost: x\r\n\r\n";
  const std::string advance = "POST /_control/clock/advance HTTP/1.1\r\nHost: x\r\n";
  struct Case {
    const char* name;
    std::string bytes;
    std::vector<int> statuses;  // of the replies, in order
    bool closed;                // the server ended the stream after them
  };
  const std::vector<Case> cases = {
      {"pipelined triple", get + get + get, {200, 200, 200}, false},
      {"pipelined, a body then the next request", advance + "Content-Length: 13\r\n\r\n{\"seconds\":0}" + get,
       {200, 200}, false},
      {"Connection: close", "GET /_control/clock HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" + get, {200}, true},
      {"HTTP/1.0", "GET /_control/clock HTTP/1.0\r\n\r\n" + get, {200}, true},
      {"absolute-form", "GET http://127.0.0.1/_control/clock HTTP/1.1\r\nHost: x\r\n\r\n", {200}, false},
      {"smuggling: a blank before the colon", advance + "Content-Length: 13\r\nTransfer-Encoding : chunked\r\n\r\n",
       {400}, true},
      {"Content-Length beside Transfer-Encoding", advance + "Content-Length: 13\r\nTransfer-Encoding: chunked\r\n\r\n",
       {400}, true},
      {"version HTTP/1", "GET /_control/clock HTTP/1\r\nHost: x\r\n\r\n", {400}, true},
      {"no version", "GET /_control/clock\r\nHost: x\r\n\r\n", {400}, true},
      {"a header name with a space", "GET /_control/clock HTTP/1.1\r\nHost: x\r\nX Y: 1\r\n\r\n", {400}, true},
      {"a valid request, then a bad one", get + "GET /_control/clock HTTP/9.9\r\nHost: x\r\n\r\n" + get, {200, 400},
       true},
      {"a line of 8193 bytes", "GET /_control/clock HTTP/1.1\r\nHost: x\r\nX: " + std::string(8190, 'a') + "\r\n\r\n",
       {431}, true},
  };
  for (const std::string api : {"hl-connector", "imaging-catalog", "sheetmusicdirect", "tabs"}) {
    ServerProcess server(api);
    for (const auto& c : cases) {
      const int fd = Connect(server.port());
      BOOST_REQUIRE(send(fd, c.bytes.data(), c.bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(c.bytes.size()));
      // A stream that should end gets 3 s to. One that should stay open is
      // read until its replies are in (3 s at most), then 300 ms more to see
      // that it stays open, and shows as <timeout>.
      std::string replies;
      if (c.closed) {
        replies = ReadToEnd(fd, 3000ms);
      } else {
        const auto deadline = std::chrono::steady_clock::now() + 3s;
        while (CompleteReplies(replies) < c.statuses.size() && std::chrono::steady_clock::now() < deadline) {
          bool closed = false;
          replies += purchase::testing::ReadUntilClosed(fd, 20ms, &closed);
          if (closed) break;
        }
        replies += ReadToEnd(fd, 300ms);
      }
      close(fd);
      std::vector<int> statuses;
      size_t at = 0;
      while ((at = replies.find("HTTP/1.", at)) != std::string::npos) {
        statuses.push_back(std::stoi(replies.substr(at + 9, 3)));
        const size_t head_end = replies.find("\r\n\r\n", at);
        BOOST_TEST_REQUIRE(head_end != std::string::npos, api << ", " << c.name << ": " << replies);
        const std::string head = replies.substr(at, head_end - at);
        BOOST_TEST(head.find("\r\nContent-Type: application/json; charset=utf-8\r\n") != std::string::npos,
                   api << ", " << c.name << ": " << head);
        const size_t length_at = head.find("\r\nContent-Length: ");
        BOOST_TEST_REQUIRE(length_at != std::string::npos, api << ", " << c.name << ": " << head);
        at = head_end + 4 + std::stoul(head.substr(length_at + 18));
        if (statuses.back() >= 400) {
          BOOST_TEST(head.find("\r\nConnection: close") != std::string::npos, api << ", " << c.name << ": " << head);
          BOOST_TEST(replies.find("\"error\":{\"code\":") != std::string::npos, api << ", " << c.name);
        }
      }
      BOOST_TEST((statuses == c.statuses), api << ", " << c.name << ": " << replies);
      const bool closed = replies.find("<timeout>") == std::string::npos;
      BOOST_TEST(closed == c.closed, api << ", " << c.name << ": " << replies);
    }
  }
}

BOOST_AUTO_TEST_CASE(HeadIsAnsweredAsGetWithoutTheBody) {
  for (const std::string api : {"hl-connector", "tabs"}) {
    ServerProcess server(api);
    const std::string get = SendInPieces(server.port(), kCloseRequest, {});
    std::string head_request = kCloseRequest;
    head_request.replace(0, 3, "HEAD");
    const std::string head = SendInPieces(server.port(), head_request, {});
    // The same status line and fields, Content-Length included; no body.
    BOOST_TEST(head == get.substr(0, get.find("\r\n\r\n") + 4), api << ":\n" << head << "\n--- GET:\n" << get);
    BOOST_TEST(head.find("Content-Length: 0") == std::string::npos, head);
  }
}

// RFC 9110 10.1.1: a client that sends "Expect: 100-continue" waits for the
// 100 before its body (curl does for bodies over 1 KiB, a second at most).
BOOST_AUTO_TEST_CASE(AnExpectContinueIsAnsweredBeforeTheBody) {
  ServerProcess server("tabs");
  const int fd = Connect(server.port());
  const std::string head =
      "POST /_control/clock/advance HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 13\r\n"
      "Connection: close\r\n\r\n";
  BOOST_REQUIRE(send(fd, head.data(), head.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(head.size()));
  std::string interim;
  const auto deadline = std::chrono::steady_clock::now() + 2s;
  while (interim.find("\r\n\r\n") == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 20) <= 0) continue;
    char buf[256];
    const ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    interim.append(buf, static_cast<size_t>(n));
  }
  BOOST_TEST(interim == "HTTP/1.1 100 Continue\r\n\r\n");
  const std::string body = "{\"seconds\":0}";
  BOOST_REQUIRE(send(fd, body.data(), body.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(body.size()));
  const std::string reply = ReadToEnd(fd, 3s);
  close(fd);
  BOOST_TEST(reply.rfind("HTTP/1.1 200 OK\r\n", 0) == 0, reply);
}

BOOST_AUTO_TEST_CASE(TheChunkedRequestThatHungPistacheIsAnsweredAndTheServerStillStops) {
  ServerProcess server("hl-connector");
  const int fd = Connect(server.port());
  const std::string head =
      "POST /_control/clock/advance HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nd\r\n{\"seconds\":0}\r";
  BOOST_REQUIRE(send(fd, head.data(), head.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(head.size()));
  std::this_thread::sleep_for(200ms);
  const std::string rest = "\n0\r\n\r\n" + kCloseRequest;
  BOOST_REQUIRE(send(fd, rest.data(), rest.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(rest.size()));
  const std::string replies = ReadToEnd(fd, 5s);
  close(fd);
  BOOST_TEST(replies.rfind("HTTP/1.1 200 OK", 0) == 0, replies);
  BOOST_TEST(replies.find("\"settled\":0") != std::string::npos, replies);
  // Another client is still served, and SIGTERM still stops the process.
  BOOST_TEST(SendInPieces(server.port(), kCloseRequest, {}).rfind("HTTP/1.1 200 OK", 0) == 0);
  BOOST_TEST(server.StopsOnSigterm(5s));
}

BOOST_AUTO_TEST_CASE(AStalledRequestIsAnsweredWithAJson408AfterTheRequestTimeout) {
  ServerProcess server("tabs", {"--request-timeout", "0.3"});
  const auto start = std::chrono::steady_clock::now();
  const int fd = Connect(server.port());
  const std::string partial = "POST /_control/clock/advance HTTP/1.1\r\nHost: x\r\nContent-Length: 20\r\n\r\n{\"se";
  BOOST_REQUIRE(send(fd, partial.data(), partial.size(), MSG_NOSIGNAL) > 0);
  const std::string reply = ReadToEnd(fd, 5s);
  close(fd);
  const auto waited = std::chrono::steady_clock::now() - start;
  BOOST_TEST(reply.rfind("HTTP/1.1 408 Request Timeout\r\n", 0) == 0, reply);
  BOOST_TEST(reply.find("Content-Type: application/json; charset=utf-8\r\n") != std::string::npos, reply);
  BOOST_TEST(reply.find("\"code\":\"REQUEST_TIMEOUT\"") != std::string::npos, reply);
  BOOST_TEST(reply.find("<timeout>") == std::string::npos, "the connection stayed open: " << reply);
  BOOST_TEST(waited >= 300ms);
  // An idle keep-alive connection is not a stalled request.
  const int idle = Connect(server.port());
  std::this_thread::sleep_for(600ms);
  BOOST_REQUIRE(send(idle, kCloseRequest.data(), kCloseRequest.size(), MSG_NOSIGNAL) > 0);
  const std::string later = ReadToEnd(idle, 5s);
  close(idle);
  BOOST_TEST(later.rfind("HTTP/1.1 200 OK", 0) == 0, later);
}

BOOST_AUTO_TEST_SUITE_END()
