#include "signed_url.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace purchase {

std::string_view UrlKindName(UrlKind kind) { return kind == UrlKind::kDownload ? "download" : "view"; }

std::string UrlSigner::Mac(UrlKind kind, std::string_view order_id, int64_t expires_s) const {
  std::string message;
  message.reserve(64);
  message.append(UrlKindName(kind)).append(":").append(order_id).append(":").append(std::to_string(expires_s));
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()), reinterpret_cast<const unsigned char*>(message.data()),
       message.size(), mac, &len);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(len * 2);
  for (unsigned i = 0; i < len; ++i) {
    hex.push_back(kHex[mac[i] >> 4]);
    hex.push_back(kHex[mac[i] & 0xf]);
  }
  return hex;
}

std::string UrlSigner::Sign(UrlKind kind, std::string_view order_id, int64_t expires_s) const {
  std::string url = "/assets/";
  url.append(UrlKindName(kind)).append("/").append(order_id);
  url.append("?expires=").append(std::to_string(expires_s)).append("&sig=").append(Mac(kind, order_id, expires_s));
  return url;
}

bool UrlSigner::Verify(const SignedUrlParts& parts) const {
  const std::string expected = Mac(parts.kind, parts.order_id, parts.expires_s);
  if (parts.signature.size() != expected.size()) return false;
  // Constant time: the position of the first wrong byte must not leak.
  return CRYPTO_memcmp(expected.data(), parts.signature.data(), expected.size()) == 0;
}

}  // namespace purchase
