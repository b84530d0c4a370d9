// Test-only helpers shared by the server's HTTP tests (HttpApi without a
// socket, and the Pistache adapter on one): the default fixtures, the two
// vendors' credentials, requests written the way people read them ("GET",
// "/purchase/info?order_id=..."), the two request bodies every purchase
// starts with, JSON lookups, and TestApi, a server with helpers for the
// common steps of a purchase.
#pragma once

#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>

#include <boost/test/unit_test.hpp>
#include <rapidjson/document.h>

#include "hl_connector/catalog.h"
#include "core/clock.h"
#include "hl_connector/error_catalog.h"
#include "core/lifecycle.h"
#include "hl_connector/purchase_service.h"
#include "hl_connector/hl_sandbox.h"
#include "hl_connector/http_api.h"
#include "http/sandbox_router.h"
#include "http/valid_text.h"

namespace purchase::http::testing {

inline constexpr Millis kStart = 1767225600000;  // 2026-01-01T00:00:00Z, the manual clock's default start
inline const std::string kVendorA = "Bearer test-token-vendor-a";
inline const std::string kVendorB = "Bearer test-token-vendor-b";
inline const std::string kJsonType = "application/json; charset=utf-8";

// The default fixture set (fixtures/ of the source tree), loaded once.
inline const Catalog& Fixtures() {
  static const Catalog catalog = Catalog::Load(PURCHASE_TEST_FIXTURES);
  return catalog;
}

// The bytes of fixtures/files/<name>.
inline std::string FixtureFile(const std::string& name) {
  std::ifstream in(std::string(PURCHASE_TEST_FIXTURES) + "/files/" + name, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read fixture file " + name);
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

// The body of POST /purchase/validate-purchase-before-payment.
inline std::string ValidateBody(const std::string& asset_id, int quantity = 1,
                                const std::string& customer_ip = "203.0.113.7") {
  return R"({"asset_id":")" + asset_id + R"(","quantity":)" + std::to_string(quantity) + R"(,"customer_ip":")" +
         customer_ip + R"("})";
}

// The body of POST /purchase/register.
inline std::string RegisterBody(const std::string& token, const std::string& asset_id,
                                const std::string& vendor_order_id, int quantity = 1) {
  return R"({"token":")" + token + R"(","asset_id":")" + asset_id + R"(","quantity":)" + std::to_string(quantity) +
         R"(,"vendor_order_id":")" + vendor_order_id + R"("})";
}

// The value at a '/'-separated path of a JSON body ("error/code",
// "history/0/to") as text: a string as itself, an integer in decimal, null as
// "<null>"; "<absent>" if there is none (or the body is not JSON), "<not a
// string>" for anything else.
inline std::string JsonText(std::string_view body, const std::string& path) {
  rapidjson::Document d;
  d.Parse(body.data(), body.size());
  if (d.HasParseError()) return "<absent>";
  const rapidjson::Value* v = &d;
  std::stringstream parts(path);
  std::string part;
  while (std::getline(parts, part, '/')) {
    if (v->IsArray()) {
      const size_t i = part.find_first_not_of("0123456789") == std::string::npos && !part.empty() ? std::stoul(part) : v->Size();
      if (i >= v->Size()) return "<absent>";
      v = &(*v)[static_cast<rapidjson::SizeType>(i)];
      continue;
    }
    if (!v->IsObject() || !v->HasMember(part.c_str())) return "<absent>";
    v = &(*v)[part.c_str()];
  }
  if (v->IsString()) return v->GetString();
  if (v->IsNull()) return "<null>";
  if (v->IsInt64()) return std::to_string(v->GetInt64());
  return "<not a string>";
}

// Splits "/path?a=1&b" into the path and the raw (undecoded) query, as the
// socket adapter does (SplitRawQuery, repeats kept).
inline HttpRequest MakeRequest(const std::string& method, const std::string& target, std::string body,
                               std::optional<std::string> authorization) {
  HttpRequest r;
  r.method = method;
  const size_t q = target.find('?');
  r.path = target.substr(0, q);
  if (q != std::string::npos) SplitRawQuery(std::string_view(target).substr(q + 1), r.query);
  r.authorization = std::move(authorization);
  r.host = "127.0.0.1:8080";
  r.body = std::move(body);
  return r;
}

// A reply's JSON body, checking the content type and that it parses.
inline rapidjson::Document Json(const HttpReply& reply) {
  BOOST_TEST(reply.content_type == kJsonType);
  rapidjson::Document d;
  d.Parse(reply.body.c_str(), reply.body.size());
  BOOST_REQUIRE_MESSAGE(!d.HasParseError(), "not JSON: " << reply.body);
  return d;
}

// JsonText of a reply, checking first that its body is JSON.
inline std::string Str(const HttpReply& reply, const std::string& path) {
  Json(reply);
  return JsonText(reply.body, path);
}

// "<status> <code>" of an error reply, checking that the body is the error
// shape with a message.
inline std::string Failure(const HttpReply& reply) {
  const std::string message = Str(reply, "error/message");
  BOOST_TEST((message != "<absent>" && !message.empty()), "no error.message in " << reply.body);
  return std::to_string(reply.status) + " " + Str(reply, "error/code");
}

inline ServiceOptions ServiceOptionsFor(uint64_t seed) {
  ServiceOptions o;
  o.seed = seed;
  return o;
}

// A server over the default fixtures (manual clock at kStart unless told
// otherwise), driven through HttpApi::Handle, with the common steps of a
// purchase. Each step that must succeed for the test to mean anything
// requires it (BOOST_REQUIRE).
struct TestApi {
  explicit TestApi(ApiOptions options = {}, uint64_t seed = 1,
                   std::unique_ptr<Clock> clock = std::make_unique<ManualClock>(kStart))
      : service(Fixtures(), Lifecycle::Builtin(), std::move(clock), ServiceOptionsFor(seed)),
        api(service, ErrorCatalog::Builtin(), std::move(options)) {}
  // A server over `catalog` with the given service options (a variant's, or
  // defects), manual clock at kStart unless told otherwise.
  TestApi(ApiOptions options, ServiceOptions service_options, const Catalog& catalog = Fixtures(),
          std::unique_ptr<Clock> clock = std::make_unique<ManualClock>(kStart))
      : service(catalog, Lifecycle::Builtin(), std::move(clock), std::move(service_options)),
        api(service, ErrorCatalog::Builtin(), std::move(options)) {}

  HttpReply Call(const std::string& method, const std::string& target, const std::string& body = "",
                 std::optional<std::string> authorization = kVendorA) {
    return api.Handle(MakeRequest(method, target, body, std::move(authorization)));
  }
  HttpReply Post(const std::string& target, const std::string& body, std::optional<std::string> auth = kVendorA) {
    return Call("POST", target, body, std::move(auth));
  }
  HttpReply Get(const std::string& target, std::optional<std::string> auth = kVendorA) {
    return Call("GET", target, "", std::move(auth));
  }

  HttpReply Validate(const std::string& asset_id, int quantity = 1, const std::string& ip = "203.0.113.7",
                     const std::string& auth = kVendorA) {
    return Post("/purchase/validate-purchase-before-payment", ValidateBody(asset_id, quantity, ip), auth);
  }
  std::string Token(const std::string& asset_id, int quantity = 1, const std::string& auth = kVendorA) {
    const HttpReply r = Validate(asset_id, quantity, "203.0.113.7", auth);
    BOOST_REQUIRE_MESSAGE(r.status == 200, "validate: " << r.status << " " << r.body);
    return Str(r, "token");
  }
  HttpReply Register(const std::string& token, const std::string& asset_id, const std::string& vendor_order_id,
                     int quantity = 1, const std::string& auth = kVendorA) {
    return Post("/purchase/register", RegisterBody(token, asset_id, vendor_order_id, quantity), auth);
  }
  // Validates and registers; returns the order id.
  std::string Order(const std::string& asset_id, const std::string& vendor_order_id,
                    const std::string& auth = kVendorA) {
    const HttpReply r = Register(Token(asset_id, 1, auth), asset_id, vendor_order_id, 1, auth);
    BOOST_REQUIRE_MESSAGE(r.status == 201, "register: " << r.status << " " << r.body);
    return Str(r, "order_id");
  }
  void Advance(int seconds) {
    const HttpReply r = Post("/_control/clock/advance", R"({"seconds":)" + std::to_string(seconds) + "}", std::nullopt);
    BOOST_REQUIRE_MESSAGE(r.status == 200, "advance: " << r.status << " " << r.body);
  }
  HttpReply AddFault(const std::string& rule) {
    const HttpReply r = Post("/_control/faults", rule, std::nullopt);
    BOOST_REQUIRE_MESSAGE(r.status == 201, "add fault: " << r.status << " " << r.body);
    return r;
  }
  // The signed URL (path?query) handed out for a COMPLETED order.
  std::string SignedUrl(const std::string& kind, const std::string& order_id) {
    const HttpReply r = Get("/purchase/" + kind + "-url?order_id=" + order_id);
    BOOST_REQUIRE_MESSAGE(r.status == 200, kind << "-url: " << r.status << " " << r.body);
    const std::string url = Str(r, "url");
    const std::string prefix = "http://127.0.0.1:8080";
    BOOST_REQUIRE_MESSAGE(url.rfind(prefix, 0) == 0, url);
    return url.substr(prefix.size());
  }
  std::string History(const std::string& order_id) {
    return Get("/_control/orders/" + order_id + "/history", std::nullopt).body;
  }

  PurchaseService service;
  HttpApi api;
};

// A TestApi's service and API as the default sandbox of a SandboxRouter, as
// purchase-server serves them (the sandboxes it creates are HL sandboxes of
// the default fixtures); `served` answers what the server would.
struct ServedTestApi : TestApi {
  class Borrowed final : public Sandbox {
   public:
    explicit Borrowed(TestApi& t) : t_(t) {}
    HttpReply Handle(const HttpRequest& request) override { return t_.api.Handle(request); }
    size_t OrderCount() override { return t_.service.order_count(); }
    bool Full(std::string_view, size_t) override { return false; }  // the default sandbox has no cap
    int64_t Now() override { return t_.service.clock_now(); }

   private:
    TestApi& t_;
  };

  explicit ServedTestApi(ApiOptions options = {})
      : TestApi(std::move(options)),
        served(std::make_unique<Borrowed>(*this), HlSandboxFactory(Shared()),
               CatalogErrorRenderer(ErrorCatalog::Builtin().statuses(), "spec/errors.yaml"), Options()) {}

  static const HlSandboxShared& Shared() {
    static const ManualClock wall(0);
    static const HlSandboxShared shared = [] {
      HlSandboxShared s;
      s.catalog = &Fixtures();
      s.lifecycle = &Lifecycle::Builtin();
      s.errors = &ErrorCatalog::Builtin();
      s.obligations = &ClientObligations::Builtin();
      s.wall_clock = &wall;
      s.clock = [](std::optional<Millis> at) { return std::make_unique<ManualClock>(at.value_or(kStart)); };
      return s;
    }();
    return shared;
  }
  static SandboxOptions Options() {
    SandboxOptions o;
    o.wall_ms = [] { return int64_t{0}; };
    return o;
  }

  SandboxRouter served;
};

}  // namespace purchase::http::testing
