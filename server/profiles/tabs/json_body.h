// Reading the JSON body of a tabs request (parsed by Call::Body): refuse
// unknown members, and name the offending member in every refusal
// (error.field), as spec/tabs/README.md says. Pure functions.
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include <rapidjson/document.h>

#include "profiles/error_replies.h"

namespace purchase::profiles::tabs {

// A 422 REQUEST_VALIDATION_FAILED naming `field` ("" for the body itself).
http::HttpReply Invalid(const ErrorReplies& errors, std::string_view field, std::string_view message);

// The first member of `object` outside `allowed`, or nothing.
std::optional<std::string> UnknownMember(const rapidjson::Value& object, std::initializer_list<std::string_view> allowed);

// The text of a string value.
inline std::string_view TextOf(const rapidjson::Value& v) { return {v.GetString(), v.GetStringLength()}; }

}  // namespace purchase::profiles::tabs
