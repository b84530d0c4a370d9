#include "check/expectation.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <memory>
#include <mutex>
#include <regex>
#include <unordered_map>

#include <rapidjson/pointer.h>

namespace conformance {

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  // Most names arrive in the case asked for: compare bytes before folding case.
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i] != b[i] &&
        std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

const std::string* FindHeader(const HeaderList& headers, std::string_view name) {
  for (const auto& [n, v] : headers)
    if (EqualsIgnoringCase(n, name)) return &v;
  return nullptr;
}

std::string Abbreviate(std::string_view text, size_t limit) {
  if (text.size() <= limit) return std::string(text);
  return std::string(text.substr(0, limit)) + "...";
}

// Shared by --jobs threads; matching against a const std::regex is
// thread-safe.
std::shared_ptr<const std::regex> CompiledRegex(const std::string& pattern) {
  static std::mutex mu;
  static std::unordered_map<std::string, std::shared_ptr<const std::regex>> cache;
  std::lock_guard lock(mu);
  auto it = cache.find(pattern);
  if (it != cache.end()) return it->second;
  auto compiled = std::make_shared<const std::regex>(pattern, std::regex::ECMAScript);
  if (cache.size() < 4096) cache.emplace(pattern, compiled);
  return compiled;
}

namespace {

// True if `text` is past the limit of RegexSearch; says so in `error`.
bool TooLongForARegex(std::string_view text, std::string* error) {
  if (text.size() <= kRegexTextLimit) return false;
  if (error) *error = "text of " + std::to_string(text.size()) + " bytes is too long for a regex (limit 1 MiB)";
  return true;
}

}  // namespace

bool RegexSearch(const std::string& regex, std::string_view text, std::string* error) {
  if (TooLongForARegex(text, error)) return false;
  try {
    return std::regex_search(text.begin(), text.end(), *CompiledRegex(regex));
  } catch (const std::regex_error& e) {
    if (error) *error = std::string("regex failed: ") + e.what();
    return false;
  }
}

bool RegexSearch(const std::regex& regex, std::string_view text, std::string* error) {
  if (TooLongForARegex(text, error)) return false;
  try {
    return std::regex_search(text.begin(), text.end(), regex);
  } catch (const std::regex_error& e) {
    if (error) *error = std::string("regex failed: ") + e.what();
    return false;
  }
}

namespace {

// Searches the matcher's regex: the loader's compiled one, or the cache's.
bool SearchMatcher(const Matcher& m, std::string_view text, std::string* error) {
  return m.matches_regex ? RegexSearch(*m.matches_regex, text, error) : RegexSearch(*m.matches, text, error);
}

bool IsInteger(const rapidjson::Value& v) {
  if (v.IsInt64() || v.IsUint64()) return true;
  return v.IsDouble() && std::isfinite(v.GetDouble()) && std::floor(v.GetDouble()) == v.GetDouble();
}

std::string TypeOf(const rapidjson::Value& v) {
  if (v.IsNull()) return "null";
  if (v.IsBool()) return "boolean";
  if (v.IsObject()) return "object";
  if (v.IsArray()) return "array";
  if (v.IsString()) return "string";
  return IsInteger(v) ? "integer" : "number";
}

bool HasType(const rapidjson::Value& v, const std::string& type) {
  if (type == "number") return v.IsNumber();
  if (type == "integer") return v.IsNumber() && IsInteger(v);
  return TypeOf(v) == type;
}

// Deep equality; numbers compare by value, so 1 equals 1.0.
bool JsonEquals(const rapidjson::Value& a, const rapidjson::Value& b) {
  if (a.IsNumber() && b.IsNumber()) {
    if ((a.IsInt64() || a.IsUint64()) && (b.IsInt64() || b.IsUint64())) return a == b;
    return a.GetDouble() == b.GetDouble();
  }
  if (a.GetType() != b.GetType()) return false;
  if (a.IsArray()) {
    if (a.Size() != b.Size()) return false;
    for (rapidjson::SizeType i = 0; i < a.Size(); ++i)
      if (!JsonEquals(a[i], b[i])) return false;
    return true;
  }
  if (a.IsObject()) {
    if (a.MemberCount() != b.MemberCount()) return false;
    for (auto m = a.MemberBegin(); m != a.MemberEnd(); ++m) {
      auto other = b.FindMember(m->name);
      if (other == b.MemberEnd() || !JsonEquals(m->value, other->value)) return false;
    }
    return true;
  }
  return a == b;
}

size_t CodePoints(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

std::string Quote(const std::string& text) { return "\"" + Abbreviate(text) + "\""; }

}  // namespace

std::optional<std::string> MatchJson(const Matcher& m, const rapidjson::Value* value, const Variables& vars) {
  if (!value) {
    if (m.exists && !*m.exists) return std::nullopt;
    if (m.equals) {
      rapidjson::Document expected;
      std::string missing;
      if (vars.Render(*m.equals, expected, expected.GetAllocator(), &missing))
        return "expected " + Abbreviate(ToJsonText(expected)) + ", found no value";
    }
    return std::string("expected a value, found none");
  }
  // The value as messages show it; serialised only for a failure, since
  // most values pass.
  auto got = [value] { return Abbreviate(ToJsonText(*value)); };
  if (m.exists && !*m.exists) return "expected no value, got " + got();
  if (m.type && !HasType(*value, *m.type)) return "expected type " + *m.type + ", got " + TypeOf(*value) + " " + got();
  if (m.equals) {
    rapidjson::Document expected;
    std::string missing;
    if (!vars.Render(*m.equals, expected, expected.GetAllocator(), &missing))
      return "variable '" + missing + "' is not set";
    if (!JsonEquals(expected, *value)) return "expected " + Abbreviate(ToJsonText(expected)) + ", got " + got();
  }
  if (m.matches) {
    std::string error;
    const bool found = value->IsString() ? SearchMatcher(m, {value->GetString(), value->GetStringLength()}, &error)
                                         : SearchMatcher(m, ToJsonText(*value), &error);
    if (!found) return error.empty() ? "expected to match /" + *m.matches + "/, got " + got() : error;
  }
  if (m.length) {
    long long n = -1;
    if (value->IsArray()) n = value->Size();
    else if (value->IsObject()) n = value->MemberCount();
    else if (value->IsString()) n = static_cast<long long>(CodePoints({value->GetString(), value->GetStringLength()}));
    if (n < 0) return "expected a length, got " + TypeOf(*value) + " " + got();
    if (n != *m.length) return "expected length " + std::to_string(*m.length) + ", got " + std::to_string(n) + ": " + got();
  }
  return std::nullopt;
}

std::optional<std::string> MatchText(const Matcher& m, const std::string* text, const Variables& vars) {
  if (!text) {
    if (m.exists && !*m.exists) return std::nullopt;
    return std::string("expected a value, found none");
  }
  if (m.exists && !*m.exists) return "expected none, got " + Quote(*text);
  if (m.equals) {
    std::string missing;
    auto expected = vars.Interpolate(m.equals->text, &missing);
    if (!expected) return "variable '" + missing + "' is not set";
    if (*expected != *text) return "expected " + Quote(*expected) + ", got " + Quote(*text);
  }
  if (m.matches) {
    std::string error;
    if (!SearchMatcher(m, *text, &error))
      return error.empty() ? "expected to match /" + *m.matches + "/, got " + Quote(*text) : error;
  }
  if (m.members) {
    // RFC 9110 5.6.1: elements separated by commas and optional whitespace;
    // a set such as Allow's has no order.
    std::vector<std::string> got;
    std::string_view rest = *text;
    while (true) {
      const size_t comma = rest.find(',');
      std::string_view element = rest.substr(0, comma);
      while (!element.empty() && (element.front() == ' ' || element.front() == '\t')) element.remove_prefix(1);
      while (!element.empty() && (element.back() == ' ' || element.back() == '\t')) element.remove_suffix(1);
      if (!element.empty()) got.emplace_back(element);
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
    std::vector<std::string> expected = *m.members;
    std::sort(got.begin(), got.end());
    std::sort(expected.begin(), expected.end());
    if (got != expected) {
      std::string list;
      for (const auto& e : *m.members) list += (list.empty() ? "" : ", ") + e;
      return "expected the list " + list + " in any order, got " + Quote(*text);
    }
  }
  return std::nullopt;
}

std::vector<CheckFailure> CheckExpectation(const Expectation& expect, int status, const HeaderList& headers,
                                           std::string_view body, const Variables& vars,
                                           const rapidjson::Document* parsed_body) {
  std::vector<CheckFailure> failures;
  const bool status_ok = expect.statuses.empty()
                             ? status >= 200 && status < 300
                             : std::find(expect.statuses.begin(), expect.statuses.end(), status) != expect.statuses.end();
  if (!status_ok) {
    std::string wanted;
    if (expect.statuses.empty()) wanted = "a 2xx status";
    for (size_t i = 0; i < expect.statuses.size(); ++i)
      wanted += (i == 0 ? "status " : i + 1 == expect.statuses.size() ? " or " : ", ") + std::to_string(expect.statuses[i]);
    std::string message = "expected " + wanted + ", got " + std::to_string(status);
    if (!body.empty()) message += ": " + Abbreviate(body, 300);
    failures.push_back(CheckFailure{expect.status_where, message});
  }
  for (const auto& h : expect.headers)
    if (auto why = MatchText(h.matcher, FindHeader(headers, h.name), vars))
      failures.push_back(CheckFailure{h.matcher.where, "header " + h.name + ": " + *why});
  if (expect.text) {
    const std::string text(body);
    if (auto why = MatchText(*expect.text, &text, vars)) failures.push_back(CheckFailure{expect.text->where, "body text: " + *why});
  }
  if (expect.body.empty() && !expect.error_code) return failures;
  rapidjson::Document parsed_here;
  if (!parsed_body) {
    parsed_here.Parse(body.data(), body.size());
    parsed_body = &parsed_here;
  }
  const rapidjson::Document& doc = *parsed_body;
  if (doc.HasParseError()) {
    failures.push_back(CheckFailure{expect.where, "the body is not JSON: " + Abbreviate(body)});
    return failures;
  }
  if (expect.error_code) {
    const rapidjson::Value* code = rapidjson::Pointer("/error/code").Get(doc);
    std::string missing;
    auto expected = vars.Interpolate(*expect.error_code, &missing);
    if (!expected) {
      failures.push_back(CheckFailure{expect.error_where, "variable '" + missing + "' is not set"});
    } else if (!code || !code->IsString() || *expected != code->GetString()) {
      failures.push_back(CheckFailure{expect.error_where, "expected error " + *expected + ", got " +
                                                              (code ? Abbreviate(ToJsonText(*code)) : std::string("no /error/code"))});
    }
  }
  for (const auto& p : expect.body) {
    const rapidjson::Value* value = rapidjson::Pointer(p.pointer.c_str()).Get(doc);
    if (auto why = MatchJson(p.matcher, value, vars))
      failures.push_back(CheckFailure{p.matcher.where, "body " + (p.pointer.empty() ? std::string("(whole)") : p.pointer) + ": " + *why});
  }
  return failures;
}

}  // namespace conformance
