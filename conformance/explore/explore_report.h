// The reports of `conformance explore` (--report json=FILE, junit=FILE), one
// writer for both explorers: the HL Connector's (a model) and a profile's
// (a corpus of its suite's requests). Each maps its findings to these
// plain values, so a CI job reads the same report whatever the API.
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace conformance::explore {

struct ExploreReportFinding {
  std::string cause;    // what makes two failures the same one
  std::string message;  // one line: what differed
  std::string command, aspect, expected, actual;
  std::vector<std::string> rules;       // ids of the rule ledger the difference breaks
  std::vector<std::string> rule_notes;  // those rules with their sentences, one line each
  uint64_t sequence_seed = 0;
  size_t generated_length = 0, shrunk_length = 0;
  double seconds_to_find = 0, shrink_seconds = 0;
  int shrink_runs = 0, occurrences = 1;
  bool flaky = false;
  std::string scenario;               // the emitted scenario file, "" when none
  std::vector<std::string> commands;  // the shrunk sequence, described
};

struct ExploreReportRace {
  std::string pattern, verdict, explanation;
  int64_t nodes = 0;
};

struct ExploreReportRaces {
  int cases = 0, linearizable = 0, not_linearizable = 0, unknown = 0;
  std::vector<ExploreReportRace> reported;
};

struct ExploreReport {
  std::string api;  // "hl-connector", "tabs", ...
  std::string target;
  uint64_t seed = 0;
  int sequences = 0;
  long commands = 0;
  double seconds = 0;
  std::vector<ExploreReportFinding> findings;
  std::optional<ExploreReportRaces> races;  // only when race cases ran
};

void WriteExploreJson(const ExploreReport& report, std::ostream& out);
void WriteExploreJunit(const ExploreReport& report, std::ostream& out);

}  // namespace conformance::explore
