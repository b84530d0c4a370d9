// `conformance explore`: generated request sequences, judged against the
// in-process reference, shrunk to a scenario file.
//
// For each sequence seed (seed, seed + 1, ...) until the sequence count or
// the time budget runs out: generate a sequence on the model (generator.h),
// run it on the target and the reference side by side (executor.h), and on
// the first mismatch shrink it: cut what follows the failing step, delete
// chunks (halves, quarters, ... single steps; commands whose handles lost
// their source drop out by themselves), then simplify arguments, re-running
// each candidate and keeping it only if it fails with the same cause
// (Mismatch::Cause: the command's kind and what differed). The shrunk sequence is run three more times; one that
// does not fail every time is reported flaky. Each distinct cause is shrunk
// and reported once; later sequences with the same cause only count.
//
// Single-threaded.
#pragma once

#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "explore/executor.h"
#include "explore/generator.h"

namespace conformance::explore {

struct ExploreOptions {
  uint64_t seed = 1;
  // Sequence i has seed + i * seed_stride: with --shard K/N, seed is the
  // first seed + K - 1 and the stride N, so the N shards run every seed once.
  uint64_t seed_stride = 1;
  uint64_t SeedOf(int i) const { return seed + static_cast<uint64_t>(i) * seed_stride; }
  int sequences = 0;           // 0: as many as the budget allows
  double budget_seconds = 30;  // for finding; shrinking has its own
  double shrink_budget_seconds = 10;  // per distinct failure
  int max_failures = 0;               // stop after this many distinct failures (0: never)
};

struct Finding {
  uint64_t sequence_seed = 0;
  size_t generated_length = 0;
  std::vector<Command> shrunk;
  SequenceRun run;  // of the shrunk sequence
  Mismatch mismatch;
  double seconds_to_find = 0;
  double shrink_seconds = 0;
  int shrink_runs = 0;
  bool flaky = false;
  int occurrences = 1;  // sequences that failed with this cause
};

struct ExploreResult {
  int sequences = 0;
  long commands = 0;
  double seconds = 0;
  std::vector<Finding> findings;  // distinct causes, in the order found
};

// Clock for budgets: seconds since some fixed instant (injected by tests).
using SecondsClock = std::function<double()>;

ExploreResult Explore(Executor& executor, const Side& model, const GeneratorOptions& generator,
                      const ExploreOptions& options, const SecondsClock& clock, std::ostream& progress);

// The same search on several executors at once (`explore --jobs N`), each
// on a target of its own (a sandbox) and an in-process reference of its own:
// the sequences are run in parallel, seeds taken in increasing order, then
// their failures are deduplicated and shrunk in seed order on the first
// executor. For a fixed --sequences the findings are those Explore finds
// with one executor: the same seeds, causes and shrunk lists (and, without
// --max-failures, the same occurrences: with it, the sequences already
// running when it was reached are counted too).
ExploreResult ExploreInParallel(const std::vector<Executor*>& executors, const Side& model,
                                const GeneratorOptions& generator, const ExploreOptions& options,
                                const SecondsClock& clock, std::ostream& progress);

// Shrinks `commands`, whose run failed with `mismatch`; keeps to the budget.
Finding Shrink(Executor& executor, std::vector<Command> commands, const Mismatch& mismatch, double budget_seconds,
               const SecondsClock& clock);

}  // namespace conformance::explore
