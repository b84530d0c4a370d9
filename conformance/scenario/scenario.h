// A conformance scenario as plain data: what the loader produces from YAML and
// what the runner executes. Every element keeps the place it was written so a
// failure can point at it like a compiler does.
//
// Values are immutable once loaded; scenarios are shared read-only between
// runner threads.
#pragma once

#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <utility>
#include <vector>

namespace conformance {

struct SourceLocation {
  std::string file;
  int line = 0;    // 1-based
  int column = 0;  // 1-based

  // Returns "file:line:column" (just "file" when line is 0).
  std::string ToString() const;
};

// A JSON value written in YAML whose strings may hold ${variable} references.
// A string that is exactly one reference takes the variable's JSON value (so a
// captured number stays a number); any other string splices values in as text.
struct TemplateValue {
  enum class Kind { kNull, kBool, kNumber, kString, kArray, kObject };
  Kind kind = Kind::kNull;
  bool boolean = false;
  std::string text;  // number literal or string template
  std::vector<TemplateValue> items;
  std::vector<std::pair<std::string, TemplateValue>> members;
  SourceLocation where;
};

// One check on a value (a JSON body member, a header, the raw body text).
// Several checks may be combined; all must hold.
struct Matcher {
  SourceLocation where;
  std::optional<TemplateValue> equals;
  std::optional<std::string> matches;  // ECMAScript regex, searched (use ^$ to anchor)
  // `matches` compiled by the loader, which compiles it to check it anyway;
  // null: the checks compile it (a matcher built in code).
  std::shared_ptr<const std::regex> matches_regex;
  std::optional<std::string> type;     // string integer number boolean object array null
  std::optional<bool> exists;          // `absent: true` is stored as exists = false
  std::optional<long long> length;     // array items, object members or string characters
  // A header that is a comma-separated list (RFC 9110 5.6.1, such as Allow):
  // exactly these elements, in any order.
  std::optional<std::vector<std::string>> members;
};

struct PointerExpectation {
  std::string pointer;  // RFC 6901 JSON pointer, "" is the whole body
  Matcher matcher;
};

struct HeaderExpectation {
  std::string name;  // compared case-insensitively
  Matcher matcher;
};

struct Expectation {
  SourceLocation where;
  std::vector<int> statuses;  // empty: any 2xx
  SourceLocation status_where;
  bool no_reply = false;      // the target must close the connection without answering
  std::optional<std::string> error_code;  // template; shorthand for /error/code
  SourceLocation error_where;
  std::vector<HeaderExpectation> headers;
  std::vector<PointerExpectation> body;
  std::optional<Matcher> text;
};

struct Capture {
  std::string variable;
  SourceLocation where;
  enum class Source { kBody, kHeader } source = Source::kBody;
  std::string key;                   // JSON pointer or header name
  std::optional<std::string> regex;  // if set, the first group (or whole match) of the value
  std::shared_ptr<const std::regex> compiled_regex;  // `regex` compiled by the loader, or null
};

enum class AuthMode {
  kVendor,    // Bearer ${token}
  kVendorB,   // Bearer ${token_b}
  kControl,   // Bearer <control token>, nothing if none was given
  kNone,      // no Authorization header
  kBearer,    // Bearer <template>
};

struct RequestSpec {
  std::string method;
  std::string target;  // template: a path below the base URL, or an absolute URL
  std::vector<std::pair<std::string, std::string>> query;    // templates, percent-encoded when sent
  std::vector<std::pair<std::string, std::string>> headers;  // templates
  std::optional<TemplateValue> body;                         // sent as JSON
  std::optional<std::string> raw_body;                       // sent as is (template)
  // `raw_body: {repeat: TEXT, times: "${role}", plus: N}`: a body sized by a
  // limit the target names (a fixture role such as ${body_limit}), built when
  // sent, so that a limit is tested at the target's own edge.
  struct SizedBody {
    std::string text;   // repeated as written (no template)
    std::string times;  // template of a whole number
    long long plus = 0;
  };
  std::optional<SizedBody> sized_body;
  AuthMode auth = AuthMode::kVendor;
  std::string bearer;  // for kBearer
};

struct PollSpec {
  SourceLocation where;
  Expectation until;
  int attempts = 10;
  double interval_seconds = 1;  // wait when the response has no Retry-After
  bool retry_after = true;      // honour Retry-After
};

struct Step {
  enum class Kind {
    kRequest,  // an HTTP exchange (control steps are requests too)
    kSet,      // assigns variables (`set:`, and the `with:` of an include)
  };
  Kind kind = Kind::kRequest;
  SourceLocation where;
  // Where an included sequence was included, innermost first.
  std::vector<SourceLocation> included_from;
  std::string name;  // display name: `name:` or derived from the request

  RequestSpec request;
  Expectation expect;
  std::vector<Capture> captures;
  std::optional<PollSpec> poll;
  bool check_openapi = true;
  bool resets_target = false;  // POST /_control/reset: forget tracked orders

  std::vector<std::pair<std::string, TemplateValue>> assignments;  // kSet
};

struct Scenario {
  std::string file;  // as discovered, e.g. scenarios/lifecycle/happy_path.yaml
  std::string id;    // file without its extension
  std::string description;
  std::vector<std::string> tags;
  // Capabilities the target must have (explicit `requires:` plus those implied
  // by control steps and by ${token_b}), sorted and unique.
  std::vector<std::string> requires_caps;
  // Set when the scenario changes state every other scenario sees (reset,
  // clock, faults) or asks to run alone: it never shares the target.
  bool exclusive = false;
  bool adds_faults = false;
  bool polls = false;
  std::vector<std::pair<std::string, TemplateValue>> vars;
  std::vector<Step> steps;
  // The fixture roles (see FixtureRole) the scenario's templates name, sorted
  // and unique: a target that cannot fill one skips the scenario.
  std::vector<std::string> fixture_roles;
};

// Something a scenario needs of the target's own data (an asset with a given
// property, an IP in a region), named by a variable. `default_value` is what
// our fixtures/ have; a target with its own catalog overrides it
// (`conformance run --var`, `--target-file`). Declared in `_fixtures.yaml`
// at the top of the suite.
struct FixtureRole {
  std::string name;           // the variable: asset-blocked-de -> asset_blocked_de
  std::string default_value;  // our fixtures/ value
  std::string description;    // what the role is, for people and skip reasons
  SourceLocation where;
  // `limit: true`: a limit the target chose (its largest body, say). Our
  // value is the default only when no target file is given: a target file
  // describes another implementation, which has its own limits, so it names
  // the value or the role is unfilled (its scenarios are skipped).
  bool limit = false;
};

// A scenario whose only needs are from the reference server's own promises
// beyond the contract (its id formats, refusing unknown members, replay byte
// for byte): `requires: [reference]`. The runner has it only with
// --strict-reference, which also judges by the reference layer of the spec.
inline constexpr const char* kReferenceCapability = "reference";

// The capability a scenario needs when it names the second vendor.
inline constexpr const char* kSecondVendorCapability = "second-vendor";
// The target creates sandboxes (POST /_control/sandboxes, spec/control.yaml):
// reported by GET /_control; `conformance run --sandbox new` needs it.
inline constexpr const char* kSandboxesCapability = "sandboxes";
// Capabilities of the target's configuration, for scenarios that check what a
// differently started server answers: the runner was given a control token
// (the target protects /_control), GET /_control answered 404 (control API
// off), GET /_control said the clock is real.
inline constexpr const char* kControlTokenCapability = "control-token";
inline constexpr const char* kControlOffCapability = "control-off";
inline constexpr const char* kRealClockCapability = "real-clock";

}  // namespace conformance
