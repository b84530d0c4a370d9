#include "proxy/judging_proxy.h"

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <sstream>
#include <thread>

#include "core/lifecycle.h"
#include "hl_connector/client_audit.h"
#include "http/valid_text.h"
#include "testing/test_support.h"

namespace conformance {
namespace {

using Fields = std::vector<std::pair<std::string, std::string>>;

// An upstream answered by a function (thread-safe if the function is).
class FnClient final : public HttpClient {
 public:
  explicit FnClient(std::function<HttpResponse(const HttpRequest&)> fn) : fn_(std::move(fn)) {}
  HttpResponse Send(const HttpRequest& request) override { return fn_(request); }

 private:
  std::function<HttpResponse(const HttpRequest&)> fn_;
};

const OpenApiSpec& HlSpec() {
  static const auto spec = OpenApiSpec::Parse(ReadTestFile(CONFORMANCE_OPENAPI), "spec/openapi.yaml");
  return *spec;
}

HttpResponse Json(int status, std::string body, HeaderList headers = {}) {
  HttpResponse r;
  r.status = status;
  r.headers = {{"Content-Type", "application/json; charset=utf-8"}};
  for (auto& h : headers) r.headers.push_back(std::move(h));
  r.body = std::move(body);
  return r;
}

std::string Order(const std::string& id, const std::string& status) {
  return R"({"order_id":")" + id + R"(","vendor_order_id":"v-1","asset_id":"a-1","quantity":1,"status":")" + status +
         R"(","created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z")" +
         (status == "COMPLETED" ? R"(,"items":[{"item_id":"i-1","asset_id":"a-1","quantity":1}])" : "") + "}";
}

// A proxy over `upstream`, judged by the HL Connector's spec, its log kept.
struct Proxy {
  explicit Proxy(std::function<HttpResponse(const HttpRequest&)> upstream, bool audit = false) {
    ProxyOptions o;
    o.upstream = "http://upstream:1";
    o.spec = &HlSpec();
    o.lifecycle = &purchase::Lifecycle::Builtin();
    o.new_client = [upstream] { return std::make_unique<FnClient>(upstream); };
    o.log = &log;
    if (audit) o.obligations = &purchase::ClientObligations::Builtin();
    proxy = std::make_unique<JudgingProxy>(o);
  }
  purchase::http::HttpReply Send(const std::string& method, const std::string& path, const std::string& query = "",
                                 Fields fields = {{"Authorization", "Bearer tok-a"}}, std::string body = "") {
    purchase::http::HttpRequest r;
    r.method = method;
    r.path = path;
    r.raw_query = query;
    r.fields = &fields;
    for (const auto& [k, v] : fields)
      if (k == "Authorization") r.authorization = v;
    purchase::http::SplitRawQuery(query, r.query);
    r.body = std::move(body);
    return proxy->Handle(r);
  }
  std::ostringstream log;
  std::unique_ptr<JudgingProxy> proxy;
};

std::string HeaderOf(const purchase::http::HttpReply& reply, const std::string& name) {
  for (const auto& [k, v] : reply.headers)
    if (EqualsIgnoringCase(k, name)) return v;
  return "<absent>";
}

BOOST_AUTO_TEST_SUITE(JudgingProxyTest)

BOOST_AUTO_TEST_CASE(TheRequestAndTheAnswerPassThroughAsSentButTheHopByHopHeaders) {
  HttpRequest seen;
  Proxy p([&](const HttpRequest& r) {
    seen = r;
    HttpResponse out = Json(200, "{\"any\":\"thing\"}", {{"X-Upstream", "yes"}, {"Connection", "close"}});
    out.headers.emplace_back("Content-Length", "15");
    return out;
  });
  const std::string body = std::string("{\"a\":\"\x01\"}", 9);
  const auto reply = p.Send("POST", "/purchase/register", "x=%20y&x=2",
                            {{"Authorization", "Bearer tok-a"}, {"Connection", "keep-alive"}, {"Host", "proxy:8081"},
                             {"X-Trace", "t-1"}, {"Content-Type", "application/json"}},
                            body);
  BOOST_TEST(seen.method == "POST");
  BOOST_TEST(seen.url == "http://upstream:1/purchase/register?x=%20y&x=2");
  BOOST_TEST(seen.body == body);
  std::string sent;
  for (const auto& [k, v] : seen.headers) sent += k + ": " + v + "\n";
  BOOST_TEST(sent == "Authorization: Bearer tok-a\nX-Trace: t-1\nContent-Type: application/json\n");
  BOOST_TEST(seen.fresh_connection);  // a register is never resent by the HTTP library
  BOOST_TEST(reply.status == 200);
  BOOST_TEST(reply.body == "{\"any\":\"thing\"}");
  BOOST_TEST(reply.content_type.empty());  // the upstream's is among the headers
  BOOST_TEST(HeaderOf(reply, "Content-Type") == "application/json; charset=utf-8");
  BOOST_TEST(HeaderOf(reply, "X-Upstream") == "yes");
  BOOST_TEST(HeaderOf(reply, "Connection") == "<absent>");
  BOOST_TEST(HeaderOf(reply, "Content-Length") == "<absent>");
}

BOOST_AUTO_TEST_CASE(AClientsMistakeIsTheClientsAndAServicesMistakeTheServices) {
  Proxy p([](const HttpRequest& r) {
    if (r.url.find("order_id=o-1") != std::string::npos) return Json(202, Order("o-1", "PROCESSING"));  // no Retry-After
    return Json(401, R"({"error":{"code":"UNAUTHENTICATED","message":"m"}})", {{"WWW-Authenticate", "Bearer"}});
  });
  p.Send("GET", "/purchase/info", "order_id=o-2", {});
  p.Send("GET", "/purchase/info", "order_id=o-1");
  const std::string log = p.log.str();
  BOOST_TEST(log.find("  client: GET /purchase/info: the request carries no credential") != std::string::npos, log);
  BOOST_TEST(log.find("  service: [") != std::string::npos, log);
  BOOST_TEST(log.find("202 of GET /purchase/info: required header Retry-After is missing") != std::string::npos, log);
  const auto totals = p.proxy->totals();
  BOOST_TEST(totals.exchanges == 2u);
  BOOST_TEST(totals.client_violations == 1u);
  BOOST_TEST(totals.service_violations == 1u);
}

BOOST_AUTO_TEST_CASE(AResetForgetsTheOrdersOfItsSandboxOnly) {
  Proxy p([](const HttpRequest& r) {
    if (r.url.find("/_control/reset") != std::string::npos) return Json(200, R"({"now":"2026-01-01T00:00:00Z","mode":"manual"})");
    return Json(201, Order("o-1", "PROCESSING"), {{"Location", "/purchase/info?order_id=o-1"}});
  });
  const std::string reg = R"({"token":"t","asset_id":"a-1","quantity":1,"vendor_order_id":"v-1"})";
  const Fields json = {{"Authorization", "Bearer tok-a"}, {"Content-Type", "application/json"}};
  p.Send("POST", "/purchase/register", "", json, reg);
  p.Send("POST", "/_sandbox/other/purchase/register", "", json, reg);  // another sandbox: another order
  p.Send("POST", "/_control/reset", "", {});
  p.Send("POST", "/purchase/register", "", json, reg);  // the id comes again after the reset
  BOOST_TEST(p.proxy->totals().service_violations == 0u, p.log.str());
  p.Send("POST", "/_sandbox/other/purchase/register", "", json, reg);  // not reset there
  BOOST_TEST(p.proxy->totals().service_violations == 1u);
  BOOST_TEST(p.log.str().find("a response created an order that was already seen") != std::string::npos, p.log.str());
}

BOOST_AUTO_TEST_CASE(XSandboxDefaultIsTheDefaultSandbox) {
  Proxy p([](const HttpRequest&) { return Json(201, Order("o-1", "PROCESSING"), {{"Location", "/purchase/info?order_id=o-1"}}); });
  const std::string reg = R"({"token":"t","asset_id":"a-1","quantity":1,"vendor_order_id":"v-1"})";
  p.Send("POST", "/purchase/register", "", {{"Authorization", "Bearer tok-a"}, {"Content-Type", "application/json"}}, reg);
  purchase::http::HttpRequest r;
  Fields fields = {{"Authorization", "Bearer tok-a"}, {"Content-Type", "application/json"}, {"X-Sandbox", "default"}};
  r.method = "POST";
  r.path = "/purchase/register";
  r.fields = &fields;
  r.authorization = "Bearer tok-a";
  r.sandbox = "default";
  r.body = reg;
  p.proxy->Handle(r);  // the same sandbox, so the same order created twice
  BOOST_TEST(p.proxy->totals().service_violations == 1u, p.log.str());
}

BOOST_AUTO_TEST_CASE(AnUpstreamThatClosesWithoutAnsweringClosesTheClientsConnectionToo) {
  Proxy p([](const HttpRequest&) {
    HttpResponse r;
    r.error = TransportError::kNoReply;
    return r;
  });
  const auto reply = p.Send("POST", "/purchase/register", "", {{"Authorization", "Bearer tok-a"}}, "{}");
  BOOST_TEST(reply.drop_connection);
  BOOST_TEST(p.proxy->totals().dropped == 1u);
  BOOST_TEST(p.proxy->totals().upstream_failures == 0u);
}

BOOST_AUTO_TEST_CASE(AnUnreachableUpstreamIsA502NamingTheCause) {
  Proxy p([](const HttpRequest&) {
    HttpResponse r;
    r.error = TransportError::kCannotConnect;
    r.error_message = "Connection refused";
    return r;
  });
  const auto reply = p.Send("GET", "/purchase/info", "order_id=o-1");
  BOOST_TEST(reply.status == 502);
  BOOST_TEST(reply.body ==
             R"({"error":{"code":"UPSTREAM_FAILED","message":"the upstream cannot connect: Connection refused"}})");
  BOOST_TEST(p.proxy->totals().upstream_failures == 1u);
}

BOOST_AUTO_TEST_CASE(TheAuditNamesAClientThatKeepsPollingASettledOrder) {
  Proxy p([](const HttpRequest&) { return Json(200, Order("o-1", "COMPLETED")); }, /*audit=*/true);
  for (int i = 0; i < 4; ++i) p.Send("GET", "/purchase/info", "order_id=o-1");
  const std::string log = p.log.str();
  BOOST_TEST(log.find("  client: [stop-polling-when-settled] client 1 (Bearer tok-a...)") != std::string::npos, log);
  BOOST_TEST(p.proxy->totals().client_violations == 1u);
}

BOOST_AUTO_TEST_CASE(ExchangesAreForwardedInParallelAndEveryOneIsJudged) {
  std::atomic<int> in_flight{0}, most{0};
  Proxy p([&](const HttpRequest&) {
    const int now = ++in_flight;
    for (int m = most.load(); now > m && !most.compare_exchange_weak(m, now);) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    --in_flight;
    return Json(202, Order("o-1", "PROCESSING"), {{"Retry-After", "1"}});
  });
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 25; ++i) p.Send("GET", "/purchase/info", "order_id=o-1");
    });
  for (auto& t : threads) t.join();
  const auto totals = p.proxy->totals();
  BOOST_TEST(totals.exchanges == 200u);
  BOOST_TEST(totals.service_violations == 0u, p.log.str().substr(0, 2000));
  BOOST_TEST(totals.orders == 1u);
  BOOST_TEST(most.load() > 1);  // the upstream saw requests at once: nothing held a lock across it
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace conformance
