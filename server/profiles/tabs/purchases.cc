// POST /v1/purchases and GET /v1/purchases/{purchase_id}: decode, put the
// purchase on the caller's tab by the entry cause the tab calls for, encode.
#include <map>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "profiles/tabs/json_body.h"
#include "profiles/tabs/replies.h"
#include "profiles/tabs/tabs_profile.h"
#include "profiles/tabs/valid_window.h"

namespace purchase::profiles::tabs {
namespace {

bool IsOneOf(std::string_view v, std::initializer_list<std::string_view> options) {
  for (auto o : options)
    if (v == o) return true;
  return false;
}

bool IsCurrency(std::string_view v) {
  if (v.size() != 3) return false;
  for (char c : v)
    if (c < 'A' || c > 'Z') return false;
  return true;
}

// Checks a string member of at most `max` characters (bytes), required or
// nullable; stores it in `fields` unless null. The refusal otherwise.
std::optional<http::HttpReply> TakeText(const rapidjson::Value& body, const char* key, size_t max, bool required,
                                        const ErrorReplies& errors, std::map<std::string, std::string>& fields) {
  if (!body.HasMember(key) || body[key].IsNull()) {
    if (required) return Invalid(errors, key, std::string("'") + key + "' is required");
    return std::nullopt;
  }
  const rapidjson::Value& v = body[key];
  if (!v.IsString() || v.GetStringLength() < 1 || v.GetStringLength() > max)
    return Invalid(errors, key,
                   std::string("'") + key + "' must be a string of 1.." + std::to_string(max) + " characters" +
                       (required ? "" : ", or null"));
  fields[key] = std::string(TextOf(v));
  return std::nullopt;
}

// Decodes a POST /v1/purchases body into the purchase's fields (every
// member the reply echoes), or the 422 that refuses it. Members are checked
// in the order of spec/tabs/README.md, "Request validation".
std::optional<http::HttpReply> DecodePurchase(const rapidjson::Value& body, const ErrorReplies& errors,
                                              std::map<std::string, std::string>& fields) {
  if (auto unknown = UnknownMember(body, {"offering_id", "summary", "price", "sales_model", "payment_model",
                                          "valid_timedelta", "metadata", "attributed_to", "content_key"}))
    return Invalid(errors, *unknown, "unknown member '" + *unknown + "'");
  if (auto r = TakeText(body, "offering_id", 128, true, errors, fields)) return r;
  if (auto r = TakeText(body, "summary", 256, true, errors, fields)) return r;

  if (!body.HasMember("price") || !body["price"].IsObject())
    return Invalid(errors, "price", "'price' must be an object {amount, currency}");
  const rapidjson::Value& price = body["price"];
  if (auto unknown = UnknownMember(price, {"amount", "currency"}))
    return Invalid(errors, "price." + *unknown, "unknown member 'price." + *unknown + "'");
  if (!price.HasMember("amount") || !price["amount"].IsInt64() || price["amount"].GetInt64() < 1 ||
      price["amount"].GetInt64() > 1000000)
    return Invalid(errors, "price.amount", "'price.amount' must be an integer 1..1000000 (minor units)");
  fields["amount"] = std::to_string(price["amount"].GetInt64());
  if (!price.HasMember("currency") || !price["currency"].IsString() || !IsCurrency(TextOf(price["currency"])))
    return Invalid(errors, "price.currency", "'price.currency' must be three capital letters (ISO 4217)");
  fields["currency"] = std::string(TextOf(price["currency"]));

  if (!body.HasMember("sales_model") || !body["sales_model"].IsString() ||
      !IsOneOf(TextOf(body["sales_model"]), {"contribution", "single_purchase", "time_pass", "subscription"}))
    return Invalid(errors, "sales_model",
                   "'sales_model' must be contribution, single_purchase, time_pass or subscription");
  fields["sales_model"] = std::string(TextOf(body["sales_model"]));

  if (!body.HasMember("payment_model") || !body["payment_model"].IsString())
    return Invalid(errors, "payment_model", "'payment_model' must be pay_now or pay_later");
  const std::string_view payment_model = TextOf(body["payment_model"]);
  if (payment_model == "pay_now_subscription")
    return Invalid(errors, "payment_model", "'payment_model' pay_now_subscription is deprecated: use pay_now");
  if (!IsOneOf(payment_model, {"pay_now", "pay_later"}))
    return Invalid(errors, "payment_model", "'payment_model' must be pay_now or pay_later");
  fields["payment_model"] = std::string(payment_model);

  if (body.HasMember("valid_timedelta") && !body["valid_timedelta"].IsNull()) {
    const rapidjson::Value& v = body["valid_timedelta"];
    if (!v.IsString() || !ParseTimedelta(TextOf(v)))
      return Invalid(errors, "valid_timedelta",
                     "'valid_timedelta' must be a whole number and a unit s, m, h, d or w (\"30m\", \"7d\"), "
                     "at most 36500 days, or null");
    fields["valid_timedelta"] = std::string(TextOf(v));
  } else if (fields["sales_model"] == "time_pass") {
    return Invalid(errors, "valid_timedelta", "a time_pass needs 'valid_timedelta'");
  }

  if (body.HasMember("metadata") && !body["metadata"].IsNull()) {
    if (!body["metadata"].IsObject()) return Invalid(errors, "metadata", "'metadata' must be an object, or null");
    rapidjson::StringBuffer b;
    rapidjson::Writer<rapidjson::StringBuffer> w(b);
    body["metadata"].Accept(w);
    fields["metadata"] = b.GetString();
  } else {
    fields["metadata"] = "{}";
  }
  if (auto r = TakeText(body, "attributed_to", 256, false, errors, fields)) return r;
  if (auto r = TakeText(body, "content_key", 256, false, errors, fields)) return r;
  return std::nullopt;
}

}  // namespace

http::HttpReply TabsProfile::CreatePurchase(Call& call) {
  const Credential& who = *fixtures_.CredentialOfOwner(call.caller);
  const JsonObject body = call.Body();
  if (body.refusal) return *body.refusal;
  std::map<std::string, std::string> fields;
  if (auto refusal = DecodePurchase(*body.value, call.errors, fields)) return *refusal;

  const Millis now = call.engine.Now();
  book_.Settle(now);
  const std::string currency = fields["currency"];
  if (Tab* tab = book_.FindFor(call.caller, currency); tab && tab->Processing())
    return call.errors.Reply("PAYMENT_IN_PROGRESS",
                             "a payment of tab " + tab->id + " is processing; put purchases on it once it settles");
  Tab& tab = book_.OpenFor(call.caller, currency, who.tab_limit, now);

  // PAY_LATER goes on the tab while the tab's total owed plus its price stays
  // within the limit; anything else waits for the tab to be paid.
  const int64_t amount = std::stoll(fields["amount"]);
  const int64_t after = OwedOf(tab, call.engine) + amount;
  const bool fits = defects_.limit_ignored || (defects_.limit_exclusive ? after < tab.limit : after <= tab.limit);
  const bool on_tab = fields["payment_model"] == "pay_later" && fits;

  if (!on_tab && !defects_.no_abandon) {
    // A new pending purchase supersedes the tab's unpaid ones; the lifecycle
    // moves only those still pending (the others refuse the cause).
    for (const auto& id : tab.purchase_ids)
      if (!tab.paid.count(id))
        if (engine::EngineOrder* older = call.engine.Find(id)) call.engine.Apply(*older, "superseded");
  }

  fields["merchant_id"] = who.merchant_id;
  fields["user_id"] = who.user_id;
  fields["test_mode"] = who.test_mode ? "true" : "false";
  fields["tab_id"] = tab.id;
  engine::EngineOrder* order =
      call.engine.Create(call.caller, on_tab ? "purchase_on_tab" : "purchase_pending", std::move(fields));
  tab.purchase_ids.push_back(order->id);
  tab.updated_at = now;
  // A fulfillment fault rule picks what becomes of the purchase, and when.
  if (auto outcome = call.TakeOutcome(); outcome && outcome->cause)
    call.engine.Schedule(*order, now + outcome->after.value_or(0), *outcome->cause);

  http::HttpReply reply = JsonReply(201, PurchaseJson(*order, {defects_.valid_from_creation}));
  reply.headers.emplace_back("Location", call.request.base_path + "/v1/purchases/" + order->id);
  return reply;
}

http::HttpReply TabsProfile::GetPurchase(Call& call) {
  const std::string& id = call.params.at("purchase_id");
  engine::EngineOrder* order = call.engine.Find(id);
  if (!order || (order->owner != call.caller && !defects_.other_merchant_visible))
    return call.errors.Reply("PURCHASE_NOT_FOUND", "no purchase of yours has id '" + id + "'");
  return JsonReply(200, PurchaseJson(*order, {defects_.valid_from_creation}));
}

}  // namespace purchase::profiles::tabs
