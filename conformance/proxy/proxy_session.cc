#include "proxy/proxy_session.h"

#include <algorithm>
#include <map>
#include <set>

#include "http/valid_text.h"  // DecodeQueryText, PercentDecode

namespace conformance {
namespace {

std::string FlowKey(const std::string& sandbox, const std::string& id) { return sandbox + '\n' + id; }

// "[RULE-1, RULE-2] message" (how the proxy names the rules a service answer
// breaks) split into the ids and the message.
std::pair<std::vector<std::string>, std::string> SplitRules(const std::string& violation) {
  if (violation.empty() || violation[0] != '[') return {{}, violation};
  const size_t close = violation.find("] ");
  if (close == std::string::npos) return {{}, violation};
  std::vector<std::string> ids;
  const std::string list = violation.substr(1, close - 1);
  for (size_t start = 0; start < list.size();) {
    size_t end = list.find(", ", start);
    if (end == std::string::npos) end = list.size();
    ids.push_back(list.substr(start, end - start));
    start = end + 2;
  }
  return {ids, violation.substr(close + 2)};
}

}  // namespace

std::vector<std::string> ValuesNamed(std::string_view path, std::string_view raw_query) {
  std::vector<std::string> named;
  for (size_t start = 1; start <= path.size();) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    const std::string_view segment = path.substr(start, end - start);
    if (!segment.empty()) named.push_back(purchase::http::PercentDecode(segment).value_or(std::string(segment)));
    start = end + 1;
  }
  if (const auto query = purchase::http::DecodeQueryText(purchase::http::SplitRawQuery(raw_query)); query.ok())
    for (const auto& [name, value] : query.value()) named.push_back(value);
  return named;
}

std::vector<ClientFlow> GroupIntoFlows(const std::vector<ProxiedExchange>& exchanges) {
  std::vector<ClientFlow> flows;
  std::map<std::string, size_t> flow_of_order;                     // sandbox \n order id -> flow
  std::map<std::string, std::vector<ProxiedExchange>> pending;     // sandbox \n client -> exchanges naming no order yet
  std::map<std::string, int> client_number;                        // sandbox \n client -> N, by first appearance
  std::map<std::string, std::string> known;  // sandbox \n order id -> its trace's name, every order shown so far

  for (const ProxiedExchange& e : exchanges) {
    const std::string client_key = FlowKey(e.sandbox, e.client);
    client_number.emplace(client_key, static_cast<int>(client_number.size()) + 1);
    for (const SeenOrder& o : e.orders_shown) known.emplace(FlowKey(e.sandbox, o.id), o.trace);
    // The order it belongs to: the first its answer shows, else the first
    // known order the request names.
    std::string order = e.orders_shown.empty() ? "" : e.orders_shown.front().id;
    if (order.empty())
      for (const std::string& value : ValuesNamed(e.path, e.raw_query))
        if (known.count(FlowKey(e.sandbox, value))) {
          order = value;
          break;
        }
    if (e.forgets_sandbox) {
      const std::string prefix = FlowKey(*e.forgets_sandbox, "");
      auto forget = [&](auto& map) {
        for (auto it = map.lower_bound(prefix); it != map.end() && it->first.compare(0, prefix.size(), prefix) == 0;)
          it = map.erase(it);
      };
      forget(flow_of_order);
      forget(known);
    }
    if (order.empty()) {
      pending[client_key].push_back(e);
      continue;
    }
    auto [it, added] = flow_of_order.emplace(FlowKey(e.sandbox, order), flows.size());
    if (added) {
      ClientFlow flow;
      flow.name = "order " + order + (e.sandbox.empty() ? "" : ", sandbox " + e.sandbox);
      flow.sandbox = e.sandbox;
      flow.client = e.client;
      flow.order_id = order;
      flow.order_trace = known[FlowKey(e.sandbox, order)];
      // What the client did before its order existed (a validation) leads up to it.
      if (auto before = pending.find(client_key); before != pending.end()) {
        flow.exchanges = std::move(before->second);
        pending.erase(before);
      }
      flows.push_back(std::move(flow));
    }
    flows[it->second].exchanges.push_back(e);
  }
  for (auto& [key, left] : pending) {
    ClientFlow flow;
    flow.sandbox = left.front().sandbox;
    flow.client = left.front().client;
    flow.name = "client " + std::to_string(client_number[key]) + ", no order" +
                (flow.sandbox.empty() ? "" : ", sandbox " + flow.sandbox);
    flow.exchanges = std::move(left);
    flows.push_back(std::move(flow));
  }
  std::stable_sort(flows.begin(), flows.end(), [](const ClientFlow& a, const ClientFlow& b) {
    return a.exchanges.front().seq < b.exchanges.front().seq;
  });
  return flows;
}

RunResult SessionAsRun(const std::vector<ClientFlow>& flows, const std::vector<OrderTrace>& orders,
                       const std::string& upstream, std::chrono::system_clock::time_point started_at,
                       int64_t duration_ms, const RuleLedger* ledger) {
  RunResult run;
  run.target = upstream;
  run.started_at = started_at;
  run.duration_ms = duration_ms;
  std::set<size_t> taken;  // traces given to a flow
  for (const ClientFlow& flow : flows) {
    ScenarioResult s;
    s.id = flow.name;
    s.file = "proxy/" + flow.name;  // JUnit: one testsuite, "proxy"
    s.description = "What a client" + std::string(flow.client.empty() ? " without credentials" : "") + " did" +
                    (flow.order_id.empty() ? ", reaching no order" : " for order " + flow.order_id) + ", as " +
                    upstream + " answered it";
    s.tags = {flow.order_id.empty() ? "no-order" : "order"};
    s.step_count = flow.exchanges.size();
    for (const ProxiedExchange& e : flow.exchanges) {
      StepResult step;
      step.name = "#" + std::to_string(e.seq) + " " + e.exchange.method + " " + e.path +
                  (e.raw_query.empty() ? "" : "?" + e.raw_query) + " -> " +
                  (e.dropped ? std::string("closed without answering") : std::to_string(e.exchange.status));
      for (const auto& [side, violations] : {std::pair{"client", &e.client_violations}, {"service", &e.service_violations}})
        for (const std::string& v : *violations) {
          // Only the service's carry ledger rules; a client's "[id]" names
          // an obligation, which stays in its message.
          auto [ids, message] = std::string(side) == "service" ? SplitRules(v) : std::pair{std::vector<std::string>{}, v};
          Failure f;
          f.where.file = "exchange #" + std::to_string(e.seq);
          f.message = std::string(side) + ": " + message;
          f.rules = RuleRefs(ledger, ids);
          step.failures.push_back(std::move(f));
        }
      step.outcome = step.failures.empty() ? Outcome::kPassed : Outcome::kFailed;
      if (step.outcome == Outcome::kFailed) s.outcome = Outcome::kFailed;
      step.exchanges.push_back(e.exchange);
      s.steps.push_back(std::move(step));
    }
    s.duration_ms = flow.exchanges.back().at_ms - flow.exchanges.front().at_ms;
    // Traces come in the order first seen, as flows do: each flow takes the
    // first of its name no earlier flow took (a reset lets an id come again).
    for (size_t i = 0; i < orders.size(); ++i)
      if (!flow.order_trace.empty() && orders[i].order_id == flow.order_trace && !taken.count(i)) {
        s.orders.push_back(orders[i]);
        taken.insert(i);
        break;
      }
    run.scenarios.push_back(std::move(s));
  }
  return run;
}

}  // namespace conformance
