// The fuzz targets' split of a raw query string into parameters, the way an
// HTTP library hands them to the server: on '&', then on the first '=', with
// nothing decoded and every part kept (empty and repeated ones too, which
// Pistache would drop, so the decoder sees the worst case).
#pragma once

#include <string>
#include <string_view>

#include "http/request_decoding.h"

namespace purchase::http::fuzzing {

inline RawQuery SplitQuery(std::string_view query) {
  RawQuery out;
  for (size_t start = 0; !query.empty() && start <= query.size();) {
    const size_t amp = std::min(query.find('&', start), query.size());
    const std::string_view part = query.substr(start, amp - start);
    const size_t eq = part.find('=');
    out.emplace_back(std::string(part.substr(0, eq)), eq == std::string_view::npos ? "" : std::string(part.substr(eq + 1)));
    start = amp + 1;
  }
  return out;
}

}  // namespace purchase::http::fuzzing
