// The imaging-catalog profile's rules, each pinned by driving a ProfileHost
// with plain request values (no sockets), on a manual clock that starts at
// 2026-01-01T00:00:00Z, with the fixtures of fixtures/imaging-catalog/.
#define BOOST_TEST_MODULE imaging_catalog
#include <boost/test/unit_test.hpp>

#include <memory>
#include <string>

#include <rapidjson/document.h>

#include "profile_imaging_catalog_embedded.h"
#include "profiles/imaging_catalog/fixtures.h"
#include "profiles/imaging_catalog/imaging_catalog_profile.h"
#include "testing/strict_utf8.h"
#include "profiles/imaging_catalog/purchase_json.h"
#include "profiles/profile_registry.h"

using namespace purchase;
using namespace purchase::profiles;
using namespace purchase::profiles::imaging_catalog;

namespace {

constexpr Millis kStart = 1767225600000;  // 2026-01-01T00:00:00Z
const char* kTokenA = "Bearer test-token-caller-a";
const char* kTokenB = "Bearer test-token-caller-b";
const char* kContractA = "5d3c0a10-0000-4000-8000-0000000000a1";
const char* kContractB = "5d3c0a10-0000-4000-8000-0000000000b1";

// A server of the profile: the embedded spec, the default fixtures.
struct Server {
  explicit Server(std::set<std::string> defects = {}, std::string_view lifecycle_text = imaging_catalog_spec::kLifecycleYaml)
      : lifecycle(Lifecycle::Parse(lifecycle_text, "lifecycle.yaml")),
        errors(ErrorReplies::Parse(imaging_catalog_spec::kErrorsYaml, "errors.yaml")),
        profile(LoadFixtures(PURCHASE_TEST_FIXTURES "/imaging-catalog"), DefectsOf(defects)),
        host(profile, lifecycle, errors, std::make_unique<ManualClock>(kStart),
             engine::EngineOptions{7, engine::IdStyle::kUuid, ""}, HostOptions{}) {}

  http::HttpReply Send(std::string method, std::string path, std::string body = "", const char* auth = kTokenA) {
    http::HttpRequest request;
    request.method = std::move(method);
    request.path = std::move(path);
    request.body = std::move(body);
    if (auth) request.authorization = auth;
    return host.Handle(request);
  }
  http::HttpReply Purchase(const std::string& members, const char* auth = kTokenA) {
    return Send("POST", "/api/catalog/v2/purchases", "{" + members + "}", auth);
  }
  // A purchase of `frame` under contract A; returns its id.
  std::string Buy(const std::string& frame, const std::string& more = "") {
    const http::HttpReply reply =
        Purchase("\"frameID\":\"" + frame + "\",\"contractID\":\"" + kContractA + "\"" + more);
    BOOST_REQUIRE_EQUAL(reply.status, 201);
    return Json(reply)["id"].GetString();
  }
  void Advance(double seconds) {
    const http::HttpReply reply = Send("POST", "/_control/clock/advance", "{\"seconds\":" + std::to_string(seconds) + "}", nullptr);
    BOOST_REQUIRE_EQUAL(reply.status, 200);
  }
  std::string Status(const std::string& id) {
    const http::HttpReply reply = Send("GET", "/api/catalog/v2/purchases/" + id);
    BOOST_REQUIRE_EQUAL(reply.status, 200);
    return Json(reply)["status"].GetString();
  }
  static rapidjson::Document Json(const http::HttpReply& reply) {
    rapidjson::Document doc;
    doc.Parse(reply.body.c_str());
    BOOST_REQUIRE_MESSAGE(!doc.HasParseError(), reply.body);
    return doc;
  }
  static std::string Code(const http::HttpReply& reply) {
    rapidjson::Document doc = Json(reply);
    return doc.HasMember("error") ? doc["error"]["code"].GetString() : "";
  }

  Lifecycle lifecycle;
  ErrorReplies errors;
  ImagingCatalogProfile profile;
  ProfileHost host;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(ImagingCatalog)

BOOST_AUTO_TEST_CASE(PurchaseFrameAnswers201WithTheActivePurchase) {
  Server s;
  const http::HttpReply reply = s.Purchase(std::string("\"frameID\":\"frame-basic\",\"contractID\":\"") + kContractA +
                                           "\",\"reference\":\"purchase reference 123-456\"");
  BOOST_TEST(reply.status == 201);
  rapidjson::Document doc = Server::Json(reply);
  BOOST_TEST(std::string(doc["status"].GetString()) == "active");
  BOOST_TEST(std::string(doc["frameID"].GetString()) == "frame-basic");
  BOOST_TEST(std::string(doc["contractID"].GetString()) == kContractA);
  BOOST_TEST(std::string(doc["reference"].GetString()) == "purchase reference 123-456");
  BOOST_TEST(std::string(doc["eula"].GetString()) == "STANDARD");
  BOOST_TEST(std::string(doc["createdAt"].GetString()) == "2026-01-01T00:00:00.000000Z");
  const std::string id = doc["id"].GetString();
  BOOST_TEST(id.size() == 36u);
  BOOST_TEST(id[8] == '-');
  BOOST_TEST(reply.body.find("\"reference\":\"purchase") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(ReferenceLeftOutIsNullAndEulaDefaultsToStandard) {
  Server s;
  const std::string id = s.Buy("frame-basic", ",\"reference\":null,\"eula\":null");
  rapidjson::Document doc = Server::Json(s.Send("GET", "/api/catalog/v2/purchases/" + id));
  BOOST_TEST(doc["reference"].IsNull());
  BOOST_TEST(std::string(doc["eula"].GetString()) == "STANDARD");
  const std::string enterprise = s.Buy("frame-basic", ",\"eula\":\"ENTERPRISE\"");
  BOOST_TEST(std::string(Server::Json(s.Send("GET", "/api/catalog/v2/purchases/" + enterprise))["eula"].GetString()) ==
             "ENTERPRISE");
}

BOOST_AUTO_TEST_CASE(TimestampsHaveSixFractionDigits) {
  BOOST_TEST(FormatMicros(kStart) == "2026-01-01T00:00:00.000000Z");
  BOOST_TEST(FormatMicros(kStart + 5123) == "2026-01-01T00:00:05.123000Z");
}

BOOST_AUTO_TEST_CASE(PurchaseClosesWhenItsLastRequestedProductIsReady) {
  Server s;
  const std::string geo = s.Buy("frame-mixed", ",\"productTypes\":[\"GEO\"]");
  const std::string all = s.Buy("frame-mixed");
  s.Advance(4.999);
  BOOST_TEST(s.Status(geo) == "active");
  s.Advance(0.001);
  BOOST_TEST(s.Status(geo) == "closed");
  BOOST_TEST(s.Status(all) == "active");
  s.Advance(55);
  BOOST_TEST(s.Status(all) == "closed");
}

BOOST_AUTO_TEST_CASE(ProductsAreEmptyWhileActiveAndListedOnceClosed) {
  Server s;
  const std::string id = s.Buy("frame-mixed", ",\"productTypes\":[\"SICD\"]");
  const std::string path = "/api/catalog/v2/purchases/" + id + "/products";
  http::HttpReply reply = s.Send("GET", path);
  BOOST_TEST(reply.status == 200);
  BOOST_TEST(reply.body == "{\"purchaseID\":\"" + id + "\",\"status\":\"active\",\"products\":[]}");
  s.Advance(60);
  reply = s.Send("GET", path);
  BOOST_TEST(reply.body == "{\"purchaseID\":\"" + id +
                               "\",\"status\":\"closed\",\"products\":[{\"productType\":\"SICD\",\"frameID\":\"frame-mixed\"}]}");
  const std::string all = s.Buy("frame-basic");
  s.Advance(5);
  rapidjson::Document doc = Server::Json(s.Send("GET", "/api/catalog/v2/purchases/" + all + "/products"));
  BOOST_TEST(doc["products"].Size() == 2u);
  BOOST_TEST(std::string(doc["products"][0]["productType"].GetString()) == "GEO");
  BOOST_TEST(std::string(doc["products"][1]["productType"].GetString()) == "SLC");
}

BOOST_AUTO_TEST_CASE(FailedPurchaseHasNoProducts409) {
  Server s;
  const std::string id = s.Buy("frame-fails");
  s.Advance(5);
  BOOST_TEST(s.Status(id) == "failed");
  const http::HttpReply reply = s.Send("GET", "/api/catalog/v2/purchases/" + id + "/products");
  BOOST_TEST(reply.status == 409);
  BOOST_TEST(Server::Code(reply) == "PURCHASE_FAILED");
}

BOOST_AUTO_TEST_CASE(ClosedPurchaseStaysClosedPastItsDeadline) {
  Server s;
  const std::string id = s.Buy("frame-basic");
  s.Advance(5);
  BOOST_TEST(s.Status(id) == "closed");
  s.Advance(86400);
  BOOST_TEST(s.Status(id) == "closed");
}

BOOST_AUTO_TEST_CASE(PurchaseStillActiveAtTheDeadlineFails) {
  Server s;
  const std::string id = s.Buy("frame-late");
  s.Advance(59.999);
  BOOST_TEST(s.Status(id) == "active");
  s.Advance(0.001);
  BOOST_TEST(s.Status(id) == "failed");
  s.Advance(120);  // its product's ready time: a terminal purchase does not close
  BOOST_TEST(s.Status(id) == "failed");
}

BOOST_AUTO_TEST_CASE(AnotherCallersPurchaseIsNotFound) {
  Server s;
  const std::string id = s.Buy("frame-basic");
  for (const std::string& path : {"/api/catalog/v2/purchases/" + id, "/api/catalog/v2/purchases/" + id + "/products"}) {
    const http::HttpReply reply = s.Send("GET", path, "", kTokenB);
    BOOST_TEST(reply.status == 404);
    BOOST_TEST(Server::Code(reply) == "PURCHASE_NOT_FOUND");
  }
  BOOST_TEST(Server::Code(s.Send("GET", "/api/catalog/v2/purchases/nope")) == "PURCHASE_NOT_FOUND");
}

BOOST_AUTO_TEST_CASE(ContractOfAnotherCallerIs403) {
  Server s;
  http::HttpReply reply = s.Purchase(std::string("\"frameID\":\"frame-basic\",\"contractID\":\"") + kContractB + "\"");
  BOOST_TEST(reply.status == 403);
  BOOST_TEST(Server::Code(reply) == "CONTRACT_NOT_ALLOWED");
  reply = s.Purchase(std::string("\"frameID\":\"frame-basic\",\"contractID\":\"") + kContractB + "\"", kTokenB);
  BOOST_TEST(reply.status == 201);
}

BOOST_AUTO_TEST_CASE(CheckOrderIsJsonValidationContractFrameProductType) {
  Server s;
  BOOST_TEST(Server::Code(s.Send("POST", "/api/catalog/v2/purchases", "{")) == "MALFORMED_JSON");
  BOOST_TEST(Server::Code(s.Send("POST", "/api/catalog/v2/purchases", "")) == "MALFORMED_JSON");
  BOOST_TEST(Server::Code(s.Send("POST", "/api/catalog/v2/purchases", "[]")) == "REQUEST_VALIDATION_FAILED");
  BOOST_TEST(Server::Code(s.Purchase("\"frameID\":\"nope\",\"contractID\":\"nope\"")) == "CONTRACT_NOT_ALLOWED");
  const std::string a = std::string(",\"contractID\":\"") + kContractA + "\"";
  http::HttpReply reply = s.Purchase("\"frameID\":\"nope\"" + a + ",\"productTypes\":[\"X\"]");
  BOOST_TEST(reply.status == 404);
  BOOST_TEST(Server::Code(reply) == "FRAME_NOT_FOUND");
  reply = s.Purchase("\"frameID\":\"frame-basic\"" + a + ",\"productTypes\":[\"GEO\",\"SICD\"]");
  BOOST_TEST(reply.status == 422);
  BOOST_TEST(Server::Code(reply) == "PRODUCT_TYPE_NOT_OFFERED");
}

BOOST_AUTO_TEST_CASE(MalformedPurchaseRequestsAre422) {
  Server s;
  const std::string a = std::string("\"contractID\":\"") + kContractA + "\"";
  for (const std::string& members :
       {a, std::string("\"frameID\":\"frame-basic\""), "\"frameID\":5," + a, "\"frameID\":\"\"," + a,
        "\"frameID\":\"frame-basic\"," + a + ",\"eula\":\"FREE\"", "\"frameID\":\"frame-basic\"," + a + ",\"reference\":7",
        "\"frameID\":\"frame-basic\"," + a + ",\"reference\":\"" + std::string(257, 'r') + "\"",
        "\"frameID\":\"frame-basic\"," + a + ",\"productTypes\":[]",
        "\"frameID\":\"frame-basic\"," + a + ",\"productTypes\":\"GEO\"",
        "\"frameID\":\"frame-basic\"," + a + ",\"productTypes\":[\"GEO\",\"GEO\"]",
        "\"frameID\":\"frame-basic\"," + a + ",\"productTypes\":[1]", "\"frameID\":\"frame-basic\"," + a + ",\"extra\":1"}) {
    const http::HttpReply reply = s.Purchase(members);
    BOOST_TEST(reply.status == 422, members);
    BOOST_TEST(Server::Code(reply) == "REQUEST_VALIDATION_FAILED", members);
  }
  BOOST_TEST(s.host.engine_for_tests().size() == 0u);
}

BOOST_AUTO_TEST_CASE(ALoneSurrogateEscapeIsRefusedAndNothingIsStored) {
  Server s;
  const std::string a = std::string("\"frameID\":\"frame-basic\",\"contractID\":\"") + kContractA + "\"";
  for (const std::string& members : {a + R"(,"reference":"r\udc00")", a + R"(,"reference":"r\ud800")",
                                     a + R"(,"\udc00":1)", a + R"(,"productTypes":["GEO\udfff"])"}) {
    const http::HttpReply reply = s.Purchase(members);
    BOOST_TEST(reply.status == 400, members << ": " << reply.body);
    BOOST_TEST(Server::Code(reply) == "MALFORMED_JSON", members);
    BOOST_TEST(testing::StrictUtf8Problem(reply.body) == "", reply.body);
  }
  BOOST_TEST(s.host.engine_for_tests().size() == 0u);
}

BOOST_AUTO_TEST_CASE(ARepeatedMemberOrTrailingBytesAreRefused) {
  Server s;
  const std::string a = std::string("\"frameID\":\"frame-basic\",\"contractID\":\"") + kContractA + "\"";
  http::HttpReply reply = s.Purchase(a + R"(,"frameID":"frame-slow")");
  BOOST_TEST(reply.status == 422, reply.body);
  BOOST_TEST(Server::Code(reply) == "REQUEST_VALIDATION_FAILED");
  BOOST_TEST(reply.body.find("frameID") != std::string::npos, reply.body);
  reply = s.Send("POST", "/api/catalog/v2/purchases", "{" + a + "}" + std::string(1, '\0') + "junk");
  BOOST_TEST(reply.status == 400, reply.body);
  BOOST_TEST(s.host.engine_for_tests().size() == 0u);
}

BOOST_AUTO_TEST_CASE(ImagingRepliesAreStrictUtf8ForHostileInput) {
  Server s;
  const std::string a = std::string("\"frameID\":\"frame-basic\",\"contractID\":\"") + kContractA + "\"";
  const std::string id = s.Buy("frame-basic", ",\"reference\":\"caf\xc3\xa9 \\ud83d\\ude00\"");
  const std::vector<std::pair<std::string, std::string>> hostile = {
      {"POST /api/catalog/v2/purchases", "{" + a + ",\"reference\":\"\xff\"}"},
      {"POST /api/catalog/v2/purchases", "{" + a + R"(,"reference":"\udc00"})"},
      {"POST /api/catalog/v2/purchases", "{" + a + ",\"\xc0\xaf\":1}"},
      {"POST /api/catalog/v2/purchases", "{" + a + R"(,"x\udbff":1})"},
      {"POST /api/catalog/v2/purchases", R"({"frameID":"\udc00","contractID":"x"})"},
      {"POST /api/catalog/v2/purchases", R"({"frameID":"f","contractID":"\ud800"})"},
      {"GET /api/catalog/v2/purchases/\xff\xed\xa0\x80", ""},
      {"GET /api/catalog/v2/purchases/\xe0\x80\x80/products", ""},
      {"POST /_control/faults", R"({"match":{"path":"/api/\udc00"},"effect":{"status":500}})"},
      {"POST /_control/faults", "{\"effect\":{\"outcome\":\"\xff\"}}"},
      {"DELETE /_control/faults/\xff", ""},
      {"GET /_control/orders/\xed\xbf\xbf/history", ""},
  };
  for (const auto& [line, body] : hostile) {
    const size_t space = line.find(' ');
    const http::HttpReply r = s.Send(line.substr(0, space), line.substr(space + 1), body);
    BOOST_TEST(r.status >= 400, line);
    BOOST_TEST(testing::StrictUtf8Problem(r.body) == "", line << ": " << r.body);
  }
  const http::HttpReply got = s.Send("GET", "/api/catalog/v2/purchases/" + id);
  BOOST_TEST(got.status == 200);
  BOOST_TEST(testing::StrictUtf8Problem(got.body) == "", got.body);
}

BOOST_AUTO_TEST_CASE(EveryOperationNeedsACallersBearerToken) {
  Server s;
  for (const char* auth : {static_cast<const char*>(nullptr), "Bearer", "Bearer nope", "Basic dGVzdA==",
                           "Bearer test-token-caller-"}) {
    for (const auto& [method, path] : std::vector<std::pair<std::string, std::string>>{
             {"POST", "/api/catalog/v2/purchases"},
             {"GET", "/api/catalog/v2/purchases/x"},
             {"GET", "/api/catalog/v2/purchases/x/products"}}) {
      const http::HttpReply reply = s.Send(method, path, "{}", auth);
      BOOST_TEST(reply.status == 401);
      BOOST_TEST(Server::Code(reply) == "UNAUTHENTICATED");
      BOOST_REQUIRE_EQUAL(reply.headers.size(), 1u);
      BOOST_TEST(reply.headers[0].first == "WWW-Authenticate");
      BOOST_TEST(reply.headers[0].second == "Bearer");
    }
  }
  BOOST_TEST(s.Send("GET", "/api/catalog/v2/purchases/x", "", "bearer test-token-caller-a").status == 404);
}

BOOST_AUTO_TEST_CASE(PurchasesHaveNoCancel) {
  Server s;
  const std::string id = s.Buy("frame-basic");
  http::HttpReply reply = s.Send("DELETE", "/api/catalog/v2/purchases/" + id);
  BOOST_TEST(reply.status == 405);
  BOOST_TEST(Server::Code(reply) == "METHOD_NOT_ALLOWED");
  BOOST_REQUIRE_EQUAL(reply.headers.size(), 1u);
  BOOST_TEST(reply.headers[0].second == "GET");
  reply = s.Send("GET", "/api/catalog/v2/purchases");
  BOOST_TEST(reply.status == 405);
  BOOST_TEST(reply.headers[0].second == "POST");
  BOOST_TEST(s.Status(id) == "active");
}

BOOST_AUTO_TEST_CASE(FaultOutcomeRuleDecidesTheOutcomeInsteadOfTheFrame) {
  Server s;
  const http::HttpReply rule = s.Send("POST", "/_control/faults",
                                      R"({"match":{"method":"POST","path":"/api/catalog/v2/purchases"},)"
                                      R"("effect":{"outcome":"fulfillment_failed","outcome_after_seconds":2},"times":1})",
                                      nullptr);
  BOOST_REQUIRE_EQUAL(rule.status, 201);
  // A refused purchase spends no rule.
  BOOST_TEST(s.Purchase("\"frameID\":\"nope\",\"contractID\":\"nope\"").status == 403);
  const std::string failed = s.Buy("frame-basic");
  const std::string closed = s.Buy("frame-basic");
  s.Advance(2);
  BOOST_TEST(s.Status(failed) == "failed");
  BOOST_TEST(s.Status(closed) == "active");
  s.Advance(3);
  BOOST_TEST(s.Status(closed) == "closed");
  s.Advance(86400);
  BOOST_TEST(s.Status(failed) == "failed");
}

BOOST_AUTO_TEST_CASE(HistoryRecordsTheEntryAndTheDueInstant) {
  Server s;
  const std::string id = s.Buy("frame-basic");
  s.Advance(10);
  rapidjson::Document doc = Server::Json(s.Send("GET", "/_control/orders/" + id + "/history", "", nullptr));
  BOOST_REQUIRE_EQUAL(doc["history"].Size(), 2u);
  BOOST_TEST(std::string(doc["history"][0]["cause"].GetString()) == "purchase");
  BOOST_TEST(std::string(doc["history"][1]["cause"].GetString()) == "fulfillment_succeeded");
  BOOST_TEST(std::string(doc["history"][1]["at"].GetString()) == "2026-01-01T00:00:05Z");
}

// The lifecycle is data: send fulfillment_succeeded to another state in the
// document and the server answers that state, with no code change.
BOOST_AUTO_TEST_CASE(ImagingLifecycleFileDecidesTheStatesAnswered) {
  std::string text(imaging_catalog_spec::kLifecycleYaml);
  const std::string from = "  - from: active\n    to: closed\n    cause: fulfillment_succeeded";
  const size_t at = text.find(from);
  BOOST_REQUIRE(at != std::string::npos);
  text.replace(at, from.size(), "  - from: active\n    to: delivered\n    cause: fulfillment_succeeded");
  text.replace(text.find("states:\n"), 8, "states:\n  delivered:\n    terminal: true\n");
  Server s({}, text);
  const std::string id = s.Buy("frame-basic");
  s.Advance(5);
  BOOST_TEST(s.Status(id) == "delivered");
  BOOST_TEST(Server::Json(s.Send("GET", "/api/catalog/v2/purchases/" + id + "/products"))["products"].Size() == 2u);
}

BOOST_AUTO_TEST_CASE(EachImagingDefectChangesAnAnswer) {
  {
    Server s({"products-while-active"});
    const std::string id = s.Buy("frame-basic");
    BOOST_TEST(Server::Json(s.Send("GET", "/api/catalog/v2/purchases/" + id + "/products"))["products"].Size() == 2u);
  }
  {
    Server s({"failed-products-empty"});
    const std::string id = s.Buy("frame-fails");
    s.Advance(5);
    BOOST_TEST(s.Send("GET", "/api/catalog/v2/purchases/" + id + "/products").status == 200);
  }
  {
    Server s({"other-caller-visible"});
    const std::string id = s.Buy("frame-basic");
    BOOST_TEST(s.Send("GET", "/api/catalog/v2/purchases/" + id, "", kTokenB).status == 200);
  }
  {
    Server s({"contract-not-checked"});
    BOOST_TEST(s.Purchase(std::string("\"frameID\":\"frame-basic\",\"contractID\":\"") + kContractB + "\"").status == 201);
  }
  {
    Server s({"product-types-ignored"});
    const std::string id = s.Buy("frame-mixed", ",\"productTypes\":[\"GEO\"]");
    s.Advance(5);
    BOOST_TEST(s.Status(id) == "active");
  }
  {
    Server s({"created-at-moves"});
    const std::string id = s.Buy("frame-basic");
    s.Advance(5);
    BOOST_TEST(std::string(Server::Json(s.Send("GET", "/api/catalog/v2/purchases/" + id))["createdAt"].GetString()) ==
               "2026-01-01T00:00:05.000000Z");
  }
}

BOOST_AUTO_TEST_CASE(ImagingFixtureErrorNamesTheFileAndLine) {
  const std::string callers = "callers:\n  - {id: a, token: t, contracts: [c]}\n";
  auto message = [&](const std::string& frames) {
    try {
      ParseFixtures(callers, "callers.yaml", frames, "frames.yaml");
    } catch (const SpecError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  BOOST_TEST(message("frames:\n  - id: f\n    outcome: maybe\n    products: [{type: GEO, ready_after_seconds: 1}]\n") ==
             "frames.yaml:3:14: error: 'outcome' must be close or fail, not 'maybe'");
  BOOST_TEST(message("frames:\n  - id: f\n    outcome: fail\n    products: [{type: GEO, ready_after_seconds: 1}]\n") ==
             "frames.yaml:2:5: error: missing 'fail_after_seconds'");
  BOOST_TEST(message("frames:\n  - id: f\n    outcome: close\n    products: [{type: GEO, ready_after_seconds: -1}]\n") ==
             "frames.yaml:4:49: error: 'ready_after_seconds' must be a number of seconds, 0 to 31536000");
  BOOST_TEST(message("frames:\n  - id: f\n    outcome: close\n    colour: red\n    products: [{type: A, ready_after_seconds: 1}]\n") ==
             "frames.yaml:4:5: error: unknown key 'colour'");
  BOOST_CHECK_THROW(LoadFixtures("/nonexistent"), SpecError);
}

BOOST_AUTO_TEST_CASE(ImagingCatalogIsRegisteredWithUuidIdsAndItsDefects) {
  const ProfileEntry* entry = FindProfile("imaging-catalog");
  BOOST_REQUIRE(entry != nullptr);
  BOOST_TEST((entry->engine.id_style == engine::IdStyle::kUuid));
  BOOST_TEST(entry->defects.size() == 6u);
  BOOST_TEST(entry->default_fixtures == "fixtures/imaging-catalog");
  BOOST_TEST(entry->make(PURCHASE_TEST_FIXTURES "/imaging-catalog", {}) != nullptr);
}

BOOST_AUTO_TEST_SUITE_END()
