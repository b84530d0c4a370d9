#include "engine/engine_faults.h"

#include <string>

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
  return book_.Add(std::move(rule), [](uint64_t n) { return "fault-" + std::to_string(n); });
}

std::optional<EngineFaultRule> EngineFaults::Remove(std::string_view id) { return book_.Remove(id); }

size_t EngineFaults::Clear() { return book_.Clear(); }

void EngineFaults::Reset() { book_.Reset(); }

std::optional<EngineFaultRule> EngineFaults::Take(std::string_view method, std::string_view path, bool fulfillment) {
  return book_.Take(
      [&](const EngineFaultRule& rule) { return rule.IsFulfillment() == fulfillment && Matches(rule, method, path); });
}

std::optional<RequestFault> EngineFaults::TakeRequestFault(std::string_view method, std::string_view path) {
  const std::optional<EngineFaultRule> rule = Take(method, path, false);
  if (!rule) return std::nullopt;
  return RequestFault{rule->status, rule->retry_after, rule->delay_ms.value_or(0), rule->drop_connection};
}

std::optional<OutcomeOverride> EngineFaults::TakeOutcome(std::string_view method, std::string_view path) {
  const std::optional<EngineFaultRule> rule = Take(method, path, true);
  if (!rule) return std::nullopt;
  return OutcomeOverride{rule->outcome, rule->outcome_after};
}

}  // namespace purchase::engine
