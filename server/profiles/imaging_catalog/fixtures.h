// The imaging-catalog fixtures (fixtures/imaging-catalog/): the callers with
// their tokens and contracts, and the frames with their product types, when
// each product is ready and whether a purchase of the frame closes or fails.
// Immutable after loading; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"

namespace purchase::profiles::imaging_catalog {

struct CallerAccount {
  std::string id;
  std::string token;
  std::vector<std::string> contracts;
  bool HasContract(std::string_view contract) const;
};

struct FrameProduct {
  std::string type;
  Millis ready_after = 0;
};

struct Frame {
  std::string id;
  bool fails = false;  // outcome: fail (its products are never ready)
  // outcome fail: when the purchase fails; outcome close: the deadline, when
  // a purchase still active fails (its products were not ready in time).
  Millis fail_after = kDefaultDeadline;
  static constexpr Millis kDefaultDeadline = 86400 * 1000;
  std::vector<FrameProduct> products;
  const FrameProduct* Product(std::string_view type) const;
};

struct Fixtures {
  std::vector<CallerAccount> callers;
  std::vector<Frame> frames;
  const CallerAccount* CallerOfToken(std::string_view token) const;
  const Frame* FindFrame(std::string_view id) const;
};

// Parses the two files' texts; `*_source` names them in messages. Throws
// SpecError "file:line:col: error: ..." on any mistake (missing member,
// duplicate id or token, unknown outcome, negative delay, no products).
Fixtures ParseFixtures(std::string_view callers_yaml, std::string_view callers_source, std::string_view frames_yaml,
                       std::string_view frames_source);
// Reads DIR/callers.yaml and DIR/frames.yaml; a missing file is a SpecError too.
Fixtures LoadFixtures(const std::string& dir);

}  // namespace purchase::profiles::imaging_catalog
