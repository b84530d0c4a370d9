// OrderEngine: the orders of any purchase API whose lifecycle is data.
//
// An order is an id, an owner, a state named by the API's lifecycle.yaml, its
// history, the transitions scheduled for it, and the API's own fields (text).
// The engine knows nothing of any one API: a surface asks it to create an
// order by an entry cause, to apply a cause (it finds the target state in the
// lifecycle, or refuses), or to schedule a cause at a due time; moving the
// clock settles what fell due, in due order. Change a transition in the
// lifecycle file and the engine does the new thing, with no code change.
//
// Time comes from the injected Clock; ids from the seed (the same seed and
// requests give the same ids). Not thread-safe: ProfileHost holds it under one
// lock, so that settling and answering never interleave.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/lifecycle.h"
#include "engine/due_queue.h"
#include "engine/lifecycle_machine.h"

namespace purchase::engine {

struct HistoryEntry {
  std::string from;  // empty for the entry
  std::string to;
  std::string cause;
  Millis at = 0;
};

struct EngineOrder {
  uint64_t seq = 0;  // creation order, from 0 since the start or the last reset
  std::string id;
  std::string owner;  // who may see it (a vendor, a retailer client, a user)
  std::string state;
  Millis created_at = 0;
  Millis updated_at = 0;
  std::vector<HistoryEntry> history;
  std::map<std::string, std::string> fields;  // the API's own data
};

// How order ids look: "<prefix>" + 16 hex digits, or a UUID (8-4-4-4-12 hex),
// each from a bijective mix of the sequence number and the seed.
enum class IdStyle { kPrefixedHex, kUuid };

struct EngineOptions {
  uint64_t seed = 1;
  IdStyle id_style = IdStyle::kPrefixedHex;
  std::string id_prefix = "ord_";
};

// What Apply did.
enum class Move {
  kChanged,   // the lifecycle had a transition for the cause
  kIdempotent,  // the lifecycle accepts the cause in this state without a change
  kRefused,   // no transition and not idempotent: the caller answers an error
};

// A way the engine may be broken on purpose (profiles' deliberate defects:
// the scenario suites of every profile must catch each).
struct EngineDefects {
  bool terminal_accepts_causes = false;  // a terminal state still moves (on any cause some state has)
  bool settles_early = false;            // scheduled causes fire one second before their due time
  bool never_settles = false;            // scheduled causes never fire
  bool history_skips_entry = false;      // the history lacks the entry
  bool reset_keeps_orders = false;       // POST /_control/reset leaves the orders
};

class OrderEngine {
 public:
  OrderEngine(const Lifecycle& lifecycle, Clock& clock, EngineOptions options, EngineDefects defects = {});

  // Creates an order by an entry of the lifecycle (null if `entry_cause` is
  // none of its entries: a programming error of the surface).
  EngineOrder* Create(std::string owner, std::string_view entry_cause, std::map<std::string, std::string> fields);

  // The order with this id, or null. Ids are unique since the last reset.
  EngineOrder* Find(std::string_view id);
  // Every order of `owner`, newest first (the order lists of every API).
  std::vector<EngineOrder*> OrdersOf(std::string_view owner);

  // Applies a cause to an order: moves it where the lifecycle says.
  Move Apply(EngineOrder& order, std::string_view cause);
  // Schedules a cause for when the clock reaches `due` (settled then, if the
  // lifecycle still has a transition for it from the order's state then;
  // otherwise dropped). False if the lifecycle names no such cause.
  bool Schedule(EngineOrder& order, Millis due, std::string_view cause);
  // Applies every scheduled cause whose time has come, earliest first (ties:
  // the older order first, then the one scheduled first). Called before every
  // request is answered. Returns how many orders changed state.
  size_t SettleDue();

  // Forgets every order; ids start again.
  void Reset();

  Millis Now() const { return clock_.Now(); }
  const Lifecycle& lifecycle() const { return lifecycle_; }
  size_t size() const { return orders_.size(); }

 private:
  std::string IdOf(uint64_t seq) const;
  struct Due {
    Millis due;
    uint64_t seq;    // the order's
    uint64_t tick;   // scheduling order, for ties within an order
    CauseId cause;
    bool operator>(const Due& o) const {
      if (due != o.due) return due > o.due;
      return seq != o.seq ? seq > o.seq : tick > o.tick;
    }
  };
  Move ApplyAt(EngineOrder& order, CauseId cause, Millis at);
  void Record(EngineOrder& order, std::string from, StateId to, CauseId cause, Millis at);

  const Lifecycle& lifecycle_;
  const LifecycleMachine machine_;
  Clock& clock_;
  const EngineOptions options_;
  const EngineDefects defects_;
  std::vector<std::unique_ptr<EngineOrder>> orders_;  // by seq
  std::map<std::string, EngineOrder*, std::less<>> by_id_;
  DueQueue<Due> due_;
  uint64_t ticks_ = 0;
};

// A UUID-shaped text of 128 bits derived from two mixes of `seq` and `seed`.
std::string UuidOf(uint64_t seq, uint64_t seed);

}  // namespace purchase::engine
