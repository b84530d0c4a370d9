#include "check/lifecycle_tracker.h"

#include <boost/test/unit_test.hpp>

#include "core/lifecycle.h"

namespace conformance {
namespace {

std::string Fails(std::optional<std::string> failure) { return failure ? *failure : ""; }

rapidjson::Document Json(const char* text) {
  rapidjson::Document d;
  d.Parse(text);
  return d;
}

BOOST_AUTO_TEST_SUITE(LifecycleTrackerTest)

BOOST_AUTO_TEST_CASE(AllowedTransitionsPass) {
  LifecycleTracker t(purchase::Lifecycle::Builtin());
  BOOST_TEST(Fails(t.Observe("o", "PROCESSING", true, "step 1")) == "");
  BOOST_TEST(Fails(t.Observe("o", "PROCESSING", false, "step 2")) == "");
  BOOST_TEST(Fails(t.Observe("o", "COMPLETED", false, "step 3")) == "");
  BOOST_TEST(Fails(t.Observe("o", "CANCELED", false, "step 4")) == "");
  BOOST_TEST(Fails(t.Observe("o", "CANCELED", false, "step 5")) == "");
}

BOOST_AUTO_TEST_CASE(IllegalTransitionFailsWithTheObservedHistory) {
  LifecycleTracker t(purchase::Lifecycle::Builtin());
  t.Observe("ord_1", "PROCESSING", true, "step 1");
  t.Observe("ord_1", "COMPLETED", false, "step 2");
  BOOST_TEST(Fails(t.Observe("ord_1", "PROCESSING", false, "step 3")) ==
             "order ord_1: spec/lifecycle.yaml allows no way from COMPLETED to PROCESSING; observed: "
             "PROCESSING (step 1) -> COMPLETED (step 2) -> PROCESSING (step 3)");
}

BOOST_AUTO_TEST_CASE(ATerminalStateThatChangesFails) {
  LifecycleTracker t(purchase::Lifecycle::Builtin());
  t.Observe("ord_1", "PROCESSING", true, "step 1");
  t.Observe("ord_1", "CANCELED", false, "step 2");
  BOOST_TEST(Fails(t.Observe("ord_1", "COMPLETED", false, "step 4")) ==
             "order ord_1: CANCELED is terminal in spec/lifecycle.yaml but changed to COMPLETED; observed: "
             "PROCESSING (step 1) -> CANCELED (step 2) -> COMPLETED (step 4)");
}

BOOST_AUTO_TEST_CASE(StatesMissedBetweenTwoPollsAreAllowed) {
  // The built-in lifecycle has no state two moves away from another, so a
  // chain of its own: A -> B -> C, where a poll may see A and then C.
  const purchase::Lifecycle chain = purchase::Lifecycle::Parse(
      "states:\n  A: {initial: true}\n  B: {}\n  C: {terminal: true}\n"
      "entry: {to: A, cause: make}\n"
      "transitions:\n  - {from: A, to: B, cause: go}\n  - {from: B, to: C, cause: go}\n",
      "chain.yaml");
  LifecycleTracker t(chain);
  t.Observe("o", "A", true, "step 1");
  BOOST_TEST(Fails(t.Observe("o", "C", false, "step 2")) == "");
  LifecycleTracker back(chain);
  back.Observe("o", "B", false, "step 1");
  BOOST_TEST(Fails(back.Observe("o", "A", false, "step 2")) != "");
}

BOOST_AUTO_TEST_CASE(ANewOrderMustStartInTheEntryState) {
  LifecycleTracker t(purchase::Lifecycle::Builtin());
  BOOST_TEST(Fails(t.Observe("o", "COMPLETED", true, "step 1")) ==
             "order o: a new order must be PROCESSING (spec/lifecycle.yaml entry), got COMPLETED");
}

BOOST_AUTO_TEST_CASE(AnUnknownStatusFails) {
  LifecycleTracker t(purchase::Lifecycle::Builtin());
  BOOST_TEST(Fails(t.Observe("o", "DONE", false, "step 1")).find("'DONE' is not a state") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(ResetForgetsOrdersSoReusedIdsStartAfresh) {
  LifecycleTracker t(purchase::Lifecycle::Builtin());
  t.Observe("o", "PROCESSING", true, "step 1");
  t.Observe("o", "CANCELED", false, "step 2");
  t.Forget();
  BOOST_TEST(Fails(t.Observe("o", "PROCESSING", true, "step 4")) == "");
}

BOOST_AUTO_TEST_CASE(ObserveBodyFindsTheOrderInAResponse) {
  LifecycleTracker t(purchase::Lifecycle::Builtin());
  auto created = Json(R"({"order_id":"o","status":"PROCESSING"})");
  BOOST_TEST(t.ObserveBody(created, true, "step 1").empty());
  auto back = Json(R"({"order_id":"o","status":"COMPLETED"})");
  BOOST_TEST(t.ObserveBody(back, false, "step 2").empty());
  auto wrong = Json(R"({"order_id":"o","status":"PROCESSING"})");
  BOOST_TEST(t.ObserveBody(wrong, false, "step 3").size() == 1u);
  auto error = Json(R"({"error":{"code":"DUPLICATE_PURCHASE","order_id":"o"}})");
  BOOST_TEST(t.ObserveBody(error, false, "step 4").empty());
}

BOOST_AUTO_TEST_CASE(AReportedHistoryIsCheckedTransitionByTransition) {
  LifecycleTracker t(purchase::Lifecycle::Builtin());
  auto good = Json(R"({"order_id":"o","status":"CANCELED","history":[
      {"from":null,"to":"PROCESSING","at":"2026-01-01T00:00:00Z","cause":"register"},
      {"from":"PROCESSING","to":"COMPLETED","at":"2026-01-01T00:00:05Z","cause":"fulfillment_succeeded"},
      {"from":"COMPLETED","to":"CANCELED","at":"2026-01-01T00:00:05.500Z","cause":"vendor_cancel"}]})");
  BOOST_TEST(t.ObserveBody(good, false, "step 1").empty());

  LifecycleTracker u(purchase::Lifecycle::Builtin());
  auto bad = Json(R"({"order_id":"o","status":"COMPLETED","history":[
      {"from":null,"to":"PROCESSING","at":"2026-01-01T00:00:05Z","cause":"register"},
      {"from":"PROCESSING","to":"COMPLETED","at":"2026-01-01T00:00:01Z","cause":"vendor_cancel"}]})");
  const auto failures = u.ObserveBody(bad, false, "step 1");
  BOOST_REQUIRE_EQUAL(failures.size(), 2u);
  BOOST_TEST(failures[0] == "order o: reported history entry 1: PROCESSING -> COMPLETED has cause 'vendor_cancel' "
                            "but spec/lifecycle.yaml says 'fulfillment_succeeded'");
  BOOST_TEST(failures[1] == "order o: reported history entry 1 goes back in time");
}

BOOST_AUTO_TEST_CASE(WithoutTheReferenceLayerAHistorysCausesAreFreeButItsTransitionsAreNot) {
  // No source names the causes (issue 2: "every transition with from, to, instant and cause").
  LifecycleTracker t(purchase::Lifecycle::Builtin());
  t.set_check_causes(false);
  auto own_words = Json(R"({"order_id":"o","status":"CANCELED","history":[
      {"from":null,"to":"PROCESSING","at":"2026-01-01T00:00:00+00:00","cause":"registered"},
      {"from":"PROCESSING","to":"CANCELED","at":"2026-01-01T00:00:01.5Z","cause":"canceled by vendor"}]})");
  BOOST_TEST(t.ObserveBody(own_words, false, "step 1").empty());

  LifecycleTracker u(purchase::Lifecycle::Builtin());
  u.set_check_causes(false);
  auto bad = Json(R"({"order_id":"o","status":"PROCESSING","history":[
      {"from":null,"to":"COMPLETED","at":"2026-01-01T00:00:00Z","cause":"x"},
      {"from":"COMPLETED","to":"PROCESSING","at":"2026-01-01T00:00:01Z","cause":"y"}]})");
  const auto failures = u.ObserveBody(bad, false, "step 1");
  BOOST_REQUIRE_EQUAL(failures.size(), 2u);
  BOOST_TEST(failures[0].find("must start with null -> PROCESSING") != std::string::npos);
  BOOST_TEST(failures[1] == "order o: reported history entry 1: COMPLETED -> PROCESSING is not a transition of spec/lifecycle.yaml");
}

BOOST_AUTO_TEST_CASE(AReportedHistoryMustContainEveryObservedState) {
  LifecycleTracker t(purchase::Lifecycle::Builtin());
  t.Observe("o", "PROCESSING", true, "step 1");
  t.Observe("o", "COMPLETED", false, "step 2");
  auto history = Json(R"({"order_id":"o","status":"CANCELED","history":[
      {"from":null,"to":"PROCESSING","at":"2026-01-01T00:00:00Z","cause":"register"},
      {"from":"PROCESSING","to":"CANCELED","at":"2026-01-01T00:00:01Z","cause":"vendor_cancel"}]})");
  const auto failures = t.ObserveBody(history, false, "step 3");
  BOOST_REQUIRE_EQUAL(failures.size(), 1u);
  BOOST_TEST(failures[0] == "order o: reported history never shows COMPLETED, which was observed at step 2");
}

BOOST_AUTO_TEST_CASE(ChangingATransitionInTheLifecycleChangesWhatTheTrackerAccepts) {
  // Two documents that differ in one transition, observed through the same
  // observe points, numeric state codes and a second entry.
  const std::string base = R"(
states:
  pending: {initial: true, code: 1}
  completed: {code: 8}
  abandoned: {terminal: true, code: 64}
entry: [{to: pending, cause: buy}, {to: completed, cause: buy_paid}]
transitions:
  - {from: pending, to: completed, cause: pay}
  - {from: pending, to: abandoned, cause: abandon}
  - {from: completed, to: abandoned, cause: refund}
observe: [{each: /orders, id: /Id, state: /OrderStatus}, {id: /id, state: /status}]
)";
  std::string changed = base;
  changed.replace(changed.find("  - {from: completed, to: abandoned, cause: refund}\n"),
                  std::string("  - {from: completed, to: abandoned, cause: refund}\n").size(), "");
  const auto before = purchase::Lifecycle::Parse(base, "lc.yaml");
  const auto after = purchase::Lifecycle::Parse(changed, "lc.yaml");
  for (const auto* lifecycle : {&before, &after}) {
    LifecycleTracker t(*lifecycle);
    BOOST_TEST(t.ObserveBody(Json(R"({"id":"a","status":"completed"})"), true, "create").empty());
    const auto failures = t.ObserveBody(Json(R"({"orders":[{"Id":"a","OrderStatus":64}]})"), false, "list");
    BOOST_TEST(failures.empty() == (lifecycle == &before), (failures.empty() ? "" : failures[0]));
  }
  LifecycleTracker t(after);
  const auto wrong_entry = t.ObserveBody(Json(R"({"id":"b","status":"abandoned"})"), true, "create");
  BOOST_REQUIRE(wrong_entry.size() == 1u);
  BOOST_TEST(wrong_entry[0] == "order b: a new order must be pending or completed (spec/lifecycle.yaml entry), got abandoned");
}

// Ids are unique only within a sandbox: the same id in two sandboxes is two
// orders, and a reset in one forgets that sandbox's orders alone.
BOOST_AUTO_TEST_CASE(OrdersOfTwoSandboxesAreApartEvenWithOneId) {
  LifecycleTracker t(purchase::Lifecycle::Builtin());
  const auto processing = Json(R"({"order_id":"ord_1","status":"PROCESSING"})");
  const auto completed = Json(R"({"order_id":"ord_1","status":"COMPLETED"})");
  BOOST_TEST(t.ObserveBody(processing, true, "step 1").empty());
  BOOST_TEST(t.ObserveBody(completed, false, "step 2").empty());
  // Created in sandbox b with the same id: a new order there, not a
  // COMPLETED one going back to PROCESSING.
  BOOST_TEST(t.ObserveBody(processing, true, "step 3", "", "b").empty());
  // A reset in b forgets b's order and keeps the scenario's own.
  t.ForgetSandbox("b");
  BOOST_TEST(t.ObserveBody(processing, true, "step 4", "", "b").empty());
  const std::vector<std::string> back = t.ObserveBody(processing, false, "step 5");
  BOOST_REQUIRE(back.size() == 1u);
  BOOST_TEST(back[0].rfind("order ord_1: spec/lifecycle.yaml allows no way from COMPLETED to PROCESSING", 0) == 0);
  // A failure in another sandbox names it.
  t.ObserveBody(completed, false, "step 6", "", "b");
  const std::vector<std::string> there = t.ObserveBody(processing, false, "step 7", "", "b");
  BOOST_REQUIRE(there.size() == 1u);
  BOOST_TEST(there[0].rfind("order ord_1 (sandbox b): ", 0) == 0, there[0]);
  // Forgetting the scenario's own sandbox leaves b's.
  t.ForgetSandbox("");
  BOOST_TEST(t.ObserveBody(processing, true, "step 8").empty());
  BOOST_TEST(t.ObserveBody(processing, true, "step 9", "", "b").size() == 1u);  // b's order is still known
}

BOOST_AUTO_TEST_CASE(AnIdUniqueOnlyPerClientNamesOneOrderPerScope) {
  // One id under two clients: two orders when the observe point has a scope,
  // one order (with an illegal history) when it has none.
  const std::string doc = R"(
states:
  open: {initial: true}
  done: {terminal: true}
entry: {to: open, cause: create}
transitions:
  - {from: open, to: done, cause: finish}
observe: [{id: /order, state: /status%s}]
)";
  auto with = [&](const std::string& scope) {
    std::string text = doc;
    text.replace(text.find("%s"), 2, scope);
    return purchase::Lifecycle::Parse(text, "lc.yaml");
  };
  const auto scoped = with(", scope: {query: [key, client]}");
  const auto unscoped = with("");
  for (const auto* lifecycle : {&scoped, &unscoped}) {
    LifecycleTracker t(*lifecycle);
    BOOST_TEST(t.ObserveBody(Json(R"({"order":"o-1","status":"done"})"), false, "a", "http://h/x?key=k&client=a").empty());
    const auto failures =
        t.ObserveBody(Json(R"({"order":"o-1","status":"open"})"), false, "b", "http://h/x?client=b%20c&key=k");
    BOOST_TEST(failures.empty() == (lifecycle == &scoped), (failures.empty() ? "" : failures[0]));
  }
  // The same owners are the same order: a terminal state still may not change.
  LifecycleTracker t(scoped);
  BOOST_TEST(t.ObserveBody(Json(R"({"order":"o-1","status":"done"})"), false, "a", "http://h/x?client=a&key=k").empty());
  const auto failures = t.ObserveBody(Json(R"({"order":"o-1","status":"open"})"), false, "b", "http://h/x?key=k&client=a");
  BOOST_REQUIRE(failures.size() == 1u);
  BOOST_TEST(failures[0].rfind("order o-1 (key k, client a): done is terminal", 0) == 0u, failures[0]);
}

BOOST_AUTO_TEST_CASE(WithMaxRepeatsEndlessPollingKeepsABoundedHistoryAndStillJudges) {
  LifecycleTracker t(purchase::Lifecycle::Builtin());
  t.set_max_repeats(2);
  t.Observe("ord_1", "PROCESSING", true, "register");
  for (int i = 0; i < 1000; ++i) BOOST_TEST(Fails(t.Observe("ord_1", "PROCESSING", false, "poll " + std::to_string(i))) == "");
  t.Observe("ord_1", "COMPLETED", false, "poll 1000");
  BOOST_TEST(t.Traces().at(0).states.size() == 3u);  // PROCESSING, PROCESSING (poll 999), COMPLETED
  BOOST_TEST(Fails(t.Observe("ord_1", "PROCESSING", false, "poll 1001")) ==
             "order ord_1: spec/lifecycle.yaml allows no way from COMPLETED to PROCESSING; observed: "
             "PROCESSING (register) -> PROCESSING (poll 999) -> COMPLETED (poll 1000) -> PROCESSING (poll 1001)");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace conformance
