// Tests of Lifecycle: the state machine the core obeys is the one written in
// spec/lifecycle.yaml (the embedded copy matches the file, and the file says
// what the issue says), and a broken lifecycle file is refused with a message
// that names file:line:column.
#define BOOST_TEST_MODULE lifecycle_test
#include "core/lifecycle.h"

#include <boost/test/unit_test.hpp>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

namespace purchase {
namespace {

const std::vector<std::string> kStates = {"PROCESSING", "COMPLETED", "FAILED", "CANCELED"};
const std::vector<std::string> kCauses = {"register", "fulfillment_succeeded", "fulfillment_failed", "vendor_cancel"};

std::string ReadSpec(const std::string& name) {
  std::ifstream in(std::string(PURCHASE_TEST_SPEC) + "/" + name, std::ios::binary);
  BOOST_REQUIRE_MESSAGE(in, "cannot read spec/" << name);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The message of the SpecError that parsing `yaml` throws, or "no error".
std::string ParseError(const std::string& yaml) {
  try {
    Lifecycle::Parse(yaml, "lc.yaml");
  } catch (const SpecError& e) {
    return e.what();
  } catch (const std::exception& e) {
    return std::string("not a SpecError: ") + e.what();
  }
  return "no error";
}

// True if `error` reads "lc.yaml:<line>:<column>: error: ..." with a real (1-based) position.
bool NamesAPosition(const std::string& error) {
  return std::regex_search(error, std::regex("^lc\\.yaml:[1-9][0-9]*:[1-9][0-9]*: error: "));
}

// A valid lifecycle, to which each case below adds one mistake.
const std::string kHead =
    "states:\n"
    "  A: {initial: true}\n"
    "  B: {terminal: true}\n"
    "entry: {to: A, cause: make}\n";

BOOST_AUTO_TEST_SUITE(LifecycleTest)

BOOST_AUTO_TEST_CASE(BuiltinMatchesTheSpecFile) {
  const Lifecycle file = Lifecycle::Parse(ReadSpec("lifecycle.yaml"), "spec/lifecycle.yaml");
  const Lifecycle& builtin = Lifecycle::Builtin();
  BOOST_TEST(builtin.states() == file.states(), boost::test_tools::per_element());
  BOOST_TEST(builtin.initial_state() == file.initial_state());
  BOOST_TEST(builtin.entry_cause() == file.entry_cause());
  BOOST_REQUIRE_EQUAL(builtin.transitions().size(), file.transitions().size());
  for (size_t i = 0; i < file.transitions().size(); ++i) {
    BOOST_TEST(builtin.transitions()[i].from == file.transitions()[i].from);
    BOOST_TEST(builtin.transitions()[i].to == file.transitions()[i].to);
    BOOST_TEST(builtin.transitions()[i].cause == file.transitions()[i].cause);
  }
  for (const auto& s : file.states()) {
    BOOST_TEST(builtin.IsTerminal(s) == file.IsTerminal(s), s);
    for (const auto& c : kCauses) BOOST_TEST(builtin.IsIdempotent(s, c) == file.IsIdempotent(s, c), s << "/" << c);
  }
}

BOOST_AUTO_TEST_CASE(BuiltinIsTheMachineOfTheIssue) {
  // PROCESSING -> COMPLETED | FAILED | CANCELED; COMPLETED -> CANCELED;
  // FAILED -> CANCELED; CANCELED is terminal; nothing goes back to PROCESSING.
  const Lifecycle& lc = Lifecycle::Builtin();
  BOOST_TEST(lc.states() == kStates, boost::test_tools::per_element());
  BOOST_TEST(lc.initial_state() == "PROCESSING");
  BOOST_TEST(lc.entry_cause() == "register");
  const std::set<std::tuple<std::string, std::string, std::string>> expected = {
      {"PROCESSING", "COMPLETED", "fulfillment_succeeded"},
      {"PROCESSING", "FAILED", "fulfillment_failed"},
      {"PROCESSING", "CANCELED", "vendor_cancel"},
      {"COMPLETED", "CANCELED", "vendor_cancel"},
      {"FAILED", "CANCELED", "vendor_cancel"},
  };
  for (const auto& from : kStates) {
    for (const auto& to : kStates) {
      std::string cause;
      for (const auto& [f, t, c] : expected)
        if (f == from && t == to) cause = c;
      BOOST_TEST(lc.Allows(from, to) == !cause.empty(), from << " -> " << to);
      BOOST_TEST(lc.CauseOf(from, to).value_or("") == cause, from << " -> " << to);
      for (const auto& c : kCauses)
        BOOST_TEST(lc.Allows(from, to, c) == (c == cause), from << " -> " << to << " by " << c);
    }
  }
  for (const auto& s : kStates) BOOST_TEST(lc.IsTerminal(s) == (s == "CANCELED"), s);
  for (const auto& s : kStates)
    for (const auto& c : kCauses)
      BOOST_TEST(lc.IsIdempotent(s, c) == (s == "CANCELED" && c == "vendor_cancel"), s << "/" << c);
  BOOST_TEST(!lc.IsKnown("SHIPPED"));
  BOOST_TEST(!lc.IsTerminal("SHIPPED"));
}

BOOST_AUTO_TEST_CASE(ParseAcceptsAMinimalMachine) {
  const Lifecycle lc = Lifecycle::Parse(kHead + "transitions:\n  - {from: A, to: B, cause: go}\n", "lc.yaml");
  BOOST_TEST(lc.initial_state() == "A");
  BOOST_TEST(lc.entry_cause() == "make");
  BOOST_TEST(lc.CauseOf("A", "B").value_or("") == "go");
  BOOST_TEST(lc.IsTerminal("B"));
}

BOOST_AUTO_TEST_CASE(ParseErrorsNameFileLineAndColumn) {
  // Unknown state in a transition: the position of the bad value.
  BOOST_TEST(ParseError(kHead + "transitions:\n  - {from: A, to: C, cause: go}\n") ==
             "lc.yaml:6:19: error: unknown state 'C'");
  BOOST_TEST(ParseError(kHead + "transitions:\n  - from: Z\n    to: B\n    cause: go\n") ==
             "lc.yaml:6:11: error: unknown state 'Z'");
  // The same transition twice.
  BOOST_TEST(ParseError(kHead + "transitions:\n  - {from: A, to: B, cause: go}\n  - {from: A, to: B, cause: again}\n") ==
             "lc.yaml:7:5: error: transition A -> B is listed twice");
  // A transition out of a terminal state.
  BOOST_TEST(ParseError(kHead + "transitions:\n  - {from: B, to: A, cause: back}\n") ==
             "lc.yaml:6:5: error: terminal state 'B' cannot have a transition");
  // A transition without a cause: the position of the transition.
  BOOST_TEST(ParseError(kHead + "transitions:\n  - {from: A, to: B}\n") == "lc.yaml:6:5: error: missing key 'cause'");
  // No initial state, two initial states.
  BOOST_TEST(ParseError("states:\n  A: {}\nentry: {to: A, cause: c}\ntransitions: []\n") ==
             "lc.yaml:2:3: error: no state is marked 'initial: true'");
  BOOST_TEST(ParseError("states:\n  A: {initial: true}\n  B: {initial: true}\n") ==
             "lc.yaml:3:3: error: two initial states");
  // The entry must lead into the initial state.
  BOOST_TEST(ParseError("states:\n  A: {initial: true}\n  B: {}\nentry: {to: B, cause: c}\ntransitions: []\n") ==
             "lc.yaml:4:8: error: 'entry.to' must be the initial state A");
  // An unknown state in the idempotent list.
  BOOST_TEST(ParseError(kHead + "transitions: []\nidempotent:\n  - {state: X, cause: go}\n") ==
             "lc.yaml:7:13: error: unknown state 'X'");
  // Not YAML at all: the parser's position.
  BOOST_TEST(NamesAPosition(ParseError("states: [A, B\n")), ParseError("states: [A, B\n"));
}

BOOST_AUTO_TEST_CASE(ParseRefusesAStateListedTwice) {
  // yaml-cpp keeps both keys of a map that repeats one; the lifecycle must not.
  BOOST_TEST(ParseError("states:\n  A: {initial: true}\n  A: {}\nentry: {to: A, cause: c}\ntransitions: []\n") ==
             "lc.yaml:3:3: error: state 'A' is listed twice");
}

BOOST_AUTO_TEST_CASE(ParseRefusesAMalformedStructureWithASpecError) {
  // A state or transition written as a plain string instead of a map, or an
  // empty file: still a SpecError naming file:line:column, never a bare
  // yaml-cpp exception (the loader promises SpecError on any problem).
  for (const std::string& yaml : {std::string("states:\n  A: initial\nentry: {to: A, cause: c}\ntransitions: []\n"),
                                  kHead + "transitions:\n  - A to B\n", std::string("")}) {
    const std::string error = ParseError(yaml);
    BOOST_TEST(NamesAPosition(error), error);
  }
}

BOOST_AUTO_TEST_CASE(AnObservePointsScopeListsQueryParameterNames) {
  const std::string head = kHead + "transitions:\n  - {from: A, to: B, cause: go}\n";
  const Lifecycle lc =
      Lifecycle::Parse(head + "observe:\n  - {id: /id, state: /s, scope: {query: [key, client]}}\n", "lc.yaml");
  BOOST_REQUIRE(lc.observe().size() == 1u);
  BOOST_TEST((lc.observe()[0].scope_query == std::vector<std::string>{"key", "client"}));
  BOOST_TEST(ParseError(head + "observe:\n  - {id: /id, state: /s, scope: {query: client}}\n") ==
             "lc.yaml:8:41: error: a scope's 'query' must be a list of query parameter names");
  BOOST_TEST(ParseError(head + "observe:\n  - {id: /id, state: /s, scope: client}\n") ==
             "lc.yaml:8:33: error: an observe entry's scope ({query: [NAME, ...]}) must be a map");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace purchase
