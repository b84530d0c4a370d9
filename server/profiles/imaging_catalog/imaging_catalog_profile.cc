#include "profiles/imaging_catalog/imaging_catalog_profile.h"

#include <strings.h>

#include "profile_imaging_catalog_embedded.h"

namespace purchase::profiles::imaging_catalog {

std::vector<ProfileDefect> DefectList() {
  return {
      {"products-while-active", "listPurchaseProducts lists the products while the purchase is still active"},
      {"failed-products-empty", "listPurchaseProducts of a failed purchase answers 200 with no products, not 409"},
      {"other-caller-visible", "getPurchase and listPurchaseProducts answer another caller's purchase"},
      {"contract-not-checked", "purchaseFrame accepts a contractID that is not the caller's"},
      {"product-types-ignored", "productTypes narrows neither the products nor when the purchase closes"},
      {"created-at-moves", "createdAt shows the instant of the last status change, not of the purchase"},
  };
}

Defects DefectsOf(const std::set<std::string>& names) {
  Defects d;
  d.products_while_active = names.count("products-while-active") > 0;
  d.failed_products_empty = names.count("failed-products-empty") > 0;
  d.other_caller_visible = names.count("other-caller-visible") > 0;
  d.contract_not_checked = names.count("contract-not-checked") > 0;
  d.product_types_ignored = names.count("product-types-ignored") > 0;
  d.created_at_moves = names.count("created-at-moves") > 0;
  return d;
}

std::vector<ProfileRoute> ImagingCatalogProfile::Routes() {
  return {
      {"POST", "/api/catalog/v2/purchases", [this](Call& call) { return PurchaseFrame(call, fixtures_, defects_); }},
      {"GET", "/api/catalog/v2/purchases/{purchase_id}", [this](Call& call) { return GetPurchase(call, defects_); }},
      {"GET", "/api/catalog/v2/purchases/{purchase_id}/products",
       [this](Call& call) { return ListPurchaseProducts(call, defects_); }},
  };
}

Caller ImagingCatalogProfile::Authenticate(const http::HttpRequest& request, const Query& /*query*/,
                                 std::string_view /*route_pattern*/,
                                           const ErrorReplies& errors) const {
  const CallerAccount* caller = nullptr;
  if (request.authorization && request.authorization->size() > 7 &&
      strncasecmp(request.authorization->c_str(), "Bearer ", 7) == 0)
    caller = fixtures_.CallerOfToken(std::string_view(*request.authorization).substr(7));
  if (caller != nullptr) return Caller{caller->id, {}};
  http::HttpReply refusal = errors.Reply("UNAUTHENTICATED", "Authorization must be \"Bearer <a caller's token>\"");
  refusal.headers.emplace_back("WWW-Authenticate", "Bearer");
  return Caller{std::nullopt, std::move(refusal)};
}

}  // namespace purchase::profiles::imaging_catalog

namespace purchase::profiles {

ProfileEntry ImagingCatalogProfileEntry() {
  namespace spec = imaging_catalog_spec;
  ProfileEntry entry;
  entry.name = "imaging-catalog";
  entry.summary = "Imaging catalog purchases (seed 002): purchaseFrame, getPurchase, listPurchaseProducts; active -> closed | failed";
  entry.spec_dir = "spec/imaging-catalog";
  entry.default_fixtures = "fixtures/imaging-catalog";
  entry.openapi = spec::kOpenapiYaml;
  entry.lifecycle = spec::kLifecycleYaml;
  entry.errors = spec::kErrorsYaml;
  entry.rules = spec::kRulesYaml;
  entry.client_obligations = spec::kClientObligationsYaml;
  entry.engine.id_style = engine::IdStyle::kUuid;
  entry.defects = imaging_catalog::DefectList();
  entry.make = [](const std::string& fixtures_dir, const std::set<std::string>& defects) -> std::unique_ptr<Profile> {
    return std::make_unique<imaging_catalog::ImagingCatalogProfile>(imaging_catalog::LoadFixtures(fixtures_dir),
                                                                     imaging_catalog::DefectsOf(defects));
  };
  return entry;
}

}  // namespace purchase::profiles
