// Reporters are listeners over a run (as Catch2's are): console, JUnit and
// JSON all implement RunListener. Time comes from an injected Clock so that
// golden files can match byte for byte.
//
// The runner calls a listener from one thread at a time (it serialises the
// calls), in this order: OnRunStarted, then OnScenarioStarted /
// OnScenarioFinished per scenario (interleaved when scenarios run in
// parallel), then OnRunFinished.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "report/result.h"

namespace conformance {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::chrono::system_clock::time_point Now() const = 0;
  // Waits `d` of wall time (polling a target whose clock is real).
  virtual void Sleep(std::chrono::milliseconds d) const = 0;
};

// The system clock.
class SystemClock final : public Clock {
 public:
  std::chrono::system_clock::time_point Now() const override;
  void Sleep(std::chrono::milliseconds d) const override;
};

struct RunInfo {
  std::string target;
  size_t scenario_count = 0;
  int jobs = 1;
  std::chrono::system_clock::time_point started_at;
};

class RunListener {
 public:
  virtual ~RunListener() = default;
  virtual void OnRunStarted(const RunInfo&) {}
  virtual void OnScenarioStarted(const std::string& /*id*/) {}
  virtual void OnScenarioFinished(const ScenarioResult&) {}
  virtual void OnRunFinished(const RunResult&) {}
};

// Forwards every event to several listeners, in the order added.
class ListenerList final : public RunListener {
 public:
  void Add(RunListener* listener) { listeners_.push_back(listener); }
  void OnRunStarted(const RunInfo& info) override;
  void OnScenarioStarted(const std::string& id) override;
  void OnScenarioFinished(const ScenarioResult& result) override;
  void OnRunFinished(const RunResult& result) override;

 private:
  std::vector<RunListener*> listeners_;
};

// Formats an instant as RFC 3339 UTC with milliseconds: 2026-01-01T00:00:05.000Z.
std::string FormatTimestamp(std::chrono::system_clock::time_point t);

}  // namespace conformance
