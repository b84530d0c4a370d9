#include "check/scenario_paths.h"

#include <boost/test/unit_test.hpp>

#include "testing/test_support.h"

namespace conformance {
namespace {

const OpenApiSpec& Project() {
  static const auto spec = OpenApiSpec::Parse(ReadTestFile(CONFORMANCE_OPENAPI), "spec/openapi.yaml");
  return *spec;
}

std::vector<std::string> Check(const std::string& yaml) {
  auto r = LoadScenarioText(yaml, "s.yaml");
  BOOST_REQUIRE_MESSAGE(r.errors.empty(), (r.errors.empty() ? std::string() : r.errors[0].ToString()));
  std::vector<std::string> out;
  for (const auto& d : CheckScenarioPaths(r.scenarios[0], Project())) out.push_back(d.ToString());
  return out;
}

BOOST_AUTO_TEST_SUITE(ScenarioPathsTest)

BOOST_AUTO_TEST_CASE(AMisspeltPathIsAnErrorWithASuggestion) {
  const auto d = Check("steps:\n  - request: GET /purchase/infoo?order_id=x\n");
  BOOST_REQUIRE_EQUAL(d.size(), 1u);
  BOOST_TEST(d[0] == "s.yaml:2:5: error: spec/openapi.yaml documents no operation GET /purchase/infoo; did you mean "
                     "/purchase/info? (add `openapi: false` to the step if it is meant to be off the spec)");
}

BOOST_AUTO_TEST_CASE(AVariableStandsForOnePathSegment) {
  BOOST_TEST(Check("vars: {id: x}\nsteps:\n  - request: GET /_control/orders/${id}/history\n").empty());
}

BOOST_AUTO_TEST_CASE(AWrongMethodOnADocumentedPathIsAnError) {
  BOOST_TEST(Check("steps:\n  - request: DELETE /purchase/info\n").size() == 1u);
}

BOOST_AUTO_TEST_CASE(OpenapiFalseAndAbsoluteUrlsAreExempt) {
  BOOST_TEST(Check("steps:\n  - request: GET /nope\n    openapi: false\n    expect: 404\n").empty());
  BOOST_TEST(Check("vars: {u: 'http://x/y'}\nsteps:\n  - request: GET ${u}\n").empty());
}

BOOST_AUTO_TEST_CASE(TheShippedScenariosUseOnlyDocumentedPaths) {
  auto r = LoadScenarios({std::string(CONFORMANCE_SOURCE_DIR) + "/scenarios"});
  BOOST_REQUIRE(r.errors.empty());
  for (const auto& s : r.scenarios)
    for (const auto& d : CheckScenarioPaths(s, Project())) BOOST_ERROR(d.ToString());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace conformance
