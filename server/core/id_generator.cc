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

IdGenerator::IdGenerator(uint64_t seed, Variant variant)
    : variant_(variant),
      order_key_(SeedStream(seed, 1)),
      token_key_(SeedStream(seed, 2)),
      token_check_key_(SeedStream(seed, 3)),
      url_key_(SeedStream(seed, 4)),
      other_token_key_(SeedStream(seed, 5)),
      other_check_key_(SeedStream(seed, 6)),
      other_check2_key_(SeedStream(seed, 7)) {}

std::string IdGenerator::OrderId(uint32_t seq) const {
  if (variant_ == Variant::kOther) {
    const std::string number = std::to_string(uint64_t{seq} + 1);
    std::string out = "ord_";
    if (number.size() < 6) out.append(6 - number.size(), '0');
    return out.append(number);
  }
  std::string out;
  out.reserve(20);  // "ord_" and 16 hex digits, in one allocation
  out = "ord_";
  AppendHex(out, Mix64(seq ^ order_key_));
  return out;
}

std::optional<uint64_t> IdGenerator::OrderSeq(std::string_view id) const {
  if (id.substr(0, 4) != "ord_") return std::nullopt;
  if (variant_ == Variant::kOther) {
    // One spelling per id: six digits, or more without a leading zero.
    const std::string_view digits = id.substr(4);
    if (digits.size() < 6 || digits.size() > 10 || (digits.size() > 6 && digits[0] == '0')) return std::nullopt;
    uint64_t number = 0;
    for (char c : digits) {
      if (c < '0' || c > '9') return std::nullopt;
      number = number * 10 + static_cast<uint64_t>(c - '0');
    }
    if (number == 0 || number > uint64_t{UINT32_MAX} + 1) return std::nullopt;
    return number - 1;
  }
  auto v = ParseHex16(id.substr(4));
  if (!v) return std::nullopt;
  return Unmix64(*v) ^ order_key_;
}

std::string IdGenerator::Token(uint32_t seq) const {
  if (variant_ == Variant::kOther) return OtherToken(seq);
  std::string out = "tok_";
  AppendHex(out, Mix64(seq ^ token_key_));
  AppendHex(out, Mix64(seq ^ token_check_key_));
  return out;
}

std::optional<uint64_t> IdGenerator::TokenSeq(std::string_view token) const {
  if (variant_ == Variant::kOther) return OtherTokenSeq(token);
  if (token.size() != 36 || token.substr(0, 4) != "tok_") return std::nullopt;
  auto locator = ParseHex16(token.substr(4, 16));
  auto check = ParseHex16(token.substr(20, 16));
  if (!locator || !check) return std::nullopt;
  const uint64_t seq = Unmix64(*locator) ^ token_key_;
  if (Mix64(seq ^ token_check_key_) != *check) return std::nullopt;
  return seq;
}

// "pt-", a 16-digit locator, a 16-digit check and an 8-digit second check.
std::string IdGenerator::OtherToken(uint32_t seq) const {
  std::string out;
  out.reserve(43);
  out = "pt-";
  AppendHex(out, Mix64(seq ^ other_token_key_));
  AppendHex(out, Mix64(seq ^ other_check_key_));
  AppendHex(out, Mix64(seq ^ other_check2_key_));
  out.resize(43);  // the second check is the top 32 bits of its mix
  return out;
}

std::optional<uint64_t> IdGenerator::OtherTokenSeq(std::string_view token) const {
  if (token.size() != 43 || token.substr(0, 3) != "pt-") return std::nullopt;
  auto locator = ParseHex16(token.substr(3, 16));
  if (!locator) return std::nullopt;
  const uint64_t seq = Unmix64(*locator) ^ other_token_key_;
  // Compared as text: the whole token must be the one this sequence number gets.
  if (seq > UINT32_MAX || OtherToken(static_cast<uint32_t>(seq)) != token) return std::nullopt;
  return seq;
}

std::string IdGenerator::FaultRuleId(uint64_t n) const {
  return (variant_ == Variant::kOther ? "fault_" : "fault-") + std::to_string(n);
}

std::string IdGenerator::UrlKey() const {
  std::string key;
  for (uint64_t i = 0; i < 4; ++i) AppendHex(key, Mix64(url_key_ + i));
  return key;
}

}  // namespace purchase
