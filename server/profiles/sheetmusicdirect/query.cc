#include "profiles/sheetmusicdirect/query.h"

namespace purchase::profiles::sheetmusicdirect {

QueryParams::QueryParams(const Query& query, bool plus_as_space) : query_(query), plus_as_space_(plus_as_space) {}

std::optional<std::string> QueryParams::Get(std::string_view name) const {
  for (const auto& [key, value] : query_) {
    if (key != name) continue;
    std::string out = value;
    if (plus_as_space_)
      for (char& c : out)
        if (c == '+') c = ' ';
    return out;
  }
  return std::nullopt;
}

std::variant<std::string, ParamProblem> QueryParams::Text(std::string_view name, size_t max_length) const {
  const std::string n(name);
  std::optional<std::string> value = Get(name);
  if (!value) return ParamProblem{n + " is required"};
  if (value->empty()) return ParamProblem{n + " must not be empty"};
  if (value->size() > max_length) return ParamProblem{n + " is longer than " + std::to_string(max_length) + " bytes"};
  return std::move(*value);
}

std::variant<int64_t, ParamProblem> QueryParams::Integer(std::string_view name, int64_t min, int64_t max) const {
  const std::string n(name);
  const std::string range = " must be an integer from " + std::to_string(min) + " to " + std::to_string(max);
  std::optional<std::string> value = Get(name);
  if (!value) return ParamProblem{n + " is required"};
  if (value->empty() || value->size() > 18) return ParamProblem{n + range};
  int64_t number = 0;
  for (char c : *value) {
    if (c < '0' || c > '9') return ParamProblem{n + range};
    number = number * 10 + (c - '0');
  }
  if (number < min || number > max) return ParamProblem{n + range};
  return number;
}

}  // namespace purchase::profiles::sheetmusicdirect
