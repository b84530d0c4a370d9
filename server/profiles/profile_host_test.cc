// The host every profile runs in: routing, faults, the body limit, settling
// and the control API, driven through a toy profile of two routes.
#define BOOST_TEST_MODULE profile_host
#include <boost/test/unit_test.hpp>

#include <rapidjson/document.h>
#include <rapidjson/pointer.h>

#include "profiles/profile_host.h"
#include "testing/strict_utf8.h"

using namespace purchase;
using namespace purchase::profiles;

namespace {

const char* kLifecycle = R"(
states:
  waiting: {initial: true}
  ready: {terminal: true}
  broken: {terminal: true}
entry: {to: waiting, cause: order}
transitions:
  - {from: waiting, to: ready, cause: made}
  - {from: waiting, to: broken, cause: failed}
observe: [{id: /id, state: /state}]
)";

const char* kErrors = R"(
errors:
  NOT_FOUND: {status: 404}
  METHOD_NOT_ALLOWED: {status: 405}
  PAYLOAD_TOO_LARGE: {status: 413}
  MALFORMED_JSON: {status: 400}
  REQUEST_VALIDATION_FAILED: {status: 422}
  UNAUTHENTICATED: {status: 401}
  INTERNAL_ERROR: {status: 500}
  SERVICE_UNAVAILABLE: {status: 503}
  RATE_LIMITED: {status: 429}
  INJECTED_FAULT: {status: 0}
  CLOCK_NOT_MANUAL: {status: 409}
  CLOCK_BACKWARDS: {status: 422}
  FAULT_NOT_FOUND: {status: 404}
  ORDER_NOT_FOUND: {status: 404}
)";

// POST /things creates an order made 5 s later; GET /things/{id} reads it.
class ToyProfile final : public Profile {
 public:
  std::string_view name() const override { return "toy"; }
  std::vector<ProfileRoute> Routes() override {
    return {
        {"POST", "/things",
         [](Call& call) {
           engine::EngineOrder* o = call.engine.Create(call.caller, "order", {});
           const auto outcome = call.TakeOutcome();
           call.engine.Schedule(*o, call.engine.Now() + (outcome && outcome->after ? *outcome->after : 5000),
                                outcome && outcome->cause ? *outcome->cause : "made");
           return JsonReply(201, "{\"id\":" + JsonString(o->id) + ",\"state\":" + JsonString(o->state) + "}");
         }},
        {"GET", "/things/{id}",
         [](Call& call) {
           engine::EngineOrder* o = call.engine.Find(call.params.at("id"));
           if (!o || o->owner != call.caller) return call.errors.Reply("ORDER_NOT_FOUND", "no such thing");
           return JsonReply(200, "{\"id\":" + JsonString(o->id) + ",\"state\":" + JsonString(o->state) + "}");
         }},
    };
  }
  Caller Authenticate(const http::HttpRequest& request, const Query&, std::string_view,
                      const ErrorReplies& errors) const override {
    if (request.authorization == "Bearer a") return {"a", {}};
    return {std::nullopt, errors.Reply("UNAUTHENTICATED", "who are you?")};
  }
};

struct Host {
  Host()
      : lifecycle(Lifecycle::Parse(kLifecycle, "lc.yaml")),
        errors(ErrorReplies::Parse(kErrors, "errors.yaml")),
        host(profile, lifecycle, errors, std::make_unique<ManualClock>(*ParseRfc3339("2026-01-01T00:00:00Z")), {},
             {}) {}
  http::HttpReply Send(const std::string& method, const std::string& path, const std::string& body = "") {
    http::HttpRequest r;
    r.method = method;
    r.path = path;
    r.body = body;
    r.authorization = "Bearer a";
    return host.Handle(r);
  }
  std::string Field(const http::HttpReply& reply, const char* pointer) {
    rapidjson::Document d;
    d.Parse(reply.body.c_str());
    const rapidjson::Value* v = rapidjson::Pointer(pointer).Get(d);
    return v && v->IsString() ? v->GetString() : v && v->IsInt() ? std::to_string(v->GetInt()) : "";
  }
  ToyProfile profile;
  Lifecycle lifecycle;
  ErrorReplies errors;
  ProfileHost host;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(ProfileHostTest)

BOOST_AUTO_TEST_CASE(AnUnroutedPathIs404AndAWrongMethodIs405WithAllow) {
  Host h;
  BOOST_TEST(h.Send("GET", "/nothing").status == 404);
  const auto reply = h.Send("DELETE", "/things");
  BOOST_TEST(reply.status == 405);
  BOOST_TEST(reply.headers.at(0).first == "Allow");
  BOOST_TEST(reply.headers.at(0).second == "POST");
  BOOST_TEST(h.Field(reply, "/error/code") == "METHOD_NOT_ALLOWED");
}

BOOST_AUTO_TEST_CASE(TheProfileAuthenticatesAfterRoutingAndTheBodyLimit) {
  Host h;
  http::HttpRequest r;
  r.method = "POST";
  r.path = "/things";
  BOOST_TEST(h.host.Handle(r).status == 401);
  r.body = std::string(64 * 1024 + 1, 'x');
  BOOST_TEST(h.host.Handle(r).status == 413);
}

BOOST_AUTO_TEST_CASE(AdvancingTheClockSettlesWhatFellDue) {
  Host h;
  const auto created = h.Send("POST", "/things");
  BOOST_TEST(created.status == 201);
  const std::string id = h.Field(created, "/id");
  BOOST_TEST(h.Field(h.Send("POST", "/_control/clock/advance", "{\"seconds\":4.999}"), "/settled") == "0");
  BOOST_TEST(h.Field(h.Send("GET", "/things/" + id), "/state") == "waiting");
  BOOST_TEST(h.Field(h.Send("POST", "/_control/clock/advance", "{\"seconds\":1}"), "/settled") == "1");
  BOOST_TEST(h.Field(h.Send("GET", "/things/" + id), "/state") == "ready");
  const auto history = h.Send("GET", "/_control/orders/" + id + "/history");
  BOOST_TEST(h.Field(history, "/history/1/at") == "2026-01-01T00:00:05Z");
  BOOST_TEST(h.Field(history, "/history/1/cause") == "made");
}

BOOST_AUTO_TEST_CASE(AFaultRuleAnswersItsStatusAsOftenAsItsTimes) {
  Host h;
  const auto added = h.Send("POST", "/_control/faults",
                            R"({"match":{"method":"POST","path":"/things"},"effect":{"status":503,"retry_after":2},"times":1})");
  BOOST_TEST(added.status == 201);
  BOOST_TEST(h.Field(added, "/id") == "fault-1");
  const auto faulted = h.Send("POST", "/things");
  BOOST_TEST(faulted.status == 503);
  BOOST_TEST(h.Field(faulted, "/error/code") == "SERVICE_UNAVAILABLE");
  BOOST_TEST(h.Send("POST", "/things").status == 201);
  BOOST_TEST(h.Field(h.Send("GET", "/_control/faults"), "/faults/0/remaining") == "0");
  BOOST_TEST(h.Send("DELETE", "/_control/faults/fault-9").status == 404);
}

BOOST_AUTO_TEST_CASE(AnOutcomeRuleReplacesTheUsualCauseAndDelay) {
  Host h;
  BOOST_TEST(h.Send("POST", "/_control/faults", R"({"effect":{"outcome":"failed","outcome_after_seconds":1}})").status ==
             201);
  BOOST_TEST(h.Send("POST", "/_control/faults", R"({"effect":{"outcome":"no_such_cause"}})").status == 422);
  const std::string id = h.Field(h.Send("POST", "/things"), "/id");
  h.Send("POST", "/_control/clock/advance", "{\"seconds\":1}");
  BOOST_TEST(h.Field(h.Send("GET", "/things/" + id), "/state") == "broken");
}

BOOST_AUTO_TEST_CASE(ResetForgetsOrdersRulesAndTime) {
  Host h;
  const std::string id = h.Field(h.Send("POST", "/things"), "/id");
  h.Send("POST", "/_control/faults", R"({"effect":{"delay_ms":1}})");
  h.Send("POST", "/_control/clock/advance", "{\"seconds\":60}");
  const auto reset = h.Send("POST", "/_control/reset");
  BOOST_TEST(h.Field(reset, "/now") == "2026-01-01T00:00:00Z");
  BOOST_TEST(h.Send("GET", "/things/" + id).status == 404);
  BOOST_TEST(h.Field(h.Send("POST", "/_control/faults", R"({"effect":{"delay_ms":1}})"), "/id") == "fault-1");
  BOOST_TEST(h.Field(h.Send("POST", "/things"), "/id") == id);  // the same seed, the same ids
}

BOOST_AUTO_TEST_CASE(TheClockNeverMovesBack) {
  Host h;
  BOOST_TEST(h.Send("POST", "/_control/clock/set", R"({"now":"2025-12-31T23:59:59Z"})").status == 422);
  BOOST_TEST(h.Field(h.Send("POST", "/_control/clock/set", R"({"now":"2025-12-31T23:59:59Z"})"), "/error/code") ==
             "CLOCK_BACKWARDS");
  BOOST_TEST(h.Send("POST", "/_control/clock/advance", R"({"seconds":-1})").status == 422);
  BOOST_TEST(h.Send("POST", "/_control/clock/advance", "{").status == 400);
}

BOOST_AUTO_TEST_CASE(AControlBodyWithBytesAfterTheDocumentIsRefused) {
  Host h;
  for (const std::string& body : {std::string("{\"seconds\":5}\0garbage", 21), std::string("{\"seconds\":5} x"),
                                 std::string("{\"seconds\":5}{}")}) {
    const auto r = h.Send("POST", "/_control/clock/advance", body);
    BOOST_TEST(r.status == 400, r.body);
    BOOST_TEST(h.Field(r, "/error/code") == "MALFORMED_JSON");
  }
  BOOST_TEST(h.Field(h.Send("GET", "/_control/clock"), "/now") == "2026-01-01T00:00:00Z");
}

BOOST_AUTO_TEST_CASE(ARepeatedMemberIsRefusedAtAnyDepthAndNothingMoves) {
  Host h;
  auto r = h.Send("POST", "/_control/clock/advance", R"({"seconds":5,"seconds":-1})");
  BOOST_TEST(r.status == 422);
  BOOST_TEST(h.Field(r, "/error/code") == "REQUEST_VALIDATION_FAILED");
  BOOST_TEST(h.Field(r, "/error/message").find("'seconds'") != std::string::npos, r.body);
  BOOST_TEST(h.Field(h.Send("GET", "/_control/clock"), "/now") == "2026-01-01T00:00:00Z");
  r = h.Send("POST", "/_control/faults", R"({"match":{"path":"/things","path":"/other"},"effect":{"status":503}})");
  BOOST_TEST(r.status == 422);
  BOOST_TEST(h.Field(r, "/error/message").find("'match.path'") != std::string::npos, r.body);
  BOOST_TEST(h.Send("GET", "/_control/faults").body == R"({"faults":[]})");
}

BOOST_AUTO_TEST_CASE(ClockSetRefusesAnInstantFollowedByAnEscapedNul) {
  Host h;
  const auto r = h.Send("POST", "/_control/clock/set", R"({"now":"2026-01-02T00:00:00Z\u0000junk"})");
  BOOST_TEST(r.status == 422, r.body);
  BOOST_TEST(h.Field(h.Send("GET", "/_control/clock"), "/now") == "2026-01-01T00:00:00Z");
}

BOOST_AUTO_TEST_CASE(InvalidUtf8InAControlBodyIsRefused) {
  Host h;
  const auto r = h.Send("POST", "/_control/faults", "{\"match\":{\"path\":\"/things\xff\"},\"effect\":{\"status\":503}}");
  BOOST_TEST(r.status == 400, r.body);
  BOOST_TEST(h.Field(r, "/error/code") == "MALFORMED_JSON");
  BOOST_TEST(h.Send("GET", "/_control/faults").body == R"({"faults":[]})");
}

BOOST_AUTO_TEST_CASE(ALoneSurrogateEscapeIsRefused) {
  Host h;
  // A low surrogate alone, a high one at the end of a string, one in a member
  // name: none is a character (RapidJSON would store the bytes ED xx xx).
  for (const std::string body : {R"({"match":{"path":"/things\udc00"},"effect":{"status":503}})",
                                 R"({"match":{"path":"/things\ud800"},"effect":{"status":503}})",
                                 R"({"match":{"\udc00":"/things"},"effect":{"status":503}})",
                                 R"({"\udfff":1,"effect":{"status":503}})"}) {
    const auto r = h.Send("POST", "/_control/faults", body);
    BOOST_TEST(r.status == 400, body << ": " << r.body);
    BOOST_TEST(testing::StrictUtf8Problem(r.body) == "", r.body);
  }
  BOOST_TEST(h.Send("GET", "/_control/faults").body == R"({"faults":[]})");
  // A pair is a character and is kept.
  BOOST_TEST(h.Send("POST", "/_control/faults", R"({"match":{"path":"/\ud83d\ude00"},"effect":{"status":503}})").status ==
             201);
}

BOOST_AUTO_TEST_CASE(TheClockRefusesInstantsPastTheYear9999) {
  Host h;
  for (const char* past : {R"({"now":"9999-12-31T23:59:59.001Z"})", R"({"now":"9999-12-31T23:59:59-00:01"})"}) {
    const auto r = h.Send("POST", "/_control/clock/set", past);
    BOOST_TEST(r.status == 422, past);
    BOOST_TEST(h.Field(r, "/error/message").find("'now'") != std::string::npos, r.body);
  }
  BOOST_TEST(h.Send("POST", "/_control/clock/set", R"({"now":"9999-12-31T23:59:58Z"})").status == 200);
  auto r = h.Send("POST", "/_control/clock/advance", R"({"seconds":1.5})");
  BOOST_TEST(r.status == 422);
  BOOST_TEST(h.Field(r, "/error/message").find("'seconds'") != std::string::npos, r.body);
  BOOST_TEST(h.Send("POST", "/_control/clock/advance", R"({"seconds":1})").status == 200);
  BOOST_TEST(h.Field(h.Send("GET", "/_control/clock"), "/now") == "9999-12-31T23:59:59Z");
}

BOOST_AUTO_TEST_CASE(AProfileThatReadsNoParameterNeverLooksAtTheQuery) {
  Host h;
  http::HttpRequest r;
  r.method = "POST";
  r.path = "/things";
  r.authorization = "Bearer a";
  r.query = {{"a", "%FF"}, {"a", "%zz"}};
  BOOST_TEST(h.host.Handle(r).status == 201);
}

BOOST_AUTO_TEST_SUITE_END()
