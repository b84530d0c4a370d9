#include "profiles/imaging_catalog/purchase_json.h"

#include <cstdio>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace purchase::profiles::imaging_catalog {
namespace {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

void String(JsonWriter& w, std::string_view text) { w.String(text.data(), static_cast<rapidjson::SizeType>(text.size())); }

const std::string& Field(const engine::EngineOrder& order, const char* name) {
  static const std::string kEmpty;
  const auto it = order.fields.find(name);
  return it == order.fields.end() ? kEmpty : it->second;
}

}  // namespace

std::string FormatMicros(Millis t) {
  const Millis ms = ((t % 1000) + 1000) % 1000;
  std::string text = FormatRfc3339(t - ms);  // "...:SSZ"
  char fraction[16];
  std::snprintf(fraction, sizeof fraction, ".%03d000Z", static_cast<int>(ms));
  text.pop_back();
  text += fraction;
  return text;
}

std::vector<std::string> SplitTypes(std::string_view joined) {
  std::vector<std::string> types;
  while (!joined.empty()) {
    const size_t comma = joined.find(',');
    types.emplace_back(joined.substr(0, comma));
    if (comma == std::string_view::npos) break;
    joined.remove_prefix(comma + 1);
  }
  return types;
}

std::string_view LongLivedState(const Lifecycle& lifecycle, std::string_view state) {
  for (const std::string& s : lifecycle.states())
    if (s == state) return s;
  return {};
}

std::string PurchaseJson(const engine::EngineOrder& order, const Lifecycle& lifecycle, Millis created_at) {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  w.Key("id");
  String(w, order.id);
  w.Key("frameID");
  String(w, Field(order, kFrameField));
  w.Key("contractID");
  String(w, Field(order, kContractField));
  w.Key("createdAt");
  String(w, FormatMicros(created_at));
  w.Key("status");
  String(w, lifecycle.CodeOf(order.state));
  w.Key("reference");
  if (order.fields.count(kReferenceField))
    String(w, Field(order, kReferenceField));
  else
    w.Null();
  w.Key("eula");
  String(w, Field(order, kEulaField));
  w.EndObject();
  return buffer.GetString();
}

std::string ProductsJson(const engine::EngineOrder& order, const Lifecycle& lifecycle,
                         const std::vector<std::string>& product_types) {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  w.Key("purchaseID");
  String(w, order.id);
  w.Key("status");
  String(w, lifecycle.CodeOf(order.state));
  w.Key("products");
  w.StartArray();
  for (const std::string& type : product_types) {
    w.StartObject();
    w.Key("productType");
    String(w, type);
    w.Key("frameID");
    String(w, Field(order, kFrameField));
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return buffer.GetString();
}

}  // namespace purchase::profiles::imaging_catalog
