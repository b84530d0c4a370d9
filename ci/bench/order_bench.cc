// bench_orders: figures of the core alone (no HTTP), printed as one JSON
// object on stdout for ci/bench/run.
//
//   bench_orders memory N   register N orders (validate + register each) and
//                           report resident memory per order, whether memory
//                           stays put once creation stops, and what Reset()
//                           gives back (before and after malloc_trim).
//   bench_orders clock N    register N orders that fall due in 5 s, then time
//                           one clock advance that settles them all.
//   bench_orders engine N   the same for the profiles' OrderEngine: N orders
//                           with a cause due, the cost of a settlement that
//                           finds nothing due (every request pays it), then
//                           one that settles them all; and resident memory
//                           per order once settled.
//
// Resident memory is read from /proc/self/statm, so it counts what the orders
// really cost: records, indexes, allocator overhead and vector slack.
#include <malloc.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include "resident_memory.h"
#include "hl_connector/catalog.h"
#include "core/clock.h"
#include "core/lifecycle.h"
#include "hl_connector/purchase_service.h"
#include "engine/order_engine.h"

using namespace purchase;

namespace {

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "bench_orders: %s\n", what.c_str());
  std::exit(1);
}

// Validates and registers `n` orders of `asset_id` for vendor 0, with vendor
// order ids "bench-<i>" (short enough for std::string's inline buffer, as
// most real ones are not: the figure then includes no heap string).
void RegisterOrders(PurchaseService& service, size_t n, const std::string& asset_id) {
  ValidateRequest validate{asset_id, 1, "203.0.113.7"};
  RegisterRequest reg{"", asset_id, 1, ""};
  const RequestFacts facts{"POST", "/purchase/register", asset_id, ""};
  for (size_t i = 0; i < n; ++i) {
    auto grant = service.Validate(0, validate);
    if (!grant.ok()) Die("validate failed: " + grant.error().message);
    reg.token = std::move(grant.value().token);
    reg.vendor_order_id = "bench-" + std::to_string(i);
    auto order = service.Register(0, reg, facts);
    if (!order.ok()) Die("register failed: " + order.error().message);
  }
}

struct Setup {
  Catalog catalog = Catalog::Load(BENCH_FIXTURES);
  std::unique_ptr<PurchaseService> service;
  ManualClock* clock = nullptr;
  Setup() {
    auto clock_owned = std::make_unique<ManualClock>(*ParseRfc3339("2026-01-01T00:00:00Z"));
    clock = clock_owned.get();
    service = std::make_unique<PurchaseService>(catalog, Lifecycle::Builtin(), std::move(clock_owned), ServiceOptions{});
  }
};

int Memory(size_t n) {
  Setup s;
  // Warm up the allocator and the service's lazy state with a few orders, then reset.
  RegisterOrders(*s.service, 1000, "asset-slow");
  s.service->Reset();
  malloc_trim(0);
  const long before = ResidentBytes();
  const auto start = std::chrono::steady_clock::now();
  RegisterOrders(*s.service, n, "asset-slow");  // due in an hour: all stay PROCESSING
  const double seconds = SecondsSince(start);
  const long after = ResidentBytes();
  // Creation has stopped: reading every order and settling them all must not grow memory.
  for (size_t i = 0; i < 100000; ++i) (void)s.service->Now();
  if (!s.service->Advance(2 * 3600 * 1000).ok()) Die("advance failed");
  const long idle = ResidentBytes();
  s.service->Reset();
  const long after_reset = ResidentBytes();
  malloc_trim(0);
  const long after_trim = ResidentBytes();  // Reset() trims already on glibc; this shows nothing is left
  std::printf(
      "{\"orders\": %zu, \"seconds\": %.3f, \"rss_before\": %ld, \"rss_after\": %ld, \"bytes_per_order\": %.1f, "
      "\"rss_after_settling_all\": %ld, \"rss_after_reset\": %ld, \"rss_after_reset_and_trim\": %ld}\n",
      n, seconds, before, after, static_cast<double>(after - before) / static_cast<double>(n), idle, after_reset,
      after_trim);
  return 0;
}

int ClockAdvance(size_t n) {
  Setup s;
  RegisterOrders(*s.service, n, "asset-basic");  // due 5 s after registration
  const auto start = std::chrono::steady_clock::now();
  auto moved = s.service->Advance(10 * 1000);
  const double seconds = SecondsSince(start);
  if (!moved.ok()) Die("advance failed: " + moved.error().message);
  if (moved.value().settled != n) Die("settled " + std::to_string(moved.value().settled) + " of " + std::to_string(n));
  std::printf("{\"orders\": %zu, \"settled\": %zu, \"seconds\": %.6f, \"settled_per_second\": %.0f}\n", n,
              moved.value().settled, seconds, static_cast<double>(n) / seconds);
  return 0;
}

int EngineSettle(size_t n) {
  const Lifecycle lifecycle = Lifecycle::Parse(R"(
states:
  open: {initial: true}
  done: {terminal: true}
entry: {to: open, cause: create}
transitions:
  - {from: open, to: done, cause: finish}
)", "bench lifecycle");
  ManualClock clock(0);
  engine::OrderEngine orders(lifecycle, clock, {});
  const long before = ResidentBytes();
  // The HL Connector's three fields, to compare with its own 202 B record.
  for (size_t i = 0; i < n; ++i)
    orders.Schedule(*orders.Create("vendor-a", "create",
                                   {{"asset_id", "asset-basic"}, {"vendor_order_id", "vo-" + std::to_string(i)},
                                    {"quantity", "1"}}),
                    5000 + static_cast<Millis>(i % 1000), "finish");
  constexpr int kIdleRounds = 1000;
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kIdleRounds; ++i)
    if (orders.SettleDue() != 0) Die("an idle settlement settled something");
  const double idle_seconds = SecondsSince(start) / kIdleRounds;
  clock.Set(10 * 1000);
  start = std::chrono::steady_clock::now();
  const size_t settled = orders.SettleDue();
  const double seconds = SecondsSince(start);
  if (settled != n) Die("settled " + std::to_string(settled) + " of " + std::to_string(n));
  const double bytes_per_order = static_cast<double>(ResidentBytes() - before) / static_cast<double>(n);
  std::printf("{\"orders\": %zu, \"idle_settle_us\": %.3f, \"seconds\": %.6f, \"settled_per_second\": %.0f, "
              "\"bytes_per_order\": %.0f}\n",
              n, idle_seconds * 1e6, seconds, static_cast<double>(n) / seconds, bytes_per_order);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc == 3 ? argv[1] : "";
  if (mode != "memory" && mode != "clock" && mode != "engine") {
    std::fprintf(stderr, "usage: %s memory|clock|engine ORDERS\n", argv[0]);
    return 2;
  }
  const size_t n = std::strtoull(argv[2], nullptr, 10);
  if (n == 0) Die("ORDERS must be > 0");
  if (mode == "memory") return Memory(n);
  return mode == "clock" ? ClockAdvance(n) : EngineSettle(n);
}
