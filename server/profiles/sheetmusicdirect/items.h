// Order items as engine orders: the field names this profile keeps in
// EngineOrder::fields, the items of one retailer order, and the JSON an item
// is written as. An item's engine owner is its retailer's id; the client is a
// field, and every lookup narrows to the caller's client.
// Pure functions over the engine; called under the host's lock.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "engine/order_engine.h"

namespace purchase::profiles::sheetmusicdirect {

// EngineOrder::fields keys.
inline constexpr const char* kFieldOrderId = "retailer_order_id";
inline constexpr const char* kFieldClientId = "retailer_client_id";
inline constexpr const char* kFieldRetailer = "retailer";
inline constexpr const char* kFieldProductId = "product_id";
inline constexpr const char* kFieldCatalogueReference = "catalogue_reference";
inline constexpr const char* kFieldQuantity = "quantity";
inline constexpr const char* kFieldPrintsRemaining = "prints_remaining";
inline constexpr const char* kFieldCountryCode = "country_code";
inline constexpr const char* kFieldLicenseString = "license_string";

// Every item of `client_id` of the retailer, newest first.
std::vector<engine::EngineOrder*> ItemsOfClient(engine::OrderEngine& engine, std::string_view retailer_id,
                                                std::string_view client_id);

// The items of the order `order_id` of the retailer's client, oldest first (empty: no such
// order). With `any_client` (the defect other-client-sees-order) the items
// of every client of the retailer with that order id.
std::vector<engine::EngineOrder*> ItemsOfOrder(engine::OrderEngine& engine, std::string_view retailer_id,
                                               std::string_view client_id, std::string_view order_id,
                                               bool any_client = false);

// The item of `product_id` among `items`, or null.
engine::EngineOrder* ItemOfProduct(const std::vector<engine::EngineOrder*>& items, std::string_view product_id);

// "2026-01-01T00:00:05": the seed's DateCreated (UTC, seconds, no zone).
std::string FormatDateCreated(Millis t);

// Writes a state the way replies spell it: its lifecycle code as a JSON
// number when the code is an integer, else as a string.
void WriteOrderStatus(rapidjson::Writer<rapidjson::StringBuffer>& w, const Lifecycle& lifecycle, std::string_view state);

// Writes one item object of /orders/orderitems (RetailerOrderId null, as in
// the seed) or /orders/allproducts (`with_order_id`).
void WriteItem(rapidjson::Writer<rapidjson::StringBuffer>& w, const Lifecycle& lifecycle,
               const engine::EngineOrder& item, bool with_order_id);

}  // namespace purchase::profiles::sheetmusicdirect
