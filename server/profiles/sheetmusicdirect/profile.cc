#include "profiles/sheetmusicdirect/profile.h"

#include <stdexcept>

#include "profile_sheetmusicdirect_embedded.h"
#include "profiles/profile_registry.h"
#include "profiles/sheetmusicdirect/query.h"
#include "profiles/sheetmusicdirect/signature.h"

namespace purchase::profiles {
namespace sheetmusicdirect {
namespace {

struct DefectName {
  const char* name;
  const char* what;
  bool Defects::*flag;
};

constexpr DefectName kDefects[] = {
    {"plus-as-space", "a '+' in licenseString is decoded as a space (the seed: spaces are %20, '+' is a '+')",
     &Defects::plus_as_space},
    {"signature-any-endpoint", "a signature made for any endpoint of the key passes on every endpoint",
     &Defects::signature_any_endpoint},
    {"prints-signature-key-only", "updateprintsremaining's signature covers the name and key but not the ids",
     &Defects::prints_signature_key_only},
    {"cancel-order-first-item-only", "POST /orders/cancel cancels the order's first item only",
     &Defects::cancel_order_first_item_only},
    {"update-ignores-refusal", "POST /orders/update answers 200 OK for a status the lifecycle refuses (nothing moves)",
     &Defects::update_ignores_refusal},
    {"orders-oldest-first", "GET /orders lists orders oldest first instead of newest first",
     &Defects::orders_oldest_first},
    {"other-client-sees-order", "an order is found by retailerOrderId whatever retailerClientId says",
     &Defects::other_client_sees_order},
    {"duplicate-item-accepted", "creating a product the order already has adds a second item instead of 409",
     &Defects::duplicate_item_accepted},
};

}  // namespace

std::vector<ProfileDefect> DefectList() {
  std::vector<ProfileDefect> list;
  for (const DefectName& d : kDefects) list.push_back({d.name, d.what});
  return list;
}

Defects DefectsFrom(const std::set<std::string>& names) {
  Defects defects;
  for (const std::string& name : names) {
    bool found = false;
    for (const DefectName& d : kDefects)
      if (name == d.name) {
        defects.*(d.flag) = true;
        found = true;
      }
    if (!found) throw std::invalid_argument("sheetmusicdirect has no defect '" + name + "'");
  }
  return defects;
}

http::HttpReply TextReply(int status, std::string body) {
  http::HttpReply reply;
  reply.status = status;
  reply.content_type = "text/plain; charset=utf-8";
  reply.body = std::move(body);
  return reply;
}

SheetMusicDirectProfile::SheetMusicDirectProfile(Fixtures fixtures, Defects defects)
    : fixtures_(std::move(fixtures)), defects_(defects) {}

std::vector<ProfileRoute> SheetMusicDirectProfile::Routes() {
  auto bind = [this](http::HttpReply (*handler)(const SheetMusicDirectProfile&, Call&)) -> RouteHandler {
    return [this, handler](Call& call) { return handler(*this, call); };
  };
  return {
      {"POST", "/orders/create", bind(&CreateOrder)},
      {"POST", "/orders/cancel", bind(&CancelOrder)},
      {"POST", "/orders/cancel/item", bind(&CancelOrderItem)},
      {"POST", "/orders/update", bind(&UpdateOrder)},
      {"POST", "/orders/updateprintsremaining", bind(&UpdatePrintsRemaining)},
      {"GET", "/orders", bind(&ListOrders)},
      {"GET", "/orders/orderitems", bind(&ListOrderItems)},
      {"GET", "/orders/allproducts", bind(&ListAllProducts)},
  };
}

// Check order (README, "Check order"): key present and known (401), then the
// signature (403); parameters are the handler's (422 and after).
Caller SheetMusicDirectProfile::Authenticate(const http::HttpRequest& /*request*/, const Query& query,
                                             std::string_view route_pattern,
                                             const ErrorReplies& errors) const {
  const QueryParams params(query, false);
  const std::optional<std::string> key = params.Get("key");
  if (!key || key->empty())
    return {std::nullopt, errors.Reply("UNAUTHENTICATED", "the key query parameter is required")};
  const Retailer* retailer = fixtures_.RetailerByKey(*key);
  if (!retailer) return {std::nullopt, errors.Reply("UNAUTHENTICATED", "the key is no retailer's key")};

  const std::optional<std::string_view> name = SignatureNameOf(route_pattern);
  if (!name) return {std::nullopt, errors.Reply("INTERNAL_ERROR", "no signature name for this route")};
  const std::optional<std::string> signature = params.Get("signature");
  if (!signature || signature->empty())
    return {std::nullopt, errors.Reply("SIGNATURE_INVALID", "the signature query parameter is required")};

  const bool with_ids = *name == "updateprintsremaining" && !defects_.prints_signature_key_only;
  auto expected_for = [&](std::string_view endpoint_name) {
    return Sha256Hex(SignatureText(endpoint_name, *key, params.Get("retailerClientId").value_or(""),
                                   params.Get("retailerOrderId").value_or(""), params.Get("productId").value_or(""),
                                   with_ids && endpoint_name == *name));
  };
  bool valid = *signature == expected_for(*name);
  if (!valid && defects_.signature_any_endpoint) {
    for (std::string_view pattern : {"/orders/create", "/orders/cancel", "/orders/cancel/item", "/orders/update",
                                     "/orders/updateprintsremaining", "/orders", "/orders/orderitems",
                                     "/orders/allproducts"})
      if (*signature == expected_for(*SignatureNameOf(pattern))) valid = true;
  }
  if (!valid)
    return {std::nullopt, errors.Reply("SIGNATURE_INVALID",
                                       "signature is not the SHA-256 of \"" + std::string(*name) + "\" and the key" +
                                           (with_ids ? ", retailerClientId, retailerOrderId and productId" : ""))};
  return {retailer->id, {}};
}

}  // namespace sheetmusicdirect

ProfileEntry SheetMusicDirectProfileEntry() {
  ProfileEntry entry;
  entry.name = "sheetmusicdirect";
  entry.summary =
      "SheetMusicDirect.com digital retailer orders: signed query-string requests, numeric OrderStatus per item, "
      "plain-text OK replies";
  entry.spec_dir = "spec/sheetmusicdirect";
  entry.default_fixtures = "fixtures/sheetmusicdirect";
  entry.openapi = sheetmusicdirect_spec::kOpenapiYaml;
  entry.lifecycle = sheetmusicdirect_spec::kLifecycleYaml;
  entry.errors = sheetmusicdirect_spec::kErrorsYaml;
  entry.rules = sheetmusicdirect_spec::kRulesYaml;
  entry.client_obligations = sheetmusicdirect_spec::kClientObligationsYaml;
  entry.engine.id_style = engine::IdStyle::kPrefixedHex;
  entry.engine.id_prefix = "smdi_";
  entry.defects = sheetmusicdirect::DefectList();
  entry.make = [](const std::string& fixtures_dir, const std::set<std::string>& defects) -> std::unique_ptr<Profile> {
    // The catalogue's outcomes are checked against the lifecycle the host serves.
    static const Lifecycle lifecycle =
        Lifecycle::Parse(sheetmusicdirect_spec::kLifecycleYaml, "spec/sheetmusicdirect/lifecycle.yaml");
    return std::make_unique<sheetmusicdirect::SheetMusicDirectProfile>(
        sheetmusicdirect::LoadFixtures(fixtures_dir, lifecycle), sheetmusicdirect::DefectsFrom(defects));
  };
  return entry;
}

}  // namespace purchase::profiles
