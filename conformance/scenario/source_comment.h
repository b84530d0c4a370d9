// The `# source:` comment that says why a scenario's check is a rule of the
// contract (spec/README.md, "What the contract holds, and its source"), found
// from the check's line, so that a red shows the sentence it enforces beside
// its file:line (issue 20).
//
// The comment of a check is the `# source:` block nearest above it in its own
// step (the step's line or the comment lines right above it), else the one in
// the scenario's head (before `steps:`), as "source: ..."; "" when there
// is none. Continuation comment lines are joined, blanks collapsed. Files are read once and kept;
// thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace conformance {

std::string SourceCommentFor(const std::string& file, int line);

// The ids of the `# rule: ID, ID` comment of the check at file:line, found the
// same way (the rules it enforces, spec/rules.yaml and its siblings); empty
// when it names none.
std::vector<std::string> RuleIdsFor(const std::string& file, int line);

// The ids of one `# rule: A, B` line (or block text "rule: A, B").
std::vector<std::string> RuleIdsOfLine(const std::string& line);

// One component of an OpenAPI document (YAML text) and the ids of the
// `# rule:` comments in its block: a schema, response, parameter or header,
// each a check the runner makes of every answer written with it.
struct ComponentRules {
  std::string section;  // "schemas", "responses", "parameters", "headers"
  std::string name;
  int line = 0;  // 1-based, of its name
  std::vector<std::string> ids;
};
std::vector<ComponentRules> RulesOfComponents(std::string_view yaml_text);
// The same for each operation under `paths:` (a `# rule:` line right in the
// operation's block): section "operations", name "<method> <path>" ("post
// /purchase/register").
std::vector<ComponentRules> RulesOfOperations(std::string_view yaml_text);

// Every id the file's `# rule:` comments name, in order (repeats kept).
std::vector<std::string> RuleIdsIn(const std::string& file);

}  // namespace conformance
