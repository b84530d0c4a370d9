#include "profiles/sheetmusicdirect/query.h"

namespace purchase::profiles::sheetmusicdirect {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<std::string> PercentDecode(std::string_view raw, bool plus_as_space) {
  std::string out;
  out.reserve(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    const char c = raw[i];
    if (c == '%') {
      if (i + 2 >= raw.size()) return std::nullopt;
      const int hi = HexValue(raw[i + 1]);
      const int lo = HexValue(raw[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_as_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

QueryParams::QueryParams(const http::RawQuery& raw, bool plus_as_space) : raw_(raw), plus_as_space_(plus_as_space) {}

std::optional<std::string> QueryParams::Get(std::string_view name) const {
  for (const auto& [key, value] : raw_)
    if (key == name) return PercentDecode(value, plus_as_space_);
  return std::nullopt;
}

bool QueryParams::Escaped(std::string_view name) const {
  for (const auto& [key, value] : raw_)
    if (key == name) return !PercentDecode(value, plus_as_space_).has_value();
  return false;
}

std::variant<std::string, ParamProblem> QueryParams::Text(std::string_view name, size_t max_length) const {
  const std::string n(name);
  if (Escaped(name)) return ParamProblem{n + " has a '%' not followed by two hex digits"};
  std::optional<std::string> value = Get(name);
  if (!value) return ParamProblem{n + " is required"};
  if (value->empty()) return ParamProblem{n + " must not be empty"};
  if (value->size() > max_length) return ParamProblem{n + " is longer than " + std::to_string(max_length) + " bytes"};
  return std::move(*value);
}

std::variant<int64_t, ParamProblem> QueryParams::Integer(std::string_view name, int64_t min, int64_t max) const {
  const std::string n(name);
  const std::string range = " must be an integer from " + std::to_string(min) + " to " + std::to_string(max);
  if (Escaped(name)) return ParamProblem{n + " has a '%' not followed by two hex digits"};
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
