// The writes: create, cancel (an order or one item), update an order's status,
// reset an item's prints remaining. Each decodes its query parameters, asks
// the engine to create or to apply a cause, and answers the seed's plain-text
// "OK: ..." line. No handler names a target state: the lifecycle decides.
#include <algorithm>

#include "profiles/sheetmusicdirect/items.h"
#include "profiles/sheetmusicdirect/profile.h"
#include "profiles/sheetmusicdirect/query.h"

namespace purchase::profiles::sheetmusicdirect {
namespace {

constexpr size_t kMaxIdLength = 100;
constexpr size_t kMaxLicenseLength = 500;
constexpr int64_t kMaxQuantity = 999;
constexpr int64_t kMaxPrints = 999;
constexpr int64_t kMaxProductId = 999999999;

// The causes POST /orders/update may apply (README, "Update"); the status
// asked for must be where one of them leads from each item's state.
constexpr std::string_view kUpdateCauses[] = {"hold_for_payment", "payment_received"};
constexpr std::string_view kCancel = "cancel";
constexpr std::string_view kResetPrints = "reset_prints";

http::HttpReply Invalid(const Call& call, const ParamReader& reader) {
  return call.errors.Reply("REQUEST_VALIDATION_FAILED", reader.message());
}

bool Accepts(const Lifecycle& lifecycle, const engine::EngineOrder& item, std::string_view cause) {
  return lifecycle.TargetOf(item.state, cause).has_value() || lifecycle.IsIdempotent(item.state, cause);
}

// Applies a cause a client asked for. The item's scheduled fulfillment stays
// scheduled: the engine fires it only if the lifecycle still has a move for it
// then (none from pending or cancelled), so the lifecycle alone decides.
void ApplyClientCause(engine::OrderEngine& engine, engine::EngineOrder& item, std::string_view cause) {
  engine.Apply(item, cause);
}

std::string StatusOf(const Lifecycle& lifecycle, const engine::EngineOrder& item) {
  return lifecycle.CodeOf(item.state);
}

}  // namespace

http::HttpReply CreateOrder(const SheetMusicDirectProfile& profile, Call& call) {
  const QueryParams params(call.query, profile.defects().plus_as_space);
  ParamReader reader(params);
  const std::string order_id = reader.Text("retailerOrderId", kMaxIdLength);
  const std::string client_id = reader.Text("retailerClientId", kMaxIdLength);
  const int64_t product_id = reader.Integer("productId", 1, kMaxProductId);
  const int64_t quantity = reader.Integer("quantity", 1, kMaxQuantity);
  const std::string country = reader.Text("countryCode", 2);
  if (reader.ok() && (country.size() != 2 || !std::all_of(country.begin(), country.end(),
                                                          [](char c) { return c >= 'A' && c <= 'Z'; })))
    reader.Refuse("countryCode", "countryCode must be two capital letters (ISO 3166-1 alpha-2), e.g. GB");
  std::string license;
  if (std::optional<std::string> given = params.Get("licenseString"); given && !given->empty())
    license = *given;
  if (license.size() > kMaxLicenseLength)
    reader.Refuse("licenseString", "licenseString is longer than " + std::to_string(kMaxLicenseLength) + " bytes");
  if (!reader.ok()) return Invalid(call, reader);

  const Product* product = profile.fixtures().ProductById(product_id);
  if (!product)
    return call.errors.Reply("PRODUCT_NOT_FOUND", "the catalogue has no product " + std::to_string(product_id));
  const std::vector<engine::EngineOrder*> items = ItemsOfOrder(call.engine, call.caller, client_id, order_id);
  if (!profile.defects().duplicate_item_accepted && ItemOfProduct(items, std::to_string(product_id)))
    return call.errors.Reply("DUPLICATE_ORDER_ITEM",
                             "order " + order_id + " already has an item of product " + std::to_string(product_id));

  if (license.empty()) {
    const Retailer* retailer = profile.fixtures().RetailerById(call.caller);
    license = "Supplied by " + (retailer ? retailer->name : call.caller) + " for " + client_id + ". Order number " +
              order_id + ". Copies purchased: " + std::to_string(quantity) + ".";
  }
  const Lifecycle& lifecycle = call.engine.lifecycle();
  engine::EngineOrder* item = call.engine.Create(call.caller, lifecycle.entry_cause(),
                                                 {{kFieldOrderId, order_id},
                                                  {kFieldClientId, client_id},
                                                  {kFieldRetailer, call.caller},
                                                  {kFieldProductId, std::to_string(product_id)},
                                                  {kFieldCatalogueReference, product->catalogue_reference},
                                                  {kFieldQuantity, std::to_string(quantity)},
                                                  {kFieldPrintsRemaining, std::to_string(quantity)},
                                                  {kFieldCountryCode, country},
                                                  {kFieldLicenseString, license}});
  if (!item) return call.errors.Reply("INTERNAL_ERROR", "the lifecycle has no entry cause");
  std::string cause = product->outcome;
  Millis after = product->delay_ms;
  if (const std::optional<engine::OutcomeOverride> outcome = call.TakeOutcome()) {
    if (outcome->cause) cause = *outcome->cause;
    if (outcome->after) after = *outcome->after;
  }
  call.engine.Schedule(*item, call.engine.Now() + after, std::move(cause));
  return TextReply(201, "OK: order created");
}

http::HttpReply CancelOrder(const SheetMusicDirectProfile& profile, Call& call) {
  const QueryParams params(call.query, false);
  ParamReader reader(params);
  const std::string order_id = reader.Text("retailerOrderId", kMaxIdLength);
  const std::string client_id = reader.Text("retailerClientId", kMaxIdLength);
  if (!reader.ok()) return Invalid(call, reader);
  std::vector<engine::EngineOrder*> items =
      ItemsOfOrder(call.engine, call.caller, client_id, order_id, profile.defects().other_client_sees_order);
  if (items.empty()) return call.errors.Reply("ORDER_NOT_FOUND", "client " + client_id + " has no order " + order_id);
  const Lifecycle& lifecycle = call.engine.lifecycle();
  // All or nothing: an item that refuses cancel leaves the whole order as it is.
  for (const engine::EngineOrder* item : items)
    if (!Accepts(lifecycle, *item, kCancel))
      return call.errors.Reply("ORDER_STATUS_CONFLICT", "item " + item->id + " (OrderStatus " +
                                                            StatusOf(lifecycle, *item) + ") cannot be cancelled");
  if (profile.defects().cancel_order_first_item_only) items.resize(1);
  for (engine::EngineOrder* item : items) ApplyClientCause(call.engine, *item, kCancel);
  return TextReply(200, "OK: order cancelled");
}

http::HttpReply CancelOrderItem(const SheetMusicDirectProfile& profile, Call& call) {
  const QueryParams params(call.query, false);
  ParamReader reader(params);
  const std::string order_id = reader.Text("retailerOrderId", kMaxIdLength);
  const std::string client_id = reader.Text("retailerClientId", kMaxIdLength);
  const int64_t product_id = reader.Integer("productId", 1, kMaxProductId);
  if (!reader.ok()) return Invalid(call, reader);
  const std::vector<engine::EngineOrder*> items =
      ItemsOfOrder(call.engine, call.caller, client_id, order_id, profile.defects().other_client_sees_order);
  if (items.empty()) return call.errors.Reply("ORDER_NOT_FOUND", "client " + client_id + " has no order " + order_id);
  engine::EngineOrder* item = ItemOfProduct(items, std::to_string(product_id));
  if (!item)
    return call.errors.Reply("ORDER_ITEM_NOT_FOUND",
                             "order " + order_id + " has no item of product " + std::to_string(product_id));
  const Lifecycle& lifecycle = call.engine.lifecycle();
  if (!Accepts(lifecycle, *item, kCancel))
    return call.errors.Reply("ORDER_STATUS_CONFLICT",
                             "the item (OrderStatus " + StatusOf(lifecycle, *item) + ") cannot be cancelled");
  ApplyClientCause(call.engine, *item, kCancel);
  return TextReply(200, "OK: order item cancelled");
}

http::HttpReply UpdateOrder(const SheetMusicDirectProfile& profile, Call& call) {
  const QueryParams params(call.query, false);
  ParamReader reader(params);
  const std::string order_id = reader.Text("retailerOrderId", kMaxIdLength);
  const std::string client_id = reader.Text("retailerClientId", kMaxIdLength);
  const std::string status = reader.Text("status", 18);
  const Lifecycle& lifecycle = call.engine.lifecycle();
  const std::string wanted = lifecycle.StateOfCode(status);
  if (reader.ok() && (!lifecycle.IsKnown(wanted) || lifecycle.CodeOf(wanted) != status))
    reader.Refuse("status", "status " + status + " is no OrderStatus code (README, \"Order status codes\")");
  if (!reader.ok()) return Invalid(call, reader);
  const std::vector<engine::EngineOrder*> items =
      ItemsOfOrder(call.engine, call.caller, client_id, order_id, profile.defects().other_client_sees_order);
  if (items.empty()) return call.errors.Reply("ORDER_NOT_FOUND", "client " + client_id + " has no order " + order_id);

  // Every item not in a terminal state must have an update cause that leads
  // to the status asked for (or keeps it there); all or nothing.
  std::vector<std::pair<engine::EngineOrder*, std::string_view>> moves;
  for (engine::EngineOrder* item : items) {
    if (lifecycle.IsTerminal(item->state)) continue;
    std::optional<std::string_view> found;
    for (std::string_view cause : kUpdateCauses) {
      const std::optional<std::string> target = lifecycle.TargetOf(item->state, cause);
      if ((target && *target == wanted) || (item->state == wanted && lifecycle.IsIdempotent(item->state, cause)))
        found = cause;
    }
    if (!found) {
      if (profile.defects().update_ignores_refusal) continue;
      return call.errors.Reply("ORDER_STATUS_CONFLICT", "item " + item->id + " cannot go from OrderStatus " +
                                                            StatusOf(lifecycle, *item) + " to " + status);
    }
    moves.emplace_back(item, *found);
  }
  if (moves.empty() && !profile.defects().update_ignores_refusal)
    return call.errors.Reply("ORDER_STATUS_CONFLICT", "every item of order " + order_id + " is in a final status");
  for (auto& [item, cause] : moves) ApplyClientCause(call.engine, *item, cause);
  return TextReply(200, "OK: order updated");
}

http::HttpReply UpdatePrintsRemaining(const SheetMusicDirectProfile& profile, Call& call) {
  const QueryParams params(call.query, false);
  ParamReader reader(params);
  const std::string order_id = reader.Text("retailerOrderId", kMaxIdLength);
  const std::string client_id = reader.Text("retailerClientId", kMaxIdLength);
  const int64_t product_id = reader.Integer("productId", 1, kMaxProductId);
  const int64_t prints = reader.Integer("printsRemaining", 0, kMaxPrints);
  if (!reader.ok()) return Invalid(call, reader);
  const std::vector<engine::EngineOrder*> items =
      ItemsOfOrder(call.engine, call.caller, client_id, order_id, profile.defects().other_client_sees_order);
  if (items.empty()) return call.errors.Reply("ORDER_NOT_FOUND", "client " + client_id + " has no order " + order_id);
  engine::EngineOrder* item = ItemOfProduct(items, std::to_string(product_id));
  if (!item)
    return call.errors.Reply("ORDER_ITEM_NOT_FOUND",
                             "order " + order_id + " has no item of product " + std::to_string(product_id));
  const Lifecycle& lifecycle = call.engine.lifecycle();
  if (call.engine.Apply(*item, kResetPrints) == engine::Move::kRefused)
    return call.errors.Reply("ORDER_STATUS_CONFLICT", "prints cannot be reset for an item in OrderStatus " +
                                                          StatusOf(lifecycle, *item));
  item->fields[kFieldPrintsRemaining] = std::to_string(prints);
  return TextReply(200, "OK: prints remaining was reset");
}

}  // namespace purchase::profiles::sheetmusicdirect
