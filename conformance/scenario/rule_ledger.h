// The rule ledger of an API (spec/rules.yaml, spec/<api>/rules.yaml, and the
// shared spec/shared-rules.yaml): every rule of the contract with its id, the
// sentence of its source and its level, so that a check can name the rule it
// enforces (`# rule: ID, ...` above it, scenario/source_comment.h) and a red
// can show the sentence it broke (issue 20).
//
// Values; thread-compatible once built.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "scenario/scenario.h"

namespace conformance {

struct Rule {
  std::string id;      // "HL-I2-010"
  std::string source;  // "issue 2", "seed 004", "spec/tabs/README.md"
  std::string text;    // the sentence, as the source writes it
  bool should = false;  // level SHOULD: a breach is a warning, not a failure
  // Why no black-box check can judge it ("" for a rule that is checked).
  std::string unchecked;
  SourceLocation where;

  // A rule of a seed document (`conformance run --layer seed` judges by
  // these alone); the others are decisions fixed for the product.
  bool FromSeed() const { return source.rfind("seed ", 0) == 0; }
  const char* Level() const { return should ? "SHOULD" : "MUST"; }
};

class RuleLedger {
 public:
  // Parses a ledger file; throws purchase::SpecError ("file:line:column:
  // error: ...") on a malformed one, a repeated id or an unknown level.
  static RuleLedger Parse(std::string_view yaml_text, const std::string& file);

  // Adds `other`'s rules; throws purchase::SpecError on an id both hold.
  void Merge(const RuleLedger& other);

  const Rule* Find(const std::string& id) const;
  const std::vector<Rule>& rules() const { return rules_; }

 private:
  std::vector<Rule> rules_;
  std::map<std::string, size_t> by_id_;
};

// The ledger the runner judges `api` by: its own and the shared one, read
// from `spec_dir` when given (DIR/rules.yaml, and DIR/../shared-rules.yaml
// or DIR/shared-rules.yaml when there), else the copies built in. Throws
// purchase::SpecError.
RuleLedger LedgerForApi(const std::string& api, const std::string& spec_dir = "");

}  // namespace conformance
