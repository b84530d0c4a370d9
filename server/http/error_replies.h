// ErrorReplies: an API's errors.yaml (code -> HTTP status), and the JSON
// error reply every API answers with: {"error":{"code","message"}} (plus
// "field" where a validation error names one). The profiles answer every
// error through it, the sandbox router its own (http/sandbox_router.h) for
// every API. Immutable after Parse; thread-safe.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "http/http_message.h"

namespace purchase::http {

class ErrorReplies {
 public:
  // Parses an errors.yaml ({errors: {CODE: {status, when}}}, as spec/errors.yaml); throws
  // SpecError naming file:line when it is malformed.
  static ErrorReplies Parse(std::string_view yaml_text, std::string_view source);
  // The replies of a catalogue already read (code -> status, as
  // ErrorCatalog::statuses() gives the HL Connector's).
  static ErrorReplies Of(std::map<std::string, int> statuses) {
    ErrorReplies out;
    out.statuses_ = std::move(statuses);
    return out;
  }

  // The reply for `code` with its catalogued status. Throws
  // std::logic_error for a code the catalogue lacks (a surface's bug, found
  // by its tests, never by a client). `status` overrides a catalogued 0
  // (INJECTED_FAULT: the rule's own status). `field`, when given, is the
  // request member a validation error names ("" for the body itself).
  HttpReply Reply(std::string_view code, std::string_view message, int status = 0,
                  std::optional<std::string_view> field = std::nullopt) const;
  bool Knows(std::string_view code) const { return statuses_.count(std::string(code)) > 0; }
  const std::map<std::string, int>& statuses() const { return statuses_; }

 private:
  std::map<std::string, int> statuses_;
};

// A JSON reply (Content-Type application/json; charset=utf-8).
HttpReply JsonReply(int status, std::string body);
// A JSON string literal of `text`, quotes included.
std::string JsonString(std::string_view text);

}  // namespace purchase::http
