// One host for every API (http/api_host.h, http/control_api.h): the HL
// Connector and the three profiles answer what the host answers (routing,
// fault rules' answers, the body limit, the control API) with the same
// status, code, wording and headers, are guarded by the same control token,
// and list the capabilities their ports offer, no more.
#define BOOST_TEST_MODULE one_host
#include <boost/test/unit_test.hpp>

#include <memory>
#include <string>
#include <vector>

#include "profiles/profile_registry.h"
#include "profiles/profile_sandbox.h"
#include "testing/http_testing.h"

using namespace purchase;
using namespace purchase::http::testing;
using purchase::http::HttpReply;
using purchase::http::HttpRequest;

namespace {

// A profile served as purchase-server serves it, with its spec and fixtures.
struct ProfileServer {
  explicit ProfileServer(const profiles::ProfileEntry& entry, std::string control_token)
      : lifecycle(Lifecycle::Parse(entry.lifecycle, entry.spec_dir + "/lifecycle.yaml")),
        errors(profiles::ErrorReplies::Parse(entry.errors, entry.spec_dir + "/errors.yaml")),
        obligations(ClientObligations::Parse(entry.client_obligations, entry.spec_dir + "/client-obligations.yaml")) {
    shared.entry = &entry;
    shared.fixtures = std::string(PURCHASE_TEST_FIXTURES) + "/" + entry.name;
    shared.lifecycle = &lifecycle;
    shared.errors = &errors;
    shared.engine = entry.engine;
    shared.host.control_token = std::move(control_token);
    shared.host.version = "0.1.0";
    shared.host.obligations = &obligations;
    shared.host.wall_clock = &wall;
    shared.clock = [](std::optional<int64_t> at) { return std::make_unique<ManualClock>(at.value_or(kStart)); };
    sandbox = std::make_unique<profiles::ProfileSandbox>(shared, 1, std::nullopt);
  }
  Lifecycle lifecycle;
  profiles::ErrorReplies errors;
  ClientObligations obligations;
  ManualClock wall{1'000'000};  // the audit's wall clock: the test moves it
  profiles::ProfileSandboxShared shared;
  std::unique_ptr<profiles::ProfileSandbox> sandbox;
};

// Every API by name: the HL Connector's HttpApi and each profile's host.
struct AllApis {
  explicit AllApis(const std::string& control_token = "") {
    http::ApiOptions options;
    options.control_token = control_token;
    hl = std::make_unique<TestApi>(options);
    for (const auto& entry : profiles::Profiles()) profiles.push_back(std::make_unique<ProfileServer>(entry, control_token));
  }
  std::vector<std::pair<std::string, std::function<HttpReply(const HttpRequest&)>>> each() {
    std::vector<std::pair<std::string, std::function<HttpReply(const HttpRequest&)>>> out;
    out.emplace_back("hl-connector", [this](const HttpRequest& r) { return hl->api.Handle(r); });
    for (auto& p : profiles)
      out.emplace_back(p->shared.entry->name, [&p](const HttpRequest& r) { return p->sandbox->Handle(r); });
    return out;
  }
  std::unique_ptr<TestApi> hl;
  std::vector<std::unique_ptr<ProfileServer>> profiles;
};

// A route of each API that takes a POST with a body, and a path of it that
// takes no PUT.
struct ApiRoute {
  const char* post;
  const char* get;
};
ApiRoute RouteOf(const std::string& api) {
  if (api == "hl-connector") return {"/purchase/register", "/purchase/info"};
  if (api == "imaging-catalog") return {"/api/catalog/v2/purchases", "/api/catalog/v2/purchases/x"};
  if (api == "sheetmusicdirect") return {"/orders/create", "/orders"};
  if (api == "tabs") return {"/v1/purchases", "/v1/purchases/x"};
  BOOST_FAIL("no route known for API " << api);
  return {};
}

std::string HeaderOf(const HttpReply& reply, const std::string& name) {
  for (const auto& [k, v] : reply.headers)
    if (k == name) return v;
  return "<absent>";
}

// Status, code, field, message and Allow: what a client can tell apart.
std::string Answer(const HttpReply& reply) {
  return std::to_string(reply.status) + " " + JsonText(reply.body, "error/code") + " field=" +
         JsonText(reply.body, "error/field") + " allow=" + HeaderOf(reply, "Allow") + " | " +
         JsonText(reply.body, "error/message");
}

}  // namespace

BOOST_AUTO_TEST_SUITE(OneHost)

BOOST_AUTO_TEST_CASE(EveryApiAnswersTheSameControlRequestAlike) {
  struct Case {
    const char* what;
    const char* method;
    const char* target;
    std::string body;
  };
  const std::vector<Case> cases = {
      {"no such control path", "GET", "/_control/nope", ""},
      {"a wrong method", "GET", "/_control/reset", ""},
      {"a wrong method on faults", "PUT", "/_control/faults", ""},
      {"malformed JSON", "POST", "/_control/clock/advance", "{\"seconds\":"},
      {"no object", "POST", "/_control/clock/advance", "[1]"},
      {"a repeated member", "POST", "/_control/clock/advance", R"({"seconds":1,"seconds":2})"},
      {"an unknown member", "POST", "/_control/clock/advance", R"({"seconds":1,"minutes":2})"},
      {"a negative advance", "POST", "/_control/clock/advance", R"({"seconds":-1})"},
      {"a huge advance", "POST", "/_control/clock/advance", R"({"seconds":1e12})"},
      {"no instant", "POST", "/_control/clock/set", R"({"now":"yesterday"})"},
      {"the clock backwards", "POST", "/_control/clock/set", R"({"now":"2025-12-31T23:59:59Z"})"},
      {"a body over the limit", "POST", "/_control/clock/advance", std::string(70 * 1024, ' ')},
      {"no such fault rule", "DELETE", "/_control/faults/nope", ""},
      {"no such order", "GET", "/_control/orders/nope/history", ""},
  };
  AllApis apis;
  for (const Case& c : cases) {
    std::string expected;
    for (auto& [api, handle] : apis.each()) {
      const HttpReply reply = handle(MakeRequest(c.method, c.target, c.body, std::nullopt));
      BOOST_TEST_CONTEXT(c.what << " (" << api << "): " << reply.body) {
        BOOST_TEST(reply.status >= 400);
        BOOST_TEST(reply.content_type == kJsonType);
        if (expected.empty()) expected = Answer(reply);
        BOOST_TEST(Answer(reply) == expected);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(TheControlTokenGuardsTheControlApiOfEveryApi) {
  AllApis apis("s3cret");
  for (auto& [api, handle] : apis.each()) {
    BOOST_TEST_CONTEXT(api) {
      const HttpReply refused = handle(MakeRequest("POST", "/_control/reset", "", std::nullopt));
      BOOST_TEST(Failure(refused) == "401 UNAUTHENTICATED");
      BOOST_TEST(HeaderOf(refused, "WWW-Authenticate") == "Bearer");
      // Checked before the size limit: an unauthenticated caller learns nothing.
      BOOST_TEST(Failure(handle(MakeRequest("POST", "/_control/clock/advance", std::string(70 * 1024, ' '),
                                            std::string("Bearer wrong")))) == "401 UNAUTHENTICATED");
      BOOST_TEST(handle(MakeRequest("POST", "/_control/reset", "", std::string("Bearer s3cret"))).status == 200);
    }
  }
}

BOOST_AUTO_TEST_CASE(GetControlListsTheCapabilitiesAnApiOffersAndNoOthers) {
  AllApis apis;
  for (auto& [api, handle] : apis.each()) {
    BOOST_TEST_CONTEXT(api) {
      const HttpReply info = handle(MakeRequest("GET", "/_control", "", std::nullopt));
      BOOST_TEST(info.status == 200);
      const bool hl = api == "hl-connector";
      const std::string expected = hl ? R"({"capabilities":["reset","clock","faults","history","audit","drills"],)"
                                      : R"({"capabilities":["reset","clock","faults","history","audit"],)";
      BOOST_TEST(info.body.rfind(expected, 0) == 0, info.body);
      // The HL Connector's reply predates "api" and stays as it was.
      BOOST_TEST(JsonText(info.body, "api") == (hl ? std::string("<absent>") : api));
      // Every API audits its clients; drills are the HL Connector's. A
      // capability not offered has no endpoint.
      BOOST_TEST(handle(MakeRequest("GET", "/_control/audit", "", std::nullopt)).status == 200);
      BOOST_TEST(handle(MakeRequest("GET", "/_control/drills", "", std::nullopt)).status == (hl ? 200 : 404));
    }
  }
}

BOOST_AUTO_TEST_CASE(ANewFaultRuleIsAtItsLocationInEveryApi) {
  AllApis apis;
  for (auto& [api, handle] : apis.each()) {
    BOOST_TEST_CONTEXT(api) {
      const HttpReply added = handle(MakeRequest(
          "POST", "/_control/faults", R"({"match":{"method":"GET"},"effect":{"status":503},"times":2})", std::nullopt));
      BOOST_REQUIRE(added.status == 201);
      const std::string id = JsonText(added.body, "id");
      BOOST_TEST(HeaderOf(added, "Location") == "/_control/faults/" + id);
      BOOST_TEST(JsonText(added.body, "remaining") == "2");
      BOOST_TEST(JsonText(handle(MakeRequest("GET", "/_control/faults", "", std::nullopt)).body, "faults/0/id") == id);
      const HttpReply removed = handle(MakeRequest("DELETE", HeaderOf(added, "Location"), "", std::nullopt));
      BOOST_TEST(removed.status == 200);
      BOOST_TEST(removed.body == added.body);
      BOOST_TEST(handle(MakeRequest("DELETE", "/_control/faults", "", std::nullopt)).body == R"({"deleted":0})");
    }
  }
}

BOOST_AUTO_TEST_CASE(NoApiTakesAFaultRuleForTheControlApi) {
  AllApis apis;
  for (auto& [api, handle] : apis.each()) {
    BOOST_TEST_CONTEXT(api) {
      const HttpReply refused = handle(MakeRequest(
          "POST", "/_control/faults", R"({"match":{"path":"/_control/reset"},"effect":{"status":503}})", std::nullopt));
      BOOST_TEST(Failure(refused) == "422 REQUEST_VALIDATION_FAILED");
      BOOST_TEST(JsonText(refused.body, "error/field") == "match.path");
      BOOST_TEST(handle(MakeRequest("GET", "/_control/faults", "", std::nullopt)).body == R"({"faults":[]})");
    }
  }
}

BOOST_AUTO_TEST_CASE(MovingTheClockAnswersTheSameInEveryApi) {
  AllApis apis;
  for (auto& [api, handle] : apis.each()) {
    BOOST_TEST_CONTEXT(api) {
      BOOST_TEST(handle(MakeRequest("POST", "/_control/clock/advance", R"({"seconds":1.5})", std::nullopt)).body ==
                 R"({"now":"2026-01-01T00:00:01.500Z","mode":"manual","settled":0})");
      BOOST_TEST(handle(MakeRequest("POST", "/_control/clock/set", R"({"now":"2026-01-02T00:00:00Z"})", std::nullopt))
                     .body == R"({"now":"2026-01-02T00:00:00Z","mode":"manual","settled":0})");
      BOOST_TEST(handle(MakeRequest("POST", "/_control/reset", "", std::nullopt)).body ==
                 R"({"now":"2026-01-01T00:00:00Z","mode":"manual"})");
    }
  }
}

BOOST_AUTO_TEST_CASE(EveryApiRoutesAndLimitsItsOwnRoutesAlike) {
  AllApis apis;
  for (auto& [api, handle] : apis.each()) {
    const ApiRoute route = RouteOf(api);
    BOOST_TEST_CONTEXT(api) {
      BOOST_TEST(Answer(handle(MakeRequest("GET", "/no/such/path", "", std::nullopt))) ==
                 "404 NOT_FOUND field=<absent> allow=<absent> | no endpoint at GET /no/such/path");
      const HttpReply wrong = handle(MakeRequest("PUT", route.get, "", std::nullopt));
      BOOST_TEST(Failure(wrong) == "405 METHOD_NOT_ALLOWED");
      BOOST_TEST(JsonText(wrong.body, "error/message") == std::string(route.get) + " does not take PUT; it takes " +
                                                              HeaderOf(wrong, "Allow"));
      // The limit before the API's own checks: no credentials needed to be told.
      BOOST_TEST(Answer(handle(MakeRequest("POST", route.post, std::string(70 * 1024, ' '), std::nullopt))) ==
                 "413 PAYLOAD_TOO_LARGE field=<absent> allow=<absent> | the request body is larger than 65536 bytes");
    }
  }
}

BOOST_AUTO_TEST_CASE(EveryApiAnswersAFaultRulesStatusAlike) {
  AllApis apis;
  for (auto& [api, handle] : apis.each()) {
    const ApiRoute route = RouteOf(api);
    BOOST_TEST_CONTEXT(api) {
      const std::string rules[] = {
          R"({"match":{"method":"POST"},"effect":{"status":503,"retry_after":7},"times":1})",
          R"({"match":{"method":"POST"},"effect":{"status":418,"delay_ms":20,"drop_connection":true},"times":1})",
          R"({"match":{"method":"POST"},"effect":{"delay_ms":30,"drop_connection":true},"times":1})",
      };
      for (const auto& rule : rules)
        BOOST_REQUIRE(handle(MakeRequest("POST", "/_control/faults", rule, std::nullopt)).status == 201);
      const HttpReply unavailable = handle(MakeRequest("POST", route.post, "{}", std::nullopt));
      BOOST_TEST(Answer(unavailable) == "503 SERVICE_UNAVAILABLE field=<absent> allow=<absent> | injected fault: this "
                                        "request was answered 503 by a fault rule");
      BOOST_TEST(HeaderOf(unavailable, "Retry-After") == "7");
      BOOST_TEST(!unavailable.drop_connection);
      // With a status the request is not handled: the status is answered, the connection stays.
      const HttpReply teapot = handle(MakeRequest("POST", route.post, "{}", std::nullopt));
      BOOST_TEST(Failure(teapot) == "418 INJECTED_FAULT");
      BOOST_TEST(teapot.delay_ms == 20);
      BOOST_TEST(!teapot.drop_connection);
      // Without one it is handled as usual (here: refused, no credentials), then dropped.
      const HttpReply dropped = handle(MakeRequest("POST", route.post, "{}", std::nullopt));
      BOOST_TEST(dropped.status != 418);
      BOOST_TEST(dropped.delay_ms == 30);
      BOOST_TEST(dropped.drop_connection);
      // Every rule was spent once.
      BOOST_TEST(handle(MakeRequest("GET", "/_control/faults", "", std::nullopt)).body.find("\"remaining\":0") !=
                 std::string::npos);
      const HttpReply after = handle(MakeRequest("POST", route.post, "{}", std::nullopt));
      BOOST_TEST(!after.drop_connection);
      BOOST_TEST(after.delay_ms == 0);
    }
  }
}

BOOST_AUTO_TEST_CASE(AProfileServersAuditNamesTheObligationItsClientBroke) {
  // tabs: a merchant that retries a 503 at once breaks backoff-on-errors
  // (spec/tabs/client-obligations.yaml), as the proxy would say of it.
  AllApis apis;
  ProfileServer* tabs = nullptr;
  for (auto& p : apis.profiles)
    if (p->shared.entry->name == "tabs") tabs = p.get();
  BOOST_REQUIRE(tabs);
  auto handle = [&](const HttpRequest& r) { return tabs->sandbox->Handle(r); };
  BOOST_REQUIRE(handle(MakeRequest("POST", "/_control/faults",
                                   R"({"match":{"method":"POST","path":"/v1/purchases"},"effect":{"status":503},"times":2})",
                                   std::nullopt))
                    .status == 201);
  const std::string body = R"({"tab_id":"x","amount":1})";
  BOOST_TEST(handle(MakeRequest("POST", "/v1/purchases", body, "Bearer test-token-merchant-a")).status == 503);
  tabs->wall.Set(tabs->wall.Now() + 200);  // 0.2 s later: sooner than the 1 s a 503 without Retry-After asks
  BOOST_TEST(handle(MakeRequest("POST", "/v1/purchases", body, "Bearer test-token-merchant-a")).status == 503);
  const HttpReply audit = handle(MakeRequest("GET", "/_control/audit", "", std::nullopt));
  BOOST_TEST(audit.status == 200);
  BOOST_TEST(audit.body.find(R"("obligation":"backoff-on-errors")") != std::string::npos, audit.body);
  BOOST_TEST(audit.body.find("called POST /v1/purchases again 0.2 s after a 503 that asked to wait 1 s") != std::string::npos,
             audit.body);
  // A request without credentials belongs to no client.
  handle(MakeRequest("GET", "/v1/purchases/x", "", std::nullopt));
  BOOST_TEST(handle(MakeRequest("DELETE", "/_control/audit", "", std::nullopt)).status == 200);
  BOOST_TEST(handle(MakeRequest("GET", "/_control/audit", "", std::nullopt)).body.find(R"("findings":[])") !=
             std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
