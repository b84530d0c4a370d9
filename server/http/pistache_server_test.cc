// End-to-end tests of the Pistache adapter on a real port (127.0.0.1, port 0)
// with libcurl as the client: a whole purchase down to the asset's bytes,
// keep-alive for a client that sends no Connection header, late replies that
// do not stall other connections, the lost reply of drop_connection, the JSON
// 413, headers written through the adapter, and a clean Stop(). Then, with raw
// bytes on a socket, what Pistache 0.0.5 would answer before the adapter and
// the adapter now answers as spec/ says: a request followed by a half-close,
// a body over Pistache's buffer, a bad Content-Length, an oversized head, a
// head Pistache cannot parse, and a head that arrives in pieces.
#define BOOST_TEST_MODULE pistache_server_test
#include "http/pistache_server.h"
#include "testing/http_testing.h"
#include "testing/raw_socket.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <fstream>
#include <future>
#include <map>
#include <regex>
#include <sstream>
#include <thread>

namespace purchase::http {
namespace {

using testing::FixtureFile;
using testing::kJsonType;
using testing::kStart;
using testing::kVendorA;
using testing::RegisterBody;
using testing::ValidateBody;

struct CurlGlobal {
  CurlGlobal() { curl_global_init(CURL_GLOBAL_DEFAULT); }
  ~CurlGlobal() { curl_global_cleanup(); }
};
BOOST_TEST_GLOBAL_FIXTURE(CurlGlobal);

struct Reply {
  CURLcode code = CURLE_OK;
  long status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lowercase names
  long new_connections = 0;                    // CURLINFO_NUM_CONNECTS
  double seconds = 0;
};

// One libcurl easy handle: its connection is reused between requests, as a
// keep-alive client's would be.
class Client {
 public:
  Client() : h_(curl_easy_init()) {}
  ~Client() { curl_easy_cleanup(h_); }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // `fresh`: a new connection, closed afterwards (libcurl cannot then replay
  // a request silently on another connection).
  // `extra_headers`: "Name: value" lines; "Host:" alone sends no Host at all.
  Reply Send(const std::string& method, const std::string& url, const std::string& body = "",
             std::optional<std::string> authorization = kVendorA, bool fresh = false, long timeout_ms = 5000,
             const std::vector<std::string>& extra_headers = {}) {
    Reply reply;
    curl_easy_setopt(h_, CURLOPT_URL, url.c_str());
    curl_easy_setopt(h_, CURLOPT_CUSTOMREQUEST, nullptr);
    if (method == "POST") {
      curl_easy_setopt(h_, CURLOPT_POST, 1L);
      curl_easy_setopt(h_, CURLOPT_POSTFIELDS, body.data());
      curl_easy_setopt(h_, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    } else {
      curl_easy_setopt(h_, CURLOPT_HTTPGET, 1L);
      if (method != "GET") curl_easy_setopt(h_, CURLOPT_CUSTOMREQUEST, method.c_str());
    }
    curl_slist* headers = nullptr;
    if (authorization) headers = curl_slist_append(headers, ("Authorization: " + *authorization).c_str());
    headers = curl_slist_append(headers, "Content-Type: application/json");
    headers = curl_slist_append(headers, "Expect:");  // Pistache never answers 100-continue
    for (const std::string& h : extra_headers) headers = curl_slist_append(headers, h.c_str());
    curl_easy_setopt(h_, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h_, CURLOPT_FRESH_CONNECT, fresh ? 1L : 0L);
    curl_easy_setopt(h_, CURLOPT_FORBID_REUSE, fresh ? 1L : 0L);
    curl_easy_setopt(h_, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(h_, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h_, CURLOPT_WRITEFUNCTION, &Client::OnBody);
    curl_easy_setopt(h_, CURLOPT_WRITEDATA, &reply.body);
    curl_easy_setopt(h_, CURLOPT_HEADERFUNCTION, &Client::OnHeader);
    curl_easy_setopt(h_, CURLOPT_HEADERDATA, &reply.headers);
    reply.code = curl_easy_perform(h_);
    curl_slist_free_all(headers);
    curl_easy_getinfo(h_, CURLINFO_RESPONSE_CODE, &reply.status);
    curl_easy_getinfo(h_, CURLINFO_NUM_CONNECTS, &reply.new_connections);
    curl_easy_getinfo(h_, CURLINFO_TOTAL_TIME, &reply.seconds);
    return reply;
  }

 private:
  static size_t OnBody(char* data, size_t size, size_t n, void* out) {
    static_cast<std::string*>(out)->append(data, size * n);
    return size * n;
  }
  static size_t OnHeader(char* data, size_t size, size_t n, void* out) {
    std::string line(data, size * n);
    const size_t colon = line.find(':');
    if (colon != std::string::npos) {
      std::string name = line.substr(0, colon);
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      std::string value = line.substr(colon + 1);
      while (!value.empty() && (value.front() == ' ')) value.erase(value.begin());
      while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) value.pop_back();
      (*static_cast<std::map<std::string, std::string>*>(out))[name] = value;
    }
    return size * n;
  }

  CURL* h_;
};

// The JSON string at a path ("error/code") of a body, or "<absent>".
std::string Member(const std::string& body, const std::string& path) { return testing::JsonText(body, path); }

std::string Header(const Reply& r, const std::string& lowercase_name) {
  auto it = r.headers.find(lowercase_name);
  return it == r.headers.end() ? "<none>" : it->second;
}

struct Server {
  explicit Server(int threads = 1) : server(api, Options(threads)) {
    port = server.Start();
    base = "http://127.0.0.1:" + std::to_string(port);
  }
  static ServerOptions Options(int threads) {
    ServerOptions o;
    o.host = "127.0.0.1";
    o.port = 0;
    o.threads = threads;
    o.log_requests = false;
    return o;
  }

  Reply Post(Client& c, const std::string& path, const std::string& body,
             std::optional<std::string> auth = kVendorA) {
    return c.Send("POST", base + path, body, std::move(auth));
  }
  Reply Get(Client& c, const std::string& path, std::optional<std::string> auth = kVendorA) {
    return c.Send("GET", base + path, "", std::move(auth));
  }
  std::string Register(Client& c, const std::string& asset_id, const std::string& vendor_order_id) {
    const Reply v = Post(c, "/purchase/validate-purchase-before-payment", ValidateBody(asset_id));
    BOOST_REQUIRE_MESSAGE(v.status == 200, v.code << " " << v.status << " " << v.body);
    const Reply r = Post(c, "/purchase/register", RegisterBody(Member(v.body, "token"), asset_id, vendor_order_id));
    BOOST_REQUIRE_MESSAGE(r.status == 201, r.code << " " << r.status << " " << r.body);
    return Member(r.body, "order_id");
  }

  PurchaseService service{testing::Fixtures(), Lifecycle::Builtin(), std::make_unique<ManualClock>(kStart), {}};
  HttpApi api{service, ErrorCatalog::Builtin(), {}};
  PistacheServer server;
  uint16_t port = 0;
  std::string base;
};

BOOST_AUTO_TEST_SUITE(PistacheServerTest)

BOOST_AUTO_TEST_CASE(AWholePurchaseOverTheWireEndsWithTheFixtureBytes) {
  Server s;
  BOOST_TEST(s.port != 0);
  Client c;
  const Reply v = s.Post(c, "/purchase/validate-purchase-before-payment", ValidateBody("asset-basic"));
  BOOST_TEST(v.code == CURLE_OK);
  BOOST_TEST(v.status == 200);
  BOOST_TEST(Header(v, "content-type") == kJsonType);
  const std::string token = Member(v.body, "token");
  BOOST_TEST(std::regex_match(token, std::regex("tok_[0-9a-f]{32}")), v.body);

  const Reply r = s.Post(c, "/purchase/register", RegisterBody(token, "asset-basic", "vo-1"));
  BOOST_TEST(r.status == 201);
  const std::string id = Member(r.body, "order_id");
  BOOST_TEST(Header(r, "location") == "/purchase/info?order_id=" + id);

  Reply info = s.Get(c, "/purchase/info?order_id=" + id);
  BOOST_TEST(info.status == 202);
  BOOST_TEST(Header(info, "retry-after") == "5");
  BOOST_TEST(Member(info.body, "status") == "PROCESSING");

  const Reply advanced = s.Post(c, "/_control/clock/advance", R"({"seconds":5})", std::nullopt);
  BOOST_TEST(advanced.status == 200);
  BOOST_TEST(advanced.body == R"({"now":"2026-01-01T00:00:05Z","mode":"manual","settled":1})");

  info = s.Get(c, "/purchase/info?order_id=" + id);
  BOOST_TEST(info.status == 200);
  BOOST_TEST(Member(info.body, "status") == "COMPLETED");

  for (const std::string kind : {"download", "view"}) {
    const Reply u = s.Get(c, "/purchase/" + kind + "-url?order_id=" + id);
    BOOST_TEST(u.status == 200);
    const std::string url = Member(u.body, "url");
    BOOST_TEST(url.rfind(s.base + "/assets/" + kind + "/" + id + "?expires=", 0) == 0u, url);
    const Reply asset = c.Send("GET", url, "", std::nullopt);
    BOOST_TEST(asset.status == 200);
    if (kind == "download") {
      BOOST_TEST(asset.body == FixtureFile("asset-basic.pdf"));
      BOOST_TEST(Header(asset, "content-type") == "application/pdf");
    } else {
      BOOST_TEST(Header(asset, "content-type") == "text/html; charset=utf-8");
      BOOST_TEST(asset.body.find("Clair de Lune") != std::string::npos);
    }
  }
}

// The server was asked for port 0; a URL must still name the port it got,
// never 127.0.0.1:0 or a port it was not told about.
BOOST_AUTO_TEST_CASE(WithoutAUsableHostHandedOutUrlsNameTheBoundPort) {
  Server s;
  Client c;
  const std::string id = s.Register(c, "asset-basic", "vo-host");
  BOOST_TEST_REQUIRE(s.Post(c, "/_control/clock/advance", R"({"seconds":5})", std::nullopt).status == 200);
  // "Host:" makes curl send none, which HTTP/1.1 forbids (RFC 9112 3.2): 400.
  const Reply none = c.Send("GET", s.base + "/purchase/download-url?order_id=" + id, "", kVendorA, false, 5000,
                            {"Host:"});
  BOOST_TEST(none.status == 400, none.body);
  BOOST_TEST(Member(none.body, "error/code") == "MALFORMED_REQUEST", none.body);
  Client fresh;
  for (const std::string host_header : {"Host: not a host!", "Host: example.test:9"}) {
    const Reply u = fresh.Send("GET", s.base + "/purchase/download-url?order_id=" + id, "", kVendorA, false, 5000,
                           {host_header});
    BOOST_TEST_REQUIRE(u.status == 200, host_header << ": " << u.body);
    const std::string url = Member(u.body, "url");
    const std::string expected =
        host_header == "Host: example.test:9" ? "http://example.test:9/assets/download/" : s.base + "/assets/download/";
    BOOST_TEST(url.rfind(expected + id + "?expires=", 0) == 0u, host_header << ": " << url);
    // Opened where the URL says when the URL names this server.
    if (url.rfind(s.base, 0) == 0) BOOST_TEST(fresh.Send("GET", url, "", std::nullopt).status == 200, url);
  }
}

BOOST_AUTO_TEST_CASE(KeepAliveReusesTheConnectionWithoutAConnectionHeader) {
  Server s;
  Client c;
  for (int i = 0; i < 20; ++i) {
    const Reply r = s.Get(c, "/_control/clock", std::nullopt);
    BOOST_REQUIRE(r.code == CURLE_OK);
    BOOST_TEST(r.status == 200);
    BOOST_TEST(r.new_connections == (i == 0 ? 1 : 0), "request " << i);
    BOOST_TEST(Header(r, "connection") != "Close", "request " << i);
  }
  // Errors keep the connection too.
  const Reply missing = s.Get(c, "/purchase/info?order_id=nope");
  BOOST_TEST(missing.status == 404);
  BOOST_TEST(missing.new_connections == 0);
}

BOOST_AUTO_TEST_CASE(HeadersAndJsonErrorsReachTheClient) {
  Server s;
  Client c;
  Reply r = s.Get(c, "/purchase/register");
  BOOST_TEST(r.status == 405);
  BOOST_TEST(Header(r, "allow") == "POST");
  BOOST_TEST(Header(r, "content-type") == kJsonType);
  BOOST_TEST(Member(r.body, "error/code") == "METHOD_NOT_ALLOWED");
  r = s.Get(c, "/purchase/info?order_id=x", std::nullopt);
  BOOST_TEST(r.status == 401);
  BOOST_TEST(Header(r, "www-authenticate") == "Bearer");
  BOOST_TEST(Member(r.body, "error/code") == "UNAUTHENTICATED");
  r = s.Get(c, "/no/such/path");
  BOOST_TEST(r.status == 404);
  BOOST_TEST(Header(r, "content-type") == kJsonType);
  BOOST_TEST(Member(r.body, "error/code") == "NOT_FOUND");
  r = s.Post(c, "/purchase/validate-purchase-before-payment", "{not json");
  BOOST_TEST(r.status == 400);
  BOOST_TEST(Member(r.body, "error/code") == "MALFORMED_JSON");
  // Query strings arrive percent-encoded; the API decodes them.
  const std::string id = s.Register(c, "asset-basic", "vo-1");
  std::string encoded = id;
  encoded.replace(3, 1, "%5F");
  r = s.Get(c, "/purchase/info?order_id=" + encoded);
  BOOST_TEST(r.status == 202, r.body);
  r = s.Get(c, "/purchase/info?order_id=" + id + "&x=1");
  BOOST_TEST(r.status == 422);
  BOOST_TEST(Member(r.body, "error/field") == "x");
}

BOOST_AUTO_TEST_CASE(InjectedStatusArrivesWithRetryAfter) {
  Server s;
  Client c;
  BOOST_REQUIRE(s.Post(c, "/_control/faults", R"({"match":{"path":"/purchase/info"},"effect":{"status":503,"retry_after":7},"times":1})",
                       std::nullopt).status == 201);
  Reply r = s.Get(c, "/purchase/info?order_id=x");
  BOOST_TEST(r.status == 503);
  BOOST_TEST(Header(r, "retry-after") == "7");
  BOOST_TEST(Member(r.body, "error/code") == "SERVICE_UNAVAILABLE");
  r = s.Get(c, "/purchase/info?order_id=x");
  BOOST_TEST(r.status == 404);
}

// Waits until the first fault rule has fired (its `remaining` reached 0): the
// request it matched has been handled and its reply is waiting.
void WaitUntilFired(PurchaseService& service) {
  for (int i = 0; i < 500 && service.Faults().at(0).remaining.value_or(1) != 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  BOOST_REQUIRE_MESSAGE(service.Faults().at(0).remaining.value_or(1) == 0, "the delayed request never arrived");
}

BOOST_AUTO_TEST_CASE(ADelayedReplyArrivesLateWithoutStallingOtherConnections) {
  Server s(1);  // one I/O thread: a sleeping handler would stall every connection
  Client setup;
  BOOST_REQUIRE(s.Post(setup, "/_control/faults",
                       R"({"match":{"path":"/purchase/info"},"effect":{"delay_ms":1500},"times":1})", std::nullopt)
                    .status == 201);
  auto late = std::async(std::launch::async, [&] {
    Client c;
    return s.Get(c, "/purchase/info?order_id=ord_0000000000000000");
  });
  WaitUntilFired(s.service);
  // While that reply waits, another connection is answered at once.
  Client other;
  const Reply prompt = s.Get(other, "/_control/clock", std::nullopt);
  BOOST_TEST(prompt.status == 200);
  BOOST_TEST(prompt.seconds < 1.0, "a request on another connection took " << prompt.seconds << " s");
  BOOST_TEST((late.wait_for(std::chrono::seconds(0)) == std::future_status::timeout), "the delayed reply came early");
  const Reply r = late.get();
  BOOST_TEST(r.code == CURLE_OK, curl_easy_strerror(r.code));
  BOOST_TEST(r.status == 404);
  BOOST_TEST(Member(r.body, "error/code") == "ORDER_NOT_FOUND");
  BOOST_TEST(r.seconds >= 1.49, "the delayed reply came after " << r.seconds << " s");
  BOOST_TEST(r.seconds < 4.0);
  // The rule fired once: the next request is answered at once.
  Client again;
  const Reply next = s.Get(again, "/purchase/info?order_id=ord_0000000000000000");
  BOOST_TEST(next.status == 404);
  BOOST_TEST(next.seconds < 1.0);
}

BOOST_AUTO_TEST_CASE(DropConnectionLosesTheReplyButTheOrderExists) {
  Server s;
  Client setup;
  BOOST_REQUIRE(s.Post(setup, "/_control/faults",
                       R"({"match":{"path":"/purchase/register"},"effect":{"drop_connection":true},"times":1})",
                       std::nullopt)
                    .status == 201);
  const Reply v = s.Post(setup, "/purchase/validate-purchase-before-payment", ValidateBody("asset-basic"));
  const std::string body = RegisterBody(Member(v.body, "token"), "asset-basic", "vo-1");
  Client c;
  const Reply lost = c.Send("POST", s.base + "/purchase/register", body, kVendorA, /*fresh=*/true);
  BOOST_TEST(lost.code == CURLE_GOT_NOTHING, curl_easy_strerror(lost.code));
  BOOST_TEST(lost.body == "");
  BOOST_TEST(s.service.order_count() == 1u);
  // The client retries the same request and learns its order.
  const Reply retry = c.Send("POST", s.base + "/purchase/register", body, kVendorA, /*fresh=*/true);
  BOOST_TEST(retry.status == 409);
  BOOST_TEST(Member(retry.body, "error/code") == "DUPLICATE_PURCHASE");
  const std::string id = Member(retry.body, "error/order_id");
  BOOST_TEST(std::regex_match(id, std::regex("ord_[0-9a-f]{16}")), retry.body);
  BOOST_TEST(s.Get(setup, "/purchase/info?order_id=" + id).status == 202);
}

BOOST_AUTO_TEST_CASE(ABodyOverTheLimitGetsAJson413) {
  Server s;
  Client c;
  std::string body = ValidateBody("asset-basic") + std::string(70000, ' ');
  const Reply r = s.Post(c, "/purchase/validate-purchase-before-payment", body);
  BOOST_TEST(r.code == CURLE_OK);
  BOOST_TEST(r.status == 413);
  BOOST_TEST(Header(r, "content-type") == kJsonType);
  BOOST_TEST(Member(r.body, "error/code") == "PAYLOAD_TOO_LARGE");
  // The server is still there.
  BOOST_TEST(s.Get(c, "/_control/clock", std::nullopt).status == 200);
}

// A body larger than ServerOptions::max_request_bytes (1 MiB) used to reach
// Pistache's buffer limit, which answered 413 itself in plain text.
BOOST_AUTO_TEST_CASE(ABodyOverPistachesOwnLimitStillGetsAJson413) {
  // Every answer is JSON, the 413 included, whatever the size of the body.
  Server s;
  Client c;
  const Reply r = s.Post(c, "/purchase/validate-purchase-before-payment", std::string(2 * 1024 * 1024, ' '));
  BOOST_TEST(r.code == CURLE_OK, curl_easy_strerror(r.code));
  BOOST_TEST(r.status == 413);
  BOOST_TEST(Header(r, "content-type") == kJsonType);
  BOOST_TEST(Member(r.body, "error/code") == "PAYLOAD_TOO_LARGE", r.body);
  Client after;
  BOOST_TEST(s.Get(after, "/_control/clock", std::nullopt).status == 200);
}

// --- raw bytes on a socket --------------------------------------------------

// What the server sent on one connection.
struct RawReply {
  std::string bytes;
  bool closed = false;  // the server ended the stream within the time given

  std::string Head() const { return bytes.substr(0, bytes.find("\r\n\r\n")); }
  std::string Body() const {
    const size_t end = bytes.find("\r\n\r\n");
    return end == std::string::npos ? "" : bytes.substr(end + 4);
  }
  int Status() const {
    std::smatch m;
    const std::string head = Head();
    return std::regex_search(head, m, std::regex("^HTTP/1\\.[01] ([0-9]{3}) ")) ? std::stoi(m[1]) : 0;
  }
  std::string HeaderValue(const std::string& name) const {
    std::smatch m;
    const std::string head = Head();
    return std::regex_search(head, m, std::regex("\r\n" + name + ": ([^\r]*)", std::regex::icase)) ? std::string(m[1])
                                                                                                : "<none>";
  }
  // One whole reply is in (its head and Content-Length bytes of body).
  bool Whole() const {
    const size_t end = bytes.find("\r\n\r\n");
    if (end == std::string::npos) return false;
    const std::string length = HeaderValue("Content-Length");
    return length != "<none>" && bytes.size() >= end + 4 + std::stoul(length);
  }
};

std::ostream& operator<<(std::ostream& os, const RawReply& r) {
  return os << (r.closed ? "[closed] " : "[open] ") << r.bytes.substr(0, 300);
}

int Connect(uint16_t port) {
  const int fd = purchase::testing::ConnectLoopback(port);
  BOOST_REQUIRE(fd >= 0);
  return fd;
}

// Sends `bytes`, in writes of `piece` bytes `pause` apart when `piece` is not
// 0 (so that the server reads them one by one). Stops early if the server
// stopped reading (it may answer and close first).
void SendRaw(int fd, const std::string& bytes, size_t piece = 0,
             std::chrono::milliseconds pause = std::chrono::milliseconds(0)) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    const size_t n = piece ? std::min(piece, bytes.size() - sent) : bytes.size() - sent;
    const ssize_t w = send(fd, bytes.data() + sent, n, MSG_NOSIGNAL);
    if (w <= 0) return;
    sent += static_cast<size_t>(w);
    if (piece) std::this_thread::sleep_for(pause);
  }
}

// Reads until the server ends the stream or `timeout` passes, or, with
// `one_reply`, as soon as one whole reply is in.
RawReply ReadRaw(int fd, std::chrono::milliseconds timeout, bool one_reply = false) {
  RawReply r;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline && !(one_reply && r.Whole())) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 20) <= 0) continue;
    char buf[65536];
    const ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) {
      r.closed = true;
      break;
    }
    r.bytes.append(buf, static_cast<size_t>(n));
  }
  return r;
}

// One request on a fresh connection, optionally followed by a half-close of
// the client's sending side; reads until the server closes (or 3 s).
RawReply Exchange(uint16_t port, const std::string& bytes, bool half_close = false,
                  std::chrono::milliseconds timeout = std::chrono::seconds(3)) {
  const int fd = Connect(port);
  SendRaw(fd, bytes);
  if (half_close) shutdown(fd, SHUT_WR);
  RawReply r = ReadRaw(fd, timeout);
  close(fd);
  return r;
}

// The reply is the JSON error `code` with `status`, and the server closed the
// connection after it.
void ExpectRefusal(const RawReply& r, int status, const std::string& code, const std::string& what) {
  BOOST_TEST(r.Status() == status, what << ": " << r);
  BOOST_TEST(r.HeaderValue("Content-Type") == kJsonType, what << ": " << r);
  BOOST_TEST(Member(r.Body(), "error/code") == code, what << ": " << r);
  BOOST_TEST(Member(r.Body(), "error/message") != "<absent>", what << ": " << r);
  BOOST_TEST(r.Whole(), what << ": " << r);
  BOOST_TEST(r.closed, what << ": the connection stayed open: " << r);
}

const std::string kAuthLine = "Authorization: " + kVendorA + "\r\n";

BOOST_AUTO_TEST_CASE(AHalfCloseAfterTheRequestStillGetsItsReply) {
  // printf '<request>' | nc -N: the request, then the end of the client's
  // stream. Pistache read both in one go and dropped the queued reply.
  Server s;
  for (int i = 0; i < 20; ++i) {
    const RawReply r = Exchange(s.port, "GET /purchase/info?order_id=x HTTP/1.1\r\nHost: a\r\n" + kAuthLine + "\r\n",
                                /*half_close=*/true);
    BOOST_TEST_REQUIRE(r.Status() == 404, "try " << i << ": " << r);
    BOOST_TEST(Member(r.Body(), "error/code") == "ORDER_NOT_FOUND", r);
    BOOST_TEST(r.HeaderValue("Content-Type") == kJsonType);
    BOOST_TEST(r.Whole(), r);
    BOOST_TEST(r.closed, r);
  }
  // With a body, and a success.
  const std::string body = ValidateBody("asset-basic");
  const RawReply v = Exchange(s.port,
                              "POST /purchase/validate-purchase-before-payment HTTP/1.1\r\nHost: a\r\n" + kAuthLine +
                                  "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body,
                              /*half_close=*/true);
  BOOST_TEST(v.Status() == 200, v);
  BOOST_TEST(std::regex_match(Member(v.Body(), "token"), std::regex("tok_[0-9a-f]{32}")), v);
  BOOST_TEST(v.closed, v);
}

BOOST_AUTO_TEST_CASE(ABodyOverTheReadLimitIsAnsweredFromItsHeadThenTheConnectionCloses) {
  Server s;
  const std::string validate = "POST /purchase/validate-purchase-before-payment HTTP/1.1\r\nHost: a\r\n" + kAuthLine;
  // Answered at once from the head: the server does not wait for 2 MiB.
  const auto start = std::chrono::steady_clock::now();
  RawReply r = Exchange(s.port, validate + "Content-Length: 2097152\r\n\r\n");
  ExpectRefusal(r, 413, "PAYLOAD_TOO_LARGE", "2 MiB announced, none sent");
  BOOST_TEST(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() < 1.0);
  // Sent in full, the client still reads the reply and the end of the stream.
  r = Exchange(s.port, validate + "Content-Length: 2097152\r\n\r\n" + std::string(2 * 1024 * 1024, ' '));
  ExpectRefusal(r, 413, "PAYLOAD_TOO_LARGE", "2 MiB sent");
  // The largest Content-Length there is: a size, not a framing error.
  r = Exchange(s.port, validate + "Content-Length: 18446744073709551615\r\n\r\n");
  ExpectRefusal(r, 413, "PAYLOAD_TOO_LARGE", "Content-Length 2^64-1");
  // A chunked body past the buffer.
  std::string chunked = validate + "Transfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 2; ++i) chunked += "100000\r\n" + std::string(0x100000, ' ') + "\r\n";
  r = Exchange(s.port, chunked + "0\r\n\r\n");
  ExpectRefusal(r, 413, "PAYLOAD_TOO_LARGE", "2 MiB chunked");
  // The check order holds: route first, then fault rules, then the size.
  r = Exchange(s.port, "POST /no/such/path HTTP/1.1\r\nHost: a\r\nContent-Length: 2097152\r\n\r\n");
  ExpectRefusal(r, 404, "NOT_FOUND", "unknown path");
  Client c;
  BOOST_REQUIRE(s.Post(c, "/_control/faults",
                       R"({"match":{"path":"/purchase/validate-purchase-before-payment"},"effect":{"status":503},"times":1})",
                       std::nullopt)
                    .status == 201);
  r = Exchange(s.port, validate + "Content-Length: 2097152\r\n\r\n");
  ExpectRefusal(r, 503, "SERVICE_UNAVAILABLE", "fault rule");
  BOOST_TEST(s.service.order_count() == 0u);
  BOOST_TEST(s.Get(c, "/_control/clock", std::nullopt).status == 200);
}

BOOST_AUTO_TEST_CASE(ABadContentLengthIsA400MalformedRequestThenTheConnectionCloses) {
  Server s;
  const std::string advance = "POST /_control/clock/advance HTTP/1.1\r\nHost: a\r\n";
  const std::string body = R"({"seconds":1})";  // 13 bytes
  // Pistache answered "-1" and 20 digits with a text 500 (basic_string::_M_create,
  // stoull), read "abc", "" and "0x10" as 0 and "5abc", "+5" as 5.
  for (const std::string value : {"-1", "99999999999999999999", "18446744073709551616", "abc", "", "5abc", "0x10",
                                  "+13", "1e3", "13, 13", "1 3"}) {
    const RawReply r = Exchange(s.port, advance + "Content-Length: " + value + "\r\n\r\n" + body);
    ExpectRefusal(r, 400, "MALFORMED_REQUEST", "Content-Length [" + value + "]");
  }
  RawReply r = Exchange(s.port, advance + "Content-Length: 13\r\ncontent-length: 14\r\n\r\n" + body);
  ExpectRefusal(r, 400, "MALFORMED_REQUEST", "two lengths");
  r = Exchange(s.port, advance + "Content-Length: 13\r\nTransfer-Encoding: chunked\r\n\r\n" + body);
  ExpectRefusal(r, 400, "MALFORMED_REQUEST", "length and encoding");
  Client c;
  const Reply clock = s.Get(c, "/_control/clock", std::nullopt);
  BOOST_TEST(clock.body.find("T00:00:00Z") != std::string::npos, "an advance was handled: " << clock.body);
  // What is well formed is handled: leading zeros, blanks around the value,
  // the same length twice.
  for (const std::string lines : {"Content-Length: 0013\r\n", "Content-Length:  13 \r\n",
                                  "Content-Length: 13\r\nContent-Length: 13\r\n"}) {
    const int fd = Connect(s.port);
    SendRaw(fd, advance + lines + "\r\n" + body);
    const RawReply ok = ReadRaw(fd, std::chrono::seconds(3), /*one_reply=*/true);
    close(fd);
    BOOST_TEST(ok.Status() == 200, lines << ok);
    BOOST_TEST(!ok.closed, ok);
  }
}

BOOST_AUTO_TEST_CASE(AHeadOverItsLimitsIsA431ThenTheConnectionCloses) {
  Server s;
  const std::string clock = "GET /_control/clock HTTP/1.1\r\nHost: a\r\n";
  // One 100,000-byte header was accepted and answered 200.
  RawReply r = Exchange(s.port, clock + "X-Big: " + std::string(100000, 'a') + "\r\n\r\n");
  ExpectRefusal(r, 431, "REQUEST_HEADER_FIELDS_TOO_LARGE", "one 100,000-byte header");
  // The line limit, exactly: 8192 bytes without the CRLF pass, 8193 do not.
  const std::string pad = "X-Pad: ";
  const int fd = Connect(s.port);
  SendRaw(fd, clock + pad + std::string(8192 - pad.size(), 'a') + "\r\n\r\n");
  r = ReadRaw(fd, std::chrono::seconds(3), /*one_reply=*/true);
  close(fd);
  BOOST_TEST(r.Status() == 200, r);
  r = Exchange(s.port, clock + pad + std::string(8193 - pad.size(), 'a') + "\r\n\r\n");
  ExpectRefusal(r, 431, "REQUEST_HEADER_FIELDS_TOO_LARGE", "a line of 8193 bytes");
  r = Exchange(s.port, "GET /_control/clock?" + std::string(9000, 'q') + " HTTP/1.1\r\nHost: a\r\n\r\n");
  ExpectRefusal(r, 431, "REQUEST_HEADER_FIELDS_TOO_LARGE", "a request line of 9,000 bytes");
  // The head limit: 2,000 short headers (22 KB) pass, 7,000 (83 KB) do not,
  // nor does a flood of 100,000 (1.3 MB), refused at its 64th KiB.
  auto headers = [&](int n) {
    std::string head = clock;
    for (int i = 0; i < n; ++i) head += "X-F: " + std::to_string(i) + "\r\n";
    return head + "\r\n";
  };
  const int many = Connect(s.port);
  SendRaw(many, headers(2000));
  r = ReadRaw(many, std::chrono::seconds(3), /*one_reply=*/true);
  close(many);
  BOOST_TEST(r.Status() == 200, r);
  r = Exchange(s.port, headers(7000));
  ExpectRefusal(r, 431, "REQUEST_HEADER_FIELDS_TOO_LARGE", "7,000 headers");
  r = Exchange(s.port, headers(100000));
  ExpectRefusal(r, 431, "REQUEST_HEADER_FIELDS_TOO_LARGE", "100,000 headers");
  Client c;
  BOOST_TEST(s.Get(c, "/_control/clock", std::nullopt).status == 200);
}

BOOST_AUTO_TEST_CASE(AHeadPistacheCannotParseIsA400MalformedRequest) {
  // Pistache answered some of these in plain text and waited forever on the others.
  Server s;
  for (const std::string& head :
       {std::string("GET / HTTP/9.9\r\n\r\n"), std::string("BREW /_control/clock HTTP/1.1\r\n\r\n"),
        std::string("GET\r\n\r\n"), std::string("GET /_control/clock HTTP/1.1\nHost: a\n\n"),
        std::string("GET /_control/clock HTTP/1.1\r\nNo colon here\r\n\r\n"),
        std::string("\x00\x01\x02GARBAGE\r\n\r\n", 14),
        std::string("POST /_control/clock/advance HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n{}"),
        std::string("POST /_control/clock/advance HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nZZZ\r\n")}) {
    const RawReply r = Exchange(s.port, head);
    ExpectRefusal(r, 400, "MALFORMED_REQUEST", head.substr(0, 40));
  }
  Client c;
  BOOST_TEST(s.Get(c, "/_control/clock", std::nullopt).status == 200);
}

BOOST_AUTO_TEST_CASE(AHeadArrivingInPiecesIsReadAsOneAndTheConnectionKeptAlive) {
  Server s;
  const int fd = Connect(s.port);
  // Byte by byte: every read brings a piece of the head.
  SendRaw(fd, "GET /purchase/info?order_id=x HTTP/1.1\r\nHost: a\r\n" + kAuthLine + "\r\n", 1,
          std::chrono::milliseconds(1));
  RawReply r = ReadRaw(fd, std::chrono::seconds(3), /*one_reply=*/true);
  BOOST_TEST(r.Status() == 404, r);
  BOOST_TEST(!r.closed);
  // Then on the same connection, a request whose Content-Length is split
  // between writes, and its body in the same pieces.
  SendRaw(fd, "POST /_control/clock/advance HTTP/1.1\r\nHost: a\r\nContent-Len", 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  SendRaw(fd, "gth: 13\r\n\r\n{\"seconds\":1}", 5, std::chrono::milliseconds(2));
  r = ReadRaw(fd, std::chrono::seconds(3), /*one_reply=*/true);
  BOOST_TEST(r.Status() == 200, r);
  BOOST_TEST(r.Body() == R"({"now":"2026-01-01T00:00:01Z","mode":"manual","settled":0})", r);
  // A bad length split the same way is still seen.
  SendRaw(fd, "POST /_control/clock/advance HTTP/1.1\r\nHost: a\r\nContent-Len", 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  SendRaw(fd, "gth: -1\r\n\r\n{}", 0);
  r = ReadRaw(fd, std::chrono::seconds(3));
  close(fd);
  ExpectRefusal(r, 400, "MALFORMED_REQUEST", "split Content-Length: -1");
}

BOOST_AUTO_TEST_CASE(StopClosesThePortCleanly) {
  auto s = std::make_unique<Server>(2);
  Client c;
  BOOST_REQUIRE(s->Get(c, "/_control/clock", std::nullopt).status == 200);
  const std::string base = s->base;
  const auto start = std::chrono::steady_clock::now();
  s->server.Stop();
  BOOST_TEST(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() < 2.0);
  Client after;
  const Reply r = after.Send("GET", base + "/_control/clock", "", std::nullopt, /*fresh=*/true);
  BOOST_TEST(r.code == CURLE_COULDNT_CONNECT, curl_easy_strerror(r.code));
  s->server.Stop();  // a second Stop is harmless
  s.reset();         // and so is the destructor after it
}

BOOST_AUTO_TEST_CASE(StopWithADelayedReplyPendingIsClean) {
  // "Replies still waiting for their delay are dropped": the client gets no
  // reply, and nothing is written to a connection that is gone.
  auto s = std::make_unique<Server>();
  Client setup;
  BOOST_REQUIRE(s->Post(setup, "/_control/faults",
                        R"({"effect":{"delay_ms":600},"match":{"path":"/purchase/info"},"times":1})", std::nullopt)
                    .status == 201);
  auto late = std::async(std::launch::async, [base = s->base] {
    Client c;
    return c.Send("GET", base + "/purchase/info?order_id=x", "", kVendorA, /*fresh=*/true, /*timeout_ms=*/1200);
  });
  WaitUntilFired(s->service);
  s->server.Stop();
  const Reply r = late.get();
  BOOST_TEST(r.code != CURLE_OK, "a reply arrived after Stop(): " << r.status << " " << r.body);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // past the delay: nothing may fire now
  s.reset();
  // A new server on a new port works afterwards.
  Server again;
  Client c;
  BOOST_TEST(again.Get(c, "/_control/clock", std::nullopt).status == 200);
}

// KNOWN SERVER BUG (disabled in server/CMakeLists.txt until fixed):
// PistacheServer::Stop() (http/pistache_server.cc; Endpoint::shutdown() of
// Pistache 0.0.5) stops serving but never closes the connections it accepted:
// a keep-alive client, or one waiting for a delayed reply, gets neither a
// reply nor EOF and hangs until its own timeout. The sockets stay open even
// after the PistacheServer is destroyed (measured: 2 connections leave 2
// sockets, 3 eventfds and 1 timerfd open in the process).
BOOST_AUTO_TEST_CASE(StopClosesTheConnectionsItAccepted) {
  auto s = std::make_unique<Server>();
  Client keep_alive;
  BOOST_REQUIRE(s->Get(keep_alive, "/_control/clock", std::nullopt).status == 200);
  BOOST_REQUIRE(s->Post(keep_alive, "/_control/faults",
                        R"({"effect":{"delay_ms":400},"match":{"path":"/purchase/info"},"times":1})", std::nullopt)
                    .status == 201);
  auto late = std::async(std::launch::async, [base = s->base] {
    Client c;
    return c.Send("GET", base + "/purchase/info?order_id=x", "", kVendorA, /*fresh=*/true, /*timeout_ms=*/3000);
  });
  WaitUntilFired(s->service);
  s->server.Stop();
  const Reply waiting = late.get();
  BOOST_TEST(waiting.code != CURLE_OK);
  BOOST_TEST(waiting.seconds < 1.0, "the waiting client learned nothing for " << waiting.seconds << " s ("
                                        << curl_easy_strerror(waiting.code) << ")");
  // The idle keep-alive connection was closed: libcurl sees it dead and fails
  // to reconnect, instead of sending into a socket nobody reads.
  const Reply idle = keep_alive.Send("GET", s->base + "/_control/clock", "", std::nullopt, false, 3000);
  BOOST_TEST(idle.code == CURLE_COULDNT_CONNECT, curl_easy_strerror(idle.code) << " after " << idle.seconds << " s");
  s.reset();
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace purchase::http
