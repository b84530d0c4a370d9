#include "scenario/loader.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <set>
#include <sstream>

#include <rapidjson/pointer.h>
#include <yaml-cpp/yaml.h>

#include "scenario/template.h"
#include "scenario/yaml_json.h"

namespace conformance {

std::string SourceLocation::ToString() const {
  // A place that is no line of a file (an exchange a proxy saw) is its name alone.
  if (line == 0) return file;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

std::string Diagnostic::ToString() const {
  std::string out = where.ToString() + ": error: " + message;
  for (const auto& from : included_from) out += "\n" + from.ToString() + ": note: included from here";
  return out;
}

std::string SuggestClosest(std::string_view word, const std::vector<std::string>& candidates) {
  // Levenshtein distance, case-insensitive; a typo is at most a third of the word.
  auto distance = [](std::string_view a, std::string_view b) {
    std::vector<size_t> before(b.size() + 1), prev(b.size() + 1), cur(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
      cur[0] = i;
      for (size_t j = 1; j <= b.size(); ++j) {
        const bool same = std::tolower(static_cast<unsigned char>(a[i - 1])) ==
                          std::tolower(static_cast<unsigned char>(b[j - 1]));
        cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (same ? 0 : 1)});
        // A swap of two neighbours ("rnu" for "run") is one typo, not two.
        if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
          cur[j] = std::min(cur[j], before[j - 2] + 1);
      }
      before = prev;
      std::swap(prev, cur);
    }
    return prev[b.size()];
  };
  std::string best;
  size_t best_distance = std::max<size_t>(1, (word.size() + 2) / 3) + 1;
  for (const auto& c : candidates) {
    const size_t d = distance(word, c);
    if (d < best_distance) {
      best = c;
      best_distance = d;
    }
  }
  // An abbreviation ("int" for "integer") is a likely slip too.
  if (best.empty() && word.size() >= 3)
    for (const auto& c : candidates)
      if (c.size() > word.size() && c.compare(0, word.size(), word) == 0) return c;
  return best;
}

namespace {

namespace fs = std::filesystem;

const std::vector<std::string> kBuiltins = {"run_id", "base_url", "token", "token_b", "scenario"};
const std::vector<std::string> kMethods = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"};

struct Sequence {
  std::string name;
  SourceLocation where;
  std::string file;
  std::vector<std::pair<std::string, std::optional<TemplateValue>>> params;  // nullopt: required
  YAML::Node steps;
};

struct Library {
  std::map<std::string, Sequence> sequences;
  bool visible = false;  // a _shared folder exists for this scenario
};

using FixtureRoles = std::map<std::string, FixtureRole>;

// State of one parse: the file being read, where it was included from, and
// (when checking a scenario, not a library) the variables defined so far.
struct Context {
  std::string file;
  std::vector<SourceLocation> included_from;
  std::set<std::string>* defined = nullptr;  // null: skip variable checks
  Scenario* scenario = nullptr;              // null: library parse, no flags
  const Library* library = nullptr;
  const FixtureRoles* roles = nullptr;  // the fixture roles the scenario sees
  std::vector<std::string> include_stack;
  std::vector<Diagnostic>* errors = nullptr;
};

SourceLocation Loc(const Context& ctx, const YAML::Node& node) {
  const YAML::Mark m = node.Mark();
  if (m.line < 0) return SourceLocation{ctx.file, 1, 1};
  return SourceLocation{ctx.file, m.line + 1, m.column + 1};
}

void ErrorAt(const Context& ctx, const SourceLocation& where, std::string message) {
  ctx.errors->push_back(Diagnostic{where, std::move(message), ctx.included_from});
}

void Error(const Context& ctx, const YAML::Node& node, std::string message) {
  ErrorAt(ctx, Loc(ctx, node), std::move(message));
}

std::string JoinKeys(const std::vector<std::string>& keys) {
  std::string out;
  for (const auto& k : keys) out += (out.empty() ? "" : ", ") + k;
  return out;
}

// Checks that `node` is a map with no duplicate keys and only `allowed` keys.
// Returns false (having reported why) if not.
bool CheckMap(const Context& ctx, const YAML::Node& node, const std::vector<std::string>& allowed,
              const std::string& what) {
  if (!node.IsMap()) {
    Error(ctx, node, what + " must be a map");
    return false;
  }
  bool ok = true;
  std::map<std::string, int> seen;  // key -> line
  for (const auto& kv : node) {
    if (!kv.first.IsScalar()) {
      Error(ctx, kv.first, "keys in " + what + " must be plain names");
      ok = false;
      continue;
    }
    const std::string& key = kv.first.Scalar();
    auto [it, inserted] = seen.emplace(key, kv.first.Mark().line + 1);
    if (!inserted) {
      Error(ctx, kv.first, "duplicate key '" + key + "' in " + what + " (first at line " +
                               std::to_string(it->second) + ")");
      ok = false;
      continue;
    }
    if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      const std::string suggestion = SuggestClosest(key, allowed);
      Error(ctx, kv.first,
            "unknown key '" + key + "' in " + what +
                (suggestion.empty() ? " (expected one of: " + JoinKeys(allowed) + ")"
                                    : "; did you mean '" + suggestion + "'?"));
      ok = false;
    }
  }
  return ok;
}

// Checks only for duplicate keys in a map whose keys are free (headers, vars).
bool CheckFreeMap(const Context& ctx, const YAML::Node& node, const std::string& what) {
  return CheckMap(ctx, node, {}, what);
}

bool IsVariableName(std::string_view s) {
  if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

// Checks a template's syntax and, in a scenario, that its variables exist.
bool CheckTemplate(const Context& ctx, const SourceLocation& where, std::string_view text) {
  const TemplateRefs refs = ParseTemplate(text);
  if (!refs.error.empty()) {
    ErrorAt(ctx, where, refs.error);
    return false;
  }
  bool ok = true;
  for (const auto& name : refs.names) {
    if (name == "token_b" && ctx.scenario) ctx.scenario->requires_caps.push_back(kSecondVendorCapability);
    if (ctx.roles && ctx.roles->count(name) && ctx.scenario) ctx.scenario->fixture_roles.push_back(name);
    if (!ctx.defined || ctx.defined->count(name)) continue;
    std::vector<std::string> known(ctx.defined->begin(), ctx.defined->end());
    const std::string suggestion = SuggestClosest(name, known);
    ErrorAt(ctx, where,
            "undefined variable '" + name + "'" +
                (suggestion.empty() ? " (define it in vars:, capture it, or pass it with with:)"
                                    : "; did you mean '" + suggestion + "'?"));
    ok = false;
  }
  return ok;
}

bool CheckTemplateValue(const Context& ctx, const TemplateValue& value) {
  switch (value.kind) {
    case TemplateValue::Kind::kString: return CheckTemplate(ctx, value.where, value.text);
    case TemplateValue::Kind::kArray: {
      bool ok = true;
      for (const auto& item : value.items) ok = CheckTemplateValue(ctx, item) && ok;
      return ok;
    }
    case TemplateValue::Kind::kObject: {
      bool ok = true;
      for (const auto& [key, member] : value.members) ok = CheckTemplateValue(ctx, member) && ok;
      return ok;
    }
    default: return true;
  }
}

std::optional<TemplateValue> ParseValue(const Context& ctx, const YAML::Node& node) {
  TemplateValue v;
  v.where = Loc(ctx, node);
  switch (node.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null: v.kind = TemplateValue::Kind::kNull; return v;
    case YAML::NodeType::Scalar:
      switch (ClassifyScalar(node.Scalar(), IsQuoted(node))) {
        case ScalarKind::kNull: v.kind = TemplateValue::Kind::kNull; return v;
        case ScalarKind::kBool:
          v.kind = TemplateValue::Kind::kBool;
          v.boolean = node.Scalar()[0] == 't' || node.Scalar()[0] == 'T';
          return v;
        case ScalarKind::kInteger:
        case ScalarKind::kNumber:
          v.kind = TemplateValue::Kind::kNumber;
          v.text = node.Scalar();
          return v;
        case ScalarKind::kString:
          v.kind = TemplateValue::Kind::kString;
          v.text = node.Scalar();
          return v;
      }
      return v;
    case YAML::NodeType::Sequence:
      v.kind = TemplateValue::Kind::kArray;
      for (const auto& item : node) {
        auto parsed = ParseValue(ctx, item);
        if (!parsed) return std::nullopt;
        v.items.push_back(std::move(*parsed));
      }
      return v;
    case YAML::NodeType::Map:
      if (!CheckFreeMap(ctx, node, "JSON object")) return std::nullopt;
      v.kind = TemplateValue::Kind::kObject;
      for (const auto& kv : node) {
        auto parsed = ParseValue(ctx, kv.second);
        if (!parsed) return std::nullopt;
        v.members.emplace_back(kv.first.Scalar(), std::move(*parsed));
      }
      return v;
  }
  return std::nullopt;
}

bool ParseScalarString(const Context& ctx, const YAML::Node& node, const std::string& what, std::string* out) {
  if (!node.IsScalar()) {
    Error(ctx, node, what + " must be a string");
    return false;
  }
  *out = node.Scalar();
  return true;
}

bool ParseBool(const Context& ctx, const YAML::Node& node, const std::string& what, bool* out) {
  if (node.IsScalar() && !IsQuoted(node) && ClassifyScalar(node.Scalar(), false) == ScalarKind::kBool) {
    *out = node.Scalar()[0] == 't' || node.Scalar()[0] == 'T';
    return true;
  }
  Error(ctx, node, what + " must be true or false");
  return false;
}

bool ParseNumber(const Context& ctx, const YAML::Node& node, const std::string& what, double min,
                 double max, double* out) {
  if (node.IsScalar() && !IsQuoted(node)) {
    const ScalarKind kind = ClassifyScalar(node.Scalar(), false);
    if (kind == ScalarKind::kInteger || kind == ScalarKind::kNumber) {
      const double v = std::strtod(node.Scalar().c_str(), nullptr);
      if (v >= min && v <= max) {
        *out = v;
        return true;
      }
    }
  }
  std::ostringstream range;
  range << min << ".." << max;
  Error(ctx, node, what + " must be a number in " + range.str());
  return false;
}

bool ParseInt(const Context& ctx, const YAML::Node& node, const std::string& what, long long min,
              long long max, long long* out) {
  if (node.IsScalar() && !IsQuoted(node) && ClassifyScalar(node.Scalar(), false) == ScalarKind::kInteger) {
    const long long v = std::strtoll(node.Scalar().c_str(), nullptr, 10);
    if (v >= min && v <= max) {
      *out = v;
      return true;
    }
  }
  Error(ctx, node, what + " must be an integer in " + std::to_string(min) + ".." + std::to_string(max));
  return false;
}

bool ParseStringList(const Context& ctx, const YAML::Node& node, const std::string& what,
                     std::vector<std::string>* out) {
  if (node.IsScalar()) {
    out->push_back(node.Scalar());
    return true;
  }
  if (!node.IsSequence()) {
    Error(ctx, node, what + " must be a list of names");
    return false;
  }
  bool ok = true;
  for (const auto& item : node) {
    if (!item.IsScalar()) {
      Error(ctx, item, what + " must be a list of names");
      ok = false;
      continue;
    }
    out->push_back(item.Scalar());
  }
  return ok;
}

// Compiles `pattern` as the checks search it (ECMAScript) and returns it, so
// that the run does not compile it again; reports an invalid one at `node`
// and returns null.
std::shared_ptr<const std::regex> CompileRegex(const Context& ctx, const YAML::Node& node, const std::string& pattern) {
  try {
    return std::make_shared<const std::regex>(pattern, std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    Error(ctx, node, "invalid regex '" + pattern + "': " + e.what());
    return nullptr;
  }
}

const std::vector<std::string> kMatcherKeys = {"equals", "matches", "type", "exists", "absent", "length", "members"};
const std::vector<std::string> kTypes = {"string", "integer", "number", "boolean", "object", "array", "null"};

// Parses a matcher: a scalar or list compares for equality; a map combines
// checks. `header` matchers compare text, so `type` and `length` do not apply.
std::optional<Matcher> ParseMatcher(const Context& ctx, const YAML::Node& node, const SourceLocation& where,
                                    bool header) {
  Matcher m;
  m.where = where;
  if (!node.IsMap()) {
    auto v = ParseValue(ctx, node);
    if (!v) return std::nullopt;
    if (header && v->kind != TemplateValue::Kind::kString && v->kind != TemplateValue::Kind::kNumber) {
      Error(ctx, node, "a header is text: compare it with a string");
      return std::nullopt;
    }
    if (header) v->kind = TemplateValue::Kind::kString;  // `Retry-After: 5` means the text "5"
    if (!CheckTemplateValue(ctx, *v)) return std::nullopt;
    m.equals = std::move(*v);
    return m;
  }
  bool any_matcher_key = false;
  for (const auto& kv : node)
    if (kv.first.IsScalar() &&
        std::find(kMatcherKeys.begin(), kMatcherKeys.end(), kv.first.Scalar()) != kMatcherKeys.end())
      any_matcher_key = true;
  if (!any_matcher_key) {
    Error(ctx, node,
          "a map here is a matcher (equals, matches, type, exists, absent, length, members); to compare a "
          "JSON object write {equals: {...}}");
    return std::nullopt;
  }
  if (!CheckMap(ctx, node, kMatcherKeys, "matcher")) return std::nullopt;
  bool ok = true;
  for (const auto& kv : node) {
    const std::string& key = kv.first.Scalar();
    const YAML::Node& value = kv.second;
    if (key == "equals") {
      auto v = ParseValue(ctx, value);
      if (!v || !CheckTemplateValue(ctx, *v)) {
        ok = false;
        continue;
      }
      if (header) v->kind = TemplateValue::Kind::kString;
      m.equals = std::move(*v);
    } else if (key == "matches") {
      std::string pattern;
      if (!ParseScalarString(ctx, value, "'matches'", &pattern) ||
          !(m.matches_regex = CompileRegex(ctx, value, pattern))) {
        ok = false;
        continue;
      }
      m.matches = pattern;
    } else if (key == "type") {
      std::string type;
      if (header) {
        Error(ctx, kv.first, "'type' does not apply to a header (headers are text)");
        ok = false;
        continue;
      }
      if (!ParseScalarString(ctx, value, "'type'", &type)) {
        ok = false;
        continue;
      }
      if (std::find(kTypes.begin(), kTypes.end(), type) == kTypes.end()) {
        const std::string suggestion = SuggestClosest(type, kTypes);
        Error(ctx, value,
              "unknown type '" + type + "'" +
                  (suggestion.empty() ? " (expected one of: " + JoinKeys(kTypes) + ")"
                                      : "; did you mean '" + suggestion + "'?"));
        ok = false;
        continue;
      }
      m.type = type;
    } else if (key == "exists" || key == "absent") {
      bool b = false;
      if (!ParseBool(ctx, value, "'" + key + "'", &b)) {
        ok = false;
        continue;
      }
      const bool exists = key == "exists" ? b : !b;
      if (m.exists && *m.exists != exists) {
        Error(ctx, kv.first, "'exists' and 'absent' contradict each other");
        ok = false;
        continue;
      }
      m.exists = exists;
    } else if (key == "members") {
      if (!header) {
        Error(ctx, kv.first, "'members' applies to a header that is a comma-separated list (such as Allow)");
        ok = false;
        continue;
      }
      if (!value.IsSequence() || value.size() == 0) {
        Error(ctx, value, "'members' is a non-empty list of the elements the header must list, in any order");
        ok = false;
        continue;
      }
      std::vector<std::string> members;
      for (const auto& item : value) {
        std::string element;
        if (!ParseScalarString(ctx, item, "a member", &element)) {
          ok = false;
          break;
        }
        members.push_back(element);
      }
      m.members = std::move(members);
    } else if (key == "length") {
      long long n = 0;
      if (header) {
        Error(ctx, kv.first, "'length' does not apply to a header");
        ok = false;
        continue;
      }
      if (!ParseInt(ctx, value, "'length'", 0, 1LL << 40, &n)) {
        ok = false;
        continue;
      }
      m.length = n;
    }
  }
  if (ok && m.exists && !*m.exists && (m.equals || m.matches || m.type || m.length || m.members)) {
    Error(ctx, node, "an absent value cannot also be compared");
    ok = false;
  }
  if (!ok) return std::nullopt;
  return m;
}

const std::vector<std::string> kExpectKeys = {"status", "headers", "body", "error", "text", "no_reply"};

std::optional<Expectation> ParseExpectation(const Context& ctx, const YAML::Node& node, const std::string& what) {
  Expectation e;
  e.where = Loc(ctx, node);
  auto parse_status = [&](const YAML::Node& s) {
    long long code = 0;
    auto one = [&](const YAML::Node& item) {
      if (!ParseInt(ctx, item, "a status", 100, 599, &code)) return false;
      e.statuses.push_back(static_cast<int>(code));
      return true;
    };
    e.status_where = Loc(ctx, s);
    if (s.IsSequence()) {
      bool ok = s.size() > 0;
      if (!ok) Error(ctx, s, "'status' lists no status");
      for (const auto& item : s) ok = one(item) && ok;
      return ok;
    }
    return one(s);
  };
  if (node.IsScalar()) return parse_status(node) ? std::optional<Expectation>(e) : std::nullopt;
  if (!CheckMap(ctx, node, kExpectKeys, what)) return std::nullopt;
  bool ok = true;
  for (const auto& kv : node) {
    const std::string& key = kv.first.Scalar();
    const YAML::Node& value = kv.second;
    if (key == "status") {
      ok = parse_status(value) && ok;
    } else if (key == "no_reply") {
      ok = ParseBool(ctx, value, "'no_reply'", &e.no_reply) && ok;
    } else if (key == "error") {
      std::string code;
      if (!ParseScalarString(ctx, value, "'error' (an error code)", &code) ||
          !CheckTemplate(ctx, Loc(ctx, value), code)) {
        ok = false;
        continue;
      }
      e.error_code = code;
      e.error_where = Loc(ctx, value);
    } else if (key == "text") {
      auto m = ParseMatcher(ctx, value, Loc(ctx, value), /*header=*/true);
      if (!m) {
        ok = false;
        continue;
      }
      e.text = std::move(*m);
    } else if (key == "headers") {
      if (!CheckFreeMap(ctx, value, "headers")) {
        ok = false;
        continue;
      }
      for (const auto& h : value) {
        auto m = ParseMatcher(ctx, h.second, Loc(ctx, h.first), /*header=*/true);
        if (!m) {
          ok = false;
          continue;
        }
        e.headers.push_back(HeaderExpectation{h.first.Scalar(), std::move(*m)});
      }
    } else if (key == "body") {
      if (!CheckFreeMap(ctx, value, "body")) {
        ok = false;
        continue;
      }
      for (const auto& p : value) {
        const std::string& pointer = p.first.Scalar();
        if (!pointer.empty() && pointer[0] != '/') {
          Error(ctx, p.first,
                "'" + pointer + "' is not a JSON pointer: write '/" + pointer + "' (RFC 6901, e.g. /items/0/item_id)");
          ok = false;
          continue;
        }
        if (!rapidjson::Pointer(pointer.c_str()).IsValid()) {
          Error(ctx, p.first, "invalid JSON pointer '" + pointer + "' (escape '~' as ~0 and '/' as ~1)");
          ok = false;
          continue;
        }
        auto m = ParseMatcher(ctx, p.second, Loc(ctx, p.first), /*header=*/false);
        if (!m) {
          ok = false;
          continue;
        }
        e.body.push_back(PointerExpectation{pointer, std::move(*m)});
      }
    }
  }
  if (ok && e.no_reply && (!e.statuses.empty() || e.error_code || !e.headers.empty() || !e.body.empty() || e.text)) {
    Error(ctx, node, "'no_reply' expects no response, so nothing else can be expected of it");
    ok = false;
  }
  if (!ok) return std::nullopt;
  return e;
}

bool DefineVariable(const Context& ctx, const YAML::Node& key_node, const std::string& name) {
  if (!IsVariableName(name)) {
    Error(ctx, key_node, "'" + name + "' is not a variable name (letters, digits and '_')");
    return false;
  }
  if (std::find(kBuiltins.begin(), kBuiltins.end(), name) != kBuiltins.end()) {
    Error(ctx, key_node, "'" + name + "' is a built-in variable and cannot be assigned");
    return false;
  }
  if (ctx.roles)
    if (auto role = ctx.roles->find(name); role != ctx.roles->end()) {
      Error(ctx, key_node,
            "'" + name + "' is a fixture role (" + role->second.where.ToString() +
                ") and cannot be assigned; a target sets it with --var or --target-file");
      return false;
    }
  return true;
}

bool ParseCaptures(const Context& ctx, const YAML::Node& node, std::vector<Capture>* out) {
  if (!CheckFreeMap(ctx, node, "capture")) return false;
  bool ok = true;
  for (const auto& kv : node) {
    Capture c;
    c.variable = kv.first.Scalar();
    c.where = Loc(ctx, kv.first);
    if (!DefineVariable(ctx, kv.first, c.variable)) {
      ok = false;
      continue;
    }
    const YAML::Node& source = kv.second;
    if (source.IsScalar()) {
      c.key = source.Scalar();
      if (!c.key.empty() && c.key[0] != '/') {
        Error(ctx, source, "capture source must be a JSON pointer (/order_id) or {header: Name}");
        ok = false;
        continue;
      }
    } else if (source.IsMap()) {
      if (!CheckMap(ctx, source, {"pointer", "header", "regex"}, "capture")) {
        ok = false;
        continue;
      }
      const YAML::Node pointer = source["pointer"], header = source["header"], regex = source["regex"];
      if (bool(pointer) == bool(header)) {
        Error(ctx, source, "a capture takes exactly one of 'pointer' and 'header'");
        ok = false;
        continue;
      }
      if (header) {
        c.source = Capture::Source::kHeader;
        if (!ParseScalarString(ctx, header, "'header'", &c.key)) {
          ok = false;
          continue;
        }
      } else if (!ParseScalarString(ctx, pointer, "'pointer'", &c.key)) {
        ok = false;
        continue;
      }
      if (regex) {
        std::string pattern;
        if (!ParseScalarString(ctx, regex, "'regex'", &pattern) ||
            !(c.compiled_regex = CompileRegex(ctx, regex, pattern))) {
          ok = false;
          continue;
        }
        c.regex = pattern;
      }
    } else {
      Error(ctx, source, "capture source must be a JSON pointer (/order_id) or {header: Name}");
      ok = false;
      continue;
    }
    if (c.source == Capture::Source::kBody && !rapidjson::Pointer(c.key.c_str()).IsValid()) {
      Error(ctx, source, "invalid JSON pointer '" + c.key + "'");
      ok = false;
      continue;
    }
    out->push_back(std::move(c));
  }
  return ok;
}

std::optional<PollSpec> ParsePoll(const Context& ctx, const YAML::Node& node) {
  if (!CheckMap(ctx, node, {"until", "attempts", "interval", "retry_after"}, "poll")) return std::nullopt;
  PollSpec p;
  p.where = Loc(ctx, node);
  bool ok = true;
  const YAML::Node until = node["until"];
  if (!until) {
    Error(ctx, node, "poll needs 'until': the condition that ends it (e.g. until: {status: 200})");
    return std::nullopt;
  }
  if (auto e = ParseExpectation(ctx, until, "until"))
    p.until = std::move(*e);
  else
    ok = false;
  if (const YAML::Node n = node["attempts"]) {
    long long attempts = 0;
    if (ParseInt(ctx, n, "'attempts'", 1, 10000, &attempts))
      p.attempts = static_cast<int>(attempts);
    else
      ok = false;
  }
  if (const YAML::Node n = node["interval"]) ok = ParseNumber(ctx, n, "'interval'", 0, 3600, &p.interval_seconds) && ok;
  if (const YAML::Node n = node["retry_after"]) ok = ParseBool(ctx, n, "'retry_after'", &p.retry_after) && ok;
  if (!ok) return std::nullopt;
  return p;
}

// Notes what a request to the control API needs from the target and whether
// it changes state other scenarios see.
void NoteControlPath(const Context& ctx, const std::string& method, const std::string& target) {
  if (!ctx.scenario || target.rfind("/_control", 0) != 0) return;
  static const std::vector<std::pair<std::string, std::string>> kPrefixes = {
      {"/_control/reset", "reset"}, {"/_control/clock", "clock"},
      {"/_control/faults", "faults"}, {"/_control/orders", "history"},
      {"/_control/audit", "audit"},   {"/_control/drills", "drills"}};
  for (const auto& [prefix, capability] : kPrefixes)
    if (target.rfind(prefix, 0) == 0) ctx.scenario->requires_caps.push_back(capability);
  if (method != "GET" && method != "HEAD") ctx.scenario->exclusive = true;
  // A drill installs fault rules too.
  if (method == "POST" && (target.rfind("/_control/faults", 0) == 0 || target.rfind("/_control/drills/", 0) == 0))
    ctx.scenario->adds_faults = true;
}

void DeriveName(Step* step) {
  if (step->name.empty()) step->name = step->request.method + " " + step->request.target;
}

bool ParseSteps(Context& ctx, const YAML::Node& node, std::vector<Step>* out);

const std::vector<std::string> kRequestStepKeys = {"name", "request", "query", "headers", "body", "raw_body",
                                                   "auth", "expect", "capture", "poll", "openapi"};
const std::vector<std::string> kControlStepKeys = {"name", "control", "expect", "capture"};
const std::vector<std::string> kIncludeStepKeys = {"include", "with"};
const std::vector<std::string> kSetStepKeys = {"set"};
const std::vector<std::string> kStepKinds = {"request", "control", "include", "set"};

// Parses the parts shared by request and control steps: expect and capture,
// then defines the captured variables.
bool ParseExpectAndCapture(Context& ctx, const YAML::Node& node, Step* step) {
  bool ok = true;
  if (const YAML::Node expect = node["expect"]) {
    if (auto e = ParseExpectation(ctx, expect, "expect"))
      step->expect = std::move(*e);
    else
      ok = false;
  } else {
    step->expect.where = step->where;
    step->expect.status_where = step->where;
  }
  if (const YAML::Node capture = node["capture"]) ok = ParseCaptures(ctx, capture, &step->captures) && ok;
  if (step->expect.no_reply && !step->captures.empty()) {
    Error(ctx, node["capture"], "nothing can be captured from a step that expects no reply");
    ok = false;
  }
  if (ctx.defined)
    for (const auto& c : step->captures) ctx.defined->insert(c.variable);
  return ok;
}

// A text template, or {repeat: TEXT, times: N}: a large value (past a size limit, for a body or
// a header) without writing it out.
bool ParseTextOrRepeat(Context& ctx, const YAML::Node& node, const std::string& what, std::string* out) {
  std::string text;
  if (!node.IsMap()) {
    if (!ParseScalarString(ctx, node, what, &text) || !CheckTemplate(ctx, Loc(ctx, node), text)) return false;
    *out = std::move(text);
    return true;
  }
  long long times = 0;
  if (CheckMap(ctx, node, {"repeat", "times"}, what) && node["repeat"] && node["times"] &&
      ParseScalarString(ctx, node["repeat"], "'repeat'", &text) && CheckTemplate(ctx, Loc(ctx, node), text) &&
      ParseInt(ctx, node["times"], "'times'", 0, 8 << 20, &times)) {
    std::string repeated;
    repeated.reserve(text.size() * static_cast<size_t>(times));
    for (long long i = 0; i < times; ++i) repeated += text;
    *out = std::move(repeated);
    return true;
  }
  if (!node["repeat"] || !node["times"]) Error(ctx, node, what + " as a map is {repeat: TEXT, times: N}");
  return false;
}

bool ParseRequestStep(Context& ctx, const YAML::Node& node, Step* step) {
  if (!CheckMap(ctx, node, kRequestStepKeys, "request step")) return false;
  bool ok = true;
  RequestSpec& r = step->request;
  const YAML::Node request = node["request"];
  std::string line;
  if (!ParseScalarString(ctx, request, "'request' (\"METHOD path\")", &line)) return false;
  const size_t space = line.find(' ');
  r.method = line.substr(0, space);
  r.target = space == std::string::npos ? "" : line.substr(line.find_first_not_of(' ', space));
  if (std::find(kMethods.begin(), kMethods.end(), r.method) == kMethods.end()) {
    const std::string suggestion = SuggestClosest(r.method, kMethods);
    Error(ctx, request,
          "'" + r.method + "' is not an HTTP method" +
              (suggestion.empty() ? "; write 'request: GET /path'" : "; did you mean '" + suggestion + "'?"));
    return false;
  }
  if (r.target.empty() || r.target.find(' ') != std::string::npos ||
      !(r.target[0] == '/' || r.target.rfind("${", 0) == 0 || r.target.rfind("http://", 0) == 0 ||
        r.target.rfind("https://", 0) == 0)) {
    Error(ctx, request, "'request' must be \"METHOD /path\" (a path below the target, or an absolute URL)");
    return false;
  }
  ok = CheckTemplate(ctx, Loc(ctx, request), r.target) && ok;
  if (r.target.rfind("/_control", 0) == 0) r.auth = AuthMode::kControl;
  NoteControlPath(ctx, r.method, r.target);
  if (r.method == "POST" && r.target == "/_control/reset") step->resets_target = true;

  if (const YAML::Node query = node["query"]) {
    if (CheckFreeMap(ctx, query, "query")) {
      for (const auto& kv : query) {
        std::string value;
        if (!ParseScalarString(ctx, kv.second, "a query value", &value) ||
            !CheckTemplate(ctx, Loc(ctx, kv.second), value)) {
          ok = false;
          continue;
        }
        r.query.emplace_back(kv.first.Scalar(), value);
      }
    } else {
      ok = false;
    }
  }
  if (const YAML::Node headers = node["headers"]) {
    if (CheckFreeMap(ctx, headers, "headers")) {
      for (const auto& kv : headers) {
        std::string value;
        if (!ParseTextOrRepeat(ctx, kv.second, "a header value", &value)) {
          ok = false;
          continue;
        }
        r.headers.emplace_back(kv.first.Scalar(), value);
      }
    } else {
      ok = false;
    }
  }
  if (node["body"] && node["raw_body"]) {
    Error(ctx, node["raw_body"], "a step sends either 'body' (JSON) or 'raw_body' (text), not both");
    ok = false;
  } else if (const YAML::Node body = node["body"]) {
    auto v = ParseValue(ctx, body);
    if (v && CheckTemplateValue(ctx, *v))
      r.body = std::move(*v);
    else
      ok = false;
  } else if (const YAML::Node raw = node["raw_body"]; raw && raw.IsMap() && raw["times"] && raw["times"].IsScalar() &&
                                                      raw["times"].Scalar().find("${") != std::string::npos) {
    // A size the target names: {repeat: TEXT, times: "${role}", plus: N}.
    RequestSpec::SizedBody sized;
    long long plus = 0;
    if (CheckMap(ctx, raw, {"repeat", "times", "plus"}, "'raw_body'") && raw["repeat"] &&
        ParseScalarString(ctx, raw["repeat"], "'repeat'", &sized.text) && !sized.text.empty() &&
        ParseScalarString(ctx, raw["times"], "'times'", &sized.times) &&
        CheckTemplate(ctx, Loc(ctx, raw["times"]), sized.times) &&
        (!raw["plus"] || ParseInt(ctx, raw["plus"], "'plus'", -1024, 1024, &plus))) {
      sized.plus = plus;
      r.sized_body = std::move(sized);
    } else {
      if (!raw["repeat"]) Error(ctx, raw, "'raw_body' as a map is {repeat: TEXT, times: N or \"${role}\", plus: N}");
      ok = false;
    }
  } else if (raw) {
    std::string text;
    if (ParseTextOrRepeat(ctx, raw, "'raw_body'", &text))
      r.raw_body = std::move(text);
    else
      ok = false;
  }
  if (const YAML::Node auth = node["auth"]) {
    static const std::vector<std::string> kModes = {"vendor", "vendor_b", "control", "none"};
    if (auth.IsScalar()) {
      const std::string& mode = auth.Scalar();
      if (mode == "vendor") r.auth = AuthMode::kVendor;
      else if (mode == "vendor_b") r.auth = AuthMode::kVendorB;
      else if (mode == "control") r.auth = AuthMode::kControl;
      else if (mode == "none") r.auth = AuthMode::kNone;
      else {
        const std::string suggestion = SuggestClosest(mode, kModes);
        Error(ctx, auth,
              "unknown auth '" + mode + "'" +
                  (suggestion.empty() ? " (expected vendor, vendor_b, control, none or {bearer: TOKEN})"
                                      : "; did you mean '" + suggestion + "'?"));
        ok = false;
      }
      if (r.auth == AuthMode::kVendorB && ctx.scenario)
        ctx.scenario->requires_caps.push_back(kSecondVendorCapability);
    } else if (CheckMap(ctx, auth, {"bearer"}, "auth") && auth["bearer"] &&
               ParseScalarString(ctx, auth["bearer"], "'bearer'", &r.bearer) &&
               CheckTemplate(ctx, Loc(ctx, auth["bearer"]), r.bearer)) {
      r.auth = AuthMode::kBearer;
    } else {
      if (auth.IsMap() && !auth["bearer"]) Error(ctx, auth, "auth map needs 'bearer'");
      ok = false;
    }
  }
  if (const YAML::Node openapi = node["openapi"]) ok = ParseBool(ctx, openapi, "'openapi'", &step->check_openapi) && ok;
  if (const YAML::Node poll = node["poll"]) {
    if (auto p = ParsePoll(ctx, poll)) {
      step->poll = std::move(*p);
      if (ctx.scenario) ctx.scenario->polls = true;
    } else {
      ok = false;
    }
  }
  if (const YAML::Node name = node["name"]) ok = ParseScalarString(ctx, name, "'name'", &step->name) && ok;
  ok = ParseExpectAndCapture(ctx, node, step) && ok;
  if (step->expect.no_reply && step->poll) {
    Error(ctx, node["poll"], "a step that expects no reply cannot poll");
    ok = false;
  }
  DeriveName(step);
  return ok;
}

// Control steps are requests to the control API, written by intent.
bool ParseControlStep(Context& ctx, const YAML::Node& node, Step* step) {
  if (!CheckMap(ctx, node, kControlStepKeys, "control step")) return false;
  const YAML::Node control = node["control"];
  RequestSpec& r = step->request;
  r.auth = AuthMode::kControl;
  auto object = [&](const std::string& key, TemplateValue value) {
    TemplateValue body;
    body.kind = TemplateValue::Kind::kObject;
    body.where = value.where;
    body.members.emplace_back(key, std::move(value));
    return body;
  };
  static const std::vector<std::string> kActions = {"reset", "clear_faults", "advance", "set_clock",
                                                    "add_fault", "delete_fault"};
  std::string action;
  YAML::Node argument;
  bool has_argument = false;
  if (control.IsScalar()) {
    action = control.Scalar();
  } else if (control.IsMap() && control.size() == 1) {
    if (!CheckMap(ctx, control, kActions, "control")) return false;
    action = control.begin()->first.Scalar();
    argument = control.begin()->second;
    has_argument = true;
  } else {
    Error(ctx, control,
          "'control' is one action: reset, clear_faults, {advance: SECONDS}, {set_clock: TIME}, "
          "{add_fault: RULE} or {delete_fault: ID}");
    return false;
  }
  const bool needs_argument = action == "advance" || action == "set_clock" || action == "add_fault" ||
                              action == "delete_fault";
  if (std::find(kActions.begin(), kActions.end(), action) == kActions.end()) {
    const std::string suggestion = SuggestClosest(action, kActions);
    Error(ctx, control,
          "unknown control action '" + action + "'" +
              (suggestion.empty() ? " (expected one of: " + JoinKeys(kActions) + ")"
                                  : "; did you mean '" + suggestion + "'?"));
    return false;
  }
  if (needs_argument && (!has_argument || argument.IsNull())) {
    Error(ctx, control, "control action '" + action + "' needs a value: {" + action + ": ...}");
    return false;
  }
  if (!needs_argument && has_argument) {
    Error(ctx, control, "control action '" + action + "' takes no value: write 'control: " + action + "'");
    return false;
  }
  bool ok = true;
  std::optional<TemplateValue> value;
  if (has_argument) {
    value = ParseValue(ctx, argument);
    if (!value || !CheckTemplateValue(ctx, *value)) return false;
  }
  if (action == "reset") {
    r.method = "POST";
    r.target = "/_control/reset";
    TemplateValue empty;
    empty.kind = TemplateValue::Kind::kObject;
    r.body = empty;
    step->resets_target = true;
  } else if (action == "clear_faults") {
    r.method = "DELETE";
    r.target = "/_control/faults";
  } else if (action == "advance") {
    if (value->kind != TemplateValue::Kind::kNumber &&
        !(value->kind == TemplateValue::Kind::kString && WholeReference(value->text))) {
      Error(ctx, argument, "'advance' takes a number of seconds");
      return false;
    }
    r.method = "POST";
    r.target = "/_control/clock/advance";
    r.body = object("seconds", *value);
  } else if (action == "set_clock") {
    if (value->kind != TemplateValue::Kind::kString) {
      Error(ctx, argument, "'set_clock' takes an RFC 3339 instant, e.g. 2026-01-01T01:00:00Z");
      return false;
    }
    r.method = "POST";
    r.target = "/_control/clock/set";
    r.body = object("now", *value);
  } else if (action == "add_fault") {
    if (value->kind != TemplateValue::Kind::kObject) {
      Error(ctx, argument, "'add_fault' takes a rule: {match: {...}, effect: {...}, times: N}");
      return false;
    }
    if (!CheckMap(ctx, argument, {"match", "effect", "times"}, "fault rule")) return false;
    r.method = "POST";
    r.target = "/_control/faults";
    r.body = *value;
  } else if (action == "delete_fault") {
    if (value->kind != TemplateValue::Kind::kString) {
      Error(ctx, argument, "'delete_fault' takes a fault id, e.g. ${fault_id}");
      return false;
    }
    r.method = "DELETE";
    r.target = "/_control/faults/" + value->text;
  }
  // The same capability, exclusivity and fault bookkeeping as a request step
  // to the same path.
  NoteControlPath(ctx, r.method, r.target);
  if (const YAML::Node name = node["name"]) ok = ParseScalarString(ctx, name, "'name'", &step->name) && ok;
  if (step->name.empty()) step->name = "control " + action;
  ok = ParseExpectAndCapture(ctx, node, step) && ok;
  return ok;
}

bool ParseAssignments(Context& ctx, const YAML::Node& node, const std::string& what,
                      std::vector<std::pair<std::string, TemplateValue>>* out) {
  if (!CheckFreeMap(ctx, node, what)) return false;
  bool ok = true;
  for (const auto& kv : node) {
    const std::string name = kv.first.Scalar();
    if (!DefineVariable(ctx, kv.first, name)) {
      ok = false;
      continue;
    }
    auto v = ParseValue(ctx, kv.second);
    if (!v || !CheckTemplateValue(ctx, *v)) {
      ok = false;
      continue;
    }
    out->emplace_back(name, std::move(*v));
    if (ctx.defined) ctx.defined->insert(name);
  }
  return ok;
}

bool ParseInclude(Context& ctx, const YAML::Node& node, std::vector<Step>* out) {
  if (!CheckMap(ctx, node, kIncludeStepKeys, "include step")) return false;
  std::string name;
  if (!ParseScalarString(ctx, node["include"], "'include' (a sequence name)", &name)) return false;
  if (!ctx.library || !ctx.library->visible) {
    Error(ctx, node["include"],
          "unknown sequence '" + name + "': no _shared/ folder is visible from this file");
    return false;
  }
  auto it = ctx.library->sequences.find(name);
  if (it == ctx.library->sequences.end()) {
    std::vector<std::string> names;
    for (const auto& [n, s] : ctx.library->sequences) names.push_back(n);
    const std::string suggestion = SuggestClosest(name, names);
    Error(ctx, node["include"],
          "unknown sequence '" + name + "'" +
              (suggestion.empty() ? " (known: " + JoinKeys(names) + ")" : "; did you mean '" + suggestion + "'?"));
    return false;
  }
  const Sequence& seq = it->second;
  if (std::find(ctx.include_stack.begin(), ctx.include_stack.end(), name) != ctx.include_stack.end()) {
    std::string chain;
    for (const auto& n : ctx.include_stack) chain += n + " -> ";
    Error(ctx, node["include"], "include cycle: " + chain + name);
    return false;
  }
  if (ctx.include_stack.size() >= 16) {
    Error(ctx, node["include"], "includes nest deeper than 16 levels");
    return false;
  }
  // The include's `with:` becomes a set step, so parameters are ordinary
  // variables the sequence (and later steps) can use.
  Step set;
  set.kind = Step::Kind::kSet;
  set.where = Loc(ctx, node);
  set.included_from = ctx.included_from;
  set.name = "include " + name;
  bool ok = true;
  std::vector<std::string> param_names;
  for (const auto& [p, d] : seq.params) param_names.push_back(p);
  std::set<std::string> given;
  if (const YAML::Node with = node["with"]) {
    if (!CheckFreeMap(ctx, with, "with")) return false;
    for (const auto& kv : with) {
      const std::string& key = kv.first.Scalar();
      if (std::find(param_names.begin(), param_names.end(), key) == param_names.end()) {
        const std::string suggestion = SuggestClosest(key, param_names);
        Error(ctx, kv.first,
              "sequence '" + name + "' has no parameter '" + key + "'" +
                  (suggestion.empty() ? " (parameters: " + JoinKeys(param_names) + ")"
                                      : "; did you mean '" + suggestion + "'?"));
        ok = false;
        continue;
      }
      auto v = ParseValue(ctx, kv.second);
      if (!v || !CheckTemplateValue(ctx, *v)) {
        ok = false;
        continue;
      }
      set.assignments.emplace_back(key, std::move(*v));
      given.insert(key);
    }
  }
  for (const auto& [p, default_value] : seq.params) {
    if (given.count(p)) continue;
    if (!default_value) {
      Error(ctx, node, "sequence '" + name + "' needs parameter '" + p + "' (with: {" + p + ": ...})");
      ok = false;
      continue;
    }
    // A default is a template of the sequence's file, checked (and its
    // fixture roles noted) where it is used.
    Context in_sequence = ctx;
    in_sequence.file = seq.file;
    in_sequence.included_from.insert(in_sequence.included_from.begin(), Loc(ctx, node));
    if (!CheckTemplateValue(in_sequence, *default_value)) {
      ok = false;
      continue;
    }
    set.assignments.emplace_back(p, *default_value);
  }
  if (!ok) return false;
  if (ctx.defined)
    for (const auto& [p, v] : set.assignments) ctx.defined->insert(p);
  out->push_back(std::move(set));

  Context inner = ctx;
  inner.file = seq.file;
  inner.included_from.insert(inner.included_from.begin(), Loc(ctx, node));
  inner.include_stack.push_back(name);
  return ParseSteps(inner, seq.steps, out);
}

bool ParseStep(Context& ctx, const YAML::Node& node, std::vector<Step>* out) {
  if (!node.IsMap()) {
    Error(ctx, node, "a step must be a map with one of: request, control, include, set");
    return false;
  }
  std::vector<std::string> kinds;
  for (const auto& k : kStepKinds)
    if (node[k]) kinds.push_back(k);
  if (kinds.size() > 1) {
    Error(ctx, node, "a step has exactly one of request, control, include, set; this one has " + JoinKeys(kinds));
    return false;
  }
  if (kinds.empty()) {
    // Find the likely misspelt kind among the keys to point at it.
    for (const auto& kv : node) {
      const std::string suggestion = kv.first.IsScalar() ? SuggestClosest(kv.first.Scalar(), kStepKinds) : "";
      if (!suggestion.empty()) {
        Error(ctx, kv.first, "unknown key '" + kv.first.Scalar() + "' in step; did you mean '" + suggestion + "'?");
        return false;
      }
    }
    Error(ctx, node, "a step needs one of: request, control, include, set");
    return false;
  }
  if (kinds[0] == "include") return ParseInclude(ctx, node, out);
  Step step;
  step.where = Loc(ctx, node);
  step.included_from = ctx.included_from;
  bool ok = false;
  if (kinds[0] == "request") {
    ok = ParseRequestStep(ctx, node, &step);
  } else if (kinds[0] == "control") {
    ok = ParseControlStep(ctx, node, &step);
  } else {
    step.kind = Step::Kind::kSet;
    if (CheckMap(ctx, node, kSetStepKeys, "set step")) ok = ParseAssignments(ctx, node["set"], "set", &step.assignments);
    step.name = "set";
  }
  if (ok) out->push_back(std::move(step));
  return ok;
}

bool ParseSteps(Context& ctx, const YAML::Node& node, std::vector<Step>* out) {
  if (!node.IsSequence()) {
    Error(ctx, node, "'steps' must be a list of steps");
    return false;
  }
  bool ok = true;
  for (const auto& step : node) ok = ParseStep(ctx, step, out) && ok;
  return ok;
}

std::optional<YAML::Node> ParseYaml(const Context& ctx, std::string_view text) {
  try {
    return YAML::Load(std::string(text));
  } catch (const YAML::ParserException& e) {
    ErrorAt(ctx, SourceLocation{ctx.file, e.mark.line + 1, e.mark.column + 1}, e.msg);
    return std::nullopt;
  }
}

// Reads one file of shared sequences into `library`.
void LoadSharedText(const std::string& file, std::string_view text, Library* library,
                    std::vector<Diagnostic>* errors) {
  Context ctx;
  ctx.file = file;
  ctx.errors = errors;
  auto root = ParseYaml(ctx, text);
  if (!root) return;
  if (root->IsNull()) return;
  if (!CheckFreeMap(ctx, *root, "a shared file")) return;
  for (const auto& kv : *root) {
    const std::string name = kv.first.Scalar();
    if (!IsVariableName(name)) {
      Error(ctx, kv.first, "'" + name + "' is not a sequence name (letters, digits and '_')");
      continue;
    }
    if (auto it = library->sequences.find(name); it != library->sequences.end()) {
      Error(ctx, kv.first, "sequence '" + name + "' is already defined at " + it->second.where.ToString());
      continue;
    }
    const YAML::Node& def = kv.second;
    if (!CheckMap(ctx, def, {"description", "params", "steps"}, "sequence '" + name + "'")) continue;
    if (!def["steps"]) {
      Error(ctx, def, "sequence '" + name + "' needs 'steps'");
      continue;
    }
    Sequence seq;
    seq.name = name;
    seq.where = Loc(ctx, kv.first);
    seq.file = file;
    seq.steps = def["steps"];
    bool ok = true;
    if (const YAML::Node params = def["params"]) {
      if (!CheckFreeMap(ctx, params, "params")) continue;
      for (const auto& p : params) {
        if (!DefineVariable(ctx, p.first, p.first.Scalar())) {
          ok = false;
          continue;
        }
        std::optional<TemplateValue> default_value;
        if (!p.second.IsNull()) {
          default_value = ParseValue(ctx, p.second);
          if (!default_value) {
            ok = false;
            continue;
          }
        }
        seq.params.emplace_back(p.first.Scalar(), std::move(default_value));
      }
    }
    if (ok) library->sequences.emplace(name, std::move(seq));
  }
}

// Checks the structure of every sequence once, so a sequence no scenario uses
// is still checked; variables are checked where a sequence is included.
void CheckLibrary(const Library& library, std::vector<Diagnostic>* errors) {
  for (const auto& [name, seq] : library.sequences) {
    Context ctx;
    ctx.file = seq.file;
    ctx.errors = errors;
    ctx.library = &library;
    ctx.include_stack = {name};
    std::vector<Step> ignored;
    ParseSteps(ctx, seq.steps, &ignored);
  }
}

std::optional<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

bool IsHidden(const fs::path& p) {
  const std::string name = p.filename().string();
  return !name.empty() && (name[0] == '_' || name[0] == '.');
}

bool IsYaml(const fs::path& p) { return p.extension() == ".yaml" || p.extension() == ".yml"; }

// Returns `name` of the given type in the folder of `file` or the closest
// parent folder that has one (normalized), or nullopt.
std::optional<std::string> NearestAbove(const std::string& file, const std::string& name, fs::file_type type) {
  for (fs::path dir = fs::path(file).parent_path();; dir = dir.parent_path()) {
    std::error_code ec;
    const fs::path candidate = dir / name;
    if (fs::status(candidate, ec).type() == type) return candidate.lexically_normal().generic_string();
    if (dir.empty() || dir == dir.parent_path()) return std::nullopt;
  }
}

// Reads a _fixtures.yaml: `name: {default: VALUE, role: TEXT}` per role.
void LoadFixtureRolesText(const std::string& file, std::string_view text, FixtureRoles* roles,
                          std::vector<Diagnostic>* errors) {
  Context ctx;
  ctx.file = file;
  ctx.errors = errors;
  auto root = ParseYaml(ctx, text);
  if (!root || root->IsNull()) return;
  if (!CheckFreeMap(ctx, *root, "a fixtures file")) return;
  for (const auto& kv : *root) {
    const std::string name = kv.first.Scalar();
    if (!IsVariableName(name) || std::find(kBuiltins.begin(), kBuiltins.end(), name) != kBuiltins.end()) {
      Error(ctx, kv.first, "'" + name + "' cannot name a fixture role (a variable name that is not built in)");
      continue;
    }
    if (!CheckMap(ctx, kv.second, {"default", "role", "limit"}, "fixture role '" + name + "'")) continue;
    FixtureRole role;
    role.name = name;
    role.where = Loc(ctx, kv.first);
    const YAML::Node value = kv.second["default"], description = kv.second["role"];
    if (!value || !description) {
      Error(ctx, kv.second, "fixture role '" + name + "' needs 'default' (our fixtures' value) and 'role' (what it is)");
      continue;
    }
    if (!ParseScalarString(ctx, value, "'default'", &role.default_value) ||
        !ParseScalarString(ctx, description, "'role'", &role.description))
      continue;
    if (const YAML::Node limit = kv.second["limit"]) {
      if (!limit.IsScalar() || (limit.Scalar() != "true" && limit.Scalar() != "false")) {
        Error(ctx, limit, "'limit' is true or false");
        continue;
      }
      role.limit = limit.Scalar() == "true";
    }
    if (auto it = roles->find(name); it != roles->end()) {
      if (it->second.default_value != role.default_value)
        Error(ctx, kv.first, "fixture role '" + name + "' is already declared at " + it->second.where.ToString() +
                                 " with another default");
      continue;
    }
    roles->emplace(name, std::move(role));
  }
}

const std::vector<std::string> kScenarioKeys = {"description", "tags", "requires", "exclusive", "vars", "steps"};

Scenario ParseScenario(const std::string& file, std::string_view text, const Library& library,
                       const FixtureRoles& roles, std::vector<Diagnostic>* errors, bool* ok) {
  Scenario s;
  s.file = file;
  s.id = fs::path(file).replace_extension().generic_string();
  Context ctx;
  ctx.file = file;
  ctx.errors = errors;
  ctx.scenario = &s;
  ctx.library = &library;
  ctx.roles = &roles;
  std::set<std::string> defined(kBuiltins.begin(), kBuiltins.end());
  for (const auto& [name, role] : roles) defined.insert(name);
  ctx.defined = &defined;
  const size_t errors_before = errors->size();
  auto root = ParseYaml(ctx, text);
  if (!root) {
    *ok = false;
    return s;
  }
  if (!root->IsMap()) {
    ErrorAt(ctx, SourceLocation{file, 1, 1}, "a scenario is a map with 'steps' (and description, tags, requires, vars)");
    *ok = false;
    return s;
  }
  if (CheckMap(ctx, *root, kScenarioKeys, "scenario")) {
    if (const YAML::Node d = (*root)["description"]) ParseScalarString(ctx, d, "'description'", &s.description);
    if (const YAML::Node t = (*root)["tags"]) ParseStringList(ctx, t, "'tags'", &s.tags);
    if (const YAML::Node r = (*root)["requires"]) ParseStringList(ctx, r, "'requires'", &s.requires_caps);
    if (const YAML::Node x = (*root)["exclusive"]) {
      bool exclusive = false;
      if (ParseBool(ctx, x, "'exclusive'", &exclusive) && exclusive) s.exclusive = true;
    }
    if (const YAML::Node v = (*root)["vars"]) ParseAssignments(ctx, v, "vars", &s.vars);
    if (const YAML::Node steps = (*root)["steps"]) {
      ParseSteps(ctx, steps, &s.steps);
      if (steps.IsSequence() && steps.size() == 0) Error(ctx, steps, "a scenario needs at least one step");
    } else {
      ErrorAt(ctx, Loc(ctx, *root), "a scenario needs 'steps'");
    }
  }
  // A scenario written for a target whose control API is off (or whose clock
  // is real) sends control requests to see them refused: they imply nothing.
  auto drop = [&s](const std::vector<std::string>& caps) {
    s.requires_caps.erase(std::remove_if(s.requires_caps.begin(), s.requires_caps.end(),
                                         [&](const std::string& c) {
                                           return std::find(caps.begin(), caps.end(), c) != caps.end();
                                         }),
                          s.requires_caps.end());
  };
  auto required = [&s](const char* cap) {
    return std::find(s.requires_caps.begin(), s.requires_caps.end(), cap) != s.requires_caps.end();
  };
  if (required(kControlOffCapability)) drop({"reset", "clock", "faults", "history", "audit", "drills"});
  if (required(kRealClockCapability)) drop({"clock"});
  std::sort(s.requires_caps.begin(), s.requires_caps.end());
  s.requires_caps.erase(std::unique(s.requires_caps.begin(), s.requires_caps.end()), s.requires_caps.end());
  std::sort(s.fixture_roles.begin(), s.fixture_roles.end());
  s.fixture_roles.erase(std::unique(s.fixture_roles.begin(), s.fixture_roles.end()), s.fixture_roles.end());
  *ok = errors->size() == errors_before;
  return s;
}

// Keeps the first of identical diagnostics: a shared file is checked once on
// its own and again at every include.
void Deduplicate(std::vector<Diagnostic>* errors) {
  std::set<std::string> seen;
  std::vector<Diagnostic> unique;
  for (auto& d : *errors)
    if (seen.insert(d.where.ToString() + d.message).second) unique.push_back(std::move(d));
  *errors = std::move(unique);
}

}  // namespace

LoadResult LoadScenarioText(std::string_view yaml_text, const std::string& file,
                            const std::vector<std::pair<std::string, std::string>>& shared_files,
                            const std::optional<std::pair<std::string, std::string>>& fixtures) {
  LoadResult result;
  if (fixtures) LoadFixtureRolesText(fixtures->first, fixtures->second, &result.fixture_roles, &result.errors);
  Library library;
  library.visible = !shared_files.empty();
  for (const auto& [name, text] : shared_files) LoadSharedText(name, text, &library, &result.errors);
  CheckLibrary(library, &result.errors);
  bool ok = false;
  Scenario s = ParseScenario(file, yaml_text, library, result.fixture_roles, &result.errors, &ok);
  if (ok && result.errors.empty()) result.scenarios.push_back(std::move(s));
  Deduplicate(&result.errors);
  return result;
}

LoadResult LoadFixtureRoles(const std::string& file) {
  LoadResult result;
  if (auto text = ReadFile(file)) LoadFixtureRolesText(file, *text, &result.fixture_roles, &result.errors);
  else result.errors.push_back(Diagnostic{SourceLocation{file, 1, 1}, "cannot read file", {}});
  return result;
}

std::optional<ScenarioApi> ReadScenarioApi(const std::string& path, std::vector<Diagnostic>* errors) {
  std::error_code ec;
  const std::string probe = fs::is_directory(path, ec) ? (fs::path(path) / "x").string() : path;
  const auto file = NearestAbove(probe, "_api.yaml", fs::file_type::regular);
  if (!file) return std::nullopt;
  Context ctx;
  ctx.file = *file;
  ctx.errors = errors;
  const auto text = ReadFile(*file);
  if (!text) {
    errors->push_back(Diagnostic{SourceLocation{*file, 1, 1}, "cannot read file", {}});
    return std::nullopt;
  }
  auto root = ParseYaml(ctx, *text);
  if (!root) return std::nullopt;
  if (!CheckMap(ctx, *root, {"api", "shared"}, "an _api.yaml")) return std::nullopt;
  ScenarioApi api;
  api.where = Loc(ctx, *root);
  if (!(*root)["api"] || !ParseScalarString(ctx, (*root)["api"], "'api' (the --api name of the suite)", &api.name))
    return std::nullopt;
  if (const YAML::Node shared = (*root)["shared"]) {
    if (!shared.IsSequence()) {
      Error(ctx, shared, "'shared' must be a list of folders (relative to the _api.yaml)");
      return std::nullopt;
    }
    for (const auto& dir : shared) {
      std::string rel;
      if (!ParseScalarString(ctx, dir, "a shared folder", &rel)) return std::nullopt;
      const fs::path full = (fs::path(*file).parent_path() / rel).lexically_normal();
      if (!fs::is_directory(full, ec)) {
        Error(ctx, dir, "no such folder: " + full.generic_string());
        return std::nullopt;
      }
      api.shared.push_back(full.generic_string());
    }
  }
  return api;
}

LoadResult LoadScenarios(const std::vector<std::string>& paths) {
  LoadResult result;
  std::vector<std::string> files;
  for (const auto& path : paths) {
    std::error_code ec;
    const fs::path p(path);
    if (fs::is_regular_file(p, ec)) {
      files.push_back(p.lexically_normal().generic_string());
    } else if (fs::is_directory(p, ec)) {
      std::vector<std::string> found;
      for (auto it = fs::recursive_directory_iterator(p, ec); !ec && it != fs::recursive_directory_iterator();
           it.increment(ec)) {
        if (IsHidden(it->path())) {
          if (it->is_directory()) it.disable_recursion_pending();
          continue;
        }
        // A folder with an _api.yaml is another API's suite, judged by
        // another spec: it runs when named, never as part of its parent.
        if (it->is_directory() && fs::exists(it->path() / "_api.yaml", ec)) {
          it.disable_recursion_pending();
          continue;
        }
        if (it->is_regular_file() && IsYaml(it->path())) found.push_back(it->path().lexically_normal().generic_string());
      }
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
      // An API's suite may take in suites it shares with other APIs (the
      // engine's control API): `shared: [../_engine_control]` in its _api.yaml.
      if (auto api = ReadScenarioApi(path, &result.errors); api && !api->shared.empty()) {
        for (const auto& dir : api->shared) {
          std::vector<std::string> more;
          for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
               it.increment(ec))
            if (it->is_regular_file() && IsYaml(it->path()) && !IsHidden(it->path()))
              more.push_back(it->path().lexically_normal().generic_string());
          if (ec) result.errors.push_back(Diagnostic{api->where, "cannot read the shared suite " + dir, {}});
          std::sort(more.begin(), more.end());
          files.insert(files.end(), more.begin(), more.end());
        }
      }
    } else {
      result.errors.push_back(Diagnostic{SourceLocation{path, 1, 1}, "no such file or directory", {}});
    }
  }
  std::map<std::string, std::unique_ptr<Library>> libraries;  // _shared folder -> sequences
  std::map<std::string, std::unique_ptr<FixtureRoles>> role_files;  // _fixtures.yaml -> roles
  const Library empty;
  const FixtureRoles no_roles;
  std::set<std::string> loaded;
  for (const auto& file : files) {
    if (!loaded.insert(file).second) continue;  // named twice
    const Library* library = &empty;
    if (auto shared = NearestAbove(file, "_shared", fs::file_type::directory)) {
      auto& lib = libraries[*shared];
      if (!lib) {
        lib = std::make_unique<Library>();
        lib->visible = true;
        std::vector<std::string> shared_files;
        std::error_code ec;
        for (const auto& entry : fs::directory_iterator(*shared, ec))
          if (entry.is_regular_file() && IsYaml(entry.path()))
            shared_files.push_back(entry.path().lexically_normal().generic_string());
        std::sort(shared_files.begin(), shared_files.end());
        for (const auto& sf : shared_files) {
          if (auto text = ReadFile(sf)) LoadSharedText(sf, *text, lib.get(), &result.errors);
          else result.errors.push_back(Diagnostic{SourceLocation{sf, 1, 1}, "cannot read file", {}});
        }
        CheckLibrary(*lib, &result.errors);
      }
      library = lib.get();
    }
    const FixtureRoles* roles = &no_roles;
    if (auto fixtures = NearestAbove(file, "_fixtures.yaml", fs::file_type::regular)) {
      auto& loaded_roles = role_files[*fixtures];
      if (!loaded_roles) {
        loaded_roles = std::make_unique<FixtureRoles>();
        if (auto text = ReadFile(*fixtures)) LoadFixtureRolesText(*fixtures, *text, loaded_roles.get(), &result.errors);
        else result.errors.push_back(Diagnostic{SourceLocation{*fixtures, 1, 1}, "cannot read file", {}});
        for (const auto& [name, role] : *loaded_roles) {
          auto [it, inserted] = result.fixture_roles.emplace(name, role);
          if (!inserted && it->second.default_value != role.default_value)
            result.errors.push_back(Diagnostic{role.where, "fixture role '" + name + "' is already declared at " +
                                                               it->second.where.ToString() + " with another default", {}});
        }
      }
      roles = loaded_roles.get();
    }
    auto text = ReadFile(file);
    if (!text) {
      result.errors.push_back(Diagnostic{SourceLocation{file, 1, 1}, "cannot read file", {}});
      continue;
    }
    bool ok = false;
    Scenario s = ParseScenario(file, *text, *library, *roles, &result.errors, &ok);
    if (ok) result.scenarios.push_back(std::move(s));
  }
  Deduplicate(&result.errors);
  return result;
}

}  // namespace conformance
