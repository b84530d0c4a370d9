// What a scenario saw of one order: every status observed for it, in order,
// and the first change spec/lifecycle.yaml forbids, if any. Plain data, for
// reports (the HTML report draws it on the lifecycle).
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace conformance {

struct OrderTrace {
  std::string order_id;
  std::vector<std::string> states;  // as observed, repeats included
  std::vector<std::string> where;   // the step of each observation
  std::optional<std::pair<std::string, std::string>> illegal;  // from, to
};

}  // namespace conformance
