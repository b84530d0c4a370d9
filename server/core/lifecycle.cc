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
    if (const YAML::Node code = entry.second["code"]) {
      if (!code.IsScalar()) Fail(source, code, "'code' must be a scalar (how replies spell the state)");
      for (const auto& [other, spelled] : lc.codes_)
        if (spelled == code.Scalar()) Fail(source, code, "code '" + spelled + "' is also state " + other + "'s");
      lc.codes_.emplace_back(name, code.Scalar());
    }
    if (initial && initial.Scalar() == "true") {
      if (!lc.initial_.empty()) Fail(source, entry.first, "two initial states");
      lc.initial_ = name;
    }
  }
  if (lc.initial_.empty()) Fail(source, states, "no state is marked 'initial: true'");

  // `entry` is one {to, cause} into the initial state, or a list of them
  // whose first goes into the initial state: an API may create an order
  // straight into another state (a purchase on a paid tab is completed at once).
  const YAML::Node entry = root["entry"];
  if (!entry || !(entry.IsMap() || (entry.IsSequence() && entry.size() > 0)))
    Fail(source, root, "missing 'entry' (the transition into the initial state, or a list of entries)");
  std::vector<YAML::Node> entries;
  if (entry.IsMap())
    entries.push_back(entry);
  else
    for (const auto& e : entry) entries.push_back(e);
  for (const YAML::Node& e : entries) {
    RequireMap(source, e, "an entry");
    LifecycleTransition tr{"", RequireString(source, e, "to"), RequireString(source, e, "cause")};
    if (!lc.IsKnown(tr.to)) Fail(source, e["to"], "unknown state '" + tr.to + "'");
    if (lc.entries_.empty() && tr.to != lc.initial_)
      Fail(source, e, "'entry.to' must be the initial state " + lc.initial_);
    for (const auto& other : lc.entries_)
      if (other.cause == tr.cause) Fail(source, e["cause"], "entry cause '" + tr.cause + "' is listed twice");
    lc.entries_.push_back(std::move(tr));
  }
  lc.entry_cause_ = lc.entries_.front().cause;

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
    // The engine finds where a cause leads from the state it is applied in.
    if (lc.TargetOf(tr.from, tr.cause))
      Fail(source, t["cause"], "cause '" + tr.cause + "' already leads from " + tr.from + " to " +
                                   *lc.TargetOf(tr.from, tr.cause));
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
  if (const YAML::Node observe = root["observe"]) {
    if (!observe.IsSequence()) Fail(source, observe, "'observe' must be a list of {id, state[, each][, scope]}");
    for (const auto& o : observe) {
      RequireMap(source, o, "an observe entry");
      LifecycleObservePoint point{o["each"] ? RequireString(source, o, "each") : "", RequireString(source, o, "id"),
                                  RequireString(source, o, "state")};
      for (const std::string* pointer : {&point.each, &point.id, &point.state})
        if (!pointer->empty() && (*pointer)[0] != '/')
          Fail(source, o, "'" + *pointer + "' must be a JSON pointer (\"/member\")");
      if (const YAML::Node scope = o["scope"]) {
        RequireMap(source, scope, "an observe entry's scope ({query: [NAME, ...]})");
        const YAML::Node query = scope["query"];
        if (!query || !query.IsSequence() || query.size() == 0)
          Fail(source, query ? query : scope, "a scope's 'query' must be a list of query parameter names");
        for (const auto& name : query) {
          if (!name.IsScalar() || name.Scalar().empty()) Fail(source, name, "a query parameter name must be a string");
          point.scope_query.push_back(name.Scalar());
        }
      }
      lc.observe_.push_back(std::move(point));
    }
  } else {
    lc.observe_.push_back(LifecycleObservePoint{"", "/order_id", "/status"});
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

std::optional<std::string> Lifecycle::TargetOf(std::string_view from, std::string_view cause) const {
  for (const auto& t : transitions_)
    if (t.from == from && t.cause == cause) return t.to;
  return std::nullopt;
}

std::optional<std::string> Lifecycle::EntryState(std::string_view cause) const {
  for (const auto& e : entries_)
    if (e.cause == cause) return e.to;
  return std::nullopt;
}

bool Lifecycle::IsEntryState(std::string_view state) const {
  for (const auto& e : entries_)
    if (e.to == state) return true;
  return false;
}

std::string Lifecycle::StateOfCode(std::string_view spelled) const {
  for (const auto& [state, code] : codes_)
    if (code == spelled) return state;
  return std::string(spelled);
}

std::string Lifecycle::CodeOf(std::string_view state) const {
  for (const auto& [name, code] : codes_)
    if (name == state) return code;
  return std::string(state);
}

bool Lifecycle::IsIdempotent(std::string_view state, std::string_view cause) const {
  for (const auto& [s, c] : idempotent_)
    if (s == state && c == cause) return true;
  return false;
}

}  // namespace purchase
