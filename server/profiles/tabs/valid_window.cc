#include "profiles/tabs/valid_window.h"

namespace purchase::profiles::tabs {

std::optional<Millis> ParseTimedelta(std::string_view text) {
  if (text.size() < 2 || text.size() > 9 || text[0] < '1' || text[0] > '9') return std::nullopt;
  Millis unit = 0;
  switch (text.back()) {
    case 's': unit = 1000; break;
    case 'm': unit = 60 * 1000; break;
    case 'h': unit = 3600 * 1000; break;
    case 'd': unit = 86400 * 1000; break;
    case 'w': unit = 7 * 86400 * 1000; break;
    default: return std::nullopt;
  }
  Millis count = 0;
  for (char c : text.substr(0, text.size() - 1)) {
    if (c < '0' || c > '9') return std::nullopt;
    count = count * 10 + (c - '0');  // at most 8 digits: no overflow
  }
  if (count > kMaxTimedelta / unit) return std::nullopt;
  return count * unit;
}

}  // namespace purchase::profiles::tabs
