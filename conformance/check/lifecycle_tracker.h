// Tracks every order a scenario sees (by order_id) and every status observed
// for it, and judges each change against spec/lifecycle.yaml through
// purchase::Lifecycle: the new status must be reachable from the last one
// (states seen between two polls may be skipped), a terminal status never
// changes, and an order a response just created is in the entry state.
// Histories reported by the control API are checked transition by transition.
//
// One tracker per scenario run; not thread-safe.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/document.h>

#include "check/order_trace.h"

namespace purchase {
class Lifecycle;
}

namespace conformance {

// An order found in a reply: its id and state as the body has them, and its
// name among the tracker's traces (the id with its scope and sandbox).
struct SeenOrder {
  std::string id;
  std::string state;
  std::string trace;
};

class LifecycleTracker {
 public:
  explicit LifecycleTracker(const purchase::Lifecycle& lifecycle) : lifecycle_(lifecycle) {}

  // Records that `order_id` was seen in `state`; `where` describes the step.
  // `created` says the response created the order (a 201). Returns a failure
  // message naming the order and its observed history if the spec forbids it.
  std::optional<std::string> Observe(const std::string& order_id, const std::string& state, bool created,
                                     const std::string& where);

  // Finds the orders in a response body (at the lifecycle's observe points,
  // or a reported "history") and judges them. `request_url` is the URL the
  // reply answered: an observe point with a scope names an order by its id
  // within the value of a query parameter of it. `sandbox` is the sandbox
  // the request went to ("" for the scenario's own): ids are unique only
  // within a sandbox, so orders of two sandboxes are two orders even with one
  // id, shown as "<id> (sandbox NAME)". Returns failures. `seen`, if given,
  // gets each order found: its id as the body has it, its name in
  // Traces() (the id with its scope and sandbox), and its state.
  std::vector<std::string> ObserveBody(const rapidjson::Value& body, bool created, const std::string& where,
                                       std::string_view request_url = {}, std::string_view sandbox = {},
                                       std::vector<SeenOrder>* seen = nullptr);

  // Forgets every order (the target was reset and may reuse ids); their
  // traces are kept for Traces().
  void Forget();
  // Forgets the orders of one sandbox ("" for the scenario's own): a reset
  // there leaves the other sandboxes' orders as they were.
  void ForgetSandbox(std::string_view sandbox);

  // Every order seen, in the order first seen (those before a Forget too).
  std::vector<OrderTrace> Traces() const;

  // Whether a reported history's causes must be spec/lifecycle.yaml's names
  // (the default). The contract asks only that each transition has a cause
  // (issue 2: "every transition with from, to, instant and cause"); the names
  // are the reference server's, so the runner checks them only with
  // --strict-reference. Off, the first entry must still come from null into
  // an entry state, and every later one be an allowed transition.
  void set_check_causes(bool check) { check_causes_ = check; }

  // Keeps at most `n` observations in a row of one state per order (0: all,
  // the default): a long-lived judge (conformance proxy) sees a client poll
  // one order without end, and its memory must not grow with every poll.
  // The last kept observation then names the latest step.
  void set_max_repeats(size_t n) { max_repeats_ = n; }

 private:
  struct Seen {
    std::string state;
    std::string where;
  };
  std::string HistoryText(const std::vector<Seen>& seen) const;
  OrderTrace TraceOf(const std::string& id) const;  // of an order still tracked
  bool Reachable(const std::string& from, const std::string& to) const;
  std::vector<std::string> CheckReportedHistory(const std::string& order_id, const rapidjson::Value& body);

  const purchase::Lifecycle& lifecycle_;
  std::map<std::string, std::vector<Seen>> orders_;
  std::vector<std::string> first_seen_;  // order ids, in the order first seen
  std::map<std::string, std::pair<std::string, std::string>> illegal_;  // order id -> the first forbidden change
  std::vector<OrderTrace> forgotten_;
  bool check_causes_ = true;
  size_t max_repeats_ = 0;
};

}  // namespace conformance
