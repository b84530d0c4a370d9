// Tests of the other variant's identifiers (variant.h, id_generator.h) in the
// core alone: order ids "ord_000001"..., "pt-" + 40 hex tokens, "fault_N"
// rule ids, each deterministic per seed and restarting after a reset, and
// lookups that still find only what was handed out; and that the reference
// variant's identifiers are, byte for byte, what they were before the seam.
#define BOOST_TEST_MODULE variant_ids_test
#include "core/id_generator.h"

#include <boost/test/unit_test.hpp>

#include <memory>
#include <regex>
#include <set>
#include <string>

#include "catalog.h"
#include "core/clock.h"
#include "core/lifecycle.h"
#include "purchase_service.h"
#include "core/variant.h"

namespace purchase {
namespace {

constexpr Millis kStart = 1767225600000;  // 2026-01-01T00:00:00Z

const Catalog& VariantFixtures() {
  static const Catalog catalog = Catalog::Load(std::string(PURCHASE_TEST_FIXTURES) + "/variant");
  return catalog;
}

ServiceOptions OtherOptions(uint64_t seed = 1) {
  ServiceOptions o;
  o.seed = seed;
  o.variant = Variant::kOther;
  return o;
}

struct OtherService {
  OtherService() : service(VariantFixtures(), Lifecycle::Builtin(), std::make_unique<ManualClock>(kStart), OtherOptions()) {}
  VendorRef Vendor(const char* token) {
    auto v = service.Authenticate(token);
    BOOST_REQUIRE(v);
    return *v;
  }
  std::string Order(VendorRef vendor, const std::string& vendor_order_id) {
    auto grant = service.Validate(vendor, {"sku-1001-basic", 1, "198.18.4.20"});
    BOOST_REQUIRE(grant.ok());
    auto order = service.Register(vendor, {grant.value().token, "sku-1001-basic", 1, vendor_order_id},
                                  RequestFacts{"POST", "/purchase/register", "sku-1001-basic", vendor_order_id});
    BOOST_REQUIRE(order.ok());
    return order.value().order_id;
  }
  PurchaseService service;
};

std::string Code(const Result<OrderView>& r) { return r.ok() ? "ok" : std::string(ErrorCodeName(r.error().code)); }

BOOST_AUTO_TEST_SUITE(VariantIdsTest)

BOOST_AUTO_TEST_CASE(TheReferenceVariantsIdsAreTheOnesBeforeTheVariantSeam) {
  // Taken from IdGenerator before variants existed (commit 469bcc3).
  const IdGenerator ids(1), same(1, Variant::kReference), seven(7);
  BOOST_TEST(ids.OrderId(0) == "ord_dce423fc82c0d5b8");
  BOOST_TEST(ids.OrderId(1) == "ord_5c52bd4054e958c9");
  BOOST_TEST(ids.Token(0) == "tok_fbe7a763b053d14c7740eb31ebd3039a");
  BOOST_TEST(seven.OrderId(0) == "ord_74b5abcc66b8bdc1");
  BOOST_TEST(seven.Token(3) == "tok_2ac41d15edbb29d95679a015178d8b76");
  BOOST_TEST(ids.UrlKey() == "769dd690108842d61e49145b0947d526271715c146bfb4ddf9aafd7cb538c02d");
  BOOST_TEST(ids.FaultRuleId(1) == "fault-1");
  BOOST_TEST(same.OrderId(5) == ids.OrderId(5));
  BOOST_TEST(same.Token(5) == ids.Token(5));
}

BOOST_AUTO_TEST_CASE(OtherOrderIdsAreASixDigitSequenceFromOne) {
  const IdGenerator ids(1, Variant::kOther);
  BOOST_TEST(ids.OrderId(0) == "ord_000001");
  BOOST_TEST(ids.OrderId(1) == "ord_000002");
  BOOST_TEST(ids.OrderId(41) == "ord_000042");
  BOOST_TEST(ids.OrderId(999998) == "ord_999999");
  BOOST_TEST(ids.OrderId(999999) == "ord_1000000");
  BOOST_TEST(IdGenerator(9, Variant::kOther).OrderId(0) == "ord_000001");  // not from the seed: a plain count
  for (uint32_t seq : {0u, 1u, 41u, 999998u, 999999u, 4294967295u})
    BOOST_TEST(ids.OrderSeq(ids.OrderId(seq)).value_or(1) == seq, seq);
}

BOOST_AUTO_TEST_CASE(AnOtherOrderIdOfAnyOtherSpellingNamesNoOrder) {
  const IdGenerator ids(1, Variant::kOther);
  for (const char* id : {"ord_", "ord_1", "ord_00001", "ord_0000001", "ord_000000", "ord_00000a", "ord_+00001",
                         "ord_ 00001", "ORD_000001", "ord-000001", "000001", "ord_4294967297", "ord_99999999999",
                         "ord_dce423fc82c0d5b8"})
    BOOST_TEST(!ids.OrderSeq(id), id);
  // And the reference generator does not read the other variant's ids.
  BOOST_TEST(!IdGenerator(1).OrderSeq("ord_000001"));
}

BOOST_AUTO_TEST_CASE(OtherTokensArePtAndFortyHexDigitsDeterministicPerSeed) {
  const IdGenerator ids(1, Variant::kOther), again(1, Variant::kOther), other_seed(2, Variant::kOther);
  const std::regex shape("pt-[0-9a-f]{40}");
  std::set<std::string> seen;
  for (uint32_t seq = 0; seq < 200; ++seq) {
    const std::string token = ids.Token(seq);
    BOOST_TEST(std::regex_match(token, shape), token);
    BOOST_TEST(token == again.Token(seq));
    BOOST_TEST(token != other_seed.Token(seq));
    BOOST_TEST(ids.TokenSeq(token).value_or(1000) == seq);
    seen.insert(token.substr(3, 8));  // not a counter: consecutive tokens share no prefix
  }
  BOOST_TEST(seen.size() == 200u);
}

BOOST_AUTO_TEST_CASE(AnOtherTokenThatWasAlteredOrMadeElsewhereFindsNothing) {
  const IdGenerator ids(1, Variant::kOther);
  const std::string token = ids.Token(3);
  for (size_t i = 0; i < token.size(); ++i) {
    std::string altered = token;
    altered[i] = altered[i] == 'a' ? 'b' : 'a';
    BOOST_TEST(!ids.TokenSeq(altered), altered);
  }
  BOOST_TEST(!ids.TokenSeq(token.substr(0, 42)));
  BOOST_TEST(!ids.TokenSeq(token + "0"));
  BOOST_TEST(!ids.TokenSeq(IdGenerator(2, Variant::kOther).Token(3)));
  BOOST_TEST(!ids.TokenSeq(IdGenerator(1).Token(3)));  // the reference's token
  BOOST_TEST(!IdGenerator(1).TokenSeq(token));
}

BOOST_AUTO_TEST_CASE(OtherFaultRuleIdsAreFaultUnderscoreNAndRestartAfterReset) {
  OtherService s;
  FaultRule rule;
  rule.effect.status = 503;
  BOOST_TEST(s.service.AddFault(rule).id == "fault_1");
  BOOST_TEST(s.service.AddFault(rule).id == "fault_2");
  BOOST_TEST(s.service.RemoveFault("fault_1").has_value());
  BOOST_TEST(!s.service.RemoveFault("fault-2").has_value());
  BOOST_TEST(s.service.AddFault(rule).id == "fault_3");  // never reused before a reset
  s.service.Reset();
  BOOST_TEST(s.service.AddFault(rule).id == "fault_1");
}

BOOST_AUTO_TEST_CASE(OtherOrderIdsFindOnlyTheirVendorsOrdersAndRestartAfterReset) {
  OtherService s;
  const VendorRef alpha = s.Vendor("partner-token-alpha"), beta = s.Vendor("partner-token-beta");
  BOOST_TEST(s.Order(alpha, "vo-1") == "ord_000001");
  BOOST_TEST(s.Order(beta, "vo-1") == "ord_000002");
  BOOST_TEST(Code(s.service.Info(alpha, "ord_000001")) == "ok");
  BOOST_TEST(s.service.Info(alpha, "ord_000001").value().item_id == "ord_000001-1");
  BOOST_TEST(Code(s.service.Info(alpha, "ord_000002")) == "ORDER_NOT_FOUND");  // beta's
  BOOST_TEST(Code(s.service.Info(alpha, "ord_000003")) == "ORDER_NOT_FOUND");  // nobody's yet
  BOOST_TEST(Code(s.service.Info(alpha, "ord_1")) == "ORDER_NOT_FOUND");       // the wrong shape
  BOOST_TEST(Code(s.service.Cancel(alpha, "ord_000001", std::string_view("ord_000001-1"))) == "ok");
  s.service.Reset();
  BOOST_TEST(Code(s.service.Info(alpha, "ord_000001")) == "ORDER_NOT_FOUND");
  BOOST_TEST(s.Order(beta, "vo-2") == "ord_000001");
}

BOOST_AUTO_TEST_CASE(AnOtherTokenIsSpentAndBoundLikeAnyToken) {
  OtherService s;
  const VendorRef alpha = s.Vendor("partner-token-alpha"), beta = s.Vendor("partner-token-beta");
  auto grant = s.service.Validate(alpha, {"sku-1001-basic", 1, "198.18.4.20"});
  BOOST_REQUIRE(grant.ok());
  const std::string token = grant.value().token;
  const RequestFacts facts{"POST", "/purchase/register", "sku-1001-basic", "vo"};
  BOOST_TEST(Code(s.service.Register(beta, {token, "sku-1001-basic", 1, "vo"}, facts)) == "TOKEN_INVALID");
  BOOST_TEST(Code(s.service.Register(alpha, {token, "sku-1001-basic", 2, "vo"}, facts)) == "TOKEN_MISMATCH");
  BOOST_TEST(Code(s.service.Register(alpha, {token, "sku-1001-basic", 1, "vo"}, facts)) == "ok");
  BOOST_TEST(Code(s.service.Register(alpha, {token, "sku-1001-basic", 1, "vo-2"}, facts)) == "TOKEN_ALREADY_USED");
  BOOST_TEST(Code(s.service.Register(alpha, {"tok_fbe7a763b053d14c7740eb31ebd3039a", "sku-1001-basic", 1, "vo-3"},
                                     facts)) == "TOKEN_INVALID");
}

BOOST_AUTO_TEST_CASE(EveryVariantHasANameThatParsesBack) {
  BOOST_TEST(AllVariants().size() == 2u);
  for (const auto& v : AllVariants()) BOOST_TEST((ParseVariant(v.name) == std::optional<Variant>(v.variant)));
  BOOST_TEST(VariantName(Variant::kReference) == "reference");
  BOOST_TEST(VariantName(Variant::kOther) == "other");
  BOOST_TEST(!ParseVariant("Other"));
  BOOST_TEST(!ParseVariant(""));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace purchase
