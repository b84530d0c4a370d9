#include "check/expectation.h"

#include <boost/test/unit_test.hpp>

#include "scenario/loader.h"

namespace conformance {
namespace {

// Loads the expectation of a one-step scenario written in YAML.
Expectation Expect(const std::string& yaml) {
  auto r = LoadScenarioText("vars: {id: ord_1}\nsteps:\n  - request: GET /a\n    expect: " + yaml + "\n", "t.yaml");
  BOOST_REQUIRE_MESSAGE(r.errors.empty(), (r.errors.empty() ? std::string() : r.errors[0].ToString()));
  return r.scenarios[0].steps[0].expect;
}

// Judges the body both as text and already parsed (as the runner passes it),
// and requires the two to agree.
std::vector<std::string> Judge(const std::string& yaml, int status, const std::string& body, HeaderList headers = {}) {
  Variables vars;
  vars.SetString("id", "ord_1");
  const Expectation expect = Expect(yaml);
  rapidjson::Document parsed;
  parsed.Parse(body.data(), body.size());
  std::vector<std::string> out, from_parsed;
  for (const auto& f : CheckExpectation(expect, status, headers, body, vars))
    out.push_back(f.where.ToString() + " " + f.message);
  for (const auto& f : CheckExpectation(expect, status, headers, body, vars, &parsed))
    from_parsed.push_back(f.where.ToString() + " " + f.message);
  BOOST_TEST(from_parsed == out, boost::test_tools::per_element());
  return out;
}

BOOST_AUTO_TEST_SUITE(ExpectationTest)

BOOST_AUTO_TEST_CASE(WrongStatusFailsAtTheStatusWithTheBody) {
  auto f = Judge("{status: 422}", 201, "{\"order_id\":\"ord_1\"}");
  BOOST_REQUIRE_EQUAL(f.size(), 1u);
  BOOST_TEST(f[0] == "t.yaml:4:22 expected status 422, got 201: {\"order_id\":\"ord_1\"}");
}

BOOST_AUTO_TEST_CASE(NoStatusExpectedMeansAny2xx) {
  BOOST_TEST(Judge("{}", 204, "").empty());
  BOOST_TEST(Judge("{}", 404, "").size() == 1u);
}

BOOST_AUTO_TEST_CASE(PointerEqualsComparesJsonValuesWithVariables) {
  BOOST_TEST(Judge("{body: {/order_id: '${id}', /n: 1}}", 200, R"({"order_id":"ord_1","n":1.0})").empty());
  auto f = Judge("{body: {/order_id: '${id}'}}", 200, R"({"order_id":"ord_2"})");
  BOOST_REQUIRE_EQUAL(f.size(), 1u);
  BOOST_TEST(f[0] == "t.yaml:4:21 body /order_id: expected \"ord_1\", got \"ord_2\"");
}

BOOST_AUTO_TEST_CASE(AListHeaderMatchesItsMembersInAnyOrder) {
  const std::string allow = "{headers: {Allow: {members: [GET, POST, DELETE]}}}";
  BOOST_TEST(Judge(allow, 200, "", {{"Allow", "GET, POST, DELETE"}}).empty());
  BOOST_TEST(Judge(allow, 200, "", {{"Allow", "DELETE,GET ,  POST"}}).empty());
  BOOST_TEST(Judge(allow, 200, "", {{"Allow", "GET, POST"}}).size() == 1u);
  BOOST_TEST(Judge(allow, 200, "", {{"Allow", "GET, POST, DELETE, PUT"}}).size() == 1u);
  BOOST_TEST(Judge(allow, 200, "", {{"Allow", "get, post, delete"}}).size() == 1u);  // methods are case-sensitive
  const auto f = Judge(allow, 200, "", {});
  BOOST_REQUIRE_EQUAL(f.size(), 1u);
}

BOOST_AUTO_TEST_CASE(MatchesSearchesTheRegexInTheValue) {
  BOOST_TEST(Judge("{body: {/u: {matches: 'sig=[0-9a-f]+$'}}}", 200, R"({"u":"http://x/?sig=ab12"})").empty());
  BOOST_TEST(Judge("{body: {/u: {matches: '^sig'}}}", 200, R"({"u":"http://x/?sig=ab12"})").size() == 1u);
}

BOOST_AUTO_TEST_CASE(TypeIntegerRejectsAStringOfDigits) {
  auto f = Judge("{body: {/q: {type: integer}}}", 200, R"({"q":"1"})");
  BOOST_REQUIRE_EQUAL(f.size(), 1u);
  BOOST_TEST(f[0].find("expected type integer, got string \"1\"") != std::string::npos);
  BOOST_TEST(Judge("{body: {/q: {type: integer}}}", 200, R"({"q":1})").empty());
}

BOOST_AUTO_TEST_CASE(AbsentFailsWhenTheMemberIsThereAndExistsWhenNot) {
  BOOST_TEST(Judge("{body: {/items: {absent: true}}}", 200, R"({"items":[]})").size() == 1u);
  BOOST_TEST(Judge("{body: {/items: {absent: true}}}", 200, R"({})").empty());
  BOOST_TEST(Judge("{body: {/items: {exists: true}}}", 200, R"({})").size() == 1u);
}

BOOST_AUTO_TEST_CASE(LengthCountsArrayItems) {
  BOOST_TEST(Judge("{body: {/items: {length: 1}}}", 200, R"({"items":[1]})").empty());
  BOOST_TEST(Judge("{body: {/items: {length: 1}}}", 200, R"({"items":[1,2]})").size() == 1u);
}

BOOST_AUTO_TEST_CASE(HeaderNamesMatchCaseInsensitively) {
  BOOST_TEST(Judge("{headers: {retry-after: '5'}}", 200, "", {{"Retry-After", "5"}}).empty());
  BOOST_TEST(Judge("{headers: {Retry-After: 5}}", 200, "", {{"retry-after", "6"}}).size() == 1u);
}

BOOST_AUTO_TEST_CASE(ErrorShorthandChecksTheErrorCode) {
  BOOST_TEST(Judge("{status: 422, error: TOKEN_ALREADY_USED}", 422,
                   R"({"error":{"code":"TOKEN_ALREADY_USED","message":"m"}})").empty());
  auto f = Judge("{status: 422, error: TOKEN_ALREADY_USED}", 422, R"({"error":{"code":"TOKEN_EXPIRED","message":"m"}})");
  BOOST_REQUIRE_EQUAL(f.size(), 1u);
  BOOST_TEST(f[0] == "t.yaml:4:34 expected error TOKEN_ALREADY_USED, got \"TOKEN_EXPIRED\"");
}

BOOST_AUTO_TEST_CASE(BodyExpectationsOnANonJsonBodyFail) {
  auto f = Judge("{body: {/a: 1}}", 200, "<html>");
  BOOST_REQUIRE_EQUAL(f.size(), 1u);
  BOOST_TEST(f[0].find("the body is not JSON") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(RegexOnAHugeTextFailsInsteadOfOverflowingTheStack) {
  std::string error;
  BOOST_TEST(!RegexSearch("(a|b)*c", std::string(2 << 20, 'a'), &error));
  BOOST_TEST(error.find("too long") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace conformance
