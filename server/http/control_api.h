// ControlApi: the one implementation of the control vocabulary
// (spec/control.yaml) for every API: its routes, its gate (--no-control,
// route, control token, body limit, JSON body) and the shape of every reply.
//
// An API offers what it has through a ControlPort: its clock, its fault
// rules, its orders' histories, how it words an error, and the capabilities
// not every API has (audit, drills). What a fault rule can match and do is
// the API's own vocabulary (spec/<api>/README.md), so a port reads and writes
// its rules; listing, adding, deleting and their replies are the same for all.
// Holds no mutable state: one instance per sandbox, called under whatever
// lock the API takes for its own requests.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/document.h>

#include "hl_connector/purchase_service.h"  // ClockReading
#include "core/status.h"
#include "http/http_message.h"
#include "http/request_decoding.h"
#include "http/route_table.h"

namespace purchase::http {

// One step of an order's history: "" as `from` for the step that created it.
struct HistoryStep {
  std::string from, to;
  Millis at = 0;
  std::string cause;
};

struct HistoryView {
  std::string order_id;
  std::string status;
  std::vector<HistoryStep> steps;
};

// A fault rule as the port stored it: its id and its JSON object.
struct StoredRule {
  std::string id;
  std::string json;
};

class ControlPort {
 public:
  virtual ~ControlPort() = default;

  // GET /_control. The name is "" for the HL Connector, whose reply predates
  // the member and stays byte-identical.
  virtual std::string_view api_name() const = 0;
  virtual std::vector<std::string> defects() const = 0;
  virtual bool clock_is_manual() const = 0;
  // The reply for an error, worded as the API words its errors; `status`,
  // when not 0, replaces the catalogued one (a fault rule's).
  virtual HttpReply Refuse(const Error& error, int status = 0) const = 0;
  // The catalogued status of `code` (its errors.yaml), 0 when it has none.
  virtual int StatusOf(ErrorCode code) const = 0;
  // Unknown members of a control body: refused, or skipped (the other variant).
  virtual UnknownMembers unknown_members() const { return UnknownMembers::kRefuse; }
  // False only for a defect that leaves Allow out of 405 replies.
  virtual bool sends_allow() const { return true; }

  // Forgets orders, tokens, fault rules (and what else the API holds) and
  // puts a manual clock back at its start; returns the clock's reading.
  virtual ClockReading Reset() = 0;
  virtual ClockReading Now() = 0;
  // Move a manual clock, settling what falls due (CLOCK_NOT_MANUAL,
  // CLOCK_BACKWARDS, REQUEST_VALIDATION_FAILED past the latest instant).
  virtual Result<ClockReading> Advance(Millis by) = 0;
  virtual Result<ClockReading> SetTime(Millis to) = 0;

  virtual std::vector<std::string> FaultRules() = 0;  // each a JSON object
  virtual Result<StoredRule> AddFaultRule(const rapidjson::Value& body, UnknownMembers unknown) = 0;
  virtual std::optional<std::string> RemoveFaultRule(const std::string& id) = 0;  // its JSON
  virtual size_t ClearFaultRules() = 0;
  virtual Result<HistoryView> History(std::string_view order_id) = 0;

  // Capabilities an API may offer. Audit: GET (clear=false) and DELETE
  // (clear=true) /_control/audit answer the JSON this returns. Drills: named
  // fault programs, each a JSON object; StartDrill installs one and answers
  // it with its installed rules, or nullopt for an unknown name.
  virtual bool offers_audit() const { return false; }
  virtual std::string AuditJson(bool /*clear*/) { return "{}"; }
  virtual bool offers_drills() const { return false; }
  virtual std::vector<std::string> Drills() { return {}; }
  virtual std::optional<std::string> StartDrill(const std::string& /*name*/) { return std::nullopt; }
};

// The error code of a reply a fault rule injects with `status`: RATE_LIMITED,
// INTERNAL_ERROR or SERVICE_UNAVAILABLE when the port catalogues it with that
// status, else INJECTED_FAULT (spec/README.md, "Fault rules").
ErrorCode InjectedFaultCode(const ControlPort& port, int status);

struct ControlOptions {
  bool enabled = true;        // false: 404 on every /_control path (--no-control)
  std::string token;          // empty: no token needed
  size_t max_body_bytes = 64 * 1024;
  std::string version;        // GET /_control's "version"
  bool sandboxes = false;     // GET /_control lists "sandboxes" (a SandboxRouter serves them)
};

class ControlApi {
 public:
  ControlApi(ControlPort& port, ControlOptions options);

  // Whether `path` is the control API's ("/_control" or below it).
  static bool Owns(std::string_view path);
  // Answers a request Owns() said is the control API's.
  HttpReply Handle(const HttpRequest& request);

 private:
  struct Call;
  using Handler = HttpReply (ControlApi::*)(const Call&);
  struct Operation {
    bool json_body;
    Handler handle;
  };

  HttpReply Capabilities(const Call& call);
  HttpReply Reset(const Call& call);
  HttpReply ShowClock(const Call& call);
  HttpReply AdvanceClock(const Call& call);
  HttpReply SetClock(const Call& call);
  HttpReply ListFaults(const Call& call);
  HttpReply AddFault(const Call& call);
  HttpReply ClearFaults(const Call& call);
  HttpReply RemoveFault(const Call& call);
  HttpReply ShowHistory(const Call& call);
  HttpReply ShowAudit(const Call& call);
  HttpReply ClearAudit(const Call& call);
  HttpReply ListDrills(const Call& call);
  HttpReply StartDrill(const Call& call);
  HttpReply NoSuchEndpoint(const HttpRequest& request) const;

  ControlPort& port_;
  const ControlOptions options_;
  RouteTable routes_;
  std::vector<Operation> operations_;  // by RouteTable index
};

}  // namespace purchase::http
