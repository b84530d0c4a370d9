// Console output: one line per finished scenario (PASS/FAIL/SKIP) with its
// failures in compiler format below it, and a summary table per folder at the
// end. On a terminal (and without NO_COLOR) a live progress line sits under
// the finished lines and the words are coloured; otherwise output is plain
// lines, so logs and pipes stay readable. With verbose, failed steps print
// every request and response they exchanged.
#pragma once

#include <ostream>
#include <set>
#include <string>

#include "report/listener.h"

namespace conformance {

struct ConsoleOptions {
  bool live = false;   // redraw a progress line (a terminal)
  bool color = false;
  bool verbose = false;
};

class ConsoleReporter final : public RunListener {
 public:
  ConsoleReporter(std::ostream& out, ConsoleOptions options) : out_(out), options_(options) {}

  void OnRunStarted(const RunInfo& info) override;
  void OnScenarioStarted(const std::string& id) override;
  void OnScenarioFinished(const ScenarioResult& result) override;
  void OnRunFinished(const RunResult& result) override;

 private:
  void ClearProgress();
  void DrawProgress();
  std::string Paint(const std::string& text, const char* color) const;

  std::ostream& out_;
  ConsoleOptions options_;
  size_t total_ = 0;
  size_t done_ = 0;
  size_t failed_ = 0;
  std::set<std::string> running_;
  bool progress_shown_ = false;
};

}  // namespace conformance
