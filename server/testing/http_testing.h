// Test-only helpers shared by the tests that drive HttpApi without a socket:
// the default fixtures, the two vendors' credentials, and requests written
// the way people read them ("GET", "/purchase/info?order_id=...").
#pragma once

#include <optional>
#include <sstream>
#include <string>

#include "core/catalog.h"
#include "core/clock.h"
#include "http/http_api.h"

namespace purchase::http::testing {

inline constexpr Millis kStart = 1767225600000;  // 2026-01-01T00:00:00Z, the manual clock's default start
inline const std::string kVendorA = "Bearer test-token-vendor-a";
inline const std::string kVendorB = "Bearer test-token-vendor-b";

// The default fixture set (fixtures/ of the source tree), loaded once.
inline const Catalog& Fixtures() {
  static const Catalog catalog = Catalog::Load(PURCHASE_TEST_FIXTURES);
  return catalog;
}

// Splits "/path?a=1&b" into the path and the raw (undecoded) query, as the
// Pistache adapter does, but keeping repeated keys (which Pistache 0.0.5
// drops before the adapter sees them).
inline HttpRequest MakeRequest(const std::string& method, const std::string& target, std::string body,
                               std::optional<std::string> authorization) {
  HttpRequest r;
  r.method = method;
  const size_t q = target.find('?');
  r.path = target.substr(0, q);
  if (q != std::string::npos) {
    std::stringstream query(target.substr(q + 1));
    std::string part;
    while (std::getline(query, part, '&')) {
      const size_t eq = part.find('=');
      r.query.emplace_back(part.substr(0, eq), eq == std::string::npos ? "" : part.substr(eq + 1));
    }
  }
  r.authorization = std::move(authorization);
  r.host = "127.0.0.1:8080";
  r.body = std::move(body);
  return r;
}

}  // namespace purchase::http::testing
