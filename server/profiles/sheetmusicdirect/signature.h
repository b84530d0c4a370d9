// The security signature of every SheetMusicDirect endpoint
// (spec/sheetmusicdirect/README.md, "Security signature"): the lowercase hex
// SHA-256 of the endpoint's signature name followed by the retailer's key and,
// for updateprintsremaining only, the client, order and product ids. Pure
// functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace purchase::profiles::sheetmusicdirect {

// The lowercase hex SHA-256 of `text` (64 characters).
std::string Sha256Hex(std::string_view text);

// The signature name of the endpoint a route pattern is ("/orders/create" ->
// "createorder"), or nothing for a pattern that is not one of this API's.
std::optional<std::string_view> SignatureNameOf(std::string_view route_pattern);

// The text a request to `route_pattern` signs: the name, the key and, for
// /orders/updateprintsremaining, retailerClientId, retailerOrderId and
// productId as sent (decoded; an absent one is empty).
std::string SignatureText(std::string_view name, std::string_view key, std::string_view client_id,
                          std::string_view order_id, std::string_view product_id, bool with_ids);

}  // namespace purchase::profiles::sheetmusicdirect
