#include "check/openapi.h"

#include <boost/test/unit_test.hpp>

#include "core/lifecycle.h"
#include "profiles/profile_registry.h"
#include "testing/test_support.h"

namespace conformance {
namespace {

const OpenApiSpec& Mini() {
  static const auto spec = OpenApiSpec::Parse(ReadTestFile(TestData("mini_spec/openapi.yaml")), "mini_spec/openapi.yaml");
  return *spec;
}

const HeaderList kJson = {{"Content-Type", "application/json; charset=utf-8"}};

std::vector<std::string> Judge(const char* method, const char* path, int status, const std::string& body,
                               HeaderList headers = kJson, const OpenApiSpec& spec = Mini()) {
  ResponseToJudge r;
  r.method = method;
  r.path = path;
  r.status = status;
  r.headers = &headers;
  r.body = body;
  // Judged afresh, so that Judge's memory of earlier calls cannot answer.
  const std::vector<std::string> failures = spec.JudgeAfresh(r);
  // The runner passes the body already parsed: the judgment must not change.
  rapidjson::Document parsed;
  parsed.Parse(body.data(), body.size());
  r.parsed_body = &parsed;
  BOOST_TEST(spec.JudgeAfresh(r) == failures, boost::test_tools::per_element());
  // Nor with the memory (this call or an earlier one may be answered from it).
  BOOST_TEST(spec.Judge(r) == failures, boost::test_tools::per_element());
  return failures;
}

std::string One(const std::vector<std::string>& failures) {
  BOOST_REQUIRE_EQUAL(failures.size(), 1u);
  return failures[0];
}

BOOST_AUTO_TEST_SUITE(OpenApiTest)

BOOST_AUTO_TEST_CASE(AConformingResponsePasses) {
  BOOST_TEST(Judge("GET", "/orders/ord_1", 200, R"({"order_id":"ord_1","status":"COMPLETED"})").empty());
}

BOOST_AUTO_TEST_CASE(AnUndocumentedStatusFails) {
  BOOST_TEST(One(Judge("GET", "/orders/ord_1", 500, R"({})")) ==
             "status 500 is not documented for GET /orders/{id} (documented: 200, 202, 404)");
}

BOOST_AUTO_TEST_CASE(AStatusRangeDocumentsEveryStatusInIt) {
  BOOST_TEST(Judge("POST", "/orders", 422, R"({"error":{"code":"BAD_REQUEST","message":"m"}})").empty());
}

BOOST_AUTO_TEST_CASE(ABodyLackingARequiredMemberFailsNamingIt) {
  BOOST_TEST(One(Judge("GET", "/orders/ord_1", 200, R"({"order_id":"ord_1"})")) ==
             "200 of GET /orders/{id}: body lacks required member 'status' (schema #/components/schemas/Order)");
}

BOOST_AUTO_TEST_CASE(AnExtraMemberFailsWhenTheSchemaForbidsIt) {
  BOOST_TEST(One(Judge("GET", "/orders/ord_1", 200, R"({"order_id":"ord_1","status":"COMPLETED","x":1})")) ==
             "200 of GET /orders/{id}: body has member 'x' that the schema does not allow (schema "
             "#/components/schemas/Order)");
}

BOOST_AUTO_TEST_CASE(AValueOutsideTheEnumFails) {
  BOOST_TEST(One(Judge("GET", "/orders/ord_1", 200, R"({"order_id":"ord_1","status":"DONE"})")) ==
             "200 of GET /orders/{id}: body at /status \"DONE\" is not one of "
             "[\"PROCESSING\",\"COMPLETED\",\"FAILED\",\"CANCELED\"] (schema #/components/schemas/Order/properties/status)");
}

BOOST_AUTO_TEST_CASE(PatternsUseEcmaScriptRegexes) {
  // \d is not understood by RapidJSON's own regex engine; the runner uses std::regex.
  BOOST_TEST(One(Judge("GET", "/orders/ord_1", 200, R"({"order_id":"ord_x","status":"COMPLETED"})"))
                 .find("does not match") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(NullableAcceptsNullAndTheType) {
  BOOST_TEST(Judge("GET", "/orders/ord_1", 200, R"({"order_id":"ord_1","status":"COMPLETED","note":null})").empty());
  BOOST_TEST(Judge("GET", "/orders/ord_1", 200, R"({"order_id":"ord_1","status":"COMPLETED","note":"n"})").empty());
  BOOST_TEST(Judge("GET", "/orders/ord_1", 200, R"({"order_id":"ord_1","status":"COMPLETED","note":1})").size() == 1u);
}

BOOST_AUTO_TEST_CASE(NullableRefAcceptsNullAndTheReferencedSchema) {
  BOOST_TEST(Judge("GET", "/orders/ord_1", 200, R"({"order_id":"ord_1","status":"COMPLETED","shipped":null})").empty());
  BOOST_TEST(Judge("GET", "/orders/ord_1", 200,
                   R"({"order_id":"ord_1","status":"COMPLETED","shipped":{"carrier":"c"}})").empty());
  BOOST_TEST(Judge("GET", "/orders/ord_1", 200, R"({"order_id":"ord_1","status":"COMPLETED","shipped":{}})").size() == 1u);
}

// The judge remembers the responses it found conforming: that must not change
// any judgement, of the same response or of one that differs in any part.
BOOST_AUTO_TEST_CASE(AResponseJudgedAgainGetsTheSameJudgementAndANearlyEqualOneItsOwn) {
  const std::string order = R"({"order_id":"ord_7","status":"COMPLETED"})";
  BOOST_TEST(Judge("GET", "/orders/ord_7", 200, order).empty());
  BOOST_TEST(Judge("GET", "/orders/ord_7", 200, order).empty());
  const std::string as_error = One(Judge("GET", "/orders/ord_7", 404, order));
  BOOST_TEST(as_error.find("404 of GET /orders/{id}: body lacks required member 'error'") == 0u, as_error);
  BOOST_TEST(One(Judge("GET", "/orders/ord_7", 404, order)) == as_error);
  BOOST_TEST(One(Judge("GET", "/orders/ord_7", 200, order, {{"Content-Type", "text/plain"}})) ==
             "200 of GET /orders/{id}: Content-Type 'text/plain' is not documented (documented: application/json)");
  BOOST_TEST(One(Judge("GET", "/orders/ord_7", 200, order, {})).find("has no Content-Type") != std::string::npos);
  BOOST_TEST(One(Judge("POST", "/orders/ord_7", 200, order)).find("documents no operation POST") != std::string::npos);
  BOOST_TEST(One(Judge("GET", "/nope/ord_7", 200, order)).find("documents no operation GET /nope") != std::string::npos);
  const std::string extra = R"({"order_id":"ord_7","status":"COMPLETED","x":1})";
  const std::string why = One(Judge("GET", "/orders/ord_7", 200, extra));
  BOOST_TEST(One(Judge("GET", "/orders/ord_7", 200, extra)) == why);
  BOOST_TEST(Judge("GET", "/orders/ord_7", 200, order).empty());
}

BOOST_AUTO_TEST_CASE(ARequiredHeaderThatIsMissingFails) {
  BOOST_TEST(One(Judge("GET", "/orders/ord_1", 202, R"({"order_id":"ord_1","status":"PROCESSING"})")) ==
             "202 of GET /orders/{id}: required header Retry-After is missing");
}

BOOST_AUTO_TEST_CASE(AHeaderIsCheckedAgainstItsSchema) {
  HeaderList h = kJson;
  h.emplace_back("Retry-After", "soon");
  BOOST_TEST(One(Judge("GET", "/orders/ord_1", 202, R"({"order_id":"ord_1","status":"PROCESSING"})", h)) ==
             "202 of GET /orders/{id}: header Retry-After: 'soon' is not an integer");
  h.back().second = "0";
  BOOST_TEST(One(Judge("GET", "/orders/ord_1", 202, R"({"order_id":"ord_1","status":"PROCESSING"})", h))
                 .find("violates minimum 1") != std::string::npos);
  h.back().second = "3";
  BOOST_TEST(Judge("GET", "/orders/ord_1", 202, R"({"order_id":"ord_1","status":"PROCESSING"})", h).empty());
}

BOOST_AUTO_TEST_CASE(AnUndocumentedContentTypeFails) {
  BOOST_TEST(One(Judge("GET", "/orders/ord_1", 404, "not found", {{"Content-Type", "text/plain"}})) ==
             "404 of GET /orders/{id}: Content-Type 'text/plain' is not documented (documented: application/json)");
}

BOOST_AUTO_TEST_CASE(AWildcardMediaTypeAcceptsAnyBytes) {
  BOOST_TEST(Judge("GET", "/orders/ord_1/file", 200, "%PDF-1.4", {{"Content-Type", "application/pdf"}}).empty());
}

BOOST_AUTO_TEST_CASE(AnErrorCodeOutsideXErrorCodesFails) {
  BOOST_TEST(One(Judge("GET", "/orders/x", 404, R"({"error":{"code":"NOT_FOUND","message":"m"}})")) ==
             "404 of GET /orders/{id}: error code NOT_FOUND is not documented for this response (x-error-codes: "
             "ORDER_NOT_FOUND)");
}

BOOST_AUTO_TEST_CASE(ABodyThatIsNotJsonFails) {
  BOOST_TEST(One(Judge("GET", "/orders/x", 404, "{oops")).find("the body is not JSON") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(AnUndocumentedPathFailsWithAHint) {
  BOOST_TEST(One(Judge("GET", "/nope", 404, "{}")).find("documents no operation GET /nope") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(LiteralPathSegmentsWinOverTemplates) {
  BOOST_TEST(Mini().FindOperation("GET", "/orders/ord_1/file") == "/orders/{id}/file");
  BOOST_TEST(Mini().FindOperation("GET", "/orders/ord_1") == "/orders/{id}");
  BOOST_TEST(Mini().FindOperation("GET", "/orders/") == "");
}

BOOST_AUTO_TEST_CASE(ARefThatPointsNowhereIsASpecErrorWithItsLine) {
  const char* broken = "openapi: 3.0.3\npaths:\n  /a:\n    get:\n      responses:\n        '200':\n          $ref: '#/components/responses/Nope'\n";
  try {
    OpenApiSpec::Parse(broken, "b.yaml");
    BOOST_FAIL("expected a SpecError");
  } catch (const purchase::SpecError& e) {
    BOOST_TEST(std::string(e.what()) == "b.yaml:7:17: error: $ref '#/components/responses/Nope' points nowhere (only #/... refs are supported)");
  }
}

BOOST_AUTO_TEST_CASE(OneOfFailureExplainsEachAlternative) {
  // spec/openapi.yaml's info 200 is oneOf OrderCompleted / OrderCanceled.
  const auto spec = OpenApiSpec::Parse(ReadTestFile(CONFORMANCE_OPENAPI), "spec/openapi.yaml");
  const auto f = One(Judge("GET", "/purchase/info", 200,
                           R"({"order_id":"ord_0123456789abcdef","vendor_order_id":"v","asset_id":"a","quantity":1,)"
                           R"("status":"PROCESSING","created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z"})",
                           kJson, *spec));
  BOOST_TEST(f.find("matches none of the oneOf alternatives") != std::string::npos, f);
  BOOST_TEST(f.find("#/components/schemas/OrderCompleted:") != std::string::npos, f);
  BOOST_TEST(f.find("#/components/schemas/OrderCanceled:") != std::string::npos, f);
}

BOOST_AUTO_TEST_CASE(AJudgementNamesTheRulesOfTheComponentsItIsWrittenWith) {
  const auto spec = OpenApiSpec::Parse(ReadTestFile(CONFORMANCE_OPENAPI), "spec/openapi.yaml");
  // A 202 of info: the operation's rules, then its Retry-After header's
  // component (one of them already), else its body's.
  const auto header = spec->RulesOf("GET", "/purchase/info", 202, "202 of GET /purchase/info: required header Retry-After is missing");
  BOOST_TEST(header == (std::vector<std::string>{"HL-I2-014", "HL-I2-015", "HL-S001-002"}));
  // What explore names for any difference in an answer: the operation's
  // sentences first (register's 409 is issue 2's duplicate rule).
  const auto duplicate = spec->RulesOf("POST", "/purchase/register", 409, "");
  BOOST_TEST(duplicate.front() == "HL-I2-009");
  BOOST_TEST((std::find(duplicate.begin(), duplicate.end(), "HL-I2-010") != duplicate.end()));
  const auto body = spec->RulesOf("GET", "/purchase/info", 202, "202 of GET /purchase/info: /status: not PROCESSING");
  BOOST_TEST((std::find(body.begin(), body.end(), "HL-I2-015") != body.end()));
  // A 404 of info: the response component (OrderNotFound) and the Error schema.
  const auto not_found = spec->RulesOf("GET", "/purchase/info", 404, "404 of GET /purchase/info: error code X is not documented");
  BOOST_TEST((std::find(not_found.begin(), not_found.end(), "HL-I2-041") != not_found.end()));
  BOOST_TEST((std::find(not_found.begin(), not_found.end(), "HL-I2-004") != not_found.end()));
  BOOST_TEST(spec->RulesOf("GET", "/no/such/path", 200, "").empty());
}

BOOST_AUTO_TEST_CASE(TheProjectSpecCompiles) {
  const auto spec = OpenApiSpec::Parse(ReadTestFile(CONFORMANCE_OPENAPI), "spec/openapi.yaml");
  BOOST_TEST(spec->FindOperation("GET", "/_control/orders/ord_1/history") == "/_control/orders/{order_id}/history");
}

// --- the two layers of spec/openapi.yaml (core/spec_layers.h) -------------

const OpenApiSpec& ProjectSpec(purchase::SpecLayer layer) {
  static const auto contract =
      OpenApiSpec::Parse(ReadTestFile(CONFORMANCE_OPENAPI), "spec/openapi.yaml", purchase::SpecLayer::kContract);
  static const auto reference =
      OpenApiSpec::Parse(ReadTestFile(CONFORMANCE_OPENAPI), "spec/openapi.yaml", purchase::SpecLayer::kReference);
  return layer == purchase::SpecLayer::kContract ? *contract : *reference;
}

// A register reply as a correct server with its own opaque choices sends it.
const char kOtherServersOrder[] =
    R"({"order_id":"ord_000001","vendor_order_id":"v","asset_id":"sku-1","quantity":1,"status":"PROCESSING",)"
    R"("created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z","links":{"self":"/x"}})";

BOOST_AUTO_TEST_CASE(TheContractAcceptsAnotherIdFormatAndExtraReplyMembers) {
  const HeaderList headers = {{"Content-Type", "application/json; charset=utf-8"},
                              {"Location", "/purchase/info?order_id=ord_000001"}};
  const auto failures = Judge("POST", "/purchase/register", 201, kOtherServersOrder, headers,
                              ProjectSpec(purchase::SpecLayer::kContract));
  BOOST_TEST(failures.empty(), failures.front());
}

BOOST_AUTO_TEST_CASE(TheReferenceLayerHoldsOurIdFormatAndClosedReplies) {
  const HeaderList headers = {{"Content-Type", "application/json; charset=utf-8"},
                              {"Location", "/purchase/info?order_id=ord_000001"}};
  const auto failures = Judge("POST", "/purchase/register", 201, kOtherServersOrder, headers,
                              ProjectSpec(purchase::SpecLayer::kReference));
  std::string all;
  for (const auto& f : failures) all += f + "\n";
  BOOST_TEST(all.find("Location") != std::string::npos, all);
  BOOST_TEST(all.find("/order_id") != std::string::npos, all);
}

BOOST_AUTO_TEST_CASE(WhatNoSourceSaysIsOpenInTheContractAndHeldByTheReference) {
  // Issue 2 asks for items "when COMPLETED (with the items)" and forbids them nowhere; "RFC 3339 UTC" allows
  // +00:00 and any fraction; Retry-After is only required. The reference server hides items before COMPLETED,
  // writes Z with milliseconds and clamps Retry-After to 1..10.
  const std::string processing_with_items =
      R"({"order_id":"o","vendor_order_id":"v","asset_id":"a","quantity":1,"status":"PROCESSING",)"
      R"("created_at":"2026-01-01T00:00:00+00:00","updated_at":"2026-01-01T00:00:00.5Z",)"
      R"("items":[{"item_id":"itm_1","asset_id":"a","quantity":1}]})";
  const HeaderList headers = {{"Content-Type", "application/json; charset=utf-8"}, {"Retry-After", "3600"}};
  const auto contract =
      Judge("GET", "/purchase/info", 202, processing_with_items, headers, ProjectSpec(purchase::SpecLayer::kContract));
  BOOST_TEST(contract.empty(), contract.front());
  std::string all;
  for (const auto& f : Judge("GET", "/purchase/info", 202, processing_with_items, headers,
                             ProjectSpec(purchase::SpecLayer::kReference)))
    all += f + "\n";
  BOOST_TEST(all.find("Retry-After") != std::string::npos, all);
  BOOST_TEST(all.find("not") != std::string::npos, all);

  // A 422 whose message names the field is enough for the contract; error.field is the reference server's.
  const std::string no_field = R"({"error":{"code":"REQUEST_VALIDATION_FAILED","message":"field 'quantity' is required"}})";
  const HeaderList json = {{"Content-Type", "application/json; charset=utf-8"}};
  BOOST_TEST(Judge("POST", "/purchase/validate-purchase-before-payment", 422, no_field, json, ProjectSpec(purchase::SpecLayer::kContract)).empty());
  BOOST_TEST(!Judge("POST", "/purchase/validate-purchase-before-payment", 422, no_field, json, ProjectSpec(purchase::SpecLayer::kReference)).empty());

  // What a source does say stays: a COMPLETED order has its items, and a timestamp is UTC.
  const std::string completed_without_items =
      R"({"order_id":"o","vendor_order_id":"v","asset_id":"a","quantity":1,"status":"COMPLETED",)"
      R"("created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:05Z"})";
  BOOST_TEST(!Judge("GET", "/purchase/info", 200, completed_without_items, json,
                    ProjectSpec(purchase::SpecLayer::kContract)).empty());
  const std::string local_time =
      R"({"order_id":"o","vendor_order_id":"v","asset_id":"a","quantity":1,"status":"PROCESSING",)"
      R"("created_at":"2026-01-01T01:00:00+01:00","updated_at":"2026-01-01T00:00:00Z"})";
  BOOST_TEST(!Judge("GET", "/purchase/info", 202, local_time, headers, ProjectSpec(purchase::SpecLayer::kContract)).empty());
}

BOOST_AUTO_TEST_CASE(TheContractTakesAnyBearerChallengeAndTheReferenceOnlyItsOwn) {
  const HeaderList headers = {{"Content-Type", "application/json; charset=utf-8"},
                              {"WWW-Authenticate", "Bearer realm=\"purchase-api\""}};
  const std::string body = R"({"error":{"code":"UNAUTHENTICATED","message":"m","request_id":"r"}})";
  BOOST_TEST(Judge("GET", "/purchase/info", 401, body, headers, ProjectSpec(purchase::SpecLayer::kContract)).empty());
  BOOST_TEST(!Judge("GET", "/purchase/info", 401, body, headers, ProjectSpec(purchase::SpecLayer::kReference)).empty());
  const HeaderList basic = {{"Content-Type", "application/json; charset=utf-8"}, {"WWW-Authenticate", "Basic"}};
  BOOST_TEST(!Judge("GET", "/purchase/info", 401, body, basic, ProjectSpec(purchase::SpecLayer::kContract)).empty());
}

BOOST_AUTO_TEST_CASE(AnXReferenceThatIsNotAMapIsASpecErrorWithItsLine) {
  const char* broken = "openapi: 3.0.3\npaths: {}\ncomponents:\n  schemas:\n    A:\n      type: string\n      x-reference: 3\n";
  for (auto layer : {purchase::SpecLayer::kContract, purchase::SpecLayer::kReference}) {
    try {
      OpenApiSpec::Parse(broken, "b.yaml", layer);
      BOOST_FAIL("expected a SpecError");
    } catch (const purchase::SpecError& e) {
      BOOST_TEST(std::string(e.what()) ==
                 "b.yaml:7:20: error: x-reference must be a map of the keywords the reference server adds");
    }
  }
}

// --- a client's request against the spec (JudgeRequest) -------------------

std::vector<std::string> JudgeRequest(const OpenApiSpec& spec, const char* method, const char* path, const char* query,
                                      const std::string& body, HeaderList headers) {
  RequestToJudge r;
  r.method = method;
  r.path = path;
  r.query = query;
  r.headers = &headers;
  r.body = body;
  return spec.JudgeRequest(r);
}

const HeaderList kVendorJson = {{"Authorization", "Bearer test-token-vendor-a"},
                                {"Content-Type", "application/json"}};
const char* kValidate = "/purchase/validate-purchase-before-payment";

BOOST_AUTO_TEST_CASE(AConformingRequestPasses) {
  const OpenApiSpec& hl = ProjectSpec(purchase::SpecLayer::kContract);
  BOOST_TEST(JudgeRequest(hl, "POST", kValidate, "", R"({"asset_id":"a-1","quantity":1,"customer_ip":"203.0.113.7"})",
                          kVendorJson)
                 .empty());
  BOOST_TEST(JudgeRequest(hl, "GET", "/purchase/info", "order_id=ord%5F1", "", kVendorJson).empty());
  // A parameter the operation does not list is not the contract's business.
  BOOST_TEST(JudgeRequest(hl, "GET", "/purchase/info", "order_id=o-1&trace=1", "", kVendorJson).empty());
  // security: [{}] asks for nothing.
  BOOST_TEST(JudgeRequest(hl, "POST", "/_control/reset", "", "", {}).empty());
}

BOOST_AUTO_TEST_CASE(ARequestWithoutTheCredentialItsSecurityAsksForFails) {
  const OpenApiSpec& hl = ProjectSpec(purchase::SpecLayer::kContract);
  BOOST_TEST(One(JudgeRequest(hl, "GET", "/purchase/info", "order_id=o-1", "", {})) ==
             "GET /purchase/info: the request carries no credential its security asks for (vendorBearer)");
  BOOST_TEST(JudgeRequest(hl, "GET", "/purchase/info", "order_id=o-1", "", {{"Authorization", "Basic dTpw"}}).size() == 1u);
  // An API key in the query (SheetMusicDirect): both the key and the signature.
  const auto smd = OpenApiSpec::Parse(purchase::profiles::MergedOpenApi(*purchase::profiles::FindProfile("sheetmusicdirect")),
                                      "spec/sheetmusicdirect/openapi.yaml");
  BOOST_TEST(JudgeRequest(*smd, "GET", "/orders", "key=k&signature=s&retailerClientId=c-1", "", {}).empty());
  BOOST_TEST(One(JudgeRequest(*smd, "GET", "/orders", "key=k&retailerClientId=c-1", "", {})) ==
             "GET /orders: the request carries no credential its security asks for (retailerKey and signature)");
}

BOOST_AUTO_TEST_CASE(ARequiredParameterMissingOrIllTypedFailsNamingIt) {
  const OpenApiSpec& hl = ProjectSpec(purchase::SpecLayer::kContract);
  BOOST_TEST(One(JudgeRequest(hl, "GET", "/purchase/info", "", "", kVendorJson)) ==
             "GET /purchase/info: required query parameter order_id is missing");
  const std::vector<std::string> empty_id = JudgeRequest(hl, "GET", "/purchase/info", "order_id=", "", kVendorJson);
  BOOST_REQUIRE_EQUAL(empty_id.size(), 1u);
  BOOST_TEST(empty_id[0].rfind("GET /purchase/info: query parameter order_id value", 0) == 0, empty_id[0]);
}

BOOST_AUTO_TEST_CASE(ARequestBodyTheSchemaRefusesFailsSayingWhy) {
  const OpenApiSpec& hl = ProjectSpec(purchase::SpecLayer::kContract);
  BOOST_TEST(One(JudgeRequest(hl, "POST", kValidate, "", R"({"asset_id":"a-1","quantity":1})", kVendorJson)) ==
             "POST " + std::string(kValidate) +
                 ": request body lacks required member 'customer_ip' (schema #/components/schemas/ValidatePurchaseRequest)");
  const auto typed = JudgeRequest(hl, "POST", kValidate, "", R"({"asset_id":"a-1","quantity":"1","customer_ip":"1.2.3.4"})",
                                  kVendorJson);
  BOOST_REQUIRE_EQUAL(typed.size(), 1u);
  BOOST_TEST(typed[0].find("request body at /quantity expected") != std::string::npos, typed[0]);
  BOOST_TEST(One(JudgeRequest(hl, "POST", kValidate, "", "{", kVendorJson)).find("the request body is not JSON") !=
             std::string::npos);
  BOOST_TEST(One(JudgeRequest(hl, "POST", kValidate, "", "", kVendorJson)) ==
             "POST " + std::string(kValidate) + ": the request body is required and missing");
  BOOST_TEST(One(JudgeRequest(hl, "POST", kValidate, "", R"({"asset_id":"a-1","quantity":1,"customer_ip":"1.2.3.4"})",
                              {{"Authorization", "Bearer t"}, {"Content-Type", "text/plain"}})) ==
             "POST " + std::string(kValidate) +
                 ": request Content-Type 'text/plain' is not documented (documented: application/json)");
}

BOOST_AUTO_TEST_CASE(ARequestForAnUndocumentedOperationFails) {
  const OpenApiSpec& hl = ProjectSpec(purchase::SpecLayer::kContract);
  BOOST_TEST(One(JudgeRequest(hl, "PATCH", "/purchase/info", "", "", kVendorJson)) ==
             "spec/openapi.yaml documents no operation PATCH /purchase/info");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace conformance
