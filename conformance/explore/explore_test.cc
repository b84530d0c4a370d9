// The explorer against the reference core itself, in-process: a target that
// is the reference with a defect switched on, so that each test shows the
// explorer finding (or not finding) a rule break without a network.
#include "explore/explore.h"

#include <boost/test/unit_test.hpp>

#include "core/lifecycle.h"
#include "explore/emit.h"
#include "explore/reference_target.h"
#include "scenario/loader.h"
#include "testing/test_support.h"

namespace conformance::explore {
namespace {

const OpenApiSpec& Spec() {
  static const auto spec = OpenApiSpec::Parse(ReadTestFile(CONFORMANCE_OPENAPI), "spec/openapi.yaml");
  return *spec;
}

const std::map<std::string, FixtureRole>& Roles() {
  static const LoadResult roles = LoadFixtureRoles(std::string(CONFORMANCE_SOURCE_DIR) + "/scenarios/_fixtures.yaml");
  return roles.fixture_roles;
}

std::unique_ptr<ReferenceTarget> NewReference(purchase::Defects defects = {},
                                              purchase::Variant variant = purchase::Variant::kReference) {
  ReferenceOptions o;
  o.fixtures_dir = std::string(CONFORMANCE_SOURCE_DIR) + "/fixtures";
  o.defects = defects;
  o.variant = variant;
  return std::make_unique<ReferenceTarget>(o);
}

Side SideOf(const char* name, ReferenceTarget& r, const std::string& base_url) {
  Side s{name, &r, base_url, r.VendorToken(0), r.VendorToken(1), "", {}};
  for (const auto& [role, fixture] : Roles()) s.roles[role] = fixture.default_value;
  return s;
}

GeneratorOptions AllOfIt() {
  GeneratorOptions g;
  g.second_vendor = g.faults = g.history = g.cancel_after = g.item_ids = true;
  g.asset_roles = AssetRoles();
  g.ip_roles = IpRoles();
  return g;
}

// A target (the reference with `defects`) and the oracle, side by side.
struct Bench {
  std::unique_ptr<ReferenceTarget> target, oracle;
  Side target_side, oracle_side;
  Executor executor;
  explicit Bench(purchase::Defects defects = {}, purchase::Variant variant = purchase::Variant::kReference)
      : target(NewReference(defects, variant)),
        oracle(NewReference()),
        target_side(SideOf("target", *target, "http://target.invalid")),
        oracle_side(SideOf("reference", *oracle, ReferenceTarget::kBaseUrl)),
        executor(target_side, oracle_side, Spec(), purchase::Lifecycle::Builtin(), /*strict_reference=*/true) {}

  ExploreResult Explore(int sequences, int max_failures = 0) {
    ExploreOptions o;
    o.sequences = sequences;
    o.budget_seconds = 1e9;
    o.max_failures = max_failures;
    std::ostringstream progress;
    double fake_now = 0;
    return explore::Explore(executor, oracle_side, AllOfIt(), o, [&] { return fake_now += 0.001; }, progress);
  }
};

purchase::Defects With(purchase::Defect d) {
  purchase::Defects defects;
  defects.Enable(d);
  return defects;
}

std::vector<std::string> Descriptions(const std::vector<Command>& commands) {
  std::vector<std::string> out;
  for (const auto& c : commands) out.push_back(Describe(c));
  return out;
}

BOOST_AUTO_TEST_SUITE(ExploreTest)

BOOST_AUTO_TEST_CASE(ASequenceIsAFunctionOfItsSeedAlone) {
  auto model = NewReference();
  const Side side = SideOf("reference", *model, ReferenceTarget::kBaseUrl);
  const auto first = Descriptions(Generate(42, AllOfIt(), side));
  BOOST_TEST(first.size() == 25u);
  BOOST_TEST(Descriptions(Generate(42, AllOfIt(), side)) == first, boost::test_tools::per_element());
  BOOST_TEST(Descriptions(Generate(43, AllOfIt(), side)) != first);
}

BOOST_AUTO_TEST_CASE(TheReferenceAgainstItselfHasNoFailure) {
  Bench bench;
  const ExploreResult r = bench.Explore(200);
  BOOST_TEST(r.sequences == 200);
  BOOST_TEST(r.findings.empty(), (r.findings.empty() ? "" : r.findings.front().mismatch.Message()));
}

BOOST_AUTO_TEST_CASE(TheVariantsOpenChoicesAreNoFailure) {
  // Other ids, tokens and fault ids, other messages, extra members: allowed.
  Bench bench({}, purchase::Variant::kOther);
  const ExploreResult r = bench.Explore(200);
  BOOST_TEST(r.findings.empty(), (r.findings.empty() ? "" : r.findings.front().mismatch.Message()));
}

BOOST_AUTO_TEST_CASE(AReusableTokenIsFoundAndShrunkToValidateRegisterRegister) {
  Bench bench(With(purchase::Defect::kTokenReusable));
  const ExploreResult r = bench.Explore(200, 1);
  BOOST_REQUIRE_EQUAL(r.findings.size(), 1u);
  const Finding& f = r.findings.front();
  BOOST_TEST(f.mismatch.Message() ==
             "register: status: the model expected 422 TOKEN_ALREADY_USED, the target answered 201");
  BOOST_REQUIRE_EQUAL(f.shrunk.size(), 3u);
  BOOST_TEST(KindName(f.shrunk[0].kind) == std::string("validate"));
  BOOST_TEST(KindName(f.shrunk[1].kind) == std::string("register"));
  BOOST_TEST(KindName(f.shrunk[2].kind) == std::string("register"));
  BOOST_TEST(f.shrunk[2].token == f.shrunk[0].id);  // the handle survived the shrinking
  BOOST_TEST(!f.flaky);
}

BOOST_AUTO_TEST_CASE(ALateSettlementIsFound) {
  Bench bench(With(purchase::Defect::kSettlesLate));
  BOOST_TEST(!bench.Explore(300, 1).findings.empty());
}

BOOST_AUTO_TEST_CASE(EveryDeliberateDefectIsFoundOldAndSubtle) {
  // In-process, so bounded by sequences, not seconds: ci/defect_sweep
  // --explore measures the same against purchase-server on a socket.
  for (const auto& defect : purchase::AllDefects()) {
    Bench bench(With(defect.defect));
    const ExploreResult r = bench.Explore(3000, 1);
    BOOST_TEST(!r.findings.empty(), defect.name << " (" << defect.kind << ") was not found in " << r.sequences
                                                << " sequences");
  }
}

BOOST_AUTO_TEST_CASE(TheEmittedScenarioLoadsAndExpectsWhatTheModelAnswered) {
  Bench bench(With(purchase::Defect::kTokenReusable));
  const ExploreResult r = bench.Explore(200, 1);
  BOOST_REQUIRE_EQUAL(r.findings.size(), 1u);
  EmitInfo info;
  info.description = "test";
  const std::string yaml = EmitScenario(r.findings.front().run, info);
  const LoadResult loaded =
      LoadScenarioText(yaml, "found.yaml", {},
                       std::make_pair(std::string("_fixtures.yaml"),
                                      ReadTestFile(std::string(CONFORMANCE_SOURCE_DIR) + "/scenarios/_fixtures.yaml")));
  std::string errors;
  for (const auto& d : loaded.errors) errors += d.ToString() + "\n";
  BOOST_REQUIRE_MESSAGE(loaded.errors.empty(), errors << yaml);
  const Scenario& s = loaded.scenarios.front();
  BOOST_TEST(s.steps.size() == 4u);  // the reset, then the three commands
  BOOST_TEST(s.steps.back().expect.statuses == std::vector<int>{422});
  BOOST_TEST(s.steps.back().expect.error_code.value_or("") == "TOKEN_ALREADY_USED");
}

BOOST_AUTO_TEST_CASE(RenumberingKeepsWhatEachHandleNames) {
  std::vector<Command> commands(3);
  commands[0].id = 4;
  commands[1].id = 9;
  commands[1].kind = CommandKind::kRegister;
  commands[1].token = 4;
  commands[2].id = 12;
  commands[2].order = 9;
  commands[2].url = 7;  // its source was cut away
  Renumber(commands);
  BOOST_TEST(commands[1].id == 2);
  BOOST_TEST(commands[1].token == 1);
  BOOST_TEST(commands[2].order == 2);
  BOOST_TEST(commands[2].url > 3);  // still names nothing
}

BOOST_AUTO_TEST_CASE(ACauseIsTheRuleBrokenNotTheAnswerGiven) {
  Mismatch a, b, c;
  a.kind = b.kind = c.kind = CommandKind::kRegister;
  a.aspect = b.aspect = "status";
  a.expected = b.expected = "422 TOKEN_ALREADY_USED";
  a.actual = "201";
  b.actual = "422 TOKEN_MISMATCH";
  c.aspect = "error code";
  c.expected = "TOKEN_ALREADY_USED";
  c.actual = "\"TOKEN_EXPIRED\"";
  BOOST_TEST(a.Cause() == b.Cause());
  BOOST_TEST(a.Cause() == c.Cause());
  c.expected = "TOKEN_INVALID";
  BOOST_TEST(a.Cause() != c.Cause());
}

// What explore compares of a foreign target is what the contract fixes: an
// instant by value, items or a failure reason that the oracle has, not the
// ones it lacks, and the item id only on our server.
BOOST_AUTO_TEST_CASE(OnlyTheContractDecidesWhatExploreComparesOfAnOrder) {
  Command info;
  info.kind = CommandKind::kInfo;
  HttpResponse ref, tgt;
  ref.status = tgt.status = 202;
  ref.body = R"({"order_id":"a","status":"PROCESSING","quantity":1,"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z"})";
  tgt.body = R"({"order_id":"b","status":"PROCESSING","quantity":1,"created_at":"2026-01-01T00:00:00.000+00:00","updated_at":"2026-01-01T00:00:00Z","items":[{"item_id":"x"}]})";
  Handles none;
  BOOST_TEST(!CompareAnswers(info, ref, tgt, none, none).has_value());
  const auto strict = CompareAnswers(info, ref, tgt, none, none, /*strict_reference=*/true);
  BOOST_REQUIRE(strict.has_value());
  BOOST_TEST(strict->aspect == "/items");
  // A different instant is a difference however it is spelled.
  tgt.body = R"({"order_id":"b","status":"PROCESSING","quantity":1,"created_at":"2026-01-01T01:00:00+01:00","updated_at":"2026-01-01T00:00:01Z"})";
  const auto later = CompareAnswers(info, ref, tgt, none, none);
  BOOST_REQUIRE(later.has_value());
  BOOST_TEST(later->aspect == "/updated_at");
  // Items the oracle has (COMPLETED, "with the items") must be there.
  ref.status = tgt.status = 200;
  ref.body = R"({"order_id":"a","status":"COMPLETED","quantity":1,"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:05Z","items":[{"item_id":"a-1"}]})";
  tgt.body = R"({"order_id":"b","status":"COMPLETED","quantity":1,"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:05Z"})";
  const auto missing = CompareAnswers(info, ref, tgt, none, none);
  BOOST_REQUIRE(missing.has_value());
  BOOST_TEST(missing->aspect == "/items");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace conformance::explore
