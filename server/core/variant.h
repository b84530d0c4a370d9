// Server variants: the choices the contract leaves open, made one of two ways.
//
// spec/README.md fixes statuses, codes, the check order, the lifecycle and the
// timing rules, but leaves open what an implementation may choose freely: the
// shape of order ids and tokens, fault-rule ids, the realm of WWW-Authenticate,
// members a reply may carry beyond the listed ones, whether unknown request
// members are refused, and the wording of messages. kReference makes them as
// the reference server always has; kOther makes every one of them differently
// and keeps every rule, so that CI can run the conformance suite against a
// second, equally correct implementation and prove the suite judges the
// contract rather than this server's habits. A variant is not a defect: every
// --defect still breaks its rule under either.
//
// The core makes the id choices (IdGenerator: order ids, tokens, fault-rule
// ids); the HTTP layer makes the rest (ApiOptions::variant). Immutable values;
// thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace purchase {

enum class Variant : uint8_t { kReference, kOther };

struct VariantInfo {
  Variant variant;
  std::string_view name;  // as --variant spells it
  std::string_view description;
};

// Every variant with its command-line name and what it chooses.
const std::vector<VariantInfo>& AllVariants();
std::optional<Variant> ParseVariant(std::string_view name);
std::string_view VariantName(Variant variant);

}  // namespace purchase
