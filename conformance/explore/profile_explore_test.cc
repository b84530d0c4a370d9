// The profile explorer in-process: a second ProfileHost as the target, no sockets.
#include "explore/profile_explore.h"

#include <map>
#include <sstream>

#include <boost/test/unit_test.hpp>

#include "profiles/profile_registry.h"
#include "scenario/loader.h"

namespace conformance::explore {
namespace {

struct Tokens {
  const char* api;
  const char* token;
  const char* token_b;
};
const Tokens kProfiles[] = {{"imaging-catalog", "test-token-caller-a", "test-token-caller-b"},
                            {"sheetmusicdirect", "unused-sheetmusicdirect-signs-query-strings", ""},
                            {"tabs", "test-token-merchant-a", "test-token-merchant-b"}};

// Explores `api` with the target host built with `defects`.
ProfileExploreResult ExploreAgainst(const Tokens& t, const std::vector<std::string>& defects, int sequences,
                                    std::string* emitted = nullptr) {
  const std::string source = CONFORMANCE_SOURCE_DIR;
  const std::string fixtures = source + "/fixtures/" + t.api;
  const auto* entry = purchase::profiles::FindProfile(t.api);
  BOOST_REQUIRE(entry);
  const purchase::Lifecycle lifecycle = purchase::Lifecycle::Parse(entry->lifecycle, entry->spec_dir + "/lifecycle.yaml");
  const LoadResult loaded = LoadScenarios({source + "/scenarios/" + t.api});
  BOOST_REQUIRE(loaded.errors.empty());
  ProfileHostClient target_host(t.api, fixtures, 1, defects);
  ProfileHostClient oracle(t.api, fixtures, 1);
  ProfileSide target{&target_host, "http://target.invalid", t.token, t.token_b, "", {}};
  ProfileSide reference{&oracle, "http://oracle.invalid", t.token, t.token_b, "", {}};
  for (const auto& [k, role] : loaded.fixture_roles) target.roles[k] = reference.roles[k] = role.default_value;
  const ProfileCorpus corpus = BuildProfileCorpus(loaded.scenarios, lifecycle, target, reference);
  BOOST_REQUIRE_GT(corpus.requests.size(), 10u);
  ProfileExplorer explorer(corpus, lifecycle, target, reference);
  ProfileExploreOptions options;
  options.sequences = sequences;
  std::ostringstream progress;
  ProfileExploreResult result = explorer.Explore(options, progress);
  if (emitted && result.finding) *emitted = explorer.EmitScenario(*result.finding, t.api);
  return result;
}

BOOST_AUTO_TEST_SUITE(ProfileExploreTest)

BOOST_AUTO_TEST_CASE(ProfileExploreFindsNothingWhenBothHostsAreClean) {
  for (const auto& t : kProfiles) {
    BOOST_TEST_CONTEXT(t.api) {
      const ProfileExploreResult r = ExploreAgainst(t, {}, 30);
      BOOST_TEST(!r.finding.has_value());
      if (r.finding) BOOST_TEST_MESSAGE(r.finding->mismatch.Cause() << ": " << r.finding->mismatch.Message());
      BOOST_TEST(r.sequences == 30);
    }
  }
}

BOOST_AUTO_TEST_CASE(ProfileExploreFindsAndShrinksAnEngineDefect) {
  for (const auto& t : kProfiles) {
    BOOST_TEST_CONTEXT(t.api) {
      std::string scenario;
      const ProfileExploreResult r = ExploreAgainst(t, {"engine-terminal-moves"}, 200, &scenario);
      BOOST_REQUIRE(r.finding.has_value());
      BOOST_TEST(r.finding->run.mismatch.has_value());
      BOOST_TEST(r.finding->shrunk.size() <= r.finding->generated_length);
      // The scenario loads as ordinary input.
      const LoadResult back = LoadScenarioText(scenario, "explore.yaml");
      for (const auto& d : back.errors) BOOST_TEST_MESSAGE(d.ToString() << "\n" << scenario);
      BOOST_TEST(back.errors.empty());
    }
  }
}

// One of each profile's own defects that breaks a status or a state (what
// the oracle compares; products-while-active and plus-as-space change only
// a body the oracle does not read).
BOOST_AUTO_TEST_CASE(ProfileExploreFindsAProfilesOwnDefect) {
  const std::map<std::string, std::string> defect = {{"imaging-catalog", "other-caller-visible"},
                                                     {"sheetmusicdirect", "duplicate-item-accepted"},
                                                     {"tabs", "tabs-no-abandon"}};
  for (const auto& t : kProfiles) {
    BOOST_TEST_CONTEXT(t.api << " --defect " << defect.at(t.api)) {
      const ProfileExploreResult r = ExploreAgainst(t, {defect.at(t.api)}, 200);
      BOOST_REQUIRE(r.finding.has_value());
      BOOST_TEST(r.finding->run.mismatch.has_value());
      BOOST_TEST(r.finding->shrunk.size() < r.finding->generated_length);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace conformance::explore
