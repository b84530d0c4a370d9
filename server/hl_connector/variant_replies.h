// The other variant's replies (core/variant.h): how a reply of HttpApi is
// worded and dressed when the server runs with --variant other.
//
// The reference replies are written once, by HttpApi; this rewrites a finished
// reply instead of threading a flag through every writer, so the reference
// path stays exactly as it was (same bytes, no extra work), and every choice
// of the variant's replies is in this one place. Each choice is one the
// contract leaves open (spec/README.md: reply objects are open, messages and
// the realm are free); statuses, codes, error.field, required members, their
// types and every header but WWW-Authenticate's realm stay as they were.
// Pure; thread-safe.
#pragma once

#include <cstdint>
#include <string_view>

#include "hl_connector/http_api.h"

namespace purchase::http {

// The members and texts the other variant adds or changes.
inline constexpr std::string_view kOtherRealm = "Bearer realm=\"purchase-api\"";
inline constexpr std::string_view kOtherServerName = "variant-other";  // "server" of every success reply
inline constexpr std::string_view kOtherDocsBase = "https://example.invalid/errors/";

// Rewrites `reply` (an answer of HttpApi to the `request_number`-th request
// since the start or the last reset) the way the other variant answers:
// - every JSON success reply gets "server": "variant-other" at the top;
// - every order (register, info, cancel; a FAILED order's 502 too) gets
//   "links": {"self": "/purchase/info?order_id=<its id>"};
// - every error body gets "request_id": "req-<n>" at the top and
//   "docs": "<kOtherDocsBase><CODE>" in "error", and its message reworded
//   ("[CODE] ..."), except a FAILED order's, which is its failure_reason;
// - every object in a list (fault rules, history entries, items, drills,
//   audit entries...) gets "x_variant": "other";
// - WWW-Authenticate becomes kOtherRealm.
// Replies that are not JSON objects (asset files, the viewer page) are left alone.
void DressAsOtherVariant(uint64_t request_number, HttpReply& reply);

}  // namespace purchase::http
