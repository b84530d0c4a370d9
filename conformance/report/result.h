// Results of a run as plain data: what the runner produces and every
// reporter reads. No behaviour beyond counting.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "check/header_list.h"
#include "check/order_trace.h"
#include "scenario/rule_ledger.h"
#include "scenario/scenario.h"

namespace conformance {

enum class Outcome { kPassed, kFailed, kSkipped };

// Returns "passed", "failed" or "skipped".
const char* OutcomeName(Outcome outcome);

// One request and what came back, kept for --verbose and the JSON report.
struct Exchange {
  std::string method;
  std::string url;
  HeaderList request_headers;
  std::string request_body;
  int status = 0;  // 0: no response
  HeaderList response_headers;
  std::string response_body;
  std::string transport_error;
  int64_t elapsed_ms = 0;
};

// A rule of the ledger a check enforces (scenario/rule_ledger.h), as a
// report shows it.
struct RuleRef {
  std::string id;
  std::string level;   // MUST or SHOULD; "" when the ledger has no such id
  std::string source;  // "issue 2", "seed 004", "spec/tabs/README.md"
  std::string text;
};

struct Failure {
  SourceLocation where;
  std::vector<SourceLocation> included_from;  // innermost first
  std::string message;
  // The `# source:` comment of the check (scenario/source_comment.h): the
  // sentence that makes it a rule; "" when the scenario gives none.
  std::string source;
  // The rules the check names (`# rule:`), with their sentences.
  std::vector<RuleRef> rules;
};

// "rule HL-I2-010 (MUST, issue 2): <its sentence>", or "rule X (not in the
// rule ledger)": how every report names a rule beside a failure.
std::string RuleNote(const RuleRef& rule);

// The rules `ids` name, as reports show them (an id `ledger` lacks, or any
// id without a ledger, keeps only its id).
std::vector<RuleRef> RuleRefs(const RuleLedger* ledger, const std::vector<std::string>& ids);
// RuleNote of each.
std::vector<std::string> RuleNotes(const RuleLedger& ledger, const std::vector<std::string>& ids);

// Every note that goes under a failure's message, in order: its rules, then
// the `# source:` comment ("source: ..."). Each is one line.
std::vector<std::string> FailureNotes(const Failure& failure);

struct StepResult {
  std::string name;
  SourceLocation where;
  Outcome outcome = Outcome::kPassed;
  std::vector<Failure> failures;
  // Breaches of SHOULD rules only: reported apart, never a failure.
  std::vector<Failure> warnings;
  std::vector<Exchange> exchanges;  // every attempt of a poll, the clock moves in between
};

struct ScenarioResult {
  std::string id;
  std::string file;
  std::string description;
  std::vector<std::string> tags;
  Outcome outcome = Outcome::kPassed;
  std::string skip_reason;
  size_t step_count = 0;  // steps in the scenario, run or not
  std::vector<StepResult> steps;  // steps run, the failed one last
  int64_t duration_ms = 0;
  std::vector<OrderTrace> orders;  // every order the scenario saw, in the order first seen
};

struct RunResult {
  std::string target;
  std::chrono::system_clock::time_point started_at;
  int64_t duration_ms = 0;
  std::vector<ScenarioResult> scenarios;  // in the order of the input, whatever ran first

  size_t Count(Outcome outcome) const;
  // Breaches of SHOULD rules, over every step run.
  size_t WarningCount() const;
};

}  // namespace conformance
