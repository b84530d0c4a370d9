// The engine's compiled lifecycle and its due-time queue: the two pieces
// every API's server (the HL Connector's and each profile's) settles orders with.
#define BOOST_TEST_MODULE lifecycle_machine
#include <boost/test/unit_test.hpp>

#include <fstream>
#include <sstream>

#include "engine/due_queue.h"
#include "engine/lifecycle_machine.h"

using namespace purchase;
using namespace purchase::engine;

namespace {

std::string ReadSpec(const std::string& relative) {
  std::ifstream in(std::string(PURCHASE_TEST_SPEC) + "/" + relative);
  BOOST_REQUIRE_MESSAGE(in, "cannot read spec/" + relative);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Every cause a document names, in entries, transitions and idempotent pairs.
std::vector<std::string> CausesOf(const Lifecycle& lc) {
  std::vector<std::string> causes;
  for (const auto& e : lc.entries()) causes.push_back(e.cause);
  for (const auto& t : lc.transitions()) causes.push_back(t.cause);
  for (const auto& [state, cause] : lc.idempotent()) causes.push_back(cause);
  return causes;
}

struct Item {
  Millis due;
  uint32_t seq;
  bool operator>(const Item& o) const { return due != o.due ? due > o.due : seq > o.seq; }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(Machine)

// The machine is the document's answers in numbers: for every lifecycle the
// project serves, every (state, cause) pair gets the answer Lifecycle gives by name.
BOOST_AUTO_TEST_CASE(TheMachineAnswersEveryStateAndCauseAsItsLifecycleDocumentDoes) {
  for (const char* file : {"lifecycle.yaml", "imaging-catalog/lifecycle.yaml", "sheetmusicdirect/lifecycle.yaml",
                           "tabs/lifecycle.yaml"}) {
    BOOST_TEST_CONTEXT(file) {
      const Lifecycle lc = Lifecycle::Parse(ReadSpec(file), file);
      const LifecycleMachine machine(lc);
      BOOST_TEST(machine.state_count() == lc.states().size());
      for (const std::string& cause_name : CausesOf(lc)) {
        const auto cause = machine.Cause(cause_name);
        BOOST_REQUIRE(cause);
        BOOST_TEST(machine.CauseName(*cause) == cause_name);
        const auto entry = machine.Entry(*cause);
        BOOST_TEST((entry ? machine.StateName(*entry) : "none") == lc.EntryState(cause_name).value_or("none"));
        for (const std::string& state_name : lc.states()) {
          const auto state = machine.State(state_name);
          BOOST_REQUIRE(state);
          BOOST_TEST(machine.StateName(*state) == state_name);
          BOOST_TEST(machine.IsTerminal(*state) == lc.IsTerminal(state_name));
          BOOST_TEST(machine.IsIdempotent(*state, *cause) == lc.IsIdempotent(state_name, cause_name));
          const auto to = machine.Target(*state, *cause);
          BOOST_TEST((to ? machine.StateName(*to) : "none") == lc.TargetOf(state_name, cause_name).value_or("none"));
        }
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(ANameTheDocumentNeverUsesHasNoNumber) {
  const Lifecycle lc = Lifecycle::Parse(ReadSpec("lifecycle.yaml"), "lifecycle.yaml");
  const LifecycleMachine machine(lc);
  BOOST_TEST(!machine.Cause("refund"));
  BOOST_TEST(!machine.State("REFUNDED"));
  BOOST_TEST(!machine.Cause(""));
}

BOOST_AUTO_TEST_CASE(ALifecycleWithMoreStatesThanAByteNumbersIsRefused) {
  std::string text = "states:\n  s0: {initial: true}\n";
  for (int i = 1; i < 300; ++i) text += "  s" + std::to_string(i) + ": {terminal: true}\n";
  text += "entry: {to: s0, cause: create}\ntransitions:\n  - {from: s0, to: s1, cause: go}\n";
  const Lifecycle lc = Lifecycle::Parse(text, "big.yaml");
  BOOST_CHECK_THROW(LifecycleMachine{lc}, SpecError);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(Due)

BOOST_AUTO_TEST_CASE(CausesFallDueEarliestFirstAndTiesByTheirOrderNumber) {
  DueQueue<Item> queue;
  for (const Item item : {Item{30, 0}, Item{10, 5}, Item{20, 1}, Item{10, 2}, Item{10, 9}}) queue.Push(item);
  std::vector<std::pair<Millis, uint32_t>> order;
  while (queue.HasDue(1000)) {
    const Item item = queue.Pop();
    order.emplace_back(item.due, item.seq);
  }
  const std::vector<std::pair<Millis, uint32_t>> expected{{10, 2}, {10, 5}, {10, 9}, {20, 1}, {30, 0}};
  BOOST_TEST((order == expected));
  BOOST_TEST(queue.empty());
}

BOOST_AUTO_TEST_CASE(NothingFallsDueBeforeItsInstantAndEverythingDoesAtIt) {
  DueQueue<Item> queue;
  queue.Push({100, 0});
  BOOST_TEST(!queue.HasDue(99));
  BOOST_TEST(queue.HasDue(100));
  BOOST_TEST(queue.Earliest().due == 100);
  queue.Clear();
  BOOST_TEST(!queue.HasDue(1000));
  BOOST_TEST(queue.size() == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
