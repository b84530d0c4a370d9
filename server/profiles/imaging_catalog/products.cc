// listPurchaseProducts: what a purchase has delivered so far. Which answer a
// purchase gets follows from the causes its history holds, not from state
// names: once fulfillment_succeeded has applied, the products; once
// fulfillment_failed has, 409 PURCHASE_FAILED; before either, an empty list.
// So a lifecycle.yaml that sends those causes elsewhere changes the states
// replies show, and this file keeps meaning the same thing.
#include <string>
#include <vector>

#include "profiles/imaging_catalog/imaging_catalog_profile.h"
#include "profiles/imaging_catalog/purchase_json.h"

namespace purchase::profiles::imaging_catalog {
namespace {

bool HasApplied(const engine::EngineOrder& order, std::string_view cause) {
  for (const auto& entry : order.history)
    if (entry.cause == cause && !entry.from.empty()) return true;
  return false;
}

}  // namespace

http::HttpReply ListPurchaseProducts(Call& call, const Defects& defects) {
  const engine::EngineOrder* order = FindOwnPurchase(call, defects);
  if (order == nullptr) return call.errors.Reply("PURCHASE_NOT_FOUND", "no purchase " + call.params["purchase_id"]);
  const Lifecycle& lifecycle = call.engine.lifecycle();
  std::vector<std::string> products;
  if (HasApplied(*order, kFailCause)) {
    if (!defects.failed_products_empty)
      return call.errors.Reply("PURCHASE_FAILED", "purchase " + order->id + " has failed: no product will become available");
  } else if (HasApplied(*order, kCloseCause) || defects.products_while_active) {
    const auto it = order->fields.find(kProductTypesField);
    if (it != order->fields.end()) products = SplitTypes(it->second);
  }
  http::HttpReply reply = JsonReply(200, ProductsJson(*order, lifecycle, products));
  reply.order_status = LongLivedState(lifecycle, order->state);
  return reply;
}

}  // namespace purchase::profiles::imaging_catalog
