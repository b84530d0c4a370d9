// ProfileHost: the profiles' side of the one host (http/api_host.h): a
// purchase API (a profile) over the generic engine.
//
// A profile is a thin surface: its routes (a table, not a switch), how a
// caller authenticates, and one handler per operation that decodes the
// request, asks the OrderEngine and encodes the reply. Routing (404, 405 with
// Allow), the answers of request fault rules, the body limit (413) and the
// control API are ApiHost's, the same for every API, the HL Connector
// included; this class adds what the engine needs: its state (engine, fault
// rules, clock) behind one mutex, due-time settling before every answer, and
// the ControlPort over them.
//
// Check order, every profile: route -> fault -> 413 -> the query's text, for
// a profile that reads one (each parameter decoded once, valid UTF-8, never
// repeated: 422) -> the profile's authentication -> the handler. One mutex serializes requests: answers are
// a function of the request sequence alone (and the seed), never of threads.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/document.h>

#include "core/clock.h"
#include "core/lifecycle.h"
#include "core/status.h"
#include "engine/engine_faults.h"
#include "core/client_audit.h"
#include "engine/order_engine.h"
#include "http/api_host.h"
#include "http/control_api.h"
#include "http/http_message.h"
#include "http/route_table.h"
#include "profiles/error_replies.h"

namespace purchase::profiles {

using http::PathParams;
using http::RouteMatch;
using http::RouteTable;

class Profile;

// A request's query parameters, percent-decoded once by the host (valid
// UTF-8, no NUL, each name at most once), in the order sent.
using Query = std::vector<std::pair<std::string, std::string>>;

// A request body read as a JSON object (http::ParseJson), or the reply that
// refuses it: MALFORMED_JSON, or the profile's REQUEST_VALIDATION_FAILED
// (Profile::RefuseInvalid) for a repeated member or a body that is no object.
struct JsonObject {
  std::shared_ptr<const rapidjson::Value> value;  // an object, when there is no refusal
  std::optional<http::HttpReply> refusal;
};

// What a route handler is given.
struct Call {
  const http::HttpRequest& request;
  const Query& query;       // empty unless the profile ReadsQuery()
  PathParams params;        // the route pattern's {names}
  std::string caller;       // who Authenticate said is calling
  engine::OrderEngine& engine;
  const ErrorReplies& errors;
  engine::EngineFaults& faults;
  const Profile& profile;

  // The fulfillment fault rule matching this request, counted as fired: call
  // it only once the request creates an order (a refused request spends no
  // rule), and apply it to that order instead of the usual cause and delay.
  std::optional<engine::OutcomeOverride> TakeOutcome() const {
    return faults.TakeOutcome(request.method, request.path);
  }

  // The request body as a JSON object, or the reply refusing it.
  JsonObject Body() const;
};

using RouteHandler = std::function<http::HttpReply(Call&)>;

struct ProfileRoute {
  std::string method;
  std::string pattern;  // "/api/catalog/v2/purchases/{purchase_id}"
  RouteHandler handle;
};

// The caller, or the reply that refuses it (401, 403...).
struct Caller {
  std::optional<std::string> who;
  http::HttpReply refusal;
};

class Profile {
 public:
  virtual ~Profile() = default;
  // The name of `--api`: "imaging-catalog", "sheetmusicdirect", "tabs".
  virtual std::string_view name() const = 0;
  virtual std::vector<ProfileRoute> Routes() = 0;
  // Authenticates a request that was routed to `route_pattern` (`query` is its decoded query).
  virtual Caller Authenticate(const http::HttpRequest& request, const Query& query, std::string_view route_pattern,
                              const ErrorReplies& errors) const = 0;
  // True if its operations read query parameters: the host then decodes the
  // query once (Call::query) and refuses one that is not text or repeats a
  // name. Otherwise the query is never read (Call::query is empty).
  virtual bool ReadsQuery() const { return false; }
  // The reply refusing a request whose query or body the host cannot read as
  // text (REQUEST_VALIDATION_FAILED, naming `error.field`); by default the
  // profile's plain error.
  virtual http::HttpReply RefuseInvalid(const Error& error, const ErrorReplies& errors) const {
    return errors.Reply("REQUEST_VALIDATION_FAILED", error.message);
  }
  // Called by POST /_control/reset after the engine forgot its orders.
  virtual void Reset() {}
};

// Reads `body` as a JSON object; a validation refusal goes through `invalid`.
JsonObject ReadJsonObject(std::string_view body, const ErrorReplies& errors,
                          const std::function<http::HttpReply(const Error&)>& invalid);

struct HostOptions {
  bool control_enabled = true;
  std::string control_token;  // empty: the control API needs no token
  size_t max_body_bytes = 64 * 1024;
  std::string version = "0.1.0";
  std::vector<std::string> defects;  // names switched on, reported by GET /_control
  bool sandboxes = false;            // GET /_control lists "sandboxes" (a SandboxRouter serves it)
  // The API's client obligations (spec/<api>/client-obligations.yaml) and the
  // wall clock its timing obligations are judged by: with both, the host
  // audits every authenticated request (core/client_audit.h) and offers the
  // capability `audit`. Must outlive the host.
  const ClientObligations* obligations = nullptr;
  const Clock* wall_clock = nullptr;
};

class ProfileHost final : public http::RequestHandler {
 public:
  // `lifecycle` and `errors` are the profile's (spec/<api>/); all must
  // outlive the host.
  ProfileHost(Profile& profile, const Lifecycle& lifecycle, const ErrorReplies& errors, std::unique_ptr<Clock> clock,
              engine::EngineOptions engine_options, HostOptions options, engine::EngineDefects defects = {});
  ~ProfileHost() override;

  http::HttpReply Handle(const http::HttpRequest& request) override;

  // How many orders the engine holds, and the host's server time (both under its lock).
  size_t order_count();
  // How many fault rules it holds (under its lock).
  size_t fault_rule_count();
  Millis now();

  // For tests: the engine, under no lock (use only when no request runs).
  engine::OrderEngine& engine_for_tests() { return *engine_; }

 private:
  class Controls;  // its ControlPort (profile_host.cc)
  class Exchange;  // one request through the host (profile_host.cc)
  friend class http::ApiHost<ProfileHost>;

  Profile& profile_;
  const Lifecycle& lifecycle_;
  const ErrorReplies& errors_;
  std::unique_ptr<Clock> clock_;
  ManualClock* const manual_;  // clock_ when it is manual, else null
  const HostOptions options_;
  std::unique_ptr<engine::OrderEngine> engine_;
  engine::EngineFaults faults_;
  std::vector<ProfileRoute> handlers_;  // by route index
  // The client audit, with options_.obligations; clients by the name
  // Authenticate gave. Made before the control API, which asks whether it is offered.
  std::unique_ptr<ClientAudit> audit_;
  std::map<std::string, uint16_t, std::less<>> clients_;
  std::vector<std::string> client_names_;
  std::unique_ptr<Controls> controls_;
  http::ApiHost<ProfileHost> host_;
  std::mutex mu_;

  // Records an answered request of `caller` for the audit (under mu_).
  void Audit(const http::HttpRequest& request, const ProfileRoute& route, const http::RouteMatch& match,
             const std::string& caller, const http::HttpReply& reply);
};

}  // namespace purchase::profiles
