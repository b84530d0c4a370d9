#include "engine/lifecycle_machine.h"

#include <algorithm>

namespace purchase::engine {

CauseId LifecycleMachine::AddCause(const std::string& name) {
  const auto it = std::find(causes_.begin(), causes_.end(), name);
  if (it != causes_.end()) return static_cast<CauseId>(it - causes_.begin());
  causes_.push_back(name);
  return static_cast<CauseId>(causes_.size() - 1);
}

LifecycleMachine::LifecycleMachine(const Lifecycle& lifecycle) : lifecycle_(lifecycle) {
  for (const auto& e : lifecycle.entries()) AddCause(e.cause);
  for (const auto& t : lifecycle.transitions()) AddCause(t.cause);
  for (const auto& [state, cause] : lifecycle.idempotent()) AddCause(cause);
  // kNone marks "no state", so a byte numbers 255 states and causes at most.
  if (lifecycle.states().size() >= kNone || causes_.size() >= kNone)
    throw SpecError("lifecycle: error: more than 254 states or causes");
  const size_t states = lifecycle.states().size();
  targets_.assign(states * causes_.size(), kNone);
  idempotent_.assign(states * causes_.size(), false);
  entries_.assign(causes_.size(), kNone);
  for (size_t s = 0; s < states; ++s) terminal_.push_back(lifecycle.IsTerminal(lifecycle.states()[s]));
  // Lifecycle::Parse has checked that every name is a state and that a cause
  // leads to one state at most from any state, so each cell is written once.
  for (const auto& e : lifecycle.entries()) entries_[*Cause(e.cause)] = *State(e.to);
  for (const auto& t : lifecycle.transitions()) targets_[Index(*State(t.from), *Cause(t.cause))] = *State(t.to);
  for (const auto& [state, cause] : lifecycle.idempotent()) idempotent_[Index(*State(state), *Cause(cause))] = true;
}

std::optional<StateId> LifecycleMachine::State(std::string_view name) const {
  const auto& states = lifecycle_.states();
  const auto it = std::find(states.begin(), states.end(), name);
  if (it == states.end()) return std::nullopt;
  return static_cast<StateId>(it - states.begin());
}

std::optional<CauseId> LifecycleMachine::Cause(std::string_view name) const {
  const auto it = std::find(causes_.begin(), causes_.end(), name);
  if (it == causes_.end()) return std::nullopt;
  return static_cast<CauseId>(it - causes_.begin());
}

}  // namespace purchase::engine
