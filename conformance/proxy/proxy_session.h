// ProxySession: what `conformance proxy` saw, kept for the end of the
// session: every exchange with its verdict, grouped into client flows, so
// that the reports (--report, as `run` writes them) and the recording
// (--record, a scenario suite `run` replays) read one account of it.
//
// A flow is what one client did for one order: every exchange that names the
// order (a path segment or query value equal to its id) or shows it (an
// observed order in the answer), and before them the exchanges of the same
// client (sandbox and credentials) that named no order yet (a validation, a
// catalog read). Exchanges of a client that never reach an order form one
// flow of their own. Plain data and pure functions: no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "check/lifecycle_tracker.h"  // SeenOrder
#include "check/order_trace.h"
#include "report/result.h"

namespace conformance {

struct ProxiedExchange {
  uint64_t seq = 0;         // from 1, in the order the answers arrived
  int64_t at_ms = 0;        // wall time since the session started, when answered
  std::string sandbox;      // "" for the default sandbox
  std::string client;       // the credentials sent (Authorization, else the API-key header's value); "" for none
  std::string path;         // below any /_sandbox/NAME prefix, without the query
  std::string raw_query;    // as sent, without '?'
  Exchange exchange;        // method, full URL as forwarded, headers and bodies both ways, status, time
  bool dropped = false;     // the upstream closed without answering
  std::vector<std::string> client_violations;
  std::vector<std::string> service_violations;
  // The orders the answer carried (the lifecycle's observe points).
  std::vector<SeenOrder> orders_shown;
  // The sandbox whose orders this exchange made the target forget (a reset,
  // a deleted sandbox): its ids may come again, as other orders.
  std::optional<std::string> forgets_sandbox;
};

struct ClientFlow {
  std::string name;  // "order <id>" (with ", sandbox S" when not the default), or "client N, no order"
  std::string sandbox;
  std::string client;
  std::string order_id;                 // "" for a flow without an order
  std::string order_trace;              // the order's name among the lifecycle tracker's traces
  std::vector<ProxiedExchange> exchanges;  // in the order answered
};

// The values a request names, in order: each path segment and each query
// value, percent-decoded. (An order is named by its id among them.)
std::vector<std::string> ValuesNamed(std::string_view path, std::string_view raw_query);

// Groups exchanges (in seq order) into flows, as the header says. The flows
// come in the order of their first exchange.
std::vector<ClientFlow> GroupIntoFlows(const std::vector<ProxiedExchange>& exchanges);

// The session as a run's result: one scenario per flow, one step per
// exchange; a violation is a failure of its step, named by side ("client:",
// "service:") with the rules it breaks, as `ledger` words them (ids alone
// without one). `orders` are the lifecycle's traces, attached to the flow of
// their order. Every reporter of `run` reads it as it reads a run.
RunResult SessionAsRun(const std::vector<ClientFlow>& flows, const std::vector<OrderTrace>& orders,
                       const std::string& upstream, std::chrono::system_clock::time_point started_at,
                       int64_t duration_ms, const RuleLedger* ledger = nullptr);

}  // namespace conformance
