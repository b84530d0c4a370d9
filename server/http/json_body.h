// The one JSON decoder of every request body, on every API surface: the HL
// Connector's vendor and control endpoints (request_decoding.h) and the
// profiles' handlers and control API (profile_host.h). Each surface maps a
// refusal to its own documented error (MALFORMED_JSON, or its validation
// error naming the repeated member). Pure; thread-safe.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <rapidjson/document.h>

namespace purchase::http {

// Why a body was refused.
struct JsonRefusal {
  enum class Kind {
    kMalformed,       // not one JSON document of valid text (a 400 everywhere)
    kRepeatedMember,  // valid JSON, but a member name repeats in one object (a validation error)
  };
  Kind kind;
  std::string message;  // says what is wrong; valid UTF-8
  std::string field;    // kRepeatedMember: its path ("match.path", "items[0].id")
};

struct ParsedJson {
  // The document (any JSON value), when there is no refusal; it owns its memory.
  std::shared_ptr<const rapidjson::Value> value;
  std::optional<JsonRefusal> refusal;
};

constexpr int kMaxJsonDepth = 64;

// Parses `body` as exactly one JSON document. Refuses as kMalformed: an empty
// body, a NUL byte anywhere, bytes that are not UTF-8, a string whose escapes
// decode to a lone surrogate (which is no character: RapidJSON 1.1.0 would
// store it as the invalid bytes ED xx xx), anything after the document, and
// nesting deeper than kMaxJsonDepth; as kRepeatedMember a member name given
// twice in one object, at any depth. An escaped NUL (\u0000) inside a string
// is a character like any other and is kept (the surface's own checks decide).
ParsedJson ParseJson(std::string_view body);

}  // namespace purchase::http
