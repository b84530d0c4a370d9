#include "http/json_body.h"

#include <unordered_set>

#include <rapidjson/error/en.h>

#include "http/valid_text.h"

namespace purchase::http {
namespace {

// A parsed body and the memory its values live in, in one heap block of
// under 1 KiB. RapidJSON's defaults cost a 64 KiB pool chunk and a 1 KiB
// parse stack per body: requests that large make glibc consolidate its free
// lists, which was 4% of a register's handling (perf). A usual body (about
// 150 bytes) parses within `space`; a larger one adds 4 KiB chunks, freed with
// the block. The parse stacks (128 and 256 bytes) are malloc'd and freed by
// the parse, as small blocks glibc recycles cheaply.
struct ParsedBody {
  char space[640];
  rapidjson::MemoryPoolAllocator<> pool{space, sizeof space, 4096};
  rapidjson::Document doc{&pool, 128};
};

std::string_view TextOf(const rapidjson::Value& v) { return {v.GetString(), v.GetStringLength()}; }

// The first string or member name that is not valid UTF-8, or nesting past
// the limit: a malformed document. Recursion is bounded by kMaxJsonDepth.
std::optional<std::string> TextProblem(const rapidjson::Value& v, int depth) {
  if (v.IsString()) {
    if (!IsValidUtf8(TextOf(v)))
      return "a \\u escape in a string encodes a lone surrogate, which is no character";
    return std::nullopt;
  }
  if (!v.IsObject() && !v.IsArray()) return std::nullopt;
  if (depth >= kMaxJsonDepth) return "the body is nested deeper than " + std::to_string(kMaxJsonDepth) + " levels";
  if (v.IsArray()) {
    for (const auto& e : v.GetArray())
      if (auto p = TextProblem(e, depth + 1)) return p;
    return std::nullopt;
  }
  for (const auto& m : v.GetObject()) {
    if (auto p = TextProblem(m.name, depth + 1)) return p;
    if (auto p = TextProblem(m.value, depth + 1)) return p;
  }
  return std::nullopt;
}

// `head` followed by the path below it ("a" + "b" -> "a.b", "a" + "[0]" -> "a[0]").
std::string Joined(std::string head, const std::string& below) {
  if (!below.empty()) head += below[0] == '[' ? below : "." + below;
  return head;
}

// Finds a member whose name repeats in its object, at any depth (in an object,
// its own repeats before its members'); `path` is then the member's path. The
// path is built only once one is found: a usual body costs no allocation here.
bool FindRepeatedMember(const rapidjson::Value& v, std::string& path) {
  if (v.IsArray()) {
    size_t i = 0;
    for (const auto& e : v.GetArray()) {
      if (FindRepeatedMember(e, path)) {
        path = Joined("[" + std::to_string(i) + "]", path);
        return true;
      }
      ++i;
    }
    return false;
  }
  if (!v.IsObject()) return false;
  const auto members = v.GetObject();
  if (members.MemberCount() <= 16) {
    for (auto a = members.begin(); a != members.end(); ++a)
      for (auto b = members.begin(); b != a; ++b)
        if (TextOf(a->name) == TextOf(b->name)) {
          path = std::string(TextOf(a->name));
          return true;
        }
  } else {
    // Many members: a set, so that a 64 KiB body of them is not quadratic.
    std::unordered_set<std::string_view> seen;
    for (const auto& m : members)
      if (!seen.insert(TextOf(m.name)).second) {
        path = std::string(TextOf(m.name));
        return true;
      }
  }
  for (const auto& m : members)
    if (FindRepeatedMember(m.value, path)) {
      path = Joined(std::string(TextOf(m.name)), path);
      return true;
    }
  return false;
}

ParsedJson Malformed(std::string message) {
  return ParsedJson{nullptr, JsonRefusal{JsonRefusal::Kind::kMalformed, std::move(message), {}}};
}

}  // namespace

ParsedJson ParseJson(std::string_view body) {
  if (body.empty()) return Malformed("the body is empty; expected a JSON object");
  // RapidJSON stops at a NUL byte, so "{...}\0garbage" would pass as valid;
  // JSON text never contains a raw NUL.
  if (body.find('\0') != std::string_view::npos) return Malformed("the body contains a NUL byte; JSON text never does");
  auto parsed = std::make_shared<ParsedBody>();
  auto& doc = parsed->doc;
  // Iterative parsing: a deeply nested hostile body cannot exhaust the stack.
  // Without kParseStopWhenDoneFlag, anything after the document is an error.
  doc.Parse<rapidjson::kParseValidateEncodingFlag | rapidjson::kParseIterativeFlag>(body.data(), body.size());
  if (doc.HasParseError())
    return Malformed(std::string("the body is not JSON: ") + rapidjson::GetParseError_En(doc.GetParseError()) +
                     " (at byte " + std::to_string(doc.GetErrorOffset()) + ")");
  if (auto problem = TextProblem(doc, 0)) return Malformed(std::move(*problem));
  if (std::string repeated; FindRepeatedMember(doc, repeated)) {
    std::string message = "member '" + repeated + "' appears twice";
    return ParsedJson{nullptr, JsonRefusal{JsonRefusal::Kind::kRepeatedMember, std::move(message), std::move(repeated)}};
  }
  return ParsedJson{std::shared_ptr<const rapidjson::Value>(parsed, &parsed->doc), std::nullopt};
}

}  // namespace purchase::http
