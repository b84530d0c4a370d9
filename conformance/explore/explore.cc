#include "explore/explore.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

namespace conformance::explore {
namespace {

bool SameFailure(const Mismatch& a, const Mismatch& b) { return a.Cause() == b.Cause(); }

}  // namespace

Finding Shrink(Executor& executor, std::vector<Command> commands, const Mismatch& mismatch, double budget_seconds,
               const SecondsClock& clock) {
  const double start = clock();
  Finding f;
  f.mismatch = mismatch;
  f.generated_length = commands.size();
  commands.resize(std::min(commands.size(), mismatch.step + 1));
  // Runs a candidate; keeps it (cut after its failing step) if it fails the
  // same way at the same kind of command.
  auto fails = [&](std::vector<Command> candidate) -> bool {
    ++f.shrink_runs;
    SequenceRun run = executor.Run(candidate);
    if (!run.mismatch || !SameFailure(*run.mismatch, mismatch)) return false;
    candidate.resize(run.mismatch->step + 1);
    commands = std::move(candidate);
    f.mismatch = *run.mismatch;
    f.run = std::move(run);
    return true;
  };
  auto in_budget = [&] { return clock() - start < budget_seconds; };
  // 1. Delete chunks, never the failing (last) command.
  for (size_t chunk = std::max<size_t>(1, (commands.size() - 1) / 2); chunk >= 1 && in_budget();) {
    bool removed = false;
    for (size_t at = 0; at + 1 < commands.size() && in_budget(); at += chunk) {
      std::vector<Command> candidate(commands.begin(), commands.begin() + at);
      const size_t end = std::min(at + chunk, commands.size() - 1);
      candidate.insert(candidate.end(), commands.begin() + end, commands.end());
      if (candidate.size() < commands.size() && fails(candidate)) {
        removed = true;
        break;
      }
    }
    if (!removed) {
      if (chunk == 1) break;
      chunk /= 2;
    }
    chunk = std::min(chunk, std::max<size_t>(1, commands.size() - 1));
  }
  // 2. Simplify arguments: vendor B -> A, a quantity -> 1, a limited rule ->
  //    one firing. Each kept only if the failure stays.
  for (size_t i = 0; i < commands.size() && in_budget(); ++i) {
    auto try_change = [&](auto change) {
      std::vector<Command> candidate = commands;
      if (!change(candidate[i])) return;
      fails(candidate);
    };
    try_change([](Command& c) { return c.vendor == 1 ? (c.vendor = 0, true) : false; });
    try_change([](Command& c) { return c.quantity > 1 && c.asset_role != "asset_min_qty_5" ? (c.quantity = 1, true) : false; });
    try_change([](Command& c) { return c.fault.times > 1 ? (c.fault.times = 1, true) : false; });
  }
  if (!f.run.mismatch) {  // nothing was kept: run the cut sequence once for its record
    SequenceRun run = executor.Run(commands);
    if (run.mismatch) f.mismatch = *run.mismatch;
    f.run = std::move(run);
  }
  // Ids in order again (1, 2, 3...), and the record run with them.
  Renumber(commands);
  if (SequenceRun renumbered = executor.Run(commands); renumbered.mismatch && SameFailure(*renumbered.mismatch, mismatch)) {
    f.mismatch = *renumbered.mismatch;
    f.run = std::move(renumbered);
  }
  f.shrunk = commands;
  // 3. Flaky unless it fails the same way every time.
  for (int i = 0; i < 3; ++i) {
    const SequenceRun again = executor.Run(commands);
    if (!again.mismatch || !SameFailure(*again.mismatch, mismatch)) f.flaky = true;
  }
  f.shrink_seconds = clock() - start;
  return f;
}

namespace {

// Takes one failing sequence into `result`: counted under its cause when that
// is known, else shrunk on `shrinker` and reported as a new finding. False
// when the target cannot be reset, which ends the search.
bool Record(Executor& shrinker, uint64_t seed, const std::vector<Command>& commands, const Mismatch& mismatch,
            double found_at, const ExploreOptions& options, const SecondsClock& clock, std::ostream& progress,
            ExploreResult& result) {
  if (mismatch.aspect == "reset") {
    progress << "explore: the target cannot be reset: " << mismatch.actual << "\n";
    return false;
  }
  const std::string cause = mismatch.Cause();
  auto known = std::find_if(result.findings.begin(), result.findings.end(),
                            [&](const Finding& f) { return f.mismatch.Cause() == cause; });
  if (known != result.findings.end()) {
    ++known->occurrences;
    return true;
  }
  progress << "explore: sequence seed " << seed << " failed at step " << mismatch.step + 1 << " of "
           << commands.size() << ": " << mismatch.Message() << "; shrinking\n";
  Finding f = Shrink(shrinker, commands, mismatch, options.shrink_budget_seconds, clock);
  f.sequence_seed = seed;
  f.seconds_to_find = found_at;
  progress << "explore: shrunk to " << f.shrunk.size() << " command" << (f.shrunk.size() == 1 ? "" : "s") << " in "
           << f.shrink_runs << " runs, " << static_cast<long>(f.shrink_seconds * 1000) << " ms"
           << (f.flaky ? " (FLAKY: it did not fail every time)" : "") << "\n";
  result.findings.push_back(std::move(f));
  return true;
}

}  // namespace

ExploreResult Explore(Executor& executor, const Side& model, const GeneratorOptions& generator,
                      const ExploreOptions& options, const SecondsClock& clock, std::ostream& progress) {
  ExploreResult result;
  const double start = clock();
  for (int i = 0; options.sequences == 0 || i < options.sequences; ++i) {
    if (clock() - start >= options.budget_seconds) break;
    const uint64_t seed = options.SeedOf(i);
    std::vector<Command> commands = Generate(seed, generator, model);
    ++result.sequences;
    SequenceRun run = executor.Run(commands);
    result.commands += static_cast<long>(run.steps.size());
    if (!run.mismatch) continue;
    if (!Record(executor, seed, commands, *run.mismatch, clock() - start, options, clock, progress, result)) break;
    if (options.max_failures > 0 && static_cast<int>(result.findings.size()) >= options.max_failures) break;
  }
  result.seconds = clock() - start;
  return result;
}

ExploreResult ExploreInParallel(const std::vector<Executor*>& executors, const Side& model,
                                const GeneratorOptions& generator, const ExploreOptions& options,
                                const SecondsClock& clock, std::ostream& progress) {
  if (executors.size() == 1) return Explore(*executors.front(), model, generator, options, clock, progress);
  ExploreResult result;
  const double start = clock();
  // What each sequence did, by its index (seed - options.seed).
  struct Outcome {
    std::vector<Command> commands;
    std::optional<Mismatch> mismatch;
    size_t steps = 0;
  };
  std::mutex mu;  // guards outcomes, causes and progress
  std::map<int, Outcome> outcomes;
  std::set<std::string> causes;
  std::atomic<int> next{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> workers;
  for (Executor* executor : executors)
    workers.emplace_back([&, executor] {
      for (;;) {
        if (stop.load() || clock() - start >= options.budget_seconds) return;
        const int i = next++;
        if (options.sequences != 0 && i >= options.sequences) return;
        Outcome o;
        // Generated on this worker's own reference: the same list as on any other.
        o.commands = Generate(options.SeedOf(i), generator, executor->reference());
        SequenceRun run = executor->Run(o.commands);
        o.steps = run.steps.size();
        o.mismatch = run.mismatch;
        std::lock_guard<std::mutex> lock(mu);
        if (o.mismatch && o.mismatch->aspect == "reset") stop = true;
        // Enough distinct causes: every lower seed has been taken, so the
        // first max_failures causes in seed order are among those run.
        if (o.mismatch && causes.insert(o.mismatch->Cause()).second && options.max_failures > 0 &&
            static_cast<int>(causes.size()) >= options.max_failures)
          stop = true;
        outcomes.emplace(i, std::move(o));
      }
    });
  for (auto& w : workers) w.join();
  // Every sequence below the highest one run has run: judge them in seed order.
  for (auto& [i, o] : outcomes) {
    const uint64_t seed = options.SeedOf(i);
    ++result.sequences;
    result.commands += static_cast<long>(o.steps);
    if (!o.mismatch) continue;
    // A new cause past --max-failures is left out: the serial search stops before it.
    const std::string cause = o.mismatch->Cause();
    const bool known = std::any_of(result.findings.begin(), result.findings.end(),
                                   [&](const Finding& f) { return f.mismatch.Cause() == cause; });
    if (o.mismatch->aspect != "reset" && !known && options.max_failures > 0 &&
        static_cast<int>(result.findings.size()) >= options.max_failures)
      continue;
    if (!Record(*executors.front(), seed, o.commands, *o.mismatch, clock() - start, options, clock, progress, result))
      break;
  }
  result.seconds = clock() - start;
  return result;
}

}  // namespace conformance::explore
