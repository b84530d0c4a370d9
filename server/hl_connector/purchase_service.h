// PurchaseService: the whole purchase state machine, with no I/O.
//
// Vendors validate a purchase (one-time token), register it (an order in
// PROCESSING), poll it, get signed URLs once it is COMPLETED and cancel it at
// any time. Fulfillment settles each order when the injected clock reaches its
// due time; every state change is checked against spec/lifecycle.yaml.
//
// Threads: every public method takes one internal mutex, so the service can
// be shared by all HTTP threads; each call sees and leaves a consistent state.
// Deterministic: the same options (seed) and the same calls give the same
// results, byte for byte, and Reset() returns to the start state.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "catalog.h"
#include "core/clock.h"
#include "defects.h"
#include "engine/due_queue.h"
#include "engine/lifecycle_machine.h"
#include "fault_rules.h"
#include "core/id_generator.h"
#include "core/lifecycle.h"
#include "signed_url.h"
#include "core/status.h"
#include "core/variant.h"

namespace purchase {

enum class OrderState : uint8_t { kProcessing, kCompleted, kFailed, kCanceled };
std::string_view OrderStateName(OrderState s);

// The causes of spec/lifecycle.yaml, in the order of its entry and transitions.
enum class Cause : uint8_t { kRegister, kFulfillmentSucceeded, kFulfillmentFailed, kVendorCancel };
std::string_view CauseName(Cause c);

struct ServiceOptions {
  uint64_t seed = 1;
  Millis token_ttl = 15 * 60 * 1000;
  Millis url_ttl = 10 * 60 * 1000;
  Defects defects;
  // The shapes of order ids, tokens and fault-rule ids (variant.h).
  Variant variant = Variant::kReference;
};

using VendorRef = uint16_t;

struct ValidateRequest {
  std::string asset_id;
  int64_t quantity = 0;
  std::string customer_ip;
};

struct TokenGrant {
  std::string token;
  Millis expires_at = 0;
};

struct RegisterRequest {
  std::string token;
  std::string asset_id;
  int64_t quantity = 0;
  std::string vendor_order_id;
};

struct OrderView {
  std::string order_id;
  std::string vendor_order_id;
  std::string asset_id;
  int64_t quantity = 0;
  OrderState status = OrderState::kProcessing;
  Millis created_at = 0;
  Millis updated_at = 0;
  Millis due_at = 0;
  Millis canceled_at = 0;      // status kCanceled
  std::string failure_reason;  // status kFailed
  std::string item_id;
};

struct UrlGrant {
  std::string path_and_query;  // "/assets/download/ord_...?expires=...&sig=..."
  Millis expires_at = 0;
};

struct AssetDelivery {
  const Asset* asset = nullptr;
  UrlKind kind = UrlKind::kDownload;
  std::string order_id;
};

struct HistoryEntry {
  std::optional<OrderState> from;
  OrderState to;
  Millis at;
  Cause cause;
};

struct OrderHistory {
  std::string order_id;
  OrderState status;
  std::vector<HistoryEntry> entries;
};

struct ClockReading {
  Millis now = 0;
  size_t settled = 0;  // orders settled by this move of the clock
};

class PurchaseService {
 public:
  // `catalog` and `lifecycle` must outlive the service. Throws SpecError if the
  // lifecycle lacks a state or transition the service makes.
  PurchaseService(const Catalog& catalog, const Lifecycle& lifecycle, std::unique_ptr<Clock> clock,
                  ServiceOptions options);

  // The vendor owning an access token, or nullopt.
  std::optional<VendorRef> Authenticate(std::string_view access_token) const;

  Result<TokenGrant> Validate(VendorRef vendor, const ValidateRequest& request);
  // `facts` are those of the register request, to pick a fulfillment fault.
  Result<OrderView> Register(VendorRef vendor, const RegisterRequest& request, const RequestFacts& facts);
  Result<OrderView> Info(VendorRef vendor, std::string_view order_id);
  Result<UrlGrant> IssueUrl(VendorRef vendor, std::string_view order_id, UrlKind kind);
  Result<AssetDelivery> Fetch(const SignedUrlParts& url);
  Result<OrderView> Cancel(VendorRef vendor, std::string_view order_id, std::optional<std::string_view> item_id);

  // Seconds a client should wait before polling a PROCESSING order again:
  // the time until it is due, rounded up, kept within 1..10.
  int64_t RetryAfterSeconds(const OrderView& order) const;

  // --- control API ---
  void Reset();
  bool clock_is_manual() const { return clock_->IsManual(); }
  // The server clock's reading, without settling anything (thread-safe).
  Millis clock_now() const { return clock_->Now(); }
  ClockReading Now();
  Result<ClockReading> Advance(Millis by);
  Result<ClockReading> SetTime(Millis to);
  FaultRule AddFault(FaultRule rule);
  std::vector<FaultRule> Faults();
  std::optional<FaultRule> RemoveFault(const std::string& id);
  size_t ClearFaults();
  // The oldest request rule that matches, counted as fired. When `order_id`
  // names an order, its asset and vendor order id complete `facts`.
  std::optional<FaultEffect> TakeRequestFault(const RequestFacts& facts, std::string_view order_id);
  Result<OrderHistory> History(std::string_view order_id);
  // The vendor owning an order, whoever asks (the audit attributes signed-URL
  // fetches, which carry no credentials, to the order's vendor).
  std::optional<VendorRef> OwnerOf(std::string_view order_id);
  size_t order_count();
  // How many records each store holds: what a sandbox's cap bounds, so that
  // no store grows without end.
  struct StoreSizes {
    size_t orders = 0;
    size_t unspent_tokens = 0;  // issued and not spent on an order
    size_t fault_rules = 0;
  };
  StoreSizes store_sizes();

  const Defects& defects() const { return options_.defects; }
  const Catalog& catalog() const { return catalog_; }

 private:
  struct Transition {
    Millis at;
    OrderState from, to;
    Cause cause;
  };
  // Kept small on purpose: the memory budget is 512 bytes per order,
  // indexes included. Timestamps and the status history live in `history`.
  struct OrderRecord {
    std::string vendor_order_id;
    Millis due_at;
    uint32_t quantity;
    uint32_t failure_reason;  // index into reasons_; 0 = none
    uint32_t cancel_after_s;  // fault rule: cancel this long after completing; 0 = never
    uint16_t vendor;
    uint16_t asset;
    OrderState status;
    bool fails_when_due;
    uint8_t history_size;
    Transition history[3];  // register, settle, cancel: a lifecycle path has at most three
  };
  struct TokenRecord {
    Millis expires_at;
    uint32_t quantity;
    uint16_t vendor;
    uint16_t asset;
    bool used;
  };
  struct DuplicateKey {
    uint16_t vendor;
    uint16_t asset;
    std::string_view vendor_order_id;
  };
  struct DuplicateHash {
    using is_transparent = void;
    const std::deque<OrderRecord>* orders;
    size_t operator()(uint32_t seq) const;
    size_t operator()(const DuplicateKey& key) const;
  };
  struct DuplicateEq {
    using is_transparent = void;
    const std::deque<OrderRecord>* orders;
    bool operator()(uint32_t a, uint32_t b) const { return a == b; }
    bool operator()(const DuplicateKey& k, uint32_t seq) const;
    bool operator()(uint32_t seq, const DuplicateKey& k) const { return (*this)(k, seq); }
  };
  struct DueEntry {
    Millis due;
    uint32_t seq;
    bool operator>(const DueEntry& o) const { return due != o.due ? due > o.due : seq > o.seq; }
  };

  // The order's number, if `order_id` names an order of `vendor` (any vendor's with `any_vendor`).
  std::optional<uint32_t> FindOrderSeq(VendorRef vendor, std::string_view order_id, bool any_vendor = false);
  OrderRecord* FindOrder(VendorRef vendor, std::string_view order_id, bool any_vendor = false);
  OrderView View(uint32_t seq) const;
  size_t SettleDueLocked(Millis now);
  void Move(OrderRecord& order, OrderState to, Cause cause, Millis at);
  uint32_t InternReason(const std::string& reason);
  // `set`: asked by clock/set (clock-set-now-refused refuses only that).
  Result<ClockReading> MoveClockLocked(Millis to, bool set);

  const Catalog& catalog_;
  const Lifecycle& lifecycle_;
  // The engine's machine compiled from spec/lifecycle.yaml decides where each
  // cause takes an order; the enums are the HL Connector's names for the
  // states it gives a wire meaning to (202, 200, 502, 410) and the causes it
  // makes, each resolved to the file's numbering once, at start.
  const engine::LifecycleMachine machine_;
  engine::StateId state_ids_[4] = {};                 // [OrderState]
  std::optional<engine::CauseId> cause_ids_[4] = {};  // [Cause]; none if the file never names it
  std::vector<OrderState> order_states_;              // [StateId]; the constructor checks every one maps
  std::optional<OrderState> TargetOf(OrderState from, Cause cause) const;
  bool IsIdempotent(OrderState state, Cause cause) const;
  std::unique_ptr<Clock> clock_;
  ManualClock* manual_clock_;  // clock_ when it is manual, else null
  const ServiceOptions options_;
  const IdGenerator ids_;
  const UrlSigner signer_;

  // Deques, not vectors: a vector grows by moving everything it holds, which
  // stalled a register for 18 ms at 262,144 orders (bench_handler); a deque
  // only adds a block. Indexing stays O(1) and references stay valid.
  mutable std::mutex mu_;
  std::deque<OrderRecord> orders_;
  std::deque<TokenRecord> tokens_;
  // The duplicate index in shards picked by the top bits of the hash: an
  // unordered_set rehashes all its entries at once when it grows (8 ms at
  // 170,000 orders); a shard holds a 256th of them.
  using DuplicateSet = std::unordered_set<uint32_t, DuplicateHash, DuplicateEq>;
  static constexpr int kDuplicateShardBits = 8;
  std::vector<DuplicateSet> duplicates_;
  DuplicateSet& DuplicateShard(size_t hash) { return duplicates_[hash >> (64 - kDuplicateShardBits)]; }
  void ClearDuplicates();
  engine::DueQueue<DueEntry> due_;  // settles in due-time, then registration order
  std::vector<std::string> reasons_;
  FaultBook faults_;
};

}  // namespace purchase
