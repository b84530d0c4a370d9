// EngineFaults: the fault rules of every profile (spec/control.yaml,
// FaultRuleRequest). A request rule answers matching requests with a status
// (and Retry-After), answers late, or drops the connection; a fulfillment
// rule changes what happens to the orders that matching requests create (an
// outcome cause instead of the profile's usual one, after another delay).
// A request gets at most one rule of each kind, the oldest that matches;
// `times` counts the times a rule fired; a spent rule stays listed with
// remaining 0 until deleted. The list, its ids and that counting are
// RuleBook's (engine/rule_book.h), shared with the HL Connector's rules; the
// matching (exact method, exact or '*'-prefix path) is this file's.
// Never applies to /_control.
// Not thread-safe: ProfileHost holds it under its lock.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "engine/rule_book.h"

namespace purchase::engine {

struct EngineFaultRule {
  std::string id;                     // "fault-1", "fault-2"... since the start or a reset
  std::optional<std::string> method;  // match: exact
  std::optional<std::string> path;    // match: exact, or a prefix when it ends in '*'
  // Request rule:
  std::optional<int> status;
  std::optional<int64_t> retry_after;  // seconds
  std::optional<int64_t> delay_ms;
  bool drop_connection = false;
  // Fulfillment rule:
  std::optional<std::string> outcome;   // a cause of the lifecycle
  std::optional<Millis> outcome_after;  // instead of the profile's delay
  std::optional<int64_t> remaining;     // nullopt: unlimited
  bool IsFulfillment() const { return outcome || outcome_after; }
};

struct RequestFault {
  std::optional<int> status;
  std::optional<int64_t> retry_after;
  int64_t delay_ms = 0;
  bool drop_connection = false;
};

struct OutcomeOverride {
  std::optional<std::string> cause;
  std::optional<Millis> after;
};

class EngineFaults {
 public:
  EngineFaultRule Add(EngineFaultRule rule);  // assigns the id
  const std::vector<EngineFaultRule>& rules() const { return book_.rules(); }
  // Removes the rule called `id` and returns it as it was; nullopt if none is.
  std::optional<EngineFaultRule> Remove(std::string_view id);
  size_t Clear();
  void Reset();  // no rules, ids start again
  std::optional<RequestFault> TakeRequestFault(std::string_view method, std::string_view path);
  std::optional<OutcomeOverride> TakeOutcome(std::string_view method, std::string_view path);

 private:
  std::optional<EngineFaultRule> Take(std::string_view method, std::string_view path, bool fulfillment);
  RuleBook<EngineFaultRule> book_;  // the contract's counting: no deliberate defect touches it
};

}  // namespace purchase::engine
