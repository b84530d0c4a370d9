// Fault rules: the failures of the real service, on demand.
//
// A rule is either a request rule (answer with a status, answer late, or drop
// the connection after handling) or a fulfillment rule (make the orders
// registered while it is active fail, or settle after another delay). The two
// kinds are matched independently: a request gets at most one request rule
// (the oldest that matches) and a register that creates an order gets at most
// one fulfillment rule (the oldest that matches). `times` counts requests for
// request rules and created orders for fulfillment rules. The list, its ids
// and how rules are spent are engine::RuleBook's, shared with every profile's
// rules (engine/engine_faults.h); what a rule matches is this file's.
// Not thread-safe on its own: PurchaseService holds it under its lock.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "defects.h"
#include "engine/rule_book.h"
#include "core/id_generator.h"

namespace purchase {

struct FaultMatch {
  std::optional<std::string> method, path, asset_id, vendor_order_id;
};

struct FaultEffect {
  std::optional<int> status;
  std::optional<int64_t> retry_after;  // seconds
  std::optional<int64_t> delay_ms;
  bool drop_connection = false;
  std::optional<bool> fulfillment_fails;  // "fail" -> true, "complete" -> false
  std::optional<std::string> reason;
  std::optional<Millis> fulfillment_delay;
  // The order is canceled this long after it completes (cause vendor_cancel,
  // as if the vendor's back office did it): a drill for clients that must
  // treat CANCELED as revoked access.
  std::optional<Millis> cancel_after;

  bool IsFulfillment() const { return fulfillment_fails || reason || fulfillment_delay || cancel_after; }
};

struct FaultRule {
  std::string id;
  FaultMatch match;
  FaultEffect effect;
  std::optional<int64_t> remaining;  // nullopt: fires every time
};

// What the HTTP layer knows of a request when it asks for faults. Method and
// path are views: they come from the request being handled (or literals),
// and facts live no longer than the call that handles it.
struct RequestFacts {
  std::string_view method;
  std::string_view path;
  std::string asset_id;         // body or the order's asset, when known
  std::string vendor_order_id;  // body or the order's, when known
};

class FaultBook {
 public:
  // `ids` names the rules (and must outlive the book); `defects` may break how
  // rules count (fault-times-off-by-one, exhausted-rule-vanishes).
  explicit FaultBook(const IdGenerator& ids, Defects defects = {});

  // Stores a rule (validated by the caller: http/request_decoding.cc); returns it with its id.
  FaultRule Add(FaultRule rule);
  const std::vector<FaultRule>& rules() const { return book_.rules(); }
  std::optional<FaultRule> Remove(const std::string& id);
  size_t Clear();
  void Reset();

  // The oldest request rule matching `facts`, counted as fired.
  std::optional<FaultEffect> TakeRequestFault(const RequestFacts& facts);
  // The oldest fulfillment rule matching a register request, counted as fired.
  std::optional<FaultEffect> TakeFulfillmentFault(const RequestFacts& facts);

 private:
  std::optional<FaultEffect> Take(const RequestFacts& facts, bool fulfillment);
  const IdGenerator& ids_;
  engine::RuleBook<FaultRule> book_;
};

}  // namespace purchase
