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
  // True if a request with this cause is accepted in `state` without a change.
  bool IsIdempotent(std::string_view state, std::string_view cause) const;

  const std::string& initial_state() const { return initial_; }
  const std::string& entry_cause() const { return entry_cause_; }
  const std::vector<std::string>& states() const { return states_; }
  const std::vector<LifecycleTransition>& transitions() const { return transitions_; }
  // (state, cause) pairs accepted without a change.
  const std::vector<std::pair<std::string, std::string>>& idempotent() const { return idempotent_; }

 private:
  // The transition from `from` to `to`, or null if the lifecycle has none.
  const LifecycleTransition* Find(std::string_view from, std::string_view to) const;
  std::vector<std::string> states_;
  std::vector<bool> terminal_;
  std::vector<LifecycleTransition> transitions_;
  std::vector<std::pair<std::string, std::string>> idempotent_;  // state, cause
  std::string initial_;
  std::string entry_cause_;
};

}  // namespace purchase
