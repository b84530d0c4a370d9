#include "check/lifecycle_tracker.h"

#include <algorithm>
#include <deque>
#include <set>

#include <rapidjson/pointer.h>

#include "core/clock.h"  // purchase::ParseRfc3339
#include "core/lifecycle.h"
#include "exec/http_client.h"  // RawQueryOf
#include "http/request_decoding.h"  // purchase::http::PercentDecode

namespace conformance {

std::string LifecycleTracker::HistoryText(const std::vector<Seen>& seen) const {
  std::string out;
  for (const auto& s : seen) out += (out.empty() ? "" : " -> ") + s.state + " (" + s.where + ")";
  return out;
}

bool LifecycleTracker::Reachable(const std::string& from, const std::string& to) const {
  std::set<std::string> visited{from};
  std::deque<std::string> queue{from};
  while (!queue.empty()) {
    const std::string cur = queue.front();
    queue.pop_front();
    for (const auto& t : lifecycle_.transitions()) {
      if (t.from != cur || visited.count(t.to)) continue;
      if (t.to == to) return true;
      visited.insert(t.to);
      queue.push_back(t.to);
    }
  }
  return false;
}

std::optional<std::string> LifecycleTracker::Observe(const std::string& order_id, const std::string& state,
                                                     bool created, const std::string& where) {
  std::vector<Seen>& seen = orders_[order_id];
  if (seen.empty()) first_seen_.push_back(order_id);
  // Only the last state before this one is judged: polling one order makes a
  // long history, and copying it on every observation was quadratic.
  const bool first = seen.empty();
  const std::string last = first ? std::string() : seen.back().state;
  if (max_repeats_ > 0 && !first && !created && last == state) {
    size_t run = 0;
    for (auto it = seen.rbegin(); it != seen.rend() && it->state == state && run < max_repeats_; ++it) ++run;
    if (run >= max_repeats_) {  // the same answer again: the run is kept, its last step moves on
      seen.back().where = where;
      return std::nullopt;
    }
  }
  seen.push_back(Seen{state, where});
  // Failures name the order; built only for one, since most observations pass.
  auto prefix = [&order_id] { return "order " + order_id + ": "; };
  if (!lifecycle_.IsKnown(state)) {
    std::string states;
    for (const auto& s : lifecycle_.states()) states += (states.empty() ? "" : ", ") + s;
    return prefix() + "status '" + state + "' is not a state of spec/lifecycle.yaml (" + states + ")";
  }
  if (first) {
    if (created && !lifecycle_.IsEntryState(state)) {
      std::string entered;
      for (const auto& e : lifecycle_.entries()) entered += (entered.empty() ? "" : " or ") + e.to;
      return prefix() + "a new order must be " + entered + " (spec/lifecycle.yaml entry), got " + state;
    }
    return std::nullopt;
  }
  if (created)
    return prefix() + "a response created an order that was already seen; observed: " + HistoryText(seen);
  if (last == state) return std::nullopt;
  if (lifecycle_.IsTerminal(last) || !Reachable(last, state)) illegal_.emplace(order_id, std::make_pair(last, state));
  if (lifecycle_.IsTerminal(last))
    return prefix() + last + " is terminal in spec/lifecycle.yaml but changed to " + state + "; observed: " +
           HistoryText(seen);
  if (!Reachable(last, state))
    return prefix() + "spec/lifecycle.yaml allows no way from " + last + " to " + state + "; observed: " +
           HistoryText(seen);
  return std::nullopt;
}

void LifecycleTracker::Forget() {
  auto traces = Traces();
  forgotten_ = std::move(traces);
  orders_.clear();
  first_seen_.clear();
  illegal_.clear();
}

namespace {

// What follows an order's id in its key when it is another sandbox's.
std::string SandboxSuffix(std::string_view sandbox) {
  return sandbox.empty() ? std::string() : " (sandbox " + std::string(sandbox) + ")";
}

}  // namespace

void LifecycleTracker::ForgetSandbox(std::string_view sandbox) {
  const std::string suffix = SandboxSuffix(sandbox);
  // An order of another sandbox carries " (sandbox NAME)" last; one of the
  // scenario's own carries none.
  auto in_it = [&](const std::string& key) {
    const size_t at = key.rfind(" (sandbox ");
    if (suffix.empty()) return at == std::string::npos || key.back() != ')';
    return key.size() >= suffix.size() && key.compare(key.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  std::vector<std::string> kept;
  for (const auto& id : first_seen_) {
    if (!in_it(id)) {
      kept.push_back(id);
      continue;
    }
    forgotten_.push_back(TraceOf(id));
    orders_.erase(id);
    illegal_.erase(id);
  }
  first_seen_ = std::move(kept);
}

OrderTrace LifecycleTracker::TraceOf(const std::string& id) const {
  OrderTrace t;
  t.order_id = id;
  for (const auto& s : orders_.at(id)) {
    t.states.push_back(s.state);
    t.where.push_back(s.where);
  }
  if (auto it = illegal_.find(id); it != illegal_.end()) t.illegal = it->second;
  return t;
}

std::vector<OrderTrace> LifecycleTracker::Traces() const {
  std::vector<OrderTrace> out = forgotten_;
  for (const auto& id : first_seen_) out.push_back(TraceOf(id));
  return out;
}

namespace {

// The text of a scalar at `pointer` in `value` (a string, or a number such as
// a numeric status code), or nothing.
std::optional<std::string> ScalarAt(const rapidjson::Value& value, const std::string& pointer) {
  const rapidjson::Value* found = rapidjson::Pointer(pointer.c_str()).Get(value);
  if (!found) return std::nullopt;
  if (found->IsString()) return std::string(found->GetString(), found->GetStringLength());
  if (found->IsInt64()) return std::to_string(found->GetInt64());
  return std::nullopt;
}

// The decoded value of query parameter `name` in `url`, or nothing.
std::optional<std::string> QueryParameter(std::string_view url, std::string_view name) {
  for (const auto& [key, value] : RawQueryOf(url))
    if (purchase::http::PercentDecode(key) == std::string(name)) return purchase::http::PercentDecode(value);
  return std::nullopt;
}

}  // namespace

std::vector<std::string> LifecycleTracker::ObserveBody(const rapidjson::Value& body, bool created,
                                                       const std::string& where, std::string_view request_url,
                                                       std::string_view sandbox,
                                                       std::vector<SeenOrder>* seen) {
  std::vector<std::string> failures;
  if (!body.IsObject()) return failures;
  const std::string in_sandbox = SandboxSuffix(sandbox);
  // The lifecycle says where replies carry orders (its `observe` list).
  for (const auto& point : lifecycle_.observe()) {
    // An id unique only within a query parameter's value (a retailer's order
    // id, per client) names the order together with that value: two clients
    // reusing one id are two orders, as they are to the server.
    std::string scope;
    for (const std::string& name : point.scope_query)
      scope += (scope.empty() ? " (" : ", ") + name + " " + QueryParameter(request_url, name).value_or("absent");
    if (!scope.empty()) scope += ")";
    auto observe_one = [&](const rapidjson::Value& holder, bool creates) {
      const auto id = ScalarAt(holder, point.id);
      const auto state = ScalarAt(holder, point.state);
      if (!id || !state) return;
      if (seen) seen->push_back({*id, *state, *id + scope + in_sandbox});
      if (auto f = Observe(*id + scope + in_sandbox, lifecycle_.StateOfCode(*state), creates, where))
        failures.push_back(*f);
    };
    if (point.each.empty()) {
      observe_one(body, created);
      continue;
    }
    const rapidjson::Value* list = rapidjson::Pointer(point.each.c_str()).Get(body);
    if (list && list->IsArray())
      for (const auto& element : list->GetArray()) observe_one(element, false);
  }
  // The control API's reported history (the same shape on every API).
  auto id = body.FindMember("order_id");
  auto history = body.FindMember("history");
  if (id != body.MemberEnd() && id->value.IsString() && history != body.MemberEnd() && history->value.IsArray()) {
    auto more = CheckReportedHistory(id->value.GetString() + in_sandbox, body);
    failures.insert(failures.end(), more.begin(), more.end());
  }
  return failures;
}

std::vector<std::string> LifecycleTracker::CheckReportedHistory(const std::string& order_id,
                                                                const rapidjson::Value& body) {
  std::vector<std::string> failures;
  auto prefix = [&order_id] { return "order " + order_id + ": reported history "; };
  const auto& history = body["history"].GetArray();
  std::string prev_to;
  std::optional<purchase::Millis> prev_at;
  std::set<std::string> states_in_history;
  int index = 0;
  for (const auto& entry : history) {
    const std::string at_entry = "entry " + std::to_string(index++);
    if (!entry.IsObject() || !entry.HasMember("to") || !entry["to"].IsString()) {
      failures.push_back(prefix() + at_entry + " has no 'to' state");
      return failures;
    }
    const std::string to = entry["to"].GetString();
    const bool has_from = entry.HasMember("from") && entry["from"].IsString();
    const std::string from = has_from ? entry["from"].GetString() : "";
    const std::string cause = entry.HasMember("cause") && entry["cause"].IsString() ? entry["cause"].GetString() : "";
    states_in_history.insert(to);
    if (index == 1) {
      const bool entry_ok = check_causes_ ? lifecycle_.EntryState(cause) == to : lifecycle_.IsEntryState(to);
      if (has_from || !entry_ok) {
        std::string entries;
        for (const auto& e : lifecycle_.entries())
          entries += (entries.empty() ? "" : " or ") + ("null -> " + e.to + " (cause " + e.cause + ")");
        failures.push_back(prefix() + "must start with " + entries + ", starts with " + (has_from ? from : "null") +
                           " -> " + to + " (cause " + cause + ")");
      }
    } else {
      if (from != prev_to)
        failures.push_back(prefix() + at_entry + " starts from " + (has_from ? from : "null") +
                           " but the previous entry ended in " + prev_to);
      if (!lifecycle_.Allows(from, to)) {
        failures.push_back(prefix() + at_entry + ": " + from + " -> " + to + " is not a transition of spec/lifecycle.yaml");
      } else if (auto expected = lifecycle_.CauseOf(from, to); check_causes_ && expected && *expected != cause) {
        failures.push_back(prefix() + at_entry + ": " + from + " -> " + to + " has cause '" + cause +
                           "' but spec/lifecycle.yaml says '" + *expected + "'");
      }
    }
    if (entry.HasMember("at") && entry["at"].IsString()) {
      const auto at = purchase::ParseRfc3339(entry["at"].GetString());
      if (!at) {
        failures.push_back(prefix() + at_entry + ": 'at' is not an RFC 3339 instant");
      } else {
        if (prev_at && *at < *prev_at) failures.push_back(prefix() + at_entry + " goes back in time");
        prev_at = at;
      }
    }
    prev_to = to;
  }
  if (body.HasMember("status") && body["status"].IsString() && prev_to != body["status"].GetString())
    failures.push_back(prefix() + "ends in " + prev_to + " but the order's status is " + body["status"].GetString());
  // Every status the scenario saw must be in the server's own account.
  for (const auto& seen : orders_[order_id])
    if (!states_in_history.count(seen.state))
      failures.push_back(prefix() + "never shows " + seen.state + ", which was observed at " + seen.where);
  return failures;
}

}  // namespace conformance
