// Tests of PurchaseService, the whole purchase state machine, on a manual
// clock and an in-memory catalog: every rule of spec/README.md that the core
// decides (check order, token binding and expiry on the clock's edge,
// settlement, cancel in every state, signed URLs, vendor isolation, fault
// rules, reset and determinism) has a case named after it.
#define BOOST_TEST_MODULE purchase_service_test
#include "hl_connector/purchase_service.h"
#include "purchase_core_embedded.h"

#include <boost/test/unit_test.hpp>

#include <regex>

namespace purchase {
namespace {

constexpr Millis kStart = 1767225600000;  // 2026-01-01T00:00:00Z
constexpr Millis kSecond = 1000;
constexpr Millis kTokenTtl = 900 * kSecond;
constexpr Millis kUrlTtl = 600 * kSecond;

const char* const kCatalogYaml = R"(
vendors:
  - {id: vendor-a, access_token: token-a}
  - {id: vendor-b, access_token: token-b}
regions:
  - {cidr: 203.0.113.0/24, region: US}
  - {cidr: 198.51.100.0/24, region: DE}
assets:
  - {id: asset-basic, fulfillment: {delay_seconds: 5, outcome: complete}, file: basic.pdf}
  - {id: asset-slow, fulfillment: {delay_seconds: 3600}, file: slow.pdf}
  - {id: asset-fails, fulfillment: {delay_seconds: 5, outcome: fail, reason: Rights holder rejected the license}, file: fails.pdf}
  - {id: asset-quick, fulfillment: {delay_seconds: 2}, file: quick.pdf}
  - {id: asset-three, fulfillment: {delay_seconds: 3}, file: three.pdf}
  - {id: asset-instant, fulfillment: {delay_seconds: 0}, file: instant.pdf}
  - {id: asset-unavailable, available: false, file: x.pdf}
  - {id: asset-us-only, allowed_regions: [US], file: x.pdf}
  - {id: asset-blocked-de, blocked_regions: [DE], file: x.pdf}
  - {id: asset-min-qty-5, min_quantity: 5, file: x.pdf}
  # Each breaks every rule after the one it is named for, to pin the check order.
  - {id: asset-unavailable-us-min-5, available: false, allowed_regions: [US], min_quantity: 5, file: x.pdf}
  - {id: asset-us-only-min-5, allowed_regions: [US], min_quantity: 5, file: x.pdf}
)";

const char* const kUsIp = "203.0.113.7";
const char* const kDeIp = "198.51.100.7";
const char* const kNoRegionIp = "192.0.2.10";
const char* const kIpv6 = "2001:db8::1";

Catalog TestCatalog() {
  return Catalog::Parse(kCatalogYaml, "test-catalog.yaml",
                        [](const std::string& path) -> std::optional<std::string> { return "bytes of " + path; });
}

// A clock that is not manual, like the server's --clock real (but frozen).
class FixedRealClock final : public Clock {
 public:
  Millis Now() const override { return kStart; }
};

template <class T>
std::string Code(const Result<T>& r) {
  return r.ok() ? "OK" : std::string(ErrorCodeName(r.error().code));
}

std::string State(const Result<OrderView>& r) {
  return r.ok() ? std::string(OrderStateName(r.value().status)) : "error " + Code(r);
}

RequestFacts RegisterFacts(const std::string& asset_id, const std::string& vendor_order_id) {
  return RequestFacts{"POST", "/purchase/register", asset_id, vendor_order_id};
}

SignedUrlParts ParseUrl(const std::string& path_and_query) {
  static const std::regex shape("/assets/(download|view)/(ord_[0-9a-f]{16})\\?expires=([0-9]+)&sig=([0-9a-f]{64})");
  std::smatch m;
  BOOST_REQUIRE_MESSAGE(std::regex_match(path_and_query, m, shape), "not a signed URL: " << path_and_query);
  return SignedUrlParts{m[1] == "download" ? UrlKind::kDownload : UrlKind::kView, m[2], std::stoll(m[3]), m[4]};
}

struct Env {
  explicit Env(uint64_t seed = 1) : Env(Options(seed)) {}
  explicit Env(ServiceOptions options, std::unique_ptr<Clock> clock = std::make_unique<ManualClock>(kStart))
      : service(catalog, Lifecycle::Builtin(), std::move(clock), options) {
    a = *service.Authenticate("token-a");
    b = *service.Authenticate("token-b");
  }
  static ServiceOptions Options(uint64_t seed) {
    ServiceOptions o;
    o.seed = seed;
    return o;
  }

  Millis now() { return service.Now().now; }
  void Advance(Millis by) { BOOST_REQUIRE(service.Advance(by).ok()); }
  void SetTime(Millis to) { BOOST_REQUIRE(service.SetTime(to).ok()); }

  std::string Token(VendorRef vendor, const std::string& asset_id, int64_t quantity = 1) {
    auto grant = service.Validate(vendor, {asset_id, quantity, kUsIp});
    BOOST_REQUIRE_MESSAGE(grant.ok(), "validate " << asset_id << ": " << Code(grant));
    return grant.value().token;
  }
  Result<OrderView> Register(VendorRef vendor, const std::string& token, const std::string& asset_id,
                             const std::string& vendor_order_id, int64_t quantity = 1) {
    return service.Register(vendor, {token, asset_id, quantity, vendor_order_id},
                            RegisterFacts(asset_id, vendor_order_id));
  }
  // Validates and registers; the order must be created.
  OrderView Order(VendorRef vendor, const std::string& asset_id, const std::string& vendor_order_id,
                  int64_t quantity = 1) {
    auto order = Register(vendor, Token(vendor, asset_id, quantity), asset_id, vendor_order_id, quantity);
    BOOST_REQUIRE_MESSAGE(order.ok(), "register " << vendor_order_id << ": " << Code(order));
    return order.value();
  }
  Result<OrderView> Info(const OrderView& o, std::optional<VendorRef> vendor = std::nullopt) {
    return service.Info(vendor.value_or(a), o.order_id);
  }
  Result<OrderView> Cancel(const OrderView& o, std::optional<VendorRef> vendor = std::nullopt) {
    return service.Cancel(vendor.value_or(a), o.order_id, std::nullopt);
  }
  std::vector<HistoryEntry> History(const OrderView& o) {
    auto h = service.History(o.order_id);
    BOOST_REQUIRE(h.ok());
    return h.value().entries;
  }

  Catalog catalog = TestCatalog();
  PurchaseService service;
  VendorRef a = 0, b = 0;
};

FaultRule Rule(FaultMatch match, FaultEffect effect, std::optional<int64_t> times = std::nullopt) {
  FaultRule r;
  r.match = std::move(match);
  r.effect = std::move(effect);
  r.remaining = times;
  return r;
}

FaultEffect StatusEffect(int status) {
  FaultEffect e;
  e.status = status;
  return e;
}

FaultEffect FailEffect(std::optional<std::string> reason = std::nullopt, std::optional<Millis> delay = std::nullopt) {
  FaultEffect e;
  e.fulfillment_fails = true;
  e.reason = std::move(reason);
  e.fulfillment_delay = delay;
  return e;
}

// ---------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(ValidateTest)

// spec/lifecycle.yaml without the transition that starts with `from_to`
// ("  - from: COMPLETED\n    to: CANCELED").
std::string LifecycleWithout(const std::string& from_to) {
  std::string text(spec_files::kLifecycleYaml);
  const size_t start = text.find(from_to);
  BOOST_REQUIRE(start != std::string::npos);
  size_t end = text.find("\n  - ", start + 1);
  if (end == std::string::npos || end > text.find("\nidempotent:", start)) end = text.find("\n\n", start);
  text.erase(start, end + 1 - start);
  return text;
}

BOOST_AUTO_TEST_CASE(ChangingATransitionInTheLifecycleChangesWhatTheServiceDoes) {
  // The same requests against the shipped lifecycle and against one whose
  // file lacks COMPLETED -> CANCELED and PROCESSING -> FAILED: no code changes.
  const Lifecycle changed = Lifecycle::Parse(
      LifecycleWithout("  - from: PROCESSING\n    to: FAILED"), "lifecycle.yaml");
  const Lifecycle changed_more =
      Lifecycle::Parse(LifecycleWithout("  - from: COMPLETED\n    to: CANCELED"), "lifecycle.yaml");
  BOOST_TEST(!changed.Allows("PROCESSING", "FAILED"));
  BOOST_TEST(!changed_more.Allows("COMPLETED", "CANCELED"));
  const Catalog catalog = TestCatalog();
  for (const Lifecycle* lifecycle : {&Lifecycle::Builtin(), &changed, &changed_more}) {
    PurchaseService service(catalog, *lifecycle, std::make_unique<ManualClock>(kStart), ServiceOptions{});
    const VendorRef a = *service.Authenticate("token-a");
    auto order = [&](const std::string& asset, const std::string& id) {
      auto grant = service.Validate(a, {asset, 1, kUsIp});
      BOOST_REQUIRE(grant.ok());
      auto o = service.Register(a, {grant.value().token, asset, 1, id}, RegisterFacts(asset, id));
      BOOST_REQUIRE(o.ok());
      return o.value().order_id;
    };
    const std::string fails = order("asset-fails", "v-1"), completes = order("asset-basic", "v-2");
    BOOST_REQUIRE(service.Advance(10 * kSecond).ok());
    const auto failed = service.Info(a, fails);
    BOOST_TEST(State(failed) == (lifecycle == &changed ? "PROCESSING" : "FAILED"));
    const auto canceled = service.Cancel(a, completes, std::nullopt);
    BOOST_TEST(State(canceled) == (lifecycle == &changed_more ? "error INTERNAL_ERROR" : "CANCELED"));
    BOOST_TEST(State(service.Info(a, completes)) == (lifecycle == &changed_more ? "COMPLETED" : "CANCELED"));
  }
}

BOOST_AUTO_TEST_CASE(ALifecycleNamingAStateTheHlConnectorDoesNotServeIsRefusedAtStart) {
  std::string text(spec_files::kLifecycleYaml);
  text.replace(text.find("  CANCELED:"), std::string("  CANCELED:").size(), "  REFUNDED:\n    terminal: true\n  CANCELED:");
  text.insert(text.find("\n\n# Requests that are accepted"), "\n  - {from: FAILED, to: REFUNDED, cause: refund}");
  BOOST_CHECK_EXCEPTION(
      PurchaseService(TestCatalog(), Lifecycle::Parse(text, "lifecycle.yaml"), std::make_unique<ManualClock>(kStart),
                      ServiceOptions{}),
      SpecError, [](const SpecError& e) { return std::string(e.what()).find("FAILED -> REFUNDED") != std::string::npos; });
}

BOOST_AUTO_TEST_CASE(ValidateGrantsATokenBoundToTheTokenTtl) {
  Env env;
  auto grant = env.service.Validate(env.a, {"asset-basic", 1, kUsIp});
  BOOST_REQUIRE(grant.ok());
  BOOST_TEST(std::regex_match(grant.value().token, std::regex("tok_[0-9a-f]{32}")), grant.value().token);
  BOOST_TEST(grant.value().expires_at == kStart + kTokenTtl);
  env.Advance(7 * kSecond);
  BOOST_TEST(env.service.Validate(env.a, {"asset-basic", 1, kUsIp}).value().expires_at == kStart + 7 * kSecond + kTokenTtl);
}

BOOST_AUTO_TEST_CASE(ValidateRejectsAnUnknownAssetFirst) {
  Env env;
  BOOST_TEST(Code(env.service.Validate(env.a, {"asset-nope", 1, kDeIp})) == "ASSET_NOT_FOUND");
  BOOST_TEST(Code(env.service.Validate(env.a, {"ASSET-BASIC", 1, kUsIp})) == "ASSET_NOT_FOUND");
}

BOOST_AUTO_TEST_CASE(ValidateChecksAvailabilityBeforeRegionAndQuantity) {
  Env env;
  // Unavailable, wrong region and below the minimum: availability is reported.
  BOOST_TEST(Code(env.service.Validate(env.a, {"asset-unavailable-us-min-5", 1, kDeIp})) == "ASSET_NOT_AVAILABLE");
  BOOST_TEST(Code(env.service.Validate(env.a, {"asset-unavailable", 1, kUsIp})) == "ASSET_NOT_AVAILABLE");
}

BOOST_AUTO_TEST_CASE(ValidateChecksRegionBeforeQuantity) {
  Env env;
  BOOST_TEST(Code(env.service.Validate(env.a, {"asset-us-only-min-5", 1, kDeIp})) == "REGION_NOT_ALLOWED");
  BOOST_TEST(Code(env.service.Validate(env.a, {"asset-us-only-min-5", 1, kUsIp})) == "MIN_QUANTITY_NOT_MET");
  BOOST_TEST(Code(env.service.Validate(env.a, {"asset-us-only-min-5", 5, kUsIp})) == "OK");
}

BOOST_AUTO_TEST_CASE(ValidateRefusesABlockedRegion) {
  Env env;
  BOOST_TEST(Code(env.service.Validate(env.a, {"asset-blocked-de", 1, kDeIp})) == "REGION_NOT_ALLOWED");
  BOOST_TEST(Code(env.service.Validate(env.a, {"asset-blocked-de", 1, kUsIp})) == "OK");
  // No known region is not a blocked region.
  BOOST_TEST(Code(env.service.Validate(env.a, {"asset-blocked-de", 1, kNoRegionIp})) == "OK");
  BOOST_TEST(Code(env.service.Validate(env.a, {"asset-blocked-de", 1, kIpv6})) == "OK");
}

BOOST_AUTO_TEST_CASE(ValidateAllowsOnlyTheAllowedRegions) {
  Env env;
  BOOST_TEST(Code(env.service.Validate(env.a, {"asset-us-only", 1, kUsIp})) == "OK");
  BOOST_TEST(Code(env.service.Validate(env.a, {"asset-us-only", 1, "203.0.113.255"})) == "OK");
  BOOST_TEST(Code(env.service.Validate(env.a, {"asset-us-only", 1, kDeIp})) == "REGION_NOT_ALLOWED");
}

BOOST_AUTO_TEST_CASE(ValidateRefusesAnIpWithNoKnownRegionForAnAllowList) {
  Env env;
  BOOST_TEST(Code(env.service.Validate(env.a, {"asset-us-only", 1, kNoRegionIp})) == "REGION_NOT_ALLOWED");
  BOOST_TEST(Code(env.service.Validate(env.a, {"asset-us-only", 1, "203.0.114.1"})) == "REGION_NOT_ALLOWED");
  // IPv6 is outside the (IPv4) table: no known region either.
  BOOST_TEST(Code(env.service.Validate(env.a, {"asset-us-only", 1, kIpv6})) == "REGION_NOT_ALLOWED");
  BOOST_TEST(Code(env.service.Validate(env.a, {"asset-basic", 1, kIpv6})) == "OK");
  BOOST_TEST(Code(env.service.Validate(env.a, {"asset-basic", 1, kNoRegionIp})) == "OK");
}

BOOST_AUTO_TEST_CASE(ValidateRefusesAQuantityBelowTheMinimum) {
  Env env;
  BOOST_TEST(Code(env.service.Validate(env.a, {"asset-min-qty-5", 4, kUsIp})) == "MIN_QUANTITY_NOT_MET");
  BOOST_TEST(Code(env.service.Validate(env.a, {"asset-min-qty-5", 5, kUsIp})) == "OK");
  BOOST_TEST(Code(env.service.Validate(env.a, {"asset-min-qty-5", 6, kUsIp})) == "OK");
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(RegisterTest)

BOOST_AUTO_TEST_CASE(RegisterCreatesAProcessingOrder) {
  Env env;
  env.Advance(kSecond);
  auto order = env.Register(env.a, env.Token(env.a, "asset-basic", 3), "asset-basic", "vo-1", 3);
  BOOST_REQUIRE(order.ok());
  const OrderView& o = order.value();
  BOOST_TEST(std::regex_match(o.order_id, std::regex("ord_[0-9a-f]{16}")), o.order_id);
  BOOST_TEST(o.vendor_order_id == "vo-1");
  BOOST_TEST(o.asset_id == "asset-basic");
  BOOST_TEST(o.quantity == 3);
  BOOST_TEST(State(order) == "PROCESSING");
  BOOST_TEST(o.created_at == kStart + kSecond);
  BOOST_TEST(o.updated_at == kStart + kSecond);
  BOOST_TEST(o.due_at == kStart + 6 * kSecond);
  BOOST_TEST(o.item_id == o.order_id + "-1");
  const auto history = env.History(o);
  BOOST_REQUIRE_EQUAL(history.size(), 1u);
  BOOST_TEST(!history[0].from.has_value());
  BOOST_TEST(OrderStateName(history[0].to) == "PROCESSING");
  BOOST_TEST(history[0].at == kStart + kSecond);
  BOOST_TEST(CauseName(history[0].cause) == "register");
}

BOOST_AUTO_TEST_CASE(RegisterRejectsTokenUsedTwice) {
  Env env;
  const std::string token = env.Token(env.a, "asset-basic");
  BOOST_TEST(Code(env.Register(env.a, token, "asset-basic", "vo-1")) == "OK");
  BOOST_TEST(Code(env.Register(env.a, token, "asset-basic", "vo-2")) == "TOKEN_ALREADY_USED");
  BOOST_TEST(env.service.order_count() == 1u);
}

BOOST_AUTO_TEST_CASE(RegisterChecksDuplicateBeforeTheToken) {
  // A client that lost the reply retries with the same body, whose token is
  // used by now: it must learn which order exists.
  Env env;
  const std::string token = env.Token(env.a, "asset-basic");
  const OrderView first = env.Register(env.a, token, "asset-basic", "vo-1").value();
  auto retry = env.Register(env.a, token, "asset-basic", "vo-1");
  BOOST_TEST(Code(retry) == "DUPLICATE_PURCHASE");
  BOOST_TEST(retry.error().order_id == first.order_id);
  // Whatever is wrong with the token.
  for (const std::string& bad : {std::string("garbage"), env.Token(env.b, "asset-basic"),
                                 env.Token(env.a, "asset-slow"), env.Token(env.a, "asset-basic", 2)}) {
    auto again = env.Register(env.a, bad, "asset-basic", "vo-1");
    BOOST_TEST(Code(again) == "DUPLICATE_PURCHASE", bad);
    BOOST_TEST(again.error().order_id == first.order_id);
  }
  env.Advance(kTokenTtl);  // and after every token expired, and the order settled
  BOOST_TEST(Code(env.Register(env.a, token, "asset-basic", "vo-1")) == "DUPLICATE_PURCHASE");
  BOOST_TEST(env.service.order_count() == 1u);
}

BOOST_AUTO_TEST_CASE(DuplicateIsPerVendorVendorOrderAndAsset) {
  Env env;
  const OrderView first = env.Order(env.a, "asset-basic", "vo-1");
  // Same vendor order id for another asset: a new order.
  BOOST_TEST(Code(env.Register(env.a, env.Token(env.a, "asset-slow"), "asset-slow", "vo-1")) == "OK");
  // Same vendor order id and asset for another vendor: a new order.
  BOOST_TEST(Code(env.Register(env.b, env.Token(env.b, "asset-basic"), "asset-basic", "vo-1")) == "OK");
  // Another vendor order id: a new order.
  BOOST_TEST(Code(env.Register(env.a, env.Token(env.a, "asset-basic"), "asset-basic", "vo-2")) == "OK");
  BOOST_TEST(env.service.order_count() == 4u);
  // A canceled order still counts as registered.
  BOOST_TEST(Code(env.Cancel(first)) == "OK");
  auto again = env.Register(env.a, env.Token(env.a, "asset-basic"), "asset-basic", "vo-1");
  BOOST_TEST(Code(again) == "DUPLICATE_PURCHASE");
  BOOST_TEST(again.error().order_id == first.order_id);
}

BOOST_AUTO_TEST_CASE(RegisterRejectsAnUnknownTokenAsInvalid) {
  Env env;
  env.Token(env.a, "asset-basic");  // one token exists: seq 0
  BOOST_TEST(Code(env.Register(env.a, "garbage", "asset-basic", "vo-1")) == "TOKEN_INVALID");
  BOOST_TEST(Code(env.Register(env.a, "", "asset-basic", "vo-1")) == "TOKEN_INVALID");
  // Well formed, but never issued: the next sequence number, or another seed's.
  BOOST_TEST(Code(env.Register(env.a, IdGenerator(1).Token(1), "asset-basic", "vo-1")) == "TOKEN_INVALID");
  BOOST_TEST(Code(env.Register(env.a, IdGenerator(2).Token(0), "asset-basic", "vo-1")) == "TOKEN_INVALID");
  // An issued token with its two halves swapped.
  const std::string issued = IdGenerator(1).Token(0);
  BOOST_TEST(Code(env.Register(env.a, "tok_" + issued.substr(20) + issued.substr(4, 16), "asset-basic", "vo-1")) ==
             "TOKEN_INVALID");
  BOOST_TEST(env.service.order_count() == 0u);
}

BOOST_AUTO_TEST_CASE(RegisterRejectsAnotherVendorsTokenAsInvalidBeforeUsedExpiredOrMismatched) {
  Env env;
  const std::string token_b = env.Token(env.b, "asset-basic");
  BOOST_TEST(Code(env.Register(env.a, token_b, "asset-basic", "vo-1")) == "TOKEN_INVALID");
  // Used by b, expired, and used for another asset: still TOKEN_INVALID for a.
  BOOST_TEST(Code(env.Register(env.b, token_b, "asset-basic", "vo-b")) == "OK");
  env.Advance(kTokenTtl);
  BOOST_TEST(Code(env.Register(env.a, token_b, "asset-slow", "vo-1", 2)) == "TOKEN_INVALID");
}

BOOST_AUTO_TEST_CASE(RegisterReportsUsedBeforeExpiredAndMismatch) {
  Env env;
  const std::string token = env.Token(env.a, "asset-basic");
  BOOST_TEST(Code(env.Register(env.a, token, "asset-basic", "vo-1")) == "OK");
  BOOST_TEST(Code(env.Register(env.a, token, "asset-slow", "vo-2", 2)) == "TOKEN_ALREADY_USED");
  env.Advance(kTokenTtl);
  BOOST_TEST(Code(env.Register(env.a, token, "asset-basic", "vo-2")) == "TOKEN_ALREADY_USED");
  BOOST_TEST(Code(env.Register(env.a, token, "asset-slow", "vo-2", 2)) == "TOKEN_ALREADY_USED");
}

BOOST_AUTO_TEST_CASE(RegisterReportsExpiredBeforeMismatch) {
  Env env;
  const std::string token = env.Token(env.a, "asset-basic");
  env.Advance(kTokenTtl);
  BOOST_TEST(Code(env.Register(env.a, token, "asset-slow", "vo-1")) == "TOKEN_EXPIRED");
  BOOST_TEST(Code(env.Register(env.a, token, "asset-basic", "vo-1", 2)) == "TOKEN_EXPIRED");
  BOOST_TEST(Code(env.Register(env.a, token, "asset-basic", "vo-1")) == "TOKEN_EXPIRED");
}

BOOST_AUTO_TEST_CASE(RegisterRejectsATokenBoundToAnotherAssetOrQuantity) {
  Env env;
  const std::string token = env.Token(env.a, "asset-basic", 2);
  BOOST_TEST(Code(env.Register(env.a, token, "asset-slow", "vo-1", 2)) == "TOKEN_MISMATCH");
  BOOST_TEST(Code(env.Register(env.a, token, "asset-basic", "vo-1", 1)) == "TOKEN_MISMATCH");
  BOOST_TEST(Code(env.Register(env.a, token, "asset-basic", "vo-1", 3)) == "TOKEN_MISMATCH");
  BOOST_TEST(Code(env.Register(env.a, token, "asset-nope", "vo-1", 2)) == "TOKEN_MISMATCH");
  BOOST_TEST(env.service.order_count() == 0u);
  BOOST_TEST(Code(env.Register(env.a, token, "asset-basic", "vo-1", 2)) == "OK");
}

BOOST_AUTO_TEST_CASE(AFailedRegisterLeavesTheTokenUsable) {
  Env env;
  const std::string token = env.Token(env.a, "asset-basic");
  const OrderView existing = env.Order(env.a, "asset-basic", "vo-taken");
  BOOST_TEST(Code(env.Register(env.a, token, "asset-slow", "vo-1")) == "TOKEN_MISMATCH");
  BOOST_TEST(Code(env.Register(env.a, token, "asset-basic", "vo-1", 2)) == "TOKEN_MISMATCH");
  BOOST_TEST(Code(env.Register(env.a, token, "asset-basic", "vo-taken")) == "DUPLICATE_PURCHASE");
  BOOST_TEST(Code(env.Register(env.b, token, "asset-basic", "vo-1")) == "TOKEN_INVALID");
  auto order = env.Register(env.a, token, "asset-basic", "vo-1");
  BOOST_TEST(Code(order) == "OK");
  BOOST_TEST(order.value().order_id != existing.order_id);
}

BOOST_AUTO_TEST_CASE(TokenIsValidUntilOneMillisecondBeforeExpiry) {
  Env env;
  const std::string token = env.Token(env.a, "asset-basic");
  env.SetTime(kStart + kTokenTtl - 1);
  BOOST_TEST(Code(env.Register(env.a, token, "asset-basic", "vo-1")) == "OK");
}

BOOST_AUTO_TEST_CASE(TokenIsRefusedAtExactlyItsExpiry) {
  Env env;
  const std::string token = env.Token(env.a, "asset-basic");
  env.SetTime(kStart + kTokenTtl);
  BOOST_TEST(Code(env.Register(env.a, token, "asset-basic", "vo-1")) == "TOKEN_EXPIRED");
}

BOOST_AUTO_TEST_CASE(TokenTtlIsConfigurable) {
  ServiceOptions options;
  options.token_ttl = 30 * kSecond;
  Env env(options);
  auto grant = env.service.Validate(env.a, {"asset-basic", 1, kUsIp});
  BOOST_TEST(grant.value().expires_at == kStart + 30 * kSecond);
  env.SetTime(kStart + 30 * kSecond);
  BOOST_TEST(Code(env.Register(env.a, grant.value().token, "asset-basic", "vo-1")) == "TOKEN_EXPIRED");
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(SettlementTest)

BOOST_AUTO_TEST_CASE(OrderSettlesWhenTheClockReachesItsDueInstant) {
  Env env;
  const OrderView o = env.Order(env.a, "asset-basic", "vo-1");
  auto moved = env.service.Advance(5 * kSecond - 1);
  BOOST_TEST(moved.value().settled == 0u);
  BOOST_TEST(State(env.Info(o)) == "PROCESSING");
  moved = env.service.Advance(1);
  BOOST_TEST(moved.value().settled == 1u);
  BOOST_TEST(moved.value().now == kStart + 5 * kSecond);
  BOOST_TEST(State(env.Info(o)) == "COMPLETED");
  BOOST_TEST(env.Info(o).value().updated_at == kStart + 5 * kSecond);
}

BOOST_AUTO_TEST_CASE(ClockSetToTheDueInstantSettles) {
  Env env;
  const OrderView o = env.Order(env.a, "asset-basic", "vo-1");
  BOOST_TEST(env.service.SetTime(kStart + 5 * kSecond - 1).value().settled == 0u);
  BOOST_TEST(State(env.Info(o)) == "PROCESSING");
  BOOST_TEST(env.service.SetTime(kStart + 5 * kSecond).value().settled == 1u);
  BOOST_TEST(State(env.Info(o)) == "COMPLETED");
}

BOOST_AUTO_TEST_CASE(HistoryRecordsTheDueInstantNotTheClockMove) {
  Env env;
  env.Advance(kSecond);
  const OrderView o = env.Order(env.a, "asset-basic", "vo-1");
  env.Advance(3600 * kSecond);  // far past the due instant
  const auto history = env.History(o);
  BOOST_REQUIRE_EQUAL(history.size(), 2u);
  BOOST_TEST(OrderStateName(*history[1].from) == "PROCESSING");
  BOOST_TEST(OrderStateName(history[1].to) == "COMPLETED");
  BOOST_TEST(history[1].at == kStart + 6 * kSecond);
  BOOST_TEST(CauseName(history[1].cause) == "fulfillment_succeeded");
  BOOST_TEST(env.Info(o).value().updated_at == kStart + 6 * kSecond);
}

BOOST_AUTO_TEST_CASE(OneAdvanceSettlesEveryDueOrderAtItsOwnDueInstant) {
  // Registered in an order unlike their due order; one advance over all.
  // (The order of settlement inside one move is not observable through the
  // service's interface; each order's recorded instant and the count are.)
  Env env;
  const OrderView slow = env.Order(env.a, "asset-slow", "vo-slow");      // due +3600 s
  const OrderView basic = env.Order(env.a, "asset-basic", "vo-basic");   // due +5 s
  const OrderView three = env.Order(env.a, "asset-three", "vo-three");   // due +3 s
  env.Advance(kSecond);
  const OrderView quick = env.Order(env.a, "asset-quick", "vo-quick");   // due +1+2 = +3 s
  const OrderView fails = env.Order(env.a, "asset-fails", "vo-fails");   // due +1+5 = +6 s
  auto moved = env.service.Advance(10 * kSecond);
  BOOST_TEST(moved.value().settled == 4u);
  BOOST_TEST(env.History(three).back().at == kStart + 3 * kSecond);
  BOOST_TEST(env.History(quick).back().at == kStart + 3 * kSecond);
  BOOST_TEST(env.History(basic).back().at == kStart + 5 * kSecond);
  BOOST_TEST(env.History(fails).back().at == kStart + 6 * kSecond);
  BOOST_TEST(OrderStateName(env.History(fails).back().to) == "FAILED");
  BOOST_TEST(State(env.Info(slow)) == "PROCESSING");
  BOOST_TEST(env.History(slow).size() == 1u);
}

BOOST_AUTO_TEST_CASE(AnOrderDueAtRegistrationSettlesOnTheNextCall) {
  Env env;
  const OrderView o = env.Order(env.a, "asset-instant", "vo-1");
  BOOST_TEST(OrderStateName(o.status) == "PROCESSING");
  BOOST_TEST(State(env.Info(o)) == "COMPLETED");
  BOOST_TEST(env.History(o).back().at == kStart);
}

BOOST_AUTO_TEST_CASE(FailingAssetFailsWithItsReasonWhenDue) {
  Env env;
  const OrderView o = env.Order(env.a, "asset-fails", "vo-1");
  env.Advance(5 * kSecond - 1);
  BOOST_TEST(State(env.Info(o)) == "PROCESSING");
  env.Advance(1);
  auto info = env.Info(o);
  BOOST_TEST(State(info) == "FAILED");
  BOOST_TEST(info.value().failure_reason == "Rights holder rejected the license");
  BOOST_TEST(CauseName(env.History(o).back().cause) == "fulfillment_failed");
  BOOST_TEST(env.History(o).back().at == kStart + 5 * kSecond);
}

BOOST_AUTO_TEST_CASE(RetryAfterIsTheTimeUntilDueRoundedUpWithinOneToTen) {
  Env env;
  const OrderView basic = env.Order(env.a, "asset-basic", "vo-1");
  const OrderView slow = env.Order(env.a, "asset-slow", "vo-2");
  BOOST_TEST(env.service.RetryAfterSeconds(env.Info(basic).value()) == 5);
  BOOST_TEST(env.service.RetryAfterSeconds(env.Info(slow).value()) == 10);
  env.Advance(1);
  BOOST_TEST(env.service.RetryAfterSeconds(env.Info(basic).value()) == 5);  // 4.999 s rounds up
  env.Advance(4 * kSecond - 1);
  BOOST_TEST(env.service.RetryAfterSeconds(env.Info(basic).value()) == 1);
  env.Advance(999);
  BOOST_TEST(env.service.RetryAfterSeconds(env.Info(basic).value()) == 1);  // 1 ms left: at least 1
}

BOOST_AUTO_TEST_CASE(ClockSetBackwardsIsRefused) {
  Env env;
  env.Advance(10 * kSecond);
  auto back = env.service.SetTime(kStart + 10 * kSecond - 1);
  BOOST_TEST(Code(back) == "CLOCK_BACKWARDS");
  BOOST_TEST(env.now() == kStart + 10 * kSecond);
  BOOST_TEST(Code(env.service.SetTime(kStart)) == "CLOCK_BACKWARDS");
  // The current instant is allowed and settles nothing.
  auto same = env.service.SetTime(kStart + 10 * kSecond);
  BOOST_TEST(Code(same) == "OK");
  BOOST_TEST(same.value().settled == 0u);
  BOOST_TEST(Code(env.service.Advance(0)) == "OK");
}

BOOST_AUTO_TEST_CASE(ARealClockCannotBeMoved) {
  Env env(Env::Options(1), std::make_unique<FixedRealClock>());
  BOOST_TEST(!env.service.clock_is_manual());
  BOOST_TEST(Code(env.service.Advance(kSecond)) == "CLOCK_NOT_MANUAL");
  BOOST_TEST(Code(env.service.SetTime(kStart + kSecond)) == "CLOCK_NOT_MANUAL");
  BOOST_TEST(Code(env.service.SetTime(kStart - kSecond)) == "CLOCK_NOT_MANUAL");  // before CLOCK_BACKWARDS
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(CancelTest)

BOOST_AUTO_TEST_CASE(CancelProcessingDropsTheFulfillmentForGood) {
  Env env;
  const OrderView o = env.Order(env.a, "asset-basic", "vo-1");
  env.Advance(2 * kSecond);
  auto canceled = env.Cancel(o);
  BOOST_TEST(State(canceled) == "CANCELED");
  BOOST_TEST(canceled.value().canceled_at == kStart + 2 * kSecond);
  BOOST_TEST(canceled.value().updated_at == kStart + 2 * kSecond);
  BOOST_TEST(env.service.Advance(5 * kSecond).value().settled == 0u);
  BOOST_TEST(env.service.SetTime(kStart + 86400 * kSecond).value().settled == 0u);
  BOOST_TEST(State(env.Info(o)) == "CANCELED");
  const auto history = env.History(o);
  BOOST_REQUIRE_EQUAL(history.size(), 2u);
  BOOST_TEST(OrderStateName(*history[1].from) == "PROCESSING");
  BOOST_TEST(OrderStateName(history[1].to) == "CANCELED");
  BOOST_TEST(CauseName(history[1].cause) == "vendor_cancel");
  BOOST_TEST(history[1].at == kStart + 2 * kSecond);
}

BOOST_AUTO_TEST_CASE(CancelCompletedOrder) {
  Env env;
  const OrderView o = env.Order(env.a, "asset-basic", "vo-1");
  env.Advance(7 * kSecond);
  auto canceled = env.Cancel(o);
  BOOST_TEST(State(canceled) == "CANCELED");
  BOOST_TEST(canceled.value().canceled_at == kStart + 7 * kSecond);
  const auto history = env.History(o);
  BOOST_REQUIRE_EQUAL(history.size(), 3u);
  BOOST_TEST(OrderStateName(*history[2].from) == "COMPLETED");
  BOOST_TEST(CauseName(history[2].cause) == "vendor_cancel");
}

BOOST_AUTO_TEST_CASE(CancelFailedOrderDropsTheFailureReason) {
  Env env;
  const OrderView o = env.Order(env.a, "asset-fails", "vo-1");
  env.Advance(5 * kSecond);
  BOOST_TEST(State(env.Info(o)) == "FAILED");
  auto canceled = env.Cancel(o);
  BOOST_TEST(State(canceled) == "CANCELED");
  BOOST_TEST(canceled.value().failure_reason == "");
  BOOST_TEST(OrderStateName(*env.History(o).back().from) == "FAILED");
}

BOOST_AUTO_TEST_CASE(CancelTwiceAnswersTheOrderUnchanged) {
  Env env;
  const OrderView o = env.Order(env.a, "asset-basic", "vo-1");
  env.Advance(kSecond);
  const OrderView first = env.Cancel(o).value();
  env.Advance(kSecond);
  auto second = env.Cancel(o);
  BOOST_TEST(State(second) == "CANCELED");
  BOOST_TEST(second.value().canceled_at == first.canceled_at);
  BOOST_TEST(second.value().updated_at == first.updated_at);
  BOOST_TEST(env.History(o).size() == 2u);  // no entry for the second cancel
}

BOOST_AUTO_TEST_CASE(CancelByItemIdCancelsTheOrderAndRefusesAnotherItem) {
  Env env;
  const OrderView o = env.Order(env.a, "asset-basic", "vo-1");
  BOOST_TEST(Code(env.service.Cancel(env.a, o.order_id, std::string_view("item-9"))) == "ITEM_NOT_FOUND");
  BOOST_TEST(Code(env.service.Cancel(env.a, o.order_id, std::string_view(o.order_id + "-2"))) == "ITEM_NOT_FOUND");
  BOOST_TEST(Code(env.service.Cancel(env.a, o.order_id, std::string_view(""))) == "ITEM_NOT_FOUND");
  BOOST_TEST(State(env.Info(o)) == "PROCESSING");  // a refused cancel changes nothing
  // Its item exists from registration, although `items` shows only when COMPLETED.
  const std::string item = o.order_id + "-1";
  BOOST_TEST(State(env.service.Cancel(env.a, o.order_id, std::string_view(item))) == "CANCELED");
  // Order not found comes before item not found.
  BOOST_TEST(Code(env.service.Cancel(env.a, "ord_0000000000000000", std::string_view("x"))) == "ORDER_NOT_FOUND");
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(UrlTest)

BOOST_AUTO_TEST_CASE(UrlsAreIssuedOnlyForACompletedOrder) {
  Env env;
  const OrderView ok = env.Order(env.a, "asset-basic", "vo-ok");
  const OrderView failing = env.Order(env.a, "asset-fails", "vo-fail");
  for (UrlKind kind : {UrlKind::kDownload, UrlKind::kView}) {
    BOOST_TEST(Code(env.service.IssueUrl(env.a, ok.order_id, kind)) == "ORDER_NOT_COMPLETED");
    BOOST_TEST(Code(env.service.IssueUrl(env.a, failing.order_id, kind)) == "ORDER_NOT_COMPLETED");
  }
  env.Advance(5 * kSecond);
  for (UrlKind kind : {UrlKind::kDownload, UrlKind::kView}) {
    BOOST_TEST(Code(env.service.IssueUrl(env.a, failing.order_id, kind)) == "ORDER_NOT_COMPLETED");  // FAILED
    auto grant = env.service.IssueUrl(env.a, ok.order_id, kind);
    BOOST_REQUIRE(grant.ok());
    const SignedUrlParts parts = ParseUrl(grant.value().path_and_query);
    BOOST_TEST((parts.kind == kind));
    BOOST_TEST(parts.order_id == ok.order_id);
    BOOST_TEST(grant.value().expires_at == kStart + 5 * kSecond + kUrlTtl);
    BOOST_TEST(parts.expires_s * 1000 == grant.value().expires_at);
  }
  BOOST_TEST(Code(env.service.IssueUrl(env.a, "ord_0000000000000000", UrlKind::kDownload)) == "ORDER_NOT_FOUND");
}

BOOST_AUTO_TEST_CASE(UrlsAreRefusedWithOrderCanceledAfterCancel) {
  Env env;
  const OrderView processing = env.Order(env.a, "asset-slow", "vo-1");
  const OrderView completed = env.Order(env.a, "asset-basic", "vo-2");
  const OrderView failed = env.Order(env.a, "asset-fails", "vo-3");
  env.Advance(5 * kSecond);
  for (const OrderView* o : {&processing, &completed, &failed}) {
    BOOST_REQUIRE(env.Cancel(*o).ok());
    BOOST_TEST(Code(env.service.IssueUrl(env.a, o->order_id, UrlKind::kDownload)) == "ORDER_CANCELED");
    BOOST_TEST(Code(env.service.IssueUrl(env.a, o->order_id, UrlKind::kView)) == "ORDER_CANCELED");
  }
}

BOOST_AUTO_TEST_CASE(UrlExpiryIsRoundedDownToAWholeSecond) {
  Env env;
  const OrderView o = env.Order(env.a, "asset-instant", "vo-1");
  env.Advance(1500);
  auto grant = env.service.IssueUrl(env.a, o.order_id, UrlKind::kDownload);
  BOOST_TEST(grant.value().expires_at == kStart + 1000 + kUrlTtl);
  BOOST_TEST(ParseUrl(grant.value().path_and_query).expires_s == (kStart + 1000 + kUrlTtl) / 1000);
}

BOOST_AUTO_TEST_CASE(FetchServesTheAssetOfAValidUrl) {
  Env env;
  const OrderView o = env.Order(env.a, "asset-basic", "vo-1");
  env.Advance(5 * kSecond);
  for (UrlKind kind : {UrlKind::kDownload, UrlKind::kView}) {
    auto delivery = env.service.Fetch(ParseUrl(env.service.IssueUrl(env.a, o.order_id, kind).value().path_and_query));
    BOOST_REQUIRE(delivery.ok());
    BOOST_TEST(delivery.value().asset->id == "asset-basic");
    BOOST_TEST(delivery.value().asset->content == "bytes of basic.pdf");
    BOOST_TEST(delivery.value().order_id == o.order_id);
    BOOST_TEST((delivery.value().kind == kind));
  }
}

BOOST_AUTO_TEST_CASE(FetchRefusesATamperedUrl) {
  Env env;
  const OrderView o = env.Order(env.a, "asset-basic", "vo-1");
  const OrderView other = env.Order(env.a, "asset-basic", "vo-2");
  env.Advance(5 * kSecond);
  const SignedUrlParts good = ParseUrl(env.service.IssueUrl(env.a, o.order_id, UrlKind::kDownload).value().path_and_query);
  BOOST_REQUIRE(env.service.Fetch(good).ok());
  for (size_t i = 0; i < good.signature.size(); ++i) {
    SignedUrlParts bad = good;
    bad.signature[i] = bad.signature[i] == '0' ? '1' : '0';
    BOOST_REQUIRE_MESSAGE(Code(env.service.Fetch(bad)) == "URL_SIGNATURE_INVALID", "signature digit " << i);
  }
  SignedUrlParts bad = good;
  bad.expires_s += 1000;  // a longer life
  BOOST_TEST(Code(env.service.Fetch(bad)) == "URL_SIGNATURE_INVALID");
  bad = good;
  bad.order_id = other.order_id;  // another order
  BOOST_TEST(Code(env.service.Fetch(bad)) == "URL_SIGNATURE_INVALID");
  bad = good;
  bad.kind = UrlKind::kView;  // a download URL does not open the viewer
  BOOST_TEST(Code(env.service.Fetch(bad)) == "URL_SIGNATURE_INVALID");
  bad = good;
  bad.signature = good.signature.substr(0, 63);
  BOOST_TEST(Code(env.service.Fetch(bad)) == "URL_SIGNATURE_INVALID");
  bad.signature = "";
  BOOST_TEST(Code(env.service.Fetch(bad)) == "URL_SIGNATURE_INVALID");
  // Another seed's server signs differently.
  Env other_seed(2);
  const OrderView o2 = other_seed.Order(other_seed.a, "asset-basic", "vo-1");
  other_seed.Advance(5 * kSecond);
  SignedUrlParts foreign =
      ParseUrl(other_seed.service.IssueUrl(other_seed.a, o2.order_id, UrlKind::kDownload).value().path_and_query);
  foreign.order_id = o.order_id;
  BOOST_TEST(Code(env.service.Fetch(foreign)) == "URL_SIGNATURE_INVALID");
}

BOOST_AUTO_TEST_CASE(FetchRefusesAUrlAtExactlyItsExpiry) {
  Env env;
  const OrderView o = env.Order(env.a, "asset-basic", "vo-1");
  env.Advance(5 * kSecond);
  auto grant = env.service.IssueUrl(env.a, o.order_id, UrlKind::kDownload).value();
  const SignedUrlParts url = ParseUrl(grant.path_and_query);
  env.SetTime(grant.expires_at - 1);
  BOOST_TEST(Code(env.service.Fetch(url)) == "OK");
  env.SetTime(grant.expires_at);
  BOOST_TEST(Code(env.service.Fetch(url)) == "URL_EXPIRED");
}

BOOST_AUTO_TEST_CASE(CancelRevokesEveryUrlHandedOut) {
  Env env;
  const OrderView o = env.Order(env.a, "asset-basic", "vo-1");
  env.Advance(5 * kSecond);
  const SignedUrlParts download = ParseUrl(env.service.IssueUrl(env.a, o.order_id, UrlKind::kDownload).value().path_and_query);
  const SignedUrlParts view = ParseUrl(env.service.IssueUrl(env.a, o.order_id, UrlKind::kView).value().path_and_query);
  BOOST_REQUIRE(env.Cancel(o).ok());
  BOOST_TEST(Code(env.service.Fetch(download)) == "ORDER_CANCELED");
  BOOST_TEST(Code(env.service.Fetch(view)) == "ORDER_CANCELED");
  // Expiry is checked before cancellation; the signature before both.
  env.Advance(kUrlTtl);
  BOOST_TEST(Code(env.service.Fetch(download)) == "URL_EXPIRED");
  SignedUrlParts tampered = download;
  tampered.signature[0] = tampered.signature[0] == 'a' ? 'b' : 'a';
  BOOST_TEST(Code(env.service.Fetch(tampered)) == "URL_SIGNATURE_INVALID");
}

BOOST_AUTO_TEST_CASE(UrlTtlIsConfigurable) {
  ServiceOptions options;
  options.url_ttl = 60 * kSecond;
  Env env(options);
  const OrderView o = env.Order(env.a, "asset-instant", "vo-1");
  auto grant = env.service.IssueUrl(env.a, o.order_id, UrlKind::kDownload);
  BOOST_TEST(grant.value().expires_at == kStart + 60 * kSecond);
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(VendorIsolationTest)

BOOST_AUTO_TEST_CASE(AnotherVendorsOrderIsOrderNotFoundEverywhere) {
  Env env;
  const OrderView o = env.Order(env.a, "asset-basic", "vo-1");
  env.Advance(5 * kSecond);
  // The same calls on a server where this id names nothing: the same answers.
  Env empty;
  empty.Advance(5 * kSecond);
  auto same = [](const Error& seen, const Error& unknown) {
    BOOST_TEST(std::string(ErrorCodeName(seen.code)) == "ORDER_NOT_FOUND");
    BOOST_TEST(std::string(ErrorCodeName(seen.code)) == std::string(ErrorCodeName(unknown.code)));
    BOOST_TEST(seen.message == unknown.message);
  };
  same(env.service.Info(env.b, o.order_id).error(), empty.service.Info(empty.b, o.order_id).error());
  same(env.service.IssueUrl(env.b, o.order_id, UrlKind::kDownload).error(),
       empty.service.IssueUrl(empty.b, o.order_id, UrlKind::kDownload).error());
  same(env.service.IssueUrl(env.b, o.order_id, UrlKind::kView).error(),
       empty.service.IssueUrl(empty.b, o.order_id, UrlKind::kView).error());
  same(env.service.Cancel(env.b, o.order_id, std::nullopt).error(),
       empty.service.Cancel(empty.b, o.order_id, std::nullopt).error());
  same(env.service.Cancel(env.b, o.order_id, std::string_view(o.item_id)).error(),
       empty.service.Cancel(empty.b, o.order_id, std::string_view(o.item_id)).error());
  // b's cancel did nothing; a still sees and controls its order.
  BOOST_TEST(State(env.Info(o)) == "COMPLETED");
  BOOST_TEST(Code(env.service.IssueUrl(env.a, o.order_id, UrlKind::kDownload)) == "OK");
  // The control API sees every vendor's orders.
  BOOST_TEST(Code(env.service.History(o.order_id)) == "OK");
}

BOOST_AUTO_TEST_CASE(UnknownOrderIdsAreOrderNotFound) {
  Env env;
  const OrderView o = env.Order(env.a, "asset-basic", "vo-1");
  for (const std::string& id : {std::string("ord_0000000000000000"), std::string("nope"), std::string(""),
                                o.order_id + "x", IdGenerator(1).OrderId(1), IdGenerator(2).OrderId(0)}) {
    BOOST_TEST(Code(env.service.Info(env.a, id)) == "ORDER_NOT_FOUND", id);
    BOOST_TEST(Code(env.service.Cancel(env.a, id, std::nullopt)) == "ORDER_NOT_FOUND", id);
    BOOST_TEST(Code(env.service.IssueUrl(env.a, id, UrlKind::kDownload)) == "ORDER_NOT_FOUND", id);
    BOOST_TEST(Code(env.service.History(id)) == "ORDER_NOT_FOUND", id);
  }
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(FaultRuleTest)

BOOST_AUTO_TEST_CASE(RequestRuleOldestMatchingFirst) {
  Env env;
  FaultMatch get;
  get.method = "GET";
  env.service.AddFault(Rule(get, StatusEffect(500)));
  env.service.AddFault(Rule({}, StatusEffect(503)));
  FaultMatch validate;
  validate.path = "/purchase/validate-purchase-before-payment";
  env.service.AddFault(Rule(validate, StatusEffect(429)));
  auto info = env.service.TakeRequestFault({"GET", "/purchase/info", "", ""}, "");
  BOOST_TEST(info.value().status.value_or(0) == 500);
  // Both the catch-all and the path rule match: the older one applies.
  auto post = env.service.TakeRequestFault({"POST", "/purchase/validate-purchase-before-payment", "", ""}, "");
  BOOST_TEST(post.value().status.value_or(0) == 503);
  // Deleting the older one lets the next apply.
  BOOST_TEST(env.service.RemoveFault("fault-2").has_value());
  post = env.service.TakeRequestFault({"POST", "/purchase/validate-purchase-before-payment", "", ""}, "");
  BOOST_TEST(post.value().status.value_or(0) == 429);
  BOOST_TEST(!env.service.TakeRequestFault({"POST", "/purchase/register", "", ""}, "").has_value());
}

BOOST_AUTO_TEST_CASE(RequestRuleMatchesEveryGivenMember) {
  Env env;
  FaultMatch m;
  m.method = "POST";
  m.path = "/purchase/register";
  m.asset_id = "asset-basic";
  m.vendor_order_id = "vo-7";
  env.service.AddFault(Rule(m, StatusEffect(500)));
  BOOST_TEST(!env.service.TakeRequestFault({"POST", "/purchase/register", "asset-basic", "vo-8"}, "").has_value());
  BOOST_TEST(!env.service.TakeRequestFault({"POST", "/purchase/register", "asset-slow", "vo-7"}, "").has_value());
  BOOST_TEST(!env.service.TakeRequestFault({"GET", "/purchase/register", "asset-basic", "vo-7"}, "").has_value());
  BOOST_TEST(!env.service.TakeRequestFault({"POST", "/purchase/info", "asset-basic", "vo-7"}, "").has_value());
  BOOST_TEST(env.service.TakeRequestFault({"POST", "/purchase/register", "asset-basic", "vo-7"}, "").has_value());
}

BOOST_AUTO_TEST_CASE(RequestRuleMatchesTheAssetOfTheOrderARequestNames) {
  Env env;
  const OrderView o = env.Order(env.b, "asset-slow", "vo-9");
  FaultMatch m;
  m.asset_id = "asset-slow";
  m.vendor_order_id = "vo-9";
  env.service.AddFault(Rule(m, StatusEffect(503)));
  BOOST_TEST(!env.service.TakeRequestFault({"GET", "/purchase/info", "", ""}, "ord_0000000000000000").has_value());
  BOOST_TEST(env.service.TakeRequestFault({"GET", "/purchase/info", "", ""}, o.order_id).has_value());
}

BOOST_AUTO_TEST_CASE(RequestRuleTimesCountsFirings) {
  Env env;
  const FaultRule added = env.service.AddFault(Rule({}, StatusEffect(500), 2));
  BOOST_TEST(added.id == "fault-1");
  BOOST_TEST(added.remaining.value_or(-1) == 2);
  const RequestFacts facts{"GET", "/purchase/info", "", ""};
  BOOST_TEST(env.service.TakeRequestFault(facts, "").has_value());
  BOOST_TEST(env.service.Faults().at(0).remaining.value_or(-1) == 1);
  BOOST_TEST(env.service.TakeRequestFault(facts, "").has_value());
  BOOST_TEST(!env.service.TakeRequestFault(facts, "").has_value());
  // An exhausted rule stays listed with remaining 0 until deleted.
  BOOST_REQUIRE_EQUAL(env.service.Faults().size(), 1u);
  BOOST_TEST(env.service.Faults().at(0).remaining.value_or(-1) == 0);
  // An unlimited rule has no count and keeps firing.
  env.service.AddFault(Rule({}, StatusEffect(503)));
  for (int i = 0; i < 5; ++i) BOOST_TEST(env.service.TakeRequestFault(facts, "").value().status.value_or(0) == 503);
  BOOST_TEST(!env.service.Faults().at(1).remaining.has_value());
}

BOOST_AUTO_TEST_CASE(FaultIdsAreNeverReusedBeforeReset) {
  Env env;
  BOOST_TEST(env.service.AddFault(Rule({}, StatusEffect(500))).id == "fault-1");
  BOOST_TEST(env.service.AddFault(Rule({}, StatusEffect(500))).id == "fault-2");
  BOOST_TEST(env.service.RemoveFault("fault-2").has_value());
  BOOST_TEST(!env.service.RemoveFault("fault-2").has_value());
  BOOST_TEST(env.service.AddFault(Rule({}, StatusEffect(500))).id == "fault-3");
  BOOST_TEST(env.service.ClearFaults() == 2u);
  BOOST_TEST(env.service.Faults().empty());
  BOOST_TEST(env.service.AddFault(Rule({}, StatusEffect(500))).id == "fault-4");
  env.service.Reset();
  BOOST_TEST(env.service.Faults().empty());
  BOOST_TEST(env.service.AddFault(Rule({}, StatusEffect(500))).id == "fault-1");
}

BOOST_AUTO_TEST_CASE(FulfillmentRuleIsCountedOnlyWhenAnOrderIsCreated) {
  Env env;
  env.service.AddFault(Rule({}, FailEffect("Injected failure"), 1));
  // Rejected registers do not use it up.
  BOOST_TEST(Code(env.Register(env.a, "garbage", "asset-basic", "vo-1")) == "TOKEN_INVALID");
  BOOST_TEST(Code(env.Register(env.a, env.Token(env.a, "asset-slow"), "asset-basic", "vo-1")) == "TOKEN_MISMATCH");
  BOOST_TEST(env.service.Faults().at(0).remaining.value_or(-1) == 1);
  // Nor do other requests: a fulfillment rule matches register only.
  BOOST_TEST(!env.service.TakeRequestFault({"POST", "/purchase/register", "asset-basic", "vo-1"}, "").has_value());
  BOOST_TEST(env.service.Faults().at(0).remaining.value_or(-1) == 1);
  const OrderView failing = env.Order(env.a, "asset-basic", "vo-1");
  BOOST_TEST(env.service.Faults().at(0).remaining.value_or(-1) == 0);
  const OrderView normal = env.Order(env.a, "asset-basic", "vo-2");
  env.Advance(5 * kSecond);
  BOOST_TEST(State(env.Info(failing)) == "FAILED");
  BOOST_TEST(env.Info(failing).value().failure_reason == "Injected failure");
  BOOST_TEST(State(env.Info(normal)) == "COMPLETED");
}

BOOST_AUTO_TEST_CASE(FulfillmentRuleMatchesOnTheRegisterRequest) {
  Env env;
  FaultMatch m;
  m.vendor_order_id = "vo-doomed";
  env.service.AddFault(Rule(m, FailEffect()));
  const OrderView spared = env.Order(env.a, "asset-basic", "vo-spared");
  const OrderView doomed = env.Order(env.a, "asset-basic", "vo-doomed");
  env.Advance(5 * kSecond);
  BOOST_TEST(State(env.Info(spared)) == "COMPLETED");
  BOOST_TEST(State(env.Info(doomed)) == "FAILED");
  BOOST_TEST(env.Info(doomed).value().failure_reason == "Fulfillment failed");  // no reason given
}

BOOST_AUTO_TEST_CASE(FulfillmentRuleOverridesOutcomeReasonAndDelay) {
  Env env;
  env.service.AddFault(Rule({}, FailEffect("Out of paper", 2 * kSecond), 1));
  FaultEffect complete_late;
  complete_late.fulfillment_fails = false;
  complete_late.fulfillment_delay = 60 * kSecond;
  env.service.AddFault(Rule({}, complete_late, 1));
  const OrderView first = env.Order(env.a, "asset-slow", "vo-1");    // fails 2 s after register
  const OrderView second = env.Order(env.a, "asset-fails", "vo-2");  // completes 60 s after register
  BOOST_TEST(first.due_at == kStart + 2 * kSecond);
  BOOST_TEST(second.due_at == kStart + 60 * kSecond);
  env.Advance(2 * kSecond);
  BOOST_TEST(State(env.Info(first)) == "FAILED");
  BOOST_TEST(env.Info(first).value().failure_reason == "Out of paper");
  BOOST_TEST(env.History(first).back().at == kStart + 2 * kSecond);
  env.Advance(58 * kSecond - 1);
  BOOST_TEST(State(env.Info(second)) == "PROCESSING");
  env.Advance(1);
  BOOST_TEST(State(env.Info(second)) == "COMPLETED");
}

BOOST_AUTO_TEST_CASE(FulfillmentDelayAloneKeepsTheAssetsOutcome) {
  Env env;
  FaultEffect later;
  later.fulfillment_delay = 10 * kSecond;
  env.service.AddFault(Rule({}, later));
  const OrderView failing = env.Order(env.a, "asset-fails", "vo-1");
  env.Advance(10 * kSecond);
  BOOST_TEST(State(env.Info(failing)) == "FAILED");
  BOOST_TEST(env.Info(failing).value().failure_reason == "Rights holder rejected the license");
}

BOOST_AUTO_TEST_CASE(RequestAndFulfillmentRulesAreMatchedIndependently) {
  Env env;
  env.service.AddFault(Rule({}, FailEffect("both"), 1));
  FaultEffect drop;
  drop.drop_connection = true;
  env.service.AddFault(Rule({}, drop, 1));
  auto request_fault = env.service.TakeRequestFault(RegisterFacts("asset-basic", "vo-1"), "");
  BOOST_TEST(request_fault.value().drop_connection);  // the younger request rule, not the fulfillment rule
  const OrderView o = env.Order(env.a, "asset-basic", "vo-1");
  env.Advance(5 * kSecond);
  BOOST_TEST(env.Info(o).value().failure_reason == "both");
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(DeterminismTest)

// A fixed sequence of calls, recorded as text.
std::vector<std::string> Script(Env& env) {
  std::vector<std::string> out;
  const std::string t1 = env.Token(env.a, "asset-basic");
  const std::string t2 = env.Token(env.b, "asset-fails");
  out.push_back(t1);
  out.push_back(t2);
  const OrderView o1 = env.Register(env.a, t1, "asset-basic", "vo-1").value();
  const OrderView o2 = env.Register(env.b, t2, "asset-fails", "vo-2").value();
  out.push_back(o1.order_id + " " + std::to_string(o1.created_at));
  out.push_back(o2.order_id + " " + std::to_string(o2.created_at));
  out.push_back(env.service.AddFault(Rule({}, StatusEffect(500), 1)).id);
  out.push_back(std::to_string(env.service.Advance(5 * kSecond).value().settled));
  out.push_back(env.service.IssueUrl(env.a, o1.order_id, UrlKind::kDownload).value().path_and_query);
  out.push_back(env.service.IssueUrl(env.a, o1.order_id, UrlKind::kView).value().path_and_query);
  out.push_back(env.Info(o2, env.b).value().failure_reason);
  out.push_back(std::to_string(env.now()));
  return out;
}

BOOST_AUTO_TEST_CASE(SameSeedGivesIdenticalIdsTokensAndUrls) {
  Env one(1), two(1);
  const auto a = Script(one), b = Script(two);
  BOOST_TEST(a == b, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(AnotherSeedGivesOtherIdsTokensAndUrls) {
  Env one(1), two(2);
  const auto a = Script(one), b = Script(two);
  BOOST_REQUIRE_EQUAL(a.size(), b.size());
  for (size_t i : {0, 1, 2, 3, 6, 7}) BOOST_TEST(a[i] != b[i], "step " << i << ": " << a[i]);
}

BOOST_AUTO_TEST_CASE(ResetRestoresTheStartStateSoTheSameCallsGiveTheSameResults) {
  Env env;
  const auto first = Script(env);
  env.service.Reset();
  BOOST_TEST(env.now() == kStart);
  BOOST_TEST(env.service.Faults().empty());
  BOOST_TEST(env.service.order_count() == 0u);
  // The orders and tokens handed out before are gone.
  BOOST_TEST(Code(env.service.Info(env.a, first[2].substr(0, 20))) == "ORDER_NOT_FOUND");
  BOOST_TEST(Code(env.Register(env.a, first[0], "asset-basic", "vo-x")) == "TOKEN_INVALID");
  env.service.Reset();
  const auto second = Script(env);
  BOOST_TEST(first == second, boost::test_tools::per_element());
  Env fresh;
  BOOST_TEST(Script(fresh) == first, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(LifecycleDriftTest)

BOOST_AUTO_TEST_CASE(ServiceRefusesALifecycleThatLacksAStateOrNamesACauseItDoesNotServe) {
  const Catalog catalog = TestCatalog();
  const std::string head = "states:\n  PROCESSING: {initial: true}\n  COMPLETED: {}\n  CANCELED: {terminal: true}\n";
  const Lifecycle no_failed = Lifecycle::Parse(
      head + "entry: {to: PROCESSING, cause: register}\ntransitions:\n"
             "  - {from: PROCESSING, to: COMPLETED, cause: fulfillment_succeeded}\n",
      "lc.yaml");
  BOOST_CHECK_THROW(PurchaseService(catalog, no_failed, std::make_unique<ManualClock>(kStart), {}), SpecError);
  const Lifecycle renamed_cause = Lifecycle::Parse(
      "states:\n  PROCESSING: {initial: true}\n  COMPLETED: {}\n  FAILED: {}\n  CANCELED: {terminal: true}\n"
      "entry: {to: PROCESSING, cause: register}\ntransitions:\n"
      "  - {from: PROCESSING, to: COMPLETED, cause: done}\n"
      "  - {from: PROCESSING, to: FAILED, cause: fulfillment_failed}\n",
      "lc.yaml");
  BOOST_CHECK_THROW(PurchaseService(catalog, renamed_cause, std::make_unique<ManualClock>(kStart), {}), SpecError);
  // A transition missing is no drift: the service then refuses that cancel
  // and skips that settlement (ChangingATransitionInTheLifecycleChangesWhatTheServiceDoes).
  const Lifecycle no_cancel_after_completion = Lifecycle::Parse(
      "states:\n  PROCESSING: {initial: true}\n  COMPLETED: {}\n  FAILED: {}\n  CANCELED: {terminal: true}\n"
      "entry: {to: PROCESSING, cause: register}\ntransitions:\n"
      "  - {from: PROCESSING, to: COMPLETED, cause: fulfillment_succeeded}\n"
      "  - {from: PROCESSING, to: FAILED, cause: fulfillment_failed}\n"
      "  - {from: PROCESSING, to: CANCELED, cause: vendor_cancel}\n",
      "lc.yaml");
  BOOST_CHECK_NO_THROW(PurchaseService(catalog, no_cancel_after_completion, std::make_unique<ManualClock>(kStart), {}));
  BOOST_CHECK_NO_THROW(PurchaseService(catalog, Lifecycle::Builtin(), std::make_unique<ManualClock>(kStart), {}));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace purchase
