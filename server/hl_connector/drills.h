// Client drills: named fault programs (fixtures/drills.yaml) that put a
// client through one condition of the real service — slow fulfillment, flaky
// 503s, a lost register reply... — with one call (POST /_control/drills/{name})
// or one flag (--drill NAME). Each drill is a list of ordinary fault rules,
// decoded and validated exactly like POST /_control/faults bodies.
// Immutable after loading; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "hl_connector/fault_rules.h"

namespace purchase::http {

struct Drill {
  std::string name;
  std::string description;
  std::string correct_client;  // what a correct client does under it
  std::vector<FaultRule> rules;
};

class DrillBook {
 public:
  // Reads a drills file; throws SpecError "<file>:<line>:<column>: error: ...".
  static DrillBook Load(const std::string& path);
  static DrillBook Parse(std::string_view yaml_text, std::string_view source);
  const Drill* Find(std::string_view name) const;
  const std::vector<Drill>& all() const { return drills_; }

 private:
  std::vector<Drill> drills_;
};

}  // namespace purchase::http
