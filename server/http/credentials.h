// Reading the credentials of a request, the same on every surface that takes
// a bearer token (the HL Connector's vendor and control APIs, the sandbox
// control of every API).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace purchase::http {

// The bearer token of an Authorization header, or "" if it is not one.
std::string_view BearerToken(const std::optional<std::string>& header);

// Compares secrets without an early exit, so timing does not reveal how much
// of a guessed token was right. False when `b` is empty.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace purchase::http
