#include "engine/engine_faults.h"

#include <algorithm>

namespace purchase::engine {
namespace {

bool Matches(const EngineFaultRule& rule, std::string_view method, std::string_view path) {
  if (rule.method && *rule.method != method) return false;
  if (rule.path) {
    const std::string& p = *rule.path;
    if (!p.empty() && p.back() == '*') {
      if (path.substr(0, p.size() - 1) != std::string_view(p).substr(0, p.size() - 1)) return false;
    } else if (p != path) {
      return false;
    }
  }
  return true;
}

}  // namespace

EngineFaultRule EngineFaults::Add(EngineFaultRule rule) {
  rule.id = "fault-" + std::to_string(++added_);
  rules_.push_back(rule);
  return rule;
}

bool EngineFaults::Remove(std::string_view id) {
  auto it = std::find_if(rules_.begin(), rules_.end(), [&](const EngineFaultRule& r) { return r.id == id; });
  if (it == rules_.end()) return false;
  rules_.erase(it);
  return true;
}

size_t EngineFaults::Clear() {
  const size_t n = rules_.size();
  rules_.clear();
  return n;
}

void EngineFaults::Reset() {
  rules_.clear();
  added_ = 0;
}

EngineFaultRule* EngineFaults::Take(std::string_view method, std::string_view path, bool fulfillment) {
  for (auto& rule : rules_) {
    if (rule.IsFulfillment() != fulfillment || !Matches(rule, method, path)) continue;
    if (rule.remaining && *rule.remaining == 0) continue;  // spent: listed until deleted
    if (rule.remaining) --*rule.remaining;
    return &rule;
  }
  return nullptr;
}

std::optional<RequestFault> EngineFaults::TakeRequestFault(std::string_view method, std::string_view path) {
  const EngineFaultRule* rule = Take(method, path, false);
  if (!rule) return std::nullopt;
  return RequestFault{rule->status, rule->retry_after, rule->delay_ms.value_or(0), rule->drop_connection};
}

std::optional<OutcomeOverride> EngineFaults::TakeOutcome(std::string_view method, std::string_view path) {
  const EngineFaultRule* rule = Take(method, path, true);
  if (!rule) return std::nullopt;
  return OutcomeOverride{rule->outcome, rule->outcome_after};
}

}  // namespace purchase::engine
