// Hostile input: a table of requests a broken or malicious client could send
// (malformed, truncated and deeply nested JSON, huge and non-positive numbers,
// wrong types, unknown and repeated members, empty and enormous strings,
// invalid UTF-8, bodies over the limit, bad and repeated query parameters,
// wrong methods, bad Authorization headers, path traversal, tampered signed
// URLs) sent through HttpApi::Handle, and a few that only the wire can carry
// (a body over Pistache's own limit, a garbage request line, a header flood,
// half-sent requests) sent to a PistacheServer on a real socket.
//
// Each one must get a 4xx JSON error whose status and code spec/openapi.yaml
// documents for that operation (read from the file, not copied here), the API
// must keep serving, and no order, token, clock or fault rule may change: the
// control API's view is compared before and after every request, and at the
// end a twin server that never saw the hostile requests must answer the same
// follow-up requests byte for byte (so no token or id was drawn either).
#define BOOST_TEST_MODULE hostile_input_test
#include "core/spec_layers.h"
#include "hl_connector/http_api.h"
#include "testing/http_testing.h"
#include "testing/raw_socket.h"
#include "testing/strict_utf8.h"
#include "http/pistache_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include <rapidjson/document.h>
#include <yaml-cpp/yaml.h>

namespace purchase::http {
namespace {

using testing::Fixtures;
using testing::kStart;
using testing::kVendorA;
using testing::kVendorB;
using testing::MakeRequest;

using testing::Failure;
using testing::Str;


// --- what spec/openapi.yaml documents ---------------------------------------

// The error codes spec/openapi.yaml lists for (operation, status), following
// $ref into components/responses. A method the path does not have is judged
// by the path's 405 (any of its operations); a path no operation has by
// spec/errors.yaml's NOT_FOUND ("No endpoint has this path"), which no
// operation of openapi.yaml can document.
class Documented {
 public:
  Documented() : doc_(YAML::LoadFile(std::string(PURCHASE_TEST_SPEC) + "/openapi.yaml")) {
    purchase::ApplySpecLayer(doc_, purchase::SpecLayer::kReference, "spec/openapi.yaml");
  }

  std::set<std::string> Codes(const std::string& method, const std::string& path, int status) const {
    std::string lower = method;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (const auto& p : doc_["paths"]) {
      const std::string tmpl = p.first.as<std::string>();
      if (!std::regex_match(path, std::regex(std::regex_replace(tmpl, std::regex(R"(\{[^}]+\})"), "[^/]+")))) continue;
      std::set<std::string> codes;
      for (const auto& op : p.second) {
        if (op.first.as<std::string>() != lower && status != 405) continue;
        const YAML::Node responses = op.second["responses"];
        if (!responses) continue;
        YAML::Node response = responses[std::to_string(status)];
        if (!response) continue;
        if (response["$ref"]) {
          const std::string ref = response["$ref"].as<std::string>();
          response = doc_["components"]["responses"][ref.substr(ref.rfind('/') + 1)];
        }
        for (const auto& code : response["x-error-codes"]) codes.insert(code.as<std::string>());
      }
      return codes;
    }
    if (status == ErrorCatalog::Builtin().HttpStatus(ErrorCode::kNotFound)) return {"NOT_FOUND"};
    return {};
  }

 private:
  YAML::Node doc_;
};

// --- requests -------------------------------------------------------------------


// A server with a known state: vendor A's order A1 COMPLETED, A2 PROCESSING
// (asset-slow), A3 CANCELED; vendor B's order B1 COMPLETED; an unused token T
// of A for asset-basic, quantity 1, and one TB of B; the token USED that made A1.
// Served as purchase-server serves it: through the sandbox router, so every
// hostile request also crosses the router's path (no sandbox named).
struct World : testing::ServedTestApi {
  explicit World(ApiOptions options = {}) : ServedTestApi(std::move(options)) {
    v["USED"] = Token("asset-basic");
    v["A1"] = OrderWith(v["USED"], "asset-basic", "hostile-a1", kVendorA);
    v["A2"] = Order("asset-slow", "hostile-a2");
    v["A3"] = Order("asset-basic", "hostile-a3");
    v["B1"] = Order("asset-basic", "hostile-b1", kVendorB);
    Advance(5);
    BOOST_REQUIRE(Call("DELETE", "/purchase/cancel?order_id=" + v["A3"]).status == 200);
    v["T"] = Token("asset-basic");
    v["TB"] = Token("asset-basic", 1, kVendorB);
    for (const char* kind : {"download", "view"}) {
      static const std::regex shape(R"((/assets/\w+/[^?]+)\?expires=([0-9]+)&sig=([0-9a-f]+))");
      std::smatch m;
      const std::string url = SignedUrl(kind, v["A1"]);
      BOOST_REQUIRE_MESSAGE(std::regex_match(url, m, shape), url);
      const std::string prefix = kind == std::string("download") ? "" : "V";
      v[prefix + "EXP"] = m[2];
      v[prefix + "SIG"] = m[3];
    }
  }

  std::string OrderWith(const std::string& token, const std::string& asset_id, const std::string& vendor_order_id,
                        const std::string& auth) {
    const HttpReply r = Register(token, asset_id, vendor_order_id, 1, auth);
    BOOST_REQUIRE_MESSAGE(r.status == 201, r.body);
    return Str(r, "order_id");
  }

  // Everything a request could change, as the control API and the vendors see it.
  std::string Snapshot() {
    std::string s = "orders=" + std::to_string(service.order_count()) + "\n";
    s += Call("GET", "/_control/clock", "", std::nullopt).body + "\n";
    s += Call("GET", "/_control/faults", "", std::nullopt).body + "\n";
    for (const char* id : {"A1", "A2", "A3", "B1"}) {
      s += Call("GET", "/_control/orders/" + v[id] + "/history", "", std::nullopt).body + "\n";
      const HttpReply info = Call("GET", "/purchase/info?order_id=" + v[id], "", id[0] == 'A' ? kVendorA : kVendorB);
      s += std::to_string(info.status) + " " + info.body + "\n";
    }
    return s;
  }

  // Replaces {NAME} with the world's values.
  std::string Fill(std::string text) const {
    for (const auto& [name, value] : v) {
      const std::string key = "{" + name + "}";
      for (size_t at; (at = text.find(key)) != std::string::npos;) text.replace(at, key.size(), value);
    }
    return text;
  }

  std::map<std::string, std::string> v;
};

struct Hostile {
  std::string what;
  std::string method;
  std::string target;  // path?query, with {NAME} placeholders
  std::string body;
  std::optional<std::string> auth;
  std::string expect;  // "<status> <CODE>"
};

std::string Nest(int depth) { return std::string(depth, '[') + std::string(depth, ']'); }

std::vector<Hostile> Table() {
  const std::string validate = "/purchase/validate-purchase-before-payment";
  const std::string reg = "/purchase/register";
  const std::string over(64 * 1024 + 1, ' ');
  auto vbody = [](const std::string& asset, const std::string& quantity, const std::string& ip) {
    return R"({"asset_id":)" + asset + R"(,"quantity":)" + quantity + R"(,"customer_ip":)" + ip + "}";
  };
  auto v = [&](const std::string& quantity) { return vbody("\"asset-basic\"", quantity, "\"203.0.113.7\""); };
  auto rbody = [](const std::string& token, const std::string& asset, const std::string& quantity,
                  const std::string& vendor_order_id) {
    return R"({"token":)" + token + R"(,"asset_id":)" + asset + R"(,"quantity":)" + quantity +
           R"(,"vendor_order_id":)" + vendor_order_id + "}";
  };
  auto r = [&](const std::string& quantity) {
    return rbody("\"{T}\"", "\"asset-basic\"", quantity, "\"hostile-new\"");
  };
  const std::string good_v = v("1");
  const std::string a = kVendorA;
  const std::string asset_q = "expires={EXP}&sig={SIG}";

  std::vector<Hostile> t = {
      // --- validate: malformed and truncated JSON
      {"empty body", "POST", validate, "", a, "400 MALFORMED_JSON"},
      {"lone brace", "POST", validate, "{", a, "400 MALFORMED_JSON"},
      {"truncated object", "POST", validate, good_v.substr(0, good_v.size() - 1), a, "400 MALFORMED_JSON"},
      {"truncated in a string", "POST", validate, good_v.substr(0, 20), a, "400 MALFORMED_JSON"},
      {"trailing comma", "POST", validate, R"({"asset_id":"asset-basic",})", a, "400 MALFORMED_JSON"},
      {"single quotes", "POST", validate, "{'asset_id':'asset-basic'}", a, "400 MALFORMED_JSON"},
      {"bare word", "POST", validate, "nul", a, "400 MALFORMED_JSON"},
      {"NaN literal", "POST", validate, v("NaN"), a, "400 MALFORMED_JSON"},
      {"Infinity literal", "POST", validate, v("Infinity"), a, "400 MALFORMED_JSON"},
      {"two documents", "POST", validate, good_v + good_v, a, "400 MALFORMED_JSON"},
      {"comment", "POST", validate, "/* hi */" + good_v, a, "400 MALFORMED_JSON"},
      {"binary garbage", "POST", validate, std::string("\x00\x01\x02\xff\xfe", 5), a, "400 MALFORMED_JSON"},
      {"NUL then garbage after the object", "POST", validate, good_v + std::string(1, '\0') + "garbage", a,
       "400 MALFORMED_JSON"},
      {"raw control character in a string", "POST", validate, vbody("\"asset-\x01\"", "1", "\"203.0.113.7\""), a,
       "400 MALFORMED_JSON"},
      {"bad escape", "POST", validate, vbody("\"asset\\q\"", "1", "\"203.0.113.7\""), a, "400 MALFORMED_JSON"},
      // --- deep nesting
      {"65 levels of arrays", "POST", validate, R"({"asset_id":)" + Nest(64) + "}", a, "400 MALFORMED_JSON"},
      {"10000 levels of arrays", "POST", validate, Nest(10000), a, "400 MALFORMED_JSON"},
      {"30000 unclosed arrays", "POST", validate, std::string(30000, '['), a, "400 MALFORMED_JSON"},
      {"5000 levels of objects", "POST", validate, [] {
         std::string s;
         for (int i = 0; i < 5000; ++i) s += R"({"a":)";
         s += "1";
         s += std::string(5000, '}');
         return s;
       }(), a, "400 MALFORMED_JSON"},
      {"64 levels, still not a request", "POST", validate, Nest(63), a, "422 REQUEST_VALIDATION_FAILED"},
      // --- not an object
      {"array body", "POST", validate, "[]", a, "422 REQUEST_VALIDATION_FAILED"},
      {"string body", "POST", validate, "\"asset-basic\"", a, "422 REQUEST_VALIDATION_FAILED"},
      {"number body", "POST", validate, "42", a, "422 REQUEST_VALIDATION_FAILED"},
      {"null body", "POST", validate, "null", a, "422 REQUEST_VALIDATION_FAILED"},
      {"empty object", "POST", validate, "{}", a, "422 REQUEST_VALIDATION_FAILED"},
      // --- numbers
      {"quantity 0", "POST", validate, v("0"), a, "422 REQUEST_VALIDATION_FAILED"},
      {"quantity -1", "POST", validate, v("-1"), a, "422 REQUEST_VALIDATION_FAILED"},
      {"quantity INT64_MIN", "POST", validate, v("-9223372036854775808"), a, "422 REQUEST_VALIDATION_FAILED"},
      {"quantity 2^63", "POST", validate, v("9223372036854775808"), a, "422 REQUEST_VALIDATION_FAILED"},
      {"quantity 2^64", "POST", validate, v("18446744073709551616"), a, "422 REQUEST_VALIDATION_FAILED"},
      {"quantity 40 digits", "POST", validate, v(std::string(40, '9')), a, "422 REQUEST_VALIDATION_FAILED"},
      {"quantity 1e400", "POST", validate, v("1e400"), a, "400 MALFORMED_JSON"},
      {"quantity 1e2", "POST", validate, v("1e2"), a, "422 REQUEST_VALIDATION_FAILED"},
      {"quantity 5.0", "POST", validate, v("5.0"), a, "422 REQUEST_VALIDATION_FAILED"},
      {"quantity 0.5", "POST", validate, v("0.5"), a, "422 REQUEST_VALIDATION_FAILED"},
      {"quantity -0", "POST", validate, v("-0"), a, "422 REQUEST_VALIDATION_FAILED"},
      {"quantity 1000001", "POST", validate, v("1000001"), a, "422 REQUEST_VALIDATION_FAILED"},
      {"quantity 1e-400", "POST", validate, v("1e-400"), a, "422 REQUEST_VALIDATION_FAILED"},
      {"quantity with leading zero", "POST", validate, v("01"), a, "400 MALFORMED_JSON"},
      {"quantity with plus sign", "POST", validate, v("+1"), a, "400 MALFORMED_JSON"},
      {"quantity hex", "POST", validate, v("0x1"), a, "400 MALFORMED_JSON"},
      // --- wrong types
      {"quantity as string", "POST", validate, v("\"5\""), a, "422 REQUEST_VALIDATION_FAILED"},
      {"quantity true", "POST", validate, v("true"), a, "422 REQUEST_VALIDATION_FAILED"},
      {"quantity null", "POST", validate, v("null"), a, "422 REQUEST_VALIDATION_FAILED"},
      {"quantity array", "POST", validate, v("[1]"), a, "422 REQUEST_VALIDATION_FAILED"},
      {"quantity object", "POST", validate, v(R"({"n":1})"), a, "422 REQUEST_VALIDATION_FAILED"},
      {"asset_id number", "POST", validate, vbody("7", "1", "\"203.0.113.7\""), a, "422 REQUEST_VALIDATION_FAILED"},
      {"asset_id null", "POST", validate, vbody("null", "1", "\"203.0.113.7\""), a, "422 REQUEST_VALIDATION_FAILED"},
      {"asset_id object", "POST", validate, vbody("{}", "1", "\"203.0.113.7\""), a, "422 REQUEST_VALIDATION_FAILED"},
      {"customer_ip number", "POST", validate, vbody("\"asset-basic\"", "1", "2130706433"), a,
       "422 REQUEST_VALIDATION_FAILED"},
      // --- strings
      {"asset_id empty", "POST", validate, vbody("\"\"", "1", "\"203.0.113.7\""), a, "422 REQUEST_VALIDATION_FAILED"},
      {"asset_id 129 chars", "POST", validate, vbody("\"" + std::string(129, 'a') + "\"", "1", "\"203.0.113.7\""), a,
       "422 REQUEST_VALIDATION_FAILED"},
      {"asset_id 60000 chars", "POST", validate, vbody("\"" + std::string(60000, 'a') + "\"", "1", "\"203.0.113.7\""),
       a, "422 REQUEST_VALIDATION_FAILED"},
      {"asset_id with NUL", "POST", validate, vbody(R"("asset-basic\u0000")", "1", "\"203.0.113.7\""), a,
       "404 ASSET_NOT_FOUND"},
      {"asset_id path traversal", "POST", validate, vbody(R"("../../etc/passwd")", "1", "\"203.0.113.7\""), a,
       "404 ASSET_NOT_FOUND"},
      {"customer_ip empty", "POST", validate, vbody("\"asset-basic\"", "1", "\"\""), a, "422 REQUEST_VALIDATION_FAILED"},
      {"customer_ip not an IP", "POST", validate, vbody("\"asset-basic\"", "1", "\"localhost\""), a,
       "422 REQUEST_VALIDATION_FAILED"},
      {"customer_ip octet 999", "POST", validate, vbody("\"asset-basic\"", "1", "\"999.1.1.1\""), a,
       "422 REQUEST_VALIDATION_FAILED"},
      {"customer_ip with port", "POST", validate, vbody("\"asset-basic\"", "1", "\"203.0.113.7:80\""), a,
       "422 REQUEST_VALIDATION_FAILED"},
      {"customer_ip CIDR", "POST", validate, vbody("\"asset-basic\"", "1", "\"203.0.113.0/24\""), a,
       "422 REQUEST_VALIDATION_FAILED"},
      {"customer_ip 46 chars", "POST", validate, vbody("\"asset-basic\"", "1", "\"" + std::string(46, '1') + "\""), a,
       "422 REQUEST_VALIDATION_FAILED"},
      // --- invalid UTF-8
      {"invalid UTF-8 byte", "POST", validate, vbody("\"asset-\xff\"", "1", "\"203.0.113.7\""), a, "400 MALFORMED_JSON"},
      {"overlong UTF-8", "POST", validate, vbody("\"\xc0\xaf\"", "1", "\"203.0.113.7\""), a, "400 MALFORMED_JSON"},
      {"UTF-8 surrogate", "POST", validate, vbody("\"\xed\xa0\x80\"", "1", "\"203.0.113.7\""), a, "400 MALFORMED_JSON"},
      {"truncated UTF-8", "POST", validate, vbody("\"\xe2\x82\"", "1", "\"203.0.113.7\""), a, "400 MALFORMED_JSON"},
      {"lone surrogate escape", "POST", validate, vbody(R"("\ud800")", "1", "\"203.0.113.7\""), a, "400 MALFORMED_JSON"},
      {"invalid UTF-8 in a member name", "POST", validate, "{\"\xff\":1}", a, "400 MALFORMED_JSON"},
      // --- unknown, missing and repeated members
      {"misspelt member", "POST", validate, R"({"asset_id":"asset-basic","quantiy":1,"customer_ip":"203.0.113.7"})", a,
       "422 REQUEST_VALIDATION_FAILED"},
      {"extra member", "POST", validate, good_v.substr(0, good_v.size() - 1) + R"(,"admin":true})", a,
       "422 REQUEST_VALIDATION_FAILED"},
      {"repeated member", "POST", validate, good_v.substr(0, good_v.size() - 1) + R"(,"quantity":2})", a,
       "422 REQUEST_VALIDATION_FAILED"},
      {"missing quantity", "POST", validate, R"({"asset_id":"asset-basic","customer_ip":"203.0.113.7"})", a,
       "422 REQUEST_VALIDATION_FAILED"},
      {"missing customer_ip", "POST", validate, R"({"asset_id":"asset-basic","quantity":1})", a,
       "422 REQUEST_VALIDATION_FAILED"},
      {"__proto__ member", "POST", validate, R"({"__proto__":{"admin":true}})", a, "422 REQUEST_VALIDATION_FAILED"},
      // --- size
      {"body over 64 KiB", "POST", validate, over + good_v, a, "413 PAYLOAD_TOO_LARGE"},
      {"body over 64 KiB without credentials", "POST", validate, over, std::nullopt, "413 PAYLOAD_TOO_LARGE"},
      {"GET with a body over 64 KiB", "GET", "/purchase/info?order_id={A1}", over, a, "413 PAYLOAD_TOO_LARGE"},
      // --- Authorization
      {"no Authorization", "POST", validate, good_v, std::nullopt, "401 UNAUTHENTICATED"},
      {"empty Authorization", "POST", validate, good_v, "", "401 UNAUTHENTICATED"},
      {"Basic scheme", "POST", validate, good_v, "Basic dGVzdDp0ZXN0", "401 UNAUTHENTICATED"},
      {"Bearer without a token", "POST", validate, good_v, "Bearer", "401 UNAUTHENTICATED"},
      {"Bearer and spaces", "POST", validate, good_v, "Bearer    ", "401 UNAUTHENTICATED"},
      {"Bearer glued to the token", "POST", validate, good_v, "Bearertest-token-vendor-a", "401 UNAUTHENTICATED"},
      {"unknown token", "POST", validate, good_v, "Bearer test-token-vendor-z", "401 UNAUTHENTICATED"},
      {"token prefix", "POST", validate, good_v, "Bearer test-token-vendor-", "401 UNAUTHENTICATED"},
      {"token with a suffix", "POST", validate, good_v, kVendorA + "x", "401 UNAUTHENTICATED"},
      {"token with NUL", "POST", validate, good_v, kVendorA + std::string(1, '\0') + "x", "401 UNAUTHENTICATED"},
      {"token with CRLF", "POST", validate, good_v, kVendorA + "\r\nX-Admin: 1", "401 UNAUTHENTICATED"},
      {"token 10000 chars", "POST", validate, good_v, "Bearer " + std::string(10000, 't'), "401 UNAUTHENTICATED"},
      {"a URL signature as the token", "POST", validate, good_v, "Bearer {SIG}", "401 UNAUTHENTICATED"},
      {"a purchase token as the token", "POST", validate, good_v, "Bearer {T}", "401 UNAUTHENTICATED"},
      {"two tokens", "POST", validate, good_v, kVendorA + ", " + kVendorB, "401 UNAUTHENTICATED"},
      {"no Authorization, bad body", "POST", validate, "{", std::nullopt, "401 UNAUTHENTICATED"},
      // --- wrong methods
      {"GET validate", "GET", validate, "", a, "405 METHOD_NOT_ALLOWED"},
      {"PUT register", "PUT", reg, r("1"), a, "405 METHOD_NOT_ALLOWED"},
      {"PATCH register", "PATCH", reg, r("1"), a, "405 METHOD_NOT_ALLOWED"},
      {"DELETE validate", "DELETE", validate, "", a, "405 METHOD_NOT_ALLOWED"},
      {"lowercase post", "post", validate, good_v, a, "405 METHOD_NOT_ALLOWED"},
      {"TRACE info", "TRACE", "/purchase/info?order_id={A1}", "", a, "405 METHOD_NOT_ALLOWED"},
      {"POST info", "POST", "/purchase/info?order_id={A1}", "{}", a, "405 METHOD_NOT_ALLOWED"},
      {"GET cancel", "GET", "/purchase/cancel?order_id={A1}", "", a, "405 METHOD_NOT_ALLOWED"},
      {"POST cancel", "POST", "/purchase/cancel?order_id={A1}", "{}", a, "405 METHOD_NOT_ALLOWED"},
      {"DELETE an asset URL", "DELETE", "/assets/download/{A1}?" + asset_q, "", std::nullopt, "405 METHOD_NOT_ALLOWED"},
      {"empty method", "", validate, good_v, a, "405 METHOD_NOT_ALLOWED"},
      // --- register
      {"register: empty body", "POST", reg, "", a, "400 MALFORMED_JSON"},
      {"register: truncated", "POST", reg, r("1").substr(0, 30), a, "400 MALFORMED_JSON"},
      {"register: quantity 0", "POST", reg, r("0"), a, "422 REQUEST_VALIDATION_FAILED"},
      {"register: quantity -5", "POST", reg, r("-5"), a, "422 REQUEST_VALIDATION_FAILED"},
      {"register: quantity 2^63", "POST", reg, r("9223372036854775808"), a, "422 REQUEST_VALIDATION_FAILED"},
      {"register: quantity as string", "POST", reg, r("\"1\""), a, "422 REQUEST_VALIDATION_FAILED"},
      {"register: token number", "POST", reg, rbody("12345", "\"asset-basic\"", "1", "\"hostile-new\""), a,
       "422 REQUEST_VALIDATION_FAILED"},
      {"register: token empty", "POST", reg, rbody("\"\"", "\"asset-basic\"", "1", "\"hostile-new\""), a,
       "422 REQUEST_VALIDATION_FAILED"},
      {"register: token 129 chars", "POST", reg, rbody("\"" + std::string(129, 'k') + "\"", "\"asset-basic\"", "1",
                                                        "\"hostile-new\""),
       a, "422 REQUEST_VALIDATION_FAILED"},
      {"register: unknown token", "POST", reg, rbody("\"tok_00000000000000000000000000000000\"", "\"asset-basic\"", "1",
                                                      "\"hostile-new\""),
       a, "422 TOKEN_INVALID"},
      {"register: tampered token", "POST", reg, rbody("\"{T}x\"", "\"asset-basic\"", "1", "\"hostile-new\""), a,
       "422 TOKEN_INVALID"},
      {"register: vendor B's token", "POST", reg, rbody("\"{TB}\"", "\"asset-basic\"", "1", "\"hostile-new\""), a,
       "422 TOKEN_INVALID"},
      {"register: token for another asset", "POST", reg, rbody("\"{T}\"", "\"asset-slow\"", "1", "\"hostile-new\""), a,
       "422 TOKEN_MISMATCH"},
      {"register: token for another quantity", "POST", reg, r("2"), a, "422 TOKEN_MISMATCH"},
      {"register: used token", "POST", reg, rbody("\"{USED}\"", "\"asset-basic\"", "1", "\"hostile-new\""), a,
       "422 TOKEN_ALREADY_USED"},
      {"register: replay of A1", "POST", reg, rbody("\"{T}\"", "\"asset-basic\"", "1", "\"hostile-a1\""), a,
       "409 DUPLICATE_PURCHASE"},
      {"register: vendor_order_id empty", "POST", reg, rbody("\"{T}\"", "\"asset-basic\"", "1", "\"\""), a,
       "422 REQUEST_VALIDATION_FAILED"},
      {"register: vendor_order_id 129 chars", "POST", reg,
       rbody("\"{T}\"", "\"asset-basic\"", "1", "\"" + std::string(129, 'o') + "\""), a, "422 REQUEST_VALIDATION_FAILED"},
      {"register: vendor_order_id object", "POST", reg, rbody("\"{T}\"", "\"asset-basic\"", "1", R"({"$gt":""})"), a,
       "422 REQUEST_VALIDATION_FAILED"},
      {"register: unknown member", "POST", reg, r("1").substr(0, r("1").size() - 1) + R"(,"status":"COMPLETED"})", a,
       "422 REQUEST_VALIDATION_FAILED"},
      {"register: order_id given", "POST", reg, r("1").substr(0, r("1").size() - 1) + R"(,"order_id":"{A1}"})", a,
       "422 REQUEST_VALIDATION_FAILED"},
      {"register: invalid UTF-8", "POST", reg, rbody("\"{T}\"", "\"asset-basic\"", "1", "\"\xfe\xff\""), a,
       "400 MALFORMED_JSON"},
      {"register: deep nesting", "POST", reg, Nest(200), a, "400 MALFORMED_JSON"},
      {"register: over 64 KiB", "POST", reg, r("1") + over, a, "413 PAYLOAD_TOO_LARGE"},
      {"register: no Authorization", "POST", reg, r("1"), std::nullopt, "401 UNAUTHENTICATED"},
      {"register: vendor B with A's token", "POST", reg, r("1"), kVendorB, "422 TOKEN_INVALID"},
      // --- info: query parameters
      {"info: no query", "GET", "/purchase/info", "", a, "422 REQUEST_VALIDATION_FAILED"},
      {"info: empty order_id", "GET", "/purchase/info?order_id=", "", a, "422 REQUEST_VALIDATION_FAILED"},
      {"info: order_id without =", "GET", "/purchase/info?order_id", "", a, "422 REQUEST_VALIDATION_FAILED"},
      {"info: repeated order_id", "GET", "/purchase/info?order_id={A1}&order_id={B1}", "", a,
       "422 REQUEST_VALIDATION_FAILED"},
      {"info: unknown parameter", "GET", "/purchase/info?order_id={A1}&debug=1", "", a, "422 REQUEST_VALIDATION_FAILED"},
      {"info: empty parameter name", "GET", "/purchase/info?=x", "", a, "422 REQUEST_VALIDATION_FAILED"},
      {"info: bad escape", "GET", "/purchase/info?order_id=%ZZ", "", a, "422 REQUEST_VALIDATION_FAILED"},
      {"info: truncated escape", "GET", "/purchase/info?order_id=ord%2", "", a, "422 REQUEST_VALIDATION_FAILED"},
      {"info: escaped NUL", "GET", "/purchase/info?order_id=%00", "", a, "422 REQUEST_VALIDATION_FAILED"},
      {"info: escaped invalid UTF-8", "GET", "/purchase/info?order_id=%FF", "", a, "422 REQUEST_VALIDATION_FAILED"},
      {"info: order_id 257 chars", "GET", "/purchase/info?order_id=" + std::string(257, 'o'), "", a,
       "422 REQUEST_VALIDATION_FAILED"},
      {"info: unknown order", "GET", "/purchase/info?order_id=ord_0000000000000000", "", a, "404 ORDER_NOT_FOUND"},
      {"info: vendor B's order", "GET", "/purchase/info?order_id={B1}", "", a, "404 ORDER_NOT_FOUND"},
      {"info: path traversal", "GET", "/purchase/info?order_id=..%2F..%2Fetc%2Fpasswd", "", a, "404 ORDER_NOT_FOUND"},
      {"info: id with a space", "GET", "/purchase/info?order_id={A1}%20", "", a, "404 ORDER_NOT_FOUND"},
      {"info: SQL", "GET", "/purchase/info?order_id=%27%20OR%201%3D1--", "", a, "404 ORDER_NOT_FOUND"},
      {"info: no Authorization", "GET", "/purchase/info?order_id={A1}", "", std::nullopt, "401 UNAUTHENTICATED"},
      // --- URLs
      {"download-url: PROCESSING order", "GET", "/purchase/download-url?order_id={A2}", "", a, "409 ORDER_NOT_COMPLETED"},
      {"view-url: CANCELED order", "GET", "/purchase/view-url?order_id={A3}", "", a, "410 ORDER_CANCELED"},
      {"download-url: vendor B's order", "GET", "/purchase/download-url?order_id={B1}", "", a, "404 ORDER_NOT_FOUND"},
      {"download-url: no order_id", "GET", "/purchase/download-url", "", a, "422 REQUEST_VALIDATION_FAILED"},
      {"view-url: repeated order_id", "GET", "/purchase/view-url?order_id={A1}&order_id={A1}", "", a,
       "422 REQUEST_VALIDATION_FAILED"},
      {"download-url: kind parameter", "GET", "/purchase/download-url?order_id={A1}&kind=view", "", a,
       "422 REQUEST_VALIDATION_FAILED"},
      {"view-url: bad Authorization", "GET", "/purchase/view-url?order_id={A1}", "", "Token x", "401 UNAUTHENTICATED"},
      // --- cancel
      {"cancel: no order_id", "DELETE", "/purchase/cancel", "", a, "422 REQUEST_VALIDATION_FAILED"},
      {"cancel: vendor B's order", "DELETE", "/purchase/cancel?order_id={B1}", "", a, "404 ORDER_NOT_FOUND"},
      {"cancel: unknown order", "DELETE", "/purchase/cancel?order_id=ord_ffffffffffffffff", "", a, "404 ORDER_NOT_FOUND"},
      {"cancel: wrong item", "DELETE", "/purchase/cancel?order_id={A1}&item_id={A1}-2", "", a, "404 ITEM_NOT_FOUND"},
      {"cancel: another order's item", "DELETE", "/purchase/cancel?order_id={A1}&item_id={B1}-1", "", a,
       "404 ITEM_NOT_FOUND"},
      {"cancel: empty item", "DELETE", "/purchase/cancel?order_id={A1}&item_id=", "", a, "404 ITEM_NOT_FOUND"},
      {"cancel: repeated order_id", "DELETE", "/purchase/cancel?order_id={A1}&order_id={A2}", "", a,
       "422 REQUEST_VALIDATION_FAILED"},
      {"cancel: unknown parameter", "DELETE", "/purchase/cancel?order_id={A1}&force=1", "", a,
       "422 REQUEST_VALIDATION_FAILED"},
      {"cancel: no Authorization", "DELETE", "/purchase/cancel?order_id={A1}", "", std::nullopt, "401 UNAUTHENTICATED"},
      {"cancel: vendor B's token on A's order", "DELETE", "/purchase/cancel?order_id={A2}", "", kVendorB,
       "404 ORDER_NOT_FOUND"},
      // --- signed asset URLs
      {"asset: no query", "GET", "/assets/download/{A1}", "", std::nullopt, "403 URL_SIGNATURE_INVALID"},
      {"asset: last hex digit changed", "GET", "/assets/download/{A1}?expires={EXP}&sig={SIG}~", "", std::nullopt,
       "403 URL_SIGNATURE_INVALID"},
      {"asset: signature upper case", "GET", "/assets/download/{A1}?expires={EXP}&sig={SIGUPPER}", "", std::nullopt,
       "403 URL_SIGNATURE_INVALID"},
      {"asset: signature truncated", "GET", "/assets/download/{A1}?expires={EXP}&sig={SIGSHORT}", "", std::nullopt,
       "403 URL_SIGNATURE_INVALID"},
      {"asset: signature empty", "GET", "/assets/download/{A1}?expires={EXP}&sig=", "", std::nullopt,
       "403 URL_SIGNATURE_INVALID"},
      {"asset: all-zero signature", "GET", "/assets/download/{A1}?expires={EXP}&sig=" + std::string(64, '0'), "",
       std::nullopt, "403 URL_SIGNATURE_INVALID"},
      {"asset: view signature on download", "GET", "/assets/download/{A1}?expires={VEXP}&sig={VSIG}", "", std::nullopt,
       "403 URL_SIGNATURE_INVALID"},
      {"asset: download signature on view", "GET", "/assets/view/{A1}?" + asset_q, "", std::nullopt,
       "403 URL_SIGNATURE_INVALID"},
      {"asset: expires pushed forward", "GET", "/assets/download/{A1}?expires={EXP}0&sig={SIG}", "", std::nullopt,
       "403 URL_SIGNATURE_INVALID"},
      {"asset: expires with a leading zero", "GET", "/assets/download/{A1}?expires=0{EXP}&sig={SIG}", "", std::nullopt,
       "403 URL_SIGNATURE_INVALID"},
      {"asset: expires not a number", "GET", "/assets/download/{A1}?expires=soon&sig={SIG}", "", std::nullopt,
       "403 URL_SIGNATURE_INVALID"},
      {"asset: expires negative", "GET", "/assets/download/{A1}?expires=-1&sig={SIG}", "", std::nullopt,
       "403 URL_SIGNATURE_INVALID"},
      {"asset: expires 30 digits", "GET", "/assets/download/{A1}?expires=" + std::string(30, '9') + "&sig={SIG}", "",
       std::nullopt, "403 URL_SIGNATURE_INVALID"},
      {"asset: extra parameter", "GET", "/assets/download/{A1}?" + asset_q + "&admin=1", "", std::nullopt,
       "403 URL_SIGNATURE_INVALID"},
      {"asset: repeated sig", "GET", "/assets/download/{A1}?" + asset_q + "&sig={SIG}", "", std::nullopt,
       "403 URL_SIGNATURE_INVALID"},
      {"asset: sig with escaped NUL", "GET", "/assets/download/{A1}?expires={EXP}&sig={SIG}%00", "", std::nullopt,
       "403 URL_SIGNATURE_INVALID"},
      {"asset: A1's signature on B1", "GET", "/assets/download/{B1}?" + asset_q, "", std::nullopt,
       "403 URL_SIGNATURE_INVALID"},
      {"asset: A1's signature on A3", "GET", "/assets/download/{A3}?" + asset_q, "", std::nullopt,
       "403 URL_SIGNATURE_INVALID"},
      {"asset: escaped traversal as the id", "GET", "/assets/download/..%2F..%2Fetc%2Fpasswd?" + asset_q, "",
       std::nullopt, "403 URL_SIGNATURE_INVALID"},
      {"asset: dot-dot as the id", "GET", "/assets/download/..?" + asset_q, "", std::nullopt,
       "403 URL_SIGNATURE_INVALID"},
      {"asset: traversal in the path", "GET", "/assets/download/../../etc/passwd?" + asset_q, "", std::nullopt,
       "404 NOT_FOUND"},
      {"asset: traversal into fixtures", "GET", "/assets/download/../files/asset-basic.pdf", "", std::nullopt,
       "404 NOT_FOUND"},
      {"asset: traversal to the control API", "POST", "/assets/../_control/reset", "", std::nullopt, "404 NOT_FOUND"},
      {"asset: empty id", "GET", "/assets/download/?" + asset_q, "", std::nullopt, "404 NOT_FOUND"},
      {"asset: id with a NUL", "GET", std::string("/assets/download/{A1}\0x?", 24) + asset_q, "", std::nullopt,
       "403 URL_SIGNATURE_INVALID"},
      {"asset: over 64 KiB", "GET", "/assets/download/{A1}?" + asset_q, over, std::nullopt, "413 PAYLOAD_TOO_LARGE"},
      // --- control API: bad values must not move the clock or add rules
      {"advance: negative", "POST", "/_control/clock/advance", R"({"seconds":-5})", std::nullopt,
       "422 REQUEST_VALIDATION_FAILED"},
      {"advance: as string", "POST", "/_control/clock/advance", R"({"seconds":"5"})", std::nullopt,
       "422 REQUEST_VALIDATION_FAILED"},
      {"advance: 1e300", "POST", "/_control/clock/advance", R"({"seconds":1e300})", std::nullopt,
       "422 REQUEST_VALIDATION_FAILED"},
      {"advance: truncated", "POST", "/_control/clock/advance", R"({"seconds":)", std::nullopt, "400 MALFORMED_JSON"},
      {"set: backwards", "POST", "/_control/clock/set", R"({"now":"2025-01-01T00:00:00Z"})", std::nullopt,
       "422 CLOCK_BACKWARDS"},
      {"set: not a time", "POST", "/_control/clock/set", R"({"now":"tomorrow"})", std::nullopt,
       "422 REQUEST_VALIDATION_FAILED"},
      {"set: month 13", "POST", "/_control/clock/set", R"({"now":"2026-13-01T00:00:00Z"})", std::nullopt,
       "422 REQUEST_VALIDATION_FAILED"},
      {"faults: empty rule", "POST", "/_control/faults", "{}", std::nullopt, "422 REQUEST_VALIDATION_FAILED"},
      {"faults: status 200", "POST", "/_control/faults", R"({"match":{},"effect":{"status":200}})", std::nullopt,
       "422 REQUEST_VALIDATION_FAILED"},
      {"faults: both kinds of effect", "POST", "/_control/faults",
       R"({"match":{},"effect":{"status":500,"fulfillment":"fail"}})", std::nullopt, "422 REQUEST_VALIDATION_FAILED"},
      {"faults: unknown match member", "POST", "/_control/faults", R"({"match":{"ip":"1.2.3.4"},"effect":{"status":500}})",
       std::nullopt, "422 REQUEST_VALIDATION_FAILED"},
      {"faults: times 0", "POST", "/_control/faults", R"({"match":{},"effect":{"status":500},"times":0})", std::nullopt,
       "422 REQUEST_VALIDATION_FAILED"},
      {"faults: delete unknown", "DELETE", "/_control/faults/fault-999", "", std::nullopt, "404 FAULT_NOT_FOUND"},
      {"history: unknown order", "GET", "/_control/orders/ord_0000000000000000/history", "", std::nullopt,
       "404 ORDER_NOT_FOUND"},
      {"drills: unknown drill", "POST", "/_control/drills/nope", "", std::nullopt, "404 NOT_FOUND"},
  };
  return t;
}

// Sends one hostile request and checks the answer: a 4xx JSON error with a
// message, the status and code expected and documented for the operation, and
// the state as it was (`before` is then the state after).
void SendAndJudge(World& world, const Documented& documented, const Hostile& h, std::string& before,
                  std::map<int, int>& by_status) {
  HttpRequest request = MakeRequest(h.method, world.Fill(h.target), world.Fill(h.body),
                                    h.auth ? std::optional(world.Fill(*h.auth)) : std::nullopt);
  const HttpReply reply = world.served.Handle(request);
  ++by_status[reply.status];
  BOOST_TEST_CONTEXT(h.what << ": " << h.method << " " << request.path) {
    // Failure checks the JSON content type, the error shape and its message.
    const std::string got = Failure(reply);
    const std::string code = Str(reply, "error/code");
    BOOST_TEST(got == h.expect, "body " << reply.body.substr(0, 300));
    BOOST_TEST((reply.status >= 400 && reply.status < 500));
    const std::set<std::string> codes = documented.Codes(request.method, request.path, reply.status);
    BOOST_TEST(codes.count(code) == 1u,
               "spec/openapi.yaml does not document " << got << " for " << request.method << " " << request.path);
    const std::string after = world.Snapshot();
    BOOST_TEST(after == before, "state changed:\n" << before << "--- became ---\n" << after);
    before = after;
  }
}

void AddTamperedSignatures(World& world) {
  world.v["SIGUPPER"] = world.v["SIG"];
  for (char& c : world.v["SIGUPPER"]) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  world.v["SIGSHORT"] = world.v["SIG"].substr(0, 63);
}

BOOST_AUTO_TEST_SUITE(HostileInputTest)

BOOST_AUTO_TEST_CASE(EveryHostileRequestGetsADocumented4xxAndChangesNothing) {
  const Documented documented;
  World world;
  World twin;  // same seed, same set-up, never sees a hostile request
  AddTamperedSignatures(world);

  std::string before = world.Snapshot();
  size_t tried = 0;
  std::map<int, int> by_status;
  for (const Hostile& h : Table()) {
    ++tried;
    SendAndJudge(world, documented, h, before, by_status);
  }
  // README.md's Reliability table quotes this count: change both together.
  BOOST_TEST(tried == 204u);

  // Still serving, and exactly as a server that never saw them: the unused
  // token still registers, and the next token, order id and URL are the ones
  // the twin draws (a rejected request drew nothing from the generators).
  const std::vector<std::tuple<std::string, std::string, std::string, std::string>> follow_up = {
      {"POST", "/purchase/validate-purchase-before-payment",
       R"({"asset_id":"asset-basic","quantity":1,"customer_ip":"203.0.113.7"})", kVendorA},
      {"POST", "/purchase/register", R"({"token":"{T}","asset_id":"asset-basic","quantity":1,"vendor_order_id":"after"})",
       kVendorA},
      {"GET", "/purchase/download-url?order_id={A1}", "", kVendorA},
      {"GET", "/purchase/info?order_id={B1}", "", kVendorB},
      {"GET", "/_control/faults", "", ""},
      {"GET", "/_control/clock", "", ""},
  };
  for (const auto& [method, target, body, auth] : follow_up) {
    const auto a = auth.empty() ? std::nullopt : std::optional(auth);
    const HttpReply mine = world.Call(method, world.Fill(target), world.Fill(body), a);
    const HttpReply theirs = twin.Call(method, twin.Fill(target), twin.Fill(body), a);
    BOOST_TEST(mine.status / 100 == 2, method << " " << target << ": " << mine.status << " " << mine.body);
    BOOST_TEST(mine.body == theirs.body, method << " " << target);
  }
  std::string statuses;
  for (const auto& [status, n] : by_status) statuses += " " + std::to_string(status) + ":" + std::to_string(n);
  BOOST_TEST_MESSAGE("hostile requests tried through HttpApi: " << tried << " (" << statuses.substr(1)
                                                                 << "), every one a documented 4xx JSON error, no state change");
}

// Every reply, error or not, decodes as strict UTF-8 (judged by iconv, not by
// the server's own decoder) whatever bytes and escapes the request carried.
BOOST_AUTO_TEST_CASE(RepliesAreStrictUtf8ForHostileInput) {
  World world;
  const std::string a = kVendorA;
  const std::string validate = "/purchase/validate-purchase-before-payment";
  const std::vector<Hostile> hostile = {
      {"raw 0xff in asset_id", "POST", validate, testing::ValidateBody("asset-\xff"), a, ""},
      {"lone low surrogate in asset_id", "POST", validate, testing::ValidateBody("asset-\\udc00"), a, ""},
      {"high surrogate at the end", "POST", validate, testing::ValidateBody("asset-\\ud800"), a, ""},
      {"surrogate in an unknown member's name", "POST", validate, R"({"\udc00":1})", a, ""},
      {"raw surrogate in a member name", "POST", validate, "{\"\xed\xa0\x80\":1}", a, ""},
      {"overlong in vendor_order_id", "POST", "/purchase/register",
       testing::RegisterBody("{T}", "asset-basic", "vo-\xc0\xaf"), a, ""},
      {"surrogate in the token", "POST", "/purchase/register", testing::RegisterBody("t\\udfff", "asset-basic", "vo"), a,
       ""},
      {"escaped surrogate as the order id", "GET", "/purchase/info?order_id=%ED%A0%80", "", a, ""},
      {"raw 0xff as the order id", "GET", "/purchase/info?order_id=\xff", "", a, ""},
      {"0xff as a parameter name", "GET", "/purchase/info?\xff=1&order_id={A1}", "", a, ""},
      {"escaped 0xff as a parameter name", "GET", "/purchase/info?%FF=1&order_id={A1}", "", a, ""},
      {"repeated surrogate name", "GET", "/purchase/info?%ED%A0%80=1&%ED%A0%80=2", "", a, ""},
      {"0xff in a vendor path", "GET", "/purchase/\xff", "", a, ""},
      {"0xff as an asset id", "GET", "/assets/download/\xff\xfe?expires={EXP}&sig={SIG}", "", std::nullopt, ""},
      {"surrogate in a signed URL", "GET", "/assets/view/{A1}?expires={VEXP}&sig=%ED%A0%80", "", std::nullopt, ""},
      {"surrogate in a fault rule's path", "POST", "/_control/faults",
       R"({"match":{"path":"/purchase/\udc00"},"effect":{"status":500}})", std::nullopt, ""},
      {"0xff in a fault rule's asset_id", "POST", "/_control/faults",
       "{\"match\":{\"asset_id\":\"\xff\"},\"effect\":{\"status\":500}}", std::nullopt, ""},
      {"0xff as a fault id", "DELETE", "/_control/faults/\xff", "", std::nullopt, ""},
      {"surrogate as an order's history", "GET", "/_control/orders/\xed\xbf\xbf/history", "", std::nullopt, ""},
      {"surrogate as a drill", "POST", "/_control/drills/\xed\xa0\x80", "", std::nullopt, ""},
      {"surrogate as the clock", "POST", "/_control/clock/set", R"({"now":"\udc00"})", std::nullopt, ""},
  };
  for (const Hostile& h : hostile) {
    const HttpReply r = world.served.Handle(MakeRequest(h.method, world.Fill(h.target), world.Fill(h.body),
                                                     h.auth ? std::optional(world.Fill(*h.auth)) : std::nullopt));
    BOOST_TEST(r.status >= 400, h.what << ": " << r.status);
    BOOST_TEST(purchase::testing::StrictUtf8Problem(r.body) == "", h.what << ": " << r.body);
  }
}

// --- the wire -------------------------------------------------------------------

// Sends raw bytes on a fresh connection and reads until the peer closes, a
// whole reply has come (Content-Length), or `timeout` passes. Returns what
// was read ("" if nothing).
std::string RawExchange(uint16_t port, const std::string& bytes, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  const int fd = purchase::testing::ConnectLoopback(port);
  if (fd < 0) return "<cannot connect>";
  // The server may answer (413) and close before reading it all.
  purchase::testing::SendAll(fd, bytes);
  std::string in;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 50) <= 0) continue;
    char buf[65536];
    const ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    in.append(buf, static_cast<size_t>(n));
    const size_t head = in.find("\r\n\r\n");
    if (head == std::string::npos) continue;
    std::smatch m;
    const std::string head_text = in.substr(0, head);
    if (std::regex_search(head_text, m, std::regex("[Cc]ontent-[Ll]ength: *([0-9]+)")) &&
        in.size() >= head + 4 + std::stoul(m[1]))
      break;
  }
  close(fd);
  return in;
}

int StatusOf(const std::string& raw) {
  std::smatch m;
  return std::regex_search(raw, m, std::regex("^HTTP/1\\.[01] ([0-9]{3})")) ? std::stoi(m[1]) : 0;
}

std::string BodyOf(const std::string& raw) {
  const size_t head = raw.find("\r\n\r\n");
  return head == std::string::npos ? "" : raw.substr(head + 4);
}

struct WireWorld {
  WireWorld() : server(world.api, Options()) { port = server.Start(); }
  static ServerOptions Options() {
    ServerOptions o;
    o.port = 0;
    o.threads = 2;
    o.log_requests = false;
    return o;
  }
  bool Serving() {
    const std::string raw = RawExchange(port, "GET /purchase/info?order_id=" + world.v["A1"] +
                                                  " HTTP/1.1\r\nHost: x\r\nAuthorization: " + kVendorA + "\r\n\r\n");
    return StatusOf(raw) == 200;
  }
  World world;
  PistacheServer server;
  uint16_t port = 0;
};

BOOST_AUTO_TEST_CASE(HostileBytesOnTheWireLeaveTheServerServingAndUnchanged) {
  WireWorld w;
  const std::string before = w.world.Snapshot();
  BOOST_REQUIRE(w.Serving());
  size_t tried = 0;
  const std::string auth = "Authorization: " + kVendorA + "\r\n";

  // A body past Pistache's own 1 MiB limit: the adapter answers from the head,
  // before Pistache's parser would (request_head.h).
  {
    const std::string body(2 * 1024 * 1024, 'x');
    const std::string raw = RawExchange(w.port, "POST /purchase/validate-purchase-before-payment HTTP/1.1\r\nHost: x\r\n" +
                                                    auth + "Content-Length: " + std::to_string(body.size()) +
                                                    "\r\n\r\n" + body);
    ++tried;
    BOOST_TEST(StatusOf(raw) == 413, raw.substr(0, 200));
    BOOST_TEST(testing::JsonText(BodyOf(raw), "error/code") == "PAYLOAD_TOO_LARGE", raw.substr(0, 200));
  }
  // A garbage request line, binary junk, a request line with no version, an
  // absurd method, lying lengths: each a documented JSON 4xx (spec/README.md,
  // check order: framing), nothing reaches the core, and the server keeps serving.
  const std::vector<std::string> junk = {
      std::string("\x00\x01\x02GARBAGE\r\n\r\n", 14),
      "GET\r\n\r\n",
      "GET / HTTP/9.9\r\n\r\n",
      std::string(8000, 'A') + "\r\n\r\n",
      "\xff\xfe\xfd\r\n\r\n",
      "POST /purchase/register HTTP/1.1\r\nContent-Length: -1\r\n\r\n{}",
      "POST /purchase/register HTTP/1.1\r\nContent-Length: 1073741824\r\n\r\n{}",
      "POST /purchase/register HTTP/1.1\r\nContent-Length: abc\r\n\r\n{}",
      "POST /purchase/register HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n{}",
      "POST /purchase/register HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nZZZ\r\n",
  };
  for (const std::string& bytes : junk) {
    ++tried;
    const std::string raw = RawExchange(w.port, bytes, std::chrono::milliseconds(500));
    const int status = StatusOf(raw);
    const std::string shown = bytes.substr(0, 70);
    BOOST_TEST((status >= 400 && status < 500), shown << " answered: " << raw.substr(0, 160));
    BOOST_TEST(!testing::JsonText(BodyOf(raw), "error/code").empty(), shown << " answered: " << raw.substr(0, 160));
    BOOST_TEST(w.Serving(), "not serving after " << shown);
  }
  // A header flood: 100,000 headers (1.3 MB, over the head limit), then 2,000 (under it).
  {
    std::string flood = "GET /purchase/info?order_id=" + w.world.v["A1"] + " HTTP/1.1\r\nHost: x\r\n" + auth;
    for (int i = 0; i < 100000; ++i) flood += "X-F: " + std::to_string(i) + "\r\n";
    ++tried;
    const std::string raw = RawExchange(w.port, flood + "\r\n");
    BOOST_TEST(StatusOf(raw) == 431, raw.substr(0, 120));
    BOOST_TEST(testing::JsonText(BodyOf(raw), "error/code") == "REQUEST_HEADER_FIELDS_TOO_LARGE", raw.substr(0, 120));
    BOOST_TEST(w.Serving());
    std::string many = "GET /purchase/info?order_id=" + w.world.v["A1"] + " HTTP/1.1\r\nHost: x\r\n" + auth;
    for (int i = 0; i < 2000; ++i) many += "X-F: " + std::to_string(i) + "\r\n";
    ++tried;
    BOOST_TEST(StatusOf(RawExchange(w.port, many + "\r\n")) == 200);
  }
  // Half-sent requests held open on 50 connections do not stop the others.
  {
    std::vector<int> stalled;
    for (int i = 0; i < 50; ++i) {
      const int fd = socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in addr{};
      addr.sin_family = AF_INET;
      addr.sin_port = htons(w.port);
      addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
        const std::string part = "POST /purchase/register HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"tok";
        (void)send(fd, part.data(), part.size(), MSG_NOSIGNAL);
      }
      stalled.push_back(fd);
    }
    ++tried;
    BOOST_TEST(w.Serving());
    for (int fd : stalled) close(fd);
  }
  // Duplicated query parameters reach the API (the adapter frames requests
  // itself; Pistache kept only the first), which refuses the repeat: a
  // repeated order_id of another vendor cannot smuggle a read.
  {
    ++tried;
    const std::string raw = RawExchange(w.port, "GET /purchase/info?order_id=" + w.world.v["B1"] + "&order_id=" +
                                                    w.world.v["A1"] + " HTTP/1.1\r\nHost: x\r\n" + auth + "\r\n");
    BOOST_TEST(StatusOf(raw) == 422, raw.substr(0, 200));
    BOOST_TEST(BodyOf(raw).find("REQUEST_VALIDATION_FAILED") != std::string::npos, raw.substr(0, 300));
    BOOST_TEST(BodyOf(raw).find(w.world.v["B1"] + "\",\"vendor_order_id\"") == std::string::npos);
  }
  BOOST_TEST(w.world.Snapshot() == before);
  BOOST_TEST(w.Serving());
  BOOST_TEST_MESSAGE("hostile byte streams tried on a real socket: " << tried << ", server still serving, no state change");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace purchase::http
