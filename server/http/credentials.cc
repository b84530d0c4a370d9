#include "http/credentials.h"

#include <strings.h>

namespace purchase::http {

std::string_view BearerToken(const std::optional<std::string>& header) {
  if (!header || header->size() <= 7) return {};
  if (strncasecmp(header->c_str(), "Bearer ", 7) != 0) return {};
  std::string_view token = std::string_view(*header).substr(7);
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  return token;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size() || b.empty()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

}  // namespace purchase::http
