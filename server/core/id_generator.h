// Deterministic, reversible identifiers.
//
// An order id is "ord_" + 16 hex digits of a bijective 64-bit mix of
// (sequence number ^ seed key), so the same seed always yields the same ids,
// and the core finds an order from its id by inverting the mix — no id index
// is stored (a large part of the memory budget per order). A token is
// "tok_" + 32 hex digits: the first half finds the token, the second half is an
// independent check, so a guessed or altered token is never mistaken for one.
// Pure functions over an immutable key; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace purchase {

class IdGenerator {
 public:
  explicit IdGenerator(uint64_t seed);

  std::string OrderId(uint32_t seq) const;
  // The sequence number an order id encodes, or nullopt if it is not one of ours.
  std::optional<uint64_t> OrderSeq(std::string_view order_id) const;

  std::string Token(uint32_t seq) const;
  std::optional<uint64_t> TokenSeq(std::string_view token) const;

  // Bytes of the secret that signs asset URLs, derived from the seed.
  std::string UrlKey() const;

 private:
  uint64_t order_key_, token_key_, token_check_key_, url_key_;
};

// SplitMix64's output function: a bijection on 64-bit integers.
uint64_t Mix64(uint64_t x);
uint64_t Unmix64(uint64_t x);

}  // namespace purchase
