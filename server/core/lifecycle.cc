#include "lifecycle.h"

#include <algorithm>
#include <string>

#include <yaml-cpp/yaml.h>

#include "yaml_document.h"

#include "purchase_core_embedded.h"

namespace purchase {
namespace {

[[noreturn]] void Fail(std::string_view source, const YAML::Node& node, const std::string& message) {
  throw SpecErrorAt(source, node, message);
}

void RequireMap(std::string_view source, const YAML::Node& node, const std::string& what) {
  if (!node.IsMap()) Fail(source, node, what + " must be a map");
}

std::string RequireString(std::string_view source, const YAML::Node& parent, const char* key) {
  const YAML::Node value = parent[key];
  if (!value) Fail(source, parent, std::string("missing key '") + key + "'");
  if (!value.IsScalar()) Fail(source, value, std::string("'") + key + "' must be a string");
  return value.Scalar();
}

}  // namespace

Lifecycle Lifecycle::Parse(std::string_view yaml_text, std::string_view source) {
  const YAML::Node root = LoadYamlDocument(yaml_text, source);
  Lifecycle lc;
  RequireMap(source, root, "the lifecycle file");
  const YAML::Node states = root["states"];
  if (!states || !states.IsMap()) Fail(source, root, "'states' must be a map of state names");
  for (const auto& entry : states) {
    const std::string name = entry.first.Scalar();
    if (lc.IsKnown(name)) Fail(source, entry.first, "state '" + name + "' is listed twice");
    RequireMap(source, entry.second, "state '" + name + "'");
    lc.states_.push_back(name);
    const YAML::Node terminal = entry.second["terminal"];
    if (terminal && (!terminal.IsScalar() || (terminal.Scalar() != "true" && terminal.Scalar() != "false")))
      Fail(source, terminal, "'terminal' must be true or false");
    lc.terminal_.push_back(terminal && terminal.Scalar() == "true");
    const YAML::Node initial = entry.second["initial"];
    if (initial && (!initial.IsScalar() || (initial.Scalar() != "true" && initial.Scalar() != "false")))
      Fail(source, initial, "'initial' must be true or false");
    if (initial && initial.Scalar() == "true") {
      if (!lc.initial_.empty()) Fail(source, entry.first, "two initial states");
      lc.initial_ = name;
    }
  }
  if (lc.initial_.empty()) Fail(source, states, "no state is marked 'initial: true'");

  const YAML::Node entry = root["entry"];
  if (!entry || !entry.IsMap()) Fail(source, root, "missing 'entry' (the transition into the initial state)");
  if (RequireString(source, entry, "to") != lc.initial_)
    Fail(source, entry, "'entry.to' must be the initial state " + lc.initial_);
  lc.entry_cause_ = RequireString(source, entry, "cause");

  const YAML::Node transitions = root["transitions"];
  if (!transitions || !transitions.IsSequence()) Fail(source, root, "'transitions' must be a list");
  for (const auto& t : transitions) {
    RequireMap(source, t, "a transition");
    LifecycleTransition tr{RequireString(source, t, "from"), RequireString(source, t, "to"),
                           RequireString(source, t, "cause")};
    if (!lc.IsKnown(tr.from)) Fail(source, t["from"], "unknown state '" + tr.from + "'");
    if (!lc.IsKnown(tr.to)) Fail(source, t["to"], "unknown state '" + tr.to + "'");
    if (lc.IsTerminal(tr.from)) Fail(source, t, "terminal state '" + tr.from + "' cannot have a transition");
    if (lc.Allows(tr.from, tr.to)) Fail(source, t, "transition " + tr.from + " -> " + tr.to + " is listed twice");
    lc.transitions_.push_back(std::move(tr));
  }
  if (const YAML::Node idem = root["idempotent"]) {
    if (!idem.IsSequence()) Fail(source, idem, "'idempotent' must be a list");
    for (const auto& i : idem) {
      RequireMap(source, i, "an idempotent entry");
      std::string state = RequireString(source, i, "state");
      if (!lc.IsKnown(state)) Fail(source, i["state"], "unknown state '" + state + "'");
      lc.idempotent_.emplace_back(std::move(state), RequireString(source, i, "cause"));
    }
  }
  return lc;
}

const Lifecycle& Lifecycle::Builtin() {
  static const Lifecycle builtin = Parse(spec_files::kLifecycleYaml, "spec/lifecycle.yaml");
  return builtin;
}

bool Lifecycle::IsKnown(std::string_view state) const {
  return std::find(states_.begin(), states_.end(), state) != states_.end();
}

bool Lifecycle::IsTerminal(std::string_view state) const {
  auto it = std::find(states_.begin(), states_.end(), state);
  return it != states_.end() && terminal_[it - states_.begin()];
}

const LifecycleTransition* Lifecycle::Find(std::string_view from, std::string_view to) const {
  for (const auto& t : transitions_)
    if (t.from == from && t.to == to) return &t;
  return nullptr;
}

bool Lifecycle::Allows(std::string_view from, std::string_view to) const { return Find(from, to) != nullptr; }

bool Lifecycle::Allows(std::string_view from, std::string_view to, std::string_view cause) const {
  const LifecycleTransition* t = Find(from, to);
  return t && t->cause == cause;
}

std::optional<std::string> Lifecycle::CauseOf(std::string_view from, std::string_view to) const {
  const LifecycleTransition* t = Find(from, to);
  return t ? std::optional<std::string>(t->cause) : std::nullopt;
}

bool Lifecycle::IsIdempotent(std::string_view state, std::string_view cause) const {
  for (const auto& [s, c] : idempotent_)
    if (s == state && c == cause) return true;
  return false;
}

}  // namespace purchase
