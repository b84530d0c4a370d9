// LifecycleMachine: a lifecycle document (spec/<api>/lifecycle.yaml) compiled
// into tables of small numbers, the one place every API's server asks where
// a cause takes an order.
//
// Lifecycle answers by name, which is what the runner needs to judge any
// implementation; a server asks on every request and every settlement, so it
// asks this instead: a state is one byte, a move is one table lookup, and
// nothing is allocated. Built once from the document at start; change a
// transition in the file and every server built on it does the new thing.
//
// Immutable after construction; safe to share between threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/lifecycle.h"

namespace purchase::engine {

using StateId = uint8_t;  // a state's position in the document's `states`
using CauseId = uint8_t;  // a cause's position in order of first mention (entries, transitions, idempotent)

class LifecycleMachine {
 public:
  // Throws SpecError if the document has more states or causes than a byte numbers.
  explicit LifecycleMachine(const Lifecycle& lifecycle);

  std::optional<StateId> State(std::string_view name) const;
  std::optional<CauseId> Cause(std::string_view name) const;
  const std::string& StateName(StateId state) const { return lifecycle_.states()[state]; }
  const std::string& CauseName(CauseId cause) const { return causes_[cause]; }

  // Where `cause` takes an order in `from`, if the document has that transition.
  std::optional<StateId> Target(StateId from, CauseId cause) const {
    const uint8_t to = targets_[Index(from, cause)];
    return to == kNone ? std::nullopt : std::optional<StateId>(to);
  }
  // The state an order created by this entry cause starts in, if it is an entry.
  std::optional<StateId> Entry(CauseId cause) const {
    const uint8_t to = entries_[cause];
    return to == kNone ? std::nullopt : std::optional<StateId>(to);
  }
  // True if a request with this cause is accepted in `state` without a change.
  bool IsIdempotent(StateId state, CauseId cause) const { return idempotent_[Index(state, cause)]; }
  bool IsTerminal(StateId state) const { return terminal_[state]; }

  size_t state_count() const { return lifecycle_.states().size(); }
  size_t cause_count() const { return causes_.size(); }
  const Lifecycle& lifecycle() const { return lifecycle_; }

 private:
  static constexpr uint8_t kNone = 0xff;
  size_t Index(StateId state, CauseId cause) const { return size_t{state} * causes_.size() + cause; }
  CauseId AddCause(const std::string& name);

  const Lifecycle& lifecycle_;
  std::vector<std::string> causes_;
  std::vector<uint8_t> targets_;     // [state][cause] -> state, or kNone
  std::vector<uint8_t> entries_;     // [cause] -> state, or kNone
  std::vector<bool> idempotent_;     // [state][cause]
  std::vector<bool> terminal_;       // [state]
};

}  // namespace purchase::engine
