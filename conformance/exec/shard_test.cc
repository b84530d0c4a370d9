#include "exec/shard.h"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <map>
#include <set>

#include "explore/explore.h"

namespace conformance {
namespace {

std::vector<Scenario> Suite(const std::map<std::string, int>& files_per_folder) {
  std::vector<Scenario> all;
  for (const auto& [folder, n] : files_per_folder)
    for (int i = 0; i < n; ++i) {
      Scenario s;
      s.file = folder + "/s" + std::to_string(i) + ".yaml";
      s.id = s.file;
      all.push_back(s);
    }
  return all;
}

BOOST_AUTO_TEST_SUITE(ShardTest)

BOOST_AUTO_TEST_CASE(TheShardsOfASuiteHoldEachScenarioExactlyOnce) {
  const auto all = Suite({{"scenarios/a", 5}, {"scenarios/b", 3}, {"scenarios/c", 3}, {"scenarios/d", 1},
                          {"scenarios/e", 2}, {"scenarios/a/deeper", 4}});
  for (int n = 1; n <= 7; ++n) {
    std::multiset<std::string> seen;
    for (int k = 1; k <= n; ++k)
      for (const Scenario& s : ScenariosOfShard(all, Shard{k, n})) seen.insert(s.id);
    BOOST_TEST(seen.size() == all.size(), "N = " << n);
    for (const Scenario& s : all) BOOST_TEST(seen.count(s.id) == 1u, s.id << ", N = " << n);
  }
}

BOOST_AUTO_TEST_CASE(AFolderIsNeverSplitAcrossShards) {
  const auto all = Suite({{"scenarios/a", 5}, {"scenarios/b", 3}, {"scenarios/c", 3}, {"scenarios/d", 1}});
  std::map<std::string, std::set<int>> shards_of_folder;
  for (int k = 1; k <= 3; ++k)
    for (const Scenario& s : ScenariosOfShard(all, Shard{k, 3})) shards_of_folder[ShardFolderOf(s)].insert(k);
  for (const auto& [folder, shards] : shards_of_folder) BOOST_TEST(shards.size() == 1u, folder);
}

BOOST_AUTO_TEST_CASE(TheSplitDependsOnlyOnTheSuiteAndIsBalanced) {
  // The same suite, listed in another order (another machine's directory
  // walk), gives every shard the same scenarios.
  auto all = Suite({{"x/a", 5}, {"x/b", 3}, {"x/c", 3}, {"x/d", 1}, {"x/e", 4}});
  auto reversed = all;
  std::reverse(reversed.begin(), reversed.end());
  size_t largest = 0, smallest = all.size();
  for (int k = 1; k <= 3; ++k) {
    std::set<std::string> one, other;
    for (const Scenario& s : ScenariosOfShard(all, Shard{k, 3})) one.insert(s.id);
    for (const Scenario& s : ScenariosOfShard(reversed, Shard{k, 3})) other.insert(s.id);
    BOOST_TEST(one == other, boost::test_tools::per_element());
    largest = std::max(largest, one.size());
    smallest = std::min(smallest, one.size());
  }
  BOOST_TEST(largest - smallest <= 5u);  // within the largest folder's size
}

BOOST_AUTO_TEST_CASE(ShardIsKOverNAndNothingElse) {
  BOOST_TEST(ParseShard("2/3").has_value());
  BOOST_TEST(ParseShard("2/3")->index == 2);
  BOOST_TEST(ParseShard("1/1")->whole());
  for (const char* bad : {"0/3", "4/3", "3", "/3", "1/", "a/b", "1/0", "-1/3", "1/3x", "1/1001"})
    BOOST_TEST(!ParseShard(bad).has_value(), bad);
}

BOOST_AUTO_TEST_CASE(ExploreShardsRunEverySeedOnce) {
  std::multiset<uint64_t> seeds;
  for (int k = 1; k <= 3; ++k) {
    explore::ExploreOptions o;
    o.seed = 100 + static_cast<uint64_t>(k - 1);
    o.seed_stride = 3;
    for (int i = 0; i < 4; ++i) seeds.insert(o.SeedOf(i));
  }
  for (uint64_t seed = 100; seed < 112; ++seed) BOOST_TEST(seeds.count(seed) == 1u, seed);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace conformance
