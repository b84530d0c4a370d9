// The race checker: answers recorded from the reference core itself, some
// then altered into histories no order of the requests can explain.
#include "explore/concurrent.h"

#include <boost/test/unit_test.hpp>

#include "explore/reference_target.h"
#include "scenario/loader.h"
#include "testing/test_support.h"

namespace conformance::explore {
namespace {

std::unique_ptr<ReferenceTarget> NewReference() {
  ReferenceOptions o;
  o.fixtures_dir = std::string(CONFORMANCE_SOURCE_DIR) + "/fixtures";
  return std::make_unique<ReferenceTarget>(o);
}

Side SideOf(ReferenceTarget& r) {
  Side s{"reference", &r, ReferenceTarget::kBaseUrl, r.VendorToken(0), r.VendorToken(1), "", {}};
  const LoadResult roles = LoadFixtureRoles(std::string(CONFORMANCE_SOURCE_DIR) + "/scenarios/_fixtures.yaml");
  for (const auto& [role, fixture] : roles.fixture_roles) s.roles[role] = fixture.default_value;
  return s;
}

Command Validate(int id) {
  Command c;
  c.id = id;
  c.kind = CommandKind::kValidate;
  c.asset_role = "asset_basic";
  c.ip_role = "ip_us";
  return c;
}

Command Register(int id, int token, int vendor_order) {
  Command c;
  c.id = id;
  c.kind = CommandKind::kRegister;
  c.token = token;
  c.asset_role = "asset_basic";
  c.vendor_order = vendor_order;
  return c;
}

// Two registers of one token, answered by the reference one after the other:
// a 201, then 422 TOKEN_ALREADY_USED.
struct OneTokenRace {
  std::unique_ptr<ReferenceTarget> target = NewReference(), oracle = NewReference();
  Side target_side = SideOf(*target), oracle_side = SideOf(*oracle);
  std::vector<Command> prefix = {Validate(1)};
  Handles after_prefix;
  TimedAnswer first, second;

  OneTokenRace() {
    ResetSide(target_side);
    Absorb(prefix[0], target->Send(*BuildRequest(prefix[0], target_side, after_prefix)), after_prefix);
    Handles h = after_prefix;
    first = Answer(0, Register(2, 1, 100), h);
    second = Answer(1, Register(3, 1, 101), h);
  }
  TimedAnswer Answer(int client, const Command& c, Handles& h) {
    TimedAnswer a;
    a.client = client;
    a.command = c;
    a.response = target->Send(*BuildRequest(c, target_side, h));
    Absorb(c, a.response, h);
    return a;
  }
  ConcurrentResult Check(std::vector<TimedAnswer> answers, SearchLimits limits = {}) {
    double now = 0;
    return Linearize(prefix, after_prefix, std::move(answers), oracle_side, limits, [&] { return now += 1e-6; });
  }
};

void Overlap(TimedAnswer& a, TimedAnswer& b) {
  a.sent = b.sent = 1;
  a.answered = b.answered = 2;
}

BOOST_AUTO_TEST_SUITE(ConcurrentTest)

BOOST_AUTO_TEST_CASE(OverlappingRegistersOfOneTokenMayEachBeTheOneThatWon) {
  OneTokenRace race;
  BOOST_REQUIRE_EQUAL(race.first.response.status, 201);
  BOOST_REQUIRE_EQUAL(race.second.response.status, 422);
  Overlap(race.first, race.second);
  // Listed the other way round: the search must still find the order.
  const ConcurrentResult r = race.Check({race.second, race.first});
  BOOST_TEST(VerdictName(r.verdict) == std::string("linearizable"), r.explanation);
}

BOOST_AUTO_TEST_CASE(TwoOrdersFromOneTokenAreNotLinearizable) {
  OneTokenRace race;
  TimedAnswer twin = race.second;
  twin.response = race.first.response;  // a second 201 (the same order body: already a mismatch of handles)
  Overlap(race.first, twin);
  const ConcurrentResult r = race.Check({race.first, twin});
  BOOST_TEST(VerdictName(r.verdict) == std::string("not linearizable"), r.explanation);
  BOOST_TEST(r.explanation.find("no order of the 2 requests") != std::string::npos, r.explanation);
}

BOOST_AUTO_TEST_CASE(RealTimeOrderIsKept) {
  // The refused register was answered before the winning one was sent: no
  // order that keeps real time explains it.
  OneTokenRace race;
  race.second.sent = 1;
  race.second.answered = 2;
  race.first.sent = 3;
  race.first.answered = 4;
  const ConcurrentResult r = race.Check({race.first, race.second});
  BOOST_TEST(VerdictName(r.verdict) == std::string("not linearizable"), r.explanation);
}

BOOST_AUTO_TEST_CASE(ASearchThatRunsOutIsUnknownNeverAPass) {
  OneTokenRace race;
  Overlap(race.first, race.second);
  SearchLimits none;
  none.max_nodes = 0;
  BOOST_TEST(VerdictName(race.Check({race.second, race.first}, none).verdict) == std::string("unknown"));
}

BOOST_AUTO_TEST_CASE(ACaseIsAFunctionOfItsSeed) {
  GeneratorOptions g;
  g.ip_roles = {"ip_us"};
  for (uint64_t seed = 1; seed < 20; ++seed) {
    const ConcurrentCase a = GenerateConcurrentCase(seed, g), b = GenerateConcurrentCase(seed, g);
    BOOST_TEST(a.pattern == b.pattern);
    BOOST_TEST(a.clients.size() == b.clients.size());
    BOOST_TEST((a.clients.size() >= 2 && a.clients.size() <= 3));
    for (const auto& client : a.clients) BOOST_TEST(client.size() <= 5u);
  }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace conformance::explore
