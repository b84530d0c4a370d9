// The query-string parameters of a SheetMusicDirect request, as the host
// decoded them once (ProfileHost: %XX escapes decoded, valid UTF-8, each name
// at most once, else 422 before authentication); '+' stays a literal '+' (a
// space is "%20", never "+"; spec/sheetmusicdirect/README.md, "Parameters").
// Unknown parameters are ignored. Immutable after construction; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "profiles/profile_host.h"  // Query

namespace purchase::profiles::sheetmusicdirect {

// Why a parameter was refused, for a 422 message ("quantity must be ...").
struct ParamProblem {
  std::string message;
};

class QueryParams {
 public:
  // `plus_as_space` is the deliberate defect plus-as-space.
  QueryParams(const Query& query, bool plus_as_space);

  // The value, or nothing when the parameter is absent.
  std::optional<std::string> Get(std::string_view name) const;

  // A required text of 1..max_length characters.
  std::variant<std::string, ParamProblem> Text(std::string_view name, size_t max_length) const;
  // A required decimal integer (digits only, no sign) in [min, max].
  std::variant<int64_t, ParamProblem> Integer(std::string_view name, int64_t min, int64_t max) const;

 private:
  const Query& query_;
  const bool plus_as_space_;
};


// Reads parameters in the order a handler asks for them and keeps the first
// problem as its 422 reply, so a handler reads all it needs, then answers
// `refusal` if there is one (README, "Check order": parameters in the order
// the operation lists them).
class ParamReader {
 public:
  explicit ParamReader(const QueryParams& params) : params_(params) {}

  // The parameter's value, or "" / 0 after recording why it is refused.
  std::string Text(std::string_view name, size_t max_length) {
    auto v = params_.Text(name, max_length);
    if (auto* problem = std::get_if<ParamProblem>(&v)) {
      Refuse(name, problem->message);
      return {};
    }
    return std::get<std::string>(std::move(v));
  }
  int64_t Integer(std::string_view name, int64_t min, int64_t max) {
    auto v = params_.Integer(name, min, max);
    if (auto* problem = std::get_if<ParamProblem>(&v)) {
      Refuse(name, problem->message);
      return 0;
    }
    return std::get<int64_t>(v);
  }
  // Records a problem of the handler's own (a value of the right type that is still wrong).
  void Refuse(std::string_view name, std::string message) {
    if (problem_) return;
    problem_ = ParamProblem{std::move(message)};
    field_ = std::string(name);
  }
  bool ok() const { return !problem_.has_value(); }
  const std::string& message() const { return problem_->message; }
  const std::string& field() const { return field_; }

 private:
  const QueryParams& params_;
  std::optional<ParamProblem> problem_;
  std::string field_;
};

}  // namespace purchase::profiles::sheetmusicdirect
