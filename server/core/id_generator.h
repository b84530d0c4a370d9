// Deterministic, reversible identifiers.
//
// An order id is "ord_" + 16 hex digits of a bijective 64-bit mix of
// (sequence number ^ seed key), so the same seed always yields the same ids,
// and the core finds an order from its id by inverting the mix — no id index
// is stored (a large part of the memory budget per order). A token is
// "tok_" + 32 hex digits: the first half finds the token, the second half is an
// independent check, so a guessed or altered token is never mistaken for one.
// Fault rules are "fault-1", "fault-2"...
//
// Variant::kOther (variant.h) makes the same promises with other shapes: order
// ids "ord_000001", "ord_000002"... (the sequence number + 1, six digits at
// least: guessable on purpose, since the contract only asks that another
// vendor's order answer like an unknown one), tokens "pt-" + 40 hex digits
// (a locator and two independent checks, keys of their own, so still
// unguessable from the seed-derived generator) and fault rules "fault_1"...
// Pure functions over an immutable key; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "variant.h"

namespace purchase {

class IdGenerator {
 public:
  explicit IdGenerator(uint64_t seed, Variant variant = Variant::kReference);

  std::string OrderId(uint32_t seq) const;
  // The sequence number an order id encodes, or nullopt if it is not one of ours.
  std::optional<uint64_t> OrderSeq(std::string_view order_id) const;

  std::string Token(uint32_t seq) const;
  std::optional<uint64_t> TokenSeq(std::string_view token) const;

  // The id of the n-th fault rule since the start or a reset (n from 1).
  std::string FaultRuleId(uint64_t n) const;

  // Bytes of the secret that signs asset URLs, derived from the seed.
  std::string UrlKey() const;

 private:
  std::string OtherToken(uint32_t seq) const;
  std::optional<uint64_t> OtherTokenSeq(std::string_view token) const;

  Variant variant_;
  uint64_t order_key_, token_key_, token_check_key_, url_key_;
  // Variant::kOther's token keys: its tokens share nothing with the reference's.
  uint64_t other_token_key_, other_check_key_, other_check2_key_;
};

// SplitMix64's output function: a bijection on 64-bit integers.
uint64_t Mix64(uint64_t x);
uint64_t Unmix64(uint64_t x);

}  // namespace purchase
