#include "profiles/tabs/json_body.h"

#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace purchase::profiles::tabs {

http::HttpReply Invalid(const ErrorReplies& errors, std::string_view field, std::string_view message) {
  http::HttpReply reply = errors.Reply("REQUEST_VALIDATION_FAILED", message);
  // Add error.field beside code and message: the body ends in "}}".
  reply.body.erase(reply.body.size() - 2);
  reply.body += ",\"field\":" + JsonString(field) + "}}";
  return reply;
}

namespace {
// The deepest nesting of arrays and objects in `text` (strings skipped). A
// body nested deeper than kMaxDepth is refused before RapidJSON, whose
// parser and destructor recurse once per level.
constexpr int kMaxDepth = 64;
bool TooDeep(const std::string& text) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxDepth) return true;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return false;
}
}  // namespace

std::optional<http::HttpReply> ParseObject(const std::string& body, rapidjson::Document& doc,
                                           const ErrorReplies& errors) {
  if (TooDeep(body)) return errors.Reply("MALFORMED_JSON", "the body is nested deeper than 64 levels");
  doc.Parse<rapidjson::kParseValidateEncodingFlag>(body.c_str(), body.size());
  if (doc.HasParseError())
    return errors.Reply("MALFORMED_JSON",
                        std::string("the body is not JSON: ") + rapidjson::GetParseError_En(doc.GetParseError()));
  if (!doc.IsObject()) return Invalid(errors, "", "the body must be a JSON object");
  return std::nullopt;
}

std::optional<std::string> UnknownMember(const rapidjson::Value& object, std::initializer_list<std::string_view> allowed) {
  for (const auto& m : object.GetObject()) {
    const std::string_view name(m.name.GetString(), m.name.GetStringLength());
    bool known = false;
    for (auto a : allowed) known = known || a == name;
    if (!known) return std::string(name);
  }
  return std::nullopt;
}

}  // namespace purchase::profiles::tabs
