// What the runner knows about the target: where it is, the credentials it was
// given, and what GET /_control said it can do.
//
// Filled once before a run, then read-only and shared between threads.
#pragma once

#include <set>
#include <string>

#include "exec/http_client.h"

namespace conformance {

struct Target {
  std::string base_url;  // without a trailing slash
  std::string token;     // vendor A
  std::string token_b;   // vendor B; empty: scenarios that need it are skipped
  std::string control_token;
  std::set<std::string> capabilities;  // from GET /_control, plus "second-vendor"
  bool manual_clock = false;           // polls advance the clock instead of sleeping
};

struct ProbeResult {
  bool reachable = false;
  std::string error;  // why not reachable
  std::string note;   // e.g. "no control API (GET /_control answered 404)"
  std::set<std::string> capabilities;
  bool manual_clock = false;
};

// Asks GET {base_url}/_control what the target supports. Unreachable only when
// no HTTP answer comes back at all; any answer but a 200 with capabilities
// means "no control API".
ProbeResult ProbeTarget(HttpClient& client, const std::string& base_url, const std::string& control_token);

}  // namespace conformance
