// The tabs profile, driven through a ProfileHost with plain requests: the
// tab's limit, pending and abandoned purchases, payments on the clock, the
// valid window, isolation, the fixture loader's diagnostics, and each
// deliberate defect breaking the rule it names.
#define BOOST_TEST_MODULE tabs
#include <boost/test/unit_test.hpp>

#include <rapidjson/document.h>
#include <rapidjson/pointer.h>

#include "core/lifecycle.h"
#include "profiles/profile_registry.h"
#include "testing/strict_utf8.h"
#include "profiles/tabs/fixtures.h"
#include "profiles/tabs/valid_window.h"

using namespace purchase;
using namespace purchase::profiles;

namespace {

const char* kTokenA = "Bearer test-token-merchant-a";
const char* kTokenB = "Bearer test-token-merchant-b";

struct Sandbox {
  explicit Sandbox(std::set<std::string> defects = {}, engine::EngineDefects engine_defects = {})
      : entry(TabsProfileEntry()),
        lifecycle(Lifecycle::Parse(entry.lifecycle, "spec/tabs/lifecycle.yaml")),
        errors(ErrorReplies::Parse(entry.errors, "spec/tabs/errors.yaml")),
        profile(entry.make(PURCHASE_TEST_FIXTURES "/tabs", defects)),
        host(*profile, lifecycle, errors, std::make_unique<ManualClock>(*ParseRfc3339("2026-01-01T00:00:00Z")),
             entry.engine, {}, engine_defects) {}

  http::HttpReply Send(const std::string& method, const std::string& path, const std::string& body = "",
                       const char* auth = kTokenA) {
    http::HttpRequest r;
    r.method = method;
    r.path = path;
    r.body = body;
    if (auth) r.authorization = auth;
    return host.Handle(r);
  }
  // POST /v1/purchases of `amount` cents with this payment model; the reply's body.
  rapidjson::Document Buy(int amount, const std::string& payment_model, const char* auth = kTokenA,
                          const std::string& extra = "") {
    const http::HttpReply reply =
        Send("POST", "/v1/purchases",
             R"({"offering_id":"off-1","summary":"An article","price":{"amount":)" + std::to_string(amount) +
                 R"(,"currency":"USD"},"sales_model":"single_purchase","payment_model":")" + payment_model + "\"" +
                 extra + "}",
             auth);
    BOOST_REQUIRE_MESSAGE(reply.status == 201, reply.body);
    return Json(reply);
  }
  rapidjson::Document Get(const std::string& path, const char* auth = kTokenA) {
    const http::HttpReply reply = Send("GET", path, "", auth);
    BOOST_REQUIRE_MESSAGE(reply.status == 200, reply.body);
    return Json(reply);
  }
  std::string StatusOf(const std::string& id) { return Get("/v1/purchases/" + id)["status"].GetString(); }
  void Advance(double seconds) {
    const http::HttpReply r = Send("POST", "/_control/clock/advance", "{\"seconds\":" + std::to_string(seconds) + "}");
    BOOST_REQUIRE_MESSAGE(r.status == 200, r.body);
  }
  static rapidjson::Document Json(const http::HttpReply& reply) {
    rapidjson::Document d;
    d.Parse(reply.body.c_str());
    BOOST_REQUIRE_MESSAGE(!d.HasParseError(), reply.body);
    return d;
  }
  static std::string Code(const http::HttpReply& reply) {
    rapidjson::Document d = Json(reply);
    const rapidjson::Value* code = rapidjson::Pointer("/error/code").Get(d);
    return code && code->IsString() ? code->GetString() : "";
  }

  ProfileEntry entry;
  Lifecycle lifecycle;
  ErrorReplies errors;
  std::unique_ptr<Profile> profile;
  ProfileHost host;
};

std::string Str(const rapidjson::Value& v, const char* pointer) {
  const rapidjson::Value* x = rapidjson::Pointer(pointer).Get(v);
  if (!x) return "<absent>";
  if (x->IsNull()) return "null";
  if (x->IsString()) return x->GetString();
  if (x->IsBool()) return x->GetBool() ? "true" : "false";
  if (x->IsInt64()) return std::to_string(x->GetInt64());
  return "<other>";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(TabsTest)

BOOST_AUTO_TEST_CASE(TabsPayLaterWithinTheLimitCompletesAtOnce) {
  Sandbox s;
  rapidjson::Document p = s.Buy(200, "pay_later");
  BOOST_TEST(Str(p, "/status") == "completed");
  BOOST_TEST(Str(p, "/valid_from") == "2026-01-01T00:00:00Z");
  BOOST_TEST(Str(p, "/test_mode") == "true");
  BOOST_TEST(Str(p, "/merchant_id") == "merchant-a");
  rapidjson::Document tab = s.Get("/v1/tabs/" + Str(p, "/tab_id"));
  BOOST_TEST(Str(tab, "/total") == "200");
  BOOST_TEST(Str(tab, "/tab_status") == "open");
}

BOOST_AUTO_TEST_CASE(TabsPayLaterReachingTheLimitExactlyStillCompletes) {
  Sandbox s;
  s.Buy(300, "pay_later");
  BOOST_TEST(Str(s.Buy(200, "pay_later"), "/status") == "completed");
  BOOST_TEST(Str(s.Buy(1, "pay_later"), "/status") == "pending");
}

BOOST_AUTO_TEST_CASE(TabsPayNowIsPendingUntilThePaymentSettles) {
  Sandbox s;
  rapidjson::Document p = s.Buy(100, "pay_now", kTokenA, R"(,"valid_timedelta":"1h")");
  BOOST_TEST(Str(p, "/status") == "pending");
  BOOST_TEST(Str(p, "/valid_from") == "null");
  BOOST_TEST(Str(p, "/valid_to") == "null");
  const std::string tab = Str(p, "/tab_id"), id = Str(p, "/id");
  http::HttpReply pay = s.Send("POST", "/v1/tabs/" + tab + "/payment", R"({"payment_method":"pm_card_ok"})");
  BOOST_TEST_REQUIRE(pay.status == 202);
  BOOST_TEST(Str(Sandbox::Json(pay), "/payment_status") == "processing");
  BOOST_TEST(Str(Sandbox::Json(pay), "/amount") == "100");
  s.Advance(1.999);
  BOOST_TEST(s.StatusOf(id) == "pending");
  s.Advance(0.001);
  rapidjson::Document done = s.Get("/v1/purchases/" + id);
  BOOST_TEST(Str(done, "/status") == "completed");
  BOOST_TEST(Str(done, "/valid_from") == "2026-01-01T00:00:02Z");
  BOOST_TEST(Str(done, "/valid_to") == "2026-01-01T01:00:02Z");
  rapidjson::Document t = s.Get("/v1/tabs/" + tab);
  BOOST_TEST(Str(t, "/payments/0/payment_status") == "succeeded");
  BOOST_TEST(Str(t, "/total") == "0");
  BOOST_TEST(Str(t, "/tab_status") == "open");
}

BOOST_AUTO_TEST_CASE(TabsANewPendingPurchaseAbandonsTheOlderPendingOnes) {
  Sandbox s;
  const std::string on_tab = Str(s.Buy(100, "pay_later"), "/id");
  const std::string first = Str(s.Buy(100, "pay_now"), "/id");
  const std::string second = Str(s.Buy(100, "pay_now"), "/id");
  BOOST_TEST(s.StatusOf(first) == "abandoned");
  BOOST_TEST(s.StatusOf(second) == "pending");
  BOOST_TEST(s.StatusOf(on_tab) == "completed");
}

BOOST_AUTO_TEST_CASE(TabsADeclinedCardLeavesTheTabAsItWas) {
  Sandbox s;
  rapidjson::Document p = s.Buy(100, "pay_now");
  const std::string tab = Str(p, "/tab_id"), id = Str(p, "/id");
  BOOST_TEST(s.Send("POST", "/v1/tabs/" + tab + "/payment", R"({"payment_method":"pm_card_declined"})").status == 202);
  BOOST_TEST(Sandbox::Code(s.Send("POST", "/v1/tabs/" + tab + "/payment", R"({"payment_method":"pm_card_ok"})")) ==
             "PAYMENT_IN_PROGRESS");
  s.Advance(2);
  BOOST_TEST(s.StatusOf(id) == "pending");
  rapidjson::Document t = s.Get("/v1/tabs/" + tab);
  BOOST_TEST(Str(t, "/payments/0/payment_status") == "declined");
  BOOST_TEST(Str(t, "/payments/0/failure_reason") == "Your card was declined.");
  BOOST_TEST(Str(t, "/tab_status") == "payment_required");
}

BOOST_AUTO_TEST_CASE(TabsNothingToPayIsAConflict) {
  Sandbox s;
  const std::string tab = Str(s.Buy(100, "pay_later"), "/tab_id");
  BOOST_TEST(s.Send("POST", "/v1/tabs/" + tab + "/payment", R"({"payment_method":"pm_card_ok"})").status == 202);
  s.Advance(2);
  BOOST_TEST(Sandbox::Code(s.Send("POST", "/v1/tabs/" + tab + "/payment", R"({"payment_method":"pm_card_ok"})")) ==
             "NOTHING_TO_PAY");
}

BOOST_AUTO_TEST_CASE(TabsAnotherMerchantsPurchaseAndTabAreNotFound) {
  Sandbox s;
  rapidjson::Document p = s.Buy(100, "pay_later");
  BOOST_TEST(Sandbox::Code(s.Send("GET", "/v1/purchases/" + Str(p, "/id"), "", kTokenB)) == "PURCHASE_NOT_FOUND");
  BOOST_TEST(Sandbox::Code(s.Send("GET", "/v1/tabs/" + Str(p, "/tab_id"), "", kTokenB)) == "TAB_NOT_FOUND");
}

BOOST_AUTO_TEST_CASE(TabsValidationNamesTheField) {
  Sandbox s;
  auto field = [&](const std::string& body) {
    rapidjson::Document d = Sandbox::Json(s.Send("POST", "/v1/purchases", body));
    return Str(d, "/error/field");
  };
  const std::string base = R"("offering_id":"o","summary":"s","sales_model":"single_purchase")";
  BOOST_TEST(field("{" + base + R"(,"price":{"amount":0,"currency":"USD"},"payment_model":"pay_now"})") ==
             "price.amount");
  BOOST_TEST(field("{" + base + R"(,"price":{"amount":1,"currency":"usd"},"payment_model":"pay_now"})") ==
             "price.currency");
  BOOST_TEST(field("{" + base + R"(,"price":{"amount":1,"currency":"USD"},"payment_model":"pay_now_subscription"})") ==
             "payment_model");
  BOOST_TEST(field(R"({"offering_id":"o","summary":"s","sales_model":"time_pass","price":{"amount":1,"currency":"USD"},"payment_model":"pay_now"})") ==
             "valid_timedelta");
  BOOST_TEST(field("{" + base + R"(,"price":{"amount":1,"currency":"USD"},"payment_model":"pay_now","test_mode":true})") ==
             "test_mode");
  BOOST_TEST(s.Send("POST", "/v1/purchases", "{").status == 400);
  BOOST_TEST(s.Send("POST", "/v1/purchases", std::string(100, '[')).status == 400);
  BOOST_TEST(s.Send("POST", "/v1/purchases", "{}", nullptr).status == 401);
}

BOOST_AUTO_TEST_CASE(TabsALoneSurrogateEscapeIsRefusedAndNothingIsStored) {
  Sandbox s;
  const std::string price = R"("price":{"amount":100,"currency":"USD"},"sales_model":"single_purchase","payment_model":"pay_later")";
  // In the summary, in the metadata (a value, a member name), as an unknown member's name.
  for (const std::string& body :
       {R"({"offering_id":"o","summary":"s\udc00",)" + price + "}",
        R"({"offering_id":"o","summary":"s",)" + price + R"(,"metadata":{"k":"v\ud800"}})",
        R"({"offering_id":"o","summary":"s",)" + price + R"(,"metadata":{"\udc00":"v"}})",
        R"({"offering_id":"o","summary":"s","\udfff":1,)" + price + "}"}) {
    const http::HttpReply r = s.Send("POST", "/v1/purchases", body);
    BOOST_TEST(r.status == 400, body << ": " << r.body);
    BOOST_TEST(Sandbox::Code(r) == "MALFORMED_JSON");
    BOOST_TEST(testing::StrictUtf8Problem(r.body) == "", r.body);
  }
  BOOST_TEST(s.host.engine_for_tests().size() == 0u);
}

BOOST_AUTO_TEST_CASE(TabsARepeatedMemberIsRefusedNamingItAtAnyDepth) {
  Sandbox s;
  const std::string base = R"("offering_id":"o","summary":"s","sales_model":"single_purchase","payment_model":"pay_later")";
  auto r = s.Send("POST", "/v1/purchases", "{" + base + R"(,"price":{"amount":100,"amount":1,"currency":"USD"}})");
  BOOST_TEST(r.status == 422, r.body);
  BOOST_TEST(Str(Sandbox::Json(r), "/error/field") == "price.amount");
  r = s.Send("POST", "/v1/purchases",
             "{" + base + R"(,"price":{"amount":100,"currency":"USD"},"metadata":{"a":{"b":1,"b":2}}})");
  BOOST_TEST(r.status == 422, r.body);
  BOOST_TEST(Str(Sandbox::Json(r), "/error/field") == "metadata.a.b");
  r = s.Send("POST", "/v1/purchases", "{" + base + R"(,"summary":"t","price":{"amount":100,"currency":"USD"}})");
  BOOST_TEST(Str(Sandbox::Json(r), "/error/field") == "summary");
  BOOST_TEST(s.host.engine_for_tests().size() == 0u);
}

BOOST_AUTO_TEST_CASE(TabsRepliesAreStrictUtf8ForHostileInput) {
  Sandbox s;
  const std::string ok = R"({"offering_id":"o","summary":"s","price":{"amount":100,"currency":"USD"},"sales_model":"single_purchase","payment_model":"pay_later"})";
  const std::vector<std::pair<std::string, std::string>> hostile = {
      {"POST /v1/purchases", "{\"offering_id\":\"o\xff\"}"},
      {"POST /v1/purchases", R"({"offering_id":"o","summary":"\udc00"})"},
      {"POST /v1/purchases", "{\"\xed\xa0\x80\":1}"},
      {"POST /v1/purchases", R"({"\ud800x":1})"},
      {"POST /v1/purchases", R"({"offering_id":"o","offering_id":"\udc00"})"},
      {"GET /v1/purchases/\xff\xed\xa0\x80", ""},
      {"GET /v1/tabs/\xc0\xaf", ""},
      {"POST /v1/tabs/\xff/payment", R"({"payment_method":"\udc00"})"},
      {"POST /v1/tabs/x/payment", "{\"payment_method\":\"pm\xfe\"}"},
      {"POST /_control/faults", R"({"match":{"path":"/v1/\udc00"},"effect":{"status":500}})"},
      {"POST /_control/faults", "{\"match\":{\"\xff\":1},\"effect\":{\"status\":500}}"},
      {"DELETE /_control/faults/\xff", ""},
      {"GET /_control/orders/\xed\xbf\xbf/history", ""},
      {"POST /_control/clock/set", R"({"now":"\udc00"})"},
  };
  BOOST_TEST(s.Send("POST", "/v1/purchases", ok).status == 201);
  for (const auto& [line, body] : hostile) {
    const size_t space = line.find(' ');
    const http::HttpReply r = s.Send(line.substr(0, space), line.substr(space + 1), body);
    BOOST_TEST(r.status >= 400, line);
    BOOST_TEST(testing::StrictUtf8Problem(r.body) == "", line << ": " << r.body);
  }
}

BOOST_AUTO_TEST_CASE(TabsTimedeltaIsAWholeNumberAndAFixedUnit) {
  BOOST_TEST(*tabs::ParseTimedelta("30m") == 30 * 60 * 1000);
  BOOST_TEST(*tabs::ParseTimedelta("2w") == 14LL * 86400 * 1000);
  BOOST_TEST(!tabs::ParseTimedelta("1y"));
  BOOST_TEST(!tabs::ParseTimedelta("0d"));
  BOOST_TEST(!tabs::ParseTimedelta("36501d"));
  BOOST_TEST(!tabs::ParseTimedelta("d"));
}

BOOST_AUTO_TEST_CASE(TabsABadFixtureNamesItsLine) {
  try {
    tabs::ParseFixtures("credentials:\n  - token: t\n    merchant_id: m\n    user_id: u\n    test_mode: true\n"
                        "merchants: {}\npayment_methods: {pm: {outcome: succeeded, delay_seconds: 1}}\n",
                        "tabs.yaml");
    BOOST_FAIL("no error");
  } catch (const SpecError& e) {
    BOOST_TEST(std::string(e.what()) == "tabs.yaml:3:18: error: merchant 'm' is not under 'merchants'");
  }
}

BOOST_AUTO_TEST_CASE(TabsEachDefectBreaksItsRule) {
  {
    Sandbox s({"tabs-limit-ignored"});
    BOOST_TEST(Str(s.Buy(600, "pay_later"), "/status") == "completed");
  }
  {
    Sandbox s({"tabs-limit-exclusive"});
    BOOST_TEST(Str(s.Buy(500, "pay_later"), "/status") == "pending");
  }
  {
    Sandbox s({"tabs-no-abandon"});
    const std::string first = Str(s.Buy(100, "pay_now"), "/id");
    s.Buy(100, "pay_now");
    BOOST_TEST(s.StatusOf(first) == "pending");
  }
  {
    Sandbox s({"tabs-other-merchant-visible"});
    BOOST_TEST(s.Send("GET", "/v1/purchases/" + Str(s.Buy(100, "pay_later"), "/id"), "", kTokenB).status == 200);
  }
  {
    Sandbox s({"tabs-declined-completes"});
    rapidjson::Document p = s.Buy(100, "pay_now");
    s.Send("POST", "/v1/tabs/" + Str(p, "/tab_id") + "/payment", R"({"payment_method":"pm_card_declined"})");
    s.Advance(2);
    BOOST_TEST(s.StatusOf(Str(p, "/id")) == "completed");
  }
  {
    Sandbox s({"tabs-payment-keeps-total"});
    rapidjson::Document p = s.Buy(100, "pay_later");
    s.Send("POST", "/v1/tabs/" + Str(p, "/tab_id") + "/payment", R"({"payment_method":"pm_card_ok"})");
    s.Advance(2);
    BOOST_TEST(Str(s.Get("/v1/tabs/" + Str(p, "/tab_id")), "/total") == "100");
  }
  {
    Sandbox s({"tabs-valid-from-creation"});
    rapidjson::Document p = s.Buy(100, "pay_now");
    s.Send("POST", "/v1/tabs/" + Str(p, "/tab_id") + "/payment", R"({"payment_method":"pm_card_ok"})");
    s.Advance(2);
    BOOST_TEST(Str(s.Get("/v1/purchases/" + Str(p, "/id")), "/valid_from") == "2026-01-01T00:00:00Z");
  }
}

BOOST_AUTO_TEST_CASE(TabsTheLifecycleFileDecidesWhereACauseLeads) {
  // The same surface over a lifecycle where `superseded` completes instead of
  // abandoning: the surface applies causes, the file picks the state.
  ProfileEntry entry = TabsProfileEntry();
  std::string text(entry.lifecycle);
  const std::string from = "    to: abandoned\n    cause: superseded";
  const size_t at = text.find(from);
  BOOST_TEST_REQUIRE(at != std::string::npos);
  text.replace(at, from.size(), "    to: completed\n    cause: superseded");
  // Two transitions pending -> completed are not allowed; drop the payment one.
  const std::string pay = "  - from: pending\n    to: completed\n    cause: payment_succeeded\n";
  const size_t p = text.find(pay);
  BOOST_TEST_REQUIRE(p != std::string::npos);
  text.erase(p, text.find("  - from:", p + 1) - p);
  Lifecycle lifecycle = Lifecycle::Parse(text, "changed.yaml");
  ErrorReplies errors = ErrorReplies::Parse(entry.errors, "errors.yaml");
  std::unique_ptr<Profile> profile = entry.make(PURCHASE_TEST_FIXTURES "/tabs", {});
  ProfileHost host(*profile, lifecycle, errors, std::make_unique<ManualClock>(0), entry.engine, {});
  auto buy = [&]() {
    http::HttpRequest r;
    r.method = "POST";
    r.path = "/v1/purchases";
    r.authorization = kTokenA;
    r.body = R"({"offering_id":"o","summary":"s","price":{"amount":1,"currency":"USD"},"sales_model":"single_purchase","payment_model":"pay_now"})";
    return Sandbox::Json(host.Handle(r));
  };
  const std::string first = Str(buy(), "/id");
  buy();
  BOOST_TEST(host.engine_for_tests().Find(first)->state == "completed");
}

BOOST_AUTO_TEST_SUITE_END()
