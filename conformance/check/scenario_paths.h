// Checks, before anything is sent, that every request a scenario writes with a
// literal path is an operation of the OpenAPI document, so a typo in a path
// is a file:line:column error instead of a failed run. Paths that start with a
// variable or are absolute URLs are judged when the response arrives instead.
// Pure; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "check/openapi.h"
#include "scenario/loader.h"

namespace conformance {

// The path of a request target with each variable as one literal segment and
// the query dropped: "/_control/orders/${order_id}/history?x=1" ->
// "/_control/orders/x/history", which FindOperation matches like a real path.
std::string LiteralPath(const std::string& target);

// Returns one diagnostic per step whose method and path the spec does not
// document (steps with `openapi: false` are exempt).
std::vector<Diagnostic> CheckScenarioPaths(const Scenario& scenario, const OpenApiSpec& spec);

}  // namespace conformance
