// The generic engine: every state change comes from the lifecycle document,
// so the same code does something else when the document changes.
#define BOOST_TEST_MODULE engine
#include <boost/test/unit_test.hpp>

#include "engine/order_engine.h"

using namespace purchase;
using namespace purchase::engine;

namespace {

const char* kLifecycle = R"(
states:
  open: {initial: true}
  done: {terminal: true}
  dropped: {terminal: true}
entry: [{to: open, cause: create}, {to: done, cause: create_paid}]
transitions:
  - {from: open, to: done, cause: finish}
  - {from: open, to: dropped, cause: drop}
idempotent:
  - {state: dropped, cause: drop}
)";

struct World {
  explicit World(const std::string& text = kLifecycle, EngineDefects defects = {})
      : lifecycle(Lifecycle::Parse(text, "lc.yaml")), clock(1000000), engine(lifecycle, clock, {}, defects) {}
  Lifecycle lifecycle;
  ManualClock clock;
  OrderEngine engine;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(Engine)

BOOST_AUTO_TEST_CASE(AnOrderStartsInTheStateOfItsEntryCause) {
  World w;
  BOOST_TEST(w.engine.Create("a", "create", {})->state == "open");
  BOOST_TEST(w.engine.Create("a", "create_paid", {})->state == "done");
  BOOST_TEST(w.engine.Create("a", "no_such_entry", {}) == nullptr);
}

BOOST_AUTO_TEST_CASE(ACauseMovesTheOrderWhereTheLifecycleSaysOrIsRefused) {
  World w;
  EngineOrder* o = w.engine.Create("a", "create", {});
  BOOST_TEST(static_cast<int>(w.engine.Apply(*o, "finish")) == static_cast<int>(Move::kChanged));
  BOOST_TEST(o->state == "done");
  BOOST_TEST(static_cast<int>(w.engine.Apply(*o, "drop")) == static_cast<int>(Move::kRefused));
  BOOST_TEST(o->state == "done");
  EngineOrder* p = w.engine.Create("a", "create", {});
  w.engine.Apply(*p, "drop");
  BOOST_TEST(static_cast<int>(w.engine.Apply(*p, "drop")) == static_cast<int>(Move::kIdempotent));
  BOOST_TEST(p->history.size() == 2u);
}

BOOST_AUTO_TEST_CASE(ChangingATransitionInTheLifecycleChangesWhatTheEngineDoes) {
  // The same calls on two documents that differ in one line.
  std::string changed = kLifecycle;
  changed.replace(changed.find("{from: open, to: done, cause: finish}"),
                  std::string("{from: open, to: done, cause: finish}").size(), "{from: open, to: dropped, cause: finish}");
  changed.replace(changed.find("  - {from: open, to: dropped, cause: drop}\n"),
                  std::string("  - {from: open, to: dropped, cause: drop}\n").size(), "");
  World before, after(changed);
  EngineOrder* a = before.engine.Create("a", "create", {});
  EngineOrder* b = after.engine.Create("a", "create", {});
  before.engine.Apply(*a, "finish");
  after.engine.Apply(*b, "finish");
  BOOST_TEST(a->state == "done");
  BOOST_TEST(b->state == "dropped");
  EngineOrder* c = after.engine.Create("a", "create", {});
  BOOST_TEST(static_cast<int>(after.engine.Apply(*c, "drop")) == static_cast<int>(Move::kRefused));
}

BOOST_AUTO_TEST_CASE(ScheduledCausesSettleAtTheirDueTimeEarliestFirstAndRecordTheDueInstant) {
  World w;
  EngineOrder* late = w.engine.Create("a", "create", {});
  EngineOrder* early = w.engine.Create("a", "create", {});
  w.engine.Schedule(*late, 1000000 + 9000, "finish");
  w.engine.Schedule(*early, 1000000 + 5000, "drop");
  w.clock.Set(1000000 + 4999);
  BOOST_TEST(w.engine.SettleDue() == 0u);
  BOOST_TEST(early->state == "open");
  w.clock.Set(1000000 + 20000);
  BOOST_TEST(w.engine.SettleDue() == 2u);
  BOOST_TEST(early->state == "dropped");
  BOOST_TEST(early->history.back().at == 1000000 + 5000);
  BOOST_TEST(late->state == "done");
  BOOST_TEST(late->history.back().at == 1000000 + 9000);
}

BOOST_AUTO_TEST_CASE(AScheduledCauseTheStateNoLongerHasIsDropped) {
  World w;
  EngineOrder* o = w.engine.Create("a", "create", {});
  w.engine.Schedule(*o, 1000000 + 5000, "finish");
  w.engine.Apply(*o, "drop");
  w.clock.Set(1000000 + 6000);
  BOOST_TEST(w.engine.SettleDue() == 0u);
  BOOST_TEST(o->state == "dropped");
}

BOOST_AUTO_TEST_CASE(TheSameSeedGivesTheSameIdsAndResetStartsThemAgain) {
  World a, b;
  const std::string first = a.engine.Create("a", "create", {})->id;
  BOOST_TEST(first == b.engine.Create("a", "create", {})->id);
  BOOST_TEST(first.rfind("ord_", 0) == 0u);
  BOOST_TEST(a.engine.Create("a", "create", {})->id != first);
  a.engine.Reset();
  BOOST_TEST(a.engine.size() == 0u);
  BOOST_TEST(a.engine.Create("a", "create", {})->id == first);
  BOOST_TEST(UuidOf(0, 1).size() == 36u);
  BOOST_TEST(UuidOf(0, 1) != UuidOf(1, 1));
}

BOOST_AUTO_TEST_CASE(OrdersOfAnOwnerAreNewestFirstAndOnlyTheirs) {
  World w;
  EngineOrder* one = w.engine.Create("a", "create", {});
  w.engine.Create("b", "create", {});
  EngineOrder* two = w.engine.Create("a", "create", {});
  const auto mine = w.engine.OrdersOf("a");
  BOOST_REQUIRE(mine.size() == 2u);
  BOOST_TEST(mine[0] == two);
  BOOST_TEST(mine[1] == one);
}

BOOST_AUTO_TEST_CASE(EachEngineDefectBreaksItsRule) {
  EngineDefects terminal;
  terminal.terminal_accepts_causes = true;
  World t(kLifecycle, terminal);
  EngineOrder* o = t.engine.Create("a", "create", {});
  t.engine.Apply(*o, "finish");
  BOOST_TEST(static_cast<int>(t.engine.Apply(*o, "drop")) == static_cast<int>(Move::kChanged));
  EngineDefects early;
  early.settles_early = true;
  World e(kLifecycle, early);
  EngineOrder* p = e.engine.Create("a", "create", {});
  e.engine.Schedule(*p, 1000000 + 5000, "finish");
  e.clock.Set(1000000 + 4000);
  BOOST_TEST(e.engine.SettleDue() == 1u);
  EngineDefects never;
  never.never_settles = true;
  World n(kLifecycle, never);
  EngineOrder* q = n.engine.Create("a", "create", {});
  n.engine.Schedule(*q, 1000000, "finish");
  BOOST_TEST(n.engine.SettleDue() == 0u);
  EngineDefects skip;
  skip.history_skips_entry = true;
  World h(kLifecycle, skip);
  BOOST_TEST(h.engine.Create("a", "create", {})->history.empty());
  EngineDefects keep;
  keep.reset_keeps_orders = true;
  World k(kLifecycle, keep);
  k.engine.Create("a", "create", {});
  k.engine.Reset();
  BOOST_TEST(k.engine.size() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
