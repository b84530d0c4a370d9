// The reads: a client's orders (GET /orders), one order's items
// (/orders/orderitems) and every item the client ordered
// (/orders/allproducts), as the seed's JSON. Items carry their own
// OrderStatus (the lifecycle's code); an order's is derived (README, "Order
// status").
#include <algorithm>
#include <map>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "profiles/error_replies.h"
#include "profiles/sheetmusicdirect/items.h"
#include "profiles/sheetmusicdirect/profile.h"
#include "profiles/sheetmusicdirect/query.h"

namespace purchase::profiles::sheetmusicdirect {
namespace {

constexpr size_t kMaxIdLength = 100;

struct OrderSummary {
  std::string order_id;
  const engine::EngineOrder* first = nullptr;   // the oldest item: the order's DateCreated
  const engine::EngineOrder* status = nullptr;  // the item whose status the order shows
};

}  // namespace

http::HttpReply ListOrders(const SheetMusicDirectProfile& profile, Call& call) {
  const QueryParams params(call.query, false);
  ParamReader reader(params);
  const std::string client_id = reader.Text("retailerClientId", kMaxIdLength);
  if (!reader.ok()) return call.errors.Reply("REQUEST_VALIDATION_FAILED", reader.message());
  const Lifecycle& lifecycle = call.engine.lifecycle();

  std::vector<engine::EngineOrder*> items = ItemsOfClient(call.engine, call.caller, client_id);
  std::sort(items.begin(), items.end(), [](const auto* a, const auto* b) { return a->seq < b->seq; });
  std::vector<OrderSummary> orders;
  std::map<std::string, size_t> index;
  for (const engine::EngineOrder* item : items) {
    const std::string& order_id = item->fields.at(kFieldOrderId);
    auto [it, added] = index.emplace(order_id, orders.size());
    if (added) orders.push_back({order_id, item, nullptr});
    OrderSummary& order = orders[it->second];
    // An order shows its oldest item that is not in a terminal state; when
    // every item is, its oldest item.
    if (!order.status && !lifecycle.IsTerminal(item->state)) order.status = item;
  }
  // Newest first (by DateCreated, then by creation order).
  if (!profile.defects().orders_oldest_first) std::reverse(orders.begin(), orders.end());

  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  w.Key("orders");
  w.StartArray();
  for (const OrderSummary& order : orders) {
    w.StartObject();
    w.Key("RetailerOrderId");
    w.String(order.order_id.c_str(), static_cast<rapidjson::SizeType>(order.order_id.size()));
    w.Key("DateCreated");
    const std::string created = FormatDateCreated(order.first->created_at);
    w.String(created.c_str(), static_cast<rapidjson::SizeType>(created.size()));
    w.Key("OrderStatus");
    WriteOrderStatus(w, lifecycle, (order.status ? order.status : order.first)->state);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return JsonReply(200, buffer.GetString());
}

http::HttpReply ListOrderItems(const SheetMusicDirectProfile& profile, Call& call) {
  const QueryParams params(call.query, false);
  ParamReader reader(params);
  const std::string client_id = reader.Text("retailerClientId", kMaxIdLength);
  const std::string order_id = reader.Text("retailerOrderId", kMaxIdLength);
  if (!reader.ok()) return call.errors.Reply("REQUEST_VALIDATION_FAILED", reader.message());
  const std::vector<engine::EngineOrder*> items =
      ItemsOfOrder(call.engine, call.caller, client_id, order_id, profile.defects().other_client_sees_order);
  if (items.empty()) return call.errors.Reply("ORDER_NOT_FOUND", "client " + client_id + " has no order " + order_id);

  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  w.Key("order id");
  w.String(order_id.c_str(), static_cast<rapidjson::SizeType>(order_id.size()));
  w.Key("orderitems");
  w.StartArray();
  for (const engine::EngineOrder* item : items) WriteItem(w, call.engine.lifecycle(), *item, false);
  w.EndArray();
  w.EndObject();
  return JsonReply(200, buffer.GetString());
}

http::HttpReply ListAllProducts(const SheetMusicDirectProfile& profile, Call& call) {
  (void)profile;
  const QueryParams params(call.query, false);
  ParamReader reader(params);
  const std::string client_id = reader.Text("retailerClientId", kMaxIdLength);
  if (!reader.ok()) return call.errors.Reply("REQUEST_VALIDATION_FAILED", reader.message());
  std::vector<engine::EngineOrder*> items = ItemsOfClient(call.engine, call.caller, client_id);
  // Newest first: descending date of purchase, then creation order.
  std::sort(items.begin(), items.end(), [](const auto* a, const auto* b) { return a->seq > b->seq; });

  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  w.Key("orderedProducts");
  w.StartArray();
  for (const engine::EngineOrder* item : items) WriteItem(w, call.engine.lifecycle(), *item, true);
  w.EndArray();
  w.EndObject();
  return JsonReply(200, buffer.GetString());
}

}  // namespace purchase::profiles::sheetmusicdirect
