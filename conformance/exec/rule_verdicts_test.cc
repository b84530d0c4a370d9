// What a rule's level and layer do to a verdict (issue 20): a failure names
// the rules its check names, with their sentences; a breach of SHOULD rules
// only is a warning; at the seed layer only the seed documents' rules judge.
// And what the ledger refuses, and what coverage by rule reports.
#include <boost/test/unit_test.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include <rapidjson/document.h>

#include "core/lifecycle.h"
#include "coverage/rule_coverage.h"
#include "exec/runner.h"
#include "scenario/loader.h"
#include "scenario/rule_ledger.h"
#include "testing/fake_clock.h"
#include "testing/fake_http_client.h"
#include "testing/runner_fixture.h"
#include "testing/test_support.h"

namespace conformance {
namespace {

namespace fs = std::filesystem;


const char* kLedger = R"(rules:
  - id: T-MUST
    source: issue 2
    text: The order is created.
  - id: T-SHOULD
    source: issue 2
    level: SHOULD
    text: The reply should be quick.
  - id: T-SEED
    source: seed 004
    text: A seed sentence.
)";

// A scenario written to a file of its own: the runner reads the `# rule:`
// comments from the file, as it does for a suite on disk.
struct Fixture : RunnerFixture {
  RuleLedger ledger = RuleLedger::Parse(kLedger, "rules.yaml");
  int runs = 0;
  // A directory per fixture: the runner keeps a file's lines once read.
  fs::path dir = fs::temp_directory_path() /
                 ("rule-verdicts-" + std::to_string(::getpid()) + "-" + std::to_string(++fixtures));
  static inline int fixtures = 0;

  Fixture() {
    fs::create_directories(dir);
    ctx.rules = &ledger;
    client.On("POST", "/orders", [](const HttpRequest&) { return JsonResponse(500, R"({"error":{"code":"X","message":"m"}})"); });
  }
  ~Fixture() { fs::remove_all(dir); }

  Scenario Load(const std::string& name, const std::string& yaml) {
    const std::string file = (dir / name).string();
    std::ofstream(file) << yaml;
    auto r = LoadScenarioText(yaml, file);
    BOOST_REQUIRE(r.errors.empty());
    return r.scenarios[0];
  }
  // Each run its own file: the runner reads a file's comments once.
  ScenarioResult Run(const std::string& rules) {
    return RunScenario(Load("s" + std::to_string(++runs) + ".yaml", "steps:\n  # rule: " + rules + "\n  - request: POST /orders\n    expect: {status: 201}\n"),
                       client, ctx, 1);
  }
};

BOOST_AUTO_TEST_SUITE(RuleVerdicts)

BOOST_AUTO_TEST_CASE(AFailureNamesTheRulesOfItsCheckWithTheirSentences) {
  Fixture f;
  const ScenarioResult r = f.Run("T-MUST, T-NOWHERE");
  BOOST_TEST((r.outcome == Outcome::kFailed));
  BOOST_REQUIRE(!r.steps.empty());
  BOOST_REQUIRE(!r.steps.back().failures.empty());
  const auto& rules = r.steps.back().failures.front().rules;
  BOOST_REQUIRE_EQUAL(rules.size(), 2u);
  BOOST_TEST(RuleNote(rules[0]) == "rule T-MUST (MUST, issue 2): The order is created.");
  BOOST_TEST(RuleNote(rules[1]) == "rule T-NOWHERE (not in the rule ledger)");
}

BOOST_AUTO_TEST_CASE(ABreachOfShouldRulesOnlyIsAWarningNotAFailure) {
  Fixture f;
  const ScenarioResult r = f.Run("T-SHOULD");
  BOOST_TEST((r.outcome == Outcome::kPassed));
  BOOST_REQUIRE(!r.steps.empty());
  BOOST_TEST(r.steps.back().failures.empty());
  BOOST_REQUIRE(!r.steps.back().warnings.empty());  // the status, and the spec's judgement of the 500
  BOOST_TEST(r.steps.back().warnings[0].rules[0].level == "SHOULD");
  // With a MUST rule beside it, the same breach fails.
  BOOST_TEST((f.Run("T-SHOULD, T-MUST").outcome == Outcome::kFailed));
}

BOOST_AUTO_TEST_CASE(AtTheSeedLayerOnlyChecksOfSeedRulesJudge) {
  Fixture f;
  f.ctx.seed_layer_only = true;
  BOOST_TEST((f.Run("T-MUST").outcome == Outcome::kPassed));
  BOOST_TEST((f.Run("T-SEED").outcome == Outcome::kFailed));
  BOOST_TEST((f.Run("T-MUST, T-SEED").outcome == Outcome::kFailed));
  const Scenario ours = f.Load("ours.yaml", "# rule: T-MUST\nsteps:\n  - request: POST /orders\n");
  BOOST_TEST(WhyNotRunAtSeedLayer(ours, f.ledger) == "names no rule of the seed documents (--layer seed)");
  const Scenario seed = f.Load("seed.yaml", "steps:\n  # rule: T-SEED\n  - request: POST /orders\n");
  BOOST_TEST(WhyNotRunAtSeedLayer(seed, f.ledger) == "");
}

BOOST_AUTO_TEST_CASE(ALedgerRefusesARepeatedIdAnUnknownLevelAndAMissingSentence) {
  auto error_of = [](const std::string& text) {
    try {
      RuleLedger::Parse(text, "l.yaml");
    } catch (const purchase::SpecError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  BOOST_TEST(error_of("rules:\n  - {id: A, source: issue 2, text: x}\n  - {id: A, source: issue 2, text: y}\n") ==
             "l.yaml:3:5: error: rule A is listed twice");
  BOOST_TEST(error_of("rules:\n  - {id: A, source: issue 2, text: x, level: MAY}\n").find("l.yaml:2:") == 0);
  BOOST_TEST(error_of("rules:\n  - {id: A, source: issue 2}\n") == "l.yaml:2:5: error: a rule needs `text`");
  BOOST_TEST(error_of("rules:\n  - {id: A, source: issue 2, text: x, why: y}\n").find("unknown member `why`") != std::string::npos);
  RuleLedger a = RuleLedger::Parse("rules:\n  - {id: A, source: issue 2, text: x}\n", "a.yaml");
  BOOST_CHECK_THROW(a.Merge(a), purchase::SpecError);
}

BOOST_AUTO_TEST_CASE(CoverageByRuleFindsUncheckedRulesAndChecksWithNoRule) {
  Fixture f;
  const RuleLedger ledger = RuleLedger::Parse(R"(rules:
  - {id: A, source: issue 2, text: a}
  - {id: B, source: issue 2, text: b}
  - {id: C, source: issue 2, text: c, unchecked: a flag of our server}
  - {id: D, source: issue 2, text: d}
)", "rules.yaml");
  std::vector<Scenario> scenarios = {
      f.Load("named.yaml", "steps:\n  # rule: A\n  - request: POST /orders\n  - request: POST /orders\n"),
      f.Load("reference.yaml", "requires: [reference]\nsteps:\n  - request: POST /orders\n")};
  const RuleCoverageReport report = AnalyzeRuleCoverage(
      scenarios, ledger,
      {{"openapi.yaml", "x: 1\n# rule: D, Z\ncomponents:\n  schemas:\n    Named:\n      # rule: D\n      type: object\n"
                        "    Bare:\n      type: string\n  securitySchemes:\n    bearer:\n      type: http\n"}});
  BOOST_REQUIRE_EQUAL(report.rows.size(), 4u);
  BOOST_REQUIRE_EQUAL(report.rows[0].checked_by.size(), 1u);
  BOOST_TEST(report.rows[0].checked_by[0] == scenarios[0].id);
  BOOST_TEST(report.rows[3].checked_by == (std::vector<std::string>{"openapi.yaml:2", "openapi.yaml:6"}));
  const auto unchecked = report.Unchecked();
  BOOST_REQUIRE_EQUAL(unchecked.size(), 1u);  // B; C says why
  BOOST_TEST(unchecked[0]->rule->id == "B");
  // The second step of named.yaml has no rule of its own and the scenario's
  // head none; the reference scenario needs none; a schema the runner judges
  // every answer by names its rule like a step (a security scheme is no check).
  BOOST_REQUIRE_EQUAL(report.checks_without_rule.size(), 2u);
  BOOST_TEST(report.checks_without_rule[0].find("named.yaml:4:") != std::string::npos);
  BOOST_TEST(report.checks_without_rule[1] == "openapi.yaml:8 component Bare");
  BOOST_REQUIRE_EQUAL(report.unknown_ids.size(), 1u);
  BOOST_TEST(report.unknown_ids[0] == "openapi.yaml:2: Z");
  BOOST_TEST(!report.Complete());
  // The JSON form says the same, rule by rule.
  rapidjson::Document json;
  json.Parse(RuleCoverageJson(report).c_str());
  BOOST_REQUIRE(!json.HasParseError());
  BOOST_TEST(json["rules"].Size() == 4u);
  BOOST_TEST(std::string(json["rules"][2]["unchecked"].GetString()) == "a flag of our server");
  BOOST_TEST(json["rules"][1]["checked_by"].Size() == 0u);
  BOOST_TEST(json["checks_without_rule"].Size() == 2u);
  BOOST_TEST(!json["complete"].GetBool());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace conformance
