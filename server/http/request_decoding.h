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
#include "http/valid_text.h"

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <rapidjson/document.h>

#include "hl_connector/fault_rules.h"
#include "hl_connector/purchase_service.h"
#include "core/status.h"

namespace purchase::http {

// What to do with a member or query parameter the operation does not know.
enum class UnknownMembers { kRefuse, kIgnore };

// Raw query parameters as the HTTP library split them (not yet decoded).
// RawQuery: http/http_message.h

// The decoded query parameters (PercentDecode, valid_text.h), after checking
// that every name is in `allowed` and that `required` ones are present and
// non-empty; a parameter given twice is refused, also one that is ignored.
Result<std::vector<std::pair<std::string, std::string>>> DecodeQuery(const RawQuery& raw,
                                                                     std::initializer_list<const char*> allowed,
                                                                     std::initializer_list<const char*> required,
                                                                     UnknownMembers unknown = UnknownMembers::kRefuse);
// The value of `name` in a decoded query (a view into it), or "".
std::string_view QueryValue(const std::vector<std::pair<std::string, std::string>>& query, std::string_view name);

// Parses a body that must be a JSON object (ParseJson, json_body.h): a
// malformed one is MALFORMED_JSON, a repeated member or another value than an
// object REQUEST_VALIDATION_FAILED naming it.
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
