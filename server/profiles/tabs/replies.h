// The JSON replies of the tabs API: a purchase (the seed's object, plus
// tab_id), a tab with its purchases and payments, a payment. Written with
// RapidJSON's Writer from the engine's orders and the TabBook; what each
// member means is in spec/tabs/openapi.yaml. Pure functions of their inputs.
#pragma once

#include <string>

#include "engine/order_engine.h"
#include "profiles/tabs/tab_book.h"

namespace purchase::profiles::tabs {

struct PurchaseView {
  bool valid_from_creation = false;  // the tabs-valid-from-creation defect
};

std::string PurchaseJson(const engine::EngineOrder& order, PurchaseView view);
// The tab as of now (the book settled), its purchases from the engine.
std::string TabJson(const Tab& tab, engine::OrderEngine& engine, std::string_view merchant_id,
                    std::string_view user_id, PurchaseView view);
std::string PaymentJson(const Tab& tab, const Payment& payment);

// What the tab owes (its completed purchases no payment paid) and what its
// pending purchases cost, in minor units.
int64_t OwedOf(const Tab& tab, engine::OrderEngine& engine);
int64_t PendingAmountOf(const Tab& tab, engine::OrderEngine& engine);

// A purchase's price as the engine's fields hold it.
int64_t AmountOf(const engine::EngineOrder& order);

}  // namespace purchase::profiles::tabs
