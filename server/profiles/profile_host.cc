#include "profiles/profile_host.h"

#include <cmath>
#include <stdexcept>

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "http/json_body.h"
#include "http/valid_text.h"

namespace purchase::profiles {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void WriteString(Writer& w, std::string_view s) { w.String(s.data(), static_cast<rapidjson::SizeType>(s.size())); }

void WriteTime(Writer& w, Millis t) {
  const Rfc3339Text text = FormatRfc3339Text(t);
  w.String(text.data, static_cast<rapidjson::SizeType>(text.size));
}

std::string ClockJson(const Clock& clock, std::optional<size_t> settled) {
  rapidjson::StringBuffer b;
  Writer w(b);
  w.StartObject();
  w.Key("now");
  WriteTime(w, clock.Now());
  w.Key("mode");
  w.String(clock.IsManual() ? "manual" : "real");
  if (settled) {
    w.Key("settled");
    w.Uint64(*settled);
  }
  w.EndObject();
  return b.GetString();
}

void WriteRule(Writer& w, const engine::EngineFaultRule& r) {
  w.StartObject();
  w.Key("id");
  WriteString(w, r.id);
  w.Key("match");
  w.StartObject();
  if (r.method) {
    w.Key("method");
    WriteString(w, *r.method);
  }
  if (r.path) {
    w.Key("path");
    WriteString(w, *r.path);
  }
  w.EndObject();
  w.Key("effect");
  w.StartObject();
  if (r.status) {
    w.Key("status");
    w.Int(*r.status);
  }
  if (r.retry_after) {
    w.Key("retry_after");
    w.Int64(*r.retry_after);
  }
  if (r.delay_ms) {
    w.Key("delay_ms");
    w.Int64(*r.delay_ms);
  }
  if (r.drop_connection) {
    w.Key("drop_connection");
    w.Bool(true);
  }
  if (r.outcome) {
    w.Key("outcome");
    WriteString(w, *r.outcome);
  }
  if (r.outcome_after) {
    w.Key("outcome_after_seconds");
    w.Double(static_cast<double>(*r.outcome_after) / 1000.0);
  }
  w.EndObject();
  w.Key("remaining");
  if (r.remaining)
    w.Int64(*r.remaining);
  else
    w.Null();
  w.EndObject();
}

std::string RuleJson(const engine::EngineFaultRule& r) {
  rapidjson::StringBuffer b;
  Writer w(b);
  WriteRule(w, r);
  return b.GetString();
}

// Checks that `object` has no member outside `allowed`; names the first.
std::optional<std::string> UnknownMember(const rapidjson::Value& object, std::initializer_list<std::string_view> allowed) {
  for (const auto& m : object.GetObject()) {
    const std::string_view name(m.name.GetString(), m.name.GetStringLength());
    bool known = false;
    for (auto a : allowed) known = known || a == name;
    if (!known) return std::string(name);
  }
  return std::nullopt;
}

}  // namespace

JsonObject Call::Body() const {
  return ReadJsonObject(request.body, errors, [&](const Error& e) { return profile.RefuseInvalid(e, errors); });
}

JsonObject ReadJsonObject(std::string_view body, const ErrorReplies& errors,
                          const std::function<http::HttpReply(const Error&)>& invalid) {
  http::ParsedJson parsed = http::ParseJson(body);
  if (parsed.refusal) {
    if (parsed.refusal->kind == http::JsonRefusal::Kind::kMalformed)
      return {nullptr, errors.Reply("MALFORMED_JSON", parsed.refusal->message)};
    return {nullptr, invalid(InvalidField(parsed.refusal->field, parsed.refusal->message))};
  }
  if (!parsed.value->IsObject()) return {nullptr, invalid(InvalidField("", "the body must be a JSON object"))};
  return {std::move(parsed.value), std::nullopt};
}

ProfileHost::ProfileHost(Profile& profile, const Lifecycle& lifecycle, const ErrorReplies& errors,
                         std::unique_ptr<Clock> clock, engine::EngineOptions engine_options, HostOptions options,
                         engine::EngineDefects defects)
    : profile_(profile),
      lifecycle_(lifecycle),
      errors_(errors),
      clock_(std::move(clock)),
      manual_(dynamic_cast<ManualClock*>(clock_.get())),
      options_(std::move(options)),
      engine_(std::make_unique<engine::OrderEngine>(lifecycle, *clock_, std::move(engine_options), defects)) {
  handlers_ = profile_.Routes();
  for (const auto& r : handlers_) routes_.Add(r.method, r.pattern);
  // The control API of spec/control.yaml; a path's methods are listed in
  // Allow in this order.
  struct {
    const char* method;
    const char* pattern;
    ControlHandler handle;
  } const control[] = {
      {"GET", "/_control", &ProfileHost::ControlInfo},
      {"POST", "/_control/reset", &ProfileHost::ControlReset},
      {"GET", "/_control/clock", &ProfileHost::ReadClock},
      {"POST", "/_control/clock/advance", &ProfileHost::AdvanceClock},
      {"POST", "/_control/clock/set", &ProfileHost::SetClock},
      {"GET", "/_control/faults", &ProfileHost::ListFaults},
      {"POST", "/_control/faults", &ProfileHost::AddFault},
      {"DELETE", "/_control/faults", &ProfileHost::ClearFaults},
      {"DELETE", "/_control/faults/{id}", &ProfileHost::DeleteFault},
      {"GET", "/_control/orders/{order_id}/history", &ProfileHost::OrderHistory},
  };
  for (const auto& c : control) {
    control_routes_.Add(c.method, c.pattern);
    control_handlers_.push_back(c.handle);
  }
  for (const char* code : {"NOT_FOUND", "METHOD_NOT_ALLOWED", "PAYLOAD_TOO_LARGE", "MALFORMED_JSON",
                           "REQUEST_VALIDATION_FAILED", "INTERNAL_ERROR", "SERVICE_UNAVAILABLE", "RATE_LIMITED",
                           "INJECTED_FAULT", "CLOCK_NOT_MANUAL", "CLOCK_BACKWARDS", "FAULT_NOT_FOUND",
                           "ORDER_NOT_FOUND"})
    if (!errors_.Knows(code))
      throw std::invalid_argument("the errors.yaml of profile " + std::string(profile_.name()) + " lacks " + code +
                                  ", which the host answers");
}

ProfileHost::~ProfileHost() = default;

size_t ProfileHost::order_count() {
  std::lock_guard<std::mutex> lock(mu_);
  return engine_->size();
}

size_t ProfileHost::fault_rule_count() {
  std::lock_guard<std::mutex> lock(mu_);
  return faults_.rules().size();
}

Millis ProfileHost::now() { return clock_->Now(); }

http::HttpReply ProfileHost::Handle(const http::HttpRequest& request) {
  std::lock_guard<std::mutex> lock(mu_);
  try {
    engine_->SettleDue();
    return Dispatch(request);
  } catch (const std::exception& e) {
    return errors_.Reply("INTERNAL_ERROR", std::string("unexpected error: ") + e.what());
  }
}

http::HttpReply ProfileHost::Dispatch(const http::HttpRequest& request) {
  if (request.path == "/_control" || request.path.rfind("/_control/", 0) == 0) {
    if (!options_.control_enabled) return errors_.Reply("NOT_FOUND", "no endpoint has this path");
    return Control(request);
  }
  const RouteMatch match = routes_.Match(request.method, request.path);
  if (match.kind == RouteMatch::Kind::kNoSuchPath) return errors_.Reply("NOT_FOUND", "no endpoint has this path");
  if (match.kind == RouteMatch::Kind::kMethodNotAllowed) {
    http::HttpReply reply = errors_.Reply("METHOD_NOT_ALLOWED", request.method + " is not allowed here");
    reply.headers.emplace_back("Allow", match.allow);
    return reply;
  }
  const std::optional<engine::RequestFault> fault = faults_.TakeRequestFault(request.method, request.path);
  if (fault && fault->status) {
    const int status = *fault->status;
    const char* code = status == 503 ? "SERVICE_UNAVAILABLE"
                       : status == 500 ? "INTERNAL_ERROR"
                       : status == 429 ? "RATE_LIMITED"
                                       : "INJECTED_FAULT";
    http::HttpReply reply = errors_.Reply(code, "injected by a fault rule", status);
    if (errors_.statuses().at(code) != 0 && errors_.statuses().at(code) != status)
      reply = errors_.Reply("INJECTED_FAULT", "injected by a fault rule", status);
    if (fault->retry_after) reply.headers.emplace_back("Retry-After", std::to_string(*fault->retry_after));
    reply.delay_ms = fault->delay_ms;
    reply.drop_connection = fault->drop_connection;
    return reply;
  }
  // A rule without a status answers as usual, late or not at all.
  http::HttpReply reply = Route(request, match);
  if (fault) {
    reply.delay_ms = fault->delay_ms;
    reply.drop_connection = fault->drop_connection;
  }
  return reply;
}

http::HttpReply ProfileHost::Route(const http::HttpRequest& request, const RouteMatch& match) {
  if (request.body.size() > options_.max_body_bytes)
    return errors_.Reply("PAYLOAD_TOO_LARGE", "the body is over " + std::to_string(options_.max_body_bytes) + " bytes");
  // Decoded once, before authentication: a profile may authenticate by its
  // query (SheetMusicDirect's key and signature), which must then be text.
  // A profile that reads no parameter never looks at the query.
  Query query;
  if (profile_.ReadsQuery()) {
    auto decoded = http::DecodeQueryText(request.query);
    if (!decoded.ok()) return profile_.RefuseInvalid(decoded.error(), errors_);
    query = std::move(decoded.value());
  }
  const std::string& pattern = routes_.PatternOf(match.index);
  Caller caller = profile_.Authenticate(request, query, pattern, errors_);
  if (!caller.who) return caller.refusal;
  Call call{request, query, match.params, *caller.who, *engine_, errors_, faults_, profile_};
  return handlers_[match.index].handle(call);
}

http::HttpReply ProfileHost::Control(const http::HttpRequest& request) {
  if (request.body.size() > options_.max_body_bytes)
    return errors_.Reply("PAYLOAD_TOO_LARGE", "the body is over " + std::to_string(options_.max_body_bytes) + " bytes");
  const RouteMatch match = control_routes_.Match(request.method, request.path);
  if (match.kind == RouteMatch::Kind::kNoSuchPath) return errors_.Reply("NOT_FOUND", "no endpoint has this path");
  if (match.kind == RouteMatch::Kind::kMethodNotAllowed) {
    http::HttpReply reply = errors_.Reply("METHOD_NOT_ALLOWED", request.method + " is not allowed here");
    reply.headers.emplace_back("Allow", match.allow);
    return reply;
  }
  return (this->*control_handlers_[match.index])(request, match.params);
}

http::HttpReply ProfileHost::ControlInfo(const http::HttpRequest&, const PathParams&) {
  rapidjson::StringBuffer b;
  Writer w(b);
  w.StartObject();
  w.Key("capabilities");
  w.StartArray();
  w.String("reset");
  if (manual_) w.String("clock");
  w.String("faults");
  w.String("history");
  if (options_.sandboxes) w.String("sandboxes");
  w.EndArray();
  w.Key("clock");
  w.String(manual_ ? "manual" : "real");
  w.Key("version");
  WriteString(w, options_.version);
  w.Key("api");
  WriteString(w, profile_.name());
  w.Key("defects");
  w.StartArray();
  for (const auto& d : options_.defects) WriteString(w, d);
  w.EndArray();
  w.EndObject();
  return JsonReply(200, b.GetString());
}

http::HttpReply ProfileHost::ControlReset(const http::HttpRequest&, const PathParams&) {
  engine_->Reset();
  faults_.Reset();
  profile_.Reset();
  if (manual_) manual_->Set(manual_->start());
  return JsonReply(200, ClockJson(*clock_, std::nullopt));
}

http::HttpReply ProfileHost::ReadClock(const http::HttpRequest&, const PathParams&) {
  return JsonReply(200, ClockJson(*clock_, std::nullopt));
}

http::HttpReply ProfileHost::AdvanceClock(const http::HttpRequest& request, const PathParams&) {
  JsonObject body = ControlBody(request);
  if (body.refusal) return *body.refusal;
  const rapidjson::Value& doc = *body.value;
  if (auto unknown = UnknownMember(doc, {"seconds"}))
    return errors_.Reply("REQUEST_VALIDATION_FAILED", "unknown member '" + *unknown + "'");
  if (!doc.HasMember("seconds") || !doc["seconds"].IsNumber())
    return errors_.Reply("REQUEST_VALIDATION_FAILED", "'seconds' must be a number");
  const double seconds = doc["seconds"].GetDouble();
  if (!(seconds >= 0) || seconds > 316224000)
    return errors_.Reply("REQUEST_VALIDATION_FAILED", "'seconds' must be 0..316224000");
  if (!manual_) return errors_.Reply("CLOCK_NOT_MANUAL", "the clock is real; start the server with --clock manual");
  const Millis to = manual_->Now() + static_cast<Millis>(std::llround(seconds * 1000));
  if (to > kLatestInstant)
    return errors_.Reply("REQUEST_VALIDATION_FAILED",
                         "'seconds' would move the clock past 9999-12-31T23:59:59Z, the latest instant a reply can carry");
  return MoveClock(to);
}

http::HttpReply ProfileHost::SetClock(const http::HttpRequest& request, const PathParams&) {
  JsonObject body = ControlBody(request);
  if (body.refusal) return *body.refusal;
  const rapidjson::Value& doc = *body.value;
  if (auto unknown = UnknownMember(doc, {"now"}))
    return errors_.Reply("REQUEST_VALIDATION_FAILED", "unknown member '" + *unknown + "'");
  if (!doc.HasMember("now") || !doc["now"].IsString())
    return errors_.Reply("REQUEST_VALIDATION_FAILED", "'now' must be an RFC 3339 instant");
  // With its length: an instant followed by an escaped NUL and more is no instant.
  const auto at = ParseRfc3339(std::string_view(doc["now"].GetString(), doc["now"].GetStringLength()));
  if (!at) return errors_.Reply("REQUEST_VALIDATION_FAILED", "'now' must be an RFC 3339 instant");
  if (*at > kLatestInstant) return errors_.Reply("REQUEST_VALIDATION_FAILED", "'now' must not be past 9999-12-31T23:59:59Z");
  if (!manual_) return errors_.Reply("CLOCK_NOT_MANUAL", "the clock is real; start the server with --clock manual");
  if (*at < manual_->Now()) return errors_.Reply("CLOCK_BACKWARDS", "the clock never moves back");
  return MoveClock(*at);
}

JsonObject ProfileHost::ControlBody(const http::HttpRequest& request) const {
  return ReadJsonObject(request.body, errors_,
                        [&](const Error& e) { return errors_.Reply("REQUEST_VALIDATION_FAILED", e.message); });
}

http::HttpReply ProfileHost::MoveClock(Millis to) {
  manual_->Set(to);
  const size_t settled = engine_->SettleDue();
  return JsonReply(200, ClockJson(*clock_, settled));
}

http::HttpReply ProfileHost::ListFaults(const http::HttpRequest&, const PathParams&) {
  rapidjson::StringBuffer b;
  Writer w(b);
  w.StartObject();
  w.Key("faults");
  w.StartArray();
  for (const auto& r : faults_.rules()) WriteRule(w, r);
  w.EndArray();
  w.EndObject();
  return JsonReply(200, b.GetString());
}

http::HttpReply ProfileHost::ClearFaults(const http::HttpRequest&, const PathParams&) {
  return JsonReply(200, "{\"deleted\":" + std::to_string(faults_.Clear()) + "}");
}

http::HttpReply ProfileHost::DeleteFault(const http::HttpRequest&, const PathParams& params) {
  const std::string& id = params.at("id");
  if (const auto removed = faults_.Remove(id)) return JsonReply(200, RuleJson(*removed));
  return errors_.Reply("FAULT_NOT_FOUND", "no fault rule has id '" + id + "'");
}

http::HttpReply ProfileHost::OrderHistory(const http::HttpRequest&, const PathParams& params) {
  const std::string& id = params.at("order_id");
  engine::EngineOrder* order = engine_->Find(id);
  if (!order) return errors_.Reply("ORDER_NOT_FOUND", "no order has id '" + id + "'");
  rapidjson::StringBuffer b;
  Writer w(b);
  w.StartObject();
  w.Key("order_id");
  WriteString(w, order->id);
  w.Key("status");
  WriteString(w, order->state);
  w.Key("history");
  w.StartArray();
  for (const auto& h : order->history) {
    w.StartObject();
    w.Key("from");
    if (h.from.empty())
      w.Null();
    else
      WriteString(w, h.from);
    w.Key("to");
    WriteString(w, h.to);
    w.Key("at");
    WriteTime(w, h.at);
    w.Key("cause");
    WriteString(w, h.cause);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return JsonReply(200, b.GetString());
}

http::HttpReply ProfileHost::AddFault(const http::HttpRequest& request, const PathParams&) {
  JsonObject parsed = ControlBody(request);
  if (parsed.refusal) return *parsed.refusal;
  const rapidjson::Value& body = *parsed.value;
  auto invalid = [&](const std::string& message) { return errors_.Reply("REQUEST_VALIDATION_FAILED", message); };
  if (auto unknown = UnknownMember(body, {"match", "effect", "times"}))
    return invalid("unknown member '" + *unknown + "' (a rule is {match, effect, times})");
  engine::EngineFaultRule rule;
  if (body.HasMember("match")) {
    const rapidjson::Value& match = body["match"];
    if (!match.IsObject()) return invalid("'match' must be an object");
    if (auto unknown = UnknownMember(match, {"method", "path"})) return invalid("unknown member 'match." + *unknown + "'");
    for (const char* key : {"method", "path"})
      if (match.HasMember(key)) {
        if (!match[key].IsString() || match[key].GetStringLength() == 0 || match[key].GetStringLength() > 2048)
          return invalid(std::string("'match.") + key + "' must be a non-empty string");
        (std::string_view(key) == "method" ? rule.method : rule.path) =
            std::string(match[key].GetString(), match[key].GetStringLength());
      }
  }
  if (!body.HasMember("effect") || !body["effect"].IsObject()) return invalid("'effect' must be an object");
  const rapidjson::Value& effect = body["effect"];
  if (auto unknown = UnknownMember(effect, {"status", "retry_after", "delay_ms", "drop_connection", "outcome",
                                            "outcome_after_seconds"}))
    return invalid("unknown member 'effect." + *unknown + "'");
  auto integer = [&](const char* key, int64_t lo, int64_t hi, std::optional<int64_t>* out) -> bool {
    if (!effect.HasMember(key)) return true;
    if (!effect[key].IsInt64() || effect[key].GetInt64() < lo || effect[key].GetInt64() > hi) return false;
    *out = effect[key].GetInt64();
    return true;
  };
  std::optional<int64_t> status;
  if (!integer("status", 400, 599, &status)) return invalid("'effect.status' must be an integer 400..599");
  if (status) rule.status = static_cast<int>(*status);
  if (!integer("retry_after", 0, 86400, &rule.retry_after)) return invalid("'effect.retry_after' must be 0..86400");
  if (!integer("delay_ms", 0, 30000, &rule.delay_ms)) return invalid("'effect.delay_ms' must be 0..30000");
  if (effect.HasMember("drop_connection")) {
    if (!effect["drop_connection"].IsBool()) return invalid("'effect.drop_connection' must be true or false");
    rule.drop_connection = effect["drop_connection"].GetBool();
  }
  if (effect.HasMember("outcome")) {
    if (!effect["outcome"].IsString()) return invalid("'effect.outcome' must be a cause of the lifecycle");
    const std::string cause(effect["outcome"].GetString(), effect["outcome"].GetStringLength());
    bool known = false;
    for (const auto& t : lifecycle_.transitions()) known = known || t.cause == cause;
    if (!known) return invalid("'effect.outcome' '" + cause + "' is no cause of the lifecycle");
    rule.outcome = cause;
  }
  if (effect.HasMember("outcome_after_seconds")) {
    const rapidjson::Value& v = effect["outcome_after_seconds"];
    if (!v.IsNumber() || !(v.GetDouble() >= 0) || v.GetDouble() > 316224000)
      return invalid("'effect.outcome_after_seconds' must be 0..316224000");
    rule.outcome_after = static_cast<Millis>(std::llround(v.GetDouble() * 1000));
  }
  const bool request_rule = rule.status || rule.retry_after || rule.delay_ms || rule.drop_connection;
  if (request_rule == rule.IsFulfillment())
    return invalid(request_rule ? "a rule either answers requests (status, retry_after, delay_ms, drop_connection) "
                                  "or changes outcomes (outcome, outcome_after_seconds), not both"
                                : "'effect' must name at least one effect");
  if (rule.retry_after && !rule.status) return invalid("'effect.retry_after' needs 'effect.status'");
  if (body.HasMember("times")) {
    if (!body["times"].IsInt64() || body["times"].GetInt64() < 1 || body["times"].GetInt64() > 1000000)
      return invalid("'times' must be an integer 1..1000000");
    rule.remaining = body["times"].GetInt64();
  }
  return JsonReply(201, RuleJson(faults_.Add(std::move(rule))));
}

}  // namespace purchase::profiles
