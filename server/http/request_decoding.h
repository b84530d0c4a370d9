// Decoding of request bodies and query strings into the core's request types.
//
// Pure functions: bytes in, a value or the API error out (MALFORMED_JSON for
// anything that is not a JSON document, REQUEST_VALIDATION_FAILED naming the
// field for a missing, ill-typed, duplicated or unknown member). This is the
// layer hostile input meets first, so it is also the fuzzing target.
// Unknown members and query parameters are refused unless the caller says
// UnknownMembers::kIgnore (the other variant, core/variant.h): then they are
// skipped as if absent, and everything else is checked exactly the same.
#pragma once

#include "http/http_message.h"

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <rapidjson/document.h>

#include "core/fault_rules.h"
#include "core/purchase_service.h"
#include "core/status.h"

namespace purchase::http {

// What to do with a member or query parameter the operation does not know.
enum class UnknownMembers { kRefuse, kIgnore };

// Raw query parameters as the HTTP library split them (not yet decoded).
// RawQuery: http/http_message.h

// Decodes %XX escapes; nullopt if an escape is malformed or decodes to a NUL
// byte or invalid UTF-8.
std::optional<std::string> PercentDecode(std::string_view text);

// The decoded query parameters, after checking that every name is in
// `allowed` and that `required` ones are present and non-empty.
Result<std::vector<std::pair<std::string, std::string>>> DecodeQuery(const RawQuery& raw,
                                                                     std::initializer_list<const char*> allowed,
                                                                     std::initializer_list<const char*> required,
                                                                     UnknownMembers unknown = UnknownMembers::kRefuse);
// The value of `name` in a decoded query (a view into it), or "".
std::string_view QueryValue(const std::vector<std::pair<std::string, std::string>>& query, std::string_view name);

// Parses a body that must be a JSON object (UTF-8 checked, at most 64 levels deep).
Result<std::shared_ptr<const rapidjson::Value>> ParseJsonObject(std::string_view body);

Result<ValidateRequest> DecodeValidateRequest(const rapidjson::Value& body,
                                              UnknownMembers unknown = UnknownMembers::kRefuse);
Result<RegisterRequest> DecodeRegisterRequest(const rapidjson::Value& body,
                                              UnknownMembers unknown = UnknownMembers::kRefuse);
Result<FaultRule> DecodeFaultRule(const rapidjson::Value& body, UnknownMembers unknown = UnknownMembers::kRefuse);
// {"seconds": N} -> milliseconds.
Result<Millis> DecodeClockAdvance(const rapidjson::Value& body, UnknownMembers unknown = UnknownMembers::kRefuse);
// {"now": "<RFC 3339>"} -> instant.
Result<Millis> DecodeClockSet(const rapidjson::Value& body, UnknownMembers unknown = UnknownMembers::kRefuse);

// A string member of `body` if present and a string, else "" (used to match
// fault rules before the body is validated).
std::string StringMember(const rapidjson::Value& body, const char* name);

}  // namespace purchase::http
