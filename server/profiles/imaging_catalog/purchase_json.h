// The reply bodies of the imaging-catalog profile, written with RapidJSON's
// Writer: the purchase ({id, frameID, contractID, createdAt, status,
// reference, eula}, as in the seed) and a purchase's products. Pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/lifecycle.h"
#include "engine/order_engine.h"

namespace purchase::profiles::imaging_catalog {

// The engine fields a purchase keeps.
inline constexpr const char* kFrameField = "frameID";
inline constexpr const char* kContractField = "contractID";
inline constexpr const char* kReferenceField = "reference";  // absent: null
inline constexpr const char* kEulaField = "eula";
inline constexpr const char* kProductTypesField = "productTypes";  // comma-joined, the frame's order

// "2026-01-01T00:00:05.000000Z": RFC 3339 UTC with six fraction digits, the
// seed's shape (the clock has milliseconds; the last three digits are 0).
std::string FormatMicros(Millis t);

// The purchase as getPurchase answers it; `created_at` is what createdAt shows.
std::string PurchaseJson(const engine::EngineOrder& order, const Lifecycle& lifecycle, Millis created_at);

// {purchaseID, status, products: [{productType, frameID}]}.
std::string ProductsJson(const engine::EngineOrder& order, const Lifecycle& lifecycle,
                         const std::vector<std::string>& product_types);

// The comma-joined list of kProductTypesField, split.
std::vector<std::string> SplitTypes(std::string_view joined);

// The lifecycle's own spelling of `state` (a view that outlives every reply,
// for HttpReply::order_status), or "" for a state it does not know.
std::string_view LongLivedState(const Lifecycle& lifecycle, std::string_view state);

}  // namespace purchase::profiles::imaging_catalog
