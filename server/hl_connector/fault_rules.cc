#include "fault_rules.h"

namespace purchase {
namespace {

bool Matches(const FaultMatch& m, const RequestFacts& f) {
  return (!m.method || *m.method == f.method) && (!m.path || *m.path == f.path) &&
         (!m.asset_id || *m.asset_id == f.asset_id) && (!m.vendor_order_id || *m.vendor_order_id == f.vendor_order_id);
}

constexpr const char* kRegisterPath = "/purchase/register";

// The contract's counting, or what the fault-rule defects make of it.
engine::RuleCounting Counting(Defects defects) {
  engine::RuleCounting counting;
  // fault-times-off-by-one: one more firing, below zero (shown as 0 by PurchaseService).
  if (defects.Has(Defect::kFaultTimesOffByOne)) counting.floor = -1;
  counting.drop_exhausted = defects.Has(Defect::kExhaustedRuleVanishes);
  return counting;
}

}  // namespace

FaultBook::FaultBook(const IdGenerator& ids, Defects defects) : ids_(ids), book_(Counting(defects)) {}

FaultRule FaultBook::Add(FaultRule rule) {
  return book_.Add(std::move(rule), [this](uint64_t n) { return ids_.FaultRuleId(n); });
}

std::optional<FaultRule> FaultBook::Remove(const std::string& id) { return book_.Remove(id); }

size_t FaultBook::Clear() { return book_.Clear(); }

void FaultBook::Reset() { book_.Reset(); }

std::optional<FaultEffect> FaultBook::TakeRequestFault(const RequestFacts& facts) { return Take(facts, false); }

std::optional<FaultEffect> FaultBook::TakeFulfillmentFault(const RequestFacts& facts) {
  if (facts.method != "POST" || facts.path != kRegisterPath) return std::nullopt;
  return Take(facts, true);
}

std::optional<FaultEffect> FaultBook::Take(const RequestFacts& facts, bool fulfillment) {
  std::optional<FaultRule> fired = book_.Take(
      [&](const FaultRule& rule) { return rule.effect.IsFulfillment() == fulfillment && Matches(rule.match, facts); });
  if (!fired) return std::nullopt;
  return std::move(fired->effect);
}

}  // namespace purchase
