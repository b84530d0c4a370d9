// Writes a sequence the explorer ran as a scenario file that `conformance
// run` replays: one step per command, each expecting what the reference
// answered (status and error code), and the failing step also the member or
// header that differed. Handles become variables (${token_1}, ${order_2},
// ${url_1}, ${fault_1}) captured where they were handed out; fixture roles
// stay roles (${asset_basic}), so the file runs against any target the
// explorer ran against.
//
// Pure.
#pragma once

#include <string>

#include "explore/executor.h"

namespace conformance::explore {

struct EmitInfo {
  std::string description;  // what the model expected and what came back, how it was found
  std::vector<std::string> tags;
  std::vector<std::string> rules;  // the failing step's `# rule:` ids
};

// Returns the scenario's YAML text for the run's steps (the last one failing
// when the run has a mismatch).
std::string EmitScenario(const SequenceRun& run, const EmitInfo& info);

}  // namespace conformance::explore
