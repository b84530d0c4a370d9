#include "coverage/coverage.h"

#include <algorithm>

#include <boost/test/unit_test.hpp>

#include "core/lifecycle.h"
#include "scenario/loader.h"
#include "testing/test_support.h"

namespace conformance {
namespace {

const OpenApiSpec& Project() {
  // Both layers, as `conformance coverage` reads them.
  static const auto spec = OpenApiSpec::Parse(ReadTestFile(CONFORMANCE_OPENAPI), "spec/openapi.yaml",
                                              purchase::SpecLayer::kReference);
  return *spec;
}

CoverageReport Analyze(const std::string& yaml, const std::vector<UnreachableRule>& unreachable = {}) {
  auto r = LoadScenarioText(yaml, "s.yaml");
  BOOST_REQUIRE_MESSAGE(r.errors.empty(), (r.errors.empty() ? std::string() : r.errors[0].ToString()));
  return AnalyzeCoverage(r.scenarios, Project(), purchase::Lifecycle::Builtin(), unreachable);
}

// The ids of the rules the scenario checks.
std::vector<std::string> Covered(const CoverageReport& report) {
  std::vector<std::string> out;
  for (const auto& r : report.rules)
    if (!r.scenarios.empty()) out.push_back(r.id);
  return out;
}

bool Has(const std::vector<std::string>& v, const std::string& x) { return std::find(v.begin(), v.end(), x) != v.end(); }

const char kRegister[] =
    "  - request: POST /purchase/register\n"
    "    body: {token: t, asset_id: asset-basic, quantity: 1, vendor_order_id: \"v-${run_id}\"}\n"
    "    expect: 201\n"
    "    capture: {order_id: /order_id}\n";

BOOST_AUTO_TEST_SUITE(CoverageTest)

BOOST_AUTO_TEST_CASE(EveryStatusAndCodeOfTheSpecIsARule) {
  const auto report = Analyze("steps:\n  - request: GET /purchase/info?order_id=x\n");
  std::vector<std::string> ids;
  for (const auto& r : report.rules) ids.push_back(r.id);
  BOOST_TEST(Has(ids, "POST /purchase/register 422 TOKEN_MISMATCH"));
  BOOST_TEST(Has(ids, "POST /purchase/register 201"));
  BOOST_TEST(Has(ids, "GET /purchase/info default INJECTED_FAULT"));
  BOOST_TEST(Has(ids, "DELETE /_control/faults/{id} 404 FAULT_NOT_FOUND"));
  BOOST_TEST(Has(ids, "lifecycle PROCESSING -> COMPLETED (fulfillment_succeeded)"));
  BOOST_TEST(Has(ids, "lifecycle CANCELED -> CANCELED (vendor_cancel, idempotent)"));
  BOOST_TEST(Has(ids, "lifecycle forbidden CANCELED -> COMPLETED"));
  BOOST_TEST(!Has(ids, "lifecycle forbidden PROCESSING -> COMPLETED"));
}

BOOST_AUTO_TEST_CASE(AStepChecksARuleOnlyWhenItExpectsThatStatusAndCode) {
  const auto covered = Covered(Analyze(
      "steps:\n"
      "  - {request: POST /purchase/register, body: {}, expect: {status: 422, error: TOKEN_EXPIRED}}\n"
      "  - {request: POST /purchase/register, body: {}, expect: {status: 409}}\n"
      "  - {request: 'GET /purchase/info?order_id=x', expect: {status: [200, 502]}}\n"
      "  - {request: POST /purchase/validate-purchase-before-payment, body: {}}\n"));
  BOOST_TEST(covered == std::vector<std::string>{"POST /purchase/register 422 TOKEN_EXPIRED"},
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(ABodyErrorCodeCountsLikeTheErrorShorthand) {
  const auto covered = Covered(Analyze(
      "steps:\n  - {request: 'GET /purchase/info?order_id=x', expect: {status: 404, body: {/error/code: ORDER_NOT_FOUND}}}\n"));
  BOOST_TEST(Has(covered, "GET /purchase/info 404 ORDER_NOT_FOUND"));
}

BOOST_AUTO_TEST_CASE(A405ChecksEveryOperationOfItsPath) {
  const auto covered =
      Covered(Analyze("steps:\n  - {request: PUT /_control/faults, expect: {status: 405, error: METHOD_NOT_ALLOWED}}\n"));
  BOOST_TEST(covered.size() == 3u);
  BOOST_TEST(Has(covered, "GET /_control/faults 405 METHOD_NOT_ALLOWED"));
  BOOST_TEST(Has(covered, "POST /_control/faults 405 METHOD_NOT_ALLOWED"));
  BOOST_TEST(Has(covered, "DELETE /_control/faults 405 METHOD_NOT_ALLOWED"));
}

BOOST_AUTO_TEST_CASE(AnUndocumentedStatusChecksTheDefaultResponse) {
  const auto covered =
      Covered(Analyze("steps:\n  - {request: 'GET /purchase/info?order_id=x', expect: {status: 418, error: INJECTED_FAULT}}\n"));
  BOOST_TEST(covered == std::vector<std::string>{"GET /purchase/info default INJECTED_FAULT"},
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(ACapturedUrlIsTracedToItsAssetOperation) {
  const auto report = Analyze(
      "vars: {order_id: x, elsewhere: http://example.com/a}\n"
      "steps:\n"
      "  - request: GET /purchase/download-url?order_id=${order_id}\n"
      "    expect: 200\n"
      "    capture: {url: /url}\n"
      "  - set: {copy: \"${url}\"}\n"
      "  - {request: \"GET ${copy}\", auth: none, expect: {status: 410, error: URL_EXPIRED}}\n"
      "  - {request: \"GET ${elsewhere}\", auth: none, expect: {status: 410, error: URL_EXPIRED}}\n");
  const auto covered = Covered(report);
  BOOST_TEST(Has(covered, "GET /assets/download/{order_id} 410 URL_EXPIRED"));
  BOOST_TEST(!Has(covered, "GET /assets/view/{order_id} 410 URL_EXPIRED"));
  BOOST_REQUIRE_EQUAL(report.unattributed_steps.size(), 1u);
  BOOST_TEST(report.unattributed_steps[0] == "s.yaml:8:5 GET ${elsewhere}");
}

BOOST_AUTO_TEST_CASE(ATransitionNeedsTwoExpectedStatesOfTheSameOrder) {
  const auto covered = Covered(Analyze(std::string("steps:\n") + kRegister +
                                       "  - control: {advance: 5}\n"
                                       "  - {request: \"GET /purchase/info?order_id=${order_id}\", expect: {status: 200, body: {/status: COMPLETED}}}\n"));
  BOOST_TEST(Has(covered, "lifecycle entry -> PROCESSING (register)"));
  BOOST_TEST(Has(covered, "lifecycle PROCESSING -> COMPLETED (fulfillment_succeeded)"));

  const auto vague = Covered(Analyze(std::string("steps:\n") + kRegister +
                                     "  - control: {advance: 5}\n"
                                     "  - {request: \"GET /purchase/info?order_id=${order_id}\", expect: 200}\n"));
  BOOST_TEST(!Has(vague, "lifecycle PROCESSING -> COMPLETED (fulfillment_succeeded)"));
}

BOOST_AUTO_TEST_CASE(AForbiddenTransitionIsAttemptedWhenItsDriverLeavesTheStateUnchanged) {
  const std::string cancel =
      std::string("steps:\n") + kRegister +
      "  - {request: \"DELETE /purchase/cancel?order_id=${order_id}\", expect: 200}\n";
  const std::string after = "  - {request: \"GET /purchase/info?order_id=${order_id}\", expect: {status: 200, body: {/status: CANCELED}}}\n";
  const auto covered = Covered(Analyze(cancel + "  - control: {advance: 5}\n" + after));
  BOOST_TEST(Has(covered, "lifecycle PROCESSING -> CANCELED (vendor_cancel)"));
  BOOST_TEST(Has(covered, "lifecycle forbidden CANCELED -> COMPLETED"));
  BOOST_TEST(Has(covered, "lifecycle forbidden CANCELED -> FAILED"));
  BOOST_TEST(!Has(covered, "lifecycle forbidden CANCELED -> PROCESSING"));

  const auto no_clock = Covered(Analyze(cancel + after));
  BOOST_TEST(!Has(no_clock, "lifecycle forbidden CANCELED -> COMPLETED"));
}

BOOST_AUTO_TEST_CASE(ADuplicateRegisterDrivesTheOrderWithThatVendorOrderId) {
  const auto covered = Covered(Analyze(
      std::string("vars: {vo: \"v-${run_id}\"}\nsteps:\n") + kRegister +
      "  - {request: \"DELETE /purchase/cancel?order_id=${order_id}\", expect: 200}\n"
      "  - request: POST /purchase/register\n"
      "    body: {token: t2, asset_id: asset-basic, quantity: 1, vendor_order_id: \"${vo}\"}\n"
      "    expect: {status: 409, error: DUPLICATE_PURCHASE}\n"
      "  - {request: \"GET /purchase/info?order_id=${order_id}\", expect: {status: 200, body: {/status: CANCELED}}}\n"));
  BOOST_TEST(Has(covered, "lifecycle forbidden CANCELED -> PROCESSING"));
}

BOOST_AUTO_TEST_CASE(CancelingACanceledOrderIsTheIdempotentRule) {
  const auto covered = Covered(Analyze(std::string("steps:\n") + kRegister +
                                       "  - {request: \"DELETE /purchase/cancel?order_id=${order_id}\", expect: 200}\n"
                                       "  - {request: \"DELETE /purchase/cancel?order_id=${order_id}\", expect: 200}\n"));
  BOOST_TEST(Has(covered, "lifecycle CANCELED -> CANCELED (vendor_cancel, idempotent)"));
}

BOOST_AUTO_TEST_CASE(AResetForgetsTheOrders) {
  const auto covered = Covered(Analyze(std::string("steps:\n") + kRegister +
                                       "  - control: reset\n"
                                       "  - control: {advance: 5}\n"
                                       "  - {request: \"GET /purchase/info?order_id=${order_id}\", expect: {status: 200, body: {/status: COMPLETED}}}\n"));
  BOOST_TEST(!Has(covered, "lifecycle PROCESSING -> COMPLETED (fulfillment_succeeded)"));
}

BOOST_AUTO_TEST_CASE(UnreachableRulesAreListedAndStaleOnesAreErrors) {
  const std::string yaml = "steps:\n  - {request: GET /_control, expect: {status: 200}}\n";
  const SourceLocation where{"u.yaml", 3, 5};
  auto report = Analyze(yaml, {{"* /_control* 500 INTERNAL_ERROR", "cannot be provoked", where}});
  BOOST_TEST(report.errors.empty());
  BOOST_TEST(report.UnreachableCount() == 18u);  // the 18 operations under /_control (4 of them the sandboxes)
  for (const CoverageRule* r : report.Uncovered()) BOOST_TEST(r->id.find("/_control 500") == std::string::npos);

  report = Analyze(yaml, {{"GET /_control 200", "why", where}, {"GET /nowhere 200", "why", where}});
  BOOST_REQUIRE_EQUAL(report.errors.size(), 2u);
  BOOST_TEST(report.errors[0] ==
             "u.yaml:3:5: error: 'GET /_control 200' is listed as unreachable, but s checks it: remove it from the list");
  BOOST_TEST(report.errors[1] == "u.yaml:3:5: error: 'GET /nowhere 200' names no rule of the spec");
}

BOOST_AUTO_TEST_CASE(TheUnreachableFileMustListRuleAndWhy) {
  const auto rules = ParseUnreachableRules("unreachable:\n  - {rule: 'GET /_control 500 *', why: because}\n", "u.yaml");
  BOOST_REQUIRE_EQUAL(rules.size(), 1u);
  BOOST_TEST(rules[0].where.ToString() == "u.yaml:2:5");
  BOOST_CHECK_EXCEPTION(ParseUnreachableRules("unreachable:\n  - {rule: x}\n", "u.yaml"), purchase::SpecError,
                        [](const purchase::SpecError& e) {
                          return std::string(e.what()).rfind("u.yaml:2:5: error: each entry is {rule: RULE, why: REASON}", 0) == 0;
                        });
}

BOOST_AUTO_TEST_CASE(TheSuiteOfThisRepositoryLeavesNoRuleUnchecked) {
  LoadResult loaded = LoadScenarios({std::string(CONFORMANCE_SOURCE_DIR) + "/scenarios"});
  BOOST_REQUIRE(loaded.errors.empty());
  const auto unreachable = ParseUnreachableRules(
      ReadTestFile(std::string(CONFORMANCE_SOURCE_DIR) + "/scenarios/_unreachable.yaml"), "_unreachable.yaml");
  const auto report = AnalyzeCoverage(loaded.scenarios, Project(), purchase::Lifecycle::Builtin(), unreachable);
  BOOST_TEST(report.errors.empty());
  for (const CoverageRule* r : report.Uncovered()) BOOST_TEST_MESSAGE("no scenario checks " << r->id);
  BOOST_TEST(report.Uncovered().empty());
  BOOST_TEST(report.unattributed_steps.empty());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace conformance
