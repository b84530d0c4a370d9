// What the runner knows about the target: where it is, the credentials it was
// given, and what GET /_control said it can do.
//
// Filled once before a run, then read-only and shared between threads.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "exec/http_client.h"

namespace conformance {

struct Target {
  std::string base_url;  // without a trailing slash
  std::string token;     // vendor A
  std::string token_b;   // vendor B; empty: scenarios that need it are skipped
  std::string control_token;
  std::set<std::string> capabilities;  // from GET /_control, plus "second-vendor"
  bool manual_clock = false;           // polls advance the clock instead of sleeping
  // The value of each fixture role (scenarios/_fixtures.yaml): our fixtures'
  // default unless --var or --target-file says otherwise; nullopt when the
  // target has no such thing (a scenario that needs it is skipped).
  std::map<std::string, std::optional<std::string>> fixtures;
};

struct ProbeResult {
  bool reachable = false;
  std::string error;  // why not reachable
  std::string note;   // e.g. "no control API (GET /_control answered 404)"
  std::set<std::string> capabilities;
  bool manual_clock = false;
};

// A target file (`conformance run --target-file FILE`): what the runner needs
// to know of one implementation, so that a CI job names one file instead of
// a line of flags. Every member is optional; the command line wins over it.
struct TargetFile {
  std::optional<std::string> target, token, token_b, control_token;
  // The API whose spec judges the target (`conformance run --api`).
  std::optional<std::string> spec;
  // Capabilities to assume instead of those GET /_control reports.
  std::optional<std::set<std::string>> capabilities;
  // Fixture role -> value; nullopt: the target has no such thing.
  std::map<std::string, std::optional<std::string>> vars;
  std::map<std::string, std::string> var_where;  // role -> "file:line:column", for errors
};

// Parses a target file (YAML). Throws purchase::SpecError
// ("file:line:column: error: ...") on bad YAML, an unknown key (with a "did
// you mean"), or a value of the wrong type.
TargetFile ParseTargetFile(std::string_view text, const std::string& source);

// A request to the target's control API (`path` below `base_url`, such as
// "/_control/sandboxes"), with the control token when there is one and
// `json_body` as its JSON body when it is not empty: how the runner and
// explore reset, create sandboxes and clean up.
HttpRequest ControlRequest(const std::string& base_url, const std::string& control_token, std::string method,
                           const std::string& path, std::string json_body = {});

// A path that names its sandbox by the prefix (spec/control.yaml,
// "/_sandbox/NAME/..."): the name, the prefix itself, and the path below it
// ("/" when nothing follows). Views of `path`; nullopt without the prefix.
struct SandboxPath {
  std::string_view name, prefix, rest;
};
std::optional<SandboxPath> SplitSandboxPath(std::string_view path);

// A sandbox made on the target for as long as this object lives (POST
// /_control/sandboxes, then DELETE when it goes): how `run --sandbox new` and
// explore's workers keep a scenario or a sequence to themselves. `client`
// must outlive it.
class ScopedSandbox {
 public:
  ScopedSandbox(HttpClient& client, std::string base_url, std::string control_token, std::string name);
  ~ScopedSandbox();
  ScopedSandbox(const ScopedSandbox&) = delete;
  ScopedSandbox& operator=(const ScopedSandbox&) = delete;

  // "" when it was made, else why not ("POST /_control/sandboxes answered 429 ...").
  const std::string& error() const { return error_; }
  const std::string& name() const { return name_; }
  // Where its API is: the target's base URL and /_sandbox/NAME.
  std::string url() const { return base_url_ + "/_sandbox/" + name_; }

 private:
  HttpClient& client_;
  std::string base_url_, control_token_, name_, error_;
};

// A run's id: 8 hex digits, fresh each run, so that runs sharing a target
// name their sandboxes and orders apart.
std::string NewRunId();

// Asks GET {base_url}/_control what the target supports. Unreachable only when
// no HTTP answer comes back at all; any answer but a 200 with capabilities
// means "no control API".
ProbeResult ProbeTarget(HttpClient& client, const std::string& base_url, const std::string& control_token);

}  // namespace conformance
