// Signed asset URLs: /assets/{download|view}/{order_id}?expires=<unix s>&sig=<hex>.
// The signature is HMAC-SHA256 over "<kind>:<order_id>:<expires>" with a key
// derived from the seed (so URLs are deterministic too), compared in constant
// time. The signature alone says nothing about the order's state: the service
// checks expiry and cancellation after it. Immutable; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace purchase {

enum class UrlKind { kDownload, kView };
std::string_view UrlKindName(UrlKind kind);

struct SignedUrlParts {
  UrlKind kind;
  std::string order_id;
  int64_t expires_s = 0;
  std::string signature;
};

class UrlSigner {
 public:
  explicit UrlSigner(std::string key) : key_(std::move(key)) {}
  // The path and query of a URL for this order, valid until expires_s.
  std::string Sign(UrlKind kind, std::string_view order_id, int64_t expires_s) const;
  // True if parts.signature is the signature of (kind, order_id, expires_s).
  bool Verify(const SignedUrlParts& parts) const;

 private:
  std::string Mac(UrlKind kind, std::string_view order_id, int64_t expires_s) const;
  std::string key_;
};

}  // namespace purchase
