// Generates random command sequences from a model of the Purchase API: what
// the model has handed out so far (tokens, orders, URLs, fault rules, the
// clock) decides what is worth asking next, and about one command in ten is
// deliberately invalid (a bogus or foreign token, an unknown order, a
// missing member, the wrong method, no credentials, the clock backwards).
// The model is the in-process reference alone, never the target, so a seed
// gives the same sequence whatever the target answers.
//
// Not thread-safe (it drives the reference side it is given).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "explore/command.h"
#include "explore/executor.h"

namespace conformance::explore {

struct GeneratorOptions {
  int steps = 25;
  bool second_vendor = false;  // ${token_b} given
  bool faults = false;         // the target has the faults capability
  bool history = false;        // ... and history
  // The target takes a fault rule's `cancel_after_seconds` (an effect of our
  // control API, not of every implementation's): probed, or --strict-reference.
  bool cancel_after = false;
  // Cancels name an item by its id `<order_id>-1`, our server's choice (a
  // contract item id is whatever the order's items say): --strict-reference.
  bool item_ids = false;
  // Fulfillment rules due at the register instant itself (delay 0).
  bool zero_delays = true;
  // The fixture roles the target can fill: assets and customer IPs.
  std::vector<std::string> asset_roles, ip_roles;
};

// The asset and IP roles the generator knows how to use, in a fixed order.
const std::vector<std::string>& AssetRoles();
const std::vector<std::string>& IpRoles();

// Generates one sequence for `seed`, driving `reference` (reset first).
std::vector<Command> Generate(uint64_t seed, const GeneratorOptions& options, const Side& reference);

}  // namespace conformance::explore
