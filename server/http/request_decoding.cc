#include "http/request_decoding.h"

#include <algorithm>
#include <cmath>

#include "http/json_body.h"

namespace purchase::http {
namespace {

const char* TypeName(const rapidjson::Value& v) {
  if (v.IsNull()) return "null";
  if (v.IsBool()) return "a boolean";
  if (v.IsString()) return "a string";
  if (v.IsNumber()) return "a number";
  if (v.IsArray()) return "an array";
  return "an object";
}

// Reads the members of one JSON object, refusing unknown ones, so that a
// client's typo ("quantitiy") is an error it sees rather than a default it
// does not (with UnknownMembers::kIgnore, unknown ones are skipped). A
// repeated member never gets here: ParseJson refuses it, at any depth.
class ObjectReader {
 public:
  ObjectReader(const rapidjson::Value& object, std::string prefix, std::initializer_list<const char*> known,
               UnknownMembers unknown)
      : object_(object), prefix_(std::move(prefix)) {
    if (unknown == UnknownMembers::kIgnore) return;
    for (const auto& m : object.GetObject()) {
      const std::string_view name(m.name.GetString(), m.name.GetStringLength());
      if (std::find_if(known.begin(), known.end(), [&](const char* k) { return name == k; }) == known.end()) {
        error_ = InvalidField(prefix_ + std::string(name), "unknown field '" + prefix_ + std::string(name) + "'");
        return;
      }
    }
  }

  const std::optional<Error>& error() const { return error_; }

  const rapidjson::Value* Find(const char* name) const {
    auto it = object_.FindMember(name);
    return it == object_.MemberEnd() ? nullptr : &it->value;
  }

  // Returns false (and records the error) when the field is absent but required or has the wrong type.
  bool String(const char* name, bool required, size_t min_len, size_t max_len, std::optional<std::string>& out) {
    if (error_) return false;
    const rapidjson::Value* v = Find(name);
    if (!v) {
      if (required) Fail(name, "field '" + prefix_ + name + "' is required");
      return !required;
    }
    if (!v->IsString()) return Fail(name, "field '" + prefix_ + name + "' must be a string, not " + TypeName(*v));
    const size_t len = v->GetStringLength();
    if (len < min_len || len > max_len)
      return Fail(name, "field '" + prefix_ + name + "' must be " + std::to_string(min_len) + " to " +
                            std::to_string(max_len) + " characters long");
    out.emplace(v->GetString(), len);
    return true;
  }

  bool Integer(const char* name, bool required, int64_t min, int64_t max, std::optional<int64_t>& out) {
    if (error_) return false;
    const rapidjson::Value* v = Find(name);
    if (!v) {
      if (required) Fail(name, "field '" + prefix_ + name + "' is required");
      return !required;
    }
    if (!v->IsInt64())
      return Fail(name, "field '" + prefix_ + name + "' must be an integer, not " +
                            (v->IsNumber() ? std::string("a fraction or a number out of range") : TypeName(*v)));
    const int64_t value = v->GetInt64();
    if (value < min || value > max)
      return Fail(name, "field '" + prefix_ + name + "' must be between " + std::to_string(min) + " and " +
                            std::to_string(max));
    out = value;
    return true;
  }

  bool Number(const char* name, bool required, double min, double max, std::optional<double>& out) {
    if (error_) return false;
    const rapidjson::Value* v = Find(name);
    if (!v) {
      if (required) Fail(name, "field '" + prefix_ + name + "' is required");
      return !required;
    }
    if (!v->IsNumber()) return Fail(name, "field '" + prefix_ + name + "' must be a number, not " + TypeName(*v));
    const double value = v->GetDouble();
    if (!std::isfinite(value) || value < min || value > max)
      return Fail(name, "field '" + prefix_ + name + "' must be between " + std::to_string(static_cast<int64_t>(min)) +
                            " and " + std::to_string(static_cast<int64_t>(max)));
    out = value;
    return true;
  }

  bool Bool(const char* name, std::optional<bool>& out) {
    if (error_) return false;
    const rapidjson::Value* v = Find(name);
    if (!v) return true;
    if (!v->IsBool()) return Fail(name, "field '" + prefix_ + name + "' must be true or false, not " + TypeName(*v));
    out = v->GetBool();
    return true;
  }

  bool Object(const char* name, bool required, const rapidjson::Value*& out) {
    if (error_) return false;
    out = Find(name);
    if (!out) {
      if (required) Fail(name, "field '" + prefix_ + name + "' is required");
      return !required;
    }
    if (!out->IsObject()) return Fail(name, "field '" + prefix_ + name + "' must be an object, not " + TypeName(*out));
    return true;
  }

  bool Fail(const char* name, std::string message) {
    if (!error_) error_ = InvalidField(prefix_ + name, std::move(message));
    return false;
  }

 private:
  const rapidjson::Value& object_;
  std::string prefix_;
  std::optional<Error> error_;
};

}  // namespace

Result<std::vector<std::pair<std::string, std::string>>> DecodeQuery(const RawQuery& raw,
                                                                     std::initializer_list<const char*> allowed,
                                                                     std::initializer_list<const char*> required,
                                                                     UnknownMembers unknown) {
  // Every parameter decodes, and none repeats (which order_id is meant?),
  // also one that is then ignored.
  auto decoded = DecodeQueryText(raw);
  if (!decoded.ok()) return decoded.error();
  std::vector<std::pair<std::string, std::string>> out;
  out.reserve(decoded.value().size());
  for (auto& [name, value] : decoded.value()) {
    const std::string& key = name;  // clang 14 does not capture a structured binding
    if (std::find_if(allowed.begin(), allowed.end(), [&key](const char* a) { return key == a; }) == allowed.end()) {
      if (unknown == UnknownMembers::kIgnore) continue;
      return InvalidField(name, "unknown query parameter '" + name + "'");
    }
    if (value.size() > 256) return InvalidField(name, "query parameter '" + name + "' is longer than 256 characters");
    out.emplace_back(std::move(name), std::move(value));
  }
  for (const char* r : required) {
    if (QueryValue(out, r).empty()) return InvalidField(r, std::string("query parameter '") + r + "' is required");
  }
  return out;
}

std::string_view QueryValue(const std::vector<std::pair<std::string, std::string>>& query, std::string_view name) {
  for (const auto& [k, v] : query)
    if (k == name) return v;
  return {};
}

Result<std::shared_ptr<const rapidjson::Value>> ParseJsonObject(std::string_view body) {
  ParsedJson parsed = ParseJson(body);
  if (parsed.refusal) {
    if (parsed.refusal->kind == JsonRefusal::Kind::kRepeatedMember)
      return InvalidField(parsed.refusal->field, "field '" + parsed.refusal->field + "' appears twice");
    return MakeError(ErrorCode::kMalformedJson, parsed.refusal->message);
  }
  if (!parsed.value->IsObject())
    return InvalidField("", std::string("the request body must be a JSON object, not ") + TypeName(*parsed.value));
  return std::move(parsed.value);
}

std::string StringMember(const rapidjson::Value& body, const char* name) {
  if (!body.IsObject()) return {};
  auto it = body.FindMember(name);
  if (it == body.MemberEnd() || !it->value.IsString()) return {};
  return std::string(it->value.GetString(), it->value.GetStringLength());
}

Result<ValidateRequest> DecodeValidateRequest(const rapidjson::Value& body, UnknownMembers unknown) {
  ObjectReader r(body, "", {"asset_id", "quantity", "customer_ip"}, unknown);
  std::optional<std::string> asset_id, customer_ip;
  std::optional<int64_t> quantity;
  r.String("asset_id", true, 1, 128, asset_id);
  r.Integer("quantity", true, 1, 1000000, quantity);
  r.String("customer_ip", true, 1, 45, customer_ip);
  if (!r.error() && !IsIpLiteral(*customer_ip))
    r.Fail("customer_ip", "field 'customer_ip' must be an IPv4 or IPv6 address, not '" + *customer_ip + "'");
  if (r.error()) return *r.error();
  return ValidateRequest{std::move(*asset_id), *quantity, std::move(*customer_ip)};
}

Result<RegisterRequest> DecodeRegisterRequest(const rapidjson::Value& body, UnknownMembers unknown) {
  ObjectReader r(body, "", {"token", "asset_id", "quantity", "vendor_order_id"}, unknown);
  std::optional<std::string> token, asset_id, vendor_order_id;
  std::optional<int64_t> quantity;
  r.String("token", true, 1, 128, token);
  r.String("asset_id", true, 1, 128, asset_id);
  r.Integer("quantity", true, 1, 1000000, quantity);
  r.String("vendor_order_id", true, 1, 128, vendor_order_id);
  if (!r.error()) {
    for (unsigned char c : *vendor_order_id)
      if (c < 0x20 || c == 0x7f) {
        r.Fail("vendor_order_id", "field 'vendor_order_id' must not contain control characters");
        break;
      }
  }
  if (r.error()) return *r.error();
  return RegisterRequest{std::move(*token), std::move(*asset_id), *quantity, std::move(*vendor_order_id)};
}

Result<FaultRule> DecodeFaultRule(const rapidjson::Value& body, UnknownMembers unknown) {
  ObjectReader r(body, "", {"match", "effect", "times"}, unknown);
  const rapidjson::Value* match = nullptr;
  const rapidjson::Value* effect = nullptr;
  std::optional<int64_t> times;
  r.Object("match", false, match);
  r.Object("effect", true, effect);
  r.Integer("times", false, 1, 1000000000, times);
  if (r.error()) return *r.error();

  FaultRule rule;
  rule.remaining = times;
  if (match) {
    ObjectReader m(*match, "match.", {"method", "path", "asset_id", "vendor_order_id"}, unknown);
    m.String("method", false, 1, 16, rule.match.method);
    m.String("path", false, 1, 256, rule.match.path);
    m.String("asset_id", false, 1, 128, rule.match.asset_id);
    m.String("vendor_order_id", false, 1, 128, rule.match.vendor_order_id);
    if (m.error()) return *m.error();
  }
  ObjectReader e(*effect, "effect.", {"status", "retry_after", "delay_ms", "drop_connection", "fulfillment", "reason",
                                      "fulfillment_delay_seconds", "cancel_after_seconds"}, unknown);
  std::optional<int64_t> status;
  std::optional<bool> drop;
  std::optional<std::string> fulfillment;
  std::optional<double> fulfillment_delay;
  e.Integer("status", false, 400, 599, status);
  e.Integer("retry_after", false, 0, 86400, rule.effect.retry_after);
  e.Integer("delay_ms", false, 0, 30000, rule.effect.delay_ms);
  e.Bool("drop_connection", drop);
  e.String("fulfillment", false, 1, 16, fulfillment);
  e.String("reason", false, 1, 500, rule.effect.reason);
  e.Number("fulfillment_delay_seconds", false, 0, 31536000, fulfillment_delay);
  std::optional<int64_t> cancel_after;
  e.Integer("cancel_after_seconds", false, 1, 31536000, cancel_after);
  if (!e.error() && fulfillment && *fulfillment != "fail" && *fulfillment != "complete")
    e.Fail("fulfillment", "field 'effect.fulfillment' must be \"fail\" or \"complete\"");
  if (e.error()) return *e.error();
  if (status) rule.effect.status = static_cast<int>(*status);
  rule.effect.drop_connection = drop.value_or(false);
  if (fulfillment) rule.effect.fulfillment_fails = *fulfillment == "fail";
  if (fulfillment_delay) rule.effect.fulfillment_delay = static_cast<Millis>(std::llround(*fulfillment_delay * 1000));
  if (cancel_after) rule.effect.cancel_after = *cancel_after * 1000;
  const bool request_effect =
      rule.effect.status || rule.effect.retry_after || rule.effect.delay_ms || rule.effect.drop_connection;
  if (request_effect && rule.effect.IsFulfillment())
    return InvalidField("effect", "a rule changes either the answer to a request (status, retry_after, delay_ms, "
                                  "drop_connection) or the fulfillment of orders (fulfillment, reason, "
                                  "fulfillment_delay_seconds, cancel_after_seconds), not both: add two rules");
  if (!request_effect && !rule.effect.IsFulfillment()) return InvalidField("effect", "field 'effect' has no effect");
  if (rule.effect.retry_after && !rule.effect.status)
    return InvalidField("effect.retry_after", "field 'effect.retry_after' needs a 'status' to go with it");
  if (rule.match.path && rule.match.path->rfind("/_control", 0) == 0)
    return InvalidField("match.path", "fault rules never apply to the control API");
  return rule;
}

Result<Millis> DecodeClockAdvance(const rapidjson::Value& body, UnknownMembers unknown) {
  ObjectReader r(body, "", {"seconds"}, unknown);
  std::optional<double> seconds;
  r.Number("seconds", true, 0, 10.0 * 366 * 86400, seconds);
  if (r.error()) return *r.error();
  return static_cast<Millis>(std::llround(*seconds * 1000));
}

Result<Millis> DecodeClockSet(const rapidjson::Value& body, UnknownMembers unknown) {
  ObjectReader r(body, "", {"now"}, unknown);
  std::optional<std::string> now;
  r.String("now", true, 1, 64, now);
  if (r.error()) return *r.error();
  auto t = ParseRfc3339(*now);
  if (!t) return InvalidField("now", "field 'now' must be an RFC 3339 instant like 2026-01-01T00:00:00Z");
  if (*t > kLatestInstant) return InvalidField("now", "field 'now' must not be past 9999-12-31T23:59:59Z");
  return *t;
}

}  // namespace purchase::http
