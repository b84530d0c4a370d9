// RuleBook: the mechanics that every API's fault rules share, whatever the
// rules match and do.
//
// A book is an ordered list of rules, oldest first. A request takes the
// oldest rule that the caller's predicate accepts (the predicate holds what
// an API matches on: fields, a '*' prefix, the kind of rule), and taking it
// counts it as fired: a rule with `remaining` counts down, one with none
// fires every time. Oldest-first is the contract's tie-break when several
// rules match, so the same rules and requests fire the same rules on every
// run. The book numbers rules 1, 2... since the start or the last Reset and
// the owner turns the number into an id ("fault-1"); Clear keeps counting, so
// an id never names two rules between resets (a client that deletes
// "fault-1" after a clear cannot hit a newer rule).
//
// What a spent rule does is a policy, because the contract says one thing
// and the deliberate defects of the HL Connector (hl_connector/defects.h:
// fault-times-off-by-one, exhausted-rule-vanishes) say another: the book
// carries both so that the two books of the project cannot drift apart.
//
// `Rule` needs `std::string id` and `std::optional<int64_t> remaining`
// (nullopt: unlimited). Not thread-safe: the owner's lock holds it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace purchase::engine {

// How a counted rule is spent.
struct RuleCounting {
  // A counted rule fires while its `remaining` is above this; only two values
  // are used. 0 is the contract (`times: N` fires N times); -1 fires once
  // more, leaving remaining at -1 (fault-times-off-by-one; the owner shows it as 0).
  int64_t floor = 0;
  // True: a rule leaves the book on the firing that brings its remaining to
  // 0 (exhausted-rule-vanishes). False, the contract: it stays listed with
  // remaining 0, so a client can see that it fired, until deleted.
  bool drop_exhausted = false;
};

template <class Rule>
class RuleBook {
 public:
  explicit RuleBook(RuleCounting counting = {}) : counting_(counting) {}

  // Stores `rule` as the newest, its id set to `name(n)` where n is 1 for the
  // first rule added since the start or the last Reset; returns it as stored.
  template <class Name>
  Rule Add(Rule rule, Name&& name) {
    rule.id = name(++added_);
    rules_.push_back(rule);
    return rule;
  }

  // Oldest first.
  const std::vector<Rule>& rules() const { return rules_; }

  // Removes the rule called `id` and returns it; nullopt if no rule has it.
  std::optional<Rule> Remove(std::string_view id) {
    for (auto it = rules_.begin(); it != rules_.end(); ++it)
      if (it->id == id) {
        Rule removed = std::move(*it);
        rules_.erase(it);
        return removed;
      }
    return std::nullopt;
  }

  // Removes every rule and returns how many there were; ids keep counting.
  size_t Clear() {
    const size_t n = rules_.size();
    rules_.clear();
    return n;
  }

  // Removes every rule; the next one added is number 1 again.
  void Reset() {
    rules_.clear();
    added_ = 0;
  }

  // Takes the oldest rule that `matches(rule)` accepts and that is not spent,
  // counts it as fired and returns it as it is after that firing (remaining
  // already counted down). Returns nullopt, changing nothing, if none does.
  template <class Matches>
  std::optional<Rule> Take(Matches&& matches) {
    for (auto it = rules_.begin(); it != rules_.end(); ++it) {
      Rule& rule = *it;
      if (!matches(static_cast<const Rule&>(rule))) continue;
      if (!rule.remaining) return rule;
      if (*rule.remaining <= counting_.floor) continue;  // spent: listed until deleted
      if (--*rule.remaining == 0 && counting_.drop_exhausted) {
        Rule fired = std::move(rule);
        rules_.erase(it);
        return fired;
      }
      return rule;
    }
    return std::nullopt;
  }

 private:
  const RuleCounting counting_;
  std::vector<Rule> rules_;
  uint64_t added_ = 0;  // rules added since the start or the last Reset
};

}  // namespace purchase::engine
