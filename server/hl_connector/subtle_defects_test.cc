// Tests of the subtle deliberate defects (kind "subtle" in hl_connector/defects.h),
// through HttpApi (no sockets): one case per defect, named after the rule of
// spec/README.md it breaks. Each runs on both servers CI starts (the reference
// with the default fixtures, `--variant other` with fixtures/variant) and
// shows the rule holding without the defect and broken with it, by the kind
// of short request sequence `conformance explore` generates.
#define BOOST_TEST_MODULE subtle_defects_test
#include "testing/http_testing.h"

#include <boost/test/unit_test.hpp>

#include <strings.h>

#include <functional>
#include <string>

namespace purchase::http {
namespace {

using testing::Str;

// One of the two servers CI runs: its variant, fixtures, credentials and a US address.
struct Side {
  const char* name;
  Variant variant;
  const Catalog& (*catalog)();
  std::string auth[2];  // vendor A, vendor B
  std::string ip;
};

const Catalog& VariantFixtures() {
  static const Catalog catalog = Catalog::Load(std::string(PURCHASE_TEST_FIXTURES) + "/variant");
  return catalog;
}

const Side kSides[] = {
    {"reference", Variant::kReference, &testing::Fixtures, {testing::kVendorA, testing::kVendorB}, "203.0.113.7"},
    {"other", Variant::kOther, &VariantFixtures, {"Bearer partner-token-alpha", "Bearer partner-token-beta"},
     "198.18.4.20"},
};

// The asset id of a role of fixtures/catalog.yaml ("basic", "slow", "fails",
// "min-qty-5", "instant") on a side.
std::string AssetOf(const Side& side, const std::string& role) {
  if (side.variant == Variant::kReference) return "asset-" + role;
  if (role == "basic") return "sku-1001-basic";
  if (role == "slow") return "sku-1002-slow";
  if (role == "fails") return "sku-1003-fails";
  if (role == "min-qty-5") return "sku-1007-min-qty-5";
  if (role == "instant") return "sku-1008-instant";
  BOOST_FAIL("no such role " << role);
  return "";
}

ApiOptions ApiFor(const Side& side) {
  ApiOptions o;
  o.variant = side.variant;
  return o;
}

ServiceOptions ServiceFor(const Side& side, std::optional<Defect> defect) {
  ServiceOptions o;
  o.variant = side.variant;
  if (defect) o.defects.Enable(*defect);
  return o;
}

std::string HeaderOf(const HttpReply& reply, const std::string& name) {
  for (const auto& [k, v] : reply.headers)
    if (strcasecmp(k.c_str(), name.c_str()) == 0) return v;
  return "<none>";
}

// "<status>" for a success, "<status> <code>" for an error.
std::string Outcome(const HttpReply& r) {
  const std::string code = testing::JsonText(r.body, "error/code");
  return code == "<absent>" ? std::to_string(r.status) : std::to_string(r.status) + " " + code;
}

// A server of one side, with or without one defect, and the steps the tests take by role.
struct Server : testing::TestApi {
  Server(const Side& side, std::optional<Defect> defect)
      : TestApi(ApiFor(side), ServiceFor(side, defect), side.catalog()), side(side) {}

  std::string Asset(const std::string& role) const { return AssetOf(side, role); }
  HttpReply Validate(const std::string& role, int quantity = 1, int vendor = 0) {
    return Post("/purchase/validate-purchase-before-payment", testing::ValidateBody(Asset(role), quantity, side.ip),
                side.auth[vendor]);
  }
  std::string Token(const std::string& role, int vendor = 0) {
    const HttpReply r = Validate(role, 1, vendor);
    BOOST_REQUIRE_MESSAGE(r.status == 200, "validate: " << r.status << " " << r.body);
    return Str(r, "token");
  }
  HttpReply Register(const std::string& token, const std::string& role, const std::string& vendor_order_id,
                     int vendor = 0) {
    return Post("/purchase/register", testing::RegisterBody(token, Asset(role), vendor_order_id), side.auth[vendor]);
  }
  std::string Order(const std::string& role, const std::string& vendor_order_id, int vendor = 0) {
    const HttpReply r = Register(Token(role, vendor), role, vendor_order_id, vendor);
    BOOST_REQUIRE_MESSAGE(r.status == 201, "register: " << r.status << " " << r.body);
    return Str(r, "order_id");
  }
  HttpReply Info(const std::string& order_id) { return Get("/purchase/info?order_id=" + order_id, side.auth[0]); }
  HttpReply Cancel(const std::string& order_id) {
    return Call("DELETE", "/purchase/cancel?order_id=" + order_id, "", side.auth[0]);
  }
  HttpReply AdvanceMs(int64_t ms) {
    return Post("/_control/clock/advance", R"({"seconds":)" + std::to_string(ms / 1000) + "." +
                                               std::to_string(1000 + ms % 1000).substr(1) + "}",
                std::nullopt);
  }
  HttpReply SetClock(const std::string& instant) {
    return Post("/_control/clock/set", R"({"now":")" + instant + R"("})", std::nullopt);
  }
  // The signed URL (path?query) of a COMPLETED order, and its expires_at.
  std::pair<std::string, std::string> Url(const std::string& kind, const std::string& order_id) {
    const HttpReply r = Get("/purchase/" + kind + "-url?order_id=" + order_id, side.auth[0]);
    BOOST_REQUIRE_MESSAGE(r.status == 200, kind << "-url: " << r.status << " " << r.body);
    const std::string url = Str(r, "url");
    const size_t path = url.find("/assets/");
    BOOST_REQUIRE_MESSAGE(path != std::string::npos, url);
    return {url.substr(path), Str(r, "expires_at")};
  }
  HttpReply Faults() { return Get("/_control/faults", std::nullopt); }

  const Side& side;
};

// Runs `observe` (a short request sequence, returning what it saw) on both
// sides, without the defect and with it: the first must see `holds`, the
// second `broken`. What it returns is statuses, codes and instants, the same
// on both sides.
void Expect(Defect defect, const std::function<std::string(Server&)>& observe, const std::string& holds,
            const std::string& broken) {
  for (const Side& side : kSides) {
    BOOST_TEST_CONTEXT("variant " << side.name) {
      Server clean(side, std::nullopt);
      const std::string without = observe(clean);
      BOOST_TEST(without == holds, "without the defect: " << without);
      Server defective(side, defect);
      const std::string with = observe(defective);
      BOOST_TEST(with == broken, "with the defect: " << with);
    }
  }
}

// ---------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(SubtleDefectsTest)

// --- time edges ---------------------------------------------------------------

BOOST_AUTO_TEST_CASE(RetryAfterIsTheTimeLeftRoundedUp) {
  // Due at 00:00:05; at 00:00:00.5 there are 4.5 s left.
  Expect(Defect::kRetryAfterFloor, [](Server& s) {
    const std::string order = s.Order("basic", "vo-1");
    s.AdvanceMs(500);
    const HttpReply r = s.Info(order);
    return Outcome(r) + " Retry-After " + HeaderOf(r, "Retry-After");
  }, "202 Retry-After 5", "202 Retry-After 4");
}

BOOST_AUTO_TEST_CASE(RetryAfterIsClampedToTenSeconds) {
  Expect(Defect::kRetryAfterUnclamped, [](Server& s) {
    const HttpReply r = s.Info(s.Order("slow", "vo-1"));  // due in an hour
    return Outcome(r) + " Retry-After " + HeaderOf(r, "Retry-After");
  }, "202 Retry-After 10", "202 Retry-After 3600");
}

BOOST_AUTO_TEST_CASE(ClockSetToTheCurrentInstantIsAllowedAndSettlesNothing) {
  Expect(Defect::kClockSetNowRefused, [](Server& s) {
    // An advance of 0 is not what the defect breaks: it stays allowed.
    return Outcome(s.AdvanceMs(0)) + ", set now: " + Outcome(s.SetClock("2026-01-01T00:00:00Z"));
  }, "200, set now: 200", "200, set now: 422 CLOCK_BACKWARDS");
}

BOOST_AUTO_TEST_CASE(SettlementRecordsTheDueInstantWhateverTheClockMovedTo) {
  Expect(Defect::kSettledAtClockInstant, [](Server& s) {
    const std::string order = s.Order("basic", "vo-1");  // due at 00:00:05
    s.AdvanceMs(7000);
    const HttpReply r = s.Info(order);
    return Outcome(r) + " " + Str(r, "updated_at") + " history " +
           testing::JsonText(s.History(order), "history/1/at");
  }, "200 2026-01-01T00:00:05Z history 2026-01-01T00:00:05Z",
     "200 2026-01-01T00:00:07Z history 2026-01-01T00:00:07Z");
}

BOOST_AUTO_TEST_CASE(ATokenIsValidUntilTheExpDateItWasGiven) {
  Expect(Defect::kTokenTtlShort, [](Server& s) {
    const HttpReply v = s.Validate("basic");
    const std::string exp = Str(v, "exp_date");
    s.AdvanceMs(899 * 1000);  // one second before exp_date (a TTL of 15 minutes)
    return exp + " " + Outcome(s.Register(Str(v, "token"), "basic", "vo-1"));
  }, "2026-01-01T00:15:00Z 201", "2026-01-01T00:15:00Z 422 TOKEN_EXPIRED");
}

BOOST_AUTO_TEST_CASE(AUrlIsExpiredAtTheExactInstantOfItsExpiry) {
  Expect(Defect::kUrlExpiryOffByOne, [](Server& s) {
    const std::string order = s.Order("instant", "vo-1");
    const auto [url, expires_at] = s.Url("download", order);
    s.SetClock(expires_at);
    return expires_at + " " + Outcome(s.Get(url, std::nullopt));
  }, "2026-01-01T00:10:00Z 410 URL_EXPIRED", "2026-01-01T00:10:00Z 200");
}

BOOST_AUTO_TEST_CASE(AUrlsExpiryIsRoundedDownToAWholeSecond) {
  Expect(Defect::kUrlExpiryRoundedUp, [](Server& s) {
    s.AdvanceMs(500);
    const std::string order = s.Order("instant", "vo-1");
    const auto [url, expires_at] = s.Url("view", order);
    s.SetClock("2026-01-01T00:10:00Z");
    return expires_at + " " + Outcome(s.Get(url, std::nullopt));
  }, "2026-01-01T00:10:00Z 410 URL_EXPIRED", "2026-01-01T00:10:01Z 200");
}

// --- the order of the token checks -----------------------------------------------

BOOST_AUTO_TEST_CASE(AUsedTokenStaysUsedPastItsExpiry) {
  Expect(Defect::kExpiredBeforeUsed, [](Server& s) {
    const std::string token = s.Token("basic");
    const std::string first = Outcome(s.Register(token, "basic", "vo-1"));
    s.AdvanceMs(900 * 1000);  // the token's exp_date
    return first + ", again: " + Outcome(s.Register(token, "basic", "vo-2"));
  }, "201, again: 422 TOKEN_ALREADY_USED", "201, again: 422 TOKEN_EXPIRED");
}

BOOST_AUTO_TEST_CASE(AnotherVendorsUsedTokenIsInvalidNotUsed) {
  Expect(Defect::kForeignTokenSaysUsed, [](Server& s) {
    const std::string token_b = s.Token("basic", 1);
    const std::string by_b = Outcome(s.Register(token_b, "basic", "vo-b", 1));
    return by_b + ", by A: " + Outcome(s.Register(token_b, "basic", "vo-a", 0));
  }, "201, by A: 422 TOKEN_INVALID", "201, by A: 422 TOKEN_ALREADY_USED");
}

BOOST_AUTO_TEST_CASE(AQuantityEqualToTheMinimumMeetsIt) {
  Expect(Defect::kMinQuantityExclusive, [](Server& s) {
    return Outcome(s.Validate("min-qty-5", 5)) + ", below: " + Outcome(s.Validate("min-qty-5", 4)) +
           ", basic at its minimum 1: " + Outcome(s.Validate("basic", 1));
  }, "200, below: 400 MIN_QUANTITY_NOT_MET, basic at its minimum 1: 200",
     "400 MIN_QUANTITY_NOT_MET, below: 400 MIN_QUANTITY_NOT_MET, basic at its minimum 1: 200");
}

// --- what reset restores ---------------------------------------------------------

BOOST_AUTO_TEST_CASE(ResetPutsTheManualClockBackToItsStart) {
  Expect(Defect::kResetKeepsClock, [](Server& s) {
    s.AdvanceMs(60 * 1000);
    const HttpReply r = s.Post("/_control/reset", "", std::nullopt);
    return Outcome(r) + " " + Str(r, "now") + " " + Str(s.Get("/_control/clock", std::nullopt), "now");
  }, "200 2026-01-01T00:00:00Z 2026-01-01T00:00:00Z", "200 2026-01-01T00:01:00Z 2026-01-01T00:01:00Z");
}

BOOST_AUTO_TEST_CASE(ResetForgetsTheTokensIssuedBeforeIt) {
  Expect(Defect::kResetKeepsTokens, [](Server& s) {
    const std::string token = s.Token("basic");
    s.Post("/_control/reset", "", std::nullopt);
    return Outcome(s.Register(token, "basic", "vo-1"));
  }, "422 TOKEN_INVALID", "201");
}

// --- what a cancel does ------------------------------------------------------------

BOOST_AUTO_TEST_CASE(ASecondCancelLeavesUpdatedAtAndCanceledAtAsTheyWere) {
  Expect(Defect::kSecondCancelMovesTime, [](Server& s) {
    const std::string order = s.Order("basic", "vo-1");
    s.AdvanceMs(1000);
    s.Cancel(order);
    s.AdvanceMs(1000);
    const HttpReply r = s.Cancel(order);
    return Outcome(r) + " " + Str(r, "updated_at") + " " + Str(r, "canceled_at") + " history " +
           testing::JsonText(s.History(order), "history/1/at") + " " +
           testing::JsonText(s.History(order), "history/2/at");
  }, "200 2026-01-01T00:00:01Z 2026-01-01T00:00:01Z history 2026-01-01T00:00:01Z <absent>",
     "200 2026-01-01T00:00:02Z 2026-01-01T00:00:02Z history 2026-01-01T00:00:02Z <absent>");
}

BOOST_AUTO_TEST_CASE(ACancelRevokesViewUrlsAsWellAsDownloadUrls) {
  Expect(Defect::kViewUrlSurvivesCancel, [](Server& s) {
    const std::string order = s.Order("instant", "vo-1");
    const std::string view = s.Url("view", order).first, download = s.Url("download", order).first;
    s.Cancel(order);
    return "view " + Outcome(s.Get(view, std::nullopt)) + ", download " + Outcome(s.Get(download, std::nullopt));
  }, "view 410 ORDER_CANCELED, download 410 ORDER_CANCELED", "view 200, download 410 ORDER_CANCELED");
}

// --- what a fulfillment rule decides ------------------------------------------------

BOOST_AUTO_TEST_CASE(AFulfillmentRuleSetsTheDueInstant) {
  Expect(Defect::kRuleDelayIgnored, [](Server& s) {
    s.AddFault(R"({"match":{},"effect":{"fulfillment":"complete","fulfillment_delay_seconds":7}})");
    const std::string order = s.Order("basic", "vo-1");  // the asset's own delay is 5 s
    s.AdvanceMs(5000);
    const std::string at5 = Outcome(s.Info(order));
    s.AdvanceMs(2000);
    return at5 + ", at 7 s: " + Outcome(s.Info(order));
  }, "202, at 7 s: 200", "200, at 7 s: 200");
}

BOOST_AUTO_TEST_CASE(AFulfillmentRuleDecidesTheOutcome) {
  Expect(Defect::kRuleOutcomeIgnored, [](Server& s) {
    s.AddFault(R"({"match":{},"effect":{"fulfillment":"fail"},"times":1})");
    s.AddFault(R"({"match":{},"effect":{"fulfillment":"complete"},"times":1})");
    const std::string basic = s.Order("basic", "vo-1"), fails = s.Order("fails", "vo-2");
    s.AdvanceMs(5000);
    return Outcome(s.Info(basic)) + ", " + Outcome(s.Info(fails));
  }, "502 FULFILLMENT_FAILED, 200", "200, 502 FULFILLMENT_FAILED");
}

BOOST_AUTO_TEST_CASE(AFulfillmentRuleCancelsTheOrderAfterItCompletes) {
  Expect(Defect::kRuleCancelAfterIgnored, [](Server& s) {
    s.AddFault(R"({"match":{},"effect":{"fulfillment":"complete","cancel_after_seconds":3}})");
    const std::string order = s.Order("basic", "vo-1");
    s.AdvanceMs(8000);  // completes at 00:00:05, canceled at 00:00:08
    const HttpReply r = s.Info(order);
    return Outcome(r) + " " + Str(r, "status") + " " + testing::JsonText(s.History(order), "history/2/at");
  }, "200 CANCELED 2026-01-01T00:00:08Z", "200 COMPLETED <absent>");
}

// --- how fault rules count -----------------------------------------------------------

BOOST_AUTO_TEST_CASE(ARuleWithTimesFiresExactlyThatOften) {
  Expect(Defect::kFaultTimesOffByOne, [](Server& s) {
    s.AddFault(R"({"match":{"path":"/purchase/info"},"effect":{"status":503},"times":1})");
    std::string seen;
    for (int i = 0; i < 3; ++i) seen += Outcome(s.Info("no-such-order")) + ", ";
    return seen + "remaining " + Str(s.Faults(), "faults/0/remaining");
  }, "503 SERVICE_UNAVAILABLE, 404 ORDER_NOT_FOUND, 404 ORDER_NOT_FOUND, remaining 0",
     "503 SERVICE_UNAVAILABLE, 503 SERVICE_UNAVAILABLE, 404 ORDER_NOT_FOUND, remaining 0");
}

BOOST_AUTO_TEST_CASE(AnExhaustedRuleStaysListedWithRemainingZero) {
  Expect(Defect::kExhaustedRuleVanishes, [](Server& s) {
    const std::string id =
        Str(s.AddFault(R"({"match":{"path":"/purchase/info"},"effect":{"status":429,"retry_after":1},"times":1})"),
            "id");
    const std::string fired = Outcome(s.Info("no-such-order"));
    const std::string listed = Str(s.Faults(), "faults/0/remaining");
    return fired + ", remaining " + listed + ", delete " +
           Outcome(s.Call("DELETE", "/_control/faults/" + id, "", std::nullopt));
  }, "429 RATE_LIMITED, remaining 0, delete 200", "429 RATE_LIMITED, remaining <absent>, delete 404 FAULT_NOT_FOUND");
}

BOOST_AUTO_TEST_CASE(AFulfillmentRuleCountsOnlyRegistersThatCreateAnOrder) {
  Expect(Defect::kRuleSpentOnRefusedRegister, [](Server& s) {
    s.AddFault(R"({"match":{},"effect":{"fulfillment":"fail"},"times":1})");
    const std::string refused = Outcome(s.Register("bogus-token", "basic", "vo-1"));
    const std::string remaining = Str(s.Faults(), "faults/0/remaining");
    const std::string order = s.Order("basic", "vo-1");
    s.AdvanceMs(5000);
    return refused + ", remaining " + remaining + ", the order " + Outcome(s.Info(order));
  }, "422 TOKEN_INVALID, remaining 1, the order 502 FULFILLMENT_FAILED",
     "422 TOKEN_INVALID, remaining 0, the order 200");
}

// --- the duplicate key ------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(DuplicatePurchaseIsKeyedPerVendor) {
  Expect(Defect::kDuplicateAcrossVendors, [](Server& s) {
    s.Order("basic", "vo-1", 0);
    return "B: " + Outcome(s.Register(s.Token("basic", 1), "basic", "vo-1", 1)) + ", A again: " +
           Outcome(s.Register(s.Token("basic", 0), "basic", "vo-1", 0));
  }, "B: 201, A again: 409 DUPLICATE_PURCHASE", "B: 409 DUPLICATE_PURCHASE, A again: 409 DUPLICATE_PURCHASE");
}

BOOST_AUTO_TEST_CASE(DuplicatePurchaseIsKeyedByAssetToo) {
  Expect(Defect::kDuplicateIgnoresAsset, [](Server& s) {
    s.Order("basic", "vo-1");
    return "slow: " + Outcome(s.Register(s.Token("slow"), "slow", "vo-1")) + ", basic again: " +
           Outcome(s.Register(s.Token("basic"), "basic", "vo-1"));
  }, "slow: 201, basic again: 409 DUPLICATE_PURCHASE", "slow: 409 DUPLICATE_PURCHASE, basic again: 409 DUPLICATE_PURCHASE");
}

BOOST_AUTO_TEST_CASE(EverySubtleDefectHasItsKindAndEveryOtherIsAScenarioOne) {
  // The 27 defects the scenario suite must catch on every server come first;
  // then the one it must catch on ours with --strict-reference (item-id-ignored:
  // no source fixes what an unknown item_id does); the subtle ones after them,
  // each listed once.
  const auto& all = AllDefects();
  size_t scenario = 0, reference = 0, subtle = 0;
  for (size_t i = 0; i < all.size(); ++i) {
    BOOST_TEST((all[i].kind == "scenario" || all[i].kind == "reference" || all[i].kind == "subtle"), all[i].name);
    if (all[i].kind == "scenario") {
      BOOST_TEST(reference + subtle == 0u, all[i].name << " comes after a reference or subtle defect");
      ++scenario;
    } else if (all[i].kind == "reference") {
      BOOST_TEST(subtle == 0u, all[i].name << " comes after a subtle defect");
      ++reference;
    } else {
      ++subtle;
    }
    BOOST_TEST((ParseDefect(all[i].name) == std::optional<Defect>(all[i].defect)), all[i].name);
  }
  BOOST_TEST(scenario == 27u);
  BOOST_TEST(reference == 1u);
  BOOST_TEST(subtle == 22u);
  BOOST_TEST(all.size() == static_cast<size_t>(Defect::kCount));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace purchase::http
