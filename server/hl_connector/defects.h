// Deliberate defects: test-only switches that make the reference server break
// one rule of the contract each, so that CI can prove the scenario suite
// catches an implementation that breaks it (`--defect NAME --allow-defects`).
// Never on by default; the set is fixed at start-up and read-only afterwards.
#pragma once

#include <bitset>
#include <optional>
#include <string_view>
#include <vector>

namespace purchase {

#define PURCHASE_DEFECTS(X)                                                                          \
  X(InfoOkWhileProcessing, "info-200-while-processing", "GET /purchase/info answers 200 instead of 202 while PROCESSING") \
  X(NoRetryAfter, "no-retry-after", "202 answers carry no Retry-After header")                                             \
  X(FailedAsOk, "failed-as-200", "GET /purchase/info answers 200 instead of 502 for a FAILED order")                        \
  X(TokenReusable, "token-reusable", "a validation token can register more than one order")                               \
  X(ExpiredTokenAccepted, "expired-token-accepted", "register accepts a token whose exp_date has passed")                 \
  X(TokenExpiryOffByOne, "token-expiry-off-by-one", "a token is still accepted at the exact instant of its exp_date")     \
  X(TokenBindingIgnored, "token-binding-ignored", "register accepts a token issued for another asset or quantity")         \
  X(TokenCrossVendor, "token-cross-vendor", "register accepts a token issued to another vendor")                          \
  X(DuplicateAs422, "duplicate-as-422", "token checks run before the duplicate check, so a retried register gets 422")   \
  X(DuplicateCreatesOrder, "duplicate-creates-order", "a second register of the same vendor order creates a second order") \
  X(CrossVendorLeak, "cross-vendor-leak", "a vendor can read and cancel another vendor's orders")                         \
  X(NoRegionCheck, "no-region-check", "validate ignores the asset's allowed and blocked regions")                         \
  X(NoMinQuantity, "no-min-quantity", "validate ignores the asset's minimum quantity")                                    \
  X(UnavailableSold, "unavailable-sold", "validate issues tokens for assets that are not available")                     \
  X(CancelKeepsUrls, "cancel-keeps-urls", "URLs handed out before a cancel still serve the asset")                       \
  X(CanceledCompletes, "canceled-completes", "a canceled PROCESSING order still completes when its fulfillment is due")  \
  X(CancelNotIdempotent, "cancel-not-idempotent", "canceling a canceled order answers 409 instead of 200")                \
  X(UrlBeforeCompletion, "url-before-completion", "download and view URLs are issued for PROCESSING and FAILED orders")  \
  X(UrlNeverExpires, "url-never-expires", "signed URLs are served after their expiry")                                    \
  X(TamperedUrlAccepted, "tampered-url-accepted", "signed URLs are served whatever their signature")                      \
  X(SettlesLate, "settles-late", "an order settles one second after its due time instead of at it")                      \
  X(AuthOptional, "auth-optional", "requests without an Authorization header act as the first vendor")                    \
  X(ValidationAs400, "validation-as-400", "missing or ill-typed fields answer 400 instead of 422")                         \
  X(NoLocationHeader, "no-location-header", "201 from register carries no Location header")                             \
  X(MismatchSpendsToken, "mismatch-spends-token", "a register refused with TOKEN_MISMATCH still uses up the token")         \
  X(NoAllowHeader, "no-allow-header", "405 answers carry no Allow header")                                                \
  X(ClockGoesBack, "clock-goes-back", "clock/set accepts an instant earlier than now")

// Defects that break a promise of the reference layer only (no source makes it
// contract, spec/README.md "Two layers"): the scenarios must catch them on our
// server judged with --strict-reference; the variant, judged by the contract
// alone, owes nothing there.
#define PURCHASE_REFERENCE_DEFECTS(X)                                                                  \
  X(ItemIdIgnored, "item-id-ignored", "cancel with an item_id that is not the order's still cancels it")

// Subtler ones, each breaking one rule in a way the hand-written scenarios
// may not notice (edges of time, check order, what reset restores, what a
// fault rule or a cancel does): `conformance explore` must find every one.
#define PURCHASE_SUBTLE_DEFECTS(X)                                                                              \
  X(RetryAfterFloor, "retry-after-floor", "Retry-After rounds the time left down instead of up")                  \
  X(RetryAfterUnclamped, "retry-after-unclamped", "Retry-After is not clamped to 10 seconds")                     \
  X(ExpiredBeforeUsed, "expired-before-used", "a used token past its expiry answers TOKEN_EXPIRED, not TOKEN_ALREADY_USED") \
  X(ForeignTokenSaysUsed, "foreign-token-says-used", "another vendor's used token answers TOKEN_ALREADY_USED, not TOKEN_INVALID") \
  X(ClockSetNowRefused, "clock-set-now-refused", "clock/set to the instant the clock is at is 422 CLOCK_BACKWARDS") \
  X(MinQuantityExclusive, "min-quantity-exclusive", "a quantity equal to an asset's minimum (when above 1) is refused") \
  X(ResetKeepsClock, "reset-keeps-clock", "reset leaves the manual clock where it was")                           \
  X(ResetKeepsTokens, "reset-keeps-tokens", "tokens issued before a reset still register orders after it")        \
  X(SecondCancelMovesTime, "second-cancel-moves-time", "canceling a canceled order moves its updated_at and canceled_at") \
  X(SettledAtClockInstant, "settled-at-clock-instant", "a settlement records the instant the clock moved to, not the due instant") \
  X(UrlExpiryOffByOne, "url-expiry-off-by-one", "a signed URL still opens at the exact instant of its expiry")      \
  X(UrlExpiryRoundedUp, "url-expiry-rounded-up", "a URL's expiry is rounded up to the next second, not down")      \
  X(ViewUrlSurvivesCancel, "view-url-survives-cancel", "a cancel revokes download URLs but not view URLs")         \
  X(RuleDelayIgnored, "rule-delay-ignored", "a fulfillment rule's fulfillment_delay_seconds is ignored")           \
  X(RuleCancelAfterIgnored, "rule-cancel-after-ignored", "a fulfillment rule's cancel_after_seconds never cancels") \
  X(RuleOutcomeIgnored, "rule-outcome-ignored", "a fulfillment rule's fail/complete is ignored for the asset's own outcome") \
  X(TokenTtlShort, "token-ttl-short", "a token stops working one second before the exp_date it was given")      \
  X(FaultTimesOffByOne, "fault-times-off-by-one", "a fault rule with times N fires N+1 times (its remaining shows 0 for the last)") \
  X(ExhaustedRuleVanishes, "exhausted-rule-vanishes", "an exhausted fault rule leaves the list instead of staying with remaining 0") \
  X(RuleSpentOnRefusedRegister, "rule-spent-on-refused-register", "a fulfillment rule is counted by a register that is refused") \
  X(DuplicateAcrossVendors, "duplicate-across-vendors", "DUPLICATE_PURCHASE is keyed without the vendor")            \
  X(DuplicateIgnoresAsset, "duplicate-ignores-asset", "DUPLICATE_PURCHASE is keyed without the asset_id")

enum class Defect {
#define PURCHASE_DEFECT_ENUM(name, text, description) k##name,
  PURCHASE_DEFECTS(PURCHASE_DEFECT_ENUM)
  PURCHASE_REFERENCE_DEFECTS(PURCHASE_DEFECT_ENUM)
  PURCHASE_SUBTLE_DEFECTS(PURCHASE_DEFECT_ENUM)
#undef PURCHASE_DEFECT_ENUM
  kCount
};

struct DefectInfo {
  Defect defect;
  std::string_view name;
  std::string_view description;
  // "scenario": the scenario suite must catch it (ci/defect_sweep);
  // "reference": the scenario suite must catch it on our server with
  // --strict-reference (it breaks a promise no source makes contract);
  // "subtle": only `conformance explore` must (ci/defect_sweep --explore).
  std::string_view kind;
};

// Every defect with its command-line name and what it breaks.
const std::vector<DefectInfo>& AllDefects();
std::optional<Defect> ParseDefect(std::string_view name);

class Defects {
 public:
  bool Has(Defect d) const { return bits_[static_cast<size_t>(d)]; }
  void Enable(Defect d) { bits_.set(static_cast<size_t>(d)); }
  bool Any() const { return bits_.any(); }

 private:
  std::bitset<static_cast<size_t>(Defect::kCount)> bits_;
};

}  // namespace purchase
