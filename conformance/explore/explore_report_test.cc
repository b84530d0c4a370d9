// One report writer for both explorers: what a CI job reads.
#include "explore/explore_report.h"

#include <boost/test/unit_test.hpp>

#include <rapidjson/document.h>

#include <sstream>

namespace conformance::explore {
namespace {

ExploreReport OneFinding(const std::string& api) {
  ExploreReport r;
  r.api = api;
  r.target = "http://127.0.0.1:1";
  r.seed = 7;
  r.sequences = 3;
  r.commands = 40;
  ExploreReportFinding f;
  f.cause = "register|answer|409 DUPLICATE_PURCHASE";
  f.message = "register: status: the model expected 409, the target answered 422 <&>";
  f.rules = {"HL-I2-010"};
  f.rule_notes = {"rule HL-I2-010 (MUST, issue 2): ... → 409 `DUPLICATE_PURCHASE`"};
  f.sequence_seed = 9;
  f.shrunk_length = 3;
  f.commands = {"validate", "register", "register"};
  r.findings.push_back(f);
  return r;
}

BOOST_AUTO_TEST_SUITE(ExploreReportTest)

BOOST_AUTO_TEST_CASE(TheJsonReportNamesEachFindingsRulesAndTheRacesOnlyWhenTheyRan) {
  std::ostringstream out;
  WriteExploreJson(OneFinding("tabs"), out);
  rapidjson::Document d;
  d.Parse(out.str().c_str());
  BOOST_REQUIRE(!d.HasParseError());
  BOOST_TEST(std::string(d["api"].GetString()) == "tabs");
  BOOST_TEST(d["findings"].Size() == 1u);
  BOOST_TEST(std::string(d["findings"][0]["rules"][0].GetString()) == "HL-I2-010");
  BOOST_TEST(d["findings"][0]["shrunk_length"].GetUint64() == 3u);
  BOOST_TEST(!d.HasMember("races"));
  ExploreReport with_races = OneFinding("hl-connector");
  with_races.races = ExploreReportRaces{5, 4, 0, 1, {}};
  std::ostringstream raced;
  WriteExploreJson(with_races, raced);
  d.Parse(raced.str().c_str());
  BOOST_TEST(d["races"]["unknown"].GetInt() == 1);
}

BOOST_AUTO_TEST_CASE(TheJunitReportHasOneFailedCasePerFindingWithItsRules) {
  std::ostringstream out;
  WriteExploreJunit(OneFinding("tabs"), out);
  const std::string xml = out.str();
  BOOST_TEST(xml.find("<testsuite name=\"explore tabs\" tests=\"1\" failures=\"1\"") != std::string::npos, xml);
  BOOST_TEST(xml.find("answered 422 &lt;&amp;&gt;") != std::string::npos, xml);
  BOOST_TEST(xml.find("rule HL-I2-010 (MUST, issue 2)") != std::string::npos, xml);
  ExploreReport clean;
  clean.sequences = 40;
  std::ostringstream none;
  WriteExploreJunit(clean, none);
  BOOST_TEST(none.str().find("failures=\"0\"") != std::string::npos, none.str());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace conformance::explore
