#include "profiles/tabs/replies.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "profiles/tabs/valid_window.h"

namespace purchase::profiles::tabs {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void WriteString(Writer& w, std::string_view s) { w.String(s.data(), static_cast<rapidjson::SizeType>(s.size())); }

void WriteTime(Writer& w, Millis t) {
  const Rfc3339Text text = FormatRfc3339Text(t);
  w.String(text.data, static_cast<rapidjson::SizeType>(text.size));
}

const std::string* Field(const engine::EngineOrder& order, const char* key) {
  auto it = order.fields.find(key);
  return it == order.fields.end() ? nullptr : &it->second;
}

// A member that is a string or null: absent from the fields means null.
void WriteOptional(Writer& w, const engine::EngineOrder& order, const char* key) {
  w.Key(key);
  if (const std::string* v = Field(order, key))
    WriteString(w, *v);
  else
    w.Null();
}

void WritePurchase(Writer& w, const engine::EngineOrder& order, PurchaseView view) {
  auto text = [&](const char* key) -> std::string_view {
    const std::string* v = Field(order, key);
    return v ? std::string_view(*v) : std::string_view();
  };
  w.StartObject();
  w.Key("id");
  WriteString(w, order.id);
  w.Key("created_at");
  WriteTime(w, order.created_at);
  w.Key("updated_at");
  WriteTime(w, order.updated_at);
  w.Key("purchase_date");
  WriteTime(w, order.created_at);
  w.Key("merchant_id");
  WriteString(w, text("merchant_id"));
  w.Key("summary");
  WriteString(w, text("summary"));
  w.Key("price");
  w.StartObject();
  w.Key("amount");
  w.Int64(AmountOf(order));
  w.Key("currency");
  WriteString(w, text("currency"));
  w.EndObject();
  w.Key("sales_model");
  WriteString(w, text("sales_model"));
  w.Key("payment_model");
  WriteString(w, text("payment_model"));
  w.Key("metadata");
  {
    // Stored as the client sent it (an object, checked on creation).
    rapidjson::Document metadata;
    metadata.Parse(text("metadata").data(), text("metadata").size());
    if (metadata.HasParseError() || !metadata.IsObject()) metadata.SetObject();
    metadata.Accept(w);
  }
  WriteOptional(w, order, "attributed_to");
  w.Key("offering_id");
  WriteString(w, text("offering_id"));
  WriteOptional(w, order, "content_key");
  w.Key("test_mode");
  w.Bool(text("test_mode") == "true");
  // The window opens when the purchase completes (the instant it entered
  // its current state, which is terminal: nothing moves it afterwards).
  std::optional<Millis> valid_from;
  if (order.state == "completed") valid_from = view.valid_from_creation ? order.created_at : order.updated_at;
  w.Key("valid_from");
  if (valid_from)
    WriteTime(w, *valid_from);
  else
    w.Null();
  const std::string* timedelta = Field(order, "valid_timedelta");
  w.Key("valid_to");
  std::optional<Millis> length = timedelta ? ParseTimedelta(*timedelta) : std::nullopt;
  if (valid_from && length)
    WriteTime(w, *valid_from + *length);
  else
    w.Null();
  WriteOptional(w, order, "valid_timedelta");
  w.Key("recurring_details");
  w.Null();
  w.Key("status");
  WriteString(w, order.state);
  w.Key("tab_id");
  WriteString(w, text("tab_id"));
  w.EndObject();
}

void WritePayment(Writer& w, const Tab& tab, const Payment& p) {
  w.StartObject();
  w.Key("id");
  WriteString(w, p.id);
  w.Key("tab_id");
  WriteString(w, tab.id);
  w.Key("amount");
  w.Int64(p.amount);
  w.Key("currency");
  WriteString(w, tab.currency);
  w.Key("payment_method");
  WriteString(w, p.payment_method);
  w.Key("payment_status");
  w.String(!p.settled ? "processing" : p.succeeds ? "succeeded" : "declined");
  w.Key("failure_reason");
  if (p.settled && !p.succeeds)
    WriteString(w, p.failure_reason);
  else
    w.Null();
  w.Key("purchase_ids");
  w.StartArray();
  for (const auto& id : p.purchase_ids) WriteString(w, id);
  w.EndArray();
  w.Key("created_at");
  WriteTime(w, p.created_at);
  w.Key("settled_at");
  if (p.settled)
    WriteTime(w, p.due);
  else
    w.Null();
  w.EndObject();
}

}  // namespace

int64_t AmountOf(const engine::EngineOrder& order) {
  const std::string* v = Field(order, "amount");
  return v ? std::stoll(*v) : 0;
}

int64_t OwedOf(const Tab& tab, engine::OrderEngine& engine) {
  int64_t owed = 0;
  for (const auto& id : tab.purchase_ids) {
    const engine::EngineOrder* order = engine.Find(id);
    if (order && order->state == "completed" && !tab.paid.count(id)) owed += AmountOf(*order);
  }
  return owed;
}

int64_t PendingAmountOf(const Tab& tab, engine::OrderEngine& engine) {
  int64_t pending = 0;
  for (const auto& id : tab.purchase_ids) {
    const engine::EngineOrder* order = engine.Find(id);
    if (order && order->state == "pending") pending += AmountOf(*order);
  }
  return pending;
}

std::string PurchaseJson(const engine::EngineOrder& order, PurchaseView view) {
  rapidjson::StringBuffer b;
  Writer w(b);
  WritePurchase(w, order, view);
  return b.GetString();
}

std::string TabJson(const Tab& tab, engine::OrderEngine& engine, std::string_view merchant_id,
                    std::string_view user_id, PurchaseView view) {
  const int64_t pending = PendingAmountOf(tab, engine);
  rapidjson::StringBuffer b;
  Writer w(b);
  w.StartObject();
  w.Key("id");
  WriteString(w, tab.id);
  w.Key("merchant_id");
  WriteString(w, merchant_id);
  w.Key("user_id");
  WriteString(w, user_id);
  w.Key("currency");
  WriteString(w, tab.currency);
  w.Key("limit");
  w.Int64(tab.limit);
  w.Key("total");
  w.Int64(OwedOf(tab, engine));
  w.Key("pending_amount");
  w.Int64(pending);
  w.Key("tab_status");
  w.String(tab.Processing() ? "payment_processing" : pending > 0 ? "payment_required" : "open");
  w.Key("created_at");
  WriteTime(w, tab.created_at);
  w.Key("updated_at");
  WriteTime(w, tab.updated_at);
  w.Key("purchases");
  w.StartArray();
  for (const auto& id : tab.purchase_ids)
    if (const engine::EngineOrder* order = engine.Find(id)) WritePurchase(w, *order, view);
  w.EndArray();
  w.Key("payments");
  w.StartArray();
  for (const auto& p : tab.payments) WritePayment(w, tab, p);
  w.EndArray();
  w.EndObject();
  return b.GetString();
}

std::string PaymentJson(const Tab& tab, const Payment& payment) {
  rapidjson::StringBuffer b;
  Writer w(b);
  WritePayment(w, tab, payment);
  return b.GetString();
}

}  // namespace purchase::profiles::tabs
