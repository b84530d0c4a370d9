// SheetMusicDirectProfile: the SheetMusicDirect.com digital retailer order
// API (spec/sheetmusicdirect/) over the generic engine. Every parameter is in
// the query string; every request is authenticated by `key` and signed by
// `signature` (signature.h); successful writes answer plain text ("OK: order
// created"), reads answer JSON, errors answer the JSON error shape.
//
// One engine order is one order item (a product of a retailer order): items
// carry the lifecycle; an order is the items of one retailerOrderId of one
// retailer's client (items.h). The surface applies causes only; the
// lifecycle decides every state. Holds no mutable state of its own: the
// ProfileHost calls it under its lock.
#pragma once

#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "profiles/profile_host.h"
#include "profiles/profile_registry.h"
#include "profiles/sheetmusicdirect/fixtures.h"

namespace purchase::profiles::sheetmusicdirect {

// This profile's deliberate defects (ProfileEntry::defects), each a bug a
// real implementation could have; the scenario suite catches every one.
struct Defects {
  bool plus_as_space = false;              // licenseString "+" decoded as a space
  bool signature_any_endpoint = false;     // any endpoint's signature passes on every endpoint
  bool prints_signature_key_only = false;  // updateprintsremaining signs name+key, without the ids
  bool cancel_order_first_item_only = false;  // /orders/cancel cancels only the order's first item
  bool update_ignores_refusal = false;     // /orders/update answers OK for a status the lifecycle refuses
  bool orders_oldest_first = false;        // GET /orders lists the oldest order first
  bool other_client_sees_order = false;    // an order is found by retailerOrderId whatever the client
  bool duplicate_item_accepted = false;    // a second item of the same product is created
};

// The names of Defects' members as `--defect` spells them, with what each breaks.
std::vector<ProfileDefect> DefectList();
// Defects from the names switched on; throws std::invalid_argument for an unknown name.
Defects DefectsFrom(const std::set<std::string>& names);

class SheetMusicDirectProfile final : public Profile {
 public:
  SheetMusicDirectProfile(Fixtures fixtures, Defects defects);

  std::string_view name() const override { return "sheetmusicdirect"; }
  std::vector<ProfileRoute> Routes() override;
  // Every parameter is in the query string (signed): decoded once by the host.
  bool ReadsQuery() const override { return true; }
  Caller Authenticate(const http::HttpRequest& request, const Query& query, std::string_view route_pattern,
                      const ErrorReplies& errors) const override;

  const Fixtures& fixtures() const { return fixtures_; }
  const Defects& defects() const { return defects_; }

 private:
  const Fixtures fixtures_;
  const Defects defects_;
};

// A plain-text reply (text/plain; charset=utf-8), as the seed's "OK: ..." answers.
http::HttpReply TextReply(int status, std::string body);

// The handlers, one per operation (order_writes.cc, order_reads.cc).
http::HttpReply CreateOrder(const SheetMusicDirectProfile& profile, Call& call);
http::HttpReply CancelOrder(const SheetMusicDirectProfile& profile, Call& call);
http::HttpReply CancelOrderItem(const SheetMusicDirectProfile& profile, Call& call);
http::HttpReply UpdateOrder(const SheetMusicDirectProfile& profile, Call& call);
http::HttpReply UpdatePrintsRemaining(const SheetMusicDirectProfile& profile, Call& call);
http::HttpReply ListOrders(const SheetMusicDirectProfile& profile, Call& call);
http::HttpReply ListOrderItems(const SheetMusicDirectProfile& profile, Call& call);
http::HttpReply ListAllProducts(const SheetMusicDirectProfile& profile, Call& call);

}  // namespace purchase::profiles::sheetmusicdirect
