// ClientAudit: checks the requests each client makes against the client
// obligations of its API (spec/client-obligations.yaml for the HL Connector,
// spec/<api>/client-obligations.yaml for a profile), so an integrator learns
// what their client did wrong, not only that its happy path worked. The
// reference server's audit (GET /_control/audit) and `conformance proxy`
// judge by this one class and the same files.
//
// What each obligation checks is data: a `check` of one of a few kinds
// (AuditCheck::Kind) over the API's operations, error codes and order states,
// so an API brings its obligations file and no code. The caller records every
// answered request (and every signed-URL fetch, attributed to the order's
// client) after answering it; the audit judges each one incrementally against
// small per-order and per-endpoint state: findings name the obligation, the
// requests involved and what a correct client does. It also keeps each
// client's last `ring_capacity` requests, which the report shows as what the
// client did last. Timing obligations (Retry-After, back-off) are judged in
// wall-clock time, since that is what a client waits; the wall clock is
// injected. Thread-safe: one internal mutex.
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

// What an obligation's `check` looks for in the requests of one client.
struct AuditCheck {
  enum class Kind {
    kAnswered,              // a request of `operations` answered with one of `codes`
    kAnsweredAgain,         // the same `key` answered with one of `codes` a second time
    kPollBeforeRetryAfter,  // a poll of an order sooner than the last pending answer's Retry-After
    kPollAfterSettled,      // `times` polls of an order after an answer showed it settled
    kBackoff,               // the same endpoint again, sooner than a 5xx's or 429's Retry-After (1 s without)
    kAfterState,            // a request of `operations` naming an order after an answer showed it `state`
  };
  Kind kind = Kind::kAnswered;
  std::vector<std::string> operations;  // "METHOD /path/{template}"; empty: any
  std::vector<std::string> codes;       // error codes
  // The key of kAnsweredAgain: JSON pointers into the request body, or query
  // parameter names; the values, joined with " / ".
  std::vector<std::string> body_key, query_key;
  std::string state;  // kAfterState
  int times = 3;      // kPollAfterSettled
  // What the finding says the client did, with {order}, {key}, {code},
  // {status}, {state}, {times}, {waited}, {wait}, {retry_after}, {endpoint}.
  std::string observed;
};

struct ClientObligation {
  std::string id;
  std::string rule;
  std::string reason;
  std::string detected_when;
  std::string source;  // the sentence's home: "issue 2", "spec/tabs/README.md", ...
  std::vector<AuditCheck> checks;
};

class ClientObligations {
 public:
  // Parses an obligations file; throws SpecError naming file:line for a
  // missing field, an unknown check kind or a check missing what its kind needs.
  static ClientObligations Parse(std::string_view yaml_text, std::string_view source);
  // The HL Connector's, spec/client-obligations.yaml as built in.
  static const ClientObligations& Builtin();
  const ClientObligation* Find(std::string_view id) const;
  const std::vector<ClientObligation>& all() const { return all_; }
  const std::string& source() const { return source_; }

  // The states in which an order still changes by itself (a client polls
  // it); any other state an answer shows settles it.
  const std::vector<std::string>& pending_states() const { return pending_; }
  // The state an error code shows the order named is in (410 ORDER_CANCELED: CANCELED).
  const std::map<std::string, std::string>& state_of_error() const { return state_of_error_; }

 private:
  std::string source_;
  std::vector<ClientObligation> all_;
  std::vector<std::string> pending_;
  std::map<std::string, std::string> state_of_error_;
};

struct AuditedRequest {
  uint64_t seq = 0;        // set by the audit: the client's request number, from 1
  Millis wall = 0;         // wall-clock instant of the answer
  Millis server_time = 0;  // server clock instant of the answer
  uint16_t vendor = 0;     // the client
  std::string method;
  std::string path;          // without the query
  std::string operation;     // "METHOD /template" ("GET /assets/download/{order_id}"); "": method + " " + path
  std::string order_id;      // the order the request names, if any
  int status = 0;
  std::string error_code;    // "" for a success
  std::optional<int64_t> retry_after;
  std::string order_status;  // the status the reply showed, if it carried an order
  // The request as sent, read only while Record() runs (for a check's key);
  // never kept.
  std::string_view body;
  std::string_view raw_query;
};

struct AuditFinding {
  std::string obligation;
  uint16_t vendor = 0;
  std::string observed;
  std::vector<AuditedRequest> requests;  // earliest first; the last one broke the obligation
};

class ClientAudit {
 public:
  ClientAudit(const ClientObligations& obligations, const Clock& wall_clock, size_t ring_capacity = 50);

  // Judges one answered request. `seq` and `wall` (from the wall clock) are
  // filled in by the audit.
  void Record(const AuditedRequest& request);
  std::vector<AuditFinding> Findings() const;
  // The findings after the first `n` (those a caller has already shown).
  std::vector<AuditFinding> FindingsSince(size_t n) const;
  // Requests recorded per client since the start or the last Reset().
  std::map<uint16_t, uint64_t> RecordedPerVendor() const;
  // Findings not kept because the list was full (1000).
  uint64_t findings_dropped() const;
  // The client's last `ring_capacity` requests, oldest first: what it did
  // just before the run stopped, findings or not.
  std::vector<AuditedRequest> RecentRequests(uint16_t vendor) const;
  void Reset();

  const ClientObligations& obligations() const { return obligations_; }

 private:
  struct OrderTrack {
    std::optional<AuditedRequest> last_pending;  // the last answer showing it pending, with a Retry-After
    std::optional<AuditedRequest> settled;       // the first answer that showed it settled
    std::vector<std::pair<std::string, AuditedRequest>> shown;  // the first answer showing each state
    int polls_after_settled = 0;
    std::vector<const ClientObligation*> flagged;  // one finding per order and obligation
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
    std::unordered_map<std::string, AuditedRequest> answered_once;  // obligation id + key -> the first answer
    std::unordered_map<std::string, ErrorTrack> errors;             // per "METHOD path"
  };
  using Fill = std::vector<std::pair<std::string_view, std::string>>;

  void Judge(VendorTrack& v, const AuditedRequest& r);
  void JudgeCheck(VendorTrack& v, const AuditedRequest& r, const ClientObligation& o, const AuditCheck& c);
  void JudgeBackoff(VendorTrack& v, const AuditedRequest& r, bool is_error);
  // Teaches the order's track what `r` showed of it, for the next requests.
  void Learn(VendorTrack& v, const AuditedRequest& r);
  bool Pending(std::string_view state) const;
  void Find(const ClientObligation& o, const AuditCheck& c, const AuditedRequest& current, const Fill& fill,
            std::initializer_list<const AuditedRequest*> earlier);

  const ClientObligations& obligations_;
  const Clock& wall_;
  const size_t ring_capacity_;
  const ClientObligation* backoff_ = nullptr;  // the obligation with a kBackoff check, if any
  mutable std::mutex mu_;
  std::map<uint16_t, VendorTrack> vendors_;
  std::vector<AuditFinding> findings_;
  uint64_t findings_dropped_ = 0;
};

// A human-readable report of the findings (Markdown), for --audit-report.
std::string RenderAuditReport(const ClientAudit& audit, const std::vector<std::string>& vendor_names);

}  // namespace purchase
