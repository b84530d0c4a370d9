#include "client_audit.h"

#include <algorithm>
#include <set>

#include <yaml-cpp/yaml.h>

#include "core/lifecycle.h"
#include "purchase_service.h"  // OrderStateName
#include "core/status.h"
#include "core/yaml_document.h"
#include "purchase_core_embedded.h"

namespace purchase {
namespace {

constexpr size_t kMaxFindings = 1000;
// Past this many tracked orders per vendor the audit forgets the old ones: it
// must stay bounded under a load test, and findings already made are kept.
constexpr size_t kMaxTrackedOrders = 100000;

bool IsUrlRequest(const std::string& path) {
  return path == "/purchase/download-url" || path == "/purchase/view-url";
}

std::string Seconds(Millis ms) {
  std::string s = std::to_string(ms / 1000);
  if (ms % 1000) {
    std::string frac = std::to_string(1000 + ms % 1000).substr(1);
    while (!frac.empty() && frac.back() == '0') frac.pop_back();
    s += "." + frac;
  }
  return s + " s";
}

}  // namespace

ClientObligations ClientObligations::Parse(std::string_view yaml_text, std::string_view source) {
  auto fail = [&](const YAML::Mark& m, const std::string& message) { return SpecErrorAt(source, m, message); };
  const YAML::Node root = LoadYamlDocument(yaml_text, source);
  const YAML::Node list = root["obligations"];
  if (!root.IsMap() || !list || !list.IsMap()) throw fail(root.Mark(), "'obligations' must be a map of obligation ids");
  ClientObligations out;
  for (const auto& entry : list) {
    ClientObligation o;
    o.id = entry.first.Scalar();
    if (!entry.second.IsMap()) throw fail(entry.first.Mark(), "obligation '" + o.id + "' must be a map with rule, reason, detected_when");
    for (auto [key, field] : {std::pair{"rule", &o.rule}, {"reason", &o.reason}, {"detected_when", &o.detected_when}}) {
      const YAML::Node v = entry.second[key];
      if (!v || !v.IsScalar()) throw fail(entry.first.Mark(), "obligation '" + o.id + "' needs a '" + key + "' string");
      *field = v.Scalar();
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

const std::vector<std::string_view>& ClientAudit::CheckedIds() {
  static const std::vector<std::string_view> ids = {
      "validate-before-register", "never-reuse-token",        "adopt-order-on-duplicate",
      "honour-retry-after",       "stop-polling-when-settled", "urls-only-when-completed",
      "fetch-before-expiry",      "backoff-on-errors",        "treat-canceled-as-revoked"};
  return ids;
}

ClientAudit::ClientAudit(const ClientObligations& obligations, const Clock& wall_clock, size_t ring_capacity)
    : obligations_(obligations), wall_(wall_clock), ring_capacity_(std::max<size_t>(ring_capacity, 1)) {
  for (std::string_view id : CheckedIds())
    if (!obligations_.Find(id))
      throw SpecError("spec/client-obligations.yaml: error: the audit checks '" + std::string(id) +
                      "' which the file does not list");
  for (const auto& o : obligations_.all())
    if (std::find(CheckedIds().begin(), CheckedIds().end(), o.id) == CheckedIds().end())
      throw SpecError("spec/client-obligations.yaml: error: obligation '" + o.id + "' has no check in the audit");
}

void ClientAudit::Find(const char* id, const AuditedRequest& current, std::string observed,
                       std::initializer_list<const AuditedRequest*> earlier) {
  if (findings_.size() >= kMaxFindings) {
    ++findings_dropped_;
    return;
  }
  AuditFinding f{id, current.vendor, std::move(observed), {}};
  for (const AuditedRequest* r : earlier) f.requests.push_back(*r);
  f.requests.push_back(current);
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
  if (v.orders.size() > kMaxTrackedOrders) v.orders.clear();
  Judge(v, *slot);
}

void ClientAudit::JudgeBackoff(VendorTrack& v, const AuditedRequest& r, bool is_error) {
  // backoff-on-errors: the same endpoint, too soon after a 5xx or 429.
  const std::string endpoint = r.method + " " + r.path;
  if (auto it = v.errors.find(endpoint); it != v.errors.end() && !it->second.flagged) {
    const Millis wait = it->second.error.retry_after.value_or(1) * 1000;
    const Millis waited = r.wall - it->second.error.wall;
    if (waited < wait) {
      Find("backoff-on-errors", r,
           "called " + endpoint + " again " + Seconds(waited) + " after a " + std::to_string(it->second.error.status) +
               " that asked to wait " + Seconds(wait),
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
  const std::string& code = r.error_code;

  // The back-off key is built only when there is an episode to look at: the
  // common case is none, and this runs on every vendor request.
  const bool is_error = (r.status >= 500 || r.status == 429) && r.order_status.empty();
  if (is_error || !v.errors.empty()) JudgeBackoff(v, r, is_error);

  if (r.path == "/purchase/register") {
    if (code == ErrorCodeName(ErrorCode::kTokenInvalid)) Find("validate-before-register", r, "registered with a token this vendor was never given", {});
    if (code == ErrorCodeName(ErrorCode::kTokenAlreadyUsed)) Find("never-reuse-token", r, "registered with a token that had already created an order", {});
    if (code == ErrorCodeName(ErrorCode::kDuplicatePurchase)) {
      auto [it, first] = v.duplicates.try_emplace(r.duplicate_key, r);
      if (!first)
        Find("adopt-order-on-duplicate", r,
             "registered " + r.duplicate_key + " again after a 409 DUPLICATE_PURCHASE had named its existing order",
             {&it->second});
    }
  }
  if (r.order_id.empty()) return;

  if (r.path == "/purchase/info") {
    OrderTrack& o = v.orders[r.order_id];
    if (o.last_202 && !o.settled && !o.flagged_retry_after) {
      const Millis wait = *o.last_202->retry_after * 1000;
      const Millis waited = r.wall - o.last_202->wall;
      if (waited < wait) {
        Find("honour-retry-after", r,
             "polled order " + r.order_id + " " + Seconds(waited) + " after a 202 that said Retry-After: " +
                 std::to_string(*o.last_202->retry_after),
             {&*o.last_202});
        o.flagged_retry_after = true;
      }
    }
    if (o.settled && ++o.polls_after_settled >= 3 && !o.flagged_polling) {
      Find("stop-polling-when-settled", r,
           "polled order " + r.order_id + " " + std::to_string(o.polls_after_settled) + " times after it showed " +
               o.settled->order_status,
           {&*o.settled});
      o.flagged_polling = true;
    }
    if (r.status == 202 && r.retry_after) o.last_202 = r;
  }
  // One finding per order and obligation: a client asking in a loop broke the
  // obligation once, and a flood of copies would hide the other findings.
  if (IsUrlRequest(r.path) && code == ErrorCodeName(ErrorCode::kOrderNotCompleted)) {
    OrderTrack& o = v.orders[r.order_id];
    if (!o.flagged_url_early)
      Find("urls-only-when-completed", r, "asked for a URL of order " + r.order_id + " while it was not COMPLETED", {});
    o.flagged_url_early = true;
  }
  if (IsSignedUrlFetch(r.path) && code == ErrorCodeName(ErrorCode::kUrlExpired)) {
    OrderTrack& o = v.orders[r.order_id];
    if (!o.flagged_expired_fetch)
      Find("fetch-before-expiry", r, "fetched a URL of order " + r.order_id + " after it expired", {});
    o.flagged_expired_fetch = true;
  }
  if (IsUrlRequest(r.path) || IsSignedUrlFetch(r.path)) {
    auto it = v.orders.find(r.order_id);
    if (it != v.orders.end() && it->second.canceled && !it->second.flagged_canceled) {
      Find("treat-canceled-as-revoked", r,
           std::string(IsSignedUrlFetch(r.path) ? "fetched" : "asked for") + " a URL of order " + r.order_id +
               " after being shown it was CANCELED",
           {&*it->second.canceled});
      it->second.flagged_canceled = true;
    }
  }

  // What this answer taught the client, judged from the next request on.
  const std::string_view canceled = OrderStateName(OrderState::kCanceled);
  const bool shows_canceled = r.order_status == canceled || code == ErrorCodeName(ErrorCode::kOrderCanceled);
  if (!r.order_status.empty() || shows_canceled) {
    OrderTrack& o = v.orders[r.order_id];
    const std::string shown(shows_canceled ? canceled : std::string_view(r.order_status));
    if (shown != OrderStateName(OrderState::kProcessing) && !o.settled) {
      o.settled = r;
      o.settled->order_status = shown;
    }
    if (shows_canceled && !o.canceled) o.canceled = r;
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
