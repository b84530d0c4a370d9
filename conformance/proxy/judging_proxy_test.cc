#include "proxy/judging_proxy.h"

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <sstream>
#include <thread>

#include "core/lifecycle.h"
#include "core/client_audit.h"
#include "http/valid_text.h"
#include "profiles/profile_registry.h"
#include "report/file_reporters.h"
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
  explicit Proxy(std::function<HttpResponse(const HttpRequest&)> upstream, bool audit = false,
                 bool keep_session = false) {
    ProxyOptions o;
    o.keep_session = keep_session;
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

// An upstream that answers as the HL Connector would a client that validates,
// registers and polls: orders o-1, o-2... by register.
HttpResponse HlLike(const HttpRequest& r, int& registered) {
  if (r.url.find("/purchase/validate") != std::string::npos)
    return Json(200, R"({"token":"tok-once","expires_at":"2026-01-01T00:15:00Z"})");
  if (r.url.find("/purchase/register") != std::string::npos) {
    const std::string id = "o-" + std::to_string(++registered);
    return Json(201, Order(id, "PROCESSING"), {{"Location", "/purchase/info?order_id=" + id}, {"Retry-After", "1"}});
  }
  if (r.url.find("/_control/reset") != std::string::npos) return Json(200, R"({"now":"2026-01-01T00:00:00Z","mode":"manual"})");
  const std::string id = r.url.substr(r.url.find("order_id=") + 9);
  return Json(200, Order(id, "COMPLETED"));
}

BOOST_AUTO_TEST_CASE(AClientFlowIsOneOrderWithWhatTheClientDidBeforeIt) {
  int registered = 0;
  Proxy p([&](const HttpRequest& r) { return HlLike(r, registered); }, false, /*keep_session=*/true);
  const Fields json_a = {{"Authorization", "Bearer tok-a"}, {"Content-Type", "application/json"}};
  const Fields json_b = {{"Authorization", "Bearer tok-b"}, {"Content-Type", "application/json"}};
  const std::string validate = R"({"asset_id":"a-1","quantity":1,"customer_ip":"203.0.113.7"})";
  const std::string reg = R"({"token":"tok-once","asset_id":"a-1","quantity":1,"vendor_order_id":"v-1"})";
  p.Send("POST", "/purchase/validate-purchase-before-payment", "", json_a, validate);
  p.Send("POST", "/purchase/validate-purchase-before-payment", "", json_b, validate);  // b never registers
  p.Send("POST", "/purchase/register", "", json_a, reg);
  p.Send("GET", "/purchase/info", "order_id=o-1");
  p.Send("GET", "/_sandbox/s1/purchase/info", "order_id=o-1");  // another sandbox's o-1: not this order
  const std::vector<ClientFlow> flows = GroupIntoFlows(p.proxy->Session());
  BOOST_TEST_REQUIRE(flows.size() == 3u);
  BOOST_TEST(flows[0].name == "order o-1");
  BOOST_TEST(flows[0].client == "Bearer tok-a");
  BOOST_TEST(flows[0].order_trace == "o-1");
  std::vector<uint64_t> seqs;
  for (const auto& e : flows[0].exchanges) seqs.push_back(e.seq);
  BOOST_TEST(seqs == (std::vector<uint64_t>{1, 3, 4}), boost::test_tools::per_element());
  BOOST_TEST(flows[1].name == "client 2, no order");
  BOOST_TEST(flows[1].exchanges.size() == 1u);
  BOOST_TEST(flows[2].name == "order o-1, sandbox s1");  // the answer showed it, in s1
  BOOST_TEST(flows[2].exchanges.front().path == "/purchase/info");
}

BOOST_AUTO_TEST_CASE(AfterAResetAnIdThatComesAgainIsAnotherFlow) {
  int registered = 0;
  Proxy p([&](const HttpRequest& r) { return HlLike(r, registered); }, false, true);
  const Fields json = {{"Authorization", "Bearer tok-a"}, {"Content-Type", "application/json"}};
  const std::string reg = R"({"token":"tok-once","asset_id":"a-1","quantity":1,"vendor_order_id":"v-1"})";
  p.Send("POST", "/purchase/register", "", json, reg);
  p.Send("POST", "/_control/reset", "", {});
  registered = 0;  // the target starts its ids again
  p.Send("POST", "/purchase/register", "", json, reg);
  p.Send("GET", "/purchase/info", "order_id=o-1");
  const std::vector<ClientFlow> flows = GroupIntoFlows(p.proxy->Session());
  BOOST_TEST_REQUIRE(flows.size() == 3u);  // o-1, the reset (no order), o-1 again
  BOOST_TEST(flows[0].exchanges.size() == 1u);
  BOOST_TEST(flows[2].exchanges.size() == 2u);
  const RunResult run = SessionAsRun(flows, p.proxy->Traces(), "http://upstream:1", {}, 5);
  BOOST_TEST_REQUIRE(run.scenarios.size() == 3u);
  BOOST_TEST_REQUIRE(run.scenarios[0].orders.size() == 1u);
  BOOST_TEST(run.scenarios[0].orders[0].states.size() == 1u);  // the first o-1: PROCESSING only
  BOOST_TEST_REQUIRE(run.scenarios[2].orders.size() == 1u);
  BOOST_TEST(run.scenarios[2].orders[0].states.size() == 2u);  // the second: PROCESSING, COMPLETED
}

BOOST_AUTO_TEST_CASE(ASessionReportsAsARunWhoseFailuresAreTheViolationsBySide) {
  int registered = 0;
  Proxy p([&](const HttpRequest& r) {
    HttpResponse out = HlLike(r, registered);
    if (r.url.find("/purchase/info") != std::string::npos) out = Json(202, Order("o-1", "PROCESSING"));  // no Retry-After
    return out;
  }, false, true);
  const Fields json = {{"Authorization", "Bearer tok-a"}, {"Content-Type", "application/json"}};
  p.Send("POST", "/purchase/register", "", json, R"({"token":"tok-once","asset_id":"a-1","quantity":1,"vendor_order_id":"v-1"})");
  p.Send("GET", "/purchase/info", "order_id=o-1", {});  // no credential: the client's
  const RunResult run = SessionAsRun(GroupIntoFlows(p.proxy->Session()), p.proxy->Traces(), "http://upstream:1", {}, 5);
  BOOST_TEST_REQUIRE(run.scenarios.size() == 1u);
  const ScenarioResult& s = run.scenarios[0];
  BOOST_TEST(std::string(OutcomeName(s.outcome)) == "failed");
  BOOST_TEST_REQUIRE(s.steps.size() == 2u);
  BOOST_TEST(std::string(OutcomeName(s.steps[0].outcome)) == "passed");
  BOOST_TEST(s.steps[1].name == "#2 GET /purchase/info?order_id=o-1 -> 202");
  std::string messages;
  for (const Failure& f : s.steps[1].failures) messages += f.message + "\n";
  BOOST_TEST(messages.find("client: GET /purchase/info: the request carries no credential") != std::string::npos, messages);
  BOOST_TEST(messages.find("service: 202 of GET /purchase/info: required header Retry-After is missing") != std::string::npos,
             messages);
  bool named_rule = false;
  for (const Failure& f : s.steps[1].failures) named_rule = named_rule || !f.rules.empty();
  BOOST_TEST(named_rule);  // the service's violation keeps the rules it breaks
  BOOST_TEST_REQUIRE(s.steps[1].exchanges.size() == 1u);
  BOOST_TEST(s.steps[1].exchanges[0].status == 202);
  std::ostringstream junit;
  JunitReporter(junit).OnRunFinished(run);
  BOOST_TEST(junit.str().find("name=\"order o-1\" file=\"proxy/order o-1\"") != std::string::npos, junit.str());
  BOOST_TEST(junit.str().find("<failure") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(WithoutKeepSessionNothingIsKept) {
  int registered = 0;
  Proxy p([&](const HttpRequest& r) { return HlLike(r, registered); });
  p.Send("GET", "/purchase/info", "order_id=o-1");
  BOOST_TEST(p.proxy->Session().empty());
}

BOOST_AUTO_TEST_CASE(AProfilesClientIsJudgedByItsOwnObligationsFile) {
  // SheetMusicDirect: the client is its API key (a query parameter), and a
  // second create of one product of one order breaks create-each-product-once.
  const auto& entry = *purchase::profiles::FindProfile("sheetmusicdirect");
  const auto spec = OpenApiSpec::Parse(purchase::profiles::MergedOpenApi(entry), "smd");
  const auto lifecycle = purchase::Lifecycle::Parse(entry.lifecycle, "smd lifecycle");
  const auto obligations = purchase::ClientObligations::Parse(entry.client_obligations, "smd obligations");
  std::ostringstream log;
  ProxyOptions o;
  o.upstream = "http://upstream:1";
  o.spec = spec.get();
  o.lifecycle = &lifecycle;
  o.new_client = [] {
    return std::make_unique<FnClient>([](const HttpRequest&) {
      return Json(409, R"({"error":{"code":"DUPLICATE_ORDER_ITEM","message":"m"}})");
    });
  };
  o.log = &log;
  o.obligations = &obligations;
  JudgingProxy proxy(o);
  auto create = [&](const std::string& key, const std::string& order) {
    purchase::http::HttpRequest r;
    r.method = "POST";
    r.path = "/orders/create";
    const std::string query = "key=" + key + "&signature=" + std::string(64, 'a') + "&retailerOrderId=" + order +
                              "&retailerClientId=c-1&productId=1&quantity=1&countryCode=US";
    r.raw_query = query;  // a view, as the adapter's
    purchase::http::SplitRawQuery(r.raw_query, r.query);
    return proxy.Handle(r);
  };
  create("key-a", "o-1");
  create("key-b", "o-1");  // another retailer: another client
  create("key-a", "o-2");  // another order
  BOOST_TEST(proxy.totals().client_violations == 0u, log.str());
  create("key-a", "o-1");
  BOOST_TEST(proxy.totals().client_violations == 1u, log.str());
  BOOST_TEST(log.str().find("  client: [create-each-product-once] client 1 (key-a...) created c-1 / o-1 / 1 again "
                            "after a 409 DUPLICATE_ORDER_ITEM had said the order has it") != std::string::npos,
             log.str());
}

BOOST_AUTO_TEST_CASE(EveryApisObligationsNameOperationsAndCodesItsSpecHas) {
  // An obligation naming an operation its API does not have could never be
  // seen broken: a typo would silently switch it off.
  for (const auto& entry : purchase::profiles::Profiles()) {
    const auto spec = OpenApiSpec::Parse(purchase::profiles::MergedOpenApi(entry), entry.name);
    const auto obligations = purchase::ClientObligations::Parse(entry.client_obligations, entry.name);
    BOOST_TEST(!obligations.all().empty(), entry.name);
    for (const auto& ob : obligations.all()) {
      BOOST_TEST(!ob.source.empty(), entry.name << " " << ob.id);
      for (const auto& c : ob.checks) {
        for (const std::string& op : c.operations) {
          const std::string method = op.substr(0, op.find(' ')), path = op.substr(op.find(' ') + 1);
          BOOST_TEST(spec->FindOperation(method, path) == path, entry.name << " " << ob.id << ": " << op);
        }
        for (const std::string& code : c.codes)
          BOOST_TEST(std::string(entry.errors).find("\n  " + code + ":") != std::string::npos,
                     entry.name << " " << ob.id << ": " << code);
      }
    }
  }
  const std::string hl_errors = ReadTestFile(std::string(CONFORMANCE_SOURCE_DIR) + "/spec/errors.yaml");
  for (const auto& ob : purchase::ClientObligations::Builtin().all())
    for (const auto& c : ob.checks) {
      for (const std::string& op : c.operations) {
        const std::string method = op.substr(0, op.find(' ')), path = op.substr(op.find(' ') + 1);
        BOOST_TEST(HlSpec().FindOperation(method, path) == path, ob.id << ": " << op);
      }
      for (const std::string& code : c.codes)
        BOOST_TEST(hl_errors.find("\n  " + code + ":") != std::string::npos, ob.id << ": " << code);
    }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace conformance
