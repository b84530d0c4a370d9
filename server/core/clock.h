// Time as the core sees it: milliseconds since the Unix epoch, read through an
// injected Clock. The core never reads the system clock; the real clock lives
// in the HTTP adapter. ManualClock is thread-safe (atomic) but the service
// only moves it under its own lock, so that settlement and time move together.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"

namespace purchase {

using Millis = int64_t;  // milliseconds since 1970-01-01T00:00:00Z

// 9999-12-31T23:59:59Z: the manual clock is never moved past it, because a
// reply's timestamps have four-digit years (the specs' date-time pattern).
constexpr Millis kLatestInstant = 253402300799000;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Millis Now() const = 0;
  // True if time moves only when told (the control API can advance it).
  virtual bool IsManual() const { return false; }
  // Server seconds per wall-clock second (--time-scale); 1 for the manual clock.
  // Retry-After is in wall-clock seconds, so the server divides by it.
  virtual double Rate() const { return 1.0; }
};

class ManualClock final : public Clock {
 public:
  explicit ManualClock(Millis start) : start_(start), now_(start) {}
  Millis Now() const override { return now_.load(std::memory_order_acquire); }
  bool IsManual() const override { return true; }
  void Set(Millis t) { now_.store(t, std::memory_order_release); }
  Millis start() const { return start_; }

 private:
  const Millis start_;
  std::atomic<Millis> now_;
};

// The control API's rule for moving a manual clock from `now` to `to` (by
// clock/set when `set`, else by clock/advance), for every API: none unless
// manual (CLOCK_NOT_MANUAL), never back (CLOCK_BACKWARDS), never past
// kLatestInstant (REQUEST_VALIDATION_FAILED naming the member). `may_go_back`
// and `refuse_same` are for the defects that break it. nullopt: it may move.
std::optional<Error> RefuseClockMove(const Clock& clock, Millis to, bool set, bool may_go_back = false,
                                     bool refuse_same = false);

// Formats an instant as RFC 3339 UTC: "2026-01-01T00:00:05Z", with ".mmm"
// only when the milliseconds are not zero.
std::string FormatRfc3339(Millis t);
// The same text in a buffer of its own, for writers that copy it anyway (a
// reply carries two or three instants; a std::string of this length would
// cost a heap allocation each).
struct Rfc3339Text {
  char data[40];
  size_t size;
  std::string_view view() const { return {data, size}; }
};
Rfc3339Text FormatRfc3339Text(Millis t);
// Parses "YYYY-MM-DDTHH:MM:SS[.fff]Z" or with a "+HH:MM"/"-HH:MM" offset.
// Returns nullopt for anything else (lenient forms are refused on purpose:
// a spec author must see exactly which instant a scenario names).
std::optional<Millis> ParseRfc3339(std::string_view text);

}  // namespace purchase
