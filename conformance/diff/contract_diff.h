// `conformance diff`: every change between two versions of a contract (an
// API's openapi.yaml, lifecycle.yaml, rules.yaml and errors.yaml), each
// classified by whom it breaks, with the reason (issue 23, item 4).
//
// One principle decides almost every classification: a contract constrains
// what clients send (requests) and what implementations answer (replies and
// the lifecycle). Tightening what a request may be breaks clients that sent
// what is no longer allowed; loosening it breaks implementations, which must
// now accept more. Loosening what a reply may be breaks clients, which may
// meet what they never handled; tightening it breaks implementations that
// answered what is no longer allowed. The exceptions (replies are open
// objects, rules, lifecycle terminals) are written beside their code and in
// conformance/README.md, "`conformance diff`".
//
// Pure: text in, values out; no I/O. Thread-compatible.
#pragma once

#include <string>
#include <vector>

namespace conformance {

// One version of a contract, as the texts of its files. `name` prefixes the
// file names in error messages ("spec/tabs", "HEAD~1:spec/tabs").
struct ContractTexts {
  std::string name;
  std::string openapi;    // openapi.yaml (required)
  std::string lifecycle;  // lifecycle.yaml (required)
  std::string rules;      // rules.yaml; empty: no ledger
  std::string errors;     // errors.yaml; empty: no catalogue
};

struct ContractChange {
  std::string kind;   // stable, for JSON: "state-added", "error-code-added", ...
  std::string where;  // "GET /v1/purchases/{purchase_id} 200 body /status", "lifecycle", "rule TABS-README-001"
  std::string what;   // "value 'refunded' added to the enum"
  bool breaks_clients = false;
  bool breaks_implementations = false;
  std::string reason;  // one sentence: why it breaks whom, or why it is safe
  // For a change inside a shared component ("#/components/schemas/Error"):
  // the component and how many places use it; `where` is the first of them.
  std::string component;
  int uses = 0;

  bool Breaking() const { return breaks_clients || breaks_implementations; }
};

struct DiffOptions {
  // Compare the reference layer too (x-reference members merged in); by
  // default they are dropped: they are our server's promises, not the contract.
  bool strict_reference = false;
};

// Returns every change from `old_contract` to `new_contract`, in a stable
// order (operations by path and method, then the lifecycle, the error
// catalogue and the rules). Throws purchase::SpecError
// ("<name>/<file>:line:column: error: ...") when a file is not YAML or not a
// lifecycle or ledger.
std::vector<ContractChange> DiffContracts(const ContractTexts& old_contract, const ContractTexts& new_contract,
                                          const DiffOptions& options = {});

// The text report: one line per change, breaking ones first (both, clients,
// implementations, then safe), then a count line ("no change" when empty).
std::string DiffText(const std::vector<ContractChange>& changes);
// The same as a JSON document: {"changes": [...], "breaks_clients": N, ...}.
std::string DiffJson(const std::vector<ContractChange>& changes);

}  // namespace conformance
