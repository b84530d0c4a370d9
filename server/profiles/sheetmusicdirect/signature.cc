#include "profiles/sheetmusicdirect/signature.h"

#include <openssl/evp.h>

#include <array>
#include <stdexcept>

namespace purchase::profiles::sheetmusicdirect {

std::string Sha256Hex(std::string_view text) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  if (EVP_Digest(text.data(), text.size(), digest.data(), &size, EVP_sha256(), nullptr) != 1)
    throw std::runtime_error("SHA-256 failed");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(size * 2);
  for (unsigned int i = 0; i < size; ++i) {
    hex.push_back(kHex[digest[i] >> 4]);
    hex.push_back(kHex[digest[i] & 0xf]);
  }
  return hex;
}

std::optional<std::string_view> SignatureNameOf(std::string_view route_pattern) {
  struct Name {
    std::string_view pattern;
    std::string_view name;
  };
  static constexpr Name kNames[] = {
      {"/orders/create", "createorder"},
      {"/orders/cancel", "cancelorder"},
      {"/orders/cancel/item", "cancelorderitem"},
      {"/orders/update", "update"},
      {"/orders/updateprintsremaining", "updateprintsremaining"},
      {"/orders", "orders"},
      {"/orders/orderitems", "orders-orderitems"},
      {"/orders/allproducts", "orders-allproducts"},
  };
  for (const Name& n : kNames)
    if (n.pattern == route_pattern) return n.name;
  return std::nullopt;
}

std::string SignatureText(std::string_view name, std::string_view key, std::string_view client_id,
                          std::string_view order_id, std::string_view product_id, bool with_ids) {
  std::string text;
  text.append(name).append(key);
  if (with_ids) text.append(client_id).append(order_id).append(product_id);
  return text;
}

}  // namespace purchase::profiles::sheetmusicdirect
