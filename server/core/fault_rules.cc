#include "fault_rules.h"

namespace purchase {
namespace {

bool Matches(const FaultMatch& m, const RequestFacts& f) {
  return (!m.method || *m.method == f.method) && (!m.path || *m.path == f.path) &&
         (!m.asset_id || *m.asset_id == f.asset_id) && (!m.vendor_order_id || *m.vendor_order_id == f.vendor_order_id);
}

constexpr const char* kRegisterPath = "/purchase/register";

}  // namespace

FaultRule FaultBook::Add(FaultRule rule) {
  rule.id = ids_.FaultRuleId(next_id_++);
  rules_.push_back(rule);
  return rule;
}

std::optional<FaultRule> FaultBook::Remove(const std::string& id) {
  for (auto it = rules_.begin(); it != rules_.end(); ++it) {
    if (it->id == id) {
      FaultRule removed = *it;
      rules_.erase(it);
      return removed;
    }
  }
  return std::nullopt;
}

size_t FaultBook::Clear() {
  const size_t n = rules_.size();
  rules_.clear();
  return n;
}

void FaultBook::Reset() {
  rules_.clear();
  next_id_ = 1;
}

std::optional<FaultEffect> FaultBook::TakeRequestFault(const RequestFacts& facts) { return Take(facts, false); }

std::optional<FaultEffect> FaultBook::TakeFulfillmentFault(const RequestFacts& facts) {
  if (facts.method != "POST" || facts.path != kRegisterPath) return std::nullopt;
  return Take(facts, true);
}

std::optional<FaultEffect> FaultBook::Take(const RequestFacts& facts, bool fulfillment) {
  for (auto it = rules_.begin(); it != rules_.end(); ++it) {
    FaultRule& rule = *it;
    if (rule.effect.IsFulfillment() != fulfillment || !Matches(rule.match, facts)) continue;
    if (rule.remaining) {
      // fault-times-off-by-one: one more firing, below zero (shown as 0).
      if (*rule.remaining <= 0 && (*rule.remaining < 0 || !defects_.Has(Defect::kFaultTimesOffByOne))) continue;
      if (--*rule.remaining == 0 && defects_.Has(Defect::kExhaustedRuleVanishes)) {
        FaultEffect effect = std::move(rule.effect);
        rules_.erase(it);
        return effect;
      }
    }
    return rule.effect;
  }
  return std::nullopt;
}

}  // namespace purchase
