// Tests that the server answers requests exactly as spec/openapi.yaml says,
// where the request decoders (http/request_decoding.cc, and the query
// parameter lists of hl_connector/http_api.cc) copy the contract by hand:
// - every JSON request body: which members are required, their types, length
//   and value limits, enums, and whether unknown members are refused, nested
//   objects included (the decoder names them "effect.status");
// - every operation with query parameters: which are allowed and required,
//   answered with the error that operation documents;
// - routing, the other direction of spec_consistency_test's
//   EveryDocumentedOperationIsRouted: no path and method the spec does not
//   document is answered as an operation.
//
// Everything checked is derived from spec/openapi.yaml at run time ($refs
// followed): change a limit there and these tests fail until the code follows.
// The test's own knowledge is in three small tables (sample values of formats
// a run of 'a's cannot satisfy, cross-field rules the schemas state only in
// prose, and probes that cannot be built or are known to disagree), each held
// to the spec so that it cannot go stale. Every probe runs on a fresh server
// through HttpApi::Handle; the tests are single-threaded.
#define BOOST_TEST_MODULE request_schema_test
#include "core/spec_layers.h"
#include "hl_connector/http_api.h"
#include "testing/http_testing.h"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <rapidjson/document.h>
#include <yaml-cpp/yaml.h>

#include "hl_connector/error_catalog.h"
#include "core/lifecycle.h"

namespace purchase::http {
namespace {

using testing::kVendorA;

// ---------------------------------------------------------------------------
// The spec

const YAML::Node& Spec() {
  // The reference layer: our server also promises what x-reference adds
  // (closed request objects, so unknown members are refused).
  static const YAML::Node root = [] {
    YAML::Node doc = YAML::LoadFile(std::string(PURCHASE_TEST_SPEC) + "/openapi.yaml");
    purchase::ApplySpecLayer(doc, purchase::SpecLayer::kReference, "spec/openapi.yaml");
    return doc;
  }();
  return root;
}

// Follows `node`'s $ref (a JSON pointer into openapi.yaml), and its target's,
// to a node without one; fails the test if a $ref names nothing.
// (YAML::Node's operator= writes through to the document: hence reset().)
YAML::Node Resolve(const YAML::Node& node) {
  YAML::Node at;
  at.reset(node);
  for (int hops = 0; at.IsMap() && std::as_const(at)["$ref"]; ++hops) {
    const std::string ref = std::as_const(at)["$ref"].Scalar();
    BOOST_REQUIRE_MESSAGE(hops < 16 && ref.rfind("#/", 0) == 0, "spec/openapi.yaml: unusable $ref " << ref);
    YAML::Node target;
    target.reset(Spec());
    std::stringstream parts(ref.substr(2));
    for (std::string part; std::getline(parts, part, '/');) {
      const YAML::Node next = std::as_const(target)[part];
      BOOST_REQUIRE_MESSAGE(next, "spec/openapi.yaml: $ref " << ref << " names nothing");
      target.reset(next);
    }
    at.reset(target);
  }
  return at;
}

// The methods an OpenAPI path item can document.
const char* const kOpenApiMethods[] = {"get", "put", "post", "delete", "options", "head", "patch", "trace"};

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

struct Operation {
  std::string id;      // operationId
  std::string method;  // "POST"
  std::string path;    // "/_control/faults/{id}"
  YAML::Node node;
  YAML::Node path_item;
};

std::vector<Operation> Operations() {
  std::vector<Operation> out;
  for (const auto& path : Spec()["paths"]) {
    for (const char* method : kOpenApiMethods) {
      const YAML::Node op = path.second[method];
      if (!op) continue;
      BOOST_REQUIRE_MESSAGE(op["operationId"], method << " " << path.first.Scalar() << " has no operationId");
      out.push_back({op["operationId"].Scalar(), Upper(method), path.first.Scalar(), op, path.second});
    }
  }
  BOOST_REQUIRE_MESSAGE(out.size() >= 18u, "only " << out.size() << " operations found in spec/openapi.yaml");
  return out;
}

const Operation& OperationById(const std::vector<Operation>& ops, const std::string& id) {
  const auto it = std::find_if(ops.begin(), ops.end(), [&](const Operation& op) { return op.id == id; });
  BOOST_REQUIRE_MESSAGE(it != ops.end(), "spec/openapi.yaml has no operation '" << id << "'");
  return *it;
}

// The resolved parameters of an operation that are `in` the given place (the
// path item's and the operation's own).
std::vector<YAML::Node> Parameters(const Operation& op, const std::string& in) {
  std::vector<YAML::Node> out;
  for (const YAML::Node& list : {op.path_item["parameters"], op.node["parameters"]})
    for (const auto& p : list) {
      const YAML::Node param = Resolve(p);
      if (param["in"].Scalar() == in) out.push_back(param);
    }
  return out;
}

// The resolved schema of the operation's JSON request body, if it has one.
std::optional<YAML::Node> JsonBodySchema(const Operation& op) {
  if (!op.node["requestBody"]) return std::nullopt;
  const YAML::Node media = Resolve(op.node["requestBody"])["content"]["application/json"];
  if (!media) return std::nullopt;
  return Resolve(media["schema"]);
}

// The status of the operation's response whose x-error-codes list `code`.
int StatusOfCode(const Operation& op, const std::string& code) {
  for (const auto& response : op.node["responses"])
    for (const auto& c : Resolve(response.second)["x-error-codes"])
      if (c.Scalar() == code) return std::stoi(response.first.Scalar());
  BOOST_FAIL(op.id << " documents no response with " << code);
  return 0;
}

bool IsRequired(const YAML::Node& object_schema, const std::string& name) {
  for (const auto& r : object_schema["required"])
    if (r.Scalar() == name) return true;
  return false;
}

std::string TypeOf(const YAML::Node& schema, const std::string& where) {
  BOOST_REQUIRE_MESSAGE(schema["type"], where << ": the schema has no type");
  return schema["type"].Scalar();
}

// The path with each {parameter} replaced by value(parameter).
template <typename ValueOf>
std::string Concrete(const std::string& path, ValueOf value) {
  std::string out = path;
  for (size_t open; (open = out.find('{')) != std::string::npos;) {
    const size_t close = out.find('}', open);
    out.replace(open, close - open + 1, value(out.substr(open + 1, close - open - 1)));
  }
  return out;
}

// ---------------------------------------------------------------------------
// JSON text

std::string Quote(std::string_view s) {
  std::string out = "\"";
  for (const unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
      out += escaped;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

// The shortest JSON text that reads back as `v`.
std::string Number(double v) {
  char text[64];
  const auto end = std::to_chars(text, text + sizeof text, v).ptr;
  return std::string(text, end);
}

std::string ObjectText(const std::vector<std::pair<std::string, std::string>>& members) {
  std::string out = "{";
  for (const auto& [name, value] : members) out += (out.size() > 1 ? "," : "") + Quote(name) + ":" + value;
  return out + "}";
}

// ---------------------------------------------------------------------------
// The server

// A reference server over the default fixtures, its manual clock at
// testing::kStart, the control API on without a token.
struct Server : testing::ServedTestApi {
  // `path` with its query already split (names and values as sent).
  HttpReply CallSplit(const std::string& method, const std::string& path, RawQuery query = {}, std::string body = "") {
    HttpRequest request = testing::MakeRequest(method, path, std::move(body), kVendorA);
    request.query = std::move(query);
    return served.Handle(request);
  }
};

struct ErrorFields {
  std::string code;                  // "" when the reply is not an error body
  std::optional<std::string> field;  // error.field, when present
};

ErrorFields ErrorOf(const HttpReply& reply) {
  ErrorFields out;
  // JsonText answers "<absent>", "<null>" or "<not a string>" for what is no string.
  auto is_string = [](const std::string& text) { return text.empty() || text.front() != '<'; };
  const std::string code = testing::JsonText(reply.body, "error/code");
  const std::string field = testing::JsonText(reply.body, "error/field");
  if (is_string(code)) out.code = code;
  if (is_string(field)) out.field = field;
  return out;
}

// Whether a request got past its decoding: answered with none of the codes
// of the checks before it (routing, authentication, size), of decoding, or
// of a crash. A domain answer (ASSET_NOT_FOUND for a generated asset_id,
// TOKEN_INVALID for a generated token, CLOCK_BACKWARDS) counts as decoded.
bool Decoded(const HttpReply& reply) {
  static const std::set<std::string> kBeforeOrInDecoding = {
      "MALFORMED_JSON", "REQUEST_VALIDATION_FAILED", "UNAUTHENTICATED", "METHOD_NOT_ALLOWED",
      "NOT_FOUND",      "PAYLOAD_TOO_LARGE",         "INTERNAL_ERROR"};
  return reply.status < 400 || kBeforeOrInDecoding.count(ErrorOf(reply).code) == 0;
}

// The status and the start of the body (an asset's bytes are long).
std::string Show(const HttpReply& reply) {
  return std::to_string(reply.status) + " " + reply.body.substr(0, 300) + (reply.body.size() > 300 ? "..." : "");
}

// ---------------------------------------------------------------------------
// Probes and the exception table

enum class Rule { kValid, kPresence, kType, kLimit, kUnknown, kQuery };

// What a probe tries; the exception table names probes by it.
struct ProbeKind {
  const char* name;
  Rule rule;
};
constexpr ProbeKind kMinimalBody{"minimal body", Rule::kValid};
constexpr ProbeKind kExample{"the spec's example", Rule::kValid};
constexpr ProbeKind kPresent{"present with a minimal value", Rule::kValid};
constexpr ProbeKind kSampleShape{"each sample shape of its format", Rule::kValid};
constexpr ProbeKind kOmitted{"omitted", Rule::kPresence};
constexpr ProbeKind kWrongType{"wrong JSON type", Rule::kType};
constexpr ProbeKind kFraction{"a fraction (type number)", Rule::kType};
constexpr ProbeKind kMinLength{"length minLength", Rule::kLimit};
constexpr ProbeKind kBelowMinLength{"length minLength - 1", Rule::kLimit};
constexpr ProbeKind kMaxLength{"length maxLength", Rule::kLimit};
constexpr ProbeKind kAboveMaxLength{"length maxLength + 1", Rule::kLimit};
constexpr ProbeKind kMinimum{"minimum (or the least value above an exclusive one)", Rule::kLimit};
constexpr ProbeKind kBelowMinimum{"just below minimum (or at an exclusive one)", Rule::kLimit};
constexpr ProbeKind kMaximum{"maximum (or the greatest value below an exclusive one)", Rule::kLimit};
constexpr ProbeKind kAboveMaximum{"just above maximum (or at an exclusive one)", Rule::kLimit};
constexpr ProbeKind kEnumValue{"each enum value", Rule::kLimit};
constexpr ProbeKind kNotInEnum{"a value not in the enum", Rule::kLimit};
constexpr ProbeKind kBoolean{"true and false", Rule::kLimit};
constexpr ProbeKind kTooFewMembers{"fewer members than minProperties", Rule::kLimit};
constexpr ProbeKind kUnknownMemberProbe{"an unknown member", Rule::kUnknown};
constexpr ProbeKind kQueryDocumented{"every documented parameter", Rule::kQuery};
constexpr ProbeKind kQueryOmitted{"omitted", Rule::kQuery};
constexpr ProbeKind kQueryBelowMinLength{"length minLength - 1", Rule::kQuery};
constexpr ProbeKind kQueryMaxLength{"length maxLength", Rule::kQuery};
constexpr ProbeKind kQueryAboveMaxLength{"length maxLength + 1", Rule::kQuery};
constexpr ProbeKind kQueryPatternBroken{"a value the pattern refuses", Rule::kQuery};
constexpr ProbeKind kQueryUnknown{"an unknown parameter", Rule::kQuery};
constexpr ProbeKind kQueryDocumentedElsewhere{"a parameter the spec documents for other operations only", Rule::kQuery};

enum class ExceptionKind {
  // No value the probe needs exists (the test fails if one can be built).
  kCannotBuild,
  // The spec and the server disagree: the probe runs and must fail (the
  // test fails once it passes, so the entry goes when the bug does).
  kKnownDisagreement,
};

struct ProbeException {
  const char* operation;  // operationId
  const char* property;   // dotted, as the decoder names it; a query parameter's name
  ProbeKind probe;
  ExceptionKind kind;
  const char* reason;
};

// Request-body probes that are not run as the spec alone would have them.
// EveryExceptionToTheSpecNamesAProbeItStillHas fails when an entry names an
// operation, property or probe the spec no longer has.
const std::vector<ProbeException> kBodyProbeExceptions = {
    {"validatePurchaseBeforePayment", "customer_ip", kMinLength, ExceptionKind::kCannotBuild,
     "minLength is 1, but the field is an IPv4 or IPv6 literal (its description; the decoder checks it) and no "
     "IP literal is 1 character long: the shortest is \"::\". The schema states the address rule with a pattern "
     "and prose only, so the 1-character values it admits (\"1\") are not valid requests."},
};

// Query-parameter probes likewise (none today).
const std::vector<ProbeException> kQueryProbeExceptions = {};

// Cross-field rules the decoders enforce and the spec states only in prose
// (FaultEffect's description): a probe of `property` is built with `with`
// (sibling members, at their minimal values) present too, so that it is
// judged on its own rule and not refused for another one. Draft-04 could
// state the first (`dependencies: {retry_after: [status]}`). Not listed,
// because no probe can trip them: "a request effect or a fulfillment effect,
// never both" (a probe object holds members of one kind: the focus, its
// `with`, and a filler only when the object would otherwise be empty), and
// "match.path never under /_control" (generated paths are runs of 'a').
struct CrossFieldRule {
  const char* operation;
  const char* property;
  std::vector<std::string> with;
  const char* reason;
};
const std::vector<CrossFieldRule> kCrossFieldRules = {
    {"createFaultRule", "effect.retry_after", {"status"},
     "\"retry_after needs status\": alone it is refused naming effect.retry_after"},
    {"createFaultRule", "effect.drop_connection", {"status"},
     "\"at least one [effect] that does something (drop_connection false alone is 422)\": false alone is refused "
     "naming effect"},
};

// Valid strings of the formats and patterns that a run of 'a's does not
// satisfy, by length (nullopt: no valid value is that long), and a few shapes
// that must all be accepted. Hand-written because building a value from a
// regular expression plus the prose beside it (a calendar date, an IP
// address) is a project of its own. Every value is checked against the
// spec's pattern, so a table that drifts from the spec fails the test instead
// of testing something else; a string schema with a format or pattern not
// listed here fails it too.
struct StringSamples {
  const char* format;   // matched against the schema's format, if not null
  const char* pattern;  // else against its pattern
  std::optional<std::string> (*of_length)(size_t length);
  std::vector<std::string> shapes;
};

// An RFC 3339 instant at the manual clock's start (testing::kStart), so that
// setting the clock to it is neither backwards nor a move; longer ones get a
// longer fraction of zeros.
std::optional<std::string> Rfc3339OfLength(size_t n) {
  if (n == 20) return "2026-01-01T00:00:00Z";
  if (n < 22) return std::nullopt;  // 21: a '.' needs a digit after it
  return "2026-01-01T00:00:00." + std::string(n - 21, '0') + "Z";
}

// `digits` digits of `digit`, as groups of at most `widest` split by `sep`
// into exactly `groups` groups.
std::string Groups(size_t digits, size_t groups, size_t widest, char digit, char sep) {
  std::string out;
  for (size_t i = 0; i < groups; ++i) {
    const size_t width = std::min(widest, digits - (groups - 1 - i));
    if (i > 0) out += sep;
    out += std::string(width, digit);
    digits -= width;
  }
  return out;
}

// An IP literal: "::" plus up to 7 hex groups up to 36 characters, then a
// full IPv6 with an embedded IPv4 up to 45 (the longest there is).
std::optional<std::string> IpLiteralOfLength(size_t n) {
  if (n < 2 || n > 45) return std::nullopt;
  if (n == 2) return "::";
  if (n <= 36) {
    const size_t rest = n - 2, groups = (rest + 1 + 4) / 5;
    return "::" + Groups(rest - (groups - 1), groups, 4, 'f', ':');
  }
  return "ffff:ffff:ffff:ffff:ffff:ffff:" + Groups(n - 30 - 3, 4, 3, '1', '.');
}

// A sandbox name (1..64 characters), each length a new name.
std::optional<std::string> SandboxNameOfLength(size_t n) {
  if (n < 1 || n > 64) return std::nullopt;
  return "s" + std::string(n - 1, 'a');
}

const std::vector<StringSamples> kStringSamples = {
    {"date-time", nullptr, Rfc3339OfLength,
     {"2026-01-01t00:00:00z", "2026-01-01T01:00:00+01:00", "2026-01-01T00:00:00.5Z", "2026-01-02T00:00:00-00:30"}},
    {nullptr, "^[0-9a-fA-F:.]+$", IpLiteralOfLength,
     {"203.0.113.7", "::1", "2001:db8::7", "2001:DB8::7", "::ffff:203.0.113.7"}},
    {nullptr, "^[A-Za-z0-9][A-Za-z0-9._-]*$", SandboxNameOfLength, {"ci-42", "Job_7.b", "x"}},
};

// The samples for a string schema, nullptr for one a run of 'a's satisfies.
const StringSamples* SamplesFor(const YAML::Node& schema, const std::string& where) {
  const std::string format = schema["format"] ? schema["format"].Scalar() : "";
  const std::string pattern = schema["pattern"] ? schema["pattern"].Scalar() : "";
  if (format.empty() && pattern.empty()) return nullptr;
  for (const auto& s : kStringSamples)
    if ((s.format && format == s.format) || (!s.format && s.pattern && pattern == s.pattern)) return &s;
  BOOST_FAIL(where << ": no sample values for a string of format '" << format << "' and pattern '" << pattern
                   << "': add them to kStringSamples");
  return nullptr;
}

void RequireMatchesPattern(const YAML::Node& schema, const std::string& value, const std::string& where) {
  if (!schema["pattern"]) return;
  BOOST_REQUIRE_MESSAGE(std::regex_search(value, std::regex(schema["pattern"].Scalar())),
                        where << ": the sample '" << value << "' does not match the spec's pattern "
                              << schema["pattern"].Scalar() << ": fix kStringSamples");
}

// A valid string of `schema` exactly `length` characters long, or nullopt.
std::optional<std::string> StringOfLength(const YAML::Node& schema, size_t length, const std::string& where) {
  const StringSamples* samples = SamplesFor(schema, where);
  std::optional<std::string> value = samples ? samples->of_length(length) : std::string(length, 'a');
  if (value) {
    BOOST_REQUIRE_MESSAGE(value->size() == length, where << ": kStringSamples gave '" << *value << "' for length "
                                                         << length);
    RequireMatchesPattern(schema, *value, where);
  }
  return value;
}

struct Bound {
  double value;
  bool exclusive;
};

// minimum/exclusiveMinimum (or maximum/exclusiveMaximum), in OpenAPI 3.0's
// form (a boolean beside the bound) or 3.1's (the exclusive bound itself).
std::optional<Bound> BoundOf(const YAML::Node& schema, const char* bound, const char* exclusive) {
  const YAML::Node e = schema[exclusive];
  if (e && e.Scalar() != "true" && e.Scalar() != "false") return Bound{e.as<double>(), true};
  if (!schema[bound]) return std::nullopt;
  return Bound{schema[bound].as<double>(), e && e.as<bool>()};
}

// ---------------------------------------------------------------------------
// Request-body probes

using Path = std::vector<std::string>;

std::string Join(const Path& path) {
  std::string out;
  for (const auto& p : path) out += (out.empty() ? "" : ".") + p;
  return out;
}

struct BodyProbe {
  std::string property;  // dotted, as the decoder names it; "" for the body itself
  ProbeKind kind;
  std::string value;                         // what is tried at `property`, for messages
  std::optional<std::string> body;           // nullopt: it cannot be built
  std::optional<std::string> refused_field;  // nullopt: it must get past decoding
};

// A member name no request schema has.
const std::string kUnknownName = "unknown_member";

// Builds the probes of one operation's JSON request body from its schema.
// Each probe changes one member of a minimal valid body: the required
// members at minimal values (the schema's example if it has one), plus the
// cross-field rule's `with` members of the one probed, plus, in an object
// with minProperties, the first members (in spec order) that fill it.
class BodyProbeBuilder {
 public:
  BodyProbeBuilder(const Operation& op, YAML::Node schema, std::vector<bool>& cross_field_rules_used)
      : op_(op), schema_(std::move(schema)), used_(cross_field_rules_used) {}

  std::vector<BodyProbe> Probes() {
    probes_.clear();
    Add("", kMinimalBody, "", Build({}, std::nullopt), std::nullopt);
    for (const YAML::Node& example : Examples())
      Add("", kExample, "", FromYaml(example, schema_, op_.id), std::nullopt);
    Add("", kWrongType, "[]", "[]", "");  // the body itself must be an object ("" names it)
    ObjectProbes(schema_, {});
    return std::move(probes_);
  }

 private:
  void Add(const std::string& property, ProbeKind kind, const std::string& value, std::optional<std::string> body,
           std::optional<std::string> refused_field) {
    probes_.push_back({property, kind, value, std::move(body), std::move(refused_field)});
  }

  // The body with `value` at `focus` (nullopt: `focus` left out).
  std::string Build(const Path& focus, const std::optional<std::string>& value) {
    return BuildObject(schema_, {}, focus, value);
  }

  std::vector<YAML::Node> Examples() const {
    std::vector<YAML::Node> out;
    const YAML::Node media = Resolve(op_.node["requestBody"])["content"]["application/json"];
    if (media["example"]) out.push_back(media["example"]);
    for (const auto& e : media["examples"]) out.push_back(Resolve(e.second)["value"]);
    if (schema_["example"]) out.push_back(schema_["example"]);
    return out;
  }

  std::string FromYaml(const YAML::Node& y, const YAML::Node& schema, const std::string& where) const {
    const std::string type = TypeOf(schema, where);
    if (type == "string") return Quote(y.Scalar());
    if (type == "integer") return std::to_string(y.as<int64_t>());
    if (type == "number") return Number(y.as<double>());
    if (type == "boolean") return y.as<bool>() ? "true" : "false";
    BOOST_REQUIRE_MESSAGE(type == "object", where << ": cannot write an example of type " << type);
    std::vector<std::pair<std::string, std::string>> members;
    for (const auto& m : y) {
      const std::string name = m.first.Scalar();
      BOOST_REQUIRE_MESSAGE(schema["properties"][name], where << ": the example has '" << name
                                                              << "', which the schema does not");
      members.emplace_back(name, FromYaml(m.second, Resolve(schema["properties"][name]), where + "." + name));
    }
    return ObjectText(members);
  }

  // The `with` members of a cross-field rule of `property`, marking it used.
  std::vector<std::string> With(const std::string& property) {
    for (size_t i = 0; i < kCrossFieldRules.size(); ++i)
      if (op_.id == kCrossFieldRules[i].operation && property == kCrossFieldRules[i].property) {
        used_[i] = true;
        return kCrossFieldRules[i].with;
      }
    return {};
  }

  std::string MinimalValue(const YAML::Node& schema, const Path& at) {
    const std::string where = op_.id + " " + Join(at);
    if (schema["example"]) return FromYaml(schema["example"], schema, where);
    const std::string type = TypeOf(schema, where);
    if (type == "string") {
      if (schema["enum"]) return Quote(schema["enum"][0].Scalar());
      const size_t min = schema["minLength"] ? schema["minLength"].as<size_t>() : 0;
      const size_t max = schema["maxLength"] ? schema["maxLength"].as<size_t>() : min + 64;
      for (size_t n = min; n <= max; ++n)
        if (auto s = StringOfLength(schema, n, where)) return Quote(*s);
      BOOST_FAIL(where << ": no valid string of any length from " << min << " to " << max);
    }
    if (type == "integer" || type == "number") {
      const double step = type == "integer" ? 1 : 0.001;
      double v = 0;
      if (const auto lo = BoundOf(schema, "minimum", "exclusiveMinimum")) {
        v = lo->value + (lo->exclusive ? step : 0);
      } else if (const auto hi = BoundOf(schema, "maximum", "exclusiveMaximum")) {
        v = std::min(0.0, hi->value - (hi->exclusive ? step : 0));
      }
      return type == "integer" ? std::to_string(static_cast<int64_t>(v)) : Number(v);
    }
    if (type == "boolean") return "true";
    BOOST_REQUIRE_MESSAGE(type == "object", where << ": cannot build a value of type " << type);
    return BuildObject(schema, at, {}, std::nullopt);
  }

  // The object of `schema` at `at`, minimal but for `value` at `focus`.
  std::string BuildObject(const YAML::Node& schema, const Path& at, const Path& focus,
                          const std::optional<std::string>& value) {
    const YAML::Node props = schema["properties"];
    const std::string prefix = at.empty() ? "" : Join(at) + ".";
    const bool on_focus = focus.size() > at.size() && std::equal(at.begin(), at.end(), focus.begin());
    const std::string focus_name = on_focus ? focus[at.size()] : "";
    std::vector<std::pair<std::string, std::string>> members;
    auto has = [&](const std::string& name) {
      return std::any_of(members.begin(), members.end(), [&](const auto& m) { return m.first == name; });
    };
    auto add_minimal = [&](const std::string& name) {
      if (has(name)) return;
      BOOST_REQUIRE_MESSAGE(props[name], op_.id << " " << prefix << name << ": no such property in the spec");
      Path child = at;
      child.push_back(name);
      members.emplace_back(name, MinimalValue(Resolve(props[name]), child));
    };
    for (const auto& r : schema["required"])
      if (r.Scalar() != focus_name) add_minimal(r.Scalar());
    if (on_focus && focus.size() > at.size() + 1) {
      Path child = at;
      child.push_back(focus_name);
      members.emplace_back(focus_name, BuildObject(Resolve(props[focus_name]), child, focus, value));
    } else if (on_focus && value) {
      members.emplace_back(focus_name, *value);
      for (const auto& w : With(prefix + focus_name)) add_minimal(w);
    }
    // Filled with known members only: an unknown one probed must be the
    // only thing wrong with its object.
    const size_t min_members = schema["minProperties"] ? schema["minProperties"].as<size_t>() : 0;
    auto known = [&] {
      return std::count_if(members.begin(), members.end(), [&](const auto& m) { return props[m.first]; });
    };
    for (const auto& p : props) {
      if (static_cast<size_t>(known()) >= min_members) break;
      const std::string name = p.first.Scalar();
      if (name == focus_name || has(name)) continue;
      const auto with = With(prefix + name);
      if (std::find(with.begin(), with.end(), focus_name) != with.end()) continue;
      add_minimal(name);
      for (const auto& w : with) add_minimal(w);
    }
    return ObjectText(members);
  }

  void ObjectProbes(const YAML::Node& schema, const Path& at) {
    const std::string object_name = Join(at);
    const std::string prefix = at.empty() ? "" : object_name + ".";
    const YAML::Node props = schema["properties"];
    Path unknown = at;
    unknown.push_back(kUnknownName);
    BOOST_REQUIRE(!props[kUnknownName]);
    const YAML::Node extra = schema["additionalProperties"];
    const bool closed = extra && extra.IsScalar() && !extra.as<bool>();
    Add(object_name, kUnknownMemberProbe, kUnknownName, Build(unknown, "1"),
        closed ? std::optional(prefix + kUnknownName) : std::nullopt);
    if (schema["minProperties"] && !at.empty()) {
      BOOST_REQUIRE_MESSAGE(schema["minProperties"].as<int>() == 1,
                            op_.id << " " << object_name << ": only minProperties 1 is probed; teach the test more");
      Add(object_name, kTooFewMembers, "{}", Build(at, "{}"), object_name);
    }
    for (const auto& p : props) {
      const std::string name = p.first.Scalar();
      const YAML::Node s = Resolve(p.second);
      const std::string field = prefix + name;
      const std::string where = op_.id + " " + field;
      Path focus = at;
      focus.push_back(name);
      auto accepted = [&](ProbeKind kind, const std::string& value) {
        Add(field, kind, value, Build(focus, value), std::nullopt);
      };
      auto refused = [&](ProbeKind kind, const std::string& value) {
        Add(field, kind, value, Build(focus, value), field);
      };
      auto cannot_build = [&](ProbeKind kind, size_t length) {
        Add(field, kind, "(no valid value is " + std::to_string(length) + " characters long)", std::nullopt,
            std::nullopt);
      };
      Add(field, kOmitted, "", Build(focus, std::nullopt),
          IsRequired(schema, name) ? std::optional(field) : std::nullopt);
      accepted(kPresent, MinimalValue(s, focus));

      const std::string type = TypeOf(s, where);
      static const std::map<std::string, std::vector<std::string>> kWrongValues = {
          {"string", {"7", "null"}},           {"integer", {"\"7\"", "1.5", "null"}},
          {"number", {"\"7\"", "true", "null"}}, {"boolean", {"\"true\"", "1", "null"}},
          {"object", {"\"x\"", "[]", "null"}}};
      BOOST_REQUIRE_MESSAGE(kWrongValues.count(type), where << ": cannot probe type " << type);
      for (const auto& v : kWrongValues.at(type)) {
        if (v == "null" && s["nullable"] && s["nullable"].as<bool>()) accepted(kWrongType, v);
        else refused(kWrongType, v);
      }

      if (type == "string") {
        // A too short or too long value: a valid one of that length if there
        // is one, so that only its length is wrong.
        auto of_length = [&](size_t n) { return StringOfLength(s, n, where).value_or(std::string(n, 'a')); };
        if (const YAML::Node min = s["minLength"]; min && min.as<size_t>() > 0) {
          const size_t n = min.as<size_t>();
          if (auto v = StringOfLength(s, n, where)) accepted(kMinLength, Quote(*v));
          else cannot_build(kMinLength, n);
          refused(kBelowMinLength, Quote(of_length(n - 1)));
        }
        if (const YAML::Node max = s["maxLength"]) {
          const size_t n = max.as<size_t>();
          if (auto v = StringOfLength(s, n, where)) accepted(kMaxLength, Quote(*v));
          else cannot_build(kMaxLength, n);
          refused(kAboveMaxLength, Quote(of_length(n + 1)));
        }
        std::set<std::string> listed;
        for (const auto& v : s["enum"]) {
          listed.insert(v.Scalar());
          accepted(kEnumValue, Quote(v.Scalar()));
        }
        if (!listed.empty()) {
          std::string other = Upper(*listed.begin());
          while (listed.count(other)) other += "x";
          refused(kNotInEnum, Quote(other));
        }
        if (const StringSamples* samples = SamplesFor(s, where))
          for (const auto& shape : samples->shapes) {
            RequireMatchesPattern(s, shape, where);
            accepted(kSampleShape, Quote(shape));
          }
      } else if (type == "integer" || type == "number") {
        // One past a bound: the next integer, or a thousandth (the API's
        // resolution: "millisecond resolution").
        const double step = type == "integer" ? 1 : 0.001;
        auto text = [&](double v) { return type == "integer" ? std::to_string(static_cast<int64_t>(v)) : Number(v); };
        if (type == "number") {
          // Half a unit above the least valid value: the type, not the limits, is probed.
          const auto lo = BoundOf(s, "minimum", "exclusiveMinimum");
          const auto hi = BoundOf(s, "maximum", "exclusiveMaximum");
          double v = lo ? lo->value + 0.5 : 0.5;
          if (hi && v >= hi->value) v = lo ? (lo->value + hi->value) / 2 : hi->value - 0.5;
          accepted(kFraction, Number(v));
        }
        if (const auto lo = BoundOf(s, "minimum", "exclusiveMinimum")) {
          accepted(kMinimum, text(lo->exclusive ? lo->value + step : lo->value));
          refused(kBelowMinimum, text(lo->exclusive ? lo->value : lo->value - step));
        }
        if (const auto hi = BoundOf(s, "maximum", "exclusiveMaximum")) {
          accepted(kMaximum, text(hi->exclusive ? hi->value - step : hi->value));
          refused(kAboveMaximum, text(hi->exclusive ? hi->value : hi->value + step));
        }
        BOOST_REQUIRE_MESSAGE(!s["enum"], where << ": numeric enums are not probed; teach the test");
      } else if (type == "boolean") {
        accepted(kBoolean, "true");
        accepted(kBoolean, "false");
      } else if (type == "object") {
        ObjectProbes(s, focus);
      }
    }
  }

  const Operation& op_;
  const YAML::Node schema_;
  std::vector<bool>& used_;
  std::vector<BodyProbe> probes_;
};

const ProbeException* FindException(const std::vector<ProbeException>& table, const std::string& op,
                                    const std::string& property, const ProbeKind& probe) {
  for (const auto& e : table)
    if (op == e.operation && property == e.property && std::string(probe.name) == e.probe.name) return &e;
  return nullptr;
}

struct Outcome {
  bool ok;
  std::string what;
};

Outcome RunBodyProbe(const Operation& op, const BodyProbe& p, int refusal_status) {
  Server server;
  const std::string path = Concrete(op.path, [](const std::string&) { return "x"; });
  const HttpReply reply = server.CallSplit(op.method, path, {}, *p.body);
  const std::string got = "body " + *p.body + " got " + Show(reply);
  if (!p.refused_field) return {Decoded(reply), "expected it to get past decoding; " + got};
  const ErrorFields e = ErrorOf(reply);
  return {reply.status == refusal_status && e.code == "REQUEST_VALIDATION_FAILED" && e.field == *p.refused_field,
          "expected " + std::to_string(refusal_status) + " REQUEST_VALIDATION_FAILED naming '" + *p.refused_field +
              "'; " + got};
}

// Judges a probe's outcome: it must pass, unless the exception table lists it
// as a known disagreement, which must then still fail. Returns 1 for a known
// disagreement, else 0 (for the counts).
int JudgeProbe(const Outcome& out, const ProbeException* ex, const std::string& where) {
  if (ex && ex->kind == ExceptionKind::kKnownDisagreement) {
    BOOST_TEST(!out.ok, where << ": the known disagreement (" << ex->reason << ") is gone: delete the entry");
    return 1;
  }
  BOOST_TEST(out.ok, where << ": " << out.what);
  return 0;
}

// Runs the body probes of `rule` (`what` names them in the log) of every
// operation with a JSON body.
void RunBodyProbes(Rule rule, const char* what) {
  std::vector<bool> cross_field_used(kCrossFieldRules.size());
  int operations = 0, run = 0;
  for (const Operation& op : Operations()) {
    const auto schema = JsonBodySchema(op);
    if (!schema) continue;
    ++operations;
    const int refusal_status = StatusOfCode(op, "REQUEST_VALIDATION_FAILED");
    int op_run = 0, op_known = 0, op_not_run = 0;
    for (const BodyProbe& p : BodyProbeBuilder(op, *schema, cross_field_used).Probes()) {
      if (p.kind.rule != rule) continue;
      const ProbeException* ex = FindException(kBodyProbeExceptions, op.id, p.property, p.kind);
      const std::string where = op.method + " " + op.path + " (" + op.id + ") " +
                                (p.property.empty() ? std::string("body") : "'" + p.property + "'") + ", " +
                                p.kind.name + " " + p.value;
      if (!p.body) {
        BOOST_TEST((ex && ex->kind == ExceptionKind::kCannotBuild),
                   where << ": cannot be built; list it in kBodyProbeExceptions with the reason, or build it");
        ++op_not_run;
        continue;
      }
      BOOST_TEST(!(ex && ex->kind == ExceptionKind::kCannotBuild),
                 where << ": kBodyProbeExceptions says it cannot be built, but it was: delete the entry");
      ++op_run;
      op_known += JudgeProbe(RunBodyProbe(op, p, refusal_status), ex, where);
    }
    BOOST_TEST_MESSAGE(op.method << " " << op.path << " (" << op.id << "): " << op_run << " " << what << " run ("
                                 << op_known << " known to fail), " << op_not_run
                                 << " not run (exception table)");
    run += op_run;
  }
  BOOST_TEST(operations >= 5, "only " << operations << " operations with a JSON body in spec/openapi.yaml");
  BOOST_TEST(run > 0);
}

// ---------------------------------------------------------------------------
// Query probes

// A server with one COMPLETED order of vendor A, and the values a correct
// client sends for it: the string members of the order as /purchase/info
// answers it (order_id, and its item's item_id), and the query of each
// signed URL handed out for it, by the URL's path.
class World {
 public:
  World() {
    const std::string id = server_.Order("asset-basic", "vo-1");
    server_.Advance(3600);
    const HttpReply info = server_.Get("/purchase/info?order_id=" + id);
    BOOST_REQUIRE_MESSAGE(info.status == 200, "info: " << Show(info));
    const rapidjson::Document d = testing::Json(info);
    for (const auto& m : d.GetObject())
      if (m.value.IsString()) values_[m.name.GetString()] = m.value.GetString();
    for (const auto& m : d["items"].GetArray()[0].GetObject())
      if (m.value.IsString()) values_[m.name.GetString()] = m.value.GetString();
    for (const char* kind : {"download", "view"}) {
      const HttpRequest parts = testing::MakeRequest("GET", server_.SignedUrl(kind, id), "", {});
      signed_urls_[parts.path] = parts.query;
    }
  }

  Server& server() { return server_; }

  std::string Concrete(const std::string& path) const {
    return http::Concrete(path, [&](const std::string& name) { return Value("", name).value_or("x"); });
  }

  // What a correct client sends as `name` to `path` (concrete), or nullopt.
  std::optional<std::string> Value(const std::string& path, const std::string& name) const {
    if (const auto url = signed_urls_.find(path); url != signed_urls_.end()) {
      for (const auto& [k, v] : url->second)
        if (k == name) return v;
      return std::nullopt;
    }
    const auto it = values_.find(name);
    return it == values_.end() ? std::nullopt : std::optional(it->second);
  }

 private:
  Server server_;
  std::map<std::string, std::string> values_;
  std::map<std::string, RawQuery> signed_urls_;
};

// How an operation refuses a bad query: the one response of it whose
// description speaks of query parameters (RequestValidationFailed's "A
// required field or query parameter is missing ...", or the signed URLs'
// UrlSignatureInvalid "... query parameters missing, extra or ill-formed").
struct QueryRefusal {
  int status;
  std::string code;
  bool names_parameter;  // the error schema requires error.field
};

QueryRefusal QueryRefusalOf(const Operation& op) {
  std::vector<QueryRefusal> found;
  for (const auto& r : op.node["responses"]) {
    const YAML::Node response = Resolve(r.second);
    if (response["description"].Scalar().find("query parameter") == std::string::npos) continue;
    const YAML::Node codes = response["x-error-codes"];
    BOOST_REQUIRE_MESSAGE(codes.size() == 1u, op.id << " " << r.first.Scalar() << ": expected one error code");
    const YAML::Node error = Resolve(Resolve(response["content"]["application/json"]["schema"])["properties"]["error"]);
    found.push_back({std::stoi(r.first.Scalar()), codes[0].Scalar(), IsRequired(error, "field")});
  }
  BOOST_REQUIRE_MESSAGE(found.size() == 1u, op.id << ": " << found.size()
                                                  << " responses speak of query parameters; expected exactly one");
  return found[0];
}

struct QueryProbe {
  std::string parameter;  // "" for the query as a whole
  ProbeKind kind;
  // kAdd: add `parameter` with the value a correct client would send (as if
  // the operation had it), or `text` if there is none.
  enum class Edit { kNone, kDrop, kSet, kAppend, kAdd } edit;
  std::string text;  // the value (kSet, kAdd) or what is appended to the correct one (kAppend)
  enum class Expect { kSuccess, kDecoded, kRefused } expect;
};

const std::string kUnknownParameter = "unknown_parameter";

// Every query parameter name the spec has: of every operation, and of
// components/parameters.
std::set<std::string> AllQueryParameterNames() {
  std::set<std::string> out;
  for (const Operation& op : Operations())
    for (const YAML::Node& p : Parameters(op, "query")) out.insert(p["name"].Scalar());
  for (const auto& p : Spec()["components"]["parameters"])
    if (Resolve(p.second)["in"].Scalar() == "query") out.insert(Resolve(p.second)["name"].Scalar());
  return out;
}

std::vector<QueryProbe> QueryProbes(const Operation& op) {
  using Edit = QueryProbe::Edit;
  using Expect = QueryProbe::Expect;
  std::vector<QueryProbe> out = {{"", kQueryDocumented, Edit::kNone, "", Expect::kSuccess}};
  std::set<std::string> elsewhere = AllQueryParameterNames();
  for (const YAML::Node& p : Parameters(op, "query")) {
    const std::string name = p["name"].Scalar();
    elsewhere.erase(name);
    BOOST_REQUIRE(name != kUnknownParameter);
    const YAML::Node s = Resolve(p["schema"]);
    const bool required = p["required"] && p["required"].as<bool>();
    out.push_back({name, kQueryOmitted, Edit::kDrop, "", required ? Expect::kRefused : Expect::kSuccess});
    if (s["minLength"] && s["minLength"].as<size_t>() > 0)
      out.push_back({name, kQueryBelowMinLength, Edit::kSet, std::string(s["minLength"].as<size_t>() - 1, 'a'),
                     Expect::kRefused});
    if (s["maxLength"]) {
      const size_t n = s["maxLength"].as<size_t>();
      out.push_back({name, kQueryMaxLength, Edit::kSet, std::string(n, 'a'), Expect::kDecoded});
      out.push_back({name, kQueryAboveMaxLength, Edit::kSet, std::string(n + 1, 'a'), Expect::kRefused});
    }
    if (s["pattern"]) out.push_back({name, kQueryPatternBroken, Edit::kAppend, "x", Expect::kRefused});
  }
  out.push_back({kUnknownParameter, kQueryUnknown, Edit::kSet, "1", Expect::kRefused});
  // The server may allow no parameter the spec does not document for this
  // operation; these are the names a copied list is likeliest to keep.
  for (const std::string& name : elsewhere)
    out.push_back({name, kQueryDocumentedElsewhere, Edit::kAdd, "1", Expect::kRefused});
  return out;
}

Outcome RunQueryProbe(const Operation& op, const QueryProbe& p, const QueryRefusal& refusal) {
  World world;
  const std::string path = world.Concrete(op.path);
  RawQuery query;
  for (const YAML::Node& param : Parameters(op, "query")) {
    const std::string name = param["name"].Scalar();
    const auto value = world.Value(path, name);
    BOOST_REQUIRE_MESSAGE(value, op.id << ": the test's World has no value for query parameter '" << name
                                       << "': teach it one");
    if (name == p.parameter && p.edit == QueryProbe::Edit::kDrop) continue;
    if (name == p.parameter && p.edit == QueryProbe::Edit::kAppend) {
      const std::string broken = *value + p.text;
      BOOST_REQUIRE_MESSAGE(!std::regex_search(broken, std::regex(Resolve(param["schema"])["pattern"].Scalar())),
                            op.id << " " << name << ": '" << broken << "' still matches the pattern");
      query.emplace_back(name, broken);
    } else {
      query.emplace_back(name, name == p.parameter && p.edit == QueryProbe::Edit::kSet ? p.text : *value);
    }
  }
  if (p.edit == QueryProbe::Edit::kSet &&
      std::none_of(query.begin(), query.end(), [&](const auto& q) { return q.first == p.parameter; }))
    query.emplace_back(p.parameter, p.text);
  if (p.edit == QueryProbe::Edit::kAdd)
    query.emplace_back(p.parameter, world.Value(path, p.parameter).value_or(p.text));
  std::string target = path;
  for (const auto& [k, v] : query) target += (target == path ? "?" : "&") + k + "=" + v;

  const HttpReply reply = world.server().CallSplit(op.method, path, query);
  const ErrorFields e = ErrorOf(reply);
  const std::string got = target + " got " + Show(reply);
  switch (p.expect) {
    case QueryProbe::Expect::kSuccess:
      return {reply.status >= 200 && reply.status < 300, "expected a 2xx; " + got};
    case QueryProbe::Expect::kDecoded:
      return {Decoded(reply) && e.code != refusal.code, "expected it to get past decoding; " + got};
    case QueryProbe::Expect::kRefused:
      return {reply.status == refusal.status && e.code == refusal.code &&
                  (!refusal.names_parameter || e.field == p.parameter),
              "expected " + std::to_string(refusal.status) + " " + refusal.code +
                  (refusal.names_parameter ? " naming '" + p.parameter + "'" : std::string()) + "; " + got};
  }
  return {false, "unreachable"};
}

// ---------------------------------------------------------------------------
// Routing

// Whether `path` (concrete) is an instance of the template `tmpl`, a
// {parameter} standing for one non-empty segment.
bool PathMatches(const std::string& tmpl, const std::string& path) {
  std::stringstream t(tmpl), p(path);
  std::string ts, ps;
  while (true) {
    const bool more_t = static_cast<bool>(std::getline(t, ts, '/'));
    const bool more_p = static_cast<bool>(std::getline(p, ps, '/'));
    if (!more_t || !more_p) return more_t == more_p && path.back() != '/';
    if (!ts.empty() && ts.front() == '{' ? ps.empty() : ts != ps) return false;
  }
}

std::string Joined(const std::set<std::string>& methods) {
  std::string out;
  for (const auto& m : methods) out += (out.empty() ? "" : ", ") + m;
  return out;
}

std::set<std::string> AllowOf(const HttpReply& reply) {
  std::set<std::string> out;
  for (const auto& [k, v] : reply.headers)
    if (k == "Allow") {
      std::stringstream methods(v);
      for (std::string m; std::getline(methods, m, ',');) out.insert(m.substr(m.find_first_not_of(' ')));
    }
  return out;
}

// ---------------------------------------------------------------------------

BOOST_AUTO_TEST_SUITE(RequestSchemaTest)

BOOST_AUTO_TEST_CASE(ARequestBodyBuiltFromTheSpecGetsPastTheDecoder) {
  // The minimal body, the spec's examples, each member present, each sample shape.
  RunBodyProbes(Rule::kValid, "valid-body probes");
}

BOOST_AUTO_TEST_CASE(EveryRequestFieldIsRequiredExactlyWhereTheSpecSaysSo) {
  RunBodyProbes(Rule::kPresence, "presence probes");
}

BOOST_AUTO_TEST_CASE(EveryRequestFieldHasTheTypeTheSpecGivesIt) {
  RunBodyProbes(Rule::kType, "type probes");
}

BOOST_AUTO_TEST_CASE(EveryRequestBodyLimitInTheSpecIsTheDecodersLimit) {
  // minLength/maxLength, minimum/maximum, enums, booleans, minProperties.
  RunBodyProbes(Rule::kLimit, "limit probes");
}

BOOST_AUTO_TEST_CASE(UnknownRequestFieldsAreRefusedExactlyWhereTheSpecSaysSo) {
  RunBodyProbes(Rule::kUnknown, "unknown-member probes");
}

BOOST_AUTO_TEST_CASE(EveryQueryParameterIsAllowedAndRequiredExactlyAsTheSpecSays) {
  int operations = 0;
  for (const Operation& op : Operations()) {
    if (Parameters(op, "query").empty()) continue;
    ++operations;
    const QueryRefusal refusal = QueryRefusalOf(op);
    int run = 0, known = 0;
    for (const QueryProbe& p : QueryProbes(op)) {
      const ProbeException* ex = FindException(kQueryProbeExceptions, op.id, p.parameter, p.kind);
      const std::string where = op.method + " " + op.path + " (" + op.id + ") " +
                                (p.parameter.empty() ? std::string("query") : "'" + p.parameter + "'") + ", " +
                                p.kind.name;
      BOOST_TEST(!(ex && ex->kind == ExceptionKind::kCannotBuild),
                 where << ": every query probe can be built: delete the kQueryProbeExceptions entry");
      ++run;
      known += JudgeProbe(RunQueryProbe(op, p, refusal), ex, where);
    }
    BOOST_TEST_MESSAGE(op.method << " " << op.path << " (" << op.id << "): " << run << " query probes run ("
                                 << known << " known to fail); a bad query is " << refusal.status << " "
                                 << refusal.code);
  }
  BOOST_TEST(operations >= 6, "only " << operations << " operations with query parameters in spec/openapi.yaml");
}

BOOST_AUTO_TEST_CASE(EveryRoutedOperationIsDocumented) {
  Server server;
  std::map<std::string, std::set<std::string>> documented;  // path template -> methods
  for (const Operation& op : Operations()) documented[op.path].insert(op.method);
  // How the server answers a path it does not route (the same body, naming the path).
  auto unrouted = [&](const std::string& method, const std::string& path) {
    const std::string nowhere = "/surely/not/an/endpoint";
    std::string body = server.CallSplit(method, nowhere).body;
    const size_t at = body.find(nowhere);
    BOOST_REQUIRE_MESSAGE(at != std::string::npos, "the 404 body does not name the path: " << body);
    return body.replace(at, nowhere.size(), path);
  };
  int probes = 0;
  std::set<std::string> undocumented_paths = {"/", "//"};
  for (const auto& [tmpl, methods] : documented) {
    const std::string path = Concrete(tmpl, [](const std::string&) { return "x"; });
    for (const char* m : kOpenApiMethods) {
      const std::string method = Upper(m);
      const HttpReply reply = server.CallSplit(method, path);
      ++probes;
      if (methods.count(method)) {
        BOOST_TEST((reply.status != 405 && reply.body != unrouted(method, path)),
                   method << " " << path << " is documented but not routed: " << Show(reply));
      } else if (reply.status != 405 || ErrorOf(reply).code != "METHOD_NOT_ALLOWED") {
        BOOST_ERROR(method << " " << path << " is not documented, yet answers " << Show(reply));
      } else {
        BOOST_TEST((AllowOf(reply) == methods), method << " " << path << ": Allow is '" << Joined(AllowOf(reply))
                                                        << "', the spec documents '" << Joined(methods) << "'");
      }
    }
    // Near misses of the documented path: a trailing slash, one more segment,
    // each shorter prefix, an empty parameter, upper case.
    undocumented_paths.insert({path + "/", path + "/x", Upper(path),
                               Concrete(tmpl, [](const std::string&) { return ""; })});
    for (size_t slash = path.find('/', 1); slash != std::string::npos; slash = path.find('/', slash + 1))
      undocumented_paths.insert(path.substr(0, slash));
  }
  int near_misses = 0;
  for (const std::string& path : undocumented_paths) {
    if (std::any_of(documented.begin(), documented.end(), [&](const auto& d) { return PathMatches(d.first, path); }))
      continue;
    ++near_misses;
    for (const char* m : kOpenApiMethods) {
      const std::string method = Upper(m);
      const HttpReply reply = server.CallSplit(method, path);
      ++probes;
      BOOST_TEST((reply.status == 404 && ErrorOf(reply).code == "NOT_FOUND" && reply.body == unrouted(method, path)),
                 method << " '" << path << "' is not documented, yet answers " << Show(reply));
    }
  }
  BOOST_TEST_MESSAGE(probes << " routing probes over " << documented.size() << " documented paths and "
                            << near_misses << " undocumented near misses");
  BOOST_TEST(documented.size() >= 15u);
}

BOOST_AUTO_TEST_CASE(EveryExceptionToTheSpecNamesAProbeItStillHas) {
  // The tables above must not outlive what they excuse: each entry must name
  // an operation, property and probe the spec still gives rise to.
  const std::vector<Operation> ops = Operations();
  std::vector<bool> cross_field_used(kCrossFieldRules.size());
  std::map<std::string, std::vector<BodyProbe>> body_probes;
  for (const Operation& op : ops)
    if (const auto schema = JsonBodySchema(op))
      body_probes[op.id] = BodyProbeBuilder(op, *schema, cross_field_used).Probes();

  for (const ProbeException& e : kBodyProbeExceptions) {
    const auto& probes = body_probes[e.operation];
    BOOST_TEST(std::any_of(probes.begin(), probes.end(),
                           [&](const BodyProbe& p) {
                             return p.property == e.property && std::string(p.kind.name) == e.probe.name;
                           }),
               "kBodyProbeExceptions: " << e.operation << " '" << e.property << "' " << e.probe.name
                                        << ": spec/openapi.yaml no longer gives rise to this probe; delete the entry");
  }
  for (const ProbeException& e : kQueryProbeExceptions) {
    const auto probes = QueryProbes(OperationById(ops, e.operation));
    BOOST_TEST(std::any_of(probes.begin(), probes.end(),
                           [&](const QueryProbe& p) {
                             return p.parameter == e.property && std::string(p.kind.name) == e.probe.name;
                           }),
               "kQueryProbeExceptions: " << e.operation << " '" << e.property << "' " << e.probe.name
                                         << ": spec/openapi.yaml no longer gives rise to this probe; delete the entry");
  }
  for (size_t i = 0; i < kCrossFieldRules.size(); ++i) {
    const CrossFieldRule& rule = kCrossFieldRules[i];
    // Walk the dotted property and its `with` siblings through the schema.
    const auto schema = JsonBodySchema(OperationById(ops, rule.operation));
    BOOST_REQUIRE_MESSAGE(schema, rule.operation << " has no JSON body");
    YAML::Node object;
    object.reset(*schema);
    std::stringstream parts(rule.property);
    std::vector<std::string> path;
    for (std::string part; std::getline(parts, part, '.');) path.push_back(part);
    bool found = true;
    for (size_t k = 0; k + 1 < path.size() && found; ++k) {
      const YAML::Node next = std::as_const(object)["properties"][path[k]];
      found = static_cast<bool>(next);
      if (found) object.reset(Resolve(next));
    }
    found = found && std::as_const(object)["properties"][path.back()];
    for (const auto& w : rule.with) found = found && std::as_const(object)["properties"][w];
    BOOST_TEST(found, "kCrossFieldRules: " << rule.operation << " '" << rule.property
                                           << "' or a member it names is not in spec/openapi.yaml; delete the entry");
    BOOST_TEST(cross_field_used[i], "kCrossFieldRules: " << rule.operation << " '" << rule.property
                                                         << "' is used by no probe; delete the entry");
  }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace purchase::http
