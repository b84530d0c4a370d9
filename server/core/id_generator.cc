#include "id_generator.h"

namespace purchase {
namespace {

constexpr uint64_t kM1 = 0xbf58476d1ce4e5b9ULL;
constexpr uint64_t kM2 = 0x94d049bb133111ebULL;

constexpr uint64_t InverseMod64(uint64_t a) {
  uint64_t x = a;  // Newton's iteration: each step doubles the correct low bits.
  for (int i = 0; i < 6; ++i) x *= 2 - a * x;
  return x;
}
static_assert(kM1 * InverseMod64(kM1) == 1);
static_assert(kM2 * InverseMod64(kM2) == 1);

uint64_t UnxorShift(uint64_t y, int shift) {
  uint64_t x = y;
  for (int i = 0; i < 64 / shift + 1; ++i) x = y ^ (x >> shift);
  return x;
}

void AppendHex(std::string& out, uint64_t v) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (int i = 60; i >= 0; i -= 4) out.push_back(kHex[(v >> i) & 0xf]);
}

std::optional<uint64_t> ParseHex16(std::string_view s) {
  if (s.size() != 16) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    int d;
    if (c >= '0' && c <= '9') d = c - '0';
    else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
    else return std::nullopt;  // lowercase only: one spelling per id
    v = v << 4 | static_cast<uint64_t>(d);
  }
  return v;
}

uint64_t SeedStream(uint64_t seed, uint64_t n) { return Mix64(seed + n * 0x9e3779b97f4a7c15ULL); }

}  // namespace

uint64_t Mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * kM1;
  z = (z ^ (z >> 27)) * kM2;
  return z ^ (z >> 31);
}

uint64_t Unmix64(uint64_t z) {
  z = UnxorShift(z, 31);
  z *= InverseMod64(kM2);
  z = UnxorShift(z, 27);
  z *= InverseMod64(kM1);
  return UnxorShift(z, 30);
}

IdGenerator::IdGenerator(uint64_t seed)
    : order_key_(SeedStream(seed, 1)),
      token_key_(SeedStream(seed, 2)),
      token_check_key_(SeedStream(seed, 3)),
      url_key_(SeedStream(seed, 4)) {}

std::string IdGenerator::OrderId(uint32_t seq) const {
  std::string out;
  out.reserve(20);  // "ord_" and 16 hex digits, in one allocation
  out = "ord_";
  AppendHex(out, Mix64(seq ^ order_key_));
  return out;
}

std::optional<uint64_t> IdGenerator::OrderSeq(std::string_view id) const {
  if (id.substr(0, 4) != "ord_") return std::nullopt;
  auto v = ParseHex16(id.substr(4));
  if (!v) return std::nullopt;
  return Unmix64(*v) ^ order_key_;
}

std::string IdGenerator::Token(uint32_t seq) const {
  std::string out = "tok_";
  AppendHex(out, Mix64(seq ^ token_key_));
  AppendHex(out, Mix64(seq ^ token_check_key_));
  return out;
}

std::optional<uint64_t> IdGenerator::TokenSeq(std::string_view token) const {
  if (token.size() != 36 || token.substr(0, 4) != "tok_") return std::nullopt;
  auto locator = ParseHex16(token.substr(4, 16));
  auto check = ParseHex16(token.substr(20, 16));
  if (!locator || !check) return std::nullopt;
  const uint64_t seq = Unmix64(*locator) ^ token_key_;
  if (Mix64(seq ^ token_check_key_) != *check) return std::nullopt;
  return seq;
}

std::string IdGenerator::UrlKey() const {
  std::string key;
  for (uint64_t i = 0; i < 4; ++i) AppendHex(key, Mix64(url_key_ + i));
  return key;
}

}  // namespace purchase
