// valid_timedelta: how long a purchase stays valid once it completes, as the
// seed's 2..9 characters: a positive whole number and one unit, s (seconds),
// m (minutes), h (hours), d (days) or w (weeks), e.g. "30m", "7d". Months and
// years are refused: they have no fixed length (spec/tabs/README.md). Pure.
#pragma once

#include <optional>
#include <string_view>

#include "core/clock.h"

namespace purchase::profiles::tabs {

// The longest window accepted: 36500 days.
constexpr Millis kMaxTimedelta = 36500LL * 86400 * 1000;

// The window's length, or nothing if `text` is not such a duration or is
// longer than kMaxTimedelta.
std::optional<Millis> ParseTimedelta(std::string_view text);

}  // namespace purchase::profiles::tabs
