// `conformance explore --concurrent N`: races, judged by linearizability.
//
// A case is a short sequential prefix (run and compared like any sequence),
// then 2 or 3 clients of at most 5 commands each, sent in parallel on their
// own connections: several registers of one token or of one vendor order,
// a cancel against the advance that settles the order, or a mix. The target
// passes if some order of those requests that keeps each client's own order
// and every real-time precedence (a request answered before another was sent
// comes first) makes the reference answer every one of them as the target
// did (Wing and Gong's search, replaying the reference from the prefix for
// each candidate). The search is bounded: when it runs out of nodes or time
// the verdict is "unknown", never a pass.
//
// RunConcurrentCase starts one thread per client; not otherwise thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "explore/executor.h"
#include "explore/generator.h"

namespace conformance::explore {

struct ConcurrentCase {
  std::string pattern;  // "one token", "one vendor order", "cancel against settling", "mixed"
  std::vector<Command> prefix;
  std::vector<std::vector<Command>> clients;
};

// Generates the case for `seed` (a function of the seed alone).
ConcurrentCase GenerateConcurrentCase(uint64_t seed, const GeneratorOptions& options);

struct TimedAnswer {
  int client = 0;
  Command command;
  HttpResponse response;
  double sent = 0, answered = 0;  // seconds on one clock
};

enum class Verdict { kLinearizable, kNotLinearizable, kUnknown };
const char* VerdictName(Verdict verdict);

struct ConcurrentResult {
  std::optional<Mismatch> prefix_mismatch;  // the prefix already failed
  std::vector<TimedAnswer> answers;
  Verdict verdict = Verdict::kLinearizable;
  long nodes = 0;           // search nodes visited
  std::string explanation;  // for a failure: the deepest order the reference could follow, and where it broke
};

struct SearchLimits {
  long max_nodes = 200000;
  double max_seconds = 5;
};

// Runs the case: the prefix through `executor`, then the clients in parallel
// (each on a client from `new_client`), then the search.
ConcurrentResult RunConcurrentCase(const ConcurrentCase& c, Executor& executor,
                                   const std::function<std::unique_ptr<HttpClient>()>& new_client,
                                   const SearchLimits& limits, const std::function<double()>& clock);

// The search alone, over answers already recorded: `prefix` is replayed on
// the reference (reset first) for every candidate order.
ConcurrentResult Linearize(const std::vector<Command>& prefix, const Handles& target_handles_after_prefix,
                           std::vector<TimedAnswer> answers, const Side& reference, const SearchLimits& limits,
                           const std::function<double()>& clock);

}  // namespace conformance::explore
