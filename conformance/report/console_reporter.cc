#include "report/console_reporter.h"

#include <map>
#include <vector>

#include "check/expectation.h"  // Abbreviate

namespace conformance {
namespace {

std::string Area(const std::string& id) {
  const size_t slash = id.rfind('/');
  return slash == std::string::npos ? "." : id.substr(0, slash);
}

std::string Millis(int64_t ms) {
  if (ms < 1000) return std::to_string(ms) + " ms";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f s", static_cast<double>(ms) / 1000.0);
  return buf;
}

std::string Pad(const std::string& s, size_t width, bool right = false) {
  if (s.size() >= width) return s;
  return right ? std::string(width - s.size(), ' ') + s : s + std::string(width - s.size(), ' ');
}

}  // namespace

std::string ConsoleReporter::Paint(const std::string& text, const char* color) const {
  if (!options_.color) return text;
  return std::string("\x1b[") + color + "m" + text + "\x1b[0m";
}

void ConsoleReporter::ClearProgress() {
  if (options_.live && progress_shown_) {
    out_ << "\r\x1b[K";
    progress_shown_ = false;
  }
}

void ConsoleReporter::DrawProgress() {
  if (!options_.live) return;
  std::string running;
  for (const auto& id : running_) running += (running.empty() ? "" : ", ") + id;
  std::string line = "[" + std::to_string(done_) + "/" + std::to_string(total_) + "]";
  if (failed_) line += " " + std::to_string(failed_) + " failed";
  if (!running.empty()) line += " running " + running;
  out_ << "\r\x1b[K" << Abbreviate(line, 150) << std::flush;
  progress_shown_ = true;
}

void ConsoleReporter::OnRunStarted(const RunInfo& info) {
  total_ = info.scenario_count;
  out_ << "conformance: " << info.scenario_count << " scenario" << (info.scenario_count == 1 ? "" : "s")
       << " against " << info.target << " (jobs " << info.jobs << ")\n";
  DrawProgress();
}

void ConsoleReporter::OnScenarioStarted(const std::string& id) {
  running_.insert(id);
  DrawProgress();
}

void ConsoleReporter::OnScenarioFinished(const ScenarioResult& r) {
  running_.erase(r.id);
  ++done_;
  ClearProgress();
  switch (r.outcome) {
    case Outcome::kPassed:
      out_ << Paint("PASS", "32") << " " << r.id << " (" << r.steps.size() << " steps, " << Millis(r.duration_ms)
           << ")\n";
      // A SHOULD rule's breach: shown, never a failure.
      for (const auto& step : r.steps)
        for (const auto& f : step.warnings) {
          out_ << "  " << f.where.ToString() << ": " << Paint("warning", "33") << ": " << f.message << "\n";
          for (const auto& note : FailureNotes(f)) out_ << "  " << f.where.ToString() << ": note: " << note << "\n";
        }
      break;
    case Outcome::kSkipped:
      out_ << Paint("SKIP", "33") << " " << r.id << " (" << r.skip_reason << ")\n";
      break;
    case Outcome::kFailed: {
      ++failed_;
      out_ << Paint("FAIL", "31") << " " << r.id << " (step " << r.steps.size() << " of " << r.step_count << ", "
           << Millis(r.duration_ms) << ")\n";
      for (const auto& step : r.steps) {
        if (step.outcome != Outcome::kFailed) continue;
        for (const auto& f : step.failures) {
          out_ << "  " << f.where.ToString() << ": " << Paint("error", "31") << ": " << f.message << "\n";
          for (const auto& note : FailureNotes(f)) out_ << "  " << f.where.ToString() << ": note: " << note << "\n";
          for (const auto& from : f.included_from) out_ << "  " << from.ToString() << ": note: included from here\n";
        }
        if (!options_.verbose) continue;
        for (const auto& e : step.exchanges) {
          out_ << "    > " << e.method << " " << e.url << "\n";
          for (const auto& [n, v] : e.request_headers) out_ << "    > " << n << ": " << v << "\n";
          if (!e.request_body.empty()) out_ << "    > " << e.request_body << "\n";
          if (e.status == 0) {
            out_ << "    < (no response: " << e.transport_error << ")\n";
            continue;
          }
          out_ << "    < " << e.status << " (" << e.elapsed_ms << " ms)\n";
          for (const auto& [n, v] : e.response_headers) out_ << "    < " << n << ": " << v << "\n";
          if (!e.response_body.empty()) out_ << "    < " << Abbreviate(e.response_body, 4096) << "\n";
        }
      }
      break;
    }
  }
  DrawProgress();
}

void ConsoleReporter::OnRunFinished(const RunResult& run) {
  ClearProgress();
  struct Row {
    size_t passed = 0, failed = 0, skipped = 0;
    int64_t ms = 0;
  };
  std::map<std::string, Row> rows;
  Row total;
  for (const auto& s : run.scenarios) {
    Row& row = rows[Area(s.id)];
    for (Row* r : {&row, &total}) {
      r->passed += s.outcome == Outcome::kPassed;
      r->failed += s.outcome == Outcome::kFailed;
      r->skipped += s.outcome == Outcome::kSkipped;
      r->ms += s.duration_ms;
    }
  }
  size_t width = 5;
  for (const auto& [area, row] : rows) width = std::max(width, area.size());
  auto line = [&](const std::string& name, const Row& r) {
    out_ << Pad(name, width) << "  " << Pad(std::to_string(r.passed), 6, true) << "  "
         << Pad(std::to_string(r.failed), 6, true) << "  " << Pad(std::to_string(r.skipped), 7, true) << "  "
         << Pad(Millis(r.ms), 9, true) << "\n";
  };
  out_ << "\n" << Pad("area", width) << "  passed  failed  skipped       time\n";
  for (const auto& [area, row] : rows) line(area, row);
  line("total", total);
  out_ << "\n" << run.scenarios.size() << " scenario" << (run.scenarios.size() == 1 ? "" : "s") << ": "
       << Paint(std::to_string(total.passed) + " passed", total.passed ? "32" : "0") << ", "
       << Paint(std::to_string(total.failed) + " failed", total.failed ? "31" : "0") << ", " << total.skipped
       << " skipped in " << Millis(run.duration_ms) << "\n";
  if (const size_t warnings = run.WarningCount())
    out_ << Paint(std::to_string(warnings) + " warning" + (warnings == 1 ? "" : "s"), "33")
         << " (SHOULD rules breached: reported, not failed)\n";
  out_ << std::flush;
}

}  // namespace conformance
