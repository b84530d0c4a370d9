#include "purchase_service.h"

#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <algorithm>
#include <cmath>
#include <functional>
#include <stdexcept>

namespace purchase {
namespace {

// An order has one item, whose id is the order's with "-1" (spec/openapi.yaml,
// OrderItem.item_id).
void AppendItemId(std::string_view order_id, std::string* out) { out->append(order_id).append("-1"); }

constexpr OrderState kAllStates[] = {OrderState::kProcessing, OrderState::kCompleted, OrderState::kFailed,
                                     OrderState::kCanceled};

bool Contains(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

}  // namespace

std::string_view OrderStateName(OrderState s) {
  switch (s) {
    case OrderState::kProcessing: return "PROCESSING";
    case OrderState::kCompleted: return "COMPLETED";
    case OrderState::kFailed: return "FAILED";
    case OrderState::kCanceled: return "CANCELED";
  }
  return "PROCESSING";
}

std::string_view CauseName(Cause c) {
  switch (c) {
    case Cause::kRegister: return "register";
    case Cause::kFulfillmentSucceeded: return "fulfillment_succeeded";
    case Cause::kFulfillmentFailed: return "fulfillment_failed";
    case Cause::kVendorCancel: return "vendor_cancel";
  }
  return "register";
}

size_t PurchaseService::DuplicateHash::operator()(const DuplicateKey& k) const {
  size_t h = std::hash<std::string_view>{}(k.vendor_order_id);
  return h ^ (static_cast<size_t>(k.vendor) << 16 | k.asset) * 0x9e3779b97f4a7c15ULL;
}

size_t PurchaseService::DuplicateHash::operator()(uint32_t seq) const {
  const OrderRecord& o = (*orders)[seq];
  return (*this)(DuplicateKey{o.vendor, o.asset, o.vendor_order_id});
}

bool PurchaseService::DuplicateEq::operator()(const DuplicateKey& k, uint32_t seq) const {
  const OrderRecord& o = (*orders)[seq];
  return o.vendor == k.vendor && o.asset == k.asset && o.vendor_order_id == k.vendor_order_id;
}

PurchaseService::PurchaseService(const Catalog& catalog, const Lifecycle& lifecycle, std::unique_ptr<Clock> clock,
                                 ServiceOptions options)
    : catalog_(catalog),
      lifecycle_(lifecycle),
      machine_(lifecycle),
      clock_(std::move(clock)),
      manual_clock_(clock_->IsManual() ? static_cast<ManualClock*>(clock_.get()) : nullptr),
      options_(options),
      ids_(options.seed, options.variant),
      signer_(ids_.UrlKey()),
      reasons_{""},
      faults_(ids_, options.defects) {
  static_assert(sizeof(size_t) == 8, "DuplicateShard takes the top bits of a 64-bit hash");
  ClearDuplicates();
  // The core implements the machine that spec/lifecycle.yaml describes; refuse
  // to run if the two have drifted apart.
  for (OrderState s : kAllStates) {
    const auto id = machine_.State(OrderStateName(s));
    if (!id)
      throw SpecError("spec/lifecycle.yaml: error: the server uses state " + std::string(OrderStateName(s)) +
                      " which the lifecycle does not list");
    state_ids_[static_cast<size_t>(s)] = *id;
  }
  if (lifecycle_.initial_state() != OrderStateName(OrderState::kProcessing) ||
      lifecycle_.entry_cause() != CauseName(Cause::kRegister))
    throw SpecError("spec/lifecycle.yaml: error: the server registers orders into PROCESSING with cause 'register'");
  // Where each cause takes an order is the machine's answer, read from the
  // file: change a transition there and the service does the new thing (a
  // transition the file lacks is refused or dropped). What each state means
  // on the wire (202, 200, 502, 410) is the HL Connector's own code, so the
  // file's transitions may name only its four states and causes.
  constexpr Cause kAllCauses[] = {Cause::kRegister, Cause::kFulfillmentSucceeded, Cause::kFulfillmentFailed,
                                  Cause::kVendorCancel};
  for (Cause c : kAllCauses) cause_ids_[static_cast<size_t>(c)] = machine_.Cause(CauseName(c));
  auto state_of = [](const std::string& name) -> std::optional<OrderState> {
    for (OrderState s : kAllStates)
      if (OrderStateName(s) == name) return s;
    return std::nullopt;
  };
  auto serves_cause = [&](const std::string& name) {
    return std::any_of(std::begin(kAllCauses), std::end(kAllCauses), [&](Cause c) { return CauseName(c) == name; });
  };
  for (const auto& t : lifecycle_.transitions())
    if (!state_of(t.from) || !state_of(t.to) || !serves_cause(t.cause))
      throw SpecError("spec/lifecycle.yaml: error: the HL Connector serves the states PROCESSING, COMPLETED, FAILED "
                      "and CANCELED and the causes register, fulfillment_succeeded, fulfillment_failed and "
                      "vendor_cancel; the transition " + t.from + " -> " + t.to + " (" + t.cause + ") names another");
  // A state no transition names is never reached; it maps to PROCESSING only
  // to keep the table total.
  for (engine::StateId id = 0; id < machine_.state_count(); ++id)
    order_states_.push_back(state_of(machine_.StateName(id)).value_or(OrderState::kProcessing));
}

std::optional<OrderState> PurchaseService::TargetOf(OrderState from, Cause cause) const {
  const auto cause_id = cause_ids_[static_cast<size_t>(cause)];
  if (!cause_id) return std::nullopt;
  const auto to = machine_.Target(state_ids_[static_cast<size_t>(from)], *cause_id);
  if (!to) return std::nullopt;
  return order_states_[*to];
}

bool PurchaseService::IsIdempotent(OrderState state, Cause cause) const {
  const auto cause_id = cause_ids_[static_cast<size_t>(cause)];
  return cause_id && machine_.IsIdempotent(state_ids_[static_cast<size_t>(state)], *cause_id);
}

std::optional<VendorRef> PurchaseService::Authenticate(std::string_view access_token) const {
  const Vendor* v = catalog_.VendorByToken(access_token);
  if (!v) return std::nullopt;
  return catalog_.VendorIndex(v);
}

uint32_t PurchaseService::InternReason(const std::string& reason) {
  for (size_t i = 0; i < reasons_.size(); ++i)
    if (reasons_[i] == reason) return static_cast<uint32_t>(i);
  reasons_.push_back(reason);
  return static_cast<uint32_t>(reasons_.size() - 1);
}

void PurchaseService::Move(OrderRecord& order, OrderState to, Cause cause, Millis at) {
  const OrderState from = order.status;
  // Deliberate defects may break the lifecycle; nothing else may.
  if (!options_.defects.Any() && TargetOf(from, cause) != to)
    throw std::logic_error("lifecycle forbids " + std::string(OrderStateName(from)) + " -> " +
                           std::string(OrderStateName(to)));
  order.status = to;
  if (order.history_size < std::size(order.history)) order.history[order.history_size++] = {at, from, to, cause};
}

size_t PurchaseService::SettleDueLocked(Millis now) {
  const Millis lateness = options_.defects.Has(Defect::kSettlesLate) ? 1000 : 0;
  size_t settled = 0;
  while (due_.HasDue(now - lateness)) {
    const DueEntry entry = due_.Pop();
    OrderRecord& order = orders_[entry.seq];
    if (order.status == OrderState::kCompleted && order.cancel_after_s != 0 &&
        entry.due == order.history[1].at + Millis{order.cancel_after_s} * 1000) {
      if (const auto to = TargetOf(order.status, Cause::kVendorCancel)) {
        Move(order, *to, Cause::kVendorCancel, options_.defects.Has(Defect::kSettledAtClockInstant) ? now : entry.due);
        ++settled;
      }
      continue;
    }
    const bool pending = order.status == OrderState::kProcessing ||
                         (options_.defects.Has(Defect::kCanceledCompletes) && order.status == OrderState::kCanceled &&
                          order.history_size == 2);
    if (!pending || order.due_at != entry.due) continue;  // canceled before it was due
    // settled-at-clock-instant stamps the clock's instant instead; a
    // cancel_after then counts from the instant recorded, as it would in an
    // implementation that made that mistake.
    const Millis settled_at = options_.defects.Has(Defect::kSettledAtClockInstant) ? now : entry.due + lateness;
    const Cause cause = order.fails_when_due ? Cause::kFulfillmentFailed : Cause::kFulfillmentSucceeded;
    // (Only canceled-completes settles an order that is no longer PROCESSING.)
    const std::optional<OrderState> to =
        order.status == OrderState::kProcessing
            ? TargetOf(order.status, cause)
            : std::optional<OrderState>(order.fails_when_due ? OrderState::kFailed : OrderState::kCompleted);
    if (!to) continue;  // the lifecycle has no way out of PROCESSING for this outcome
    Move(order, *to, cause, settled_at);
    ++settled;
    if (order.status == OrderState::kCompleted && order.cancel_after_s != 0) {
      due_.Push({settled_at + Millis{order.cancel_after_s} * 1000, entry.seq});
    }
  }
  return settled;
}

std::optional<uint32_t> PurchaseService::FindOrderSeq(VendorRef vendor, std::string_view order_id, bool any_vendor) {
  auto seq = ids_.OrderSeq(order_id);
  if (!seq || *seq >= orders_.size()) return std::nullopt;
  // Another vendor's order is indistinguishable from one that does not exist.
  if (!any_vendor && orders_[*seq].vendor != vendor && !options_.defects.Has(Defect::kCrossVendorLeak))
    return std::nullopt;
  return static_cast<uint32_t>(*seq);
}

PurchaseService::OrderRecord* PurchaseService::FindOrder(VendorRef vendor, std::string_view order_id, bool any_vendor) {
  auto seq = FindOrderSeq(vendor, order_id, any_vendor);
  return seq ? &orders_[*seq] : nullptr;
}

void PurchaseService::ClearDuplicates() {
  duplicates_.clear();
  duplicates_.shrink_to_fit();
  for (int i = 0; i < (1 << kDuplicateShardBits); ++i)
    duplicates_.emplace_back(0, DuplicateHash{&orders_}, DuplicateEq{&orders_});
}

OrderView PurchaseService::View(uint32_t seq) const {
  const OrderRecord& o = orders_[seq];
  OrderView v;
  v.order_id = ids_.OrderId(seq);
  v.vendor_order_id = o.vendor_order_id;
  v.asset_id = catalog_.asset(o.asset).id;
  v.quantity = o.quantity;
  v.status = o.status;
  v.created_at = o.history[0].at;
  v.updated_at = o.history[o.history_size - 1].at;
  v.due_at = o.due_at;
  if (o.status == OrderState::kCanceled) v.canceled_at = o.history[o.history_size - 1].at;
  if (o.status == OrderState::kFailed) v.failure_reason = reasons_[o.failure_reason];
  v.item_id.reserve(v.order_id.size() + 2);
  AppendItemId(v.order_id, &v.item_id);
  return v;
}

Result<TokenGrant> PurchaseService::Validate(VendorRef vendor, const ValidateRequest& request) {
  std::lock_guard lock(mu_);
  const Millis now = clock_->Now();
  SettleDueLocked(now);
  const auto asset_index = catalog_.AssetIndex(request.asset_id);
  if (!asset_index) return MakeError(ErrorCode::kAssetNotFound, "asset '" + request.asset_id + "' is not in the catalog");
  const Asset& asset = catalog_.asset(*asset_index);
  if (!asset.available && !options_.defects.Has(Defect::kUnavailableSold))
    return MakeError(ErrorCode::kAssetNotAvailable, "asset '" + asset.id + "' is not available for sale");
  if (!options_.defects.Has(Defect::kNoRegionCheck)) {
    const auto region = catalog_.RegionOf(request.customer_ip);
    const std::string shown = region ? *region : "unknown";
    if (region && Contains(asset.blocked_regions, *region))
      return MakeError(ErrorCode::kRegionNotAllowed,
                       "asset '" + asset.id + "' cannot be sold in region " + shown + " (customer_ip " + request.customer_ip + ")");
    if (!asset.allowed_regions.empty() && (!region || !Contains(asset.allowed_regions, *region)))
      return MakeError(ErrorCode::kRegionNotAllowed,
                       "asset '" + asset.id + "' is sold only in its allowed regions; customer_ip " + request.customer_ip +
                           " is in region " + shown);
  }
  if ((request.quantity < asset.min_quantity ||
       (options_.defects.Has(Defect::kMinQuantityExclusive) && asset.min_quantity > 1 &&
        request.quantity == asset.min_quantity)) &&
      !options_.defects.Has(Defect::kNoMinQuantity))
    return MakeError(ErrorCode::kMinQuantityNotMet, "asset '" + asset.id + "' needs a quantity of at least " +
                                                        std::to_string(asset.min_quantity));
  const uint32_t seq = static_cast<uint32_t>(tokens_.size());
  const Millis expires = now + options_.token_ttl;
  tokens_.push_back({expires, static_cast<uint32_t>(request.quantity), vendor, *asset_index, false});
  return TokenGrant{ids_.Token(seq), expires};
}

Result<OrderView> PurchaseService::Register(VendorRef vendor, const RegisterRequest& request, const RequestFacts& facts) {
  std::lock_guard lock(mu_);
  const Millis now = clock_->Now();
  SettleDueLocked(now);
  const auto asset_index = catalog_.AssetIndex(request.asset_id);
  const Defects& d = options_.defects;

  // The duplicate check comes first: a client retrying a register whose reply
  // it lost learns which order exists, instead of a token error.
  auto find_duplicate = [&](VendorRef v, uint16_t a) -> std::optional<uint32_t> {
    const DuplicateKey key{v, a, request.vendor_order_id};
    DuplicateSet& shard = DuplicateShard(DuplicateHash{&orders_}(key));
    auto it = shard.find(key);
    if (it == shard.end()) return std::nullopt;
    return *it;
  };
  auto duplicate_check = [&]() -> std::optional<Error> {
    if (d.Has(Defect::kDuplicateCreatesOrder)) return std::nullopt;
    std::optional<uint32_t> found;
    if (d.Has(Defect::kDuplicateAcrossVendors) || d.Has(Defect::kDuplicateIgnoresAsset)) {
      // The key without the vendor or the asset: any order of the others matches.
      const bool any_vendor = d.Has(Defect::kDuplicateAcrossVendors), any_asset = d.Has(Defect::kDuplicateIgnoresAsset);
      if (!asset_index && !any_asset) return std::nullopt;
      for (size_t v = 0; v < catalog_.vendors().size(); ++v) {
        if (!any_vendor && v != vendor) continue;
        for (size_t a = 0; a < catalog_.assets().size(); ++a) {
          if (!any_asset && a != *asset_index) continue;
          if (auto seq = find_duplicate(static_cast<VendorRef>(v), static_cast<uint16_t>(a)); seq && (!found || *seq < *found))
            found = seq;
        }
      }
    } else {
      if (!asset_index) return std::nullopt;
      found = find_duplicate(vendor, *asset_index);
    }
    if (!found) return std::nullopt;
    Error e = MakeError(ErrorCode::kDuplicatePurchase, "vendor order '" + request.vendor_order_id +
                                                           "' for asset '" + request.asset_id + "' is already registered");
    e.order_id = ids_.OrderId(*found);
    return e;
  };
  // rule-spent-on-refused-register: the fulfillment rule is taken before any check.
  std::optional<FaultEffect> early_fault;
  if (d.Has(Defect::kRuleSpentOnRefusedRegister)) early_fault = faults_.TakeFulfillmentFault(facts);
  if (!d.Has(Defect::kDuplicateAs422))
    if (auto dup = duplicate_check()) return *dup;

  auto token_seq = ids_.TokenSeq(request.token);
  // One message for both cases, so a vendor cannot tell another vendor's
  // token from one that does not exist.
  const char* kNotYours = "token was not issued to this vendor by this server";
  if (!token_seq || *token_seq >= tokens_.size()) return MakeError(ErrorCode::kTokenInvalid, kNotYours);
  TokenRecord& token = tokens_[*token_seq];
  if (token.vendor != vendor && token.used && d.Has(Defect::kForeignTokenSaysUsed))
    return MakeError(ErrorCode::kTokenAlreadyUsed, "token has already registered an order");
  if (token.vendor != vendor && !d.Has(Defect::kTokenCrossVendor)) return MakeError(ErrorCode::kTokenInvalid, kNotYours);
  const Millis expiry = token.expires_at + (d.Has(Defect::kTokenExpiryOffByOne) ? 1 : 0) -
                        (d.Has(Defect::kTokenTtlShort) ? 1000 : 0);
  const bool expired = now >= expiry && !d.Has(Defect::kExpiredTokenAccepted);
  if (expired && d.Has(Defect::kExpiredBeforeUsed))
    return MakeError(ErrorCode::kTokenExpired, "token expired at " + FormatRfc3339(token.expires_at));
  if (token.used && !d.Has(Defect::kTokenReusable))
    return MakeError(ErrorCode::kTokenAlreadyUsed, "token has already registered an order");
  if (expired) return MakeError(ErrorCode::kTokenExpired, "token expired at " + FormatRfc3339(token.expires_at));
  if (!d.Has(Defect::kTokenBindingIgnored) &&
      (!asset_index || token.asset != *asset_index || token.quantity != request.quantity)) {
    if (d.Has(Defect::kMismatchSpendsToken)) token.used = true;
    return MakeError(ErrorCode::kTokenMismatch, "token was issued for asset '" + catalog_.asset(token.asset).id +
                                                    "' and quantity " + std::to_string(token.quantity));
  }
  if (d.Has(Defect::kDuplicateAs422))
    if (auto dup = duplicate_check()) return *dup;
  const uint16_t asset = asset_index ? *asset_index : token.asset;

  // Everything is checked: from here on the order is created and the token spent.
  const Asset& a = catalog_.asset(asset);
  Millis delay = a.fulfillment_delay;
  bool fails = a.fulfillment_fails;
  std::string reason = a.failure_reason;
  uint32_t cancel_after_s = 0;
  if (auto fault = d.Has(Defect::kRuleSpentOnRefusedRegister) ? std::move(early_fault)
                                                               : faults_.TakeFulfillmentFault(facts)) {
    if (fault->cancel_after && !d.Has(Defect::kRuleCancelAfterIgnored))
      cancel_after_s = static_cast<uint32_t>(std::max<Millis>(1, *fault->cancel_after / 1000));
    if (fault->fulfillment_delay && !d.Has(Defect::kRuleDelayIgnored)) delay = *fault->fulfillment_delay;
    if (fault->fulfillment_fails && !d.Has(Defect::kRuleOutcomeIgnored)) fails = *fault->fulfillment_fails;
    if (fault->reason) reason = *fault->reason;
    if (fails && reason.empty()) reason = "Fulfillment failed";
  }
  token.used = true;
  const uint32_t seq = static_cast<uint32_t>(orders_.size());
  OrderRecord order{request.vendor_order_id, now + delay, static_cast<uint32_t>(request.quantity),
                    fails ? InternReason(reason) : 0, cancel_after_s, vendor, asset, OrderState::kProcessing, fails, 1, {}};
  order.history[0] = {now, OrderState::kProcessing, OrderState::kProcessing, Cause::kRegister};
  orders_.push_back(std::move(order));
  DuplicateShard(DuplicateHash{&orders_}(seq)).insert(seq);
  due_.Push({now + delay, seq});
  return View(seq);
}

Result<OrderView> PurchaseService::Info(VendorRef vendor, std::string_view order_id) {
  std::lock_guard lock(mu_);
  SettleDueLocked(clock_->Now());
  const auto seq = FindOrderSeq(vendor, order_id);
  if (!seq) return MakeError(ErrorCode::kOrderNotFound, "no order '" + std::string(order_id) + "'");
  return View(*seq);
}

Result<UrlGrant> PurchaseService::IssueUrl(VendorRef vendor, std::string_view order_id, UrlKind kind) {
  std::lock_guard lock(mu_);
  const Millis now = clock_->Now();
  SettleDueLocked(now);
  OrderRecord* order = FindOrder(vendor, order_id);
  if (!order) return MakeError(ErrorCode::kOrderNotFound, "no order '" + std::string(order_id) + "'");
  if (order->status == OrderState::kCanceled)
    return MakeError(ErrorCode::kOrderCanceled, "order '" + std::string(order_id) + "' is canceled");
  if (order->status != OrderState::kCompleted && !options_.defects.Has(Defect::kUrlBeforeCompletion))
    return MakeError(ErrorCode::kOrderNotCompleted, "order '" + std::string(order_id) + "' is " +
                                                        std::string(OrderStateName(order->status)) + ", not COMPLETED");
  // Whole seconds in the URL; rounding down keeps "valid while now < expiry" true.
  const int64_t expires_s =
      (now + options_.url_ttl + (options_.defects.Has(Defect::kUrlExpiryRoundedUp) ? 999 : 0)) / 1000;
  return UrlGrant{signer_.Sign(kind, order_id, expires_s), expires_s * 1000};
}

Result<AssetDelivery> PurchaseService::Fetch(const SignedUrlParts& url) {
  std::lock_guard lock(mu_);
  const Millis now = clock_->Now();
  SettleDueLocked(now);
  const Defects& d = options_.defects;
  if (!d.Has(Defect::kTamperedUrlAccepted) && !signer_.Verify(url))
    return MakeError(ErrorCode::kUrlSignatureInvalid, "the URL's signature does not match it");
  if (now >= url.expires_s * 1000 + (d.Has(Defect::kUrlExpiryOffByOne) ? 1 : 0) && !d.Has(Defect::kUrlNeverExpires))
    return MakeError(ErrorCode::kUrlExpired, "the URL expired at " + FormatRfc3339(url.expires_s * 1000));
  OrderRecord* order = FindOrder(0, url.order_id, /*any_vendor=*/true);
  if (!order) return MakeError(ErrorCode::kOrderNotFound, "no order '" + url.order_id + "'");
  if (order->status == OrderState::kCanceled && !d.Has(Defect::kCancelKeepsUrls) &&
      !(d.Has(Defect::kViewUrlSurvivesCancel) && url.kind == UrlKind::kView))
    return MakeError(ErrorCode::kOrderCanceled, "order '" + url.order_id + "' was canceled; its URLs are revoked");
  if (order->status != OrderState::kCompleted && order->status != OrderState::kCanceled &&
      !d.Has(Defect::kUrlBeforeCompletion))
    return MakeError(ErrorCode::kOrderNotCompleted, "order '" + url.order_id + "' is not COMPLETED");
  return AssetDelivery{&catalog_.asset(order->asset), url.kind, url.order_id};
}

Result<OrderView> PurchaseService::Cancel(VendorRef vendor, std::string_view order_id,
                                          std::optional<std::string_view> item_id) {
  std::lock_guard lock(mu_);
  const Millis now = clock_->Now();
  SettleDueLocked(now);
  const auto found = FindOrderSeq(vendor, order_id);
  if (!found) return MakeError(ErrorCode::kOrderNotFound, "no order '" + std::string(order_id) + "'");
  const uint32_t seq = *found;
  OrderRecord* order = &orders_[seq];
  std::string only_item;
  AppendItemId(order_id, &only_item);
  if (item_id && *item_id != only_item && !options_.defects.Has(Defect::kItemIdIgnored))
    return MakeError(ErrorCode::kItemNotFound, "order '" + std::string(order_id) + "' has no item '" +
                                                   std::string(*item_id) + "'");
  if (IsIdempotent(order->status, Cause::kVendorCancel)) {
    if (options_.defects.Has(Defect::kCancelNotIdempotent))
      return MakeError(ErrorCode::kOrderCanceled, "order '" + std::string(order_id) + "' is already canceled");
    if (options_.defects.Has(Defect::kSecondCancelMovesTime)) order->history[order->history_size - 1].at = now;
    return View(seq);
  }
  const std::optional<OrderState> to = TargetOf(order->status, Cause::kVendorCancel);
  if (!to)
    return MakeError(ErrorCode::kInternalError, "spec/lifecycle.yaml has no vendor_cancel from " + std::string(OrderStateName(order->status)));
  Move(*order, *to, Cause::kVendorCancel, now);
  return View(seq);
}

int64_t PurchaseService::RetryAfterSeconds(const OrderView& order) const {
  const double wall_ms_left = static_cast<double>(order.due_at - clock_->Now()) / clock_->Rate();
  const double seconds = options_.defects.Has(Defect::kRetryAfterFloor) ? std::floor(wall_ms_left / 1000)
                                                                        : std::ceil(wall_ms_left / 1000);
  return std::clamp<int64_t>(static_cast<int64_t>(seconds), 1,
                             options_.defects.Has(Defect::kRetryAfterUnclamped) ? INT64_MAX : 10);
}

void PurchaseService::Reset() {
  std::lock_guard lock(mu_);
  // Swap with empties so the memory goes back, not just the sizes.
  std::deque<OrderRecord>().swap(orders_);
  if (!options_.defects.Has(Defect::kResetKeepsTokens)) std::deque<TokenRecord>().swap(tokens_);
  due_.Clear();
  ClearDuplicates();
  reasons_.assign(1, "");
  faults_.Reset();
  if (manual_clock_ && !options_.defects.Has(Defect::kResetKeepsClock)) manual_clock_->Set(manual_clock_->start());
#ifdef __GLIBC__
  // The deques' blocks and the duplicate index's nodes are small heap chunks,
  // and glibc keeps freed small chunks on its lists: without a trim, 84 MB of
  // the 196 MB that 1,000,000 orders took stayed resident after Reset(); with
  // it, 0.2 MB (ci/bench/run, memory).
  malloc_trim(0);
#endif
}

ClockReading PurchaseService::Now() {
  std::lock_guard lock(mu_);
  const Millis now = clock_->Now();
  return {now, SettleDueLocked(now)};
}

Result<ClockReading> PurchaseService::MoveClockLocked(Millis to, bool set) {
  if (auto refused = RefuseClockMove(*clock_, to, set, options_.defects.Has(Defect::kClockGoesBack),
                                     options_.defects.Has(Defect::kClockSetNowRefused)))
    return *refused;
  const size_t settled = SettleDueLocked(to);
  manual_clock_->Set(to);
  return ClockReading{to, settled};
}

Result<ClockReading> PurchaseService::Advance(Millis by) {
  std::lock_guard lock(mu_);
  return MoveClockLocked(clock_->Now() + by, /*set=*/false);
}

Result<ClockReading> PurchaseService::SetTime(Millis to) {
  std::lock_guard lock(mu_);
  return MoveClockLocked(to, /*set=*/true);
}

FaultRule PurchaseService::AddFault(FaultRule rule) {
  std::lock_guard lock(mu_);
  return faults_.Add(std::move(rule));
}

std::vector<FaultRule> PurchaseService::Faults() {
  std::lock_guard lock(mu_);
  std::vector<FaultRule> rules = faults_.rules();
  if (options_.defects.Has(Defect::kFaultTimesOffByOne))
    for (FaultRule& r : rules)
      if (r.remaining && *r.remaining < 0) r.remaining = 0;
  return rules;
}

std::optional<FaultRule> PurchaseService::RemoveFault(const std::string& id) {
  std::lock_guard lock(mu_);
  std::optional<FaultRule> removed = faults_.Remove(id);
  if (removed && removed->remaining && *removed->remaining < 0) removed->remaining = 0;  // fault-times-off-by-one
  return removed;
}

size_t PurchaseService::ClearFaults() {
  std::lock_guard lock(mu_);
  return faults_.Clear();
}

std::optional<FaultEffect> PurchaseService::TakeRequestFault(const RequestFacts& facts, std::string_view order_id) {
  std::lock_guard lock(mu_);
  if (faults_.rules().empty()) return std::nullopt;
  if (!order_id.empty())
    if (OrderRecord* order = FindOrder(0, order_id, /*any_vendor=*/true)) {
      // A rule may name the order's asset or vendor order id when the request does not.
      RequestFacts known = facts;
      if (known.asset_id.empty()) known.asset_id = catalog_.asset(order->asset).id;
      if (known.vendor_order_id.empty()) known.vendor_order_id = order->vendor_order_id;
      return faults_.TakeRequestFault(known);
    }
  return faults_.TakeRequestFault(facts);
}

Result<OrderHistory> PurchaseService::History(std::string_view order_id) {
  std::lock_guard lock(mu_);
  SettleDueLocked(clock_->Now());
  OrderRecord* order = FindOrder(0, order_id, /*any_vendor=*/true);
  if (!order) return MakeError(ErrorCode::kOrderNotFound, "no order '" + std::string(order_id) + "'");
  OrderHistory h{std::string(order_id), order->status, {}};
  for (uint8_t i = 0; i < order->history_size; ++i) {
    const Transition& t = order->history[i];
    h.entries.push_back({i == 0 ? std::nullopt : std::optional<OrderState>(t.from), t.to, t.at, t.cause});
  }
  return h;
}

std::optional<VendorRef> PurchaseService::OwnerOf(std::string_view order_id) {
  std::lock_guard lock(mu_);
  const OrderRecord* order = FindOrder(0, order_id, /*any_vendor=*/true);
  if (!order) return std::nullopt;
  return order->vendor;
}

size_t PurchaseService::order_count() {
  std::lock_guard lock(mu_);
  return orders_.size();
}

PurchaseService::StoreSizes PurchaseService::store_sizes() {
  std::lock_guard lock(mu_);
  // Every order spent one token (a defect may spend one twice: never below 0).
  const size_t unspent = tokens_.size() > orders_.size() ? tokens_.size() - orders_.size() : 0;
  return {orders_.size(), unspent, faults_.rules().size()};
}

}  // namespace purchase
