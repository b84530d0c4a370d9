#include "core/client_audit.h"

#include <algorithm>
#include <functional>
#include <set>

#include <rapidjson/document.h>
#include <rapidjson/pointer.h>
#include <yaml-cpp/yaml.h>

#include "core/status.h"
#include "core/yaml_document.h"
#include "http/valid_text.h"
#include "purchase_core_embedded.h"

namespace purchase {
namespace {

constexpr size_t kMaxFindings = 1000;
// Past this many tracked orders per client the audit forgets the old ones: it
// must stay bounded under a load test, and findings already made are kept.
constexpr size_t kMaxTrackedOrders = 100000;

std::string Seconds(Millis ms) {
  std::string s = std::to_string(ms / 1000);
  if (ms % 1000) {
    std::string frac = std::to_string(1000 + ms % 1000).substr(1);
    while (!frac.empty() && frac.back() == '0') frac.pop_back();
    s += "." + frac;
  }
  return s + " s";
}

bool Contains(const std::vector<std::string>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

const std::vector<std::pair<std::string_view, AuditCheck::Kind>>& KindNames() {
  static const std::vector<std::pair<std::string_view, AuditCheck::Kind>> names = {
      {"answered", AuditCheck::Kind::kAnswered},
      {"answered_again", AuditCheck::Kind::kAnsweredAgain},
      {"poll_before_retry_after", AuditCheck::Kind::kPollBeforeRetryAfter},
      {"poll_after_settled", AuditCheck::Kind::kPollAfterSettled},
      {"backoff", AuditCheck::Kind::kBackoff},
      {"after_state", AuditCheck::Kind::kAfterState},
  };
  return names;
}

// A query parameter's value, percent-decoded ("" when absent or not text).
std::string QueryValue(std::string_view raw_query, std::string_view name) {
  const auto query = http::DecodeQueryText(http::SplitRawQuery(raw_query));
  if (query.ok())
    for (const auto& [key, value] : query.value())
      if (key == name) return value;
  return {};
}

// The values of a check's key in the request, joined with " / ".
std::string KeyOf(const AuditCheck& c, const AuditedRequest& r) {
  std::string key;
  bool first = true;
  auto append = [&](const std::string& v) {
    key += (first ? "" : " / ") + v;
    first = false;
  };
  if (!c.body_key.empty()) {
    rapidjson::Document body;
    body.Parse(r.body.data(), r.body.size());
    for (const std::string& pointer : c.body_key) {
      const rapidjson::Value* v = body.HasParseError() ? nullptr : rapidjson::Pointer(pointer.c_str()).Get(body);
      append(v && v->IsString() ? std::string(v->GetString(), v->GetStringLength()) : "");
    }
  }
  for (const std::string& name : c.query_key) append(QueryValue(r.raw_query, name));
  return key;
}

std::string Filled(std::string text, const std::vector<std::pair<std::string_view, std::string>>& fill) {
  for (const auto& [name, value] : fill) {
    const std::string placeholder = "{" + std::string(name) + "}";
    for (size_t at = text.find(placeholder); at != std::string::npos; at = text.find(placeholder, at + value.size()))
      text.replace(at, placeholder.size(), value);
  }
  return text;
}

std::vector<std::string> Strings(const YAML::Node& node, const std::function<SpecError(const std::string&)>& fail,
                                 const std::string& what) {
  std::vector<std::string> out;
  if (!node) return out;
  if (!node.IsSequence()) throw fail(what + " must be a list");
  for (const auto& item : node) {
    if (!item.IsScalar()) throw fail(what + " must be a list of strings");
    out.push_back(item.Scalar());
  }
  return out;
}

AuditCheck ParseCheck(const YAML::Node& node, std::string_view source, const std::string& id) {
  auto fail = [&](const std::string& message) {
    return SpecErrorAt(source, node.Mark(), "obligation '" + id + "': check: " + message);
  };
  if (!node.IsMap()) throw fail("must be a map with a kind");
  AuditCheck c;
  const std::string kind = node["kind"] && node["kind"].IsScalar() ? node["kind"].Scalar() : "";
  auto named = std::find_if(KindNames().begin(), KindNames().end(), [&](const auto& k) { return k.first == kind; });
  if (named == KindNames().end()) {
    std::string kinds;
    for (const auto& k : KindNames()) kinds += (kinds.empty() ? "" : ", ") + std::string(k.first);
    throw fail("kind '" + kind + "' is none of " + kinds);
  }
  c.kind = named->second;
  c.operations = Strings(node["operations"], fail, "operations");
  c.codes = Strings(node["codes"], fail, "codes");
  if (const YAML::Node key = node["key"]) {
    if (!key.IsMap()) throw fail("key must be a map with body (JSON pointers) or query (parameter names)");
    c.body_key = Strings(key["body"], fail, "key.body");
    c.query_key = Strings(key["query"], fail, "key.query");
  }
  if (node["state"]) c.state = node["state"].Scalar();
  if (node["times"]) c.times = node["times"].as<int>(0);
  if (node["observed"] && node["observed"].IsScalar()) c.observed = node["observed"].Scalar();
  using K = AuditCheck::Kind;
  if (c.observed.empty()) throw fail("needs 'observed', what a finding says the client did");
  if ((c.kind == K::kAnswered || c.kind == K::kAnsweredAgain) && c.codes.empty()) throw fail(kind + " needs codes");
  if (c.kind == K::kAnsweredAgain && c.body_key.empty() && c.query_key.empty()) throw fail(kind + " needs a key");
  if ((c.kind == K::kPollBeforeRetryAfter || c.kind == K::kPollAfterSettled || c.kind == K::kAfterState) &&
      c.operations.empty())
    throw fail(kind + " needs operations");
  if (c.kind == K::kAfterState && c.state.empty()) throw fail(kind + " needs a state");
  if (c.kind == K::kPollAfterSettled && c.times < 1) throw fail("times must be 1 or more");
  for (const std::string& op : c.operations)
    if (op.find(' ') == std::string::npos || op.find('/') != op.find(' ') + 1)
      throw fail("operation '" + op + "' is not 'METHOD /path'");
  return c;
}

}  // namespace

ClientObligations ClientObligations::Parse(std::string_view yaml_text, std::string_view source) {
  auto fail = [&](const YAML::Mark& m, const std::string& message) { return SpecErrorAt(source, m, message); };
  const YAML::Node root = LoadYamlDocument(yaml_text, source);
  const YAML::Node list = root["obligations"];
  if (!root.IsMap() || !list || !list.IsMap()) throw fail(root.Mark(), "'obligations' must be a map of obligation ids");
  ClientObligations out;
  out.source_ = std::string(source);
  auto root_fail = [&](const std::string& m) { return fail(root.Mark(), m); };
  out.pending_ = Strings(root["pending_states"], root_fail, "pending_states");
  if (const YAML::Node errors = root["state_of_error"]) {
    if (!errors.IsMap()) throw fail(errors.Mark(), "state_of_error must map error codes to states");
    for (const auto& e : errors) out.state_of_error_[e.first.Scalar()] = e.second.Scalar();
  }
  bool backoff = false;
  for (const auto& entry : list) {
    ClientObligation o;
    o.id = entry.first.Scalar();
    if (!entry.second.IsMap())
      throw fail(entry.first.Mark(), "obligation '" + o.id + "' must be a map with rule, reason, detected_when, source, check");
    for (auto [key, field] : {std::pair{"rule", &o.rule}, {"reason", &o.reason}, {"detected_when", &o.detected_when},
                              {"source", &o.source}}) {
      const YAML::Node v = entry.second[key];
      if (!v || !v.IsScalar()) throw fail(entry.first.Mark(), "obligation '" + o.id + "' needs a '" + key + "' string");
      *field = v.Scalar();
    }
    const YAML::Node check = entry.second["check"], checks = entry.second["checks"];
    if (check && checks) throw fail(entry.first.Mark(), "obligation '" + o.id + "' has both check and checks");
    if (check) o.checks.push_back(ParseCheck(check, source, o.id));
    if (checks && checks.IsSequence())
      for (const auto& c : checks) o.checks.push_back(ParseCheck(c, source, o.id));
    if (o.checks.empty())
      throw fail(entry.first.Mark(), "obligation '" + o.id + "' has no check: the audit could never see it broken");
    for (const AuditCheck& c : o.checks)
      if (c.kind == AuditCheck::Kind::kBackoff) {
        if (backoff) throw fail(entry.first.Mark(), "obligation '" + o.id + "': only one backoff check per file");
        backoff = true;
      }
    if (out.Find(o.id)) throw fail(entry.first.Mark(), "obligation '" + o.id + "' is listed twice");
    out.all_.push_back(std::move(o));
  }
  return out;
}

const ClientObligations& ClientObligations::Builtin() {
  static const ClientObligations builtin = Parse(spec_files::kClientObligationsYaml, "spec/client-obligations.yaml");
  return builtin;
}

const ClientObligation* ClientObligations::Find(std::string_view id) const {
  for (const auto& o : all_)
    if (o.id == id) return &o;
  return nullptr;
}

ClientAudit::ClientAudit(const ClientObligations& obligations, const Clock& wall_clock, size_t ring_capacity)
    : obligations_(obligations), wall_(wall_clock), ring_capacity_(std::max<size_t>(ring_capacity, 1)) {
  for (const auto& o : obligations_.all())
    for (const auto& c : o.checks)
      if (c.kind == AuditCheck::Kind::kBackoff) backoff_ = &o;
}

void ClientAudit::Find(const ClientObligation& o, const AuditCheck& c, const AuditedRequest& current, const Fill& fill,
                       std::initializer_list<const AuditedRequest*> earlier) {
  if (findings_.size() >= kMaxFindings) {
    ++findings_dropped_;
    return;
  }
  AuditFinding f{o.id, current.vendor, Filled(c.observed, fill), {}};
  for (const AuditedRequest* r : earlier) f.requests.push_back(*r);
  f.requests.push_back(current);
  // The views into the request are not kept.
  for (AuditedRequest& r : f.requests) r.body = r.raw_query = {};
  findings_.push_back(std::move(f));
}

void ClientAudit::Record(const AuditedRequest& request) {
  std::lock_guard lock(mu_);
  VendorTrack& v = vendors_[request.vendor];
  AuditedRequest* slot;
  if (v.ring.size() < ring_capacity_) {
    slot = &v.ring.emplace_back(request);
  } else {
    slot = &v.ring[v.ring_start];
    *slot = request;
    v.ring_start = (v.ring_start + 1) % v.ring.size();
  }
  slot->seq = v.next_seq++;
  slot->wall = wall_.Now();
  if (slot->operation.empty()) slot->operation.append(slot->method).append(" ").append(slot->path);
  if (v.orders.size() > kMaxTrackedOrders) v.orders.clear();
  Judge(v, *slot);
  slot->body = slot->raw_query = {};  // read while judging only
}

bool ClientAudit::Pending(std::string_view state) const { return Contains(obligations_.pending_states(), state); }

void ClientAudit::JudgeBackoff(VendorTrack& v, const AuditedRequest& r, bool is_error) {
  // The same endpoint, too soon after a 5xx or 429.
  const std::string endpoint = r.method + " " + r.path;
  if (auto it = v.errors.find(endpoint); it != v.errors.end() && !it->second.flagged) {
    const Millis wait = it->second.error.retry_after.value_or(1) * 1000;
    const Millis waited = r.wall - it->second.error.wall;
    if (waited < wait) {
      const AuditCheck& c = *std::find_if(backoff_->checks.begin(), backoff_->checks.end(),
                                          [](const AuditCheck& k) { return k.kind == AuditCheck::Kind::kBackoff; });
      Find(*backoff_, c, r,
           {{"endpoint", endpoint}, {"waited", Seconds(waited)}, {"status", std::to_string(it->second.error.status)},
            {"wait", Seconds(wait)}},
           {&it->second.error});
      it->second.flagged = true;
    }
  }
  // One finding per episode of errors: a client hammering through five 503s
  // broke the obligation once, not five times. A reply that carries an order
  // (502 for a FAILED order) is that order's final answer, not an outage: it
  // opens no episode.
  if (is_error) {
    auto [it, fresh] = v.errors.try_emplace(endpoint, ErrorTrack{r, false});
    if (!fresh) it->second.error = r;
  } else {
    v.errors.erase(endpoint);
  }
}

void ClientAudit::Judge(VendorTrack& v, const AuditedRequest& r) {
  // The back-off key is built only when there is an episode to look at: the
  // common case is none, and this runs on every request.
  const bool is_error = (r.status >= 500 || r.status == 429) && r.order_status.empty();
  if (backoff_ && (is_error || !v.errors.empty())) JudgeBackoff(v, r, is_error);
  for (const ClientObligation& o : obligations_.all())
    for (const AuditCheck& c : o.checks)
      if (c.kind != AuditCheck::Kind::kBackoff && (c.operations.empty() || Contains(c.operations, r.operation)))
        JudgeCheck(v, r, o, c);
  Learn(v, r);
}

void ClientAudit::JudgeCheck(VendorTrack& v, const AuditedRequest& r, const ClientObligation& o, const AuditCheck& c) {
  using K = AuditCheck::Kind;
  // One finding per order and obligation: a client asking in a loop broke the
  // obligation once, and a flood of copies would hide the other findings.
  auto once = [&](OrderTrack& t) {
    if (std::find(t.flagged.begin(), t.flagged.end(), &o) != t.flagged.end()) return false;
    t.flagged.push_back(&o);
    return true;
  };
  const std::string& code = r.error_code;
  switch (c.kind) {
    case K::kAnswered: {
      if (code.empty() || !Contains(c.codes, code)) return;
      if (r.order_id.empty() || once(v.orders[r.order_id]))
        Find(o, c, r, {{"order", r.order_id}, {"code", code}, {"status", std::to_string(r.status)}}, {});
      return;
    }
    case K::kAnsweredAgain: {
      if (code.empty() || !Contains(c.codes, code)) return;
      const std::string key = KeyOf(c, r);
      auto [it, first] = v.answered_once.try_emplace(o.id + '\n' + key, r);
      if (first) {
        it->second.body = it->second.raw_query = {};
        return;
      }
      Find(o, c, r, {{"key", key}, {"code", code}, {"status", std::to_string(r.status)}}, {&it->second});
      return;
    }
    case K::kPollBeforeRetryAfter: {
      if (r.order_id.empty()) return;
      OrderTrack& t = v.orders[r.order_id];
      if (t.last_pending && !t.settled) {
        const Millis wait = *t.last_pending->retry_after * 1000;
        const Millis waited = r.wall - t.last_pending->wall;
        if (waited < wait && once(t))
          Find(o, c, r,
               {{"order", r.order_id}, {"waited", Seconds(waited)}, {"status", std::to_string(t.last_pending->status)},
                {"retry_after", std::to_string(*t.last_pending->retry_after)}},
               {&*t.last_pending});
      }
      if (r.retry_after && !r.order_status.empty() && Pending(r.order_status)) {
        t.last_pending = r;
        t.last_pending->body = t.last_pending->raw_query = {};
      }
      return;
    }
    case K::kPollAfterSettled: {
      if (r.order_id.empty()) return;
      OrderTrack& t = v.orders[r.order_id];
      if (t.settled && ++t.polls_after_settled >= c.times && once(t))
        Find(o, c, r,
             {{"order", r.order_id}, {"times", std::to_string(t.polls_after_settled)},
              {"state", t.settled->order_status}},
             {&*t.settled});
      return;
    }
    case K::kAfterState: {
      if (r.order_id.empty()) return;
      auto it = v.orders.find(r.order_id);
      if (it == v.orders.end()) return;
      for (const auto& [state, shown] : it->second.shown)
        if (state == c.state && once(it->second)) {
          Find(o, c, r, {{"order", r.order_id}, {"state", state}}, {&shown});
          return;
        }
      return;
    }
    case K::kBackoff:
      return;
  }
}

void ClientAudit::Learn(VendorTrack& v, const AuditedRequest& r) {
  if (r.order_id.empty()) return;
  // What this answer taught the client, judged from the next request on: the
  // order's state, from its body or from an error that shows it.
  std::string_view shown = r.order_status;
  if (auto by_error = obligations_.state_of_error().find(r.error_code);
      !r.error_code.empty() && by_error != obligations_.state_of_error().end())
    shown = by_error->second;
  if (shown.empty()) return;
  OrderTrack& t = v.orders[r.order_id];
  if (!Pending(shown) && !t.settled) {
    t.settled = r;
    t.settled->order_status = std::string(shown);
    t.settled->body = t.settled->raw_query = {};
  }
  // Kept only for the states a check asks about, so a long run stays small.
  for (const auto& o : obligations_.all())
    for (const auto& c : o.checks)
      if (c.kind == AuditCheck::Kind::kAfterState && c.state == shown &&
          std::none_of(t.shown.begin(), t.shown.end(), [&](const auto& s) { return s.first == shown; })) {
        t.shown.emplace_back(std::string(shown), r);
        t.shown.back().second.body = t.shown.back().second.raw_query = {};
      }
}

std::vector<AuditFinding> ClientAudit::Findings() const {
  std::lock_guard lock(mu_);
  return findings_;
}

std::vector<AuditFinding> ClientAudit::FindingsSince(size_t n) const {
  std::lock_guard lock(mu_);
  if (n >= findings_.size()) return {};
  return std::vector<AuditFinding>(findings_.begin() + static_cast<std::ptrdiff_t>(n), findings_.end());
}

std::vector<AuditedRequest> ClientAudit::RecentRequests(uint16_t vendor) const {
  std::lock_guard lock(mu_);
  auto it = vendors_.find(vendor);
  if (it == vendors_.end()) return {};
  const VendorTrack& v = it->second;
  std::vector<AuditedRequest> oldest_first;
  oldest_first.reserve(v.ring.size());
  for (size_t i = 0; i < v.ring.size(); ++i) oldest_first.push_back(v.ring[(v.ring_start + i) % v.ring.size()]);
  return oldest_first;
}

uint64_t ClientAudit::findings_dropped() const {
  std::lock_guard lock(mu_);
  return findings_dropped_;
}

std::map<uint16_t, uint64_t> ClientAudit::RecordedPerVendor() const {
  std::lock_guard lock(mu_);
  std::map<uint16_t, uint64_t> out;
  for (const auto& [vendor, track] : vendors_) out[vendor] = track.next_seq - 1;
  return out;
}

void ClientAudit::Reset() {
  std::lock_guard lock(mu_);
  vendors_.clear();
  findings_.clear();
  findings_dropped_ = 0;
}

namespace {

std::string RequestTable(const std::vector<AuditedRequest>& requests) {
  std::string out = "\n| # | server time | request | answer |\n|---|---|---|---|\n";
  for (const auto& r : requests) {
    std::string answer = std::to_string(r.status);
    if (!r.error_code.empty()) answer += " " + r.error_code;
    if (!r.order_status.empty()) answer += " " + r.order_status;
    if (r.retry_after) answer += " (Retry-After " + std::to_string(*r.retry_after) + ")";
    out += "| " + std::to_string(r.seq) + " | " + FormatRfc3339(r.server_time) + " | " + r.method + " " + r.path +
           (r.order_id.empty() ? "" : " `" + r.order_id + "`") + " | " + answer + " |\n";
  }
  return out;
}

}  // namespace

std::string RenderAuditReport(const ClientAudit& audit, const std::vector<std::string>& vendor_names) {
  auto vendor_name = [&](uint16_t v) { return v < vendor_names.size() ? vendor_names[v] : "vendor #" + std::to_string(v); };
  const auto findings = audit.Findings();
  std::string out = "# Client audit\n\nEvery vendor request the reference server answered, checked against "
                    "`spec/client-obligations.yaml`.\n\n";
  out += "| vendor | requests recorded |\n|---|---|\n";
  for (const auto& [vendor, count] : audit.RecordedPerVendor())
    out += "| " + vendor_name(vendor) + " | " + std::to_string(count) + " |\n";
  out += "\n## Findings: " + std::to_string(findings.size()) + "\n";
  if (findings.empty()) out += "\nNone: every request kept the client obligations.\n";
  if (audit.findings_dropped())
    out += "\n" + std::to_string(audit.findings_dropped()) + " more findings were not kept (the list holds 1000).\n";
  std::set<std::string> broken;
  int n = 0;
  for (const auto& f : findings) {
    broken.insert(f.obligation);
    const ClientObligation* o = audit.obligations().Find(f.obligation);
    out += "\n### " + std::to_string(++n) + ". `" + f.obligation + "` (" + vendor_name(f.vendor) + ")\n\n";
    out += "- Observed: " + f.observed + "\n";
    if (o) out += "- A correct client: " + o->rule + "\n- Why: " + o->reason + "\n";
    out += RequestTable(f.requests);
  }
  out += "\n## Obligations kept\n\n";
  for (const auto& o : audit.obligations().all())
    if (!broken.count(o.id)) out += "- `" + o.id + "`: " + o.rule + "\n";
  for (const auto& [vendor, count] : audit.RecordedPerVendor()) {
    const auto recent = audit.RecentRequests(vendor);
    out += "\n## The last " + std::to_string(recent.size()) + " requests of " + vendor_name(vendor) + "\n";
    out += RequestTable(recent);
  }
  return out;
}

}  // namespace purchase
