#include "engine/order_engine.h"

#include <algorithm>
#include <cstdio>

#include "core/id_generator.h"  // Mix64

namespace purchase::engine {

std::string UuidOf(uint64_t seq, uint64_t seed) {
  const uint64_t hi = Mix64(seq ^ Mix64(seed ^ 0x5555555555555555ULL));
  const uint64_t lo = Mix64(hi ^ seed);
  char text[37];
  std::snprintf(text, sizeof text, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                static_cast<unsigned>((hi >> 16) & 0xffff), static_cast<unsigned>(hi & 0xffff),
                static_cast<unsigned>(lo >> 48), static_cast<unsigned long long>(lo & 0xffffffffffffULL));
  return text;
}

OrderEngine::OrderEngine(const Lifecycle& lifecycle, Clock& clock, EngineOptions options, EngineDefects defects)
    : lifecycle_(lifecycle), clock_(clock), options_(std::move(options)), defects_(defects) {}

std::string OrderEngine::IdOf(uint64_t seq) const {
  if (options_.id_style == IdStyle::kUuid) return UuidOf(seq, options_.seed);
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx",
                static_cast<unsigned long long>(Mix64(seq ^ Mix64(options_.seed ^ 0x0123456789abcdefULL))));
  return options_.id_prefix + hex;
}

void OrderEngine::Record(EngineOrder& order, std::string from, std::string to, std::string cause, Millis now) {
  order.state = to;
  order.updated_at = now;
  order.history.push_back(HistoryEntry{std::move(from), std::move(to), std::move(cause), now});
}

EngineOrder* OrderEngine::Create(std::string owner, std::string_view entry_cause,
                                 std::map<std::string, std::string> fields) {
  const auto state = lifecycle_.EntryState(entry_cause);
  if (!state) return nullptr;
  auto order = std::make_unique<EngineOrder>();
  order->seq = orders_.size();
  order->id = IdOf(order->seq);
  order->owner = std::move(owner);
  order->fields = std::move(fields);
  order->created_at = clock_.Now();
  Record(*order, "", *state, std::string(entry_cause), clock_.Now());
  if (defects_.history_skips_entry) order->history.clear();
  EngineOrder* raw = order.get();
  by_id_.emplace(raw->id, raw);
  orders_.push_back(std::move(order));
  return raw;
}

EngineOrder* OrderEngine::Find(std::string_view id) {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : it->second;
}

std::vector<EngineOrder*> OrderEngine::OrdersOf(std::string_view owner) {
  std::vector<EngineOrder*> out;
  for (auto it = orders_.rbegin(); it != orders_.rend(); ++it)
    if ((*it)->owner == owner) out.push_back(it->get());
  return out;
}

Move OrderEngine::Apply(EngineOrder& order, std::string_view cause) { return ApplyAt(order, cause, clock_.Now()); }

Move OrderEngine::ApplyAt(EngineOrder& order, std::string_view cause, Millis at) {
  if (lifecycle_.IsIdempotent(order.state, cause)) return Move::kIdempotent;
  std::optional<std::string> to = lifecycle_.TargetOf(order.state, cause);
  if (!to && defects_.terminal_accepts_causes && lifecycle_.IsTerminal(order.state)) {
    // The defect: a terminal state moves wherever the cause leads from any state.
    for (const auto& t : lifecycle_.transitions())
      if (t.cause == cause && t.to != order.state) {
        to = t.to;
        break;
      }
  }
  if (!to) return Move::kRefused;
  Record(order, order.state, *to, std::string(cause), at);
  // Nothing more happens to a settled order; the defect keeps its timers,
  // which then fire on a terminal state it does not leave.
  if (lifecycle_.IsTerminal(*to) && !defects_.terminal_accepts_causes) order.scheduled.clear();
  return Move::kChanged;
}

void OrderEngine::Schedule(EngineOrder& order, Millis due, std::string cause) {
  order.scheduled.push_back(ScheduledCause{due, std::move(cause)});
}

void OrderEngine::Unschedule(EngineOrder& order) { order.scheduled.clear(); }

size_t OrderEngine::SettleDue() {
  if (defects_.never_settles) return 0;
  std::vector<const EngineOrder*> changed;
  const Millis now = clock_.Now() + (defects_.settles_early ? 1000 : 0);
  // Earliest due first; ties by the older order (deterministic).
  for (;;) {
    EngineOrder* next = nullptr;
    size_t next_index = 0;
    for (const auto& order : orders_)
      for (size_t i = 0; i < order->scheduled.size(); ++i)
        if (order->scheduled[i].due <= now && (!next || order->scheduled[i].due < next->scheduled[next_index].due)) {
          next = order.get();
          next_index = i;
        }
    if (!next) return changed.size();
    const ScheduledCause due = next->scheduled[next_index];
    next->scheduled.erase(next->scheduled.begin() + static_cast<long>(next_index));
    // A cause the order's state no longer has a transition for (it was
    // canceled meanwhile) is dropped, as the lifecycle says nothing else.
    // The change happened at its due time, whenever the clock got there.
    if (ApplyAt(*next, due.cause, std::max(due.due, next->updated_at)) == Move::kChanged &&
        std::find(changed.begin(), changed.end(), next) == changed.end())
      changed.push_back(next);
  }
}

void OrderEngine::Reset() {
  if (defects_.reset_keeps_orders) return;
  orders_.clear();
  by_id_.clear();
}

}  // namespace purchase::engine
