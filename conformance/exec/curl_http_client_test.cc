// The libcurl client against a hand-written socket server that misbehaves on
// purpose: a target that never answers, hangs up, or sends too much must
// produce a failed step, never a crash or a hang.
#include "exec/http_client.h"

#include <sys/socket.h>

#include <chrono>
#include <thread>

#include <boost/test/unit_test.hpp>

#include "testing/loopback_server.h"

namespace conformance {
namespace {

using ScriptedServer = testing::LoopbackServer;
using testing::WriteAll;

void Ok(int fd, const std::string&) {
  WriteAll(fd, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}");
}

HttpRequest Get(const std::string& url) {
  HttpRequest r;
  r.method = "GET";
  r.url = url;
  return r;
}

BOOST_AUTO_TEST_SUITE(CurlHttpClientTest)

BOOST_AUTO_TEST_CASE(CurlClientReadsStatusHeadersAndBody) {
  ScriptedServer server(Ok);
  auto client = NewCurlHttpClient({});
  const HttpResponse r = client->Send(Get(server.url()));
  BOOST_TEST((r.error == TransportError::kNone));
  BOOST_TEST(r.status == 200);
  BOOST_TEST(r.body == "{}");
  BOOST_TEST(*FindHeader(r.headers, "content-type") == "application/json");
}

BOOST_AUTO_TEST_CASE(CurlClientKeepsOneConnectionAliveAcrossRequests) {
  ScriptedServer server(Ok);
  auto client = NewCurlHttpClient({});
  for (int i = 0; i < 3; ++i) BOOST_TEST(client->Send(Get(server.url())).status == 200);
  BOOST_TEST(server.connections() == 1);
}

// One handle serves every request of a worker, so nothing of a request (its
// method, body, headers) may leak into the next one. (Fresh connections are
// pinned by hostile_target_test.cc: this scripted server serves one
// connection at a time.)
BOOST_AUTO_TEST_CASE(CurlClientStartsEveryRequestAfreshOnOneHandle) {
  ScriptedServer server(Ok);
  auto client = NewCurlHttpClient({});
  auto head_of = [&](HttpRequest r) {
    BOOST_TEST(client->Send(r).status == 200, r.method << " " << r.url);
    const std::string request = server.last_request();
    return request.substr(0, request.find("\r\n\r\n") + 2);
  };
  auto has = [](const std::string& head, const std::string& line) { return head.find(line) != std::string::npos; };

  HttpRequest post = Get(server.url("/a"));
  post.method = "POST";
  post.body = R"({"x":1})";
  post.has_body = true;
  post.headers.emplace_back("X-Trace", "one");
  std::string head = head_of(post);
  BOOST_TEST(head.rfind("POST /a HTTP/1.1\r\n", 0) == 0u, head);
  BOOST_TEST(has(head, "Content-Length: 7\r\n"), head);
  BOOST_TEST(has(head, "X-Trace: one\r\n"), head);

  head = head_of(Get(server.url("/b")));
  BOOST_TEST(head.rfind("GET /b HTTP/1.1\r\n", 0) == 0u, head);
  BOOST_TEST(!has(head, "Content-Length"), head);
  BOOST_TEST(!has(head, "X-Trace"), head);

  HttpRequest del = Get(server.url("/c"));
  del.method = "DELETE";
  head = head_of(del);
  BOOST_TEST(head.rfind("DELETE /c HTTP/1.1\r\n", 0) == 0u, head);
  BOOST_TEST(!has(head, "Content-Length"), head);

  HttpRequest get_with_body = Get(server.url("/d"));
  get_with_body.body = "{}";
  get_with_body.has_body = true;
  head = head_of(get_with_body);
  BOOST_TEST(head.rfind("GET /d HTTP/1.1\r\n", 0) == 0u, head);
  BOOST_TEST(has(head, "Content-Length: 2\r\n"), head);

  head = head_of(Get(server.url("/e")));
  BOOST_TEST(head.rfind("GET /e HTTP/1.1\r\n", 0) == 0u, head);
  BOOST_TEST(!has(head, "Content-Length"), head);
  BOOST_TEST(server.connections() == 1);  // all on the one kept-alive connection

  HttpRequest head_request = Get(server.url("/i"));
  head_request.method = "HEAD";
  head = head_of(head_request);
  BOOST_TEST(head.rfind("HEAD /i HTTP/1.1\r\n", 0) == 0u, head);
}

// The client keeps the header list of the previous request when the next
// one sends the same headers: each request must still send its own.
BOOST_AUTO_TEST_CASE(CurlClientSendsEachRequestsOwnHeadersWhetherTheyRepeatOrChange) {
  ScriptedServer server(Ok);
  auto client = NewCurlHttpClient({});
  auto head_of = [&](const HeaderList& headers) {
    HttpRequest r = Get(server.url("/h"));
    r.headers = headers;
    BOOST_TEST(client->Send(r).status == 200);
    const std::string request = server.last_request();
    return request.substr(0, request.find("\r\n\r\n") + 2);
  };
  auto has = [](const std::string& head, const std::string& line) { return head.find(line) != std::string::npos; };
  const HeaderList one = {{"X-Trace", "one"}, {"Authorization", "Bearer a"}};
  const HeaderList two = {{"X-Trace", "two"}, {"X-Empty", ""}};
  for (const HeaderList* headers : {&one, &one, &two, &one}) {
    const std::string head = head_of(*headers);
    const bool is_one = headers == &one;
    BOOST_TEST(has(head, "X-Trace: one\r\n") == is_one, head);
    BOOST_TEST(has(head, "Authorization: Bearer a\r\n") == is_one, head);
    BOOST_TEST(has(head, "X-Trace: two\r\n") == !is_one, head);
    BOOST_TEST(has(head, "X-Empty:") == !is_one, head);
  }
  const std::string none = head_of({});
  BOOST_TEST(!has(none, "X-Trace"), none);
  BOOST_TEST(!has(none, "Authorization"), none);
  for (int i = 0; i < 12; ++i) {  // more sets than the client keeps
    const std::string head = head_of({{"X-N", std::to_string(i)}});
    BOOST_TEST(has(head, "X-N: " + std::to_string(i) + "\r\n"), head);
    BOOST_TEST(!has(head, "X-Trace"), head);
  }
  for (const HeaderList* headers : {&two, &one}) {
    const std::string head = head_of(*headers);
    BOOST_TEST(has(head, headers == &one ? "X-Trace: one\r\n" : "X-Trace: two\r\n"), head);
    BOOST_TEST(!has(head, "X-N:"), head);
  }
}

BOOST_AUTO_TEST_CASE(CurlClientOpensAFreshConnectionForThatRequestOnly) {
  ScriptedServer server(Ok);  // one connection at a time, so the fresh request comes first
  auto client = NewCurlHttpClient({});
  HttpRequest fresh = Get(server.url("/f"));
  fresh.fresh_connection = true;
  BOOST_TEST(client->Send(fresh).status == 200);  // its connection is closed after it
  for (int i = 0; i < 3; ++i) BOOST_TEST(client->Send(Get(server.url("/g"))).status == 200);
  BOOST_TEST(server.connections() == 2);  // the next ones share one kept-alive connection
}

BOOST_AUTO_TEST_CASE(CurlClientSendsAnEmptyExpectHeaderWithLargeBodies) {
  ScriptedServer server(Ok);
  auto client = NewCurlHttpClient({});
  HttpRequest post = Get(server.url());
  post.method = "POST";
  post.body.assign(2 << 20, 'x');
  post.has_body = true;
  const auto start = std::chrono::steady_clock::now();
  BOOST_TEST(client->Send(post).status == 200);
  BOOST_TEST(server.last_request().find("Expect:") == std::string::npos);
  BOOST_TEST((std::chrono::steady_clock::now() - start < std::chrono::milliseconds(900)));
}

BOOST_AUTO_TEST_CASE(CurlClientStopsReadingPastTheBodyLimit) {
  ScriptedServer server([](int fd, const std::string&) {
    WriteAll(fd, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n" + std::string(50000, 'a'));
    shutdown(fd, SHUT_WR);
  });
  HttpClientOptions options;
  options.max_body_bytes = 1000;
  auto client = NewCurlHttpClient(options);
  const HttpResponse r = client->Send(Get(server.url()));
  BOOST_TEST((r.error == TransportError::kTooLarge));
  BOOST_TEST(r.body.size() <= 1000u);
}

BOOST_AUTO_TEST_CASE(CurlClientRefusesADeclaredLengthPastTheLimit) {
  ScriptedServer server([](int fd, const std::string&) {
    WriteAll(fd, "HTTP/1.1 200 OK\r\nContent-Length: 999999999\r\n\r\nabc");
    shutdown(fd, SHUT_WR);
  });
  HttpClientOptions options;
  options.max_body_bytes = 1000;
  const HttpResponse r = NewCurlHttpClient(options)->Send(Get(server.url()));
  BOOST_TEST((r.error == TransportError::kTooLarge));
}

BOOST_AUTO_TEST_CASE(CurlClientTimesOutOnASilentServer) {
  ScriptedServer server([](int, const std::string&) {});  // reads the request, never answers
  HttpClientOptions options;
  options.timeout_ms = 300;
  const auto start = std::chrono::steady_clock::now();
  const HttpResponse r = NewCurlHttpClient(options)->Send(Get(server.url()));
  BOOST_TEST((r.error == TransportError::kTimeout));
  BOOST_TEST((std::chrono::steady_clock::now() - start < std::chrono::seconds(3)));
}

BOOST_AUTO_TEST_CASE(CurlClientReportsAHangUpAsNoReply) {
  ScriptedServer server([](int fd, const std::string&) { shutdown(fd, SHUT_RDWR); });
  HttpRequest r = Get(server.url());
  r.fresh_connection = true;
  const HttpResponse response = NewCurlHttpClient({})->Send(r);
  BOOST_TEST((response.error == TransportError::kNoReply), response.error_message);
}

BOOST_AUTO_TEST_CASE(CurlClientReportsARefusedConnectionAsCannotConnect) {
  const HttpResponse r = NewCurlHttpClient({})->Send(Get("http://127.0.0.1:1/x"));
  BOOST_TEST((r.error == TransportError::kCannotConnect));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace conformance
