#include "profiles/tabs/tabs_profile.h"

#include "profiles/tabs/json_body.h"

#include <cctype>

#include "profile_tabs_embedded.h"
#include "profiles/profile_registry.h"

namespace purchase::profiles::tabs {
namespace {

// The token of "Bearer <token>" (the scheme case-insensitive), or "".
std::string_view BearerToken(const std::optional<std::string>& authorization) {
  if (!authorization || authorization->size() < 8) return {};
  const std::string_view text(*authorization);
  static constexpr std::string_view kScheme = "bearer ";
  for (size_t i = 0; i < kScheme.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(text[i])) != kScheme[i]) return {};
  return text.substr(kScheme.size());
}

}  // namespace

TabsProfile::TabsProfile(Fixtures fixtures, TabsDefects defects)
    : fixtures_(std::move(fixtures)), defects_(defects), book_(defects.payment_keeps_total) {}

std::vector<ProfileRoute> TabsProfile::Routes() {
  return {
      {"POST", "/v1/purchases", [this](Call& c) { return CreatePurchase(c); }},
      {"GET", "/v1/purchases/{purchase_id}", [this](Call& c) { return GetPurchase(c); }},
      {"GET", "/v1/tabs/{tab_id}", [this](Call& c) { return GetTab(c); }},
      {"POST", "/v1/tabs/{tab_id}/payment", [this](Call& c) { return PayTab(c); }},
  };
}

http::HttpReply TabsProfile::RefuseInvalid(const Error& error, const ErrorReplies& errors) const {
  return Invalid(errors, error.field, error.message);
}

Caller TabsProfile::Authenticate(const http::HttpRequest& request, const Query& /*query*/,
                                 std::string_view /*route_pattern*/,
                                 const ErrorReplies& errors) const {
  Caller caller;
  const std::string_view token = BearerToken(request.authorization);
  if (const Credential* c = token.empty() ? nullptr : fixtures_.CredentialOfToken(token)) {
    caller.who = c->Owner();
    return caller;
  }
  caller.refusal = errors.Reply("UNAUTHENTICATED", request.authorization
                                                       ? "the bearer token is no credential of this sandbox"
                                                       : "send Authorization: Bearer <access token>");
  caller.refusal.headers.emplace_back("WWW-Authenticate", "Bearer");
  return caller;
}

}  // namespace purchase::profiles::tabs

namespace purchase::profiles {

ProfileEntry TabsProfileEntry() {
  ProfileEntry entry;
  entry.name = "tabs";
  entry.summary = "tab purchases (seed 004): pay now or pay later on a per-user tab with a limit, paid with test cards";
  entry.spec_dir = "spec/tabs";
  entry.default_fixtures = "fixtures/tabs";
  entry.openapi = tabs_spec::kOpenapiYaml;
  entry.lifecycle = tabs_spec::kLifecycleYaml;
  entry.errors = tabs_spec::kErrorsYaml;
  entry.rules = tabs_spec::kRulesYaml;
  entry.client_obligations = tabs_spec::kClientObligationsYaml;
  entry.engine.id_style = engine::IdStyle::kUuid;
  entry.defects = {
      {"tabs-limit-ignored", "a pay_later purchase over the tab limit completes at once instead of waiting pending"},
      {"tabs-limit-exclusive", "a pay_later purchase that brings the tab exactly to its limit waits pending"},
      {"tabs-no-abandon", "a new pending purchase leaves the tab's older pending purchases pending"},
      {"tabs-valid-from-creation", "valid_from (and valid_to) count from the purchase's creation, not its completion"},
      {"tabs-other-merchant-visible", "GET /v1/purchases/{id} answers another merchant's purchase"},
      {"tabs-declined-completes", "a declined test card completes the tab's pending purchases"},
      {"tabs-payment-keeps-total", "a succeeded payment leaves the paid purchases on the tab's total"},
  };
  entry.make = [](const std::string& fixtures_dir, const std::set<std::string>& on) -> std::unique_ptr<Profile> {
    tabs::TabsDefects d;
    d.limit_ignored = on.count("tabs-limit-ignored") > 0;
    d.limit_exclusive = on.count("tabs-limit-exclusive") > 0;
    d.no_abandon = on.count("tabs-no-abandon") > 0;
    d.valid_from_creation = on.count("tabs-valid-from-creation") > 0;
    d.other_merchant_visible = on.count("tabs-other-merchant-visible") > 0;
    d.declined_completes = on.count("tabs-declined-completes") > 0;
    d.payment_keeps_total = on.count("tabs-payment-keeps-total") > 0;
    return std::make_unique<tabs::TabsProfile>(tabs::LoadFixtures(fixtures_dir), d);
  };
  return entry;
}

}  // namespace purchase::profiles
