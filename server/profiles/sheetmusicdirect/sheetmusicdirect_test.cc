// The SheetMusicDirect profile's rules, driven through a ProfileHost with
// plain request values: the key and signature, the plain-text OKs, the
// lifecycle of items (settling, update, cancel, prints), the reads' shapes,
// fixtures' diagnostics, and that a transition changed in lifecycle.yaml
// changes what the server does with no code change.
#define BOOST_TEST_MODULE sheetmusicdirect
#include <boost/test/unit_test.hpp>

#include <rapidjson/document.h>
#include <rapidjson/pointer.h>

#include "core/clock.h"
#include "profile_sheetmusicdirect_embedded.h"
#include "profiles/profile_registry.h"
#include "profiles/sheetmusicdirect/fixtures.h"
#include "profiles/sheetmusicdirect/profile.h"
#include "profiles/sheetmusicdirect/query.h"
#include "profiles/sheetmusicdirect/signature.h"
#include "testing/strict_utf8.h"

using namespace purchase;
using namespace purchase::profiles;
using namespace purchase::profiles::sheetmusicdirect;

namespace {

const std::string kKey = "smd-test-key-a";
const std::string kFixtures = std::string(PURCHASE_TEST_FIXTURES) + "/sheetmusicdirect";

std::string Sig(const std::string& name, const std::string& key = kKey) { return Sha256Hex(name + key); }

struct Host {
  explicit Host(std::set<std::string> defects = {}, std::string lifecycle_text = "",
                engine::EngineDefects engine_defects = {})
      : lifecycle(Lifecycle::Parse(lifecycle_text.empty() ? std::string(sheetmusicdirect_spec::kLifecycleYaml)
                                                          : lifecycle_text,
                                   "lifecycle.yaml")),
        errors(ErrorReplies::Parse(sheetmusicdirect_spec::kErrorsYaml, "errors.yaml")),
        profile(LoadFixtures(kFixtures, lifecycle), DefectsFrom(defects)),
        host(profile, lifecycle, errors, std::make_unique<ManualClock>(*ParseRfc3339("2026-01-01T00:00:00Z")),
             SheetMusicDirectProfileEntry().engine, {}, engine_defects) {}

  // Sends `method path` with the query pairs as given (raw: already encoded).
  http::HttpReply Send(const std::string& method, const std::string& path, http::RawQuery query) {
    http::HttpRequest r;
    r.method = method;
    r.path = path;
    r.query = std::move(query);
    return host.Handle(r);
  }
  // A signed request of retailer A.
  http::HttpReply Signed(const std::string& method, const std::string& path, const std::string& sig_name,
                         http::RawQuery query) {
    query.insert(query.begin(), {{"key", kKey}, {"signature", Sig(sig_name)}});
    return Send(method, path, std::move(query));
  }
  http::HttpReply Create(const std::string& order, const std::string& product, http::RawQuery extra = {},
                         const std::string& client = "c1") {
    http::RawQuery q = {{"retailerOrderId", order}, {"retailerClientId", client}, {"productId", product},
                        {"quantity", "1"},          {"countryCode", "GB"}};
    q.insert(q.end(), extra.begin(), extra.end());
    return Signed("POST", "/orders/create", "createorder", q);
  }
  http::HttpReply Items(const std::string& order, const std::string& client = "c1") {
    return Signed("GET", "/orders/orderitems", "orders-orderitems",
                  {{"retailerClientId", client}, {"retailerOrderId", order}});
  }
  http::HttpReply Update(const std::string& order, const std::string& status) {
    return Signed("POST", "/orders/update", "update",
                  {{"retailerOrderId", order}, {"retailerClientId", "c1"}, {"status", status}});
  }
  http::HttpReply Prints(const std::string& order, const std::string& product, const std::string& prints) {
    http::RawQuery q = {{"key", kKey},
                        {"signature", Sha256Hex("updateprintsremaining" + kKey + "c1" + order + product)},
                        {"retailerOrderId", order},
                        {"retailerClientId", "c1"},
                        {"productId", product},
                        {"printsRemaining", prints}};
    return Send("POST", "/orders/updateprintsremaining", q);
  }
  void Advance(double seconds) {
    http::HttpRequest r;
    r.method = "POST";
    r.path = "/_control/clock/advance";
    r.body = "{\"seconds\":" + std::to_string(seconds) + "}";
    BOOST_REQUIRE(host.Handle(r).status == 200);
  }

  Lifecycle lifecycle;
  ErrorReplies errors;
  SheetMusicDirectProfile profile;
  ProfileHost host;
};

std::string At(const http::HttpReply& reply, const char* pointer) {
  rapidjson::Document d;
  d.Parse(reply.body.c_str());
  const rapidjson::Value* v = rapidjson::Pointer(pointer).Get(d);
  if (!v) return "<absent>";
  if (v->IsString()) return v->GetString();
  if (v->IsInt64()) return std::to_string(v->GetInt64());
  if (v->IsNull()) return "null";
  if (v->IsArray()) return "[" + std::to_string(v->Size()) + "]";
  return "<other>";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(SheetMusicDirect)

BOOST_AUTO_TEST_CASE(CreateAnswersPlainTextOrderCreated) {
  Host h;
  const auto reply = h.Create("o1", "13618");
  BOOST_TEST(reply.status == 201);
  BOOST_TEST(reply.content_type == "text/plain; charset=utf-8");
  BOOST_TEST(reply.body == "OK: order created");
}

BOOST_AUTO_TEST_CASE(SignatureIsSha256HexOfNameAndKey) {
  BOOST_TEST(Sha256Hex("createorder" + kKey) == "78a36ffc0693326916a3f609a33ca3227dc043c25deda0a061a46aea736a6153");
}

BOOST_AUTO_TEST_CASE(AMissingOrUnknownKeyIs401AndAWrongSignatureIs403) {
  Host h;
  auto r = h.Send("GET", "/orders", {{"retailerClientId", "c1"}, {"signature", Sig("orders")}});
  BOOST_TEST(r.status == 401);
  BOOST_TEST(At(r, "/error/code") == "UNAUTHENTICATED");
  r = h.Send("GET", "/orders", {{"key", "nobody"}, {"signature", Sig("orders", "nobody")}, {"retailerClientId", "c1"}});
  BOOST_TEST(r.status == 401);
  r = h.Send("GET", "/orders", {{"key", kKey}, {"retailerClientId", "c1"}});
  BOOST_TEST(r.status == 403);
  BOOST_TEST(At(r, "/error/code") == "SIGNATURE_INVALID");
  r = h.Send("GET", "/orders", {{"key", kKey}, {"signature", Sig("createorder")}, {"retailerClientId", "c1"}});
  BOOST_TEST(r.status == 403);
  r = h.Send("GET", "/orders", {{"key", kKey}, {"signature", Sig("orders")}, {"retailerClientId", "c1"}});
  BOOST_TEST(r.status == 200);
}

BOOST_AUTO_TEST_CASE(SignatureIsCheckedBeforeParameters) {
  Host h;
  const auto r = h.Send("POST", "/orders/create", {{"key", kKey}, {"signature", "0"}});
  BOOST_TEST(r.status == 403);
  BOOST_TEST(h.Signed("POST", "/orders/create", "createorder", {}).status == 422);
}

BOOST_AUTO_TEST_CASE(PrintsSignatureCoversClientOrderAndProduct) {
  Host h;
  h.Create("o1", "20003");
  BOOST_TEST(h.Prints("o1", "20003", "3").status == 200);
  const auto r = h.Signed("POST", "/orders/updateprintsremaining", "updateprintsremaining",
                          {{"retailerOrderId", "o1"}, {"retailerClientId", "c1"}, {"productId", "20003"},
                           {"printsRemaining", "3"}});
  BOOST_TEST(r.status == 403);
}

BOOST_AUTO_TEST_CASE(LicenseStringDecodesPercent20AndKeepsPlus) {
  Host h;
  BOOST_TEST(h.Create("o1", "13618", {{"licenseString", "A%20B+C%2B"}}).status == 201);
  BOOST_TEST(At(h.Items("o1"), "/orderitems/0/LicenseString") == "A B+C+");
  BOOST_TEST(h.Create("o2", "13618", {{"licenseString", "bad%2"}}).status == 422);
}

BOOST_AUTO_TEST_CASE(AnAbsentLicenseStringIsGenerated) {
  Host h;
  h.Create("o1", "13618");
  BOOST_TEST(At(h.Items("o1"), "/orderitems/0/LicenseString") ==
             "Supplied by Example Music Ltd for c1. Order number o1. Copies purchased: 1.");
}

BOOST_AUTO_TEST_CASE(ParametersAreValidatedInOrder) {
  Host h;
  auto r = h.Signed("POST", "/orders/create", "createorder",
                    {{"retailerOrderId", "o1"}, {"retailerClientId", "c1"}, {"productId", "x"}, {"quantity", "0"}});
  BOOST_TEST(r.status == 422);
  BOOST_TEST(At(r, "/error/message").find("productId") != std::string::npos);
  r = h.Create("o1", "13618", {});
  BOOST_TEST(r.status == 201);
  r = h.Signed("POST", "/orders/create", "createorder",
               {{"retailerOrderId", "o1"}, {"retailerClientId", "c1"}, {"productId", "1"}, {"quantity", "1"},
                {"countryCode", "gb"}});
  BOOST_TEST(r.status == 422);
}

BOOST_AUTO_TEST_CASE(AnUnknownProductIs404AndASecondItemOfAProductIs409) {
  Host h;
  BOOST_TEST(At(h.Create("o1", "99"), "/error/code") == "PRODUCT_NOT_FOUND");
  BOOST_TEST(h.Create("o1", "13618").status == 201);
  const auto r = h.Create("o1", "13618");
  BOOST_TEST(r.status == 409);
  BOOST_TEST(At(r, "/error/code") == "DUPLICATE_ORDER_ITEM");
  BOOST_TEST(h.Create("o1", "13621").status == 201);
}

BOOST_AUTO_TEST_CASE(AnItemSettlesAtItsProductsDueTime) {
  Host h;
  h.Create("o1", "13618");
  h.Create("o1", "20002");
  BOOST_TEST(At(h.Items("o1"), "/orderitems/0/OrderStatus") == "2");
  h.Advance(4.999);
  BOOST_TEST(At(h.Items("o1"), "/orderitems/0/OrderStatus") == "2");
  h.Advance(0.001);
  const auto items = h.Items("o1");
  BOOST_TEST(At(items, "/order id") == "o1");
  BOOST_TEST(At(items, "/orderitems/0/RetailerOrderId") == "null");
  BOOST_TEST(At(items, "/orderitems/0/OrderStatus") == "8");
  BOOST_TEST(At(items, "/orderitems/1/OrderStatus") == "32");
  BOOST_TEST(At(items, "/orderitems/0/ProductId") == "13618");
  BOOST_TEST(At(items, "/orderitems/0/CatalogueReference") == "smd_000001");
}

BOOST_AUTO_TEST_CASE(CancelOrderCancelsEveryItemAndIsIdempotent) {
  Host h;
  h.Create("o1", "13618");
  h.Create("o1", "13621");
  const auto sig = [&] {
    return h.Signed("POST", "/orders/cancel", "cancelorder", {{"retailerOrderId", "o1"}, {"retailerClientId", "c1"}});
  };
  const auto r = sig();
  BOOST_TEST(r.status == 200);
  BOOST_TEST(r.body == "OK: order cancelled");
  BOOST_TEST(At(h.Items("o1"), "/orderitems/0/OrderStatus") == "64");
  BOOST_TEST(At(h.Items("o1"), "/orderitems/1/OrderStatus") == "64");
  BOOST_TEST(sig().status == 200);
  h.Advance(10);
  BOOST_TEST(At(h.Items("o1"), "/orderitems/0/OrderStatus") == "64");
}

BOOST_AUTO_TEST_CASE(CancelItemCancelsThatItemOnly) {
  Host h;
  h.Create("o1", "13618");
  h.Create("o1", "13621");
  auto r = h.Signed("POST", "/orders/cancel/item", "cancelorderitem",
                    {{"retailerOrderId", "o1"}, {"retailerClientId", "c1"}, {"productId", "13621"}});
  BOOST_TEST(r.status == 200);
  BOOST_TEST(r.body == "OK: order item cancelled");
  h.Advance(5);
  BOOST_TEST(At(h.Items("o1"), "/orderitems/0/OrderStatus") == "8");
  BOOST_TEST(At(h.Items("o1"), "/orderitems/1/OrderStatus") == "64");
  r = h.Signed("POST", "/orders/cancel/item", "cancelorderitem",
               {{"retailerOrderId", "o1"}, {"retailerClientId", "c1"}, {"productId", "20001"}});
  BOOST_TEST(At(r, "/error/code") == "ORDER_ITEM_NOT_FOUND");
  r = h.Signed("POST", "/orders/cancel/item", "cancelorderitem",
               {{"retailerOrderId", "nope"}, {"retailerClientId", "c1"}, {"productId", "20001"}});
  BOOST_TEST(At(r, "/error/code") == "ORDER_NOT_FOUND");
}

BOOST_AUTO_TEST_CASE(UpdateHoldsForPaymentThenCompletesThroughTheLifecycle) {
  Host h;
  h.Create("o1", "20001");
  BOOST_TEST(h.Update("o1", "8").status == 409);  // processing has no update cause to completed
  auto r = h.Update("o1", "4");
  BOOST_TEST(r.status == 200);
  BOOST_TEST(r.body == "OK: order updated");
  BOOST_TEST(At(h.Items("o1"), "/orderitems/0/OrderStatus") == "4");
  BOOST_TEST(h.Update("o1", "4").status == 200);  // idempotent
  h.Advance(3600);
  BOOST_TEST(At(h.Items("o1"), "/orderitems/0/OrderStatus") == "4");  // nothing settles while pending
  BOOST_TEST(h.Update("o1", "8").status == 200);
  BOOST_TEST(At(h.Items("o1"), "/orderitems/0/OrderStatus") == "8");
  BOOST_TEST(At(h.Update("o1", "4"), "/error/code") == "ORDER_STATUS_CONFLICT");
  BOOST_TEST(At(h.Update("o1", "3"), "/error/code") == "REQUEST_VALIDATION_FAILED");
  BOOST_TEST(At(h.Update("o1", "pending"), "/error/code") == "REQUEST_VALIDATION_FAILED");
}

BOOST_AUTO_TEST_CASE(UpdateIsAllOrNothing) {
  Host h;
  h.Create("o1", "20001");
  h.Create("o1", "20003");
  h.Advance(1);  // 20003 completes at once, 20001 is still processing
  BOOST_TEST(h.Update("o1", "4").status == 409);
  BOOST_TEST(At(h.Items("o1"), "/orderitems/0/OrderStatus") == "2");
}

BOOST_AUTO_TEST_CASE(PrintsCanBeResetOnlyForACompletedItem) {
  Host h;
  h.Create("o1", "13618");
  auto r = h.Prints("o1", "13618", "5");
  BOOST_TEST(r.status == 409);
  BOOST_TEST(At(r, "/error/code") == "ORDER_STATUS_CONFLICT");
  h.Advance(5);
  r = h.Prints("o1", "13618", "5");
  BOOST_TEST(r.status == 200);
  BOOST_TEST(r.body == "OK: prints remaining was reset");
  BOOST_TEST(At(h.Items("o1"), "/orderitems/0/PrintsRemaining") == "5");
  BOOST_TEST(At(h.Prints("o1", "13621", "5"), "/error/code") == "ORDER_ITEM_NOT_FOUND");
  BOOST_TEST(At(h.Prints("o1", "13618", "1000"), "/error/code") == "REQUEST_VALIDATION_FAILED");
}

BOOST_AUTO_TEST_CASE(OrdersAreNewestFirstWithADerivedStatus) {
  Host h;
  h.Create("old", "20003");
  h.Advance(1);
  h.Create("new", "13618");
  h.Create("new", "20003");
  h.Advance(1);
  const auto r = h.Signed("GET", "/orders", "orders", {{"retailerClientId", "c1"}});
  BOOST_TEST(r.status == 200);
  BOOST_TEST(At(r, "/orders") == "[2]");
  BOOST_TEST(At(r, "/orders/0/RetailerOrderId") == "new");
  BOOST_TEST(At(r, "/orders/0/OrderStatus") == "2");  // its first live item
  BOOST_TEST(At(r, "/orders/0/DateCreated") == "2026-01-01T00:00:01");
  BOOST_TEST(At(r, "/orders/1/OrderStatus") == "8");
  const auto all = h.Signed("GET", "/orders/allproducts", "orders-allproducts", {{"retailerClientId", "c1"}});
  BOOST_TEST(At(all, "/orderedProducts") == "[3]");
  BOOST_TEST(At(all, "/orderedProducts/0/ProductId") == "20003");
  BOOST_TEST(At(all, "/orderedProducts/0/RetailerOrderId") == "new");
  BOOST_TEST(At(all, "/orderedProducts/2/RetailerOrderId") == "old");
}

BOOST_AUTO_TEST_CASE(AnotherClientsOrAnotherRetailersOrderIsNotFound) {
  Host h;
  h.Create("o1", "13618");
  BOOST_TEST(At(h.Items("o1", "c2"), "/error/code") == "ORDER_NOT_FOUND");
  const std::string key_b = "smd-test-key-b";
  const auto r = h.Send("GET", "/orders/orderitems",
                        {{"key", key_b}, {"signature", Sig("orders-orderitems", key_b)}, {"retailerClientId", "c1"},
                         {"retailerOrderId", "o1"}});
  BOOST_TEST(At(r, "/error/code") == "ORDER_NOT_FOUND");
  BOOST_TEST(At(h.Signed("GET", "/orders", "orders", {{"retailerClientId", "c2"}}), "/orders") == "[0]");
}

BOOST_AUTO_TEST_CASE(ATransitionRemovedFromTheLifecycleIsRefusedWithNoCodeChange) {
  std::string text(sheetmusicdirect_spec::kLifecycleYaml);
  const std::string removed = "  - from: completed\n    to: cancelled\n    cause: cancel\n";
  const size_t at = text.find(removed);
  BOOST_REQUIRE(at != std::string::npos);
  text.erase(at, text.find("  - from: failed", at) - at);
  Host h({}, text);
  h.Create("o1", "20003");
  h.Advance(1);
  const auto r = h.Signed("POST", "/orders/cancel", "cancelorder", {{"retailerOrderId", "o1"}, {"retailerClientId", "c1"}});
  BOOST_TEST(r.status == 409);
  BOOST_TEST(At(r, "/error/code") == "ORDER_STATUS_CONFLICT");
  BOOST_TEST(At(h.Items("o1"), "/orderitems/0/OrderStatus") == "8");
}

BOOST_AUTO_TEST_CASE(AFulfillmentFaultRuleDecidesTheOutcome) {
  Host h;
  http::HttpRequest r;
  r.method = "POST";
  r.path = "/_control/faults";
  r.body = R"({"match":{"path":"/orders/create"},"effect":{"outcome":"fulfillment_failed","outcome_after_seconds":2},"times":1})";
  BOOST_REQUIRE(h.host.Handle(r).status == 201);
  h.Create("o1", "13618");
  h.Create("o1", "13621");
  h.Advance(2);
  BOOST_TEST(At(h.Items("o1"), "/orderitems/0/OrderStatus") == "32");
  BOOST_TEST(At(h.Items("o1"), "/orderitems/1/OrderStatus") == "2");
}

BOOST_AUTO_TEST_CASE(EachDefectBreaksItsRule) {
  {
    Host h({"plus-as-space"});
    h.Create("o1", "13618", {{"licenseString", "A+B"}});
    BOOST_TEST(At(h.Items("o1"), "/orderitems/0/LicenseString") == "A B");
  }
  {
    Host h({"signature-any-endpoint"});
    BOOST_TEST(h.Send("GET", "/orders", {{"key", kKey}, {"signature", Sig("createorder")}, {"retailerClientId", "c1"}})
                   .status == 200);
  }
  {
    Host h({"cancel-order-first-item-only"});
    h.Create("o1", "13618");
    h.Create("o1", "13621");
    h.Signed("POST", "/orders/cancel", "cancelorder", {{"retailerOrderId", "o1"}, {"retailerClientId", "c1"}});
    BOOST_TEST(At(h.Items("o1"), "/orderitems/1/OrderStatus") == "2");
  }
  {
    Host h({"update-ignores-refusal"});
    h.Create("o1", "13618");
    BOOST_TEST(h.Update("o1", "8").status == 200);
  }
  {
    Host h({"duplicate-item-accepted", "other-client-sees-order"});
    h.Create("o1", "13618");
    BOOST_TEST(h.Create("o1", "13618").status == 201);
    BOOST_TEST(h.Items("o1", "c2").status == 200);
  }
  BOOST_CHECK_THROW(DefectsFrom({"no-such-defect"}), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(ABadFixtureNamesItsFileLineAndColumn) {
  const Lifecycle lifecycle = Lifecycle::Parse(sheetmusicdirect_spec::kLifecycleYaml, "lifecycle.yaml");
  const std::string retailers = "retailers:\n  - {id: a, name: A, key: k}\n";
  try {
    ParseFixtures(retailers, "retailers.yaml",
                  "products:\n  - id: 1\n    catalogue_reference: r\n    title: t\n    outcome: payment_received\n    delay_seconds: 5\n",
                  "catalog.yaml", lifecycle);
    BOOST_FAIL("no SpecError");
  } catch (const SpecError& e) {
    BOOST_TEST(std::string(e.what()).rfind("catalog.yaml:5:14: error: outcome 'payment_received'", 0) == 0, e.what());
  }
  BOOST_CHECK_THROW(ParseFixtures("retailers:\n  - {id: a, name: A, key: k}\n  - {id: b, name: B, key: k}\n",
                                  "retailers.yaml", "products: []\n", "catalog.yaml", lifecycle),
                    SpecError);
}

BOOST_AUTO_TEST_CASE(AQueryThatIsNotTextIsRefusedAndNothingIsStored) {
  Host h;
  // A broken escape, an escaped NUL, invalid UTF-8, an escaped surrogate:
  // each 422 naming the parameter, and no order is created.
  for (const std::string bad : {"bad%2", "o%00", "%FF", "%ED%A0%80", "%C0%AF"}) {
    const auto r = h.Create(bad, "13618");
    BOOST_TEST(r.status == 422, bad);
    BOOST_TEST(At(r, "/error/code") == "REQUEST_VALIDATION_FAILED", bad);
    BOOST_TEST(At(r, "/error/message").find("retailerOrderId") != std::string::npos, bad << ": " << r.body);
  }
  const auto all = h.Signed("GET", "/orders/allproducts", "orders-allproducts", {{"retailerClientId", "c1"}});
  BOOST_TEST(all.status == 200);
  BOOST_TEST(At(all, "/orderedProducts") == "[0]", all.body);
}

BOOST_AUTO_TEST_CASE(RepeatedQueryParameterIsRefusedNamingIt) {
  Host h;
  // A repeated id: which order is meant is ambiguous.
  auto r = h.Create("o1", "13618", {{"retailerOrderId", "o2"}});
  BOOST_TEST(r.status == 422);
  BOOST_TEST(At(r, "/error/message").find("'retailerOrderId' is given twice") != std::string::npos, r.body);
  // The signed parameters too: a second signature or key, even an equal one.
  r = h.Signed("GET", "/orders/allproducts", "orders-allproducts",
               {{"retailerClientId", "c1"}, {"signature", "junk"}});
  BOOST_TEST(r.status == 422);
  BOOST_TEST(At(r, "/error/message").find("'signature'") != std::string::npos, r.body);
  r = h.Signed("GET", "/orders/allproducts", "orders-allproducts", {{"retailerClientId", "c1"}, {"key", kKey}});
  BOOST_TEST(r.status == 422);
  BOOST_TEST(At(r, "/error/message").find("'key'") != std::string::npos, r.body);
  BOOST_TEST(h.Signed("GET", "/orders/allproducts", "orders-allproducts", {{"retailerClientId", "c1"}}).status == 200);
}

BOOST_AUTO_TEST_CASE(SheetMusicDirectRepliesAreStrictUtf8ForHostileInput) {
  Host h;
  BOOST_TEST(h.Create("o1", "13618", {{"licenseString", "caf%C3%A9"}}).status == 201);
  const std::vector<http::HttpReply> replies = {
      h.Create("%FF", "13618"),
      h.Create("o%ED%A0%80", "13618"),
      h.Create("o\xff", "13618"),
      h.Create("o2", "13618", {{"licenseString", "%C0%AF"}}),
      h.Create("o3", "13618", {{"%FF", "1"}}),
      h.Create("o4", "13618", {{"x\xed\xa0\x80", "1"}, {"x\xed\xa0\x80", "2"}}),
      h.Items("\xff"),
      h.Send("GET", "/orders/\xff", {}),
      h.Send("GET", "/orders", {{"key", "\xff"}}),
      h.Send("GET", "/orders", {{"key", kKey}, {"signature", "\xed\xa0\x80"}}),
      h.host.Handle([] {
        http::HttpRequest r;
        r.method = "POST";
        r.path = "/_control/faults";
        r.body = R"({"match":{"path":"/orders\udc00"},"effect":{"status":500}})";
        return r;
      }()),
  };
  for (const http::HttpReply& r : replies) {
    BOOST_TEST(r.status >= 400, r.body);
    BOOST_TEST(testing::StrictUtf8Problem(r.body) == "", r.body);
  }
  const auto items = h.Items("o1");
  BOOST_TEST(items.status == 200);
  BOOST_TEST(testing::StrictUtf8Problem(items.body) == "", items.body);
}

BOOST_AUTO_TEST_SUITE_END()
