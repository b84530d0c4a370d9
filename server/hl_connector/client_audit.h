// ClientAudit: checks the requests each vendor makes against the client
// obligations of spec/client-obligations.yaml, so an integrator learns what
// their client did wrong, not only that its happy path worked.
//
// The HTTP layer records every vendor request (and every signed-URL fetch,
// attributed to the order's vendor) after answering it. The audit judges each
// one incrementally, against small per-order and per-endpoint state: findings
// name the obligation, the requests involved and what a correct client does.
// It also keeps each vendor's last `ring_capacity` requests, which the report
// shows as what the client did last. Timing obligations (Retry-After,
// back-off) are judged in wall-clock time, since that is what a client waits;
// the wall clock is injected. Thread-safe: one internal mutex.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/clock.h"

namespace purchase {

struct ClientObligation {
  std::string id;
  std::string rule;
  std::string reason;
  std::string detected_when;
};

class ClientObligations {
 public:
  // Parses spec/client-obligations.yaml; throws SpecError naming file:line.
  static ClientObligations Parse(std::string_view yaml_text, std::string_view source);
  static const ClientObligations& Builtin();
  const ClientObligation* Find(std::string_view id) const;
  const std::vector<ClientObligation>& all() const { return all_; }

 private:
  std::vector<ClientObligation> all_;
};

// Whether `path` fetches a signed asset URL (no Authorization: the audit
// gives it to the owner of the order its path names).
inline bool IsSignedUrlFetch(std::string_view path) { return path.substr(0, 8) == "/assets/"; }

struct AuditedRequest {
  uint64_t seq = 0;        // set by the audit: the vendor's request number, from 1
  Millis wall = 0;         // wall-clock instant of the answer
  Millis server_time = 0;  // server clock instant of the answer
  uint16_t vendor = 0;
  std::string method;
  std::string path;          // without the query
  std::string order_id;      // the order the request names, if any
  std::string duplicate_key; // register: vendor_order_id + " / " + asset_id
  int status = 0;
  std::string error_code;    // "" for a success
  std::optional<int64_t> retry_after;
  std::string order_status;  // the status the reply showed, if it carried an order
};

struct AuditFinding {
  std::string obligation;
  uint16_t vendor = 0;
  std::string observed;
  std::vector<AuditedRequest> requests;  // earliest first; the last one broke the obligation
};

class ClientAudit {
 public:
  // Throws SpecError if the audit checks an obligation `obligations` lacks, or the reverse.
  ClientAudit(const ClientObligations& obligations, const Clock& wall_clock, size_t ring_capacity = 50);

  // Judges one answered request. `seq` and `wall` (from the wall clock) are
  // filled in by the audit.
  void Record(const AuditedRequest& request);
  std::vector<AuditFinding> Findings() const;
  // The findings after the first `n` (those a caller has already shown).
  std::vector<AuditFinding> FindingsSince(size_t n) const;
  // Requests recorded per vendor since the start or the last Reset().
  std::map<uint16_t, uint64_t> RecordedPerVendor() const;
  // Findings not kept because the list was full (1000).
  uint64_t findings_dropped() const;
  // The vendor's last `ring_capacity` requests, oldest first: what its client
  // did just before the run stopped, findings or not.
  std::vector<AuditedRequest> RecentRequests(uint16_t vendor) const;
  void Reset();

  const ClientObligations& obligations() const { return obligations_; }

  // The obligation ids this audit checks.
  static const std::vector<std::string_view>& CheckedIds();

 private:
  struct OrderTrack {
    std::optional<AuditedRequest> last_202;  // the last PROCESSING answer with a Retry-After
    std::optional<AuditedRequest> settled;   // the first answer that showed it settled
    std::optional<AuditedRequest> canceled;  // the first answer that showed it CANCELED
    int polls_after_settled = 0;
    bool flagged_retry_after = false, flagged_polling = false, flagged_canceled = false;
    bool flagged_url_early = false, flagged_expired_fetch = false;
  };
  struct ErrorTrack {
    AuditedRequest error;  // the last 5xx or 429 of this endpoint
    bool flagged = false;
  };
  struct VendorTrack {
    uint64_t next_seq = 1;
    // The last ring_capacity_ requests, oldest at ring_start once full. A
    // fixed ring whose slots are assigned over: their strings keep their
    // buffers, so recording a request allocates nothing once it is warm.
    std::vector<AuditedRequest> ring;
    size_t ring_start = 0;
    std::unordered_map<std::string, OrderTrack> orders;
    std::unordered_map<std::string, AuditedRequest> duplicates;  // first 409 per key
    std::unordered_map<std::string, ErrorTrack> errors;          // per "METHOD path"
  };

  // Judges `r` against what `v` has seen, and remembers what it teaches.
  void Judge(VendorTrack& v, const AuditedRequest& r);
  void JudgeBackoff(VendorTrack& v, const AuditedRequest& r, bool is_error);
  void Find(const char* id, const AuditedRequest& current, std::string observed,
            std::initializer_list<const AuditedRequest*> earlier);

  const ClientObligations& obligations_;
  const Clock& wall_;
  const size_t ring_capacity_;
  mutable std::mutex mu_;
  std::map<uint16_t, VendorTrack> vendors_;
  std::vector<AuditFinding> findings_;
  uint64_t findings_dropped_ = 0;
};

// A human-readable report of the findings (Markdown), for --audit-report.
std::string RenderAuditReport(const ClientAudit& audit, const std::vector<std::string>& vendor_names);

}  // namespace purchase
