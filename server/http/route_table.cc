#include "http/route_table.h"

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

}  // namespace

size_t RouteTable::Add(std::string method, std::string pattern) {
  if (pattern.empty() || pattern[0] != '/') throw std::invalid_argument("route pattern must start with '/': " + pattern);
  for (const auto& r : routes_)
    if (r.method == method && r.pattern == pattern) throw std::invalid_argument("route added twice: " + pattern);
  Route route{std::move(method), pattern, {}};
  for (std::string_view s : Split(pattern)) {
    if (s.empty()) throw std::invalid_argument("empty segment in route pattern: " + pattern);
    route.segments.emplace_back(s);
  }
  routes_.push_back(std::move(route));
  return routes_.size() - 1;
}

RouteMatch RouteTable::Match(std::string_view method, std::string_view path) const {
  RouteMatch result;
  if (path.empty() || path[0] != '/') return result;
  const std::vector<std::string_view> segments = Split(path);
  for (size_t i = 0; i < routes_.size(); ++i) {
    const Route& r = routes_[i];
    if (r.segments.size() != segments.size()) continue;
    PathParams params;
    bool same = true;
    for (size_t k = 0; k < segments.size() && same; ++k) {
      if (IsParam(r.segments[k])) {
        if (segments[k].empty()) same = false;
        else params[r.segments[k].substr(1, r.segments[k].size() - 2)] = std::string(segments[k]);
      } else {
        same = r.segments[k] == segments[k];
      }
    }
    if (!same) continue;
    if (r.method == method) {
      result.kind = RouteMatch::Kind::kFound;
      result.index = i;
      result.params = std::move(params);
      return result;
    }
    result.kind = RouteMatch::Kind::kMethodNotAllowed;
    if (result.allow.find(r.method) == std::string::npos)
      result.allow += (result.allow.empty() ? "" : ", ") + r.method;
  }
  return result;
}

}  // namespace purchase::http
