// The order state machine, loaded from spec/lifecycle.yaml.
//
// One source of truth: the server's core asks Lifecycle before every state
// change it makes, and the conformance runner judges every status it observes
// with the same object. States are names (strings) so that the runner can
// judge any implementation; the core maps its OrderState enum onto them and
// refuses to start if the two disagree.
//
// Immutable after Parse(); safe to share between threads.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace purchase {

// Thrown by the spec and fixture loaders; what() reads
// "<file>:<line>:<column>: error: <message>" (1-based) so editors can jump to it.
class SpecError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct LifecycleTransition {
  std::string from;
  std::string to;
  std::string cause;
};

// Where a reply carries an order and its state, as JSON pointers: `id` and
// `state` inside each element of the array at `each`, or in the body itself
// when `each` is empty. The runner observes orders through these; a
// lifecycle that names none observes {"order_id", "status"}.
struct LifecycleObservePoint {
  std::string each;
  std::string id;
  std::string state;
  // The query parameters of the request within whose values the id names one
  // order (`scope: {query: [NAME, ...]}`), for ids an API makes unique only
  // per client; empty when the id names one order on its own.
  std::vector<std::string> scope_query;
};

class Lifecycle {
 public:
  // Parses the YAML text of spec/lifecycle.yaml. `source` names the file in
  // error messages. Throws SpecError on any structural problem (unknown
  // state in a transition, no initial state, duplicate transition...).
  static Lifecycle Parse(std::string_view yaml_text, std::string_view source);

  // The lifecycle this binary was built with (spec/lifecycle.yaml, embedded).
  static const Lifecycle& Builtin();

  bool IsKnown(std::string_view state) const;
  bool IsTerminal(std::string_view state) const;
  // True if the table has a transition from -> to (any cause).
  bool Allows(std::string_view from, std::string_view to) const;
  // The cause of the transition from -> to, if the table has one.
  std::optional<std::string> CauseOf(std::string_view from, std::string_view to) const;
  // True if the table has the transition from -> to with this cause. The
  // service checks every move with it, so it allocates nothing.
  bool Allows(std::string_view from, std::string_view to, std::string_view cause) const;
  // The state a cause leads to from `from`, if the table has such a transition
  // (a cause leads to one state at most from any state; Parse checks it).
  std::optional<std::string> TargetOf(std::string_view from, std::string_view cause) const;
  // The state an order created with this entry cause starts in, if any.
  std::optional<std::string> EntryState(std::string_view cause) const;
  // True if some entry creates orders in `state`.
  bool IsEntryState(std::string_view state) const;
  // A state from how replies spell it (a state's `code:`, e.g. a number), or
  // the spelling itself when no state has that code; and back.
  std::string StateOfCode(std::string_view spelled) const;
  std::string CodeOf(std::string_view state) const;
  // True if a request with this cause is accepted in `state` without a change.
  bool IsIdempotent(std::string_view state, std::string_view cause) const;

  const std::string& initial_state() const { return initial_; }
  const std::string& entry_cause() const { return entry_cause_; }
  const std::vector<std::string>& states() const { return states_; }
  const std::vector<LifecycleTransition>& transitions() const { return transitions_; }
  // Every way in ({"", to, cause}); the first goes into the initial state.
  const std::vector<LifecycleTransition>& entries() const { return entries_; }
  const std::vector<LifecycleObservePoint>& observe() const { return observe_; }
  // (state, cause) pairs accepted without a change.
  const std::vector<std::pair<std::string, std::string>>& idempotent() const { return idempotent_; }

 private:
  // The transition from `from` to `to`, or null if the lifecycle has none.
  const LifecycleTransition* Find(std::string_view from, std::string_view to) const;
  std::vector<std::string> states_;
  std::vector<bool> terminal_;
  std::vector<LifecycleTransition> transitions_;
  std::vector<LifecycleTransition> entries_;
  std::vector<std::pair<std::string, std::string>> codes_;  // state, how replies spell it
  std::vector<LifecycleObservePoint> observe_;
  std::vector<std::pair<std::string, std::string>> idempotent_;  // state, cause
  std::string initial_;
  std::string entry_cause_;
};

}  // namespace purchase
