// The HTML report: one self-contained file (no scripts, no network at view
// time) to open in a browser after a run: a summary by folder, every failed
// step with its failures and the request and response of each attempt, and,
// for every order the run tracked, its lifecycle drawn from
// spec/lifecycle.yaml with the path the order took highlighted and the
// forbidden change marked (report/lifecycle_diagram.h). Failed scenarios come
// first and open; passed ones are folded.
//
// Written when the run finishes, from the results alone (times come from
// them, so the file is the same for the same results).
#pragma once

#include <ostream>

#include "report/listener.h"

namespace purchase {
class Lifecycle;
}

namespace conformance {

class HtmlReporter final : public RunListener {
 public:
  HtmlReporter(std::ostream& out, const purchase::Lifecycle& lifecycle) : out_(out), lifecycle_(lifecycle) {}
  void OnRunFinished(const RunResult& run) override;

 private:
  std::ostream& out_;
  const purchase::Lifecycle& lifecycle_;
};

}  // namespace conformance
