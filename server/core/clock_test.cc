// Tests of the server's time format (RFC 3339 UTC) and of ManualClock: the
// exact text of an instant is part of the contract (byte-identical replies),
// and a lenient parser would let a scenario name an instant it did not mean.
#define BOOST_TEST_MODULE clock_test
#include "core/clock.h"

#include <boost/test/unit_test.hpp>

#include <random>

namespace purchase {
namespace {

constexpr Millis kStart = 1767225600000;  // 2026-01-01T00:00:00Z

std::string Parsed(std::string_view text) {
  auto t = ParseRfc3339(text);
  return t ? std::to_string(*t) : "refused";
}

BOOST_AUTO_TEST_SUITE(ClockTest)

BOOST_AUTO_TEST_CASE(FormatOmitsTheFractionOnWholeSeconds) {
  BOOST_TEST(FormatRfc3339(kStart) == "2026-01-01T00:00:00Z");
  BOOST_TEST(FormatRfc3339(kStart + 5000) == "2026-01-01T00:00:05Z");
  BOOST_TEST(FormatRfc3339(0) == "1970-01-01T00:00:00Z");
}

BOOST_AUTO_TEST_CASE(FormatWritesThreeFractionDigitsOnlyWhenMillisAreNotZero) {
  BOOST_TEST(FormatRfc3339(kStart + 1) == "2026-01-01T00:00:00.001Z");
  BOOST_TEST(FormatRfc3339(kStart + 50) == "2026-01-01T00:00:00.050Z");
  BOOST_TEST(FormatRfc3339(kStart + 999) == "2026-01-01T00:00:00.999Z");
  BOOST_TEST(FormatRfc3339(kStart + 15 * 60 * 1000 - 1) == "2026-01-01T00:14:59.999Z");
}

BOOST_AUTO_TEST_CASE(FormatHandlesInstantsBeforeTheEpoch) {
  BOOST_TEST(FormatRfc3339(-1) == "1969-12-31T23:59:59.999Z");
  BOOST_TEST(FormatRfc3339(-86400000) == "1969-12-31T00:00:00Z");
}

BOOST_AUTO_TEST_CASE(FormatAndParseRoundTripOverManyInstants) {
  std::mt19937_64 rng(42);
  // Year 0000 to 9999, the range both functions share.
  std::uniform_int_distribution<Millis> any(-62167219200000, 253402300799999);
  for (int i = 0; i < 20000; ++i) {
    const Millis t = any(rng);
    const auto back = ParseRfc3339(FormatRfc3339(t));
    BOOST_REQUIRE_MESSAGE(back.has_value(), FormatRfc3339(t) << " was refused");
    BOOST_REQUIRE_MESSAGE(*back == t, FormatRfc3339(t) << " came back as " << *back << ", not " << t);
  }
  // Every day of a leap cycle around 2000 (a leap century) and 2100 (not one).
  for (Millis day = 0; day < 4 * 366; ++day) {
    for (Millis base : {Millis{946684800000}, Millis{4102444800000} - Millis{2 * 366} * 86400000}) {
      const Millis t = base + day * 86400000 + 43199999;
      BOOST_REQUIRE_EQUAL(ParseRfc3339(FormatRfc3339(t)).value_or(-1), t);
    }
  }
}

BOOST_AUTO_TEST_CASE(ParseReadsEdgeDates) {
  BOOST_TEST(Parsed("1970-01-01T00:00:00Z") == "0");
  BOOST_TEST(Parsed("2026-01-01T00:00:00Z") == std::to_string(kStart));
  BOOST_TEST(Parsed("2000-02-29T00:00:00Z") == "951782400000");  // divisible by 400: leap
  BOOST_TEST(Parsed("2024-02-29T12:00:00Z") != "refused");
  BOOST_TEST(Parsed("9999-12-31T23:59:59.999Z") == "253402300799999");
  BOOST_TEST(Parsed("0000-01-01T00:00:00Z") == "-62167219200000");
  BOOST_TEST(FormatRfc3339(253402300799999) == "9999-12-31T23:59:59.999Z");
  BOOST_TEST(FormatRfc3339(-62167219200000) == "0000-01-01T00:00:00Z");
  for (const char* last_day : {"2026-01-31", "2026-03-31", "2026-04-30", "2026-06-30", "2026-09-30",
                               "2026-11-30", "2026-12-31", "2026-02-28"})
    BOOST_TEST(Parsed(std::string(last_day) + "T23:59:59Z") != "refused", last_day);
}

BOOST_AUTO_TEST_CASE(ParseAppliesOffsetsAndFractions) {
  BOOST_TEST(Parsed("2026-01-01T01:00:00+01:00") == std::to_string(kStart));
  BOOST_TEST(Parsed("2025-12-31T18:30:00-05:30") == std::to_string(kStart));
  BOOST_TEST(Parsed("2026-01-01T00:00:00-00:00") == std::to_string(kStart));
  BOOST_TEST(Parsed("2026-01-01T00:00:00.5Z") == std::to_string(kStart + 500));
  BOOST_TEST(Parsed("2026-01-01T00:00:00.007Z") == std::to_string(kStart + 7));
  BOOST_TEST(Parsed("2026-01-01T00:00:00.123456Z") == std::to_string(kStart + 123));  // below a ms: dropped
}

BOOST_AUTO_TEST_CASE(ParseRefusesAnythingButRfc3339) {
  for (const char* bad : {
           "",
           "2026-01-01",                    // no time
           "2026-01-01T00:00:00",           // no zone
           "2026-01-01 00:00:00Z",          // space instead of T
           "2026-1-01T00:00:00Z",           // one-digit month
           "26-01-01T00:00:00Z",            // two-digit year
           "2026-13-01T00:00:00Z",          // month 13
           "2026-00-10T00:00:00Z",          // month 0
           "2026-01-00T00:00:00Z",          // day 0
           "2026-01-32T00:00:00Z",          // day 32
           "2026-04-31T00:00:00Z",          // April has 30 days
           "2023-02-29T00:00:00Z",          // not a leap year
           "1900-02-29T00:00:00Z",          // divisible by 100, not by 400
           "2100-02-29T00:00:00Z",
           "2026-01-01T24:00:00Z",          // hour 24
           "2026-01-01T00:60:00Z",          // minute 60
           "2026-01-01T23:59:60Z",          // leap second
           "2026-01-01T00:00:00.Z",         // empty fraction
           "2026-01-01T00:00:00,5Z",        // comma fraction
           "2026-01-01T00:00:00ZZ",         // trailing text
           "2026-01-01T00:00:00Z ",         // trailing space
           " 2026-01-01T00:00:00Z",         // leading space
           "2026-01-01T00:00:00+0100",      // offset without colon
           "2026-01-01T00:00:00+01",        // offset without minutes
           "2026-01-01T00:00:00+24:00",     // offset hour 24
           "2026-01-01T00:00:00+01:60",     // offset minute 60
           "2026-01-01T00:00:00UTC",        // zone name
           "+2026-01-01T00:00:00Z",         // signed year
           "2026-01-01T00:00Z",             // no seconds
           "1767225600",                    // a Unix time
       })
    BOOST_TEST(Parsed(bad) == "refused", "'" << bad << "'");
}

BOOST_AUTO_TEST_CASE(ManualClockMovesOnlyWhenSet) {
  ManualClock clock(kStart);
  BOOST_TEST(clock.IsManual());
  BOOST_TEST(clock.Now() == kStart);
  BOOST_TEST(clock.Now() == kStart);
  clock.Set(kStart + 5000);
  BOOST_TEST(clock.Now() == kStart + 5000);
  BOOST_TEST(clock.start() == kStart);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace purchase
