// Coverage by rule (`conformance coverage --rules`, issue 20): for each rule
// of an API's ledger, the checks that name it (scenarios, whose steps carry
// `# rule:` comments, and the spec files whose schema keywords do); the
// rules nothing checks; and the contract-level checks that name no rule,
// which are not allowed: a check is contract only where a sentence says so.
//
// Pure over loaded scenarios and the text of the spec files; thread-compatible.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "scenario/rule_ledger.h"
#include "scenario/scenario.h"

namespace conformance {

struct RuleCoverageRow {
  const Rule* rule = nullptr;
  bool shared = false;                  // a rule of spec/shared-rules.yaml
  std::vector<std::string> checked_by;  // scenario ids and "spec/openapi.yaml:1430", sorted
};

struct RuleCoverageReport {
  std::vector<RuleCoverageRow> rows;  // ledger order
  // Contract-level request steps with no rule: "file:line:column step name".
  std::vector<std::string> checks_without_rule;
  // `# rule:` ids the ledger does not hold: "file:line: ID".
  std::vector<std::string> unknown_ids;

  // The API's own rules that nothing checks and no `unchecked:` explains.
  std::vector<const RuleCoverageRow*> Unchecked() const;
  bool Complete() const { return Unchecked().empty() && checks_without_rule.empty() && unknown_ids.empty(); }
};

// `spec_files` maps a spec file's name (as shown) to its text; their
// `# rule:` comments count as checks (a schema keyword or a lifecycle entry
// the runner judges every answer by). Scenarios that require `reference`
// are the reference layer: they may name rules, and need none.
RuleCoverageReport AnalyzeRuleCoverage(const std::vector<Scenario>& scenarios, const RuleLedger& ledger,
                                       const std::map<std::string, std::string>& spec_files);

// The report as text: one row per rule (id, level, source, what checks it),
// then the rules nothing checks and the checks with no rule.
std::string RuleCoverageTable(const RuleCoverageReport& report);

// The same as JSON, for a dashboard or a spec author's script: `rules`
// (id, level, source, layer, text, checked_by, unchecked, shared),
// `checks_without_rule`, `unknown_ids`, and `complete`.
std::string RuleCoverageJson(const RuleCoverageReport& report);

}  // namespace conformance
