// Valid text: the one place every API surface (the HL Connector's HttpApi,
// the profiles' ProfileHost and handlers, the control APIs) checks that text
// from a request is UTF-8 and decodes percent-escapes, and the last line of
// defence that keeps invalid UTF-8 out of every reply. Pure functions;
// thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"
#include "http/http_message.h"

namespace purchase::http {

// True if `text` is well-formed UTF-8 (RFC 3629): no overlong form, no
// surrogate (U+D800..U+DFFF), nothing past U+10FFFF, no truncated sequence.
bool IsValidUtf8(std::string_view text);

// `text` with every ill-formed sequence replaced by U+FFFD; `text` itself
// (one copy) when it is valid. For messages that echo a request.
std::string ToValidUtf8(std::string_view text);

// Decodes %XX escapes ('+' stays a '+'); nullopt if an escape is malformed
// or the result holds a NUL byte or is not valid UTF-8.
std::optional<std::string> PercentDecode(std::string_view text);

// Splits a raw query string ("a=1&b&a=2", without its '?') into its
// name/value pairs, in order and with every repeat, not decoded: a part
// without '=' has the value "", an empty part ("a=1&&b") is no parameter.
// The one splitter of the server's adapter, the tests' requests and the
// runner's in-process oracle, so all three hand the API the same pairs.
// Reuses the strings already in `out` (no allocation once warm).
void SplitRawQuery(std::string_view query, RawQuery& out);
RawQuery SplitRawQuery(std::string_view query);

// A query string decoded once: every name and value percent-decoded, in the
// order sent. Refuses (REQUEST_VALIDATION_FAILED, error.field naming the
// parameter) a name or value PercentDecode refuses and a name given twice
// (which of two values is meant is ambiguous: refused rather than guessed).
Result<std::vector<std::pair<std::string, std::string>>> DecodeQueryText(const RawQuery& raw);

}  // namespace purchase::http
