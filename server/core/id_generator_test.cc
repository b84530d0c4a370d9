// Tests of the deterministic ids: the core finds an order from its id by
// inverting the mix (no index is stored), so Unmix64 must invert Mix64 for
// every value, and a token that was altered in any way must not be mistaken
// for one that was issued.
#define BOOST_TEST_MODULE id_generator_test
#include "core/id_generator.h"

#include <boost/test/unit_test.hpp>

#include <random>
#include <regex>
#include <set>

namespace purchase {
namespace {

BOOST_AUTO_TEST_SUITE(IdGeneratorTest)

BOOST_AUTO_TEST_CASE(Mix64IsSplitMix64) {
  // The first two outputs of SplitMix64 seeded with 0 (the published reference
  // values): the ids are only as well spread as this function is right.
  BOOST_TEST(Mix64(0x9e3779b97f4a7c15ULL) == 0xe220a8397b1dcdafULL);
  BOOST_TEST(Mix64(0x9e3779b97f4a7c15ULL * 2) == 0x6e789e6aa1b965f4ULL);
  BOOST_TEST(Mix64(0) == 0u);
}

BOOST_AUTO_TEST_CASE(Unmix64InvertsMix64OverManyValues) {
  std::vector<uint64_t> values = {0, 1, 2, 3, ~uint64_t{0}, ~uint64_t{0} - 1, uint64_t{1} << 63, 0x8000000000000001ULL,
                                  0x5555555555555555ULL, 0xaaaaaaaaaaaaaaaaULL};
  for (int bit = 0; bit < 64; ++bit) values.push_back(uint64_t{1} << bit);
  std::mt19937_64 rng(7);
  for (int i = 0; i < 200000; ++i) values.push_back(rng());
  for (uint64_t v : values) {
    BOOST_REQUIRE_MESSAGE(Unmix64(Mix64(v)) == v, "Unmix64(Mix64(" << v << ")) != " << v);
    BOOST_REQUIRE_MESSAGE(Mix64(Unmix64(v)) == v, "Mix64(Unmix64(" << v << ")) != " << v);
  }
}

BOOST_AUTO_TEST_CASE(OrderIdsAreDistinctLowercaseHexAndDecodeToTheirSequence) {
  const IdGenerator ids(1);
  const std::regex shape("ord_[0-9a-f]{16}");
  std::set<std::string> seen;
  for (uint32_t seq : {0u, 1u, 2u, 1000u, 65535u, 4294967295u}) {
    const std::string id = ids.OrderId(seq);
    BOOST_TEST(std::regex_match(id, shape), id);
    BOOST_TEST(ids.OrderSeq(id).value_or(~uint64_t{0}) == seq);
    seen.insert(id);
  }
  for (uint32_t seq = 0; seq < 10000; ++seq) {
    BOOST_REQUIRE_EQUAL(ids.OrderSeq(ids.OrderId(seq)).value_or(~uint64_t{0}), seq);
    seen.insert(ids.OrderId(seq));
  }
  BOOST_TEST(seen.size() == 10000u + 2u);  // 65535 and 4294967295 are the two not in 0..9999
}

BOOST_AUTO_TEST_CASE(OrderSeqRefusesWhatIsNotAnOrderId) {
  const IdGenerator ids(1);
  const std::string id = ids.OrderId(0);
  std::string upper = id;
  for (size_t i = 4; i < upper.size(); ++i)
    if (upper[i] >= 'a' && upper[i] <= 'f') upper[i] = static_cast<char>(upper[i] - 'a' + 'A');
  if (upper != id) BOOST_TEST(!ids.OrderSeq(upper).has_value());
  BOOST_TEST(!ids.OrderSeq("ORD_" + id.substr(4)).has_value());
  BOOST_TEST(!ids.OrderSeq(id.substr(0, 19)).has_value());
  BOOST_TEST(!ids.OrderSeq(id + "0").has_value());
  BOOST_TEST(!ids.OrderSeq("ord_").has_value());
  BOOST_TEST(!ids.OrderSeq("").has_value());
  BOOST_TEST(!ids.OrderSeq("ord_0123456789abcdeg").has_value());
  BOOST_TEST(!ids.OrderSeq("tok_" + id.substr(4)).has_value());
}

BOOST_AUTO_TEST_CASE(TokensDecodeToTheirSequence) {
  const IdGenerator ids(1);
  const std::regex shape("tok_[0-9a-f]{32}");
  std::set<std::string> seen;
  for (uint32_t seq = 0; seq < 5000; ++seq) {
    const std::string token = ids.Token(seq);
    BOOST_REQUIRE(std::regex_match(token, shape));
    BOOST_REQUIRE_EQUAL(ids.TokenSeq(token).value_or(~uint64_t{0}), seq);
    seen.insert(token);
  }
  BOOST_TEST(seen.size() == 5000u);
}

BOOST_AUTO_TEST_CASE(ATamperedTokenIsRefused) {
  const IdGenerator ids(1);
  for (uint32_t seq : {0u, 1u, 77u}) {
    const std::string token = ids.Token(seq);
    // Every single hex digit changed to every other value: locator or check half.
    for (size_t pos = 4; pos < token.size(); ++pos) {
      for (char c : std::string("0123456789abcdef")) {
        if (c == token[pos]) continue;
        std::string tampered = token;
        tampered[pos] = c;
        BOOST_REQUIRE_MESSAGE(!ids.TokenSeq(tampered).has_value(), tampered << " was accepted");
      }
    }
    // The two halves swapped: the check is symmetric under the swap, so this
    // decodes, but never to a sequence number an issued token can have (they
    // are 32-bit); the service refuses it by range (RegisterRejectsAnUnknownTokenAsInvalid).
    const auto swapped = ids.TokenSeq("tok_" + token.substr(20) + token.substr(4, 16));
    BOOST_TEST((!swapped || *swapped > UINT32_MAX), "swapped halves decode to " << swapped.value_or(0));
    // The check half of another token, case and length changes.
    BOOST_TEST(!ids.TokenSeq(token.substr(0, 20) + ids.Token(seq + 1).substr(20)).has_value());
    std::string upper = token;
    for (size_t i = 4; i < upper.size(); ++i)
      if (upper[i] >= 'a' && upper[i] <= 'f') upper[i] = static_cast<char>(upper[i] - 'a' + 'A');
    if (upper != token) BOOST_TEST(!ids.TokenSeq(upper).has_value());
    BOOST_TEST(!ids.TokenSeq(token.substr(0, 35)).has_value());
    BOOST_TEST(!ids.TokenSeq(token + "0").has_value());
    BOOST_TEST(!ids.TokenSeq("TOK_" + token.substr(4)).has_value());
  }
}

BOOST_AUTO_TEST_CASE(AnotherSeedsTokenIsRefused) {
  const IdGenerator ids(1), other(2);
  for (uint32_t seq = 0; seq < 1000; ++seq) BOOST_REQUIRE(!ids.TokenSeq(other.Token(seq)).has_value());
}

BOOST_AUTO_TEST_CASE(TheSameSeedGivesTheSameIdsAndAnotherSeedOthers) {
  const IdGenerator a(1), b(1), c(2);
  BOOST_TEST(a.OrderId(0) == b.OrderId(0));
  BOOST_TEST(a.Token(3) == b.Token(3));
  BOOST_TEST(a.UrlKey() == b.UrlKey());
  BOOST_TEST(a.OrderId(0) != c.OrderId(0));
  BOOST_TEST(a.Token(3) != c.Token(3));
  BOOST_TEST(a.UrlKey() != c.UrlKey());
  BOOST_TEST(a.UrlKey().size() == 64u);
  // Order ids and tokens come from independent streams.
  BOOST_TEST(a.OrderId(0).substr(4) != a.Token(0).substr(4, 16));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace purchase
