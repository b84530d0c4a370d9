// The error catalogue (spec/errors.yaml): each stable code and the HTTP status
// it is always answered with. Loaded once at start-up; immutable afterwards.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "core/status.h"

namespace purchase {

class ErrorCatalog {
 public:
  // Parses errors.yaml; throws SpecError naming file:line if it is malformed
  // or lacks a code the core can return.
  static ErrorCatalog Parse(std::string_view yaml_text, std::string_view source);
  static const ErrorCatalog& Builtin();

  // The HTTP status of `code`. For INJECTED_FAULT (status 0 in the spec) the
  // caller supplies the status itself.
  int HttpStatus(ErrorCode code) const;
  // The code whose catalogued status is `status` and that a fault rule may
  // inject (429, 500, 503); INJECTED_FAULT for any other status.
  ErrorCode InjectedCodeFor(int status) const;
  const std::map<std::string, int>& statuses() const { return by_name_; }

 private:
  std::map<std::string, int> by_name_;
  int status_by_code_[64] = {};
};

}  // namespace purchase
