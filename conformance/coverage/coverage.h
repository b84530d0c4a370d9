// Spec coverage of a scenario suite, found by static analysis: which rule of
// the spec each scenario checks, without sending anything.
//
// Rules come from the spec files: every (operation x documented status x
// error code of its x-error-codes) of openapi.yaml, and from lifecycle.yaml
// the entry, every allowed transition, every idempotent (state, cause) and
// every forbidden change between two states. A scenario checks a response
// rule when one of its request steps goes to that operation and expects
// exactly that status (and that error code, when the response lists codes).
// It checks a lifecycle rule when the states its steps expect an order in,
// and the steps between them, make that transition (or attempt it and expect
// the order unchanged). See conformance/README.md, "Coverage", for what this
// analysis can and cannot see.
//
// Pure functions over loaded scenarios; thread-compatible.
#pragma once

#include <string>
#include <vector>

#include "check/openapi.h"
#include "core/lifecycle.h"
#include "scenario/scenario.h"

namespace conformance {

struct CoverageRule {
  enum class Kind { kResponse, kTransition };
  Kind kind = Kind::kResponse;
  std::string id;     // "POST /purchase/register 422 TOKEN_EXPIRED", "lifecycle PROCESSING -> COMPLETED (...)"
  std::string group;  // table section: the operation's path, or "lifecycle"
  std::vector<std::string> scenarios;  // ids of the scenarios that check it, sorted
  std::string unreachable_why;         // set when the exemptions file lists it
};

// A rule no black-box scenario can reach (e.g. an unexpected 500 of the
// control API), with the reason. `rule` may use * as a wildcard.
struct UnreachableRule {
  std::string rule;
  std::string why;
  SourceLocation where;
};

struct CoverageReport {
  std::vector<CoverageRule> rules;  // spec order: operations, then lifecycle
  std::vector<std::string> errors;  // stale exemptions: they match no rule, or a covered one
  // Request steps whose operation the analysis could not tell (a URL from a
  // variable it cannot trace): "file:line:column request".
  std::vector<std::string> unattributed_steps;

  size_t CoveredCount() const;
  size_t UnreachableCount() const;
  // Rules neither covered nor listed as unreachable.
  std::vector<const CoverageRule*> Uncovered() const;
};

// Lists every rule of `spec` and `lifecycle`, and the scenarios that check it.
CoverageReport AnalyzeCoverage(const std::vector<Scenario>& scenarios, const OpenApiSpec& spec,
                               const purchase::Lifecycle& lifecycle,
                               const std::vector<UnreachableRule>& unreachable = {});

// Parses an exemptions file: `unreachable: [{rule: ..., why: ...}]`. Throws
// purchase::SpecError ("file:line:column: error: ...") when it is malformed.
std::vector<UnreachableRule> ParseUnreachableRules(const std::string& yaml_text, const std::string& file);

// Writes the report as a plain-text table (one row per rule).
std::string CoverageTable(const CoverageReport& report);

// Writes the report as Markdown; `command` is how to regenerate it.
std::string CoverageMarkdown(const CoverageReport& report, const std::string& command);

}  // namespace conformance
