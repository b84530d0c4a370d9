// Races on PurchaseService: many threads calling the core at once must give
// the answers one thread at a time would (one winner per token and per vendor
// order, a cancel that beats or follows a settlement but never corrupts the
// history, no order lost or counted twice). The same cases run under
// ThreadSanitizer in CI (ci/tsan), which also catches a data race that
// happens to give the right answer.
//
// Boost.Test's assertions are not thread-safe: worker threads only record
// what they saw, and the main thread judges it after join().
#define BOOST_TEST_MODULE concurrency_test
#include "hl_connector/purchase_service.h"

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <latch>
#include <map>
#include <set>
#include <thread>

namespace purchase {
namespace {

constexpr Millis kStart = 1767225600000;  // 2026-01-01T00:00:00Z
constexpr Millis kSecond = 1000;
constexpr int kThreads = 64;
const char* const kUsIp = "203.0.113.7";

const Catalog& Fixtures() {
  static const Catalog catalog = Catalog::Load(PURCHASE_TEST_FIXTURES);
  return catalog;
}

std::string Code(const Error& e) { return std::string(ErrorCodeName(e.code)); }

struct Env {
  Env() : service(Fixtures(), Lifecycle::Builtin(), std::make_unique<ManualClock>(kStart), ServiceOptions{}) {
    a = *service.Authenticate("test-token-vendor-a");
    b = *service.Authenticate("test-token-vendor-b");
  }
  std::string Token(VendorRef vendor, const std::string& asset_id) {
    auto grant = service.Validate(vendor, {asset_id, 1, kUsIp});
    BOOST_REQUIRE_MESSAGE(grant.ok(), "validate " << asset_id << ": " << (grant.ok() ? "" : Code(grant.error())));
    return grant.value().token;
  }
  Result<OrderView> Register(VendorRef vendor, const std::string& token, const std::string& asset_id,
                             const std::string& vendor_order_id) {
    return service.Register(vendor, {token, asset_id, 1, vendor_order_id},
                            RequestFacts{"POST", "/purchase/register", asset_id, vendor_order_id});
  }

  PurchaseService service;
  VendorRef a = 0, b = 0;
};

// Runs body(i) on n threads that start together (a latch), and joins them.
template <class Body>
void RunTogether(int n, Body body) {
  std::latch go(n);
  std::vector<std::thread> threads;
  threads.reserve(n);
  for (int i = 0; i < n; ++i)
    threads.emplace_back([&, i] {
      go.arrive_and_wait();
      body(i);
    });
  for (auto& t : threads) t.join();
}

// "" if the history is a path of spec/lifecycle.yaml that ends in `last`:
// entered by register, each step a transition of the table with its cause,
// instants never going back. Else what is wrong with it.
std::string CheckHistory(const OrderHistory& h, OrderState last) {
  const Lifecycle& lc = Lifecycle::Builtin();
  if (h.entries.empty()) return "empty history";
  const HistoryEntry& first = h.entries.front();
  if (first.from || OrderStateName(first.to) != lc.initial_state() || CauseName(first.cause) != lc.entry_cause())
    return "does not start with the entry (register -> PROCESSING)";
  for (size_t i = 1; i < h.entries.size(); ++i) {
    const HistoryEntry& e = h.entries[i];
    if (!e.from || *e.from != h.entries[i - 1].to) return "entry " + std::to_string(i) + " does not start where the last ended";
    const auto cause = lc.CauseOf(OrderStateName(*e.from), OrderStateName(e.to));
    if (!cause || *cause != CauseName(e.cause))
      return "entry " + std::to_string(i) + " " + std::string(OrderStateName(*e.from)) + " -> " +
             std::string(OrderStateName(e.to)) + " (" + std::string(CauseName(e.cause)) + ") is not in lifecycle.yaml";
    if (e.at < h.entries[i - 1].at) return "entry " + std::to_string(i) + " goes back in time";
  }
  if (h.entries.back().to != last || h.status != last) return "does not end in " + std::string(OrderStateName(last));
  return "";
}

BOOST_AUTO_TEST_SUITE(ConcurrencyTest)

BOOST_AUTO_TEST_CASE(OneTokenRegisteredFrom64ThreadsCreatesExactlyOneOrder) {
  Env env;
  const std::string token = env.Token(env.a, "asset-basic");
  std::vector<std::string> outcome(kThreads);
  RunTogether(kThreads, [&](int i) {
    auto r = env.Register(env.a, token, "asset-basic", "same-token-" + std::to_string(i));
    outcome[i] = r.ok() ? "created" : Code(r.error());
  });
  std::map<std::string, int> counts;
  for (const auto& o : outcome) ++counts[o];
  BOOST_TEST(counts["created"] == 1);
  BOOST_TEST(counts["TOKEN_ALREADY_USED"] == kThreads - 1);
  BOOST_TEST(counts.size() == 2u);
  BOOST_TEST(env.service.order_count() == 1u);
}

BOOST_AUTO_TEST_CASE(OneVendorOrderRegisteredFrom64ThreadsCreatesExactlyOneOrder) {
  Env env;
  std::vector<std::string> tokens;
  for (int i = 0; i < kThreads; ++i) tokens.push_back(env.Token(env.a, "asset-basic"));
  std::vector<Result<OrderView>> results(kThreads, Result<OrderView>(MakeError(ErrorCode::kInternalError, "not run")));
  RunTogether(kThreads, [&](int i) { results[i] = env.Register(env.a, tokens[i], "asset-basic", "same-order"); });

  std::string winner;
  int created = 0, duplicates = 0;
  for (const auto& r : results)
    if (r.ok()) {
      ++created;
      winner = r.value().order_id;
    }
  for (const auto& r : results)
    if (!r.ok() && r.error().code == ErrorCode::kDuplicatePurchase) {
      ++duplicates;
      BOOST_TEST(r.error().order_id == winner);  // every loser learns the winner's id
    }
  BOOST_TEST(created == 1);
  BOOST_TEST(duplicates == kThreads - 1);
  BOOST_TEST(env.service.order_count() == 1u);
  // The losers' tokens were not used up: each still creates an order.
  int reused = 0;
  for (int i = 0; i < kThreads; ++i)
    if (!results[i].ok() && env.Register(env.a, tokens[i], "asset-basic", "retry-" + std::to_string(i)).ok()) ++reused;
  BOOST_TEST(reused == kThreads - 1);
}

BOOST_AUTO_TEST_CASE(CancelRacingTheSettlingAdvanceEndsCanceledWithAConsistentHistory) {
  Env env;
  constexpr int kRounds = 300;
  std::map<size_t, int> shapes;  // history length -> rounds: which side won, for the log
  for (int round = 0; round < kRounds; ++round) {
    auto order = env.Register(env.a, env.Token(env.a, "asset-basic"), "asset-basic", "race-" + std::to_string(round));
    BOOST_REQUIRE(order.ok());
    const std::string id = order.value().order_id;
    std::optional<Result<OrderView>> canceled;
    std::optional<Result<ClockReading>> advanced;
    // Each side in turn gets a head start of a few yields, so that both
    // orders of the race happen (left alone, one side nearly always wins).
    const int head_start = round % 4;
    RunTogether(2, [&](int i) {
      if (i == (round % 2)) for (int k = 0; k < head_start; ++k) std::this_thread::yield();
      if (i == 0) canceled = env.service.Cancel(env.a, id, std::nullopt);
      else advanced = env.service.Advance(5 * kSecond);  // exactly asset-basic's delay: settles it
    });
    BOOST_REQUIRE(canceled->ok());
    BOOST_REQUIRE(advanced->ok());
    BOOST_TEST(OrderStateName(canceled->value().status) == "CANCELED");
    const auto info = env.service.Info(env.a, id);
    BOOST_REQUIRE(info.ok());
    BOOST_TEST(OrderStateName(info.value().status) == "CANCELED");
    const auto history = env.service.History(id);
    BOOST_REQUIRE(history.ok());
    BOOST_TEST(CheckHistory(history.value(), OrderState::kCanceled) == "", "round " << round);
    ++shapes[history.value().entries.size()];
    // A canceled order gets no URL, whichever side won.
    BOOST_TEST(!env.service.IssueUrl(env.a, id, UrlKind::kDownload).ok());
  }
  BOOST_TEST_MESSAGE("cancel before settle: " << shapes[2] << " rounds, settle before cancel: " << shapes[3]);
}

// 16 threads, each a client doing validate, register, info, URLs, cancel and
// duplicate retries on its own orders, one also moving the clock: at the end
// the service holds exactly the orders that were answered "created", each
// once, each with its own vendor order id and a history lifecycle.yaml allows.
BOOST_AUTO_TEST_CASE(MixedConcurrentTrafficLosesAndDuplicatesNoOrder) {
  Env env;
  constexpr int kClients = 16, kOrdersEach = 60;
  struct Seen {
    std::vector<std::pair<std::string, std::string>> created;  // order id, vendor order id
    std::vector<std::string> canceled;
    std::vector<std::string> problems;
  };
  std::vector<Seen> seen(kClients);
  RunTogether(kClients, [&](int c) {
    Seen& s = seen[c];
    const VendorRef vendor = c % 2 ? env.b : env.a;
    const char* asset = c % 3 == 0 ? "asset-fails" : "asset-basic";
    for (int i = 0; i < kOrdersEach; ++i) {
      const std::string vendor_order_id = "mixed-" + std::to_string(c) + "-" + std::to_string(i);
      auto grant = env.service.Validate(vendor, {asset, 1, kUsIp});
      if (!grant.ok()) { s.problems.push_back("validate: " + Code(grant.error())); continue; }
      auto order = env.Register(vendor, grant.value().token, asset, vendor_order_id);
      if (!order.ok()) { s.problems.push_back("register: " + Code(order.error())); continue; }
      const std::string id = order.value().order_id;
      s.created.emplace_back(id, vendor_order_id);
      // A retry whose reply was "lost": the same body again names the same order.
      auto retry = env.Register(vendor, grant.value().token, asset, vendor_order_id);
      if (retry.ok() || retry.error().code != ErrorCode::kDuplicatePurchase || retry.error().order_id != id)
        s.problems.push_back("retry of " + vendor_order_id + " did not answer DUPLICATE_PURCHASE " + id);
      if (!env.service.Info(vendor, id).ok()) s.problems.push_back("info " + id);
      (void)env.service.IssueUrl(vendor, id, i % 2 ? UrlKind::kView : UrlKind::kDownload);
      if (i % 4 == 0) {
        if (env.service.Cancel(vendor, id, std::nullopt).ok()) s.canceled.push_back(id);
        else s.problems.push_back("cancel " + id);
      }
      if (c == 0 && i % 3 == 0) (void)env.service.Advance(kSecond);
      if (c == 1) (void)env.service.Now();
    }
  });
  (void)env.service.Advance(10 * kSecond);  // everything still due settles

  std::set<std::string> ids;
  size_t created = 0;
  std::set<std::string> canceled;
  for (const auto& s : seen) {
    for (const auto& p : s.problems) BOOST_TEST_ERROR(p);
    created += s.created.size();
    for (const auto& [id, vendor_order_id] : s.created) ids.insert(id);
    canceled.insert(s.canceled.begin(), s.canceled.end());
  }
  BOOST_TEST(created == size_t{kClients * kOrdersEach});
  BOOST_TEST(ids.size() == created);                      // no id handed out twice
  BOOST_TEST(env.service.order_count() == created);       // none lost, none extra
  for (int c = 0; c < kClients; ++c) {
    const VendorRef vendor = c % 2 ? env.b : env.a;
    for (const auto& [id, vendor_order_id] : seen[c].created) {
      const auto info = env.service.Info(vendor, id);
      BOOST_REQUIRE(info.ok());
      BOOST_TEST(info.value().vendor_order_id == vendor_order_id);
      const OrderState expected = canceled.count(id) ? OrderState::kCanceled
                                  : c % 3 == 0       ? OrderState::kFailed
                                                     : OrderState::kCompleted;
      const auto history = env.service.History(id);
      BOOST_REQUIRE(history.ok());
      BOOST_TEST(CheckHistory(history.value(), expected) == "", id);
    }
  }
  BOOST_TEST_MESSAGE("mixed traffic: " << created << " orders from " << kClients << " threads, " << canceled.size()
                                       << " canceled, none lost or duplicated");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace purchase
