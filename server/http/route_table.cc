#include "http/route_table.h"

#include <algorithm>
#include <stdexcept>

namespace purchase::http {
namespace {

std::vector<std::string_view> Split(std::string_view path) {
  std::vector<std::string_view> out;
  size_t start = 1;
  while (start <= path.size()) {
    const size_t slash = path.find('/', start);
    const size_t end = slash == std::string_view::npos ? path.size() : slash;
    out.push_back(path.substr(start, end - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return out;
}

bool IsParam(std::string_view segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

// Whether `path` (which starts with '/') has the pattern's segments, as
// Split would cut it; captures the parameters into `params` when given.
// Walks the path in place: Match is on every request's path, and a vector
// of segments was two heap allocations of each (bench_handler).
bool Matches(const std::vector<std::string>& pattern, std::string_view path, PathParams* params) {
  size_t start = 1;
  for (size_t k = 0; k < pattern.size(); ++k) {
    const size_t slash = path.find('/', start);
    const bool last = k + 1 == pattern.size();
    if (last != (slash == std::string_view::npos)) return false;  // fewer or more segments
    const std::string_view segment = path.substr(start, (last ? path.size() : slash) - start);
    const std::string& want = pattern[k];
    if (IsParam(want)) {
      if (segment.empty()) return false;
      if (params) (*params)[want.substr(1, want.size() - 2)] = std::string(segment);
    } else if (segment != want) {
      return false;
    }
    start = slash + 1;
  }
  return true;
}

}  // namespace

size_t RouteTable::Add(std::string method, std::string pattern) {
  if (pattern.empty() || pattern[0] != '/') throw std::invalid_argument("route pattern must start with '/': " + pattern);
  for (const auto& r : routes_)
    if (r.method == method && r.pattern == pattern) throw std::invalid_argument("route added twice: " + pattern);
  Route route{std::move(method), pattern, {}, true};
  for (std::string_view s : Split(pattern)) {
    if (s.empty()) throw std::invalid_argument("empty segment in route pattern: " + pattern);
    route.segments.emplace_back(s);
    if (IsParam(s)) route.literal = false;
  }
  routes_.push_back(std::move(route));
  return routes_.size() - 1;
}

RouteMatch RouteTable::Match(std::string_view method, std::string_view path) const {
  RouteMatch result;
  if (path.empty() || path[0] != '/') return result;
  std::vector<std::string_view> allowed;  // each method once, even when two patterns match
  for (size_t i = 0; i < routes_.size(); ++i) {
    const Route& r = routes_[i];
    if (r.literal ? path != r.pattern : !Matches(r.segments, path, nullptr)) continue;
    if (r.method == method) {
      result.kind = RouteMatch::Kind::kFound;
      result.index = i;
      if (!r.literal) Matches(r.segments, path, &result.params);
      return result;
    }
    result.kind = RouteMatch::Kind::kMethodNotAllowed;
    if (std::find(allowed.begin(), allowed.end(), r.method) != allowed.end()) continue;
    allowed.push_back(r.method);
    result.allow.append(result.allow.empty() ? "" : ", ").append(r.method);
  }
  return result;
}

}  // namespace purchase::http
