#include "profiles/profile_host.h"

#include <rapidjson/pointer.h>

#include "http/audit_json.h"

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

// A profile's side of the control API: its engine, its fault rules (whose
// outcome effects name causes of its lifecycle) and its surface's own state.
// Called under the host's lock, after due orders settled.
class ProfileHost::Controls final : public http::ControlPort {
 public:
  explicit Controls(ProfileHost& host) : host_(host) {}

  std::string_view api_name() const override { return host_.profile_.name(); }
  std::vector<std::string> defects() const override { return host_.options_.defects; }
  bool offers_audit() const override { return host_.audit_ != nullptr; }
  std::string AuditJson(bool clear) override {
    if (clear) host_.audit_->Reset();
    return http::AuditReportJson(host_.audit_.get(), *host_.options_.obligations, [this](uint16_t client) {
      return client < host_.client_names_.size() ? host_.client_names_[client] : "client " + std::to_string(client);
    });
  }
  bool clock_is_manual() const override { return host_.manual_ != nullptr; }
  int StatusOf(ErrorCode code) const override {
    const auto found = host_.errors_.statuses().find(std::string(ErrorCodeName(code)));
    return found == host_.errors_.statuses().end() ? 0 : found->second;
  }
  http::HttpReply Refuse(const Error& error, int status = 0) const override {
    // A validation error names its member, "" for the body itself, as the HL Connector's do.
    const std::string_view code = ErrorCodeName(error.code);
    if (!error.field.empty() || error.code == ErrorCode::kRequestValidationFailed)
      return host_.errors_.Reply(code, error.message, status, error.field);
    return host_.errors_.Reply(code, error.message, status);
  }

  ClockReading Reset() override {
    host_.engine_->Reset();
    host_.faults_.Reset();
    host_.profile_.Reset();
    if (host_.manual_) host_.manual_->Set(host_.manual_->start());
    return Now();
  }
  ClockReading Now() override { return {host_.clock_->Now(), 0}; }
  Result<ClockReading> Advance(Millis by) override { return MoveTo(host_.clock_->Now() + by, false); }
  Result<ClockReading> SetTime(Millis to) override { return MoveTo(to, true); }

  std::vector<std::string> FaultRules() override {
    std::vector<std::string> rules;
    for (const auto& r : host_.faults_.rules()) rules.push_back(RuleJson(r));
    return rules;
  }
  Result<http::StoredRule> AddFaultRule(const rapidjson::Value& body, http::UnknownMembers unknown) override;
  std::optional<std::string> RemoveFaultRule(const std::string& id) override {
    const auto removed = host_.faults_.Remove(id);
    if (!removed) return std::nullopt;
    return RuleJson(*removed);
  }
  size_t ClearFaultRules() override { return host_.faults_.Clear(); }

  Result<http::HistoryView> History(std::string_view order_id) override {
    const engine::EngineOrder* order = host_.engine_->Find(std::string(order_id));
    if (!order) return MakeError(ErrorCode::kOrderNotFound, "no order '" + std::string(order_id) + "'");
    http::HistoryView view{order->id, order->state, {}};
    for (const auto& h : order->history) view.steps.push_back({h.from, h.to, h.at, h.cause});
    return view;
  }

 private:
  Result<ClockReading> MoveTo(Millis to, bool set) {
    if (auto refused = RefuseClockMove(*host_.clock_, to, set)) return *refused;
    host_.manual_->Set(to);
    return ClockReading{to, host_.engine_->SettleDue()};
  }

  ProfileHost& host_;
};

// A profile's fault rule: {match: {method, path}, effect: {status,
// retry_after, delay_ms, drop_connection | outcome, outcome_after_seconds},
// times} (spec/README.md, "Fault rules of the profiles").
Result<http::StoredRule> ProfileHost::Controls::AddFaultRule(const rapidjson::Value& body,
                                                             http::UnknownMembers unknown) {
  const bool refuse_unknown = unknown == http::UnknownMembers::kRefuse;
  if (auto extra = UnknownMember(body, {"match", "effect", "times"}); extra && refuse_unknown)
    return InvalidField(*extra, "unknown member '" + *extra + "' (a rule is {match, effect, times})");
  engine::EngineFaultRule rule;
  if (body.HasMember("match")) {
    const rapidjson::Value& match = body["match"];
    if (!match.IsObject()) return InvalidField("match", "'match' must be an object");
    if (auto extra = UnknownMember(match, {"method", "path"}); extra && refuse_unknown)
      return InvalidField("match." + *extra, "unknown member 'match." + *extra + "'");
    for (const char* key : {"method", "path"})
      if (match.HasMember(key)) {
        if (!match[key].IsString() || match[key].GetStringLength() == 0 || match[key].GetStringLength() > 2048)
          return InvalidField(std::string("match.") + key, std::string("'match.") + key + "' must be a non-empty string");
        (std::string_view(key) == "method" ? rule.method : rule.path) =
            std::string(match[key].GetString(), match[key].GetStringLength());
      }
    if (rule.path && rule.path->rfind("/_control", 0) == 0)
      return InvalidField("match.path", "fault rules never apply to the control API");
  }
  if (!body.HasMember("effect") || !body["effect"].IsObject()) return InvalidField("effect", "'effect' must be an object");
  const rapidjson::Value& effect = body["effect"];
  if (auto extra = UnknownMember(effect, {"status", "retry_after", "delay_ms", "drop_connection", "outcome",
                                          "outcome_after_seconds"});
      extra && refuse_unknown)
    return InvalidField("effect." + *extra, "unknown member 'effect." + *extra + "'");
  auto integer = [&](const char* key, int64_t lo, int64_t hi, std::optional<int64_t>* out) -> bool {
    if (!effect.HasMember(key)) return true;
    if (!effect[key].IsInt64() || effect[key].GetInt64() < lo || effect[key].GetInt64() > hi) return false;
    *out = effect[key].GetInt64();
    return true;
  };
  std::optional<int64_t> status;
  if (!integer("status", 400, 599, &status))
    return InvalidField("effect.status", "'effect.status' must be an integer 400..599");
  if (status) rule.status = static_cast<int>(*status);
  if (!integer("retry_after", 0, 86400, &rule.retry_after))
    return InvalidField("effect.retry_after", "'effect.retry_after' must be 0..86400");
  if (!integer("delay_ms", 0, 30000, &rule.delay_ms))
    return InvalidField("effect.delay_ms", "'effect.delay_ms' must be 0..30000");
  if (effect.HasMember("drop_connection")) {
    if (!effect["drop_connection"].IsBool())
      return InvalidField("effect.drop_connection", "'effect.drop_connection' must be true or false");
    rule.drop_connection = effect["drop_connection"].GetBool();
  }
  if (effect.HasMember("outcome")) {
    if (!effect["outcome"].IsString())
      return InvalidField("effect.outcome", "'effect.outcome' must be a cause of the lifecycle");
    const std::string cause(effect["outcome"].GetString(), effect["outcome"].GetStringLength());
    bool known = false;
    for (const auto& t : host_.lifecycle_.transitions()) known = known || t.cause == cause;
    if (!known) return InvalidField("effect.outcome", "'effect.outcome' '" + cause + "' is no cause of the lifecycle");
    rule.outcome = cause;
  }
  if (effect.HasMember("outcome_after_seconds")) {
    const rapidjson::Value& v = effect["outcome_after_seconds"];
    if (!v.IsNumber() || !(v.GetDouble() >= 0) || v.GetDouble() > 316224000)
      return InvalidField("effect.outcome_after_seconds", "'effect.outcome_after_seconds' must be 0..316224000");
    rule.outcome_after = static_cast<Millis>(std::llround(v.GetDouble() * 1000));
  }
  const bool request_rule = rule.status || rule.retry_after || rule.delay_ms || rule.drop_connection;
  if (request_rule == rule.IsFulfillment())
    return InvalidField("effect", request_rule
                                      ? "a rule either answers requests (status, retry_after, delay_ms, "
                                        "drop_connection) or changes outcomes (outcome, outcome_after_seconds), not both"
                                      : "'effect' must name at least one effect");
  if (rule.retry_after && !rule.status)
    return InvalidField("effect.retry_after", "'effect.retry_after' needs 'effect.status'");
  if (body.HasMember("times")) {
    if (!body["times"].IsInt64() || body["times"].GetInt64() < 1 || body["times"].GetInt64() > 1000000)
      return InvalidField("times", "'times' must be an integer 1..1000000");
    rule.remaining = body["times"].GetInt64();
  }
  engine::EngineFaultRule added = host_.faults_.Add(std::move(rule));
  return http::StoredRule{added.id, RuleJson(added)};
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
      engine_(std::make_unique<engine::OrderEngine>(lifecycle, *clock_, std::move(engine_options), defects)),
      audit_(options_.obligations && options_.wall_clock
                 ? std::make_unique<ClientAudit>(*options_.obligations, *options_.wall_clock)
                 : nullptr),
      controls_(std::make_unique<Controls>(*this)),
      host_(*this, *controls_,
            http::ControlOptions{options_.control_enabled, options_.control_token, options_.max_body_bytes,
                                 options_.version, options_.sandboxes}) {
  handlers_ = profile_.Routes();
  for (const auto& r : handlers_) host_.AddRoute(r.method, r.pattern);
  for (const char* code : {"NOT_FOUND", "METHOD_NOT_ALLOWED", "PAYLOAD_TOO_LARGE", "MALFORMED_JSON", "UNAUTHENTICATED",
                           "REQUEST_VALIDATION_FAILED", "INTERNAL_ERROR", "SERVICE_UNAVAILABLE", "RATE_LIMITED",
                           "INJECTED_FAULT", "CLOCK_NOT_MANUAL", "CLOCK_BACKWARDS", "FAULT_NOT_FOUND",
                           "ORDER_NOT_FOUND"})
    if (!errors_.Knows(code))
      throw std::invalid_argument("the errors.yaml of profile " + std::string(profile_.name()) + " lacks " + code +
                                  ", which the host answers");
}

ProfileHost::~ProfileHost() = default;

void ProfileHost::Audit(const http::HttpRequest& request, const ProfileRoute& route, const http::RouteMatch& match,
                        const std::string& caller, const http::HttpReply& reply) {
  auto [client, added] = clients_.try_emplace(caller, static_cast<uint16_t>(clients_.size()));
  if (added) client_names_.push_back(caller);
  AuditedRequest a;
  a.server_time = clock_->Now();
  a.vendor = client->second;
  a.method = request.method;
  a.path = request.path;
  a.operation = request.method + " " + route.pattern;
  a.status = reply.status;
  a.body = request.body;
  a.raw_query = request.raw_query;
  for (const auto& [name, value] : reply.headers)
    if (name == "Retry-After") a.retry_after = std::strtoll(value.c_str(), nullptr, 10);
  // The order the answer shows (the lifecycle's first observe point that
  // finds one), else the one the route names; the error code of an error.
  rapidjson::Document body;
  body.Parse(reply.body.data(), reply.body.size());
  if (!body.HasParseError() && body.IsObject()) {
    for (const auto& point : lifecycle_.observe()) {
      if (!point.each.empty()) continue;
      const rapidjson::Value* id = rapidjson::Pointer(point.id.c_str()).Get(body);
      const rapidjson::Value* state = rapidjson::Pointer(point.state.c_str()).Get(body);
      if (id && id->IsString() && state && state->IsString()) {
        a.order_id = id->GetString();
        a.order_status = state->GetString();
        break;
      }
    }
    const rapidjson::Value* code = rapidjson::Pointer("/error/code").Get(body);
    if (a.order_id.empty() && code && code->IsString()) a.error_code = code->GetString();
  }
  if (a.order_id.empty() && !match.params.empty()) a.order_id = match.params.begin()->second;
  audit_->Record(a);
}

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
  } catch (const std::exception& e) {
    return controls_->Refuse(MakeError(ErrorCode::kInternalError, std::string("unexpected server error: ") + e.what()));
  }
  return host_.Handle(request);
}

// One request's passage through the host (http/api_host.h), under its lock.
class ProfileHost::Exchange {
 public:
  Exchange(ProfileHost& host, const http::HttpRequest& request, const RouteMatch& match)
      : host_(host), request_(request), match_(match) {}

  std::optional<engine::RequestFault> TakeFault() {
    return host_.faults_.TakeRequestFault(request_.method, request_.path);
  }

  http::HttpReply Serve() {
    // Decoded once, before authentication: a profile may authenticate by its
    // query (SheetMusicDirect's key and signature), which must then be text.
    // A profile that reads no parameter never looks at the query.
    Query query;
    if (host_.profile_.ReadsQuery()) {
      auto decoded = http::DecodeQueryText(request_.query);
      if (!decoded.ok()) return host_.profile_.RefuseInvalid(decoded.error(), host_.errors_);
      query = std::move(decoded.value());
    }
    const ProfileRoute& route = host_.handlers_[match_.index];
    Caller caller = host_.profile_.Authenticate(request_, query, route.pattern, host_.errors_);
    if (!caller.who) return caller.refusal;
    caller_ = *caller.who;
    Call call{request_, query, match_.params, *caller.who, *host_.engine_, host_.errors_, host_.faults_, host_.profile_};
    return route.handle(call);
  }

  // An authenticated request's answer, for the client audit.
  // A request a fault rule answered was never authenticated: it is still its
  // caller's (a tight retry loop on 503s is what backoff-on-errors is about).
  void Answered(const http::HttpReply& reply) {
    if (!host_.audit_) return;
    const ProfileRoute& route = host_.handlers_[match_.index];
    if (!caller_) {
      Query query;
      if (host_.profile_.ReadsQuery()) {
        auto decoded = http::DecodeQueryText(request_.query);
        if (!decoded.ok()) return;
        query = std::move(decoded.value());
      }
      caller_ = host_.profile_.Authenticate(request_, query, route.pattern, host_.errors_).who;
    }
    if (caller_) host_.Audit(request_, route, match_, *caller_, reply);
  }

 private:
  ProfileHost& host_;
  const http::HttpRequest& request_;
  const RouteMatch& match_;
  std::optional<std::string> caller_;  // who Authenticate said is calling
};

}  // namespace purchase::profiles
