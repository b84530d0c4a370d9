#include "http/control_api.h"

#include "http/credentials.h"
#include "http/json_text.h"

namespace purchase::http {
namespace {

using Json = JsonText;

HttpReply Ok(int status, std::string body) {
  HttpReply reply;
  reply.status = status;
  reply.body = std::move(body);
  return reply;
}

std::string ClockJson(const ClockReading& c, bool manual, bool with_settled) {
  Json j;
  j.w().StartObject();
  j.KeyTime("now", c.now);
  j.KeyStr("mode", manual ? "manual" : "real");
  if (with_settled) {
    j.Key("settled");
    j.w().Uint64(c.settled);
  }
  j.w().EndObject();
  return j.Take();
}

// {"<key>":[<each>]}
std::string ListJson(std::string_view key, const std::vector<std::string>& each) {
  Json j;
  j.w().StartObject();
  j.Key(key);
  j.w().StartArray();
  for (const auto& e : each) j.Raw(e);
  j.w().EndArray();
  j.w().EndObject();
  return j.Take();
}

const std::string kNoPathParam;

}  // namespace

struct ControlApi::Call {
  const HttpRequest& req;
  const std::string& param;               // the route's path parameter, "" if it has none
  const rapidjson::Value* body = nullptr;  // when the operation takes a JSON body
};

ErrorCode InjectedFaultCode(const ControlPort& port, int status) {
  for (ErrorCode code : {ErrorCode::kRateLimited, ErrorCode::kInternalError, ErrorCode::kServiceUnavailable})
    if (port.StatusOf(code) == status) return code;
  return ErrorCode::kInjectedFault;
}

bool ControlApi::Owns(std::string_view path) { return path == "/_control" || path.rfind("/_control/", 0) == 0; }

ControlApi::ControlApi(ControlPort& port, ControlOptions options) : port_(port), options_(std::move(options)) {
  constexpr bool kJson = true, kNoBody = false;
  struct Entry {
    const char* method;
    const char* pattern;
    Operation operation;
  };
  // A path's methods are listed in its 405 replies' Allow in this order.
  const Entry entries[] = {
      {"GET", "/_control", {kNoBody, &ControlApi::Capabilities}},
      // Reset and a drill's start take a POST without reading its body.
      {"POST", "/_control/reset", {kNoBody, &ControlApi::Reset}},
      {"GET", "/_control/clock", {kNoBody, &ControlApi::ShowClock}},
      {"POST", "/_control/clock/advance", {kJson, &ControlApi::AdvanceClock}},
      {"POST", "/_control/clock/set", {kJson, &ControlApi::SetClock}},
      {"GET", "/_control/faults", {kNoBody, &ControlApi::ListFaults}},
      {"POST", "/_control/faults", {kJson, &ControlApi::AddFault}},
      {"DELETE", "/_control/faults", {kNoBody, &ControlApi::ClearFaults}},
      {"DELETE", "/_control/faults/{id}", {kNoBody, &ControlApi::RemoveFault}},
      {"GET", "/_control/orders/{order_id}/history", {kNoBody, &ControlApi::ShowHistory}},
      {"GET", "/_control/audit", {kNoBody, &ControlApi::ShowAudit}},
      {"DELETE", "/_control/audit", {kNoBody, &ControlApi::ClearAudit}},
      {"GET", "/_control/drills", {kNoBody, &ControlApi::ListDrills}},
      {"POST", "/_control/drills/{name}", {kNoBody, &ControlApi::StartDrill}},
  };
  for (const Entry& e : entries) {
    // An endpoint of a capability the API does not offer is no endpoint (404).
    const std::string_view pattern = e.pattern;
    if (pattern.rfind("/_control/audit", 0) == 0 && !port_.offers_audit()) continue;
    if (pattern.rfind("/_control/drills", 0) == 0 && !port_.offers_drills()) continue;
    routes_.Add(e.method, e.pattern);
    operations_.push_back(e.operation);
  }
}

HttpReply ControlApi::NoSuchEndpoint(const HttpRequest& req) const {
  return port_.Refuse(MakeError(ErrorCode::kNotFound, "no endpoint at " + req.method + " " + req.path));
}

// The order of spec/README.md, "Check order": --no-control, route, token, 413, 400, 422, domain.
HttpReply ControlApi::Handle(const HttpRequest& req) {
  if (!options_.enabled)
    return port_.Refuse(MakeError(ErrorCode::kNotFound, "the control API is turned off (--no-control)"));
  const RouteMatch match = routes_.Match(req.method, req.path);
  if (match.kind == RouteMatch::Kind::kNoSuchPath) return NoSuchEndpoint(req);
  if (match.kind == RouteMatch::Kind::kMethodNotAllowed) {
    HttpReply reply = port_.Refuse(
        MakeError(ErrorCode::kMethodNotAllowed, req.path + " does not take " + req.method + "; it takes " + match.allow));
    if (port_.sends_allow()) reply.headers.emplace_back("Allow", match.allow);
    return reply;
  }
  if (!options_.token.empty() && !ConstantTimeEquals(BearerToken(req.authorization), options_.token)) {
    HttpReply reply =
        port_.Refuse(MakeError(ErrorCode::kUnauthenticated, "the control API needs 'Authorization: Bearer <control token>'"));
    bool challenged = false;
    for (const auto& [name, value] : reply.headers) challenged = challenged || name == "WWW-Authenticate";
    if (!challenged) reply.headers.emplace_back("WWW-Authenticate", "Bearer");
    return reply;
  }
  if (req.body.size() > options_.max_body_bytes)
    return port_.Refuse(MakeError(ErrorCode::kPayloadTooLarge, "the request body is larger than " +
                                                                   std::to_string(options_.max_body_bytes) + " bytes"));
  const Operation& op = operations_[match.index];
  // No route has more than one path parameter.
  Call call{req, match.params.empty() ? kNoPathParam : match.params.begin()->second};
  std::shared_ptr<const rapidjson::Value> body;
  if (op.json_body) {
    auto parsed = ParseJsonObject(req.body);
    if (!parsed.ok()) return port_.Refuse(parsed.error());
    body = parsed.value();
    call.body = body.get();
  }
  return (this->*op.handle)(call);
}

HttpReply ControlApi::Capabilities(const Call&) {
  const bool manual = port_.clock_is_manual();
  Json j;
  j.w().StartObject();
  j.Key("capabilities");
  j.w().StartArray();
  j.Str("reset");
  if (manual) j.Str("clock");
  j.Str("faults");
  j.Str("history");
  if (port_.offers_audit()) j.Str("audit");
  if (port_.offers_drills()) j.Str("drills");
  if (options_.sandboxes) j.Str("sandboxes");
  j.w().EndArray();
  j.KeyStr("clock", manual ? "manual" : "real");
  j.KeyStr("version", options_.version);
  if (!port_.api_name().empty()) j.KeyStr("api", port_.api_name());
  j.Key("defects");
  j.w().StartArray();
  for (const auto& d : port_.defects()) j.Str(d);
  j.w().EndArray();
  j.w().EndObject();
  return Ok(200, j.Take());
}

HttpReply ControlApi::Reset(const Call&) { return Ok(200, ClockJson(port_.Reset(), port_.clock_is_manual(), false)); }

HttpReply ControlApi::ShowClock(const Call&) { return Ok(200, ClockJson(port_.Now(), port_.clock_is_manual(), false)); }

HttpReply ControlApi::AdvanceClock(const Call& call) {
  auto by = DecodeClockAdvance(*call.body, port_.unknown_members());
  if (!by.ok()) return port_.Refuse(by.error());
  auto moved = port_.Advance(by.value());
  if (!moved.ok()) return port_.Refuse(moved.error());
  return Ok(200, ClockJson(moved.value(), true, true));
}

HttpReply ControlApi::SetClock(const Call& call) {
  auto to = DecodeClockSet(*call.body, port_.unknown_members());
  if (!to.ok()) return port_.Refuse(to.error());
  auto moved = port_.SetTime(to.value());
  if (!moved.ok()) return port_.Refuse(moved.error());
  return Ok(200, ClockJson(moved.value(), true, true));
}

HttpReply ControlApi::ListFaults(const Call&) { return Ok(200, ListJson("faults", port_.FaultRules())); }

HttpReply ControlApi::AddFault(const Call& call) {
  auto added = port_.AddFaultRule(*call.body, port_.unknown_members());
  if (!added.ok()) return port_.Refuse(added.error());
  HttpReply out = Ok(201, added.value().json);
  out.headers.emplace_back("Location", call.req.base_path + "/_control/faults/" + added.value().id);
  return out;
}

HttpReply ControlApi::ClearFaults(const Call&) {
  Json j;
  j.w().StartObject();
  j.Key("deleted");
  j.w().Uint64(port_.ClearFaultRules());
  j.w().EndObject();
  return Ok(200, j.Take());
}

HttpReply ControlApi::RemoveFault(const Call& call) {
  auto removed = port_.RemoveFaultRule(call.param);
  if (!removed) return port_.Refuse(MakeError(ErrorCode::kFaultNotFound, "no fault rule '" + call.param + "'"));
  return Ok(200, std::move(*removed));
}

HttpReply ControlApi::ShowHistory(const Call& call) {
  auto history = port_.History(call.param);
  if (!history.ok()) return port_.Refuse(history.error());
  const HistoryView& h = history.value();
  Json j;
  j.w().StartObject();
  j.KeyStr("order_id", h.order_id);
  j.KeyStr("status", h.status);
  j.Key("history");
  j.w().StartArray();
  for (const auto& step : h.steps) {
    j.w().StartObject();
    j.Key("from");
    if (step.from.empty()) j.w().Null(); else j.Str(step.from);
    j.KeyStr("to", step.to);
    j.KeyTime("at", step.at);
    j.KeyStr("cause", step.cause);
    j.w().EndObject();
  }
  j.w().EndArray();
  j.w().EndObject();
  return Ok(200, j.Take());
}

HttpReply ControlApi::ShowAudit(const Call&) { return Ok(200, port_.AuditJson(false)); }

HttpReply ControlApi::ClearAudit(const Call&) { return Ok(200, port_.AuditJson(true)); }

HttpReply ControlApi::ListDrills(const Call&) { return Ok(200, ListJson("drills", port_.Drills())); }

HttpReply ControlApi::StartDrill(const Call& call) {
  auto started = port_.StartDrill(call.param);
  if (!started)
    return port_.Refuse(MakeError(ErrorCode::kNotFound, "no drill '" + call.param + "' (GET /_control/drills lists them)"));
  return Ok(201, std::move(*started));
}

}  // namespace purchase::http
