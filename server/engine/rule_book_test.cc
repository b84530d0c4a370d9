// RuleBook: the mechanics of every API's fault rules (order, ids, counting,
// the two counting policies the HL Connector's defects need). The rules here
// match on one field so that each test pins the book, not a matcher.
#define BOOST_TEST_MODULE rule_book
#include <boost/test/unit_test.hpp>

#include "engine/rule_book.h"

using namespace purchase::engine;

namespace {

struct TestRule {
  std::string id;
  std::string path;  // what the tests match on
  std::optional<int64_t> remaining;
  int tag = 0;  // which rule fired
};

std::string Name(uint64_t n) { return "r" + std::to_string(n); }

TestRule Rule(std::string path, std::optional<int64_t> times = std::nullopt, int tag = 0) {
  return TestRule{"", std::move(path), times, tag};
}

// Takes the oldest rule for `path`; its tag, or -1 if none fired.
int Fire(RuleBook<TestRule>& book, const std::string& path) {
  const auto fired = book.Take([&](const TestRule& r) { return r.path == path; });
  return fired ? fired->tag : -1;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(RuleBookRules)

BOOST_AUTO_TEST_CASE(TakeFiresTheOldestMatchingRule) {
  RuleBook<TestRule> book;
  book.Add(Rule("/a", std::nullopt, 1), Name);
  book.Add(Rule("/b", std::nullopt, 2), Name);
  book.Add(Rule("/b", std::nullopt, 3), Name);
  BOOST_TEST(Fire(book, "/b") == 2);
  BOOST_TEST(Fire(book, "/b") == 2);  // unlimited: fires every time
  BOOST_TEST(Fire(book, "/a") == 1);
}

BOOST_AUTO_TEST_CASE(TakeChangesNothingWhenNoRuleMatches) {
  RuleBook<TestRule> book;
  book.Add(Rule("/a", 1), Name);
  BOOST_TEST(Fire(book, "/b") == -1);
  BOOST_TEST(*book.rules()[0].remaining == 1);
}

BOOST_AUTO_TEST_CASE(TimesNFiresNTimesThenStaysListedWithRemainingZero) {
  RuleBook<TestRule> book;
  book.Add(Rule("/a", 2, 1), Name);
  const auto first = book.Take([](const TestRule&) { return true; });
  BOOST_REQUIRE(first.has_value());
  BOOST_TEST(*first->remaining == 1);  // returned as counted
  BOOST_TEST(Fire(book, "/a") == 1);
  BOOST_TEST(Fire(book, "/a") == -1);
  BOOST_REQUIRE(book.rules().size() == 1u);
  BOOST_TEST(*book.rules()[0].remaining == 0);
}

BOOST_AUTO_TEST_CASE(SpentRuleLetsTheNextMatchingRuleFire) {
  RuleBook<TestRule> book;
  book.Add(Rule("/a", 1, 1), Name);
  book.Add(Rule("/a", std::nullopt, 2), Name);
  BOOST_TEST(Fire(book, "/a") == 1);
  BOOST_TEST(Fire(book, "/a") == 2);
  BOOST_TEST(book.rules().size() == 2u);
}

BOOST_AUTO_TEST_CASE(FloorBelowZeroFiresOnceMoreThanTimes) {
  RuleBook<TestRule> book(RuleCounting{-1, false});  // fault-times-off-by-one
  book.Add(Rule("/a", 2, 1), Name);
  BOOST_TEST(Fire(book, "/a") == 1);
  BOOST_TEST(Fire(book, "/a") == 1);
  BOOST_TEST(Fire(book, "/a") == 1);
  BOOST_TEST(Fire(book, "/a") == -1);
  BOOST_TEST(*book.rules()[0].remaining == -1);
}

BOOST_AUTO_TEST_CASE(DropExhaustedRemovesTheRuleOnTheFiringThatSpendsIt) {
  RuleBook<TestRule> book(RuleCounting{0, true});  // exhausted-rule-vanishes
  book.Add(Rule("/a", 2, 1), Name);
  book.Add(Rule("/a", std::nullopt, 2), Name);
  BOOST_TEST(Fire(book, "/a") == 1);
  BOOST_TEST(book.rules().size() == 2u);
  const auto last = book.Take([](const TestRule& r) { return r.path == "/a"; });
  BOOST_REQUIRE(last.has_value());
  BOOST_TEST(last->tag == 1);  // the dropped rule is still the one that fired
  BOOST_TEST(*last->remaining == 0);
  BOOST_REQUIRE(book.rules().size() == 1u);
  BOOST_TEST(book.rules()[0].tag == 2);
}

BOOST_AUTO_TEST_CASE(DropExhaustedWithFloorBelowZeroDropsAtZero) {
  // Both HL fault defects at once: the rule leaves when it reaches 0, so it
  // fires `times` times and never gets its extra firing.
  RuleBook<TestRule> book(RuleCounting{-1, true});
  book.Add(Rule("/a", 2, 1), Name);
  BOOST_TEST(Fire(book, "/a") == 1);
  BOOST_TEST(Fire(book, "/a") == 1);
  BOOST_TEST(book.rules().empty());
  BOOST_TEST(Fire(book, "/a") == -1);
}

BOOST_AUTO_TEST_CASE(IdsCountFromOneAndClearKeepsCounting) {
  RuleBook<TestRule> book;
  BOOST_TEST(book.Add(Rule("/a"), Name).id == "r1");
  BOOST_TEST(book.Add(Rule("/a"), Name).id == "r2");
  BOOST_TEST(book.Clear() == 2u);
  BOOST_TEST(book.rules().empty());
  BOOST_TEST(book.Add(Rule("/a"), Name).id == "r3");
}

BOOST_AUTO_TEST_CASE(ResetForgetsRulesAndRestartsIds) {
  RuleBook<TestRule> book;
  book.Add(Rule("/a"), Name);
  book.Add(Rule("/a"), Name);
  book.Reset();
  BOOST_TEST(book.rules().empty());
  BOOST_TEST(book.Add(Rule("/a"), Name).id == "r1");
}

BOOST_AUTO_TEST_CASE(RemoveReturnsTheRuleAndKeepsTheOthersInOrder) {
  RuleBook<TestRule> book;
  book.Add(Rule("/a", 3, 1), Name);
  book.Add(Rule("/b", std::nullopt, 2), Name);
  book.Add(Rule("/c", std::nullopt, 3), Name);
  const auto removed = book.Remove("r2");
  BOOST_REQUIRE(removed.has_value());
  BOOST_TEST(removed->tag == 2);
  BOOST_TEST(!book.Remove("r2").has_value());
  BOOST_TEST(!book.Remove("r9").has_value());
  BOOST_REQUIRE(book.rules().size() == 2u);
  BOOST_TEST(book.rules()[0].id == "r1");
  BOOST_TEST(book.rules()[1].id == "r3");
  BOOST_TEST(book.Add(Rule("/d"), Name).id == "r4");  // a removed id is not given again
}

BOOST_AUTO_TEST_SUITE_END()
