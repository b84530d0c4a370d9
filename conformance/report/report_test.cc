// Golden files for the reporters: a hand-built run (one pass, one failure in
// an included step with its exchanges, one skip) must render byte for byte as
// testdata/reports/*. Set CONFORMANCE_UPDATE_GOLDEN=1 to rewrite them after an
// intended change, then review the diff.
#include <sstream>

#include <boost/test/unit_test.hpp>
#include <rapidjson/document.h>

#include "report/console_reporter.h"
#include "report/file_reporters.h"
#include "testing/fake_clock.h"
#include "testing/test_support.h"

namespace conformance {
namespace {

RunResult SampleRun() {
  FakeClock clock;
  RunResult run;
  run.target = "http://127.0.0.1:8080";
  run.started_at = clock.Now();
  run.duration_ms = 1234;

  ScenarioResult pass;
  pass.id = "scenarios/lifecycle/happy_path";
  pass.file = "scenarios/lifecycle/happy_path.yaml";
  pass.description = "A purchase from validation to download.";
  pass.tags = {"lifecycle", "smoke"};
  pass.step_count = 2;
  pass.duration_ms = 12;
  for (int i = 1; i <= 2; ++i) {
    StepResult s;
    s.name = "step " + std::to_string(i);
    s.where = SourceLocation{pass.file, 4 + 3 * i, 5};
    pass.steps.push_back(s);
  }

  ScenarioResult fail;
  fail.id = "scenarios/tokens/reuse";
  fail.file = "scenarios/tokens/reuse.yaml";
  fail.description = "A token registers one order.";
  fail.tags = {"tokens"};
  fail.outcome = Outcome::kFailed;
  fail.step_count = 3;
  fail.duration_ms = 7;
  StepResult ok;
  ok.name = "validate the purchase";
  ok.where = SourceLocation{"scenarios/_shared/purchase.yaml", 40, 7};
  fail.steps.push_back(ok);
  StepResult bad;
  bad.name = "register again";
  bad.where = SourceLocation{fail.file, 12, 5};
  bad.outcome = Outcome::kFailed;
  bad.failures.push_back(Failure{SourceLocation{fail.file, 15, 15}, {},
                                 "step 2 \"register again\": expected status 422, got 201: {\"order_id\":\"ord_1\"}", ""});
  bad.failures.push_back(Failure{SourceLocation{"scenarios/_shared/purchase.yaml", 20, 9},
                                 {SourceLocation{fail.file, 6, 5}},
                                 "step 2 \"register again\": expected error <TOKEN_ALREADY_USED> & more, got no /error/code",
                                 ""});
  Exchange e;
  e.method = "POST";
  e.url = "http://127.0.0.1:8080/purchase/register";
  e.request_headers = {{"Authorization", "Bearer ${token}"}, {"Content-Type", "application/json"}};
  e.request_body = "{\"token\":\"tok_1\"}";
  e.status = 201;
  e.response_headers = {{"Content-Type", "application/json; charset=utf-8"}};
  e.response_body = "{\"order_id\":\"ord_1\",\"bytes\":\"\xff\xfe\"}";  // not UTF-8: must be replaced
  e.elapsed_ms = 3;
  bad.exchanges.push_back(e);
  fail.steps.push_back(bad);

  ScenarioResult skip;
  skip.id = "scenarios/faults/retry_503";
  skip.file = "scenarios/faults/retry_503.yaml";
  skip.outcome = Outcome::kSkipped;
  skip.skip_reason = "target lacks faults";
  skip.step_count = 4;

  run.scenarios = {pass, fail, skip};
  return run;
}

// Replays the sample run through a listener, as the runner would.
void Replay(RunListener& listener) {
  const RunResult run = SampleRun();
  RunInfo info;
  info.target = run.target;
  info.scenario_count = run.scenarios.size();
  info.jobs = 2;
  info.started_at = run.started_at;
  listener.OnRunStarted(info);
  for (const auto& s : run.scenarios) {
    listener.OnScenarioStarted(s.id);
    listener.OnScenarioFinished(s);
  }
  listener.OnRunFinished(run);
}

void CheckGolden(const std::string& name, const std::string& actual) {
  const std::string path = TestData("reports/" + name);
  if (std::getenv("CONFORMANCE_UPDATE_GOLDEN")) std::ofstream(path, std::ios::binary) << actual;
  BOOST_TEST(actual == ReadTestFile(path), "golden " << name);
}

BOOST_AUTO_TEST_SUITE(ReportTest)

BOOST_AUTO_TEST_CASE(PlainConsoleReportMatchesItsGoldenFile) {
  std::ostringstream out;
  ConsoleReporter reporter(out, ConsoleOptions{});
  Replay(reporter);
  CheckGolden("console.txt", out.str());
}

BOOST_AUTO_TEST_CASE(VerboseConsoleReportPrintsTheExchangesOfFailedSteps) {
  std::ostringstream out;
  ConsoleOptions options;
  options.verbose = true;
  ConsoleReporter reporter(out, options);
  Replay(reporter);
  CheckGolden("console_verbose.txt", out.str());
}

BOOST_AUTO_TEST_CASE(LiveConsoleRedrawsAProgressLineOnlyOnATerminal) {
  std::ostringstream plain, live;
  ConsoleReporter a(plain, ConsoleOptions{});
  Replay(a);
  BOOST_TEST(plain.str().find('\r') == std::string::npos);
  BOOST_TEST(plain.str().find("\x1b[") == std::string::npos);
  ConsoleOptions options;
  options.live = options.color = true;
  ConsoleReporter b(live, options);
  Replay(b);
  BOOST_TEST(live.str().find("\r\x1b[K[0/3] running scenarios/lifecycle/happy_path") != std::string::npos);
  BOOST_TEST(live.str().find("\x1b[31mFAIL\x1b[0m") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(JunitReportMatchesItsGoldenFile) {
  std::ostringstream out;
  JunitReporter reporter(out);
  Replay(reporter);
  CheckGolden("junit.xml", out.str());
}

BOOST_AUTO_TEST_CASE(JsonReportMatchesItsGoldenFile) {
  std::ostringstream out;
  JsonReporter reporter(out);
  Replay(reporter);
  CheckGolden("report.json", out.str());
  rapidjson::Document d;
  d.Parse(out.str().c_str());
  BOOST_TEST(!d.HasParseError());
}

BOOST_AUTO_TEST_CASE(InvalidUtf8IsReplacedSoReportsAlwaysParse) {
  BOOST_TEST(SanitizeUtf8("a\xff" "b", false) == "a\xEF\xBF\xBD" "b");
  BOOST_TEST(SanitizeUtf8("\xC3\xA9", false) == "\xC3\xA9");            // é stays
  BOOST_TEST(SanitizeUtf8("\xED\xA0\x80", false) == "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // a surrogate
  BOOST_TEST(SanitizeUtf8("a\x01", true) == "a\xEF\xBF\xBD");           // XML has no place for control chars
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace conformance
