// The imaging-catalog profile: the surface of seed 002 over the generic
// engine. Three operations, one file per group (purchases.cc: purchaseFrame
// and getPurchase; products.cc: listPurchaseProducts), each decode -> engine
// -> encode. The surface applies causes only; the engine finds the states in
// spec/imaging-catalog/lifecycle.yaml. Stateless beyond the fixtures, which
// are immutable: ProfileHost serializes the calls.
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "profiles/imaging_catalog/fixtures.h"
#include "profiles/profile_host.h"
#include "profiles/profile_registry.h"

namespace purchase::profiles::imaging_catalog {

// The causes the surface applies or schedules (lifecycle.yaml).
inline constexpr std::string_view kPurchaseCause = "purchase";
inline constexpr std::string_view kCloseCause = "fulfillment_succeeded";
inline constexpr std::string_view kFailCause = "fulfillment_failed";

// The profile's own deliberate defects (--defect NAME), each a bug a real
// implementation could have; the suite in scenarios/imaging-catalog/ catches each.
struct Defects {
  bool products_while_active = false;  // listPurchaseProducts lists the products before the purchase closes
  bool failed_products_empty = false;  // a failed purchase's products are 200 [] instead of 409 PURCHASE_FAILED
  bool other_caller_visible = false;   // getPurchase and listPurchaseProducts answer another caller's purchase
  bool contract_not_checked = false;   // purchaseFrame accepts any contractID
  bool product_types_ignored = false;  // productTypes neither narrows the products nor the due time
  bool created_at_moves = false;       // createdAt is the time of the last status change
};

// The defects by name, as ProfileEntry::defects lists them.
std::vector<ProfileDefect> DefectList();
// The switches of the names in `names` (names of other profiles' are ignored).
Defects DefectsOf(const std::set<std::string>& names);

class ImagingCatalogProfile final : public Profile {
 public:
  ImagingCatalogProfile(Fixtures fixtures, Defects defects) : fixtures_(std::move(fixtures)), defects_(defects) {}

  std::string_view name() const override { return "imaging-catalog"; }
  std::vector<ProfileRoute> Routes() override;
  // Bearer <token> of a caller in callers.yaml, else 401 UNAUTHENTICATED with
  // WWW-Authenticate: Bearer.
  Caller Authenticate(const http::HttpRequest& request, const Query& query, std::string_view route_pattern,
                      const ErrorReplies& errors) const override;

 private:
  const Fixtures fixtures_;
  const Defects defects_;
};

// The handlers (purchases.cc, products.cc).
http::HttpReply PurchaseFrame(Call& call, const Fixtures& fixtures, const Defects& defects);
http::HttpReply GetPurchase(Call& call, const Defects& defects);
http::HttpReply ListPurchaseProducts(Call& call, const Defects& defects);

// The caller's purchase named by the path's {purchase_id}, or null (another
// caller's too, unless the other_caller_visible defect is on).
engine::EngineOrder* FindOwnPurchase(Call& call, const Defects& defects);

}  // namespace purchase::profiles::imaging_catalog
