// Tests of `--variant other` through HttpApi (no sockets): each open choice
// it makes differently (ids, tokens, fault ids, the realm, extra members,
// unknown members ignored, messages, the version), that it keeps every rule
// (statuses, codes, fields, headers and required members are the
// reference's, request for request), that the reference variant is unchanged,
// and that a defect still breaks its rule under the variant.
#define BOOST_TEST_MODULE variant_replies_test
#include "hl_connector/variant_replies.h"
#include "testing/http_testing.h"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <functional>
#include <regex>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace purchase::http {
namespace {

using testing::Failure;
using testing::Fixtures;
using testing::Json;
using testing::kStart;
using testing::kVendorA;
using testing::kVendorB;
using testing::RegisterBody;
using testing::Str;
using testing::ValidateBody;
using Api = testing::TestApi;

const std::string kAlpha = "Bearer partner-token-alpha";
const std::string kBeta = "Bearer partner-token-beta";
const std::string kUs = "198.18.4.20";
const std::string kValidatePath = "/purchase/validate-purchase-before-payment";

const Catalog& VariantFixtures() {
  static const Catalog catalog = Catalog::Load(std::string(PURCHASE_TEST_FIXTURES) + "/variant");
  return catalog;
}

const DrillBook& VariantDrills() {
  static const DrillBook drills = DrillBook::Load(std::string(PURCHASE_TEST_FIXTURES) + "/variant/drills.yaml");
  return drills;
}

ApiOptions OtherApi(ApiOptions o = {}) {
  o.variant = Variant::kOther;
  return o;
}

ServiceOptions OtherService(Defects defects = {}) {
  ServiceOptions o;
  o.variant = Variant::kOther;
  o.defects = defects;
  return o;
}

ApiOptions WithVariantDrills(ApiOptions o) {
  if (!o.drills) o.drills = &VariantDrills();
  return o;
}

// The variant server as CI starts it: --variant other --fixtures fixtures/variant.
struct VariantApi : Api {
  explicit VariantApi(Defects defects = {}, ApiOptions options = {})
      : Api(OtherApi(WithVariantDrills(std::move(options))), OtherService(defects), VariantFixtures()) {}

  std::string Token(const std::string& asset_id, int quantity = 1, const std::string& auth = kAlpha) {
    const HttpReply r = Post(kValidatePath, ValidateBody(asset_id, quantity, kUs), auth);
    BOOST_REQUIRE_MESSAGE(r.status == 200, "validate: " << r.status << " " << r.body);
    return Str(r, "token");
  }
  HttpReply RegisterNew(const std::string& asset_id, const std::string& vendor_order_id,
                        const std::string& auth = kAlpha) {
    return Post("/purchase/register", RegisterBody(Token(asset_id, 1, auth), asset_id, vendor_order_id), auth);
  }
  std::string Order(const std::string& asset_id, const std::string& vendor_order_id, const std::string& auth = kAlpha) {
    const HttpReply r = RegisterNew(asset_id, vendor_order_id, auth);
    BOOST_REQUIRE_MESSAGE(r.status == 201, "register: " << r.status << " " << r.body);
    return Str(r, "order_id");
  }
};

Defects With(std::initializer_list<Defect> list) {
  Defects d;
  for (Defect x : list) d.Enable(x);
  return d;
}

std::string HeaderOf(const HttpReply& reply, const std::string& name) {
  for (const auto& [k, v] : reply.headers)
    if (k == name) return v;
  return "<none>";
}

// A reply body without what the other variant adds or rewords ("server",
// "links", "request_id", "x_variant", error.docs, error.message), written back
// compactly: equal for both variants when nothing else differs.
std::string WithoutVariantChoices(const std::string& body) {
  rapidjson::Document d;
  d.Parse<rapidjson::kParseFullPrecisionFlag>(body.c_str(), body.size());
  if (d.HasParseError()) return body;
  std::function<void(rapidjson::Value&)> strip = [&](rapidjson::Value& v) {
    if (v.IsObject()) {
      for (const char* name : {"server", "links", "request_id", "x_variant", "docs", "message"}) v.RemoveMember(name);
      for (auto& m : v.GetObject()) strip(m.value);
    } else if (v.IsArray()) {
      for (auto& e : v.GetArray()) strip(e);
    }
  };
  strip(d);
  rapidjson::StringBuffer out;
  rapidjson::Writer<rapidjson::StringBuffer> w(out);
  d.Accept(w);
  return out.GetString();
}

// ---------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(VariantRepliesTest)

BOOST_AUTO_TEST_CASE(TheReferenceVariantAnswersExactlyAsBefore) {
  Api api;  // ApiOptions' and ServiceOptions' defaults: Variant::kReference
  const HttpReply validate = api.Validate("asset-basic");
  BOOST_TEST(validate.body == R"({"token":"tok_fbe7a763b053d14c7740eb31ebd3039a","exp_date":"2026-01-01T00:15:00Z"})");
  const HttpReply unknown = api.Get("/purchase/info?order_id=ord_000001");
  BOOST_TEST(unknown.body == R"({"error":{"code":"ORDER_NOT_FOUND","message":"no order 'ord_000001'"}})");
  const HttpReply unauthenticated = api.Get("/purchase/info?order_id=x", std::nullopt);
  BOOST_TEST(HeaderOf(unauthenticated, "WWW-Authenticate") == "Bearer");
  BOOST_TEST(Failure(api.Post(kValidatePath, R"({"asset_id":"asset-basic","quantity":1,"customer_ip":"203.0.113.7","x":1})")) ==
             "422 REQUEST_VALIDATION_FAILED");
  BOOST_TEST(Failure(api.Get("/purchase/info?order_id=x&format=pdf")) == "422 REQUEST_VALIDATION_FAILED");
  BOOST_TEST(api.Get("/_control", std::nullopt).body ==
             R"({"capabilities":["reset","clock","faults","history","audit","drills"],"clock":"manual","version":"0.1.0","defects":[]})");
  BOOST_TEST(api.Order("asset-basic", "vo-1") == "ord_dce423fc82c0d5b8");
  const HttpReply fault = api.AddFault(R"({"effect":{"status":503}})");
  BOOST_TEST(fault.body == R"({"id":"fault-1","match":{},"effect":{"status":503},"remaining":null})");
  BOOST_TEST(HeaderOf(fault, "Location") == "/_control/faults/fault-1");
}

BOOST_AUTO_TEST_CASE(OtherOrderIdsAreSequentialFromOneAndRestartAfterReset) {
  VariantApi api;
  const HttpReply first = api.RegisterNew("sku-1008-instant", "vo-1");
  BOOST_TEST(first.status == 201);
  BOOST_TEST(Str(first, "order_id") == "ord_000001");
  BOOST_TEST(HeaderOf(first, "Location") == "/purchase/info?order_id=ord_000001");
  BOOST_TEST(api.Order("sku-1001-basic", "vo-2", kBeta) == "ord_000002");
  const HttpReply info = api.Get("/purchase/info?order_id=ord_000001", kAlpha);
  BOOST_TEST(info.status == 200);
  BOOST_TEST(Str(info, "items/0/item_id") == "ord_000001-1");  // <order_id>-1 stays: it is contract
  BOOST_TEST(api.Post("/_control/reset", "", std::nullopt).status == 200);
  BOOST_TEST(api.Order("sku-1001-basic", "vo-1") == "ord_000001");
}

BOOST_AUTO_TEST_CASE(OtherOrderIdsOfAnotherVendorOrShapeAre404LikeAnUnknownOne) {
  VariantApi api;
  const std::string order = api.Order("sku-1001-basic", "vo-1");
  const std::string unknown = WithoutVariantChoices(api.Get("/purchase/info?order_id=ord_000009", kBeta).body);
  for (const std::string target : {"/purchase/info?order_id=", "/purchase/download-url?order_id=",
                                    "/purchase/view-url?order_id="}) {
    const HttpReply theirs = api.Get(target + order, kBeta);
    BOOST_TEST(Failure(theirs) == "404 ORDER_NOT_FOUND", target);
    BOOST_TEST(WithoutVariantChoices(theirs.body) == unknown, target);
  }
  BOOST_TEST(Failure(api.Call("DELETE", "/purchase/cancel?order_id=" + order, "", kBeta)) == "404 ORDER_NOT_FOUND");
  for (const std::string id : {"ord_1", "ord_0000001", "x", "ord_dce423fc82c0d5b8", "ord_000001-1"})
    BOOST_TEST(Failure(api.Get("/purchase/info?order_id=" + id, kAlpha)) == "404 ORDER_NOT_FOUND", id);
  BOOST_TEST(api.Get("/purchase/info?order_id=" + order, kAlpha).status == 202);
}

BOOST_AUTO_TEST_CASE(OtherTokensArePtAndFortyHexAndOnlyIssuedOnesRegister) {
  VariantApi api;
  const HttpReply r = api.Post(kValidatePath, ValidateBody("sku-1001-basic", 1, kUs), kAlpha);
  BOOST_TEST(r.status == 200);
  const std::string token = Str(r, "token");
  BOOST_TEST(std::regex_match(token, std::regex("pt-[0-9a-f]{40}")), token);
  BOOST_TEST(Str(r, "exp_date") == "2026-01-01T00:15:00Z");  // the same clock and TTL
  // Deterministic per seed: a twin server hands out the same token.
  VariantApi twin;
  BOOST_TEST(twin.Token("sku-1001-basic") == token);
  std::string altered = token;
  altered.back() = altered.back() == '0' ? '1' : '0';
  for (const std::string& t : {altered, std::string("tok_fbe7a763b053d14c7740eb31ebd3039a"), std::string("pt-"), token + "0"})
    BOOST_TEST(Failure(api.Post("/purchase/register", RegisterBody(t, "sku-1001-basic", "vo-1"), kAlpha)) ==
                   "422 TOKEN_INVALID", t);
  BOOST_TEST(Failure(api.Post("/purchase/register", RegisterBody(token, "sku-1001-basic", "vo-1"), kBeta)) ==
             "422 TOKEN_INVALID");
  BOOST_TEST(api.Post("/purchase/register", RegisterBody(token, "sku-1001-basic", "vo-1"), kAlpha).status == 201);
}

BOOST_AUTO_TEST_CASE(OtherFaultRuleIdsAreFaultUnderscoreNInBodyAndLocation) {
  VariantApi api;
  const HttpReply first = api.AddFault(R"({"match":{"path":"/nowhere"},"effect":{"status":503}})");
  BOOST_TEST(Str(first, "id") == "fault_1");
  BOOST_TEST(HeaderOf(first, "Location") == "/_control/faults/fault_1");
  BOOST_TEST(Str(api.AddFault(R"({"match":{"path":"/nowhere"},"effect":{"status":500}})"), "id") == "fault_2");
  BOOST_TEST(Str(api.Get("/_control/faults", std::nullopt), "faults/1/id") == "fault_2");
  BOOST_TEST(api.Call("DELETE", "/_control/faults/fault_1", "", std::nullopt).status == 200);
  BOOST_TEST(Failure(api.Call("DELETE", "/_control/faults/fault-2", "", std::nullopt)) == "404 FAULT_NOT_FOUND");
  api.Post("/_control/reset", "", std::nullopt);
  BOOST_TEST(Str(api.AddFault(R"({"effect":{"status":503}})"), "id") == "fault_1");
}

BOOST_AUTO_TEST_CASE(OtherUnauthenticatedRepliesNameARealm) {
  VariantApi api({}, [] {
    ApiOptions o;
    o.control_token = "ctl";
    return o;
  }());
  for (const std::optional<std::string>& auth : {std::optional<std::string>(), std::optional<std::string>("Bearer nope"),
                                                 std::optional<std::string>(kVendorA)}) {
    const HttpReply r = api.Get("/purchase/info?order_id=ord_000001", auth);
    BOOST_TEST(Failure(r) == "401 UNAUTHENTICATED");
    BOOST_TEST(HeaderOf(r, "WWW-Authenticate") == R"(Bearer realm="purchase-api")");
  }
  const HttpReply control = api.Get("/_control", std::nullopt);
  BOOST_TEST(Failure(control) == "401 UNAUTHENTICATED");
  BOOST_TEST(HeaderOf(control, "WWW-Authenticate") == R"(Bearer realm="purchase-api")");
}

BOOST_AUTO_TEST_CASE(EveryOtherOrderReplyLinksToItself) {
  VariantApi api;
  const HttpReply registered = api.RegisterNew("sku-1003-fails", "vo-1");
  const std::string self = "/purchase/info?order_id=ord_000001";
  BOOST_TEST(Str(registered, "links/self") == self);
  BOOST_TEST(Str(api.Get(self, kAlpha), "links/self") == self);  // 202
  api.Advance(5);
  const HttpReply failed = api.Get(self, kAlpha);
  BOOST_TEST(failed.status == 502);
  BOOST_TEST(Str(failed, "links/self") == self);
  const HttpReply canceled = api.Call("DELETE", "/purchase/cancel?order_id=ord_000001", "", kAlpha);
  BOOST_TEST(Str(canceled, "links/self") == self);
  BOOST_TEST(Str(canceled, "server") == "variant-other");
}

BOOST_AUTO_TEST_CASE(EveryOtherSuccessReplyCarriesAServerMember) {
  VariantApi api;
  std::vector<std::pair<std::string, HttpReply>> replies;
  auto keep = [&](const std::string& what, HttpReply r) {
    BOOST_TEST_MESSAGE(what << ": " << r.status);
    BOOST_TEST(r.status < 300, what << ": " << r.status << " " << r.body);
    replies.emplace_back(what, std::move(r));
  };
  keep("validate", api.Post(kValidatePath, ValidateBody("sku-1001-basic", 1, kUs), kAlpha));
  keep("register", api.RegisterNew("sku-1008-instant", "vo-1"));
  keep("info", api.Get("/purchase/info?order_id=ord_000001", kAlpha));
  keep("download-url", api.Get("/purchase/download-url?order_id=ord_000001", kAlpha));
  keep("view-url", api.Get("/purchase/view-url?order_id=ord_000001", kAlpha));
  keep("control", api.Get("/_control", std::nullopt));
  keep("clock", api.Get("/_control/clock", std::nullopt));
  keep("advance", api.Post("/_control/clock/advance", R"({"seconds":1})", std::nullopt));
  keep("set", api.Post("/_control/clock/set", R"({"now":"2026-01-01T00:00:02Z"})", std::nullopt));
  keep("faults add", api.Post("/_control/faults", R"({"match":{"path":"/nowhere"},"effect":{"status":503}})", std::nullopt));
  keep("faults list", api.Get("/_control/faults", std::nullopt));
  keep("fault delete", api.Call("DELETE", "/_control/faults/fault_1", "", std::nullopt));
  keep("faults clear", api.Call("DELETE", "/_control/faults", "", std::nullopt));
  keep("history", api.Get("/_control/orders/ord_000001/history", std::nullopt));
  keep("audit", api.Get("/_control/audit", std::nullopt));
  keep("audit clear", api.Call("DELETE", "/_control/audit", "", std::nullopt));
  keep("drills", api.Get("/_control/drills", std::nullopt));
  keep("cancel", api.Call("DELETE", "/purchase/cancel?order_id=ord_000001", "", kAlpha));
  keep("drill start", api.Post("/_control/drills/rate-limited", "", std::nullopt));
  keep("reset", api.Post("/_control/reset", "", std::nullopt));
  for (const auto& [what, r] : replies) BOOST_TEST(Str(r, "server") == "variant-other", what << ": " << r.body);
}

BOOST_AUTO_TEST_CASE(EveryObjectInAnOtherReplysListIsMarked) {
  VariantApi api;
  api.RegisterNew("sku-1008-instant", "vo-1");
  api.AddFault(R"({"match":{"path":"/nowhere"},"effect":{"status":503}})");
  BOOST_TEST(Str(api.Get("/purchase/info?order_id=ord_000001", kAlpha), "items/0/x_variant") == "other");
  BOOST_TEST(Str(api.Get("/_control/faults", std::nullopt), "faults/0/x_variant") == "other");
  const std::string history = api.History("ord_000001");
  BOOST_TEST(testing::JsonText(history, "history/0/x_variant") == "other");
  BOOST_TEST(testing::JsonText(history, "history/1/x_variant") == "other");
  const HttpReply drills = api.Get("/_control/drills", std::nullopt);
  BOOST_TEST(Str(drills, "drills/0/x_variant") == "other");
  BOOST_TEST(Str(drills, "drills/0/rules/0/x_variant") == "other");
  BOOST_TEST(Str(api.Get("/_control/audit", std::nullopt), "obligations/0/x_variant") == "other");
  // Objects that are not in a list, and members that are not objects, are left as they were.
  BOOST_TEST(Str(api.Get("/_control/faults", std::nullopt), "faults/0/match/x_variant") == "<absent>");
}

BOOST_AUTO_TEST_CASE(EveryOtherErrorBodyCarriesARequestIdAndDocs) {
  VariantApi api;
  const HttpReply unknown = api.Get("/purchase/info?order_id=ord_000001", kAlpha);  // request 1
  BOOST_TEST(Failure(unknown) == "404 ORDER_NOT_FOUND");
  BOOST_TEST(Str(unknown, "request_id") == "req-1");
  BOOST_TEST(Str(unknown, "error/docs") == "https://example.invalid/errors/ORDER_NOT_FOUND");
  api.Get("/_control", std::nullopt);                                      // request 2
  const HttpReply unauthenticated = api.Get("/purchase/info?order_id=x", std::nullopt);  // request 3
  BOOST_TEST(Str(unauthenticated, "request_id") == "req-3");
  BOOST_TEST(Str(unauthenticated, "error/docs") == "https://example.invalid/errors/UNAUTHENTICATED");
  const HttpReply invalid = api.Post(kValidatePath, R"({"asset_id":"sku-1001-basic","quantity":"1","customer_ip":"198.18.4.20"})", kAlpha);
  BOOST_TEST(Failure(invalid) == "422 REQUEST_VALIDATION_FAILED");
  BOOST_TEST(Str(invalid, "error/field") == "quantity");
  BOOST_TEST(Str(invalid, "request_id") == "req-4");
  BOOST_TEST(Str(api.Get("/nowhere", kAlpha), "error/docs") == "https://example.invalid/errors/NOT_FOUND");
  // Deterministic, and restarted by a reset.
  api.Post("/_control/reset", "", std::nullopt);
  BOOST_TEST(Str(api.Get("/purchase/info?order_id=ord_000001", kAlpha), "request_id") == "req-1");
}

BOOST_AUTO_TEST_CASE(AnOtherFailedOrderKeepsItsFixturesFailureReason) {
  VariantApi api;
  api.Order("sku-1003-fails", "vo-1");
  api.Advance(5);
  const HttpReply failed = api.Get("/purchase/info?order_id=ord_000001", kAlpha);
  BOOST_TEST(failed.status == 502);
  BOOST_TEST(Str(failed, "status") == "FAILED");
  BOOST_TEST(Str(failed, "failure_reason") == "Publisher withdrew the print license");
  BOOST_TEST(Str(failed, "error/code") == "FULFILLMENT_FAILED");
  BOOST_TEST(Str(failed, "error/message") == "Publisher withdrew the print license");
  BOOST_TEST(Str(failed, "error/docs") == "https://example.invalid/errors/FULFILLMENT_FAILED");
  BOOST_TEST(Str(failed, "request_id") != "<absent>");
}

BOOST_AUTO_TEST_CASE(OtherVariantIgnoresUnknownMembersAndQueryParameters) {
  VariantApi api;
  const HttpReply validate = api.Post(
      kValidatePath, R"({"asset_id":"sku-1001-basic","quantiy":7,"quantity":1,"customer_ip":"198.18.4.20","x":{"y":[1]},"z":2})",
      kAlpha);
  BOOST_TEST(validate.status == 200, validate.body);
  // Ignored, but still one JSON text: a repeated member (unknown or not) has no one value.
  BOOST_TEST(api.Post(kValidatePath,
                      R"({"asset_id":"sku-1001-basic","quantity":1,"customer_ip":"198.18.4.20","x":1,"x":2})", kAlpha)
                 .status == 422);
  const std::string token = Str(validate, "token");
  const HttpReply registered = api.Post(
      "/purchase/register",
      R"({"token":")" + token + R"(","asset_id":"sku-1001-basic","quantity":1,"vendor_order_id":"vo-1","note":"hi"})", kAlpha);
  BOOST_TEST(registered.status == 201, registered.body);
  BOOST_TEST(api.Get("/purchase/info?order_id=ord_000001&format=pdf&x", kAlpha).status == 202);
  BOOST_TEST(api.Call("DELETE", "/purchase/cancel?order_id=ord_000001&reason=x", "", kAlpha).status == 200);
  const HttpReply fault = api.Post(
      "/_control/faults",
      R"({"match":{"path":"/purchase/info","colour":"red"},"effect":{"status":503,"sparkle":true},"times":1,"why":"x"})",
      std::nullopt);
  BOOST_TEST(fault.status == 201, fault.body);
  BOOST_TEST(Str(fault, "match/colour") == "<absent>");
  BOOST_TEST(Str(fault, "effect/sparkle") == "<absent>");
  BOOST_TEST(Str(api.Post("/_control/clock/advance", R"({"seconds":1,"why":"x"})", std::nullopt), "now") ==
             "2026-01-01T00:00:01Z");
  BOOST_TEST(api.Post("/_control/clock/set", R"({"now":"2026-01-01T00:00:02Z","zone":"UTC"})", std::nullopt).status == 200);
  // A rule whose only effect is unknown has no effect, as if the member were absent.
  const HttpReply no_effect = api.Post("/_control/faults", R"({"effect":{"sparkle":true}})", std::nullopt);
  BOOST_TEST(Failure(no_effect) == "422 REQUEST_VALIDATION_FAILED");
  BOOST_TEST(Str(no_effect, "error/field") == "effect");
}

BOOST_AUTO_TEST_CASE(OtherVariantStillValidatesEverythingButUnknownMembers) {
  VariantApi api;
  auto field = [](const HttpReply& r) { return Failure(r) + " " + Str(r, "error/field"); };
  BOOST_TEST(field(api.Post(kValidatePath, R"({"asset_id":"sku-1001-basic","quantity":1,"quantity":2,"customer_ip":"198.18.4.20"})", kAlpha)) ==
             "422 REQUEST_VALIDATION_FAILED quantity");
  BOOST_TEST(field(api.Post(kValidatePath, R"({"asset_id":"sku-1001-basic","quantity":5.0,"customer_ip":"198.18.4.20"})", kAlpha)) ==
             "422 REQUEST_VALIDATION_FAILED quantity");
  BOOST_TEST(field(api.Post(kValidatePath, R"({"asset_id":"sku-1001-basic","customer_ip":"198.18.4.20","x":1})", kAlpha)) ==
             "422 REQUEST_VALIDATION_FAILED quantity");
  BOOST_TEST(field(api.Post(kValidatePath, "[1]", kAlpha)) == "422 REQUEST_VALIDATION_FAILED ");
  BOOST_TEST(Failure(api.Post(kValidatePath, R"({"asset_id":)", kAlpha)) == "400 MALFORMED_JSON");
  BOOST_TEST(field(api.Get("/purchase/info?order_id=a&order_id=b", kAlpha)) == "422 REQUEST_VALIDATION_FAILED order_id");
  BOOST_TEST(field(api.Get("/purchase/info?format=pdf", kAlpha)) == "422 REQUEST_VALIDATION_FAILED order_id");
  BOOST_TEST(field(api.Post("/_control/faults", R"({"effect":{"status":99,"x":1}})", std::nullopt)) ==
             "422 REQUEST_VALIDATION_FAILED effect.status");
  BOOST_TEST(field(api.Post("/_control/faults", R"({"match":{"path":"/_control/reset"},"effect":{"status":500}})", std::nullopt)) ==
             "422 REQUEST_VALIDATION_FAILED match.path");
  // A signed URL is used exactly as handed out: an extra parameter is still 403.
  const std::string order = api.Order("sku-1008-instant", "vo-1");
  const std::string url = Str(api.Get("/purchase/download-url?order_id=" + order, kAlpha), "url").substr(21);
  BOOST_TEST(api.Get(url, std::nullopt).status == 200);
  BOOST_TEST(Failure(api.Get(url + "&x=1", std::nullopt)) == "403 URL_SIGNATURE_INVALID");
}

// The same requests on two servers that differ only in ApiOptions::variant
// (the default fixtures and ids on both: the HTTP half of the variant works
// with either fixture set and either id scheme).
BOOST_AUTO_TEST_CASE(OtherRepliesDifferFromTheReferencesOnlyInTheOpenChoices) {
  Api reference, other(OtherApi());
  std::vector<std::tuple<std::string, std::string, std::string, std::optional<std::string>>> requests = {
      {"POST", kValidatePath, ValidateBody("asset-basic"), kVendorA},
      {"POST", kValidatePath, ValidateBody("asset-nope"), kVendorA},
      {"POST", kValidatePath, ValidateBody("asset-unavailable"), kVendorA},
      {"POST", kValidatePath, ValidateBody("asset-us-only", 1, "198.51.100.7"), kVendorA},
      {"POST", kValidatePath, ValidateBody("asset-min-qty-5", 2), kVendorA},
      {"POST", kValidatePath, R"({"asset_id":"asset-basic","quantity":"1","customer_ip":"203.0.113.7"})", kVendorA},
      {"POST", kValidatePath, "{", kVendorA},
      {"POST", kValidatePath, std::string(70000, ' '), kVendorA},
      {"POST", "/purchase/register", RegisterBody("tok_fbe7a763b053d14c7740eb31ebd3039a", "asset-basic", "vo-1"), kVendorA},
      {"POST", "/purchase/register", RegisterBody("tok_00", "asset-basic", "vo-1"), kVendorA},
      {"POST", "/purchase/register", RegisterBody("tok_fbe7a763b053d14c7740eb31ebd3039a", "asset-basic", "vo-2"), kVendorA},
      {"POST", "/purchase/register", RegisterBody("tok_fbe7a763b053d14c7740eb31ebd3039a", "asset-basic", "vo-1"), kVendorA},
      {"GET", "/purchase/info?order_id=ord_dce423fc82c0d5b8", "", kVendorA},
      {"GET", "/purchase/info?order_id=ord_dce423fc82c0d5b8", "", kVendorB},
      {"GET", "/purchase/download-url?order_id=ord_dce423fc82c0d5b8", "", kVendorA},
      {"GET", "/purchase/info?order_id=nope", "", kVendorA},
      {"GET", "/purchase/info", "", kVendorA},
      {"GET", "/purchase/info?order_id=x", "", std::nullopt},
      {"GET", "/purchase/info?order_id=x", "", std::string("Basic abc")},
      {"PUT", "/purchase/info", "", kVendorA},
      {"GET", "/nowhere", "", kVendorA},
      {"POST", "/_control/clock/advance", R"({"seconds":5})", std::nullopt},
      {"GET", "/purchase/info?order_id=ord_dce423fc82c0d5b8", "", kVendorA},
      {"GET", "/purchase/view-url?order_id=ord_dce423fc82c0d5b8", "", kVendorA},
      {"DELETE", "/purchase/cancel?order_id=ord_dce423fc82c0d5b8&item_id=x", "", kVendorA},
      {"DELETE", "/purchase/cancel?order_id=ord_dce423fc82c0d5b8", "", kVendorA},
      {"GET", "/purchase/download-url?order_id=ord_dce423fc82c0d5b8", "", kVendorA},
      {"POST", "/_control/clock/set", R"({"now":"2025-01-01T00:00:00Z"})", std::nullopt},
      {"POST", "/_control/faults", R"({"effect":{"status":429,"retry_after":2},"times":1})", std::nullopt},
      {"GET", "/purchase/info?order_id=ord_dce423fc82c0d5b8", "", kVendorA},
      {"DELETE", "/_control/faults/fault-9", "", std::nullopt},
      {"GET", "/_control/orders/ord_dce423fc82c0d5b8/history", "", std::nullopt},
      {"GET", "/_control/orders/nope/history", "", std::nullopt},
      {"POST", "/_control/drills/no-such-drill", "", std::nullopt},
      {"POST", "/_control/reset", "", std::nullopt},
  };
  std::set<std::string> messages;
  for (const auto& [method, target, body, auth] : requests) {
    const std::string what = method + " " + target;
    const HttpReply a = reference.Call(method, target, body, auth);
    const HttpReply b = other.Call(method, target, body, auth);
    BOOST_TEST(a.status == b.status, what);
    BOOST_TEST(a.content_type == b.content_type, what);
    BOOST_TEST(a.error_code == b.error_code, what);
    BOOST_TEST(WithoutVariantChoices(a.body) == WithoutVariantChoices(b.body), what << "\n  " << a.body << "\n  " << b.body);
    BOOST_TEST(a.headers.size() == b.headers.size(), what);
    for (size_t i = 0; i < std::min(a.headers.size(), b.headers.size()); ++i) {
      BOOST_TEST(a.headers[i].first == b.headers[i].first, what);
      if (a.headers[i].first != "WWW-Authenticate") BOOST_TEST(a.headers[i].second == b.headers[i].second, what);
    }
    if (a.status >= 400) {
      const std::string ma = Str(a, "error/message"), mb = Str(b, "error/message");
      BOOST_TEST(!mb.empty(), what);
      BOOST_TEST(ma != mb, what << ": both say " << ma);
      messages.insert(mb);
    }
  }
  BOOST_TEST(messages.size() > 20u);
}

BOOST_AUTO_TEST_CASE(OtherControlReportsAnotherVersion) {
  Api reference;
  VariantApi other;
  const std::string version = Str(reference.Get("/_control", std::nullopt), "version");
  BOOST_TEST(version == "0.1.0");
  BOOST_TEST(Str(other.Get("/_control", std::nullopt), "version") == "0.1.0+variant-other");
}

BOOST_AUTO_TEST_CASE(OtherRepliesAreByteIdenticalForTheSameSeedAndRequests) {
  std::string first;
  for (int round = 0; round < 2; ++round) {
    VariantApi api;
    std::string all;
    for (int i = 0; i < 3; ++i) all += api.RegisterNew("sku-1001-basic", "vo-" + std::to_string(i)).body;
    all += api.Get("/purchase/info?order_id=ord_000009", kAlpha).body;
    api.Post("/_control/reset", "", std::nullopt);
    for (int i = 0; i < 3; ++i) all += api.RegisterNew("sku-1001-basic", "vo-" + std::to_string(i)).body;
    all += api.Get("/purchase/info?order_id=ord_000009", kAlpha).body;
    if (round == 0) first = all;
    else BOOST_TEST(all == first);
  }
}

// --- defects still break their rules under the variant -----------------------

BOOST_AUTO_TEST_CASE(TokenReusableStillReusesTokensUnderTheOtherVariant) {
  VariantApi api(With({Defect::kTokenReusable}));
  const std::string token = api.Token("sku-1001-basic");
  BOOST_TEST(api.Post("/purchase/register", RegisterBody(token, "sku-1001-basic", "vo-1"), kAlpha).status == 201);
  BOOST_TEST(api.Post("/purchase/register", RegisterBody(token, "sku-1001-basic", "vo-2"), kAlpha).status == 201);
}

BOOST_AUTO_TEST_CASE(InfoOkWhileProcessingAndNoRetryAfterStillBreakThe202UnderTheOtherVariant) {
  VariantApi ok_defect(With({Defect::kInfoOkWhileProcessing}));
  BOOST_TEST(ok_defect.Get("/purchase/info?order_id=" + ok_defect.Order("sku-1002-slow", "vo-1"), kAlpha).status == 200);
  VariantApi no_retry(With({Defect::kNoRetryAfter}));
  const HttpReply r = no_retry.Get("/purchase/info?order_id=" + no_retry.Order("sku-1002-slow", "vo-1"), kAlpha);
  BOOST_TEST(r.status == 202);
  BOOST_TEST(HeaderOf(r, "Retry-After") == "<none>");
}

BOOST_AUTO_TEST_CASE(CrossVendorLeakStillLeaksUnderTheOtherVariant) {
  VariantApi api(With({Defect::kCrossVendorLeak}));
  const std::string order = api.Order("sku-1001-basic", "vo-1");
  BOOST_TEST(api.Get("/purchase/info?order_id=" + order, kBeta).status == 202);
}

BOOST_AUTO_TEST_CASE(ValidationAs400AndNoLocationHeaderStillBreakTheirRulesUnderTheOtherVariant) {
  VariantApi api(With({Defect::kValidationAs400, Defect::kNoLocationHeader}));
  BOOST_TEST(Failure(api.Post(kValidatePath, R"({"asset_id":"sku-1001-basic","quantity":"1","customer_ip":"198.18.4.20"})", kAlpha)) ==
             "400 REQUEST_VALIDATION_FAILED");
  const HttpReply r = api.RegisterNew("sku-1001-basic", "vo-1");
  BOOST_TEST(r.status == 201);
  BOOST_TEST(HeaderOf(r, "Location") == "<none>");
}

BOOST_AUTO_TEST_CASE(NoRegionCheckStillSellsEverywhereUnderTheOtherVariant) {
  VariantApi api(With({Defect::kNoRegionCheck}));
  BOOST_TEST(api.Post(kValidatePath, ValidateBody("sku-1005-us-only", 1, "198.19.7.7"), kAlpha).status == 200);
  VariantApi clean;
  BOOST_TEST(Failure(clean.Post(kValidatePath, ValidateBody("sku-1005-us-only", 1, "198.19.7.7"), kAlpha)) ==
             "400 REGION_NOT_ALLOWED");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace purchase::http
