#include "profiles/sheetmusicdirect/items.h"

#include <algorithm>
#include <cstdio>
#include <ctime>

namespace purchase::profiles::sheetmusicdirect {
namespace {

const std::string& Field(const engine::EngineOrder& item, const char* key) {
  static const std::string kEmpty;
  auto it = item.fields.find(key);
  return it == item.fields.end() ? kEmpty : it->second;
}

bool IsInteger(std::string_view text) {
  if (text.empty() || text.size() > 18) return false;
  size_t start = text[0] == '-' ? 1 : 0;
  if (start == text.size()) return false;
  return std::all_of(text.begin() + start, text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

void WriteIntegerField(rapidjson::Writer<rapidjson::StringBuffer>& w, const std::string& text) {
  if (IsInteger(text))
    w.Int64(std::stoll(text));
  else
    w.String(text.c_str(), static_cast<rapidjson::SizeType>(text.size()));
}

void WriteText(rapidjson::Writer<rapidjson::StringBuffer>& w, std::string_view text) {
  w.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
}

}  // namespace

std::vector<engine::EngineOrder*> ItemsOfClient(engine::OrderEngine& engine, std::string_view retailer_id,
                                                std::string_view client_id) {
  std::vector<engine::EngineOrder*> items = engine.OrdersOf(retailer_id);
  items.erase(std::remove_if(items.begin(), items.end(),
                             [&](const engine::EngineOrder* item) { return Field(*item, kFieldClientId) != client_id; }),
              items.end());
  return items;
}

std::vector<engine::EngineOrder*> ItemsOfOrder(engine::OrderEngine& engine, std::string_view retailer_id,
                                               std::string_view client_id, std::string_view order_id,
                                               bool any_client) {
  std::vector<engine::EngineOrder*> items;
  for (engine::EngineOrder* item : engine.OrdersOf(retailer_id))
    if (Field(*item, kFieldOrderId) == order_id && (any_client || Field(*item, kFieldClientId) == client_id))
      items.push_back(item);
  std::sort(items.begin(), items.end(), [](const auto* a, const auto* b) { return a->seq < b->seq; });
  return items;
}

engine::EngineOrder* ItemOfProduct(const std::vector<engine::EngineOrder*>& items, std::string_view product_id) {
  for (engine::EngineOrder* item : items)
    if (Field(*item, kFieldProductId) == product_id) return item;
  return nullptr;
}

std::string FormatDateCreated(Millis t) {
  // Floor to the second, also before 1970.
  Millis seconds = t / 1000 - ((t % 1000 < 0) ? 1 : 0);
  std::time_t tt = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char text[64];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec);
  return text;
}

void WriteOrderStatus(rapidjson::Writer<rapidjson::StringBuffer>& w, const Lifecycle& lifecycle, std::string_view state) {
  WriteIntegerField(w, lifecycle.CodeOf(state));
}

void WriteItem(rapidjson::Writer<rapidjson::StringBuffer>& w, const Lifecycle& lifecycle,
               const engine::EngineOrder& item, bool with_order_id) {
  w.StartObject();
  w.Key("RetailerOrderId");
  if (with_order_id)
    WriteText(w, Field(item, kFieldOrderId));
  else
    w.Null();
  w.Key("ProductId");
  WriteIntegerField(w, Field(item, kFieldProductId));
  w.Key("QuantityOrdered");
  WriteIntegerField(w, Field(item, kFieldQuantity));
  w.Key("PrintsRemaining");
  WriteIntegerField(w, Field(item, kFieldPrintsRemaining));
  w.Key("OrderStatus");
  WriteOrderStatus(w, lifecycle, item.state);
  w.Key("CatalogueReference");
  WriteText(w, Field(item, kFieldCatalogueReference));
  w.Key("OrderItemId");
  WriteText(w, item.id);
  w.Key("CountryCode");
  WriteText(w, Field(item, kFieldCountryCode));
  w.Key("LicenseString");
  WriteText(w, Field(item, kFieldLicenseString));
  w.Key("DateCreated");
  WriteText(w, FormatDateCreated(item.created_at));
  w.EndObject();
}

}  // namespace purchase::profiles::sheetmusicdirect
