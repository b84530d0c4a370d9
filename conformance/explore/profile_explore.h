// `conformance explore --api NAME`: the explorer for the profiles (the
// purchase APIs served by ProfileHost: imaging-catalog, sheetmusicdirect,
// tabs).
//
// Its commands come from the profile's own scenario suite (scenarios/<api>/):
// every request step (control steps left out, except clock advances), with
// the fixture roles resolved, plus `POST /_control/clock/advance` by 0, 1,
// 2, 5, 60 or 3600 seconds. A variable a scenario captured (an order id, a
// tab id...) is filled with a value some earlier answer of the same sequence
// handed out (order ids: at the lifecycle's observe points), or left unknown.
// Each sequence starts with POST /_control/reset.
//
// The oracle is an in-process ProfileHost of the same profile (our fixtures,
// a manual clock at 2026-01-01T00:00:00Z, the same seed). Every answer is
// compared on status, /error/code and the state at each observe point (through
// the lifecycle's StateOfCode); ids only through a one-to-one mapping. Every
// target answer is also judged by the runner's LifecycleTracker. The first
// difference is shrunk (commands dropped while it still fails the same way,
// each candidate re-run from a reset) and can be written as a scenario file.
//
// Single-threaded.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "core/lifecycle.h"
#include "exec/http_client.h"
#include "scenario/scenario.h"

namespace purchase::profiles {
struct ProfileEntry;
}

namespace conformance::explore {

// A ProfileHost of one profile in-process, behind the runner's HttpClient:
// the oracle, and a socket-free target for tests (with defects).
class ProfileHostClient final : public HttpClient {
 public:
  // Throws purchase::SpecError on bad fixtures, std::invalid_argument on an
  // unknown profile or defect.
  ProfileHostClient(const std::string& api, const std::string& fixtures_dir, uint64_t seed,
                    const std::vector<std::string>& defects = {});
  ~ProfileHostClient() override;
  HttpResponse Send(const HttpRequest& request) override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// What a side calls things: its URL, tokens and fixture roles.
struct ProfileSide {
  HttpClient* client = nullptr;
  std::string base_url;  // no trailing slash
  std::string token, token_b, control_token;
  std::map<std::string, std::string> roles;
};

// One request of the corpus: a scenario's request step.
struct CorpusRequest {
  std::string label;  // "scenarios/tabs/x.yaml:12:5 POST /api/..."
  Step step;
  // The variables it names that its scenario captured, with the pool a value
  // for each comes from: "order:<id pointer>" (ids at an observe point) or
  // "var:NAME".
  std::vector<std::pair<std::string, std::string>> captured;
  // Per side: the scenario's other variables, as JSON text.
  std::map<std::string, std::string> target_vars, reference_vars;
  std::string scenario_id;
};

struct ProfileCorpus {
  std::vector<CorpusRequest> requests;
};

// Builds the corpus from loaded scenarios. Steps that name a variable no one
// sets, and control steps other than clock advances, are left out.
ProfileCorpus BuildProfileCorpus(const std::vector<Scenario>& scenarios, const purchase::Lifecycle& lifecycle,
                                 const ProfileSide& target, const ProfileSide& reference);

struct ProfileCommand {
  int corpus = -1;  // index in the corpus; -1: clock advance
  int64_t seconds = 0;
  std::vector<uint64_t> picks;  // per captured variable: which value of its pool (0: none)
};

struct ProfileMismatch {
  size_t step = 0;
  std::string aspect;  // "status", "error code", "state at /status", "id at /id", "lifecycle", "transport"
  std::string expected, actual;
  std::string pointer;  // the JSON pointer of a state/id aspect
  std::string label;    // the command
  // For a status or code: the rules the command's scenario step names
  // (`# rule:`); empty for a state (the lifecycle's) and a clock advance.
  std::vector<std::string> rules;
  std::string Cause() const { return label + " | " + aspect; }
  std::string Message() const;
};

struct ProfileStepRecord {
  ProfileCommand command;
  HttpRequest target_request;
  HttpResponse target, reference;
  // The handles each captured variable took: {pool, index} (index -1: unknown).
  std::vector<std::pair<std::string, int>> used;
  // New pool values this answer handed out: {pool, pointer or header, index}.
  std::vector<std::tuple<std::string, std::string, int>> handed_out;
};

struct ProfileRun {
  std::vector<ProfileStepRecord> steps;
  std::optional<ProfileMismatch> mismatch;
  std::string reset_error;
};

struct ProfileFinding {
  uint64_t sequence_seed = 0;
  size_t generated_length = 0;
  std::vector<ProfileCommand> shrunk;
  ProfileRun run;  // of the shrunk sequence
  ProfileMismatch mismatch;
  int shrink_runs = 0;
  int sequences_before = 0;  // sequences run before the one that found it
  double seconds_to_find = 0;
};

struct ProfileExploreOptions {
  uint64_t seed = 1;
  uint64_t seed_stride = 1;  // as ExploreOptions' (--shard)
  uint64_t SeedOf(int s) const { return seed + static_cast<uint64_t>(s) * seed_stride; }
  int sequences = 40;          // 0: as many as the budget allows
  double budget_seconds = 0;   // stop starting sequences after this long (0: no limit)
  int steps = 25;
  int max_shrink_runs = 300;
};

struct ProfileExploreResult {
  int sequences = 0;
  long commands = 0;
  std::optional<ProfileFinding> finding;  // the first failure, shrunk
};

class ProfileExplorer {
 public:
  ProfileExplorer(const ProfileCorpus& corpus, const purchase::Lifecycle& lifecycle, ProfileSide target,
                  ProfileSide reference);

  std::vector<ProfileCommand> Generate(uint64_t seed, int steps) const;
  // Resets both sides, then runs until the first difference.
  ProfileRun Run(const std::vector<ProfileCommand>& commands);
  // Runs sequences seed, seed+1, ... until the first failure, which it shrinks.
  ProfileExploreResult Explore(const ProfileExploreOptions& options, std::ostream& progress);
  // Describes a command ("POST /api/... (scenarios/tabs/x.yaml:3:5)").
  std::string Describe(const ProfileCommand& command) const;
  // The shrunk run as a scenario file for `conformance run DIR --api NAME`.
  std::string EmitScenario(const ProfileFinding& finding, const std::string& api) const;

 private:
  const ProfileCorpus& corpus_;
  const purchase::Lifecycle& lifecycle_;
  ProfileSide target_, reference_;
};

// `conformance explore --api NAME`, as cli.cc hands it over.
struct ProfileExploreArgs {
  std::string api;
  std::string scenarios_dir;  // scenarios/<api>
  std::string fixtures_dir;   // fixtures/<api>, for the oracle
  std::string emit_dir;       // "" none
  std::string base_url, token, token_b, control_token;
  std::map<std::string, std::optional<std::string>> roles;  // the target's, resolved
  // Also generate from the scenarios that require `reference` (our server's
  // own promises); without it a correct target is never judged by them.
  bool strict_reference = false;
  ProfileExploreOptions options;
  // Sequences run at once, each worker in a sandbox of its own on the target
  // (created and deleted here) with an oracle of its own; the first failing
  // seed is then shrunk alone, so the finding is that of jobs = 1.
  int jobs = 1;
  // Explore in sandboxes even with one job (`--sandbox new`): the target's
  // default sandbox is never reset, so explore can share a server.
  bool in_sandboxes = false;
  long timeout_ms = 10000;
  // --report KIND=FILE: "json" or "junit", and the stream it goes to.
  std::vector<std::pair<std::string, std::ostream*>> reports;
};
// Exit 0: nothing found; 1: a failure; 2: usage; 3: the target cannot be reset.
int RunProfileExplore(const ProfileExploreArgs& args, std::ostream& out, std::ostream& err);

}  // namespace conformance::explore
