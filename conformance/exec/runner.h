// Runs scenarios against a target and judges every response: the step's
// expectations, the OpenAPI document, and the order lifecycle.
//
// RunScenario runs one scenario on one client (one thread). RunSuite
// schedules many: scenarios that only talk to the vendor API run in parallel
// (--jobs), each worker with its own client (one connection, kept from one
// scenario to the next) and unique ids from ${run_id};
// scenarios that change what every other scenario sees (reset, clock, faults,
// or polls that advance a manual clock) run afterwards, one at a time, with
// the target to themselves. Listener calls are serialised.
#pragma once

#include <string>
#include <vector>

#include "check/openapi.h"
#include "exec/http_client.h"
#include "exec/target.h"
#include "report/listener.h"
#include "report/result.h"
#include "scenario/rule_ledger.h"
#include "scenario/scenario.h"

namespace purchase {
class Lifecycle;
}

namespace conformance {

struct RunContext {
  const Target* target = nullptr;
  const OpenApiSpec* spec = nullptr;
  const purchase::Lifecycle* lifecycle = nullptr;
  const Clock* clock = nullptr;
  std::string run_id;  // unique per run; a scenario's ${run_id} adds its index
  int64_t max_poll_sleep_ms = 60000;  // a wild Retry-After must not stall a real-clock run
  // The API's rule ledger: a failure shows the rules its check names, and a
  // breach of SHOULD rules only is a warning. Null: failures name ids only.
  const RuleLedger* rules = nullptr;
  // `--layer seed`: judge by the seed documents' rules alone. A check whose
  // rules are all decisions of ours is not judged, and a scenario that names
  // no seed rule is skipped.
  bool seed_layer_only = false;
};

// Why a scenario is not run at the seed layer ("" when it names a seed rule).
std::string WhyNotRunAtSeedLayer(const Scenario& scenario, const RuleLedger& rules);

// Returns the capabilities the scenario needs that the target lacks.
std::vector<std::string> MissingCapabilities(const Scenario& scenario, const Target& target);

// Returns the fixture roles the scenario names that the target cannot fill.
std::vector<std::string> UnfilledFixtureRoles(const Scenario& scenario, const Target& target);

// Returns why the scenario is skipped on this target (missing capabilities,
// the reference layer not asked for, fixture roles the target cannot fill),
// or "" when it runs.
std::string WhyNotRun(const Scenario& scenario, const Target& target);

// True if the scenario must have the target to itself.
bool NeedsTargetAlone(const Scenario& scenario, const Target& target);

// Runs one scenario; never throws. `index` makes its ${run_id} unique.
ScenarioResult RunScenario(const Scenario& scenario, HttpClient& client, const RunContext& context, size_t index);

struct SuiteOptions {
  int jobs = 1;
  bool fail_fast = false;
  // `--sandbox new`: each scenario runs in a sandbox of its own, created on
  // the target (POST /_control/sandboxes) before it and deleted after it, so
  // that scenarios which reset, move the clock or add fault rules run in
  // parallel with the rest instead of alone. A scenario that requires the
  // capability "sandboxes" manages sandboxes itself and runs at the root.
  bool sandbox_per_scenario = false;
};

// The sandbox a scenario gets under SuiteOptions::sandbox_per_scenario:
// "<run_id>-<index>".
std::string ScenarioSandboxName(const std::string& run_id, size_t index);

// Runs every scenario (skipping those whose capabilities are missing) and
// returns results in the order given.
RunResult RunSuite(const std::vector<Scenario>& scenarios, const RunContext& context,
                   const HttpClientFactory& new_client, const SuiteOptions& options, RunListener& listener);

}  // namespace conformance
