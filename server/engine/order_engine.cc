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
    : lifecycle_(lifecycle), machine_(lifecycle), clock_(clock), options_(std::move(options)), defects_(defects) {}

std::string OrderEngine::IdOf(uint64_t seq) const {
  if (options_.id_style == IdStyle::kUuid) return UuidOf(seq, options_.seed);
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx",
                static_cast<unsigned long long>(Mix64(seq ^ Mix64(options_.seed ^ 0x0123456789abcdefULL))));
  return options_.id_prefix + hex;
}

void OrderEngine::Record(EngineOrder& order, std::string from, StateId to, CauseId cause, Millis now) {
  order.state = machine_.StateName(to);
  order.updated_at = now;
  order.history.push_back(HistoryEntry{std::move(from), order.state, machine_.CauseName(cause), now});
}

EngineOrder* OrderEngine::Create(std::string owner, std::string_view entry_cause,
                                 std::map<std::string, std::string> fields) {
  const auto cause = machine_.Cause(entry_cause);
  const auto state = cause ? machine_.Entry(*cause) : std::nullopt;
  if (!state) return nullptr;
  auto order = std::make_unique<EngineOrder>();
  order->seq = orders_.size();
  order->id = IdOf(order->seq);
  order->owner = std::move(owner);
  order->fields = std::move(fields);
  order->created_at = clock_.Now();
  Record(*order, "", *state, *cause, clock_.Now());
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

Move OrderEngine::Apply(EngineOrder& order, std::string_view cause) {
  const auto id = machine_.Cause(cause);
  if (!id) return Move::kRefused;  // a cause the lifecycle never names moves nothing
  return ApplyAt(order, *id, clock_.Now());
}

Move OrderEngine::ApplyAt(EngineOrder& order, CauseId cause, Millis at) {
  const StateId from = *machine_.State(order.state);
  if (machine_.IsIdempotent(from, cause)) return Move::kIdempotent;
  std::optional<StateId> to = machine_.Target(from, cause);
  if (!to && defects_.terminal_accepts_causes && machine_.IsTerminal(from)) {
    // The defect: a terminal state moves where the cause first leads from any state.
    for (const auto& t : lifecycle_.transitions())
      if (t.cause == machine_.CauseName(cause) && t.to != order.state) {
        to = machine_.State(t.to);
        break;
      }
  }
  if (!to) return Move::kRefused;
  // Causes still scheduled for an order that reached a terminal state stay in
  // the queue and find no transition when they fall due; the defect above
  // lets them move it again.
  Record(order, order.state, *to, cause, at);
  return Move::kChanged;
}

bool OrderEngine::Schedule(EngineOrder& order, Millis due, std::string_view cause) {
  const auto id = machine_.Cause(cause);
  if (!id) return false;
  due_.Push(Due{due, order.seq, ticks_++, *id});
  return true;
}

size_t OrderEngine::SettleDue() {
  if (defects_.never_settles) return 0;
  std::vector<uint64_t> changed;  // the orders' seqs; an order may change more than once
  const Millis now = clock_.Now() + (defects_.settles_early ? 1000 : 0);
  while (due_.HasDue(now)) {
    const Due due = due_.Pop();
    EngineOrder& order = *orders_[due.seq];
    // A cause the order's state no longer has a transition for (it was
    // canceled meanwhile) is dropped, as the lifecycle says nothing else.
    // The change happened at its due time, whenever the clock got there.
    if (ApplyAt(order, due.cause, std::max(due.due, order.updated_at)) == Move::kChanged) changed.push_back(due.seq);
  }
  std::sort(changed.begin(), changed.end());
  return static_cast<size_t>(std::unique(changed.begin(), changed.end()) - changed.begin());
}

void OrderEngine::Reset() {
  if (defects_.reset_keeps_orders) return;
  orders_.clear();
  by_id_.clear();
  due_.Clear();
  ticks_ = 0;
}

}  // namespace purchase::engine
