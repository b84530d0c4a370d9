// ErrorReplies: a profile's errors.yaml (code -> HTTP status), and the JSON
// error reply every profile answers with: {"error":{"code","message"}}.
// Immutable after Parse; thread-safe.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "http/http_message.h"

namespace purchase::profiles {

class ErrorReplies {
 public:
  // Parses an errors.yaml ({errors: {CODE: {status, when}}}, as spec/errors.yaml); throws
  // SpecError naming file:line when it is malformed.
  static ErrorReplies Parse(std::string_view yaml_text, std::string_view source);

  // The reply for `code` with its catalogued status. Throws
  // std::logic_error for a code the catalogue lacks (a surface's bug, found
  // by its tests, never by a client). `status` overrides a catalogued 0
  // (INJECTED_FAULT: the rule's own status).
  http::HttpReply Reply(std::string_view code, std::string_view message, int status = 0) const;
  bool Knows(std::string_view code) const { return statuses_.count(std::string(code)) > 0; }
  const std::map<std::string, int>& statuses() const { return statuses_; }

 private:
  std::map<std::string, int> statuses_;
};

// A JSON reply (Content-Type application/json; charset=utf-8).
http::HttpReply JsonReply(int status, std::string body);
// A JSON string literal of `text`, quotes included.
std::string JsonString(std::string_view text);

}  // namespace purchase::profiles
