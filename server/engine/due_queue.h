// DueQueue: what falls due when the clock moves, earliest first.
//
// Every API's server schedules causes (a fulfillment, a payment's outcome) at
// a due instant and settles them, in due order, before it answers the next
// request. A min-heap keeps that O(log n) per cause however many orders
// wait; scanning the orders instead cost time in proportion to all of them
// on every request.
//
// `Entry` carries `Millis due` and whatever the server needs to find the
// order again, and defines `operator>` as "falls due later", ties broken by
// something deterministic (the order's number), so the same requests settle
// in the same order on every run. Not thread-safe: the server's lock holds it.
#pragma once

#include <algorithm>
#include <deque>
#include <functional>

#include "core/clock.h"

namespace purchase::engine {

template <class Entry>
class DueQueue {
 public:
  void Push(Entry entry) {
    heap_.push_back(std::move(entry));
    std::push_heap(heap_.begin(), heap_.end(), std::greater<>{});
  }
  // True if the earliest entry is due at `now` (its due instant is not after it).
  bool HasDue(Millis now) const { return !heap_.empty() && heap_.front().due <= now; }
  const Entry& Earliest() const { return heap_.front(); }
  Entry Pop() {
    std::pop_heap(heap_.begin(), heap_.end(), std::greater<>{});
    Entry entry = std::move(heap_.back());
    heap_.pop_back();
    return entry;
  }
  // Forgets every entry and gives the memory back (a swap, not a clear: a
  // deque keeps its blocks on clear()).
  void Clear() { std::deque<Entry>().swap(heap_); }
  bool empty() const { return heap_.empty(); }
  size_t size() const { return heap_.size(); }

 private:
  // A deque, not a vector: a vector grows by moving everything it holds,
  // which stalls the request that makes it grow (bench_handler).
  std::deque<Entry> heap_;
};

}  // namespace purchase::engine
