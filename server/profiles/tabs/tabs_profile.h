// The tabs profile (seed 004): purchases put on a user's tab at a merchant,
// paid now or later, over the generic engine. POST /v1/purchases creates a
// purchase (by the entry cause the tab's state calls for: on the tab, or
// pending); GET /v1/purchases/{purchase_id} and GET /v1/tabs/{tab_id} read;
// POST /v1/tabs/{tab_id}/payment pays a tab with a test card, which settles
// on the clock. The rules and the decisions behind them are in
// spec/tabs/README.md. The surface never names a target state: it applies
// causes, and spec/tabs/lifecycle.yaml decides.
//
// Not thread-safe on its own: the ProfileHost's lock serializes requests.
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "profiles/profile_host.h"
#include "profiles/tabs/fixtures.h"
#include "profiles/tabs/tab_book.h"

namespace purchase::profiles::tabs {

// The profile's own deliberate defects (names for --defect).
struct TabsDefects {
  bool limit_ignored = false;          // tabs-limit-ignored
  bool limit_exclusive = false;        // tabs-limit-exclusive
  bool no_abandon = false;             // tabs-no-abandon
  bool valid_from_creation = false;    // tabs-valid-from-creation
  bool other_merchant_visible = false; // tabs-other-merchant-visible
  bool declined_completes = false;     // tabs-declined-completes
  bool payment_keeps_total = false;    // tabs-payment-keeps-total
};

class TabsProfile final : public Profile {
 public:
  TabsProfile(Fixtures fixtures, TabsDefects defects);

  std::string_view name() const override { return "tabs"; }
  std::vector<ProfileRoute> Routes() override;
  Caller Authenticate(const http::HttpRequest& request, const Query& query, std::string_view route_pattern,
                      const ErrorReplies& errors) const override;
  // 422 with error.field, as every refusal of this API (json_body.h).
  http::HttpReply RefuseInvalid(const Error& error, const ErrorReplies& errors) const override;
  void Reset() override { book_.Reset(); }

 private:
  // purchases.cc
  http::HttpReply CreatePurchase(Call& call);
  http::HttpReply GetPurchase(Call& call);
  // tab_endpoints.cc
  http::HttpReply GetTab(Call& call);
  http::HttpReply PayTab(Call& call);

  // The caller's tab with this id, settled to now, or null.
  Tab* OwnTab(Call& call, std::string_view tab_id);

  const Fixtures fixtures_;
  const TabsDefects defects_;
  TabBook book_;
};

}  // namespace purchase::profiles::tabs
