#include "exec/runner.h"

#include <mutex>

#include <boost/test/unit_test.hpp>

#include "core/lifecycle.h"
#include "scenario/loader.h"
#include "testing/fake_clock.h"
#include "testing/fake_http_client.h"
#include "testing/runner_fixture.h"
#include "testing/test_support.h"

namespace conformance {
namespace {

const OpenApiSpec& Mini() { return MiniSpec(); }

Scenario Load(const std::string& yaml) {
  auto r = LoadScenarioText(yaml, "t.yaml");
  BOOST_REQUIRE_MESSAGE(r.errors.empty(), (r.errors.empty() ? std::string() : r.errors[0].ToString()));
  return r.scenarios[0];
}

HttpResponse Order(int status, const std::string& state, HeaderList headers = {}) {
  return JsonResponse(status, R"({"order_id":"ord_1","status":")" + state + "\"}", std::move(headers));
}

struct Fixture : RunnerFixture {

  ScenarioResult Run(const std::string& yaml) { return RunScenario(Load(yaml), client, ctx, 1); }

  // Answers POST /_control/clock/advance; returns the bodies sent to it, in order.
  const std::vector<std::string>& RecordClockAdvances() {
    client.On("POST", "/_control/clock/advance", [this](const HttpRequest& req) {
      advances.push_back(req.body);
      return JsonResponse(200, R"({"now":"2026-01-01T00:00:04Z","settled":0})");
    });
    return advances;
  }
  std::vector<std::string> advances;
};

std::string FirstFailure(const ScenarioResult& r) {
  for (const auto& s : r.steps)
    for (const auto& f : s.failures) return f.where.ToString() + ": " + f.message;
  return "";
}

BOOST_AUTO_TEST_SUITE(RunnerTest)

BOOST_AUTO_TEST_CASE(AScenarioWhoseStepsHoldPasses) {
  Fixture f;
  f.client.On("POST", "/orders", [](const HttpRequest&) { return Order(201, "PROCESSING", {{"Location", "/orders/ord_1"}}); });
  auto r = f.Run("steps:\n  - request: POST /orders\n    body: {a: 1}\n    expect: {status: 201, body: {/status: PROCESSING}}\n");
  BOOST_TEST(FirstFailure(r) == "");
  BOOST_TEST((r.outcome == Outcome::kPassed));
  BOOST_REQUIRE_EQUAL(f.client.requests().size(), 1u);
  const HttpRequest& sent = f.client.requests()[0];
  BOOST_TEST(sent.url == "http://target/orders");
  BOOST_TEST(sent.body == "{\"a\":1}");
  BOOST_TEST(*FindHeader(sent.headers, "Authorization") == "Bearer tok-a");
}

BOOST_AUTO_TEST_CASE(RecordedExchangesNameTheTokensInsteadOfCopyingThem) {
  Fixture f;
  f.client.On("GET", "/orders/ord_1", [](const HttpRequest&) { return Order(200, "COMPLETED"); });
  auto r = f.Run("steps:\n  - request: GET /orders/ord_1\n  - request: GET /orders/ord_1\n    auth: {bearer: literal}\n");
  BOOST_TEST(FirstFailure(r) == "");
  BOOST_TEST(*FindHeader(r.steps[0].exchanges[0].request_headers, "Authorization") == "Bearer ${token}");
  BOOST_TEST(*FindHeader(r.steps[1].exchanges[0].request_headers, "Authorization") == "Bearer literal");
  BOOST_TEST(*FindHeader(f.client.requests()[0].headers, "Authorization") == "Bearer tok-a");
}

BOOST_AUTO_TEST_CASE(AWrongStatusFailsTheScenarioAtTheStatusLine) {
  Fixture f;
  f.client.On("POST", "/orders", [](const HttpRequest&) { return Order(201, "PROCESSING", {{"Location", "/o"}}); });
  auto r = f.Run("steps:\n  - name: register again\n    request: POST /orders\n    expect:\n      status: 422\n");
  BOOST_TEST((r.outcome == Outcome::kFailed));
  BOOST_TEST(FirstFailure(r) ==
             "t.yaml:5:15: step 1 \"register again\": expected status 422, got 201: {\"order_id\":\"ord_1\",\"status\":\"PROCESSING\"}");
}

BOOST_AUTO_TEST_CASE(ABodyThatBreaksTheSchemaFailsEvenWhenTheStepIsMet) {
  Fixture f;
  f.client.On("GET", "/orders/ord_1", [](const HttpRequest&) { return JsonResponse(200, R"({"order_id":"ord_1"})"); });
  auto r = f.Run("steps:\n  - request: GET /orders/ord_1\n    expect: 200\n");
  BOOST_TEST((r.outcome == Outcome::kFailed));
  BOOST_TEST(FirstFailure(r).find("body lacks required member 'status'") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(OpenapiFalseOptsAStepOutOfSchemaChecks) {
  Fixture f;
  f.client.On("GET", "/nope", [](const HttpRequest&) { return JsonResponse(404, "{}"); });
  auto r = f.Run("steps:\n  - request: GET /nope\n    openapi: false\n    expect: 404\n");
  BOOST_TEST(FirstFailure(r) == "");
}

BOOST_AUTO_TEST_CASE(AnIllegalTransitionAcrossStepsFailsTheScenario) {
  Fixture f;
  int calls = 0;
  f.client.On("GET", "/orders/ord_1", [&](const HttpRequest&) {
    return ++calls == 1 ? Order(200, "COMPLETED") : Order(202, "PROCESSING", {{"Retry-After", "1"}});
  });
  auto r = f.Run("steps:\n  - request: GET /orders/ord_1\n    expect: 200\n  - request: GET /orders/ord_1\n    expect: 202\n");
  BOOST_TEST((r.outcome == Outcome::kFailed));
  BOOST_TEST(FirstFailure(r) ==
             "t.yaml:4:5: step 2 \"GET /orders/ord_1\": order ord_1: spec/lifecycle.yaml allows no way from COMPLETED to "
             "PROCESSING; observed: COMPLETED (step 1, t.yaml:2:5) -> PROCESSING (step 2, t.yaml:4:5)");
}

BOOST_AUTO_TEST_CASE(AChangedTerminalStateFailsTheScenario) {
  Fixture f;
  int calls = 0;
  f.client.On("GET", "/orders/ord_1", [&](const HttpRequest&) {
    return ++calls == 1 ? Order(200, "CANCELED") : Order(200, "COMPLETED");
  });
  auto r = f.Run("steps:\n  - request: GET /orders/ord_1\n  - request: GET /orders/ord_1\n");
  BOOST_TEST(FirstFailure(r).find("CANCELED is terminal in spec/lifecycle.yaml but changed to COMPLETED") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(CapturedValuesFeedLaterSteps) {
  Fixture f;
  f.client.On("POST", "/orders", [](const HttpRequest&) { return Order(201, "PROCESSING", {{"Location", "/orders/ord_1"}}); });
  f.client.On("GET", "/orders/ord_1", [](const HttpRequest&) { return Order(200, "COMPLETED"); });
  auto r = f.Run(
      "steps:\n  - request: POST /orders\n    capture: {id: /order_id, loc: {header: Location}}\n"
      "  - request: GET ${loc}\n    expect: {body: {/order_id: '${id}'}}\n");
  BOOST_TEST(FirstFailure(r) == "");
  BOOST_TEST(f.client.requests()[1].url == "http://target/orders/ord_1");
}

BOOST_AUTO_TEST_CASE(PollAdvancesAManualClockByRetryAfter) {
  Fixture f;
  f.target.manual_clock = true;
  int calls = 0;
  f.client.On("GET", "/orders/ord_1", [&](const HttpRequest&) {
    return ++calls < 3 ? Order(202, "PROCESSING", {{"Retry-After", "4"}}) : Order(200, "COMPLETED");
  });
  const auto& advances = f.RecordClockAdvances();
  auto r = f.Run("steps:\n  - request: GET /orders/ord_1\n    poll: {until: {status: 200}, attempts: 5}\n    expect: {body: {/status: COMPLETED}}\n");
  BOOST_TEST(FirstFailure(r) == "");
  BOOST_TEST(advances == (std::vector<std::string>{"{\"seconds\":4}", "{\"seconds\":4}"}), boost::test_tools::per_element());
  BOOST_TEST(f.clock.sleeps().empty());
}

// The advance's body writes the wait as printf's %g does.
BOOST_AUTO_TEST_CASE(AClockAdvanceWritesTheWaitAsPrintfG) {
  Fixture f;
  f.target.manual_clock = true;
  const std::vector<std::string> waits = {"2.5", "1000000", "999999", "7", "0.25", "1"};
  size_t calls = 0;
  f.client.On("GET", "/orders/ord_1", [&](const HttpRequest&) {
    return calls < waits.size() ? Order(202, "PROCESSING", {{"Retry-After", waits[calls++]}}) : Order(200, "COMPLETED");
  });
  const auto& advances = f.RecordClockAdvances();
  auto r = f.Run("steps:\n  - request: GET /orders/ord_1\n    openapi: false\n    poll: {until: {status: 200}, attempts: 10}\n");
  BOOST_TEST(FirstFailure(r) == "");
  BOOST_TEST(advances == (std::vector<std::string>{"{\"seconds\":2.5}", "{\"seconds\":1e+06}", "{\"seconds\":999999}",
                                                   "{\"seconds\":7}", "{\"seconds\":0.25}", "{\"seconds\":1}"}),
             boost::test_tools::per_element());
}

// The record of a step keeps every exchange in order, each with its own
// response: the attempts of a poll and the clock advances between them.
BOOST_AUTO_TEST_CASE(EveryExchangeOfAPollIsRecordedWithItsOwnResponse) {
  Fixture f;
  f.target.manual_clock = true;
  int calls = 0;
  f.client.On("GET", "/orders/ord_1", [&](const HttpRequest&) {
    return ++calls < 3 ? Order(202, "PROCESSING", {{"Retry-After", std::to_string(calls)}}) : Order(200, "COMPLETED");
  });
  f.client.On("POST", "/_control/clock/advance", [&](const HttpRequest&) {
    return JsonResponse(200, R"({"now":"x","settled":)" + std::to_string(calls) + "}");
  });
  auto r = f.Run("steps:\n  - request: GET /orders/ord_1\n    poll: {until: {status: 200}, attempts: 5}\n");
  BOOST_TEST(FirstFailure(r) == "");
  BOOST_REQUIRE_EQUAL(r.steps.size(), 1u);
  const auto& e = r.steps[0].exchanges;
  BOOST_REQUIRE_EQUAL(e.size(), 5u);
  const std::vector<std::string> bodies = {
      R"({"order_id":"ord_1","status":"PROCESSING"})", R"({"now":"x","settled":1})",
      R"({"order_id":"ord_1","status":"PROCESSING"})", R"({"now":"x","settled":2})",
      R"({"order_id":"ord_1","status":"COMPLETED"})"};
  for (size_t i = 0; i < e.size(); ++i) BOOST_TEST(e[i].response_body == bodies[i], "exchange " << i);
  BOOST_TEST(*FindHeader(e[0].response_headers, "Retry-After") == "1");
  BOOST_TEST(*FindHeader(e[2].response_headers, "Retry-After") == "2");
  BOOST_TEST(!FindHeader(e[4].response_headers, "Retry-After"));
  BOOST_TEST(e[1].url == "http://target/_control/clock/advance");
}

BOOST_AUTO_TEST_CASE(ARecordedBodyIsCutAt64KiBAndTheJudgedOneIsNot) {
  Fixture f;
  const std::string big = "{\"order_id\":\"ord_1\",\"status\":\"COMPLETED\",\"x\":\"" + std::string(70000, 'a') + "\"}";
  f.client.On("GET", "/orders/ord_1", [&](const HttpRequest&) { return JsonResponse(200, big); });
  auto r = f.Run("steps:\n  - request: GET /orders/ord_1\n    openapi: false\n    expect: {body: {/x: {length: 70000}}}\n");
  BOOST_TEST(FirstFailure(r) == "");
  const std::string& kept = r.steps.at(0).exchanges.at(0).response_body;
  BOOST_TEST(kept == big.substr(0, 65536) + "\n[... " + std::to_string(big.size() - 65536) + " more bytes]");
}

BOOST_AUTO_TEST_CASE(ARecordedRequestBodyIsCutAt64KiBAndTheSentOneIsNot) {
  Fixture f;
  size_t sent = 0;
  f.client.On("POST", "/_control/reset", [&](const HttpRequest& r) {
    sent = r.body.size();
    return JsonResponse(200, "{}");
  });
  auto r = f.Run("steps:\n  - request: POST /_control/reset\n    raw_body: {repeat: \"x\", times: 70000}\n");
  BOOST_TEST(FirstFailure(r) == "");
  BOOST_TEST(sent == 70000u);
  BOOST_TEST(r.steps.at(0).exchanges.at(0).request_body ==
             std::string(65536, 'x') + "\n[... " + std::to_string(70000 - 65536) + " more bytes]");
}

BOOST_AUTO_TEST_CASE(AResponseIsJudgedByItsPathBelowTheBaseUrlsPath) {
  Fixture f;
  f.target.base_url = "http://target/api/v1";
  f.client.On("GET", "/api/v1/orders/ord_1", [](const HttpRequest&) { return Order(200, "COMPLETED"); });
  BOOST_TEST(FirstFailure(f.Run("steps:\n  - request: GET /orders/ord_1\n")) == "");
  f.client.On("GET", "/api/v1/nope", [](const HttpRequest&) { return Order(200, "COMPLETED"); });
  BOOST_TEST(FirstFailure(f.Run("steps:\n  - request: GET /nope\n")).find("documents no operation GET /nope ") !=
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(PollSleepsRetryAfterOnARealClock) {
  Fixture f;
  int calls = 0;
  f.client.On("GET", "/orders/ord_1", [&](const HttpRequest&) {
    return ++calls < 2 ? Order(202, "PROCESSING", {{"Retry-After", "2"}}) : Order(200, "COMPLETED");
  });
  auto r = f.Run("steps:\n  - request: GET /orders/ord_1\n    poll: {until: {status: 200}}\n");
  BOOST_TEST(FirstFailure(r) == "");
  BOOST_REQUIRE_EQUAL(f.clock.sleeps().size(), 1u);
  BOOST_TEST(f.clock.sleeps()[0].count() == 2000);
}

BOOST_AUTO_TEST_CASE(PollGivesUpAfterItsAttempts) {
  Fixture f;
  f.client.On("GET", "/orders/ord_1", [&](const HttpRequest&) { return Order(202, "PROCESSING", {{"Retry-After", "1"}}); });
  auto r = f.Run("steps:\n  - request: GET /orders/ord_1\n    poll: {until: {status: 200}, attempts: 3}\n");
  BOOST_TEST(f.client.requests().size() == 3u);
  BOOST_TEST(FirstFailure(r) ==
             "t.yaml:3:11: step 1 \"GET /orders/ord_1\": poll: condition not met after 3 attempts; last: expected "
             "status 200, got 202: {\"order_id\":\"ord_1\",\"status\":\"PROCESSING\"}");
}

BOOST_AUTO_TEST_CASE(NoReplyExpectationPassesWhenTheConnectionDrops) {
  Fixture f;
  f.client.On("POST", "/orders", [](const HttpRequest& req) {
    HttpResponse r;
    r.error = TransportError::kNoReply;
    r.error_message = "Empty reply from server";
    BOOST_TEST(req.fresh_connection);
    return r;
  });
  auto r = f.Run("steps:\n  - request: POST /orders\n    expect: {no_reply: true}\n");
  BOOST_TEST(FirstFailure(r) == "");
}

BOOST_AUTO_TEST_CASE(ATransportErrorFailsTheStepWithoutThrowing) {
  Fixture f;  // no routes: every request fails to connect
  auto r = f.Run("steps:\n  - request: GET /orders/ord_1\n");
  BOOST_TEST(FirstFailure(r).find("no response from GET http://target/orders/ord_1") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(RunIdIsUniquePerScenarioRun) {
  Fixture f;
  f.client.On("GET", "/orders/r1-7", [](const HttpRequest&) { return Order(200, "COMPLETED"); });
  auto r = RunScenario(Load("steps:\n  - request: GET /orders/${run_id}\n"), f.client, f.ctx, 7);
  BOOST_TEST(FirstFailure(r) == "");
}

BOOST_AUTO_TEST_CASE(AMissingCapabilitySkipsTheScenarioInsteadOfFailingIt) {
  Fixture f;
  f.target.capabilities = {"reset"};
  std::vector<Scenario> scenarios = {Load("steps:\n  - control: {advance: 5}\n"),
                                     Load("steps:\n  - request: GET /a\n    auth: vendor_b\n")};
  RunListener quiet;
  auto factory = [] { return std::make_unique<FakeHttpClient>(); };
  const RunResult run = RunSuite(scenarios, f.ctx, factory, SuiteOptions{}, quiet);
  BOOST_TEST((run.scenarios[0].outcome == Outcome::kSkipped));
  BOOST_TEST(run.scenarios[0].skip_reason == "target lacks clock");
  BOOST_TEST((run.scenarios[1].outcome == Outcome::kSkipped));
  BOOST_TEST(run.scenarios[1].skip_reason == "target lacks second-vendor");
}

BOOST_AUTO_TEST_CASE(ScenariosThatTouchSharedStateRunAloneAfterTheOthers) {
  Fixture f;
  f.target.capabilities = {"reset"};
  std::vector<Scenario> scenarios = {Load("steps:\n  - control: reset\n"), Load("steps:\n  - request: GET /orders/ord_1\n"),
                                     Load("steps:\n  - request: GET /orders/ord_1\n")};
  std::vector<std::string> order;
  std::mutex m;
  auto factory = [&]() -> std::unique_ptr<HttpClient> {
    auto c = std::make_unique<FakeHttpClient>();
    c->On("POST", "/_control/reset", [&](const HttpRequest&) {
      std::lock_guard<std::mutex> lock(m);
      order.push_back("reset");
      return JsonResponse(200, R"({"now":"x"})");
    });
    c->On("GET", "/orders/ord_1", [&](const HttpRequest&) {
      std::lock_guard<std::mutex> lock(m);
      order.push_back("get");
      return Order(200, "COMPLETED");
    });
    return c;
  };
  RunListener quiet;
  const RunResult run = RunSuite(scenarios, f.ctx, factory, SuiteOptions{4, false}, quiet);
  BOOST_TEST(run.Count(Outcome::kPassed) == 3u);
  BOOST_TEST(order == (std::vector<std::string>{"get", "get", "reset"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(FailFastSkipsScenariosNotYetStarted) {
  Fixture f;
  std::vector<Scenario> scenarios = {Load("steps:\n  - request: GET /orders/ord_1\n    expect: 404\n"),
                                     Load("steps:\n  - request: GET /orders/ord_1\n")};
  auto factory = [] {
    auto c = std::make_unique<FakeHttpClient>();
    c->On("GET", "/orders/ord_1", [](const HttpRequest&) { return Order(200, "COMPLETED"); });
    return c;
  };
  RunListener quiet;
  const RunResult run = RunSuite(scenarios, f.ctx, factory, SuiteOptions{1, true}, quiet);
  BOOST_TEST((run.scenarios[0].outcome == Outcome::kFailed));
  BOOST_TEST((run.scenarios[1].outcome == Outcome::kSkipped));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace conformance
