// HTTP headers as received: name/value pairs in arrival order. Plain data
// shared by the HTTP client and the judges.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace conformance {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// True if `a` and `b` are the same ASCII text but for letter case (header
// names, media types).
bool EqualsIgnoringCase(std::string_view a, std::string_view b);

// Returns the value of the first header named `name` (case-insensitive), or null.
const std::string* FindHeader(const HeaderList& headers, std::string_view name);

}  // namespace conformance
