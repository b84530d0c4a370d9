// A clock for tests: starts at 2026-01-01T00:00:00Z, moves only when told or
// when something sleeps on it, and records the sleeps.
#pragma once

#include <chrono>
#include <vector>

#include "report/listener.h"

namespace conformance {

class FakeClock final : public Clock {
 public:
  std::chrono::system_clock::time_point Now() const override { return now_; }
  void Sleep(std::chrono::milliseconds d) const override {
    sleeps_.push_back(d);
    now_ += d;
  }
  void Advance(std::chrono::milliseconds d) { now_ += d; }
  const std::vector<std::chrono::milliseconds>& sleeps() const { return sleeps_; }

 private:
  mutable std::chrono::system_clock::time_point now_ = std::chrono::system_clock::time_point(std::chrono::seconds(1767225600));
  mutable std::vector<std::chrono::milliseconds> sleeps_;
};

}  // namespace conformance
