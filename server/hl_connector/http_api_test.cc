// Tests of HttpApi on plain HttpRequest values (no sockets): every status and
// error code of every endpoint, the check order (405 -> fault -> 413 -> 401 ->
// 400 -> 422 -> domain), headers, the control API, and byte-identical replies
// for the same requests on a fresh server with the same seed.
#define BOOST_TEST_MODULE http_api_test
#include "hl_connector/http_api.h"
#include "testing/http_testing.h"

#include <boost/test/unit_test.hpp>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace purchase::http {
namespace {

using testing::Fixtures;
using testing::kStart;
using testing::kVendorA;
using testing::kVendorB;
using testing::MakeRequest;
using testing::FixtureFile;
using testing::Failure;
using testing::Json;
using testing::kJsonType;
using testing::ServiceOptionsFor;
using testing::Str;
using Api = testing::TestApi;

class FixedRealClock final : public Clock {
 public:
  Millis Now() const override { return kStart; }
};

std::string HeaderOf(const HttpReply& reply, const std::string& name) {
  for (const auto& [k, v] : reply.headers)
    if (strcasecmp(k.c_str(), name.c_str()) == 0) return v;
  return "<none>";
}

// ---------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(ValidateEndpointTest)

BOOST_AUTO_TEST_CASE(ValidateAnswersATokenAndItsExpiry) {
  Api api;
  const HttpReply r = api.Validate("asset-basic");
  BOOST_TEST(r.status == 200);
  BOOST_TEST(std::regex_match(r.body, std::regex(R"(\{"token":"tok_[0-9a-f]{32}","exp_date":"2026-01-01T00:15:00Z"\})")),
             r.body);
  BOOST_TEST(r.content_type == kJsonType);
}

BOOST_AUTO_TEST_CASE(ValidateAnswersEachDomainErrorWithItsStatus) {
  Api api;
  BOOST_TEST(Failure(api.Validate("asset-nope")) == "404 ASSET_NOT_FOUND");
  BOOST_TEST(Failure(api.Validate("asset-unavailable")) == "400 ASSET_NOT_AVAILABLE");
  BOOST_TEST(Failure(api.Validate("asset-us-only", 1, "198.51.100.7")) == "400 REGION_NOT_ALLOWED");
  BOOST_TEST(Failure(api.Validate("asset-us-only", 1, "192.0.2.10")) == "400 REGION_NOT_ALLOWED");
  BOOST_TEST(Failure(api.Validate("asset-us-only", 1, "2001:db8::1")) == "400 REGION_NOT_ALLOWED");
  BOOST_TEST(Failure(api.Validate("asset-blocked-de", 1, "198.51.100.7")) == "400 REGION_NOT_ALLOWED");
  BOOST_TEST(api.Validate("asset-blocked-de", 1, "203.0.113.7").status == 200);
  BOOST_TEST(Failure(api.Validate("asset-min-qty-5", 4)) == "400 MIN_QUANTITY_NOT_MET");
  BOOST_TEST(api.Validate("asset-min-qty-5", 5).status == 200);
  BOOST_TEST(api.Validate("asset-us-only", 1, "203.0.113.7").status == 200);
}

BOOST_AUTO_TEST_CASE(ValidateRefusesABodyThatIsNotJsonWith400) {
  Api api;
  const std::string path = "/purchase/validate-purchase-before-payment";
  for (const std::string& body : {std::string(""), std::string("{"), std::string("not json"),
                                  std::string(R"({"asset_id":"asset-basic",})"), std::string("{\"a\":\"\xff\"}"),
                                  std::string(100, '[') + std::string(100, ']')})
    BOOST_TEST(Failure(api.Post(path, body)) == "400 MALFORMED_JSON", body.substr(0, 40));
}

BOOST_AUTO_TEST_CASE(ValidateRefusesMissingOrIllTypedFieldsWith422NamingTheField) {
  Api api;
  const std::string path = "/purchase/validate-purchase-before-payment";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"quantity":1,"customer_ip":"203.0.113.7"})", "asset_id"},
      {R"({"asset_id":"asset-basic","customer_ip":"203.0.113.7"})", "quantity"},
      {R"({"asset_id":"asset-basic","quantity":1})", "customer_ip"},
      {R"({"asset_id":7,"quantity":1,"customer_ip":"203.0.113.7"})", "asset_id"},
      {R"({"asset_id":"","quantity":1,"customer_ip":"203.0.113.7"})", "asset_id"},
      {R"({"asset_id":")" + std::string(129, 'a') + R"(","quantity":1,"customer_ip":"203.0.113.7"})", "asset_id"},
      {R"({"asset_id":"asset-basic","quantity":"5","customer_ip":"203.0.113.7"})", "quantity"},
      {R"({"asset_id":"asset-basic","quantity":5.0,"customer_ip":"203.0.113.7"})", "quantity"},
      {R"({"asset_id":"asset-basic","quantity":1e2,"customer_ip":"203.0.113.7"})", "quantity"},
      {R"({"asset_id":"asset-basic","quantity":null,"customer_ip":"203.0.113.7"})", "quantity"},
      {R"({"asset_id":"asset-basic","quantity":0,"customer_ip":"203.0.113.7"})", "quantity"},
      {R"({"asset_id":"asset-basic","quantity":1000001,"customer_ip":"203.0.113.7"})", "quantity"},
      {R"({"asset_id":"asset-basic","quantity":1,"customer_ip":"not-an-ip"})", "customer_ip"},
      {R"({"asset_id":"asset-basic","quantity":1,"customer_ip":"203.0.113.7:80"})", "customer_ip"},
      {R"({"asset_id":"asset-basic","quantity":1,"customer_ip":"203.0.113.7","quantiy":1})", "quantiy"},
      {R"({"asset_id":"asset-basic","asset_id":"asset-slow","quantity":1,"customer_ip":"203.0.113.7"})", "asset_id"},
      {R"([])", ""},
      {R"("asset-basic")", ""},
  };
  for (const auto& [body, field] : cases) {
    const HttpReply r = api.Post(path, body);
    BOOST_TEST(Failure(r) == "422 REQUEST_VALIDATION_FAILED", body);
    BOOST_TEST(Str(r, "error/field") == field, body);
  }
  // The limits themselves are accepted.
  BOOST_TEST(Failure(api.Validate(std::string(128, 'a'))) == "404 ASSET_NOT_FOUND");
  BOOST_TEST(api.Validate("asset-basic", 1000000, "::1").status == 200);
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(RegisterEndpointTest)

BOOST_AUTO_TEST_CASE(RegisterAnswers201WithTheOrderAndALocation) {
  Api api;
  const HttpReply r = api.Register(api.Token("asset-basic"), "asset-basic", "vo-1");
  BOOST_TEST(r.status == 201);
  const std::string id = Str(r, "order_id");
  BOOST_TEST(std::regex_match(id, std::regex("ord_[0-9a-f]{16}")), id);
  BOOST_TEST(r.body == R"({"order_id":")" + id +
                           R"(","vendor_order_id":"vo-1","asset_id":"asset-basic","quantity":1,"status":"PROCESSING",)"
                           R"("created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z"})");
  BOOST_TEST(HeaderOf(r, "Location") == "/purchase/info?order_id=" + id);
}

BOOST_AUTO_TEST_CASE(RegisterAnswersDuplicateWith409AndTheExistingOrderId) {
  Api api;
  const std::string token = api.Token("asset-basic");
  const std::string id = Str(api.Register(token, "asset-basic", "vo-1"), "order_id");
  const HttpReply retry = api.Register(token, "asset-basic", "vo-1");
  BOOST_TEST(Failure(retry) == "409 DUPLICATE_PURCHASE");
  BOOST_TEST(Str(retry, "error/order_id") == id);
}

BOOST_AUTO_TEST_CASE(RegisterAnswersEachTokenErrorWith422) {
  Api api;
  BOOST_TEST(Failure(api.Register("tok_unknown", "asset-basic", "vo-1")) == "422 TOKEN_INVALID");
  BOOST_TEST(Failure(api.Register(api.Token("asset-basic", 1, kVendorB), "asset-basic", "vo-1")) == "422 TOKEN_INVALID");
  const std::string used = api.Token("asset-basic");
  BOOST_REQUIRE(api.Register(used, "asset-basic", "vo-1").status == 201);
  BOOST_TEST(Failure(api.Register(used, "asset-basic", "vo-2")) == "422 TOKEN_ALREADY_USED");
  BOOST_TEST(Failure(api.Register(api.Token("asset-basic", 2), "asset-basic", "vo-3", 3)) == "422 TOKEN_MISMATCH");
  BOOST_TEST(Failure(api.Register(api.Token("asset-basic"), "asset-slow", "vo-4")) == "422 TOKEN_MISMATCH");
  const std::string expiring = api.Token("asset-basic");
  api.Advance(900);
  BOOST_TEST(Failure(api.Register(expiring, "asset-basic", "vo-5")) == "422 TOKEN_EXPIRED");
}

BOOST_AUTO_TEST_CASE(RegisterRefusesMissingOrIllTypedFieldsWith422NamingTheField) {
  Api api;
  const std::string token = api.Token("asset-basic");
  const std::string ok_rest = R"("asset_id":"asset-basic","quantity":1,"vendor_order_id":"vo-1")";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"{" + ok_rest + "}", "token"},
      {R"({"token":"","asset_id":"asset-basic","quantity":1,"vendor_order_id":"vo-1"})", "token"},
      {R"({"token":")" + token + R"(","asset_id":"asset-basic","quantity":1})", "vendor_order_id"},
      {R"({"token":")" + token + R"(","asset_id":"asset-basic","quantity":1,"vendor_order_id":""})", "vendor_order_id"},
      {R"({"token":")" + token + R"(","asset_id":"asset-basic","quantity":1,"vendor_order_id":"a\u0001b"})",
       "vendor_order_id"},
      {R"({"token":")" + token + R"(","asset_id":"asset-basic","quantity":1.5,"vendor_order_id":"vo-1"})", "quantity"},
      {R"({"token":")" + token + R"(",)" + ok_rest + R"(,"customer_ip":"203.0.113.7"})", "customer_ip"},
  };
  for (const auto& [body, field] : cases) {
    const HttpReply r = api.Post("/purchase/register", body);
    BOOST_TEST(Failure(r) == "422 REQUEST_VALIDATION_FAILED", body);
    BOOST_TEST(Str(r, "error/field") == field, body);
  }
  // None of them used the token.
  BOOST_TEST(api.Register(token, "asset-basic", "vo-1").status == 201);
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(InfoEndpointTest)

BOOST_AUTO_TEST_CASE(InfoAnswers202WithRetryAfterWhileProcessing) {
  Api api;
  const std::string id = api.Order("asset-basic", "vo-1");
  const std::string slow = api.Order("asset-slow", "vo-2");
  HttpReply r = api.Get("/purchase/info?order_id=" + id);
  BOOST_TEST(r.status == 202);
  BOOST_TEST(Str(r, "status") == "PROCESSING");
  BOOST_TEST(HeaderOf(r, "Retry-After") == "5");
  BOOST_TEST(HeaderOf(api.Get("/purchase/info?order_id=" + slow), "Retry-After") == "10");
  api.Advance(3);
  r = api.Get("/purchase/info?order_id=" + id);
  BOOST_TEST(r.status == 202);
  BOOST_TEST(HeaderOf(r, "Retry-After") == "2");
}

BOOST_AUTO_TEST_CASE(InfoAnswers200WithTheItemsWhenCompleted) {
  Api api;
  const std::string id = api.Order("asset-basic", "vo-1");
  api.Advance(5);
  const HttpReply r = api.Get("/purchase/info?order_id=" + id);
  BOOST_TEST(r.status == 200);
  BOOST_TEST(r.body == R"({"order_id":")" + id +
                           R"(","vendor_order_id":"vo-1","asset_id":"asset-basic","quantity":1,"status":"COMPLETED",)"
                           R"("created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:05Z",)"
                           R"("items":[{"item_id":")" + id + R"(-1","asset_id":"asset-basic","quantity":1}]})");
  BOOST_TEST(HeaderOf(r, "Retry-After") == "<none>");
}

BOOST_AUTO_TEST_CASE(InfoAnswers502WithTheReasonWhenFailed) {
  Api api;
  const std::string id = api.Order("asset-fails", "vo-1");
  api.Advance(5);
  const HttpReply r = api.Get("/purchase/info?order_id=" + id);
  BOOST_TEST(r.status == 502);
  BOOST_TEST(Str(r, "status") == "FAILED");
  BOOST_TEST(Str(r, "failure_reason") == "Rights holder rejected the license");
  BOOST_TEST(Str(r, "error/code") == "FULFILLMENT_FAILED");
  BOOST_TEST(Str(r, "error/message") == "Rights holder rejected the license");
  BOOST_TEST(Str(r, "order_id") == id);
  BOOST_TEST(Str(r, "items") == "<absent>");
}

BOOST_AUTO_TEST_CASE(InfoAnswers200WhenCanceled) {
  Api api;
  const std::string id = api.Order("asset-basic", "vo-1");
  api.Advance(1);
  BOOST_REQUIRE(api.Call("DELETE", "/purchase/cancel?order_id=" + id).status == 200);
  api.Advance(10);
  const HttpReply r = api.Get("/purchase/info?order_id=" + id);
  BOOST_TEST(r.status == 200);
  BOOST_TEST(Str(r, "status") == "CANCELED");
  BOOST_TEST(Str(r, "canceled_at") == "2026-01-01T00:00:01Z");
  BOOST_TEST(Str(r, "items") == "<absent>");
}

BOOST_AUTO_TEST_CASE(InfoAnswers404ForAnUnknownOrderAnd422ForABadQuery) {
  Api api;
  const std::string id = api.Order("asset-basic", "vo-1");
  BOOST_TEST(Failure(api.Get("/purchase/info?order_id=ord_0000000000000000")) == "404 ORDER_NOT_FOUND");
  BOOST_TEST(Failure(api.Get("/purchase/info?order_id=whatever")) == "404 ORDER_NOT_FOUND");
  for (const auto& [target, field] : std::vector<std::pair<std::string, std::string>>{
           {"/purchase/info", "order_id"},
           {"/purchase/info?order_id=", "order_id"},
           {"/purchase/info?order_id=" + id + "&verbose=1", "verbose"},
           {"/purchase/info?orderid=" + id, "orderid"},
           {"/purchase/info?order_id=%zz", "order_id"},
       }) {
    const HttpReply r = api.Get(target);
    BOOST_TEST(Failure(r) == "422 REQUEST_VALIDATION_FAILED", target);
    BOOST_TEST(Str(r, "error/field") == field, target);
  }
}

BOOST_AUTO_TEST_CASE(RepeatedQueryParameterIsRefusedNamingIt) {
  Api api;
  const std::string id = api.Order("asset-basic", "vo-1");
  for (const std::string& target :
       {"/purchase/info?order_id=" + id + "&order_id=zzz", "/purchase/info?order_id=zzz&order_id=" + id,
        "/purchase/download-url?order_id=" + id + "&order_id=" + id, "/purchase/view-url?order_id=" + id + "&order%5Fid=x"}) {
    const HttpReply r = api.Get(target);
    BOOST_TEST(Failure(r) == "422 REQUEST_VALIDATION_FAILED", target);
    BOOST_TEST(Str(r, "error/field") == "order_id", target);
    BOOST_TEST(Str(r, "error/message").find("'order_id' is given twice") != std::string::npos, r.body);
  }
  const HttpReply r = api.Call("DELETE", "/purchase/cancel?order_id=" + id + "&item_id=a&item_id=b");
  BOOST_TEST(Failure(r) == "422 REQUEST_VALIDATION_FAILED");
  BOOST_TEST(Str(r, "error/field") == "item_id");
  BOOST_TEST(api.Get("/purchase/info?order_id=" + id).status == 202);  // not canceled
}

BOOST_AUTO_TEST_CASE(ARepeatedIgnoredQueryParameterIsStillRefusedUnderTheOtherVariant) {
  ApiOptions options;
  options.variant = Variant::kOther;
  Api api(options);
  const std::string id = api.Order("asset-basic", "vo-1");
  BOOST_TEST(api.Get("/purchase/info?order_id=" + id + "&debug=1").status == 202);
  BOOST_TEST(Failure(api.Get("/purchase/info?order_id=" + id + "&debug=1&debug=2")) == "422 REQUEST_VALIDATION_FAILED");
  BOOST_TEST(Failure(api.Get("/purchase/info?order_id=" + id + "&debug=%FF")) == "422 REQUEST_VALIDATION_FAILED");
}

BOOST_AUTO_TEST_CASE(AQueryValueThatIsNotUtf8IsRefused) {
  Api api;
  // Escapes of a surrogate, an overlong '/', a code point past U+10FFFF, a lone continuation byte.
  for (const std::string value : {"%ED%A0%80", "%C0%AF", "%F4%90%80%80", "%80", "%E2%82"}) {
    const HttpReply r = api.Get("/purchase/info?order_id=" + value);
    BOOST_TEST(Failure(r) == "422 REQUEST_VALIDATION_FAILED", value);
    BOOST_TEST(Str(r, "error/field") == "order_id", value);
  }
  BOOST_TEST(Failure(api.Get("/purchase/info?order_id=%E2%82%AC")) == "404 ORDER_NOT_FOUND");  // the euro sign
}

BOOST_AUTO_TEST_CASE(QueryValuesAndNamesArePercentDecoded) {
  Api api;
  const std::string id = api.Order("asset-basic", "vo-1");
  std::string encoded;
  for (char c : id) encoded += c == '_' ? std::string("%5F") : std::string(1, c);
  BOOST_TEST(api.Get("/purchase/info?order_id=" + encoded).status == 202);
  BOOST_TEST(api.Get("/purchase/info?order%5Fid=" + id).status == 202);
  BOOST_TEST(api.Get("/purchase/info?order_id=%6Frd_" + id.substr(4)).status == 202);
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(UrlEndpointTest)

BOOST_AUTO_TEST_CASE(UrlEndpointsAnswerByOrderState) {
  Api api;
  const std::string basic = api.Order("asset-basic", "vo-1");
  const std::string fails = api.Order("asset-fails", "vo-2");
  for (const std::string kind : {"download", "view"}) {
    const std::string path = "/purchase/" + kind + "-url?order_id=";
    BOOST_TEST(Failure(api.Get(path + basic)) == "409 ORDER_NOT_COMPLETED", kind);
    BOOST_TEST(Failure(api.Get(path + "ord_0000000000000000")) == "404 ORDER_NOT_FOUND", kind);
    BOOST_TEST(Failure(api.Get(path)) == "422 REQUEST_VALIDATION_FAILED", kind);
  }
  api.Advance(5);
  for (const std::string kind : {"download", "view"}) {
    const std::string path = "/purchase/" + kind + "-url?order_id=";
    BOOST_TEST(Failure(api.Get(path + fails)) == "409 ORDER_NOT_COMPLETED", kind);
    const HttpReply r = api.Get(path + basic);
    BOOST_TEST(r.status == 200, kind);
    BOOST_TEST(std::regex_match(r.body, std::regex(R"(\{"url":"http://127\.0\.0\.1:8080/assets/)" + kind + "/" + basic +
                                                   R"(\?expires=1767226205&sig=[0-9a-f]{64}","expires_at":"2026-01-01T00:10:05Z"\})")),
               r.body);
  }
  BOOST_REQUIRE(api.Call("DELETE", "/purchase/cancel?order_id=" + basic).status == 200);
  BOOST_REQUIRE(api.Call("DELETE", "/purchase/cancel?order_id=" + fails).status == 200);
  for (const std::string kind : {"download", "view"}) {
    BOOST_TEST(Failure(api.Get("/purchase/" + kind + "-url?order_id=" + basic)) == "410 ORDER_CANCELED", kind);
    BOOST_TEST(Failure(api.Get("/purchase/" + kind + "-url?order_id=" + fails)) == "410 ORDER_CANCELED", kind);
  }
}

BOOST_AUTO_TEST_CASE(UrlsUseTheRequestsHost) {
  Api api;
  const std::string id = api.Order("asset-instant", "vo-1");
  HttpRequest req = MakeRequest("GET", "/purchase/download-url?order_id=" + id, "", kVendorA);
  req.host = "shop.example:9090";
  BOOST_TEST(Str(api.api.Handle(req), "url").rfind("http://shop.example:9090/assets/download/", 0) == 0u);
  req.host = std::nullopt;
  BOOST_TEST(Str(api.api.Handle(req), "url").rfind("http://127.0.0.1:8080/assets/download/", 0) == 0u);
  req.host = "evil\"host/";
  BOOST_TEST(Str(api.api.Handle(req), "url").rfind("http://127.0.0.1:8080/assets/download/", 0) == 0u);
}

BOOST_AUTO_TEST_CASE(SignedUrlsServeTheAssetWithoutAuthorization) {
  Api api;
  const std::string id = api.Order("asset-basic", "vo-1");
  api.Advance(5);
  HttpReply r = api.Get(api.SignedUrl("download", id), std::nullopt);
  BOOST_TEST(r.status == 200);
  BOOST_TEST(r.content_type == "application/pdf");
  BOOST_TEST(r.body == FixtureFile("asset-basic.pdf"));
  BOOST_TEST(HeaderOf(r, "Content-Disposition") == "attachment; filename=\"asset-basic.pdf\"");
  r = api.Get(api.SignedUrl("view", id), std::nullopt);
  BOOST_TEST(r.status == 200);
  BOOST_TEST(r.content_type == "text/html; charset=utf-8");
  BOOST_TEST(r.body.find("<title>Clair de Lune (piano solo)</title>") != std::string::npos, r.body);
  BOOST_TEST(r.body.find(id) != std::string::npos);
}

BOOST_AUTO_TEST_CASE(ATamperedOrMalformedSignedUrlIs403) {
  Api api;
  const std::string id = api.Order("asset-basic", "vo-1");
  const std::string other = api.Order("asset-basic", "vo-2");
  api.Advance(5);
  const std::string url = api.SignedUrl("download", id);
  const std::string view_url = api.SignedUrl("view", id);
  const size_t sig = url.find("&sig=") + 5;
  std::string flipped = url;
  flipped[sig] = flipped[sig] == '0' ? '1' : '0';
  std::string longer = url;
  longer.replace(url.find("expires=") + 8, 10, "1767229999");
  std::string other_order = url;
  other_order.replace(other_order.find(id), id.size(), other);
  for (const std::string& bad : {
           flipped,
           longer,
           other_order,
           "/assets/view" + url.substr(std::string("/assets/download").size()),  // a download URL as a view
           "/assets/download" + view_url.substr(std::string("/assets/view").size()),  // and the other way
           url.substr(0, url.find("&sig=")),                     // no sig
           url.substr(0, url.find("?")) + url.substr(url.find("&sig=")).replace(0, 1, "?"),  // no expires
           url + "&extra=1",                                     // an extra parameter: 403, never 422
           url.substr(0, url.find("expires=") + 8) + "soon" + url.substr(url.find("&sig=")),
           url.substr(0, url.size() - 1),                        // a short signature
           // the same expiry spelled with a leading zero: a URL never handed out
           url.substr(0, url.find("expires=") + 8) + "0" + url.substr(url.find("expires=") + 8),
       }) {
    const HttpReply r = api.Get(bad, std::nullopt);
    BOOST_TEST(Failure(r) == "403 URL_SIGNATURE_INVALID", bad);
  }
}

BOOST_AUTO_TEST_CASE(ASignedUrlWithARepeatedParameterIs403) {
  Api api;
  const std::string id = api.Order("asset-basic", "vo-1");
  api.Advance(5);
  const std::string url = api.SignedUrl("download", id);
  const std::string sig = url.substr(url.find("&sig=") + 5);
  const std::string expires = url.substr(url.find("expires="), url.find("&sig=") - url.find("expires="));
  BOOST_TEST(api.Get(url, std::nullopt).status == 200);
  for (const std::string& bad : {url + "&sig=junk", url + "&sig=" + sig, url + "&" + expires,
                                 url.substr(0, url.find('?') + 1) + "sig=junk&" + url.substr(url.find('?') + 1)}) {
    const HttpReply r = api.Get(bad, std::nullopt);
    BOOST_TEST(Failure(r) == "403 URL_SIGNATURE_INVALID", bad);
  }
}

// RFC 3986 (6.2.2.2): a percent-encoded unreserved character is the character
// itself, so this is the URL as handed out, spelled another way.
BOOST_AUTO_TEST_CASE(APercentEncodedSpellingOfTheHandedOutUrlOpensTheAsset) {
  Api api;
  const std::string id = api.Order("asset-basic", "vo-1");
  api.Advance(5);
  const std::string url = api.SignedUrl("download", id);
  std::string encoded = url;
  encoded.replace(encoded.find("&sig="), 5, "&%73ig=");
  const size_t expires = encoded.find("expires=") + 8;
  encoded.replace(expires, 1, "%3" + encoded.substr(expires, 1));
  BOOST_TEST_REQUIRE(encoded != url);
  BOOST_TEST(api.Get(encoded, std::nullopt).status == 200, encoded);
}

BOOST_AUTO_TEST_CASE(AnExpiredOrCanceledSignedUrlIs410) {
  Api api;
  const std::string id = api.Order("asset-basic", "vo-1");
  const std::string id2 = api.Order("asset-basic", "vo-2");
  api.Advance(5);
  const std::string url = api.SignedUrl("download", id);
  const std::string url2 = api.SignedUrl("view", id2);
  BOOST_REQUIRE(api.Call("DELETE", "/purchase/cancel?order_id=" + id).status == 200);
  BOOST_TEST(Failure(api.Get(url, std::nullopt)) == "410 ORDER_CANCELED");
  BOOST_TEST(api.Get(url2, std::nullopt).status == 200);
  api.Advance(600);  // 2026-01-01T00:10:05Z: exactly the expiry
  BOOST_TEST(Failure(api.Get(url2, std::nullopt)) == "410 URL_EXPIRED");
  BOOST_TEST(Failure(api.Get(url, std::nullopt)) == "410 URL_EXPIRED");  // expiry before cancellation
}

BOOST_AUTO_TEST_CASE(ASignedUrlFromBeforeAResetNamesNoOrderOrANewOne) {
  Api api;
  const std::string id = api.Order("asset-basic", "vo-1");
  api.Advance(5);
  const std::string url = api.SignedUrl("download", id);
  BOOST_REQUIRE(api.Post("/_control/reset", "", std::nullopt).status == 200);
  BOOST_TEST(Failure(api.Get(url, std::nullopt)) == "404 ORDER_NOT_FOUND");
  BOOST_TEST(api.Order("asset-basic", "vo-again") == id);  // the same seed: the same first id
  BOOST_TEST(Failure(api.Get(url, std::nullopt)) == "409 ORDER_NOT_COMPLETED");
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(CancelEndpointTest)

BOOST_AUTO_TEST_CASE(CancelAnswers200FromEveryStateAndAgain) {
  Api api;
  const std::string processing = api.Order("asset-slow", "vo-1");
  const std::string completed = api.Order("asset-basic", "vo-2");
  const std::string failed = api.Order("asset-fails", "vo-3");
  api.Advance(5);
  int second = 5;
  for (const std::string& id : {processing, completed, failed}) {
    const HttpReply first = api.Call("DELETE", "/purchase/cancel?order_id=" + id);
    BOOST_TEST(first.status == 200);
    BOOST_TEST(Str(first, "status") == "CANCELED");
    BOOST_TEST(Str(first, "canceled_at") == "2026-01-01T00:00:0" + std::to_string(second++) + "Z");
    BOOST_TEST(Str(first, "updated_at") == Str(first, "canceled_at"));
    BOOST_TEST(Str(first, "failure_reason") == "<absent>");
    BOOST_TEST(Str(first, "items") == "<absent>");
    api.Advance(1);
    const HttpReply again = api.Call("DELETE", "/purchase/cancel?order_id=" + id);
    BOOST_TEST(again.status == 200);
    BOOST_TEST(again.body == first.body);  // unchanged, updated_at and canceled_at included
  }
}

BOOST_AUTO_TEST_CASE(CancelAnswersOrderAndItemNotFound) {
  Api api;
  const std::string id = api.Order("asset-basic", "vo-1");
  BOOST_TEST(Failure(api.Call("DELETE", "/purchase/cancel?order_id=ord_0000000000000000")) == "404 ORDER_NOT_FOUND");
  BOOST_TEST(Failure(api.Call("DELETE", "/purchase/cancel?order_id=ord_0000000000000000&item_id=x")) ==
             "404 ORDER_NOT_FOUND");
  BOOST_TEST(Failure(api.Call("DELETE", "/purchase/cancel?order_id=" + id + "&item_id=" + id + "-2")) ==
             "404 ITEM_NOT_FOUND");
  BOOST_TEST(api.Get("/purchase/info?order_id=" + id).status == 202);  // still PROCESSING
  const HttpReply r = api.Call("DELETE", "/purchase/cancel?order_id=" + id + "&item_id=" + id + "-1");
  BOOST_TEST(r.status == 200);
  BOOST_TEST(Str(r, "status") == "CANCELED");
  const HttpReply bad = api.Call("DELETE", "/purchase/cancel?order_id=" + id + "&reason=x");
  BOOST_TEST(Failure(bad) == "422 REQUEST_VALIDATION_FAILED");
  BOOST_TEST(Str(bad, "error/field") == "reason");
  BOOST_TEST(Str(api.Call("DELETE", "/purchase/cancel"), "error/field") == "order_id");
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(CommonRulesTest)

BOOST_AUTO_TEST_CASE(EveryVendorEndpointNeedsABearerToken) {
  Api api;
  const std::string id = api.Order("asset-basic", "vo-1");
  const std::vector<std::pair<std::string, std::string>> endpoints = {
      {"POST", "/purchase/validate-purchase-before-payment"}, {"POST", "/purchase/register"},
      {"GET", "/purchase/info?order_id=" + id},               {"GET", "/purchase/download-url?order_id=" + id},
      {"GET", "/purchase/view-url?order_id=" + id},           {"DELETE", "/purchase/cancel?order_id=" + id},
  };
  for (const auto& [method, target] : endpoints) {
    for (const std::optional<std::string>& auth :
         {std::optional<std::string>(), std::optional<std::string>("Bearer nope"), std::optional<std::string>(""),
          std::optional<std::string>("Bearer"), std::optional<std::string>("Basic dGVzdA=="),
          std::optional<std::string>("test-token-vendor-a")}) {
      const HttpReply r = api.Call(method, target, "{}", auth);
      BOOST_TEST(Failure(r) == "401 UNAUTHENTICATED", method << " " << target << " with " << auth.value_or("none"));
      BOOST_TEST(HeaderOf(r, "WWW-Authenticate") == "Bearer");
    }
  }
  BOOST_TEST(api.Get("/purchase/info?order_id=" + id).status == 202);  // nothing was canceled
}

BOOST_AUTO_TEST_CASE(UnknownPathIs404AndWrongMethodIs405WithAllow) {
  Api api;
  BOOST_TEST(Failure(api.Get("/nope")) == "404 NOT_FOUND");
  BOOST_TEST(Failure(api.Get("/purchase/info/extra")) == "404 NOT_FOUND");
  BOOST_TEST(Failure(api.Get("/assets/download/")) == "404 NOT_FOUND");
  for (const auto& [method, path, allow] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"GET", "/purchase/register", "POST"},
           {"PUT", "/purchase/validate-purchase-before-payment", "POST"},
           {"POST", "/purchase/info", "GET"},
           {"GET", "/purchase/cancel", "DELETE"},
           {"DELETE", "/assets/download/ord_0000000000000000", "GET"},
           {"PUT", "/_control/faults", "GET, POST, DELETE"},
           {"GET", "/_control/reset", "POST"},
       }) {
    const HttpReply r = api.Call(method, path, "", std::nullopt);
    BOOST_TEST(Failure(r) == "405 METHOD_NOT_ALLOWED", method << " " << path);
    BOOST_TEST(HeaderOf(r, "Allow") == allow, method << " " << path);
  }
}

// Replies write strings through a bulk path when nothing needs escaping and
// through RapidJSON otherwise; either way the bytes must be RapidJSON's.
BOOST_AUTO_TEST_CASE(EchoedTextIsEscapedExactlyAsRapidJsonEscapesIt) {
  Api api;
  const std::vector<std::string> texts = {
      "plain", "/a-path-longer-than-eight-bytes", "/quote\"here", "/back\\slash", "/ctl\x01", "/unit\x1f-sep",
      "/del\x7f", "/caf\xc3\xa9-\xe2\x82\xac", "/12345678\"", "/1234567\\", "/\n\t\r\b\f",
  };
  for (const std::string& path : texts) {
    const HttpReply r = api.Get(path);
    BOOST_TEST(Failure(r) == "404 NOT_FOUND", path);
    BOOST_TEST(Str(r, "error/message") == "no endpoint at GET " + path);
    rapidjson::StringBuffer expected;
    rapidjson::Writer<rapidjson::StringBuffer> writer(expected);
    const std::string message = "no endpoint at GET " + path;
    writer.String(message.data(), static_cast<rapidjson::SizeType>(message.size()));
    BOOST_TEST(r.body.find(expected.GetString()) != std::string::npos, r.body << " lacks " << expected.GetString());
  }
}

BOOST_AUTO_TEST_CASE(MethodNotAllowedComesBeforeUnauthenticated) {
  Api api;
  BOOST_TEST(Failure(api.Get("/purchase/register", std::nullopt)) == "405 METHOD_NOT_ALLOWED");
}

BOOST_AUTO_TEST_CASE(UnauthenticatedComesBeforeMalformedJson) {
  Api api;
  BOOST_TEST(Failure(api.Post("/purchase/register", "{", std::nullopt)) == "401 UNAUTHENTICATED");
  BOOST_TEST(Failure(api.Post("/purchase/register", "{", "Bearer nope")) == "401 UNAUTHENTICATED");
  BOOST_TEST(Failure(api.Post("/purchase/register", "{")) == "400 MALFORMED_JSON");
}

BOOST_AUTO_TEST_CASE(MalformedJsonComesBeforeValidationAndValidationBeforeDomain) {
  Api api;
  BOOST_TEST(Failure(api.Post("/purchase/register", R"({"token": "x", "quantity": )")) == "400 MALFORMED_JSON");
  // Unknown member and an unknown token: the 422 wins over TOKEN_INVALID.
  const HttpReply r = api.Post("/purchase/register",
                               R"({"token":"tok_x","asset_id":"asset-basic","quantity":1,"vendor_order_id":"v","x":1})");
  BOOST_TEST(Failure(r) == "422 REQUEST_VALIDATION_FAILED");
  BOOST_TEST(Str(r, "error/field") == "x");
  // Missing quantity and an unknown asset: the 422 wins over ASSET_NOT_FOUND.
  BOOST_TEST(Failure(api.Post("/purchase/validate-purchase-before-payment",
                              R"({"asset_id":"asset-nope","customer_ip":"203.0.113.7"})")) ==
             "422 REQUEST_VALIDATION_FAILED");
}

BOOST_AUTO_TEST_CASE(BodyLargerThanTheLimitIs413BeforeAuthentication) {
  Api api;
  // A valid body padded with spaces to exactly the limit is accepted.
  std::string body = R"({"asset_id":"asset-basic","quantity":1,"customer_ip":"203.0.113.7"})";
  body += std::string(65536 - body.size(), ' ');
  BOOST_TEST(api.Post("/purchase/validate-purchase-before-payment", body).status == 200);
  body += " ";
  BOOST_TEST(Failure(api.Post("/purchase/validate-purchase-before-payment", body)) == "413 PAYLOAD_TOO_LARGE");
  BOOST_TEST(Failure(api.Post("/purchase/validate-purchase-before-payment", body, std::nullopt)) ==
             "413 PAYLOAD_TOO_LARGE");
  BOOST_TEST(Failure(api.Call("DELETE", "/purchase/cancel?order_id=x", body, std::nullopt)) == "413 PAYLOAD_TOO_LARGE");
  // The limit is an option.
  ApiOptions small;
  small.max_body_bytes = 100;
  Api limited(small);
  BOOST_TEST(Failure(limited.Post("/purchase/register", std::string(101, ' '))) == "413 PAYLOAD_TOO_LARGE");
  BOOST_TEST(Failure(limited.Post("/purchase/register", std::string(100, ' '))) == "400 MALFORMED_JSON");
}

// Another vendor's order answered as an unknown one, on every endpoint and in
// every state: security_test.cc, VendorBGetsFromEveryEndpointOnAsOrdersWhatAnUnknownIdGets.

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(FaultInjectionTest)

BOOST_AUTO_TEST_CASE(InjectedStatusAnswersInsteadOfHandlingWithRetryAfter) {
  Api api;
  const HttpReply added = api.AddFault(
      R"({"match":{"path":"/purchase/register"},"effect":{"status":503,"retry_after":7},"times":1})");
  BOOST_TEST(added.body ==
             R"({"id":"fault-1","match":{"path":"/purchase/register"},"effect":{"status":503,"retry_after":7},"remaining":1})");
  BOOST_TEST(HeaderOf(added, "Location") == "/_control/faults/fault-1");
  const std::string token = api.Token("asset-basic");  // validate is not matched
  HttpReply r = api.Register(token, "asset-basic", "vo-1");
  BOOST_TEST(Failure(r) == "503 SERVICE_UNAVAILABLE");
  BOOST_TEST(HeaderOf(r, "Retry-After") == "7");
  // No order was created and the token is unused: the retry succeeds.
  BOOST_TEST(api.service.order_count() == 0u);
  r = api.Register(token, "asset-basic", "vo-1");
  BOOST_TEST(r.status == 201);
  BOOST_TEST(Str(api.Get("/_control/faults", std::nullopt), "faults/0/remaining") == "0");
}

BOOST_AUTO_TEST_CASE(InjectedStatusesCarryTheirCatalogueCode) {
  Api api;
  api.AddFault(R"({"match":{"method":"GET"},"effect":{"status":429,"retry_after":2},"times":1})");
  api.AddFault(R"({"match":{"method":"GET"},"effect":{"status":500},"times":1})");
  api.AddFault(R"({"match":{"method":"GET"},"effect":{"status":418},"times":1})");
  api.AddFault(R"({"match":{"method":"GET"},"effect":{"status":503},"times":1})");
  HttpReply r = api.Get("/purchase/info?order_id=x");
  BOOST_TEST(Failure(r) == "429 RATE_LIMITED");
  BOOST_TEST(HeaderOf(r, "Retry-After") == "2");
  BOOST_TEST(Failure(api.Get("/purchase/info?order_id=x")) == "500 INTERNAL_ERROR");
  r = api.Get("/purchase/info?order_id=x");
  BOOST_TEST(Failure(r) == "418 INJECTED_FAULT");
  BOOST_TEST(HeaderOf(r, "Retry-After") == "<none>");
  BOOST_TEST(Failure(api.Get("/purchase/info?order_id=x")) == "503 SERVICE_UNAVAILABLE");
  BOOST_TEST(Failure(api.Get("/purchase/info?order_id=x")) == "404 ORDER_NOT_FOUND");
}

BOOST_AUTO_TEST_CASE(InjectedStatusComesBeforeSizeAuthenticationAndParsing) {
  Api api;
  api.AddFault(R"({"effect":{"status":500}})");
  BOOST_TEST(Failure(api.Post("/purchase/register", std::string(70000, 'x'), std::nullopt)) == "500 INTERNAL_ERROR");
  BOOST_TEST(Failure(api.Get("/assets/download/ord_0000000000000000")) == "500 INTERNAL_ERROR");
  // But never before routing, and never on the control API.
  BOOST_TEST(Failure(api.Get("/purchase/register")) == "405 METHOD_NOT_ALLOWED");
  BOOST_TEST(Failure(api.Get("/nope")) == "404 NOT_FOUND");
  BOOST_TEST(api.Get("/_control/clock", std::nullopt).status == 200);
  BOOST_TEST(api.Post("/_control/clock/advance", R"({"seconds":1})", std::nullopt).status == 200);
}

BOOST_AUTO_TEST_CASE(FaultRulesMatchTheOrderARequestNames) {
  Api api;
  const std::string id = api.Order("asset-slow", "vo-9");
  api.AddFault(R"({"match":{"asset_id":"asset-slow","vendor_order_id":"vo-9"},"effect":{"status":500}})");
  BOOST_TEST(Failure(api.Get("/purchase/info?order_id=" + id)) == "500 INTERNAL_ERROR");
  BOOST_TEST(Failure(api.Call("DELETE", "/purchase/cancel?order_id=" + id)) == "500 INTERNAL_ERROR");
  const std::string other = api.Order("asset-basic", "vo-9");
  BOOST_TEST(api.Get("/purchase/info?order_id=" + other).status == 202);
}

BOOST_AUTO_TEST_CASE(DelayAndDropAreHandedToTheTransportAfterHandling) {
  Api api;
  api.AddFault(R"({"match":{"path":"/purchase/info"},"effect":{"delay_ms":250},"times":1})");
  api.AddFault(R"({"match":{"path":"/purchase/register"},"effect":{"drop_connection":true},"times":1})");
  const std::string token = api.Token("asset-basic");
  const HttpReply dropped = api.Register(token, "asset-basic", "vo-1");
  BOOST_TEST(dropped.drop_connection);
  BOOST_TEST(dropped.status == 201);  // handled: the order exists, only the reply is lost
  const std::string id = Str(dropped, "order_id");
  const HttpReply retry = api.Register(token, "asset-basic", "vo-1");
  BOOST_TEST(!retry.drop_connection);
  BOOST_TEST(Failure(retry) == "409 DUPLICATE_PURCHASE");
  BOOST_TEST(Str(retry, "error/order_id") == id);
  const HttpReply late = api.Get("/purchase/info?order_id=" + id);
  BOOST_TEST(late.delay_ms == 250);
  BOOST_TEST(late.status == 202);
  BOOST_TEST(api.Get("/purchase/info?order_id=" + id).delay_ms == 0);
}

BOOST_AUTO_TEST_CASE(FulfillmentFaultFailsTheOrdersRegisteredWhileActive) {
  Api api;
  api.AddFault(R"({"match":{"asset_id":"asset-basic"},"effect":{"fulfillment":"fail","reason":"Out of stock","fulfillment_delay_seconds":2},"times":1})");
  // A rejected register does not use it up.
  BOOST_TEST(Failure(api.Register("tok_nope", "asset-basic", "vo-0")) == "422 TOKEN_INVALID");
  const std::string failing = api.Order("asset-basic", "vo-1");
  const std::string normal = api.Order("asset-basic", "vo-2");
  api.Advance(2);
  const HttpReply r = api.Get("/purchase/info?order_id=" + failing);
  BOOST_TEST(r.status == 502);
  BOOST_TEST(Str(r, "error/message") == "Out of stock");
  BOOST_TEST(Str(r, "updated_at") == "2026-01-01T00:00:02Z");
  BOOST_TEST(api.Get("/purchase/info?order_id=" + normal).status == 202);
  api.Advance(3);
  BOOST_TEST(api.Get("/purchase/info?order_id=" + normal).status == 200);
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(ControlApiTest)

// The capabilities a GET /_control lists.
std::set<std::string> Capabilities(const HttpReply& r) {
  const rapidjson::Document d = Json(r);
  std::set<std::string> out;
  BOOST_REQUIRE(d.IsObject() && d.HasMember("capabilities") && d["capabilities"].IsArray());
  for (const auto& c : d["capabilities"].GetArray()) out.insert(c.GetString());
  return out;
}

BOOST_AUTO_TEST_CASE(ControlListsItsCapabilities) {
  ApiOptions options;
  options.version = "9.8.7-test";
  Api api(options);
  const HttpReply r = api.Get("/_control", std::nullopt);
  BOOST_TEST(r.status == 200);
  const std::set<std::string> all = {"reset", "clock", "faults", "history", "audit", "drills"};
  BOOST_TEST((Capabilities(r) == all));
  BOOST_TEST(Str(r, "clock") == "manual");
  BOOST_TEST(Str(r, "version") == "9.8.7-test");
  // "clock" only with the manual clock.
  Api real({}, 1, std::make_unique<FixedRealClock>());
  const HttpReply rr = real.Get("/_control", std::nullopt);
  std::set<std::string> all_but_clock = all;
  all_but_clock.erase("clock");
  BOOST_TEST((Capabilities(rr) == all_but_clock));
  BOOST_TEST(Str(rr, "clock") == "real");
}

BOOST_AUTO_TEST_CASE(ClockReadsAdvancesAndSets) {
  Api api;
  BOOST_TEST(api.Get("/_control/clock", std::nullopt).body == R"({"now":"2026-01-01T00:00:00Z","mode":"manual"})");
  api.Order("asset-basic", "vo-1");
  api.Order("asset-fails", "vo-2");
  api.Order("asset-slow", "vo-3");
  HttpReply r = api.Post("/_control/clock/advance", R"({"seconds":4.5})", std::nullopt);
  BOOST_TEST(r.body == R"({"now":"2026-01-01T00:00:04.500Z","mode":"manual","settled":0})");
  r = api.Post("/_control/clock/advance", R"({"seconds":0.5})", std::nullopt);
  BOOST_TEST(r.body == R"({"now":"2026-01-01T00:00:05Z","mode":"manual","settled":2})");
  r = api.Post("/_control/clock/set", R"({"now":"2026-01-01T02:00:00+01:00"})", std::nullopt);
  BOOST_TEST(r.body == R"({"now":"2026-01-01T01:00:00Z","mode":"manual","settled":1})");
  r = api.Post("/_control/clock/set", R"({"now":"2026-01-01T01:00:00Z"})", std::nullopt);  // the same instant
  BOOST_TEST(r.body == R"({"now":"2026-01-01T01:00:00Z","mode":"manual","settled":0})");
}

BOOST_AUTO_TEST_CASE(ClockSetBackwardsIs422) {
  Api api;
  api.Advance(10);
  const HttpReply r = api.Post("/_control/clock/set", R"({"now":"2026-01-01T00:00:09.999Z"})", std::nullopt);
  BOOST_TEST(Failure(r) == "422 CLOCK_BACKWARDS");
  BOOST_TEST(Str(api.Get("/_control/clock", std::nullopt), "now") == "2026-01-01T00:00:10Z");
}

BOOST_AUTO_TEST_CASE(ClockRequestsAreValidated) {
  Api api;
  for (const auto& [path, body, field] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"/_control/clock/advance", R"({"seconds":-1})", "seconds"},
           {"/_control/clock/advance", R"({"seconds":"5"})", "seconds"},
           {"/_control/clock/advance", R"({})", "seconds"},
           {"/_control/clock/advance", R"({"seconds":5,"minutes":1})", "minutes"},
           {"/_control/clock/set", R"({"now":"tomorrow"})", "now"},
           {"/_control/clock/set", R"({"now":"2026-01-01T00:00:10"})", "now"},
           {"/_control/clock/set", R"({})", "now"},
       }) {
    const HttpReply r = api.Post(path, body, std::nullopt);
    BOOST_TEST(Failure(r) == "422 REQUEST_VALIDATION_FAILED", body);
    BOOST_TEST(Str(r, "error/field") == field, body);
  }
  BOOST_TEST(Failure(api.Post("/_control/clock/advance", "{", std::nullopt)) == "400 MALFORMED_JSON");
}

BOOST_AUTO_TEST_CASE(TheClockRefusesInstantsPastTheYear9999) {
  Api api;
  for (const std::string past : {"9999-12-31T23:59:59.001Z", "9999-12-31T23:59:59-00:01"}) {
    const HttpReply r = api.Post("/_control/clock/set", R"({"now":")" + past + "\"}", std::nullopt);
    BOOST_TEST(Failure(r) == "422 REQUEST_VALIDATION_FAILED", past);
    BOOST_TEST(Str(r, "error/field") == "now", past);
  }
  BOOST_TEST(api.Post("/_control/clock/set", R"({"now":"9999-12-31T23:59:58Z"})", std::nullopt).status == 200);
  const HttpReply r = api.Post("/_control/clock/advance", R"({"seconds":1.5})", std::nullopt);
  BOOST_TEST(Failure(r) == "422 REQUEST_VALIDATION_FAILED");
  BOOST_TEST(Str(r, "error/field") == "seconds");
  BOOST_TEST(Str(api.Get("/_control/clock", std::nullopt), "now") == "9999-12-31T23:59:58Z");
  BOOST_TEST(api.Post("/_control/clock/advance", R"({"seconds":1})", std::nullopt).status == 200);
  BOOST_TEST(Str(api.Get("/_control/clock", std::nullopt), "now") == "9999-12-31T23:59:59Z");
}

BOOST_AUTO_TEST_CASE(ARepeatedMemberIsRefusedAtAnyDepthNamingIt) {
  Api api;
  for (const auto& [path, body, field] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"/_control/clock/advance", R"({"seconds":5,"seconds":-1})", "seconds"},
           {"/_control/faults", R"({"match":{"path":"/purchase/info","path":"/x"},"effect":{"status":500}})", "match.path"},
           {"/_control/faults", R"({"match":{},"effect":{"status":500,"status":503}})", "effect.status"},
       }) {
    const HttpReply r = api.Post(path, body, std::nullopt);
    BOOST_TEST(Failure(r) == "422 REQUEST_VALIDATION_FAILED", body);
    BOOST_TEST(Str(r, "error/field") == field, body);
  }
  BOOST_TEST(Str(api.Get("/_control/clock", std::nullopt), "now") == "2026-01-01T00:00:00Z");
  BOOST_TEST(api.Get("/_control/faults", std::nullopt).body == R"({"faults":[]})");
}

BOOST_AUTO_TEST_CASE(ALoneSurrogateEscapeIsRefused) {
  Api api;
  for (const std::string& body : {testing::ValidateBody("asset-basic\\udc00"), testing::ValidateBody("asset\\udbff"),
                                 std::string(R"({"asset_id":"asset-basic","quantity":1,"customer_ip":"203.0.113.7","\udc00":1})")}) {
    const HttpReply r = api.Post("/purchase/validate-purchase-before-payment", body);
    BOOST_TEST(Failure(r) == "400 MALFORMED_JSON", body);
  }
  const HttpReply r =
      api.Post("/_control/faults", R"({"match":{"path":"/purchase/\udc00"},"effect":{"status":500}})", std::nullopt);
  BOOST_TEST(Failure(r) == "400 MALFORMED_JSON");
  BOOST_TEST(api.Get("/_control/faults", std::nullopt).body == R"({"faults":[]})");
}

BOOST_AUTO_TEST_CASE(ARealClockCannotBeMovedThroughTheControlApi) {
  Api api({}, 1, std::make_unique<FixedRealClock>());
  BOOST_TEST(Failure(api.Post("/_control/clock/advance", R"({"seconds":1})", std::nullopt)) == "409 CLOCK_NOT_MANUAL");
  BOOST_TEST(Failure(api.Post("/_control/clock/set", R"({"now":"2025-01-01T00:00:00Z"})", std::nullopt)) ==
             "409 CLOCK_NOT_MANUAL");
  BOOST_TEST(api.Get("/_control/clock", std::nullopt).body == R"({"now":"2026-01-01T00:00:00Z","mode":"real"})");
}

BOOST_AUTO_TEST_CASE(FaultsAreAddedListedDeletedAndCleared) {
  Api api;
  api.AddFault(R"({"match":{"method":"GET"},"effect":{"delay_ms":10}})");
  api.AddFault(R"({"effect":{"fulfillment":"complete","fulfillment_delay_seconds":1.5},"times":3})");
  BOOST_TEST(api.Get("/_control/faults", std::nullopt).body ==
             R"({"faults":[{"id":"fault-1","match":{"method":"GET"},"effect":{"delay_ms":10},"remaining":null},)"
             R"({"id":"fault-2","match":{},"effect":{"fulfillment":"complete","fulfillment_delay_seconds":1.5},"remaining":3}]})");
  HttpReply r = api.Call("DELETE", "/_control/faults/fault-1", "", std::nullopt);
  BOOST_TEST(r.status == 200);
  BOOST_TEST(Str(r, "id") == "fault-1");
  BOOST_TEST(Failure(api.Call("DELETE", "/_control/faults/fault-1", "", std::nullopt)) == "404 FAULT_NOT_FOUND");
  BOOST_TEST(Failure(api.Call("DELETE", "/_control/faults/fault-99", "", std::nullopt)) == "404 FAULT_NOT_FOUND");
  BOOST_TEST(api.AddFault(R"({"effect":{"status":500}})").body.find(R"("id":"fault-3")") != std::string::npos);
  r = api.Call("DELETE", "/_control/faults", "", std::nullopt);
  BOOST_TEST(r.body == R"({"deleted":2})");
  BOOST_TEST(api.Get("/_control/faults", std::nullopt).body == R"({"faults":[]})");
}

BOOST_AUTO_TEST_CASE(FaultRulesAreValidated) {
  Api api;
  for (const auto& [body, field] : std::vector<std::pair<std::string, std::string>>{
           {R"({})", "effect"},
           {R"({"effect":{}})", "effect"},
           {R"({"effect":{"status":500,"fulfillment":"fail"}})", "effect"},
           {R"({"effect":{"statuss":500}})", "effect.statuss"},
           {R"({"effect":{"status":200}})", "effect.status"},
           {R"({"effect":{"status":"500"}})", "effect.status"},
           {R"({"effect":{"retry_after":5}})", "effect.retry_after"},
           {R"({"effect":{"fulfillment":"maybe"}})", "effect.fulfillment"},
           {R"({"match":{"path":"/_control/reset"},"effect":{"status":500}})", "match.path"},
           {R"({"match":{"host":"x"},"effect":{"status":500}})", "match.host"},
           {R"({"effect":{"status":500},"times":0})", "times"},
           {R"({"effect":{"status":500},"when":"now"})", "when"},
       }) {
    const HttpReply r = api.Post("/_control/faults", body, std::nullopt);
    BOOST_TEST(Failure(r) == "422 REQUEST_VALIDATION_FAILED", body);
    BOOST_TEST(Str(r, "error/field") == field, body);
  }
  BOOST_TEST(api.Get("/_control/faults", std::nullopt).body == R"({"faults":[]})");
}

BOOST_AUTO_TEST_CASE(HistoryListsEveryTransitionOfAnyVendorsOrder) {
  Api api;
  const std::string id = api.Order("asset-basic", "vo-1", kVendorB);
  api.Advance(7);
  BOOST_REQUIRE(api.Call("DELETE", "/purchase/cancel?order_id=" + id, "", kVendorB).status == 200);
  const HttpReply r = api.Get("/_control/orders/" + id + "/history", std::nullopt);
  BOOST_TEST(r.status == 200);
  BOOST_TEST(r.body == R"({"order_id":")" + id + R"(","status":"CANCELED","history":[)"
                           R"({"from":null,"to":"PROCESSING","at":"2026-01-01T00:00:00Z","cause":"register"},)"
                           R"({"from":"PROCESSING","to":"COMPLETED","at":"2026-01-01T00:00:05Z","cause":"fulfillment_succeeded"},)"
                           R"({"from":"COMPLETED","to":"CANCELED","at":"2026-01-01T00:00:07Z","cause":"vendor_cancel"}]})");
  BOOST_TEST(Failure(api.Get("/_control/orders/ord_0000000000000000/history", std::nullopt)) == "404 ORDER_NOT_FOUND");
}

BOOST_AUTO_TEST_CASE(ResetReturnsToTheStartState) {
  Api api;
  const std::string id = api.Order("asset-basic", "vo-1");
  api.AddFault(R"({"effect":{"status":500},"match":{"path":"/nothing"}})");
  api.Advance(100);
  const HttpReply r = api.Post("/_control/reset", "", std::nullopt);
  BOOST_TEST(r.status == 200);
  BOOST_TEST(Str(r, "now") == "2026-01-01T00:00:00Z");
  BOOST_TEST(Failure(api.Get("/purchase/info?order_id=" + id)) == "404 ORDER_NOT_FOUND");
  BOOST_TEST(api.Get("/_control/faults", std::nullopt).body == R"({"faults":[]})");
  BOOST_TEST(Str(api.Get("/_control/clock", std::nullopt), "now") == "2026-01-01T00:00:00Z");
  BOOST_TEST(Str(api.AddFault(R"({"effect":{"status":500},"match":{"path":"/nothing"}})"), "id") == "fault-1");
}

// That every control path refuses every wrong token and changes nothing is
// security_test.cc's EveryControlPathRefusesRequestsWithoutTheControlToken;
// this pins the reply's shape and the check order around it.
BOOST_AUTO_TEST_CASE(AControlRequestWithoutTheTokenIs401WithWwwAuthenticateBeforeAnyOtherCheck) {
  ApiOptions options;
  options.control_token = "secret";
  Api api(options);
  const HttpReply r = api.Post("/_control/clock/advance", R"({"seconds":1})", "Bearer wrong");
  BOOST_TEST(Failure(r) == "401 UNAUTHENTICATED");
  BOOST_TEST(HeaderOf(r, "WWW-Authenticate") == "Bearer");
  // 401 before 413 on the control API; routing before both.
  BOOST_TEST(Failure(api.Post("/_control/faults", std::string(70000, ' '), std::nullopt)) == "401 UNAUTHENTICATED");
  BOOST_TEST(Failure(api.Post("/_control/faults", std::string(70000, ' '), "Bearer secret")) == "413 PAYLOAD_TOO_LARGE");
  BOOST_TEST(Failure(api.Get("/_control/nope", std::nullopt)) == "404 NOT_FOUND");
  BOOST_TEST(api.Post("/_control/clock/advance", R"({"seconds":1})", "Bearer secret").status == 200);
  // The vendor API does not take the control token, and is not guarded by it.
  BOOST_TEST(Failure(api.Validate("asset-basic", 1, "203.0.113.7", "Bearer secret")) == "401 UNAUTHENTICATED");
  BOOST_TEST(api.Validate("asset-basic").status == 200);
}

BOOST_AUTO_TEST_CASE(NoControlAnswers404OnEveryControlPath) {
  ApiOptions options;
  options.control_enabled = false;
  options.control_token = "secret";
  Api api(options);
  for (const auto& [method, path] : std::vector<std::pair<std::string, std::string>>{
           {"GET", "/_control"}, {"POST", "/_control/reset"}, {"GET", "/_control/clock"},
           {"POST", "/_control/clock/advance"}, {"POST", "/_control/clock/set"}, {"POST", "/_control/faults"},
           {"DELETE", "/_control/faults/fault-1"}, {"GET", "/_control/orders/x/history"},
           {"PUT", "/_control/faults"}, {"GET", "/_control/nope"}}) {
    BOOST_TEST(Failure(api.Call(method, path, R"({"seconds":1})", std::nullopt)) == "404 NOT_FOUND", method << " " << path);
    BOOST_TEST(Failure(api.Call(method, path, R"({"seconds":1})", "Bearer secret")) == "404 NOT_FOUND", method << " " << path);
  }
  BOOST_TEST(api.service.Now().now == kStart);  // nothing moved
  BOOST_TEST(api.Validate("asset-basic").status == 200);
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(DeterminismTest)

// One purchase of each kind, faults, and control calls: every reply in full.
std::vector<std::string> Transcript(Api& api) {
  std::vector<std::string> out;
  auto record = [&](const HttpReply& r) {
    std::string line = std::to_string(r.status) + " " + std::string(r.content_type) + " ";
    for (const auto& [k, v] : r.headers) line += k + "=" + v + ";";
    out.push_back(line + " " + r.body + (r.drop_connection ? " dropped" : "") + " delay=" + std::to_string(r.delay_ms));
    return r;
  };
  record(api.Post("/_control/faults", R"({"match":{"vendor_order_id":"vo-3"},"effect":{"fulfillment":"fail"}})",
                  std::nullopt));
  record(api.Post("/_control/faults", R"({"match":{"path":"/purchase/view-url"},"effect":{"status":429,"retry_after":3},"times":1})",
                  std::nullopt));
  std::vector<std::string> ids;
  for (const auto& [asset, vo] : std::vector<std::pair<std::string, std::string>>{
           {"asset-basic", "vo-1"}, {"asset-fails", "vo-2"}, {"asset-basic", "vo-3"}, {"asset-slow", "vo-4"}}) {
    const std::string token = Str(record(api.Validate(asset)), "token");
    ids.push_back(Str(record(api.Register(token, asset, vo)), "order_id"));
    record(api.Register(token, asset, vo));
  }
  record(api.Validate("asset-us-only", 1, "198.51.100.7"));
  for (const auto& id : ids) record(api.Get("/purchase/info?order_id=" + id));
  record(api.Post("/_control/clock/advance", R"({"seconds":5})", std::nullopt));
  for (const auto& id : ids) {
    record(api.Get("/purchase/info?order_id=" + id));
    record(api.Get("/purchase/download-url?order_id=" + id));
    record(api.Get("/purchase/view-url?order_id=" + id));
    record(api.Get("/_control/orders/" + id + "/history", std::nullopt));
  }
  record(api.Call("DELETE", "/purchase/cancel?order_id=" + ids[0]));
  record(api.Get("/_control/faults", std::nullopt));
  record(api.Get("/_control/clock", std::nullopt));
  return out;
}

BOOST_AUTO_TEST_CASE(SameSeedAndRequestsGiveByteIdenticalReplies) {
  Api one, two;
  const auto a = Transcript(one), b = Transcript(two);
  BOOST_TEST(a == b, boost::test_tools::per_element());
  // And the transcript is not trivially equal: it holds ids, a URL and each kind of answer.
  const std::string all = [&] { std::string s; for (const auto& l : a) s += l + "\n"; return s; }();
  BOOST_TEST(all.find("/assets/download/ord_") != std::string::npos);
  BOOST_TEST(all.find("429 ") != std::string::npos);
  BOOST_TEST(all.find("502 ") != std::string::npos);
  BOOST_TEST(all.find("DUPLICATE_PURCHASE") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(ResetGivesByteIdenticalRepliesAgain) {
  Api api;
  const auto first = Transcript(api);
  BOOST_REQUIRE(api.Post("/_control/reset", "", std::nullopt).status == 200);
  const auto second = Transcript(api);
  BOOST_TEST(first == second, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(AnotherSeedGivesOtherIds) {
  Api one({}, 1), two({}, 2);
  const std::string a = one.Order("asset-basic", "vo-1"), b = two.Order("asset-basic", "vo-1");
  BOOST_TEST(a != b);
  BOOST_TEST(one.Token("asset-basic") != two.Token("asset-basic"));
}

// The adapter, the tests' requests and the runner's in-process oracle all
// split a query with SplitRawQuery: the API sees the same pairs from each.
BOOST_AUTO_TEST_CASE(AQuerySplitsOnAmpersandsKeepingRepeatsAndDroppingEmptyParts) {
  const RawQuery q = SplitRawQuery("a=1&&b&a=%41&=x&c=d=e&");
  const RawQuery expected = {{"a", "1"}, {"b", ""}, {"a", "%41"}, {"", "x"}, {"c", "d=e"}};
  BOOST_TEST((q == expected));
  RawQuery reused = {{"old", "value"}, {"x", "y"}, {"z", "w"}};
  SplitRawQuery("k=v", reused);
  BOOST_TEST((reused == RawQuery{{"k", "v"}}));
  BOOST_TEST(SplitRawQuery("").empty());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace purchase::http
