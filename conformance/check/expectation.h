// Judges one response against a step's expectations: status, headers, body
// members by JSON pointer (equals / matches / type / exists / absent /
// length), the error code, and the raw text. Pure; thread-safe.
#pragma once

#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/document.h>

#include "check/header_list.h"
#include "scenario/scenario.h"
#include "scenario/template.h"

namespace conformance {

struct CheckFailure {
  SourceLocation where;  // the expectation that failed
  std::string message;
};

// Returns every unmet expectation; empty if the response meets them all.
// `parsed_body`, when given, is `body` already parsed with rapidjson's default
// flags (a parse error included), so that a caller judging one body several
// ways parses it once; when null, the body is parsed here.
std::vector<CheckFailure> CheckExpectation(const Expectation& expect, int status, const HeaderList& headers,
                                           std::string_view body, const Variables& vars,
                                           const rapidjson::Document* parsed_body = nullptr);

// Judges a JSON value (null: the pointer found nothing). Returns why it fails.
std::optional<std::string> MatchJson(const Matcher& m, const rapidjson::Value* value, const Variables& vars);

// Judges a text (a header or a raw body; null: absent). Returns why it fails.
std::optional<std::string> MatchText(const Matcher& m, const std::string* text, const Variables& vars);

// Returns `pattern` compiled (ECMAScript) from a cache shared by all threads:
// compiling costs far more than matching, and a suite uses the same few
// patterns thousands of times. Throws std::regex_error if it does not compile.
std::shared_ptr<const std::regex> CompiledRegex(const std::string& pattern);

// Texts longer than this never match a regex: std::regex recurses per
// character and would overflow the stack.
inline constexpr size_t kRegexTextLimit = 1 << 20;

// True if `regex` is found in `text`; false for a text over kRegexTextLimit.
bool RegexSearch(const std::string& regex, std::string_view text, std::string* error);
// The same with the regex already compiled (ECMAScript).
bool RegexSearch(const std::regex& regex, std::string_view text, std::string* error);

// Returns `text` cut to `limit` bytes with "..." when longer, for messages.
std::string Abbreviate(std::string_view text, size_t limit = 200);

}  // namespace conformance
