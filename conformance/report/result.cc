#include "report/result.h"

#include <ctime>
#include <thread>

#include "report/listener.h"

namespace conformance {

const char* OutcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::kPassed: return "passed";
    case Outcome::kFailed: return "failed";
    case Outcome::kSkipped: return "skipped";
  }
  return "?";
}

size_t RunResult::Count(Outcome outcome) const {
  size_t n = 0;
  for (const auto& s : scenarios) n += s.outcome == outcome;
  return n;
}

size_t RunResult::WarningCount() const {
  size_t n = 0;
  for (const auto& s : scenarios)
    for (const auto& step : s.steps) n += step.warnings.size();
  return n;
}

std::string RuleNote(const RuleRef& rule) {
  if (rule.level.empty()) return "rule " + rule.id + " (not in the rule ledger)";
  return "rule " + rule.id + " (" + rule.level + ", " + rule.source + "): " + rule.text;
}

std::vector<RuleRef> RuleRefs(const RuleLedger* ledger, const std::vector<std::string>& ids) {
  std::vector<RuleRef> refs;
  for (const std::string& id : ids) {
    const Rule* r = ledger ? ledger->Find(id) : nullptr;
    refs.push_back(r ? RuleRef{r->id, r->Level(), r->source, r->text} : RuleRef{id, "", "", ""});
  }
  return refs;
}

std::vector<std::string> RuleNotes(const RuleLedger& ledger, const std::vector<std::string>& ids) {
  std::vector<std::string> notes;
  for (const RuleRef& ref : RuleRefs(&ledger, ids)) notes.push_back(RuleNote(ref));
  return notes;
}

std::vector<std::string> FailureNotes(const Failure& failure) {
  std::vector<std::string> notes;
  for (const auto& rule : failure.rules) notes.push_back(RuleNote(rule));
  if (!failure.source.empty()) notes.push_back(failure.source);
  return notes;
}

std::chrono::system_clock::time_point SystemClock::Now() const { return std::chrono::system_clock::now(); }
void SystemClock::Sleep(std::chrono::milliseconds d) const { std::this_thread::sleep_for(d); }

void ListenerList::OnRunStarted(const RunInfo& info) {
  for (auto* l : listeners_) l->OnRunStarted(info);
}
void ListenerList::OnScenarioStarted(const std::string& id) {
  for (auto* l : listeners_) l->OnScenarioStarted(id);
}
void ListenerList::OnScenarioFinished(const ScenarioResult& result) {
  for (auto* l : listeners_) l->OnScenarioFinished(result);
}
void ListenerList::OnRunFinished(const RunResult& result) {
  for (auto* l : listeners_) l->OnRunFinished(result);
}

std::string FormatTimestamp(std::chrono::system_clock::time_point t) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buffer[80];  // room for any int in each field, so the compiler can see nothing is cut
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  return buffer;
}

}  // namespace conformance
