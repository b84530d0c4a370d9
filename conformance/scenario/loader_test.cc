#include "scenario/loader.h"

#include <filesystem>

#include <boost/test/unit_test.hpp>

#include "scenario/template.h"
#include "testing/test_support.h"

namespace conformance {
namespace {

std::string Errors(const LoadResult& r) {
  std::string out;
  for (const auto& d : r.errors) out += d.ToString() + "\n";
  return out;
}

const char kShared[] = R"(
register:
  params: {vendor_order_id: ~, asset_id: asset-basic}
  steps:
    - request: POST /purchase/register
      body: {asset_id: "${asset_id}", vendor_order_id: "${vendor_order_id}"}
      expect: 201
      capture: {order_id: /order_id}
)";

BOOST_AUTO_TEST_SUITE(LoaderTest)

const std::pair<std::string, std::string> kRoles = {
    "_fixtures.yaml", "asset_basic: {default: asset-basic, role: an asset that completes}\n"};

BOOST_AUTO_TEST_CASE(AScenarioNotesTheFixtureRolesItNamesIncludedSequencesToo) {
  auto r = LoadScenarioText("steps:\n  - include: register\n    with: {vendor_order_id: v}\n", "s.yaml",
                            {{"_shared/p.yaml", "register:\n  params: {vendor_order_id: ~, asset_id: \"${asset_basic}\"}\n"
                                                "  steps:\n    - request: POST /a\n      body: {a: \"${asset_id}\"}\n"}},
                            kRoles);
  BOOST_REQUIRE_MESSAGE(r.errors.empty(), Errors(r));
  BOOST_TEST(r.scenarios.at(0).fixture_roles == std::vector<std::string>{"asset_basic"});
  BOOST_TEST(r.fixture_roles.at("asset_basic").default_value == "asset-basic");
}

BOOST_AUTO_TEST_CASE(AFixtureRoleCannotBeAssignedByAScenario) {
  auto r = LoadScenarioText("vars: {asset_basic: x}\nsteps:\n  - request: GET /a\n", "s.yaml", {}, kRoles);
  BOOST_TEST(Errors(r) == "s.yaml:1:8: error: 'asset_basic' is a fixture role (_fixtures.yaml:1:1) and cannot be "
                          "assigned; a target sets it with --var or --target-file\n");
}

BOOST_AUTO_TEST_CASE(AFixtureRoleNeedsADefaultAndADescription) {
  auto r = LoadScenarioText("steps:\n  - request: GET /a\n", "s.yaml", {},
                            std::make_pair(std::string("_fixtures.yaml"), std::string("asset_basic: {default: a}\n")));
  BOOST_TEST(Errors(r) == "_fixtures.yaml:1:14: error: fixture role 'asset_basic' needs 'default' (our fixtures' "
                          "value) and 'role' (what it is)\n");
}

BOOST_AUTO_TEST_CASE(AHeaderValueMayBeRepeatedTextLikeARawBody) {
  auto r = LoadScenarioText("steps:\n  - request: GET /a\n    headers: {X-Pad: {repeat: ab, times: 3}}\n"
                            "    raw_body: {repeat: x, times: 2}\n",
                            "s.yaml");
  BOOST_REQUIRE_MESSAGE(r.errors.empty(), Errors(r));
  const auto& request = r.scenarios.at(0).steps.at(0).request;
  BOOST_TEST(request.headers.at(0).second == "ababab");
  BOOST_TEST(*request.raw_body == "xx");
  auto bad = LoadScenarioText("steps:\n  - request: GET /a\n    headers: {X-Pad: {repeat: ab}}\n", "s.yaml");
  BOOST_TEST(Errors(bad) == "s.yaml:3:22: error: a header value as a map is {repeat: TEXT, times: N}\n");
}

BOOST_AUTO_TEST_CASE(ABodySizedByALimitRoleIsBuiltWhenSentAndNamesTheRole) {
  const std::pair<std::string, std::string> roles = {
      "_fixtures.yaml", "body_limit: {default: \"65536\", limit: true, role: the largest body the target reads}\n"};
  auto r = LoadScenarioText(
      "steps:\n  - request: POST /a\n    raw_body: {repeat: x, times: \"${body_limit}\", plus: 1}\n    expect: 413\n",
      "s.yaml", {}, roles);
  BOOST_REQUIRE_MESSAGE(r.errors.empty(), Errors(r));
  const auto& sized = r.scenarios.at(0).steps.at(0).request.sized_body;
  BOOST_REQUIRE(sized.has_value());
  BOOST_TEST(sized->times == "${body_limit}");
  BOOST_TEST(sized->plus == 1);
  BOOST_TEST(r.scenarios.at(0).fixture_roles == std::vector<std::string>{"body_limit"});
  BOOST_TEST(r.fixture_roles.at("body_limit").limit);
  std::string error;
  BOOST_TEST(SizedBodyText(*sized, "4", &error).value_or("?") == "xxxxx");
  // A role's value comes from a target file: anything else is refused, named.
  BOOST_TEST(!SizedBodyText(*sized, "a lot", &error));
  BOOST_TEST(error.find("'a lot'") != std::string::npos);
  BOOST_TEST(!SizedBodyText(*sized, "999999999999", &error));
  auto bad = LoadScenarioText("steps:\n  - request: POST /a\n    raw_body: {repeat: x, times: \"${body_limit}\", plus: many}\n",
                              "s.yaml", {}, roles);
  BOOST_TEST(!bad.errors.empty());
}

BOOST_AUTO_TEST_CASE(LoaderRejectsDuplicateKeys) {
  auto r = LoadScenarioText("steps:\n  - request: GET /a\n    expect: 200\n    expect: 201\n", "s.yaml");
  BOOST_TEST(Errors(r) == "s.yaml:4:5: error: duplicate key 'expect' in request step (first at line 3)\n");
}

BOOST_AUTO_TEST_CASE(LoaderSuggestsTheClosestKeyForATypo) {
  auto r = LoadScenarioText("steps:\n  - request: GET /a\n    expect: {stauts: 200}\n", "s.yaml");
  BOOST_TEST(Errors(r) == "s.yaml:3:14: error: unknown key 'stauts' in expect; did you mean 'status'?\n");
}

BOOST_AUTO_TEST_CASE(LoaderRejectsAVariableUsedBeforeItIsDefined) {
  auto r = LoadScenarioText(
      "steps:\n  - request: GET /purchase/info?order_id=${order_id}\n  - request: POST /x\n    capture: {order_id: /order_id}\n",
      "s.yaml");
  BOOST_TEST(Errors(r) == "s.yaml:2:14: error: undefined variable 'order_id' (define it in vars:, capture it, or pass it with with:)\n");
}

BOOST_AUTO_TEST_CASE(LoaderReportsYamlSyntaxErrorsWithLineAndColumn) {
  auto r = LoadScenarioText("steps:\n  - request: [GET\n", "s.yaml");
  BOOST_REQUIRE_EQUAL(r.errors.size(), 1u);
  BOOST_TEST(r.errors[0].where.line == 3);
}

BOOST_AUTO_TEST_CASE(QuotedNumbersStayStringsAndPlainOnesAreNumbers) {
  auto r = LoadScenarioText("steps:\n  - request: POST /a\n    body: {a: 1, b: \"1\", c: 1.5, d: true, e: ~, f: 203.0.113.7}\n", "s.yaml");
  BOOST_REQUIRE_MESSAGE(r.errors.empty(), Errors(r));
  const auto& members = r.scenarios[0].steps[0].request.body->members;
  BOOST_TEST((members[0].second.kind == TemplateValue::Kind::kNumber));
  BOOST_TEST((members[1].second.kind == TemplateValue::Kind::kString));
  BOOST_TEST((members[2].second.kind == TemplateValue::Kind::kNumber));
  BOOST_TEST((members[3].second.kind == TemplateValue::Kind::kBool));
  BOOST_TEST((members[4].second.kind == TemplateValue::Kind::kNull));
  BOOST_TEST((members[5].second.kind == TemplateValue::Kind::kString));
}

BOOST_AUTO_TEST_CASE(IncludeExpandsTheSequenceWithItsParameters) {
  auto r = LoadScenarioText(
      "steps:\n  - include: register\n    with: {vendor_order_id: v-1}\n  - request: GET /purchase/info?order_id=${order_id}\n",
      "s.yaml", {{"_shared/seq.yaml", kShared}});
  BOOST_REQUIRE_MESSAGE(r.errors.empty(), Errors(r));
  const Scenario& s = r.scenarios[0];
  BOOST_REQUIRE_EQUAL(s.steps.size(), 3u);  // set parameters, register, info
  BOOST_TEST((s.steps[0].kind == Step::Kind::kSet));
  BOOST_REQUIRE_EQUAL(s.steps[0].assignments.size(), 2u);  // the given one and the default
  BOOST_TEST(s.steps[1].where.file == "_shared/seq.yaml");
  BOOST_REQUIRE_EQUAL(s.steps[1].included_from.size(), 1u);
  BOOST_TEST(s.steps[1].included_from[0].ToString() == "s.yaml:2:5");
}

BOOST_AUTO_TEST_CASE(IncludeWithoutARequiredParameterIsAnError) {
  auto r = LoadScenarioText("steps:\n  - include: register\n", "s.yaml", {{"_shared/seq.yaml", kShared}});
  BOOST_TEST(Errors(r) ==
             "s.yaml:2:5: error: sequence 'register' needs parameter 'vendor_order_id' (with: {vendor_order_id: ...})\n");
}

BOOST_AUTO_TEST_CASE(IncludeOfAnUnknownSequenceSuggestsTheClosest) {
  auto r = LoadScenarioText("steps:\n  - include: registr\n", "s.yaml", {{"_shared/seq.yaml", kShared}});
  BOOST_TEST(Errors(r) == "s.yaml:2:14: error: unknown sequence 'registr'; did you mean 'register'?\n");
}

BOOST_AUTO_TEST_CASE(ControlStepsImplyCapabilitiesAndRunningAlone) {
  auto r = LoadScenarioText("steps:\n  - control: reset\n  - control: {advance: 5}\n  - control: {add_fault: {match: {}, effect: {status: 503}}}\n", "s.yaml");
  BOOST_REQUIRE_MESSAGE(r.errors.empty(), Errors(r));
  const Scenario& s = r.scenarios[0];
  BOOST_TEST(s.requires_caps == (std::vector<std::string>{"clock", "faults", "reset"}), boost::test_tools::per_element());
  BOOST_TEST(s.exclusive);
  BOOST_TEST(s.adds_faults);
  BOOST_TEST(s.steps[1].request.target == "/_control/clock/advance");
}

BOOST_AUTO_TEST_CASE(UsingTheSecondVendorRequiresIt) {
  auto r = LoadScenarioText("steps:\n  - request: GET /a\n    auth: vendor_b\n", "s.yaml");
  BOOST_REQUIRE_MESSAGE(r.errors.empty(), Errors(r));
  BOOST_TEST(r.scenarios[0].requires_caps == (std::vector<std::string>{kSecondVendorCapability}),
             boost::test_tools::per_element());
  BOOST_TEST(!r.scenarios[0].exclusive);
}

BOOST_AUTO_TEST_CASE(AMapUsedAsAValueMustBeAMatcher) {
  auto r = LoadScenarioText("steps:\n  - request: GET /a\n    expect:\n      body:\n        /error: {code: X}\n", "s.yaml");
  BOOST_REQUIRE_EQUAL(r.errors.size(), 1u);
  BOOST_TEST(r.errors[0].message.find("{equals: {...}}") != std::string::npos);
}

// Golden files: each bad scenario in testdata/bad_scenarios/ sits beside the
// exact diagnostics it must produce (.expected). Paths are relative to
// testdata/, the tests' working directory.
BOOST_AUTO_TEST_CASE(BadScenarioFilesProduceTheirExactDiagnostics) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(CONFORMANCE_TESTDATA) / "bad_scenarios";
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.path().extension() == ".yaml" && e.path().parent_path().filename() != "_shared") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  BOOST_REQUIRE(files.size() >= 5);
  for (const auto& f : files) {
    const std::string relative = fs::relative(f, CONFORMANCE_TESTDATA).generic_string();
    fs::current_path(CONFORMANCE_TESTDATA);
    const std::string actual = Errors(LoadScenarios({relative}));
    fs::path expected_path = f;
    expected_path.replace_extension(".expected");
    if (std::getenv("CONFORMANCE_UPDATE_GOLDEN")) std::ofstream(expected_path) << actual;
    BOOST_TEST(actual == ReadTestFile(expected_path.string()), "golden " << relative);
  }
}

BOOST_AUTO_TEST_CASE(TheShippedScenariosAreValid) {
  auto r = LoadScenarios({std::string(CONFORMANCE_SOURCE_DIR) + "/scenarios"});
  BOOST_TEST(Errors(r) == "");
  BOOST_TEST(r.scenarios.size() >= 5u);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace conformance
