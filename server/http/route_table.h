// RouteTable: which operation a (method, path) is, from patterns such as
// "/v1/purchases/{purchase_id}". A path segment in braces matches one
// non-empty segment and is captured; every other segment matches exactly.
// A path that matches a pattern but not its method is a 405 with the
// pattern's methods as Allow; one that matches none is a 404.
// Immutable after construction; thread-safe.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace purchase::http {

using PathParams = std::map<std::string, std::string>;

struct RouteMatch {
  enum class Kind { kFound, kNoSuchPath, kMethodNotAllowed };
  Kind kind = Kind::kNoSuchPath;
  size_t index = 0;    // kFound: the route's position in the table
  PathParams params;   // kFound
  std::string allow;   // kMethodNotAllowed: "GET, POST"
};

class RouteTable {
 public:
  // Adds a route; returns its index. Throws std::invalid_argument for a
  // pattern that is not "/segment/{name}..." or one added twice.
  size_t Add(std::string method, std::string pattern);
  RouteMatch Match(std::string_view method, std::string_view path) const;
  const std::string& PatternOf(size_t index) const { return routes_.at(index).pattern; }

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    bool literal;  // no parameter: a path matches when it equals the pattern
  };
  std::vector<Route> routes_;
};

}  // namespace purchase::http
