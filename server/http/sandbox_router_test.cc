// The sandbox router over real HL Connector sandboxes (HlSandbox), driven
// through Handle: which sandbox answers, what the control API does, and that
// sandboxes never see each other.
#define BOOST_TEST_MODULE sandbox_router_test
#include "http/sandbox_router.h"

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <thread>
#include <vector>

#include "hl_connector/hl_sandbox.h"
#include "testing/http_testing.h"
#include "testing/strict_utf8.h"

namespace purchase::http {
namespace {

using testing::Failure;
using testing::Fixtures;
using testing::kStart;
using testing::kVendorA;
using testing::MakeRequest;
using testing::Str;

class StillClock final : public Clock {
 public:
  Millis Now() const override { return 0; }
};

// A router serving HL Connector sandboxes, with a wall clock the test moves.
struct Server {
  explicit Server(SandboxOptions options = {}) {
    shared.catalog = &Fixtures();
    shared.lifecycle = &Lifecycle::Builtin();
    shared.errors = &ErrorCatalog::Builtin();
    shared.obligations = &ClientObligations::Builtin();
    shared.wall_clock = &still;
    shared.service.seed = 1;
    shared.api.sandboxes = true;
    shared.clock = [](std::optional<Millis> at) { return std::make_unique<ManualClock>(at.value_or(kStart)); };
    options.wall_ms = [this] { return wall.load(); };
    router = std::make_unique<SandboxRouter>(std::make_unique<HlSandbox>(shared, 1, std::nullopt),
                                             HlSandboxFactory(shared),
                                             CatalogErrorRenderer(ErrorCatalog::Builtin().statuses(), "errors.yaml"),
                                             options);
  }

  HttpReply Call(const std::string& method, const std::string& target, const std::string& body = "",
                 std::optional<std::string> sandbox = std::nullopt, std::optional<std::string> auth = kVendorA) {
    HttpRequest r = MakeRequest(method, target, body, std::move(auth));
    r.sandbox = std::move(sandbox);
    return router->Handle(r);
  }
  HttpReply Create(const std::string& body) { return Call("POST", "/_control/sandboxes", body); }
  // Validates and registers in `base` ("" or "/_sandbox/NAME"); returns the reply of register.
  HttpReply Buy(const std::string& base, const std::string& vendor_order_id,
                std::optional<std::string> sandbox = std::nullopt) {
    const HttpReply v = Call("POST", base + "/purchase/validate-purchase-before-payment",
                             R"({"asset_id":"asset-basic","quantity":1,"customer_ip":"203.0.113.7"})", sandbox);
    BOOST_REQUIRE_MESSAGE(v.status == 200, v.body);
    return Call("POST", base + "/purchase/register",
                R"({"token":")" + Str(v, "token") +
                    R"(","asset_id":"asset-basic","quantity":1,"vendor_order_id":")" + vendor_order_id + R"("})",
                sandbox);
  }

  StillClock still;
  HlSandboxShared shared;
  std::atomic<int64_t> wall{1000};
  std::unique_ptr<SandboxRouter> router;
};

std::string HeaderOf(const HttpReply& reply, const std::string& name) {
  for (const auto& [k, v] : reply.headers)
    if (k == name) return v;
  return "<none>";
}

BOOST_AUTO_TEST_SUITE(SandboxRouterTest)

BOOST_AUTO_TEST_CASE(AnUnknownSandboxIsNotFoundNeverTheDefault) {
  Server s;
  BOOST_TEST(Failure(s.Call("GET", "/purchase/info?order_id=x", "", "nope")) == "404 SANDBOX_NOT_FOUND");
  BOOST_TEST(Failure(s.Call("GET", "/_sandbox/nope/purchase/info?order_id=x")) == "404 SANDBOX_NOT_FOUND");
  BOOST_TEST(Failure(s.Call("GET", "/_sandbox//purchase/info")) == "404 SANDBOX_NOT_FOUND");
  BOOST_TEST(Failure(s.Call("GET", "/_control", "", std::string("bad name\xff"))) == "404 SANDBOX_NOT_FOUND");
  // "default" named outright is the default sandbox.
  BOOST_TEST(s.Call("GET", "/_control", "", "default").status == 200);
  BOOST_TEST(s.Call("GET", "/_sandbox/default/_control").status == 200);
}

BOOST_AUTO_TEST_CASE(SandboxesNeverSeeEachOthersOrdersClockOrFaults) {
  Server s;
  BOOST_REQUIRE(s.Create(R"({"name":"a"})").status == 201);
  BOOST_REQUIRE(s.Create(R"({"name":"b"})").status == 201);
  const HttpReply in_a = s.Buy("/_sandbox/a", "o-1");
  BOOST_REQUIRE(in_a.status == 201);
  const std::string order = Str(in_a, "order_id");
  BOOST_TEST(s.Call("GET", "/purchase/info?order_id=" + order, "", "a").status == 202);
  BOOST_TEST(Failure(s.Call("GET", "/purchase/info?order_id=" + order, "", "b")) == "404 ORDER_NOT_FOUND");
  BOOST_TEST(Failure(s.Call("GET", "/purchase/info?order_id=" + order)) == "404 ORDER_NOT_FOUND");
  // A clock move and a fault rule in b leave a alone.
  BOOST_TEST(s.Call("POST", "/_control/clock/advance", R"({"seconds":3600})", "b").status == 200);
  BOOST_TEST(s.Call("POST", "/_control/faults", R"({"match":{"path":"/purchase/info"},"effect":{"status":503}})", "b").status ==
             201);
  BOOST_TEST(s.Call("GET", "/purchase/info?order_id=" + order, "", "a").status == 202);
  BOOST_TEST(Str(s.Call("GET", "/_control/clock", "", "a"), "now") == "2026-01-01T00:00:00Z");
  BOOST_TEST(Str(s.Call("GET", "/_control/clock"), "now") == "2026-01-01T00:00:00Z");
  // A reset in b leaves a's order.
  BOOST_TEST(s.Call("POST", "/_control/reset", "", "b").status == 200);
  BOOST_TEST(s.Call("GET", "/purchase/info?order_id=" + order, "", "a").status == 202);
}

BOOST_AUTO_TEST_CASE(TheSameNameGivesTheSameAnswersAndOtherNamesOtherIds) {
  Server first, second;
  BOOST_REQUIRE(first.Create(R"({"name":"ci-7"})").status == 201);
  BOOST_REQUIRE(second.Create(R"({"name":"ci-7"})").status == 201);
  BOOST_REQUIRE(second.Create(R"({"name":"ci-8"})").status == 201);
  const HttpReply one = first.Buy("", "o-1", "ci-7");
  const HttpReply two = second.Buy("", "o-1", "ci-7");
  BOOST_TEST(one.body == two.body);
  BOOST_TEST(Str(second.Buy("", "o-1", "ci-8"), "order_id") != Str(one, "order_id"));
  // A seed given outright: the default sandbox's answers.
  BOOST_REQUIRE(second.Create(R"({"name":"like-default","seed":1})").status == 201);
  BOOST_TEST(second.Buy("", "o-1", "like-default").body == second.Buy("", "o-1").body);
}

BOOST_AUTO_TEST_CASE(ThePathPrefixWinsAndEveryHandedOutUrlCarriesIt) {
  Server s;
  BOOST_REQUIRE(s.Create(R"({"name":"p"})").status == 201);
  const HttpReply reg = s.Buy("/_sandbox/p", "o-1", "not-this-one");
  BOOST_REQUIRE(reg.status == 201);
  const std::string order = Str(reg, "order_id");
  BOOST_TEST(HeaderOf(reg, "Location") == "/_sandbox/p/purchase/info?order_id=" + order);
  BOOST_TEST(s.Call("POST", "/_sandbox/p/_control/clock/advance", R"({"seconds":5})").status == 200);
  const HttpReply url = s.Call("GET", "/_sandbox/p/purchase/download-url?order_id=" + order);
  BOOST_REQUIRE(url.status == 200);
  const std::string link = Str(url, "url");
  BOOST_TEST(link.rfind("http://127.0.0.1:8080/_sandbox/p/assets/download/" + order + "?", 0) == 0, link);
  BOOST_TEST(s.Call("GET", link.substr(std::string("http://127.0.0.1:8080").size()), "", std::nullopt, std::nullopt)
                 .status == 200);
  const HttpReply fault =
      s.Call("POST", "/_sandbox/p/_control/faults", R"({"match":{"path":"/purchase/info"},"effect":{"status":503}})");
  BOOST_TEST(HeaderOf(fault, "Location").rfind("/_sandbox/p/_control/faults/", 0) == 0);
  // With the header, URLs carry no prefix.
  const HttpReply by_header = s.Buy("", "o-2", "p");
  BOOST_TEST(HeaderOf(by_header, "Location") == "/purchase/info?order_id=" + Str(by_header, "order_id"));
}

BOOST_AUTO_TEST_CASE(TheControlApiCreatesListsShowsAndDeletes) {
  Server s;
  const HttpReply made = s.Create(R"({"name":"x","seed":7,"start_time":"2027-05-01T10:00:00Z"})");
  BOOST_REQUIRE_MESSAGE(made.status == 201, made.body);
  BOOST_TEST(made.body == R"({"name":"x","seed":7,"orders":0,"now":"2027-05-01T10:00:00Z"})");
  BOOST_TEST(HeaderOf(made, "Location") == "/_control/sandboxes/x");
  BOOST_TEST(Str(s.Create(""), "name") == "sandbox-1");
  BOOST_TEST(Str(s.Create("{}"), "name") == "sandbox-2");
  BOOST_TEST(Failure(s.Create(R"({"name":"x"})")) == "409 SANDBOX_EXISTS");
  BOOST_TEST(Failure(s.Create(R"({"name":"default"})")) == "409 SANDBOX_EXISTS");
  BOOST_TEST(Failure(s.Create(R"({"name":"-x"})")) == "422 REQUEST_VALIDATION_FAILED");
  BOOST_TEST(Failure(s.Create(R"({"seed":-1})")) == "422 REQUEST_VALIDATION_FAILED");
  BOOST_TEST(Failure(s.Create(R"({"start_time":"soon"})")) == "422 REQUEST_VALIDATION_FAILED");
  BOOST_TEST(Failure(s.Create(R"({"colour":"red"})")) == "422 REQUEST_VALIDATION_FAILED");
  BOOST_TEST(Failure(s.Create(R"({"name":"a","name":"b"})")) == "422 REQUEST_VALIDATION_FAILED");
  BOOST_TEST(Failure(s.Create("{")) == "400 MALFORMED_JSON");
  BOOST_TEST(s.router->size() == 3u);  // nothing refused was made

  BOOST_TEST(s.Call("GET", "/_control/sandboxes").body ==
             R"({"sandboxes":[{"name":"default","seed":1,"orders":0,"now":"2026-01-01T00:00:00Z"},)"
             R"({"name":"sandbox-1","seed":)" + std::to_string(SandboxRouter::SeedFor("sandbox-1", 1)) +
                 R"(,"orders":0,"now":"2026-01-01T00:00:00Z"},)"
                 R"({"name":"sandbox-2","seed":)" + std::to_string(SandboxRouter::SeedFor("sandbox-2", 1)) +
                 R"(,"orders":0,"now":"2026-01-01T00:00:00Z"},)"
                 R"({"name":"x","seed":7,"orders":0,"now":"2027-05-01T10:00:00Z"}],"max_sandboxes":100})");
  BOOST_TEST(s.Call("GET", "/_control/sandboxes/x").body == made.body);
  BOOST_TEST(Failure(s.Call("PUT", "/_control/sandboxes")) == "405 METHOD_NOT_ALLOWED");
  BOOST_TEST(HeaderOf(s.Call("PATCH", "/_control/sandboxes/x"), "Allow") == "GET, DELETE");
  BOOST_TEST(s.Call("DELETE", "/_control/sandboxes/x").body == R"({"deleted":"x"})");
  BOOST_TEST(Failure(s.Call("DELETE", "/_control/sandboxes/x")) == "404 SANDBOX_NOT_FOUND");
  BOOST_TEST(Failure(s.Call("GET", "/_control/sandboxes/x")) == "404 SANDBOX_NOT_FOUND");
  BOOST_TEST(Failure(s.Call("DELETE", "/_control/sandboxes/default")) == "422 REQUEST_VALIDATION_FAILED");
  // A sandbox cannot see the others: inside one, the sandbox API is no endpoint.
  BOOST_TEST(Failure(s.Call("GET", "/_control/sandboxes", "", "sandbox-1")) == "404 NOT_FOUND");
}

BOOST_AUTO_TEST_CASE(TheCountOrdersAndIdleLifetimeAreCapped) {
  SandboxOptions options;
  options.max_sandboxes = 2;
  options.max_orders = 1;  // one order (and its token)
  options.idle_ms = 60000;
  Server s(options);
  BOOST_REQUIRE(s.Create(R"({"name":"a"})").status == 201);
  BOOST_REQUIRE(s.Create(R"({"name":"b"})").status == 201);
  BOOST_TEST(Failure(s.Create(R"({"name":"c"})")) == "429 SANDBOX_LIMIT_REACHED");
  // One order fills a: another register is refused, its reads and control are not.
  const HttpReply first = s.Buy("", "o-1", "a");
  BOOST_REQUIRE(first.status == 201);
  BOOST_TEST(Failure(s.Buy("", "o-2", "a")) == "429 SANDBOX_LIMIT_REACHED");
  BOOST_TEST(s.Call("GET", "/purchase/info?order_id=" + Str(first, "order_id"), "", "a").status == 202);
  BOOST_TEST(s.Call("POST", "/_control/reset", "", "a").status == 200);
  BOOST_TEST(s.Buy("", "o-1", "a").status == 201);
  // The default sandbox has no cap.
  BOOST_TEST(s.Buy("", "o-1").status == 201);
  BOOST_TEST(s.Buy("", "o-2").status == 201);
  // b idles past its lifetime: gone, and its place free again.
  s.wall += 30000;
  BOOST_TEST(s.Call("GET", "/_control", "", "a").status == 200);
  s.wall += 30001;
  BOOST_TEST(Failure(s.Call("GET", "/_control", "", "b")) == "404 SANDBOX_NOT_FOUND");
  BOOST_TEST(s.Create(R"({"name":"c"})").status == 201);
  BOOST_TEST(s.router->size() == 2u);
}

BOOST_AUTO_TEST_CASE(NoStoreOfASandboxGrowsPastTheCap) {
  SandboxOptions options;
  options.max_orders = 3;
  Server s(options);
  BOOST_REQUIRE(s.Create(R"({"name":"t"})").status == 201);
  // Tokens no order spent: three, then the fourth validate is refused.
  const std::string validate = R"({"asset_id":"asset-basic","quantity":1,"customer_ip":"203.0.113.7"})";
  for (int i = 0; i < 3; ++i)
    BOOST_TEST(s.Call("POST", "/purchase/validate-purchase-before-payment", validate, "t").status == 200);
  BOOST_TEST(Failure(s.Call("POST", "/purchase/validate-purchase-before-payment", validate, "t")) ==
             "429 SANDBOX_LIMIT_REACHED");
  BOOST_TEST(s.Call("POST", "/_control/reset", "", "t").status == 200);
  // Fault rules: three, then the fourth is refused; deleting and moving the clock still work.
  const std::string rule = R"({"match":{"path":"/x"},"effect":{"status":503}})";
  for (int i = 0; i < 3; ++i) BOOST_TEST(s.Call("POST", "/_control/faults", rule, "t").status == 201);
  BOOST_TEST(Failure(s.Call("POST", "/_control/faults", rule, "t")) == "429 SANDBOX_LIMIT_REACHED");
  BOOST_TEST(s.Call("POST", "/_control/clock/advance", R"({"seconds":1})", "t").status == 200);
  BOOST_TEST(s.Call("DELETE", "/_control/faults", "", "t").status == 200);
  // Orders: three, each with its token; the fourth register is refused.
  for (int i = 0; i < 3; ++i) BOOST_TEST(s.Buy("", "o-" + std::to_string(i), "t").status == 201);
  BOOST_TEST(Failure(s.Buy("", "o-3", "t")) == "429 SANDBOX_LIMIT_REACHED");
}

BOOST_AUTO_TEST_CASE(TheControlTokenGuardsTheSandboxApi) {
  SandboxOptions options;
  options.control_token = "secret";
  Server s(options);
  const HttpReply refused = s.Create(R"({"name":"a"})");
  BOOST_TEST(Failure(refused) == "401 UNAUTHENTICATED");
  BOOST_TEST(HeaderOf(refused, "WWW-Authenticate") == "Bearer");
  BOOST_TEST(s.router->size() == 0u);
  BOOST_TEST(s.Call("POST", "/_control/sandboxes", "", std::nullopt, "Bearer secret").status == 201);
}

BOOST_AUTO_TEST_CASE(SandboxesOffIsTheServerWithoutThem) {
  SandboxOptions options;
  options.max_sandboxes = 0;
  Server s(options);
  BOOST_TEST(Failure(s.Create("")) == "404 NOT_FOUND");
  BOOST_TEST(Failure(s.Call("GET", "/_control", "", "a")) == "404 SANDBOX_NOT_FOUND");
}

BOOST_AUTO_TEST_CASE(ACatalogWithoutTheSandboxCodesIsRefusedAtStartUp) {
  std::map<std::string, int> statuses = ErrorCatalog::Builtin().statuses();
  statuses.erase("SANDBOX_EXISTS");
  BOOST_CHECK_EXCEPTION(CatalogErrorRenderer(statuses, "spec/x/errors.yaml"), std::invalid_argument,
                        [](const std::invalid_argument& e) {
                          return std::string(e.what()).find("spec/x/errors.yaml: no error code SANDBOX_EXISTS") == 0;
                        });
}

// A string member of a JSON body, found by hand: Boost.Test's macros (and so
// the testing helpers) are not thread-safe, so the threads below use none.
std::string MemberOf(const std::string& body, const std::string& name) {
  const std::string key = "\"" + name + "\":";
  const size_t at = body.find(key);
  if (at == std::string::npos) return "";
  size_t start = at + key.size();
  const bool quoted = start < body.size() && body[start] == '"';
  if (quoted) ++start;
  const size_t end = body.find_first_of(quoted ? "\"" : ",}", start);
  return body.substr(start, end - start);
}

// Threads creating, using and deleting sandboxes at once: no request is lost
// or answered from another sandbox (run under TSan by ci/tsan).
BOOST_AUTO_TEST_CASE(ParallelSandboxesStayApart) {
  Server s;
  constexpr int kThreads = 4, kRounds = 20;
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int round = 0; round < kRounds; ++round) {
        const std::string name = "t" + std::to_string(t) + "-" + std::to_string(round);
        const std::string base = "/_sandbox/" + name;
        if (s.Create(R"({"name":")" + name + R"("})").status != 201) ++wrong;
        const HttpReply v = s.Call("POST", base + "/purchase/validate-purchase-before-payment",
                                   R"({"asset_id":"asset-basic","quantity":1,"customer_ip":"203.0.113.7"})");
        const HttpReply reg = s.Call("POST", base + "/purchase/register",
                                     R"({"token":")" + MemberOf(v.body, "token") +
                                         R"(","asset_id":"asset-basic","quantity":1,"vendor_order_id":"o-1"})");
        const std::string order = reg.status == 201 ? MemberOf(reg.body, "order_id") : "";
        if (order.empty() || s.Call("GET", "/purchase/info?order_id=" + order, "", name).status != 202) ++wrong;
        const HttpReply listed = s.Call("GET", "/_control/sandboxes/" + name);
        if (listed.status != 200 || MemberOf(listed.body, "orders") != "1") ++wrong;
        if (s.Call("DELETE", "/_control/sandboxes/" + name).status != 200) ++wrong;
      }
    });
  for (auto& t : threads) t.join();
  BOOST_TEST(wrong.load() == 0);
  BOOST_TEST(s.router->size() == 0u);
}

// A table of what a broken or hostile client could send to the sandbox paths:
// each gets a 4xx JSON error of valid UTF-8 with a message, and nothing
// changes (the sandboxes, a sandbox's clock and order, the default's).
BOOST_AUTO_TEST_CASE(HostileSandboxRequestsGetAJsonErrorAndChangeNothing) {
  Server s;
  BOOST_REQUIRE(s.Create(R"({"name":"keep"})").status == 201);
  const std::string order = Str(s.Buy("", "o-1", "keep"), "order_id");
  auto state = [&] {
    return s.Call("GET", "/_control/sandboxes").body + s.Call("GET", "/_control/clock", "", "keep").body +
           s.Call("GET", "/purchase/info?order_id=" + order, "", "keep").body +
           s.Call("GET", "/_control/clock").body;
  };
  struct Hostile {
    const char* what;
    std::string method, target, body;
    std::optional<std::string> sandbox;
    std::string expect;
  };
  const std::vector<Hostile> table = {
      {"an empty X-Sandbox", "GET", "/purchase/info?order_id=" + order, "", "", "404 SANDBOX_NOT_FOUND"},
      {"a traversal as a name", "GET", "/_control/clock", "", "../keep", "404 SANDBOX_NOT_FOUND"},
      {"a name of 65 characters", "GET", "/_control/clock", "", std::string(65, 'k'), "404 SANDBOX_NOT_FOUND"},
      {"0xff in a name", "GET", "/_control/clock", "", std::string("ke\xffep"), "404 SANDBOX_NOT_FOUND"},
      {"a NUL in a name", "GET", "/_control/clock", "", std::string("keep\0", 5), "404 SANDBOX_NOT_FOUND"},
      {"an empty prefix", "GET", "/_sandbox//_control/clock", "", std::nullopt, "404 SANDBOX_NOT_FOUND"},
      {"a percent-encoded prefix", "GET", "/_sandbox/%6Beep/_control/clock", "", std::nullopt, "404 SANDBOX_NOT_FOUND"},
      {"a prefix and nothing after it", "GET", "/_sandbox/keep", "", std::nullopt, "404 NOT_FOUND"},
      {"a traversal after the prefix", "GET", "/_sandbox/keep/../../purchase/info", "", std::nullopt, "404 NOT_FOUND"},
      {"the sandbox API inside a sandbox", "POST", "/_control/sandboxes", "{}", "keep", "404 NOT_FOUND"},
      {"create: a body over the limit", "POST", "/_control/sandboxes", std::string(70000, ' '), std::nullopt,
       "413 PAYLOAD_TOO_LARGE"},
      {"create: not JSON", "POST", "/_control/sandboxes", "{\"name\":", std::nullopt, "400 MALFORMED_JSON"},
      {"create: 0xff in the name", "POST", "/_control/sandboxes", "{\"name\":\"\xff\"}", std::nullopt,
       "400 MALFORMED_JSON"},
      {"create: nesting past the limit", "POST", "/_control/sandboxes", std::string(100, '[') + std::string(100, ']'),
       std::nullopt, "400 MALFORMED_JSON"},
      {"create: a taken name", "POST", "/_control/sandboxes", R"({"name":"keep"})", std::nullopt, "409 SANDBOX_EXISTS"},
      {"create: a name of 65", "POST", "/_control/sandboxes", "{\"name\":\"" + std::string(65, 'a') + "\"}",
       std::nullopt, "422 REQUEST_VALIDATION_FAILED"},
      {"create: a name as a number", "POST", "/_control/sandboxes", R"({"name":7})", std::nullopt,
       "422 REQUEST_VALIDATION_FAILED"},
      {"create: a fractional seed", "POST", "/_control/sandboxes", R"({"seed":1.5})", std::nullopt,
       "422 REQUEST_VALIDATION_FAILED"},
      {"create: a seed past 2^64", "POST", "/_control/sandboxes", R"({"seed":18446744073709551616})", std::nullopt,
       "422 REQUEST_VALIDATION_FAILED"},
      {"create: a start past year 9999", "POST", "/_control/sandboxes", R"({"start_time":"10000-01-01T00:00:00Z"})",
       std::nullopt, "422 REQUEST_VALIDATION_FAILED"},
      {"create: an array", "POST", "/_control/sandboxes", "[]", std::nullopt, "422 REQUEST_VALIDATION_FAILED"},
      {"delete: the default", "DELETE", "/_control/sandboxes/default", "", std::nullopt, "422 REQUEST_VALIDATION_FAILED"},
      {"delete: 0xff", "DELETE", "/_control/sandboxes/\xff", "", std::nullopt, "404 SANDBOX_NOT_FOUND"},
      {"delete: a traversal", "DELETE", "/_control/sandboxes/../sandboxes", "", std::nullopt, "404 NOT_FOUND"},
      {"replace the list", "PUT", "/_control/sandboxes", "{}", std::nullopt, "405 METHOD_NOT_ALLOWED"},
  };
  std::string before = state();
  for (const Hostile& h : table) {
    BOOST_TEST_CONTEXT(h.what) {
      const HttpReply reply = s.Call(h.method, h.target, h.body, h.sandbox);
      BOOST_TEST(Failure(reply) == h.expect, reply.body);
      BOOST_TEST(purchase::testing::StrictUtf8Problem(reply.body) == "", reply.body);
      const std::string after = state();
      BOOST_TEST(after == before);
      before = after;
    }
  }
  BOOST_TEST(s.router->size() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace purchase::http
