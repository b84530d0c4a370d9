#include "coverage/coverage.h"

#include <fnmatch.h>

#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "check/scenario_paths.h"
#include "core/yaml_document.h"

namespace conformance {
namespace {

// What a lifecycle cause looks like in a scenario: the one place where the
// analysis knows the API's verbs (causes not listed here are never seen).
enum class Driver { kNone, kRegister, kTime, kCancel };

Driver DriverOf(const std::string& cause) {
  if (cause == "register") return Driver::kRegister;
  if (cause == "vendor_cancel") return Driver::kCancel;
  if (cause.rfind("fulfillment_", 0) == 0) return Driver::kTime;  // the clock reaching the due instant
  return Driver::kNone;
}

std::string ResponseRuleId(const std::string& method, const std::string& path, const std::string& key,
                           const std::string& code) {
  return method + " " + path + " " + key + (code.empty() ? "" : " " + code);
}

std::string TransitionId(const std::string& from, const std::string& to, const std::string& cause) {
  return "lifecycle " + from + " -> " + to + " (" + cause + ")";
}
std::string EntryId(const std::string& to, const std::string& cause) {
  return "lifecycle entry -> " + to + " (" + cause + ")";
}
std::string EntryId(const purchase::Lifecycle& l) { return EntryId(l.initial_state(), l.entry_cause()); }
std::string IdempotentId(const std::string& state, const std::string& cause) {
  return "lifecycle " + state + " -> " + state + " (" + cause + ", idempotent)";
}
std::string ForbiddenId(const std::string& from, const std::string& to) {
  return "lifecycle forbidden " + from + " -> " + to;
}

// The variable a template is exactly, or starts with: "${a}" / "${a}rest" -> "a".
std::string LeadingVariable(const std::string& text) {
  if (text.rfind("${", 0) != 0) return "";
  const size_t close = text.find('}');
  return close == std::string::npos ? "" : text.substr(2, close - 2);
}

class ScenarioAnalysis {
 public:
  ScenarioAnalysis(const Scenario& scenario, const OpenApiSpec& spec, const purchase::Lifecycle& lifecycle,
                   const std::map<std::string, OpenApiSpec::Operation>& operations,
                   std::function<void(const std::string& rule)> cover, std::vector<std::string>* unattributed)
      : scenario_(scenario), spec_(spec), lifecycle_(lifecycle), operations_(operations), cover_(std::move(cover)),
        unattributed_(unattributed), generic_(spec.FindOperation("POST", "/purchase/register").empty()) {}

  void Run() {
    for (const auto& [name, value] : scenario_.vars) Assign(name, value);
    for (const Step& step : scenario_.steps) {
      if (step.kind == Step::Kind::kSet) {
        for (const auto& [name, value] : step.assignments) Assign(name, value);
      } else {
        Request(step);
      }
    }
  }

 private:
  struct Order {
    std::string state;         // "" until a step expects one
    std::set<Driver> drivers;  // what happened to it since that expectation
  };

  // `set:`, `vars:` and the parameters of an include: text is kept so that
  // later templates resolve; an exact reference aliases what it refers to.
  void Assign(const std::string& name, const TemplateValue& value) {
    // Resolved now, as the runner assigns it: `with: {a: "${a}"}` keeps a's value.
    texts_[name] = Resolve(value.text);
    if (value.kind != TemplateValue::Kind::kString) return;
    const std::string v = LeadingVariable(value.text);
    if (v.empty()) return;
    if (value.text == "${" + v + "}" && order_vars_.count(v)) order_vars_[name] = order_vars_[v];
    if (url_paths_.count(v)) {
      url_paths_[name] = url_paths_[v];
      if (url_orders_.count(v)) url_orders_[name] = url_orders_[v];
    }
  }

  // Replaces ${v} by what `set:` gave v, as far as it is known.
  std::string Resolve(const std::string& text, int depth = 0) const {
    if (depth > 8) return text;
    std::string out;
    for (size_t i = 0; i < text.size();) {
      if (text.compare(i, 3, "$${") == 0) {
        out += "$${";
        i += 3;
        continue;
      }
      if (text.compare(i, 2, "${") == 0) {
        const size_t close = text.find('}', i);
        if (close != std::string::npos) {
          const std::string name = text.substr(i + 2, close - i - 2);
          auto it = texts_.find(name);
          out += it != texts_.end() ? Resolve(it->second, depth + 1) : text.substr(i, close + 1 - i);
          i = close + 1;
          continue;
        }
      }
      out += text[i++];
    }
    return out;
  }

  std::string BodyMember(const RequestSpec& r, const std::string& key) const {
    if (!r.body || r.body->kind != TemplateValue::Kind::kObject) return "";
    for (const auto& [k, v] : r.body->members)
      if (k == key) return Resolve(v.text);
    return "";
  }

  // The order a step is about: order_id=${v} in its query, the history path,
  // or a URL captured for an order.
  int OrderOf(const Step& step) const {
    const RequestSpec& r = step.request;
    auto lookup = [&](const std::string& var) {
      auto it = order_vars_.find(var);
      return it == order_vars_.end() ? -1 : it->second;
    };
    const size_t q = r.target.find("order_id=${");
    if (q != std::string::npos) {
      const size_t close = r.target.find('}', q);
      if (close != std::string::npos) return lookup(r.target.substr(q + 11, close - q - 11));
    }
    for (const auto& [k, v] : r.query)
      if (k == "order_id") return lookup(LeadingVariable(v));
    const std::string prefix = "/_control/orders/${";
    if (r.target.rfind(prefix, 0) == 0) return lookup(LeadingVariable(r.target.substr(prefix.size() - 2)));
    const std::string lead = LeadingVariable(r.target);
    if (!lead.empty()) {
      auto it = url_orders_.find(lead);
      if (it != url_orders_.end()) return it->second;
    }
    return -1;
  }

  std::string ExpectedCode(const Expectation& e) const {
    if (e.error_code) return Resolve(*e.error_code);
    for (const auto& p : e.body)
      if (p.pointer == "/error/code" && p.matcher.equals && p.matcher.equals->kind == TemplateValue::Kind::kString)
        return Resolve(p.matcher.equals->text);
    return "";
  }

  std::string ExpectedStatusMember(const Expectation& e) const {
    for (const auto& p : e.body)
      if (p.pointer == "/status" && p.matcher.equals && p.matcher.equals->kind == TemplateValue::Kind::kString) {
        const std::string s = Resolve(p.matcher.equals->text);
        if (lifecycle_.IsKnown(s)) return s;
      }
    return "";
  }

  // Covers the response rule of `op` that `status` and `code` select, as the
  // runner's judge selects it (exact status, then NXX, then default).
  void CoverResponse(const OpenApiSpec::Operation& op, int status, const std::string& code) {
    const std::string exact = std::to_string(status), range = exact.substr(0, 1) + "XX";
    for (const std::string& key : {exact, range, std::string("default")})
      for (const auto& r : op.responses) {
        if (r.key != key) continue;
        if (r.error_codes.empty()) {
          cover_(ResponseRuleId(op.method, op.path, r.key, ""));
        } else if (std::find(r.error_codes.begin(), r.error_codes.end(), code) != r.error_codes.end()) {
          cover_(ResponseRuleId(op.method, op.path, r.key, code));
        }
        return;
      }
  }

  void Request(const Step& step) {
    const RequestSpec& r = step.request;
    // Which operation: a literal path, or a URL captured from a member the
    // spec says holds one.
    const std::string target = Resolve(r.target);
    std::string path;
    if (!target.empty() && target[0] == '/') {
      path = LiteralPath(target);
    } else if (auto it = url_paths_.find(LeadingVariable(r.target)); it != url_paths_.end()) {
      path = it->second;
    } else {
      unattributed_->push_back(step.where.ToString() + " " + r.method + " " + r.target);
    }
    const std::string tpl = path.empty() ? "" : spec_.FindOperation(r.method, path);
    const OpenApiSpec::Operation* op = nullptr;
    if (!tpl.empty()) op = &operations_.at(r.method + " " + tpl);

    const bool single = step.expect.statuses.size() == 1 && !step.expect.no_reply;
    const int status = single ? step.expect.statuses[0] : 0;
    const std::string code = ExpectedCode(step.expect);
    if (single && op) CoverResponse(*op, status, code);
    if (single && !op && status == 405 && !path.empty()) {
      const std::string any = spec_.FindPath(path);
      for (const auto& [key, o] : operations_)
        if (o.path == any) CoverResponse(o, status, code);
    }

    // Lifecycle.
    if (tpl == "/_control/clock/advance" || tpl == "/_control/clock/set" || step.poll)
      for (auto& o : orders_) o.drivers.insert(Driver::kTime);
    if (generic_) {
      GenericLifecycle(step, tpl, single ? status : 0);
      return;
    }
    int order = OrderOf(step);
    std::string observed;
    if (tpl == "/purchase/register" && r.method == "POST" && single) {
      const std::string key = BodyMember(r, "vendor_order_id") + "\n" + BodyMember(r, "asset_id");
      if (status == 201) {
        orders_.push_back(Order{});
        order = static_cast<int>(orders_.size()) - 1;
        by_key_[key] = order;  // unresolved ${run_id} and the like are the same within a scenario
        observed = lifecycle_.initial_state();
        cover_(EntryId(lifecycle_));
      } else if (status == 409) {
        // The order exists (perhaps from a register whose reply was lost); it
        // is seen unchanged only if a later step says so.
        if (!by_key_.count(key)) {
          orders_.push_back(Order{});
          by_key_[key] = static_cast<int>(orders_.size()) - 1;
        }
        order = by_key_[key];
        orders_[order].drivers.insert(Driver::kRegister);
      }
    } else if (order >= 0 && single) {
      if (tpl == "/purchase/cancel" && r.method == "DELETE") {
        orders_[order].drivers.insert(Driver::kCancel);
        if (status == 200) observed = ExpectedStatusMember(step.expect).empty() ? "CANCELED" : ExpectedStatusMember(step.expect);
      } else if (tpl == "/purchase/info") {
        if (status == 202) observed = "PROCESSING";
        if (status == 502) observed = "FAILED";
        if (status == 200) observed = ExpectedStatusMember(step.expect);
      } else if (tpl == "/_control/orders/{order_id}/history" && status == 200) {
        observed = ExpectedStatusMember(step.expect);
      } else if (tpl == "/purchase/download-url" || tpl == "/purchase/view-url" ||
                 tpl.rfind("/assets/", 0) == 0) {
        if (status == 200) observed = "COMPLETED";
        if (status == 410 && code == "ORDER_CANCELED") observed = "CANCELED";
      }
    }
    if (order >= 0 && !observed.empty() && lifecycle_.IsKnown(observed)) Observe(order, observed);

    // Captures: orders and URLs.
    for (const Capture& c : step.captures) {
      if (c.source == Capture::Source::kBody && (c.key == "/order_id" || c.key == "/error/order_id") && order >= 0)
        order_vars_[c.variable] = order;
      if (c.source == Capture::Source::kBody && c.key == "/url" && (!c.regex || c.regex->rfind("^", 0) == 0)) {
        if (tpl == "/purchase/download-url") url_paths_[c.variable] = "/assets/download/x";
        if (tpl == "/purchase/view-url") url_paths_[c.variable] = "/assets/view/x";
        if (order >= 0) url_orders_[c.variable] = order;
      }
      if (c.source == Capture::Source::kHeader && c.key == "Location" && !c.regex) {
        if (tpl == "/purchase/register") url_paths_[c.variable] = "/purchase/info";
        if (tpl == "/_control/faults") url_paths_[c.variable] = "/_control/faults/x";
        if (order >= 0) url_orders_[c.variable] = order;
      }
    }
    if (step.resets_target) {
      orders_.clear();
      order_vars_.clear();
      by_key_.clear();
      url_orders_.clear();
    }
  }

  // A step expects order `index` in `state`: a change from the state last
  // expected is a transition; no change, after something that would drive a
  // change, is an attempt at each forbidden (or idempotent) one.
  void Observe(int index, const std::string& state) {
    Order& o = orders_[index];
    const std::string before = o.state;
    if (!before.empty() && before != state) {
      if (auto cause = lifecycle_.CauseOf(before, state)) cover_(TransitionId(before, state, *cause));
    } else if (before == state) {
      for (Driver d : o.drivers) {
        for (const auto& t : lifecycle_.transitions())
          if (DriverOf(t.cause) == d && lifecycle_.IsIdempotent(state, t.cause)) cover_(IdempotentId(state, t.cause));
        for (const auto& target : lifecycle_.states()) {
          if (target == state || lifecycle_.Allows(state, target)) continue;
          bool driven = target == lifecycle_.initial_state() && DriverOf(lifecycle_.entry_cause()) == d;
          for (const auto& t : lifecycle_.transitions()) driven = driven || (t.to == target && DriverOf(t.cause) == d);
          if (driven) cover_(ForbiddenId(state, target));
        }
      }
    }
    o.state = state;
    o.drivers.clear();
  }

  // Another API than the HL Connector: what the lifecycle's `observe` points
  // say. An order is born where a 2xx step captures its id at an observe
  // point; a step is about it when a template names that variable; its state
  // is the value the step expects at the point's state pointer (read through
  // the states' codes); any request about it, or the clock moving, may drive
  // it, so an unchanged state after one is an attempt at every change the
  // lifecycle forbids there (and at its idempotent causes). Coarser than the
  // HL Connector's analysis, which knows which request drives which cause.
  void GenericLifecycle(const Step& step, const std::string& tpl, int status) {
    const RequestSpec& r = step.request;
    int order = -1;
    auto names_var = [&](const std::string& text) {
      for (const auto& [var, index] : order_vars_)
        if (text.find("${" + var + "}") != std::string::npos) return index;
      return -1;
    };
    order = names_var(r.target);
    for (const auto& [k, v] : r.query)
      if (order < 0) order = names_var(v);
    if (order < 0 && r.body)
      for (const auto& [k, v] : r.body->members)
        if (order < 0) order = names_var(v.text);
    const bool creates = status / 100 == 2 && order < 0 && r.method != "GET";
    std::string observed;
    for (const auto& point : lifecycle_.observe()) {
      if (!point.each.empty()) continue;
      for (const auto& p : step.expect.body)
        if (p.pointer == point.state && p.matcher.equals &&
            (p.matcher.equals->kind == TemplateValue::Kind::kString ||
             p.matcher.equals->kind == TemplateValue::Kind::kNumber))
          observed = lifecycle_.StateOfCode(Resolve(p.matcher.equals->text));
      if (status / 100 != 2) continue;
      for (const Capture& c : step.captures)
        if (c.source == Capture::Source::kBody && c.key == point.id) {
          if (creates || order < 0) {
            orders_.push_back(Order{});
            order = static_cast<int>(orders_.size()) - 1;
            if (observed.empty() && lifecycle_.entries().size() == 1) observed = lifecycle_.initial_state();
            for (const auto& e : lifecycle_.entries())
              if (e.to == observed) cover_(EntryId(e.to, e.cause));
          }
          order_vars_[c.variable] = order;
        }
    }
    if (tpl == "/_control/orders/{order_id}/history" && status == 200)
      for (const auto& p : step.expect.body)
        if (p.pointer == "/status" && p.matcher.equals) observed = Resolve(p.matcher.equals->text);
    if (order >= 0 && r.method != "GET" && tpl.rfind("/_control", 0) != 0) orders_[order].drivers.insert(Driver::kCancel);
    if (order >= 0 && !observed.empty() && lifecycle_.IsKnown(observed)) {
      Order& o = orders_[order];
      if (!o.state.empty() && o.state != observed) {
        if (auto cause = lifecycle_.CauseOf(o.state, observed)) cover_(TransitionId(o.state, observed, *cause));
      } else if (o.state == observed && !o.drivers.empty()) {
        // A request about the order or the clock moving may bring an
        // idempotent cause (a repeated cancel, a declined payment settling).
        for (const auto& [state, cause] : lifecycle_.idempotent())
          if (state == observed) cover_(IdempotentId(state, cause));
        for (const auto& target : lifecycle_.states())
          if (target != observed && !lifecycle_.Allows(observed, target)) cover_(ForbiddenId(observed, target));
      }
      o.state = observed;
      o.drivers.clear();
    }
    if (step.resets_target) {
      orders_.clear();
      order_vars_.clear();
    }
  }

  const Scenario& scenario_;
  const OpenApiSpec& spec_;
  const purchase::Lifecycle& lifecycle_;
  const std::map<std::string, OpenApiSpec::Operation>& operations_;
  std::function<void(const std::string&)> cover_;
  std::vector<std::string>* unattributed_;

  std::map<std::string, std::string> texts_;      // variable -> template text
  std::vector<Order> orders_;
  std::map<std::string, int> order_vars_;         // variable -> order
  std::map<std::string, int> by_key_;             // vendor_order_id \n asset_id -> order
  std::map<std::string, std::string> url_paths_;  // variable -> literal path its URL has
  std::map<std::string, int> url_orders_;         // variable -> order of its URL
  const bool generic_;                            // not the HL Connector's spec
};

}  // namespace

size_t CoverageReport::CoveredCount() const {
  return std::count_if(rules.begin(), rules.end(), [](const CoverageRule& r) { return !r.scenarios.empty(); });
}

size_t CoverageReport::UnreachableCount() const {
  return std::count_if(rules.begin(), rules.end(), [](const CoverageRule& r) { return !r.unreachable_why.empty(); });
}

std::vector<const CoverageRule*> CoverageReport::Uncovered() const {
  std::vector<const CoverageRule*> out;
  for (const auto& r : rules)
    if (r.scenarios.empty() && r.unreachable_why.empty()) out.push_back(&r);
  return out;
}

CoverageReport AnalyzeCoverage(const std::vector<Scenario>& scenarios, const OpenApiSpec& spec,
                               const purchase::Lifecycle& lifecycle, const std::vector<UnreachableRule>& unreachable) {
  CoverageReport report;
  std::map<std::string, size_t> index;
  auto add = [&](CoverageRule::Kind kind, const std::string& id, const std::string& group) {
    if (index.count(id)) return;
    index[id] = report.rules.size();
    report.rules.push_back(CoverageRule{kind, id, group, {}, {}});
  };
  std::map<std::string, OpenApiSpec::Operation> operations;
  for (const auto& op : spec.Operations()) {
    operations[op.method + " " + op.path] = op;
    for (const auto& r : op.responses) {
      if (r.error_codes.empty()) add(CoverageRule::Kind::kResponse, ResponseRuleId(op.method, op.path, r.key, ""), op.path);
      for (const auto& code : r.error_codes)
        add(CoverageRule::Kind::kResponse, ResponseRuleId(op.method, op.path, r.key, code), op.path);
    }
  }
  const auto T = CoverageRule::Kind::kTransition;
  for (const auto& e : lifecycle.entries()) add(T, EntryId(e.to, e.cause), "lifecycle");
  for (const auto& t : lifecycle.transitions()) add(T, TransitionId(t.from, t.to, t.cause), "lifecycle");
  for (const auto& s : lifecycle.states())
    for (const auto& t : lifecycle.transitions())
      if (lifecycle.IsIdempotent(s, t.cause)) add(T, IdempotentId(s, t.cause), "lifecycle");
  for (const auto& [s, cause] : lifecycle.idempotent()) add(T, IdempotentId(s, cause), "lifecycle");
  for (const auto& from : lifecycle.states())
    for (const auto& to : lifecycle.states())
      if (from != to && !lifecycle.Allows(from, to)) add(T, ForbiddenId(from, to), "lifecycle");

  for (const auto& sc : scenarios) {
    auto cover = [&](const std::string& rule) {
      auto it = index.find(rule);
      if (it == index.end()) return;
      auto& list = report.rules[it->second].scenarios;
      if (std::find(list.begin(), list.end(), sc.id) == list.end()) list.push_back(sc.id);
    };
    ScenarioAnalysis(sc, spec, lifecycle, operations, cover, &report.unattributed_steps).Run();
  }
  for (auto& r : report.rules) std::sort(r.scenarios.begin(), r.scenarios.end());
  std::sort(report.unattributed_steps.begin(), report.unattributed_steps.end());
  report.unattributed_steps.erase(std::unique(report.unattributed_steps.begin(), report.unattributed_steps.end()),
                                  report.unattributed_steps.end());

  for (const auto& u : unreachable) {
    bool matched = false;
    for (auto& r : report.rules) {
      if (fnmatch(u.rule.c_str(), r.id.c_str(), 0) != 0) continue;
      matched = true;
      if (!r.scenarios.empty())
        report.errors.push_back(u.where.ToString() + ": error: '" + r.id + "' is listed as unreachable, but " +
                                r.scenarios.front() + " checks it: remove it from the list");
      else
        r.unreachable_why = u.why;
    }
    if (!matched)
      report.errors.push_back(u.where.ToString() + ": error: '" + u.rule + "' names no rule of the spec");
  }
  return report;
}

std::vector<UnreachableRule> ParseUnreachableRules(const std::string& yaml_text, const std::string& file) {
  auto fail = [&](const YAML::Mark& m, const std::string& message) { throw purchase::SpecErrorAt(file, m, message); };
  const YAML::Node root = purchase::LoadYamlDocument(yaml_text, file);
  std::vector<UnreachableRule> out;
  if (root.IsNull()) return out;
  if (!root.IsMap() || !root["unreachable"] || !root["unreachable"].IsSequence())
    fail(root.Mark(), "expected 'unreachable:', a list of {rule, why}");
  for (const auto& item : root["unreachable"]) {
    if (!item.IsMap() || !item["rule"] || !item["why"] || item.size() != 2 || !item["rule"].IsScalar() ||
        !item["why"].IsScalar())
      fail(item.Mark(), "each entry is {rule: RULE, why: REASON} (RULE may use * as a wildcard)");
    out.push_back(UnreachableRule{item["rule"].Scalar(), item["why"].Scalar(),
                                  SourceLocation{file, item.Mark().line + 1, item.Mark().column + 1}});
  }
  return out;
}

namespace {

std::string Join(const std::vector<std::string>& v, const std::string& sep) {
  std::string out;
  for (const auto& x : v) out += (out.empty() ? "" : sep) + x;
  return out;
}

std::string Summary(const CoverageReport& report) {
  std::ostringstream s;
  s << report.rules.size() << " rules: " << report.CoveredCount() << " checked by a scenario, "
    << report.UnreachableCount() << " unreachable (listed with why), " << report.Uncovered().size()
    << " without a scenario";
  return s.str();
}

}  // namespace

std::string CoverageTable(const CoverageReport& report) {
  std::ostringstream out;
  size_t width = 0;
  for (const auto& r : report.rules) width = std::max(width, r.id.size());
  std::string group;
  for (const auto& r : report.rules) {
    if (r.group != group) {
      group = r.group;
      out << "\n" << group << "\n";
    }
    out << "  " << r.id << std::string(width - r.id.size() + 2, ' ');
    if (!r.scenarios.empty())
      out << Join(r.scenarios, ", ");
    else if (!r.unreachable_why.empty())
      out << "(unreachable: " << r.unreachable_why << ")";
    else
      out << "MISSING: no scenario checks it";
    out << "\n";
  }
  out << "\n" << Summary(report) << "\n";
  if (!report.unattributed_steps.empty())
    out << report.unattributed_steps.size()
        << " request steps could not be traced to an operation (their URL comes from a variable the analysis "
           "cannot follow); they count for nothing\n";
  return out.str();
}

std::string CoverageMarkdown(const CoverageReport& report, const std::string& command) {
  std::ostringstream out;
  out << "# Spec coverage of the scenario suite\n\n"
      << "Generated by `" << command << "`; do not edit by hand (CI fails when it is out of date).\n"
      << "Rules come from `spec/openapi.yaml` (operation x status x error code) and `spec/lifecycle.yaml`\n"
      << "(entry, transitions, idempotent requests, forbidden changes); how a scenario is found to check one is\n"
      << "in `conformance/README.md`, *Coverage*.\n\n"
      << "**" << Summary(report) << ".**\n";
  std::string group;
  auto escape = [](std::string s) {
    for (size_t i = 0; (i = s.find('|', i)) != std::string::npos; i += 2) s.replace(i, 1, "\\|");
    return s;
  };
  for (const auto& r : report.rules) {
    if (r.group != group) {
      group = r.group;
      out << "\n## `" << group << "`\n\n| rule | checked by |\n|---|---|\n";
    }
    out << "| " << escape(r.id) << " | ";
    if (!r.scenarios.empty()) {
      std::vector<std::string> names;
      for (const auto& s : r.scenarios) names.push_back("`" + s + "`");
      out << Join(names, ", ");
    } else if (!r.unreachable_why.empty()) {
      out << "*unreachable:* " << escape(r.unreachable_why);
    } else {
      out << "**MISSING**";
    }
    out << " |\n";
  }
  return out.str();
}

}  // namespace conformance
