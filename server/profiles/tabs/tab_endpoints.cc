// GET /v1/tabs/{tab_id} and POST /v1/tabs/{tab_id}/payment: read a tab, and
// pay it with a test card. A payment covers every purchase of the tab not
// paid yet; its cause (the card's outcome) is scheduled on each of them for
// the instant it settles, and the lifecycle decides which ones move.
#include "profiles/tabs/json_body.h"
#include "profiles/tabs/replies.h"
#include "profiles/tabs/tabs_profile.h"

namespace purchase::profiles::tabs {

Tab* TabsProfile::OwnTab(Call& call, std::string_view tab_id) {
  book_.Settle(call.engine.Now());
  Tab* tab = book_.Find(tab_id);
  return tab && tab->owner == call.caller ? tab : nullptr;
}

http::HttpReply TabsProfile::GetTab(Call& call) {
  const std::string& id = call.params.at("tab_id");
  Tab* tab = OwnTab(call, id);
  if (!tab) return call.errors.Reply("TAB_NOT_FOUND", "no tab of yours has id '" + id + "'");
  const Credential& who = *fixtures_.CredentialOfOwner(call.caller);
  return JsonReply(200, TabJson(*tab, call.engine, who.merchant_id, who.user_id, {defects_.valid_from_creation}));
}

http::HttpReply TabsProfile::PayTab(Call& call) {
  const JsonObject parsed = call.Body();
  if (parsed.refusal) return *parsed.refusal;
  const rapidjson::Value& body = *parsed.value;
  if (auto unknown = UnknownMember(body, {"payment_method"}))
    return Invalid(call.errors, *unknown, "unknown member '" + *unknown + "'");
  if (!body.HasMember("payment_method") || !body["payment_method"].IsString())
    return Invalid(call.errors, "payment_method", "'payment_method' must be a test card id (fixtures/tabs/README.md)");
  const PaymentMethod* card = fixtures_.FindPaymentMethod(TextOf(body["payment_method"]));
  if (!card)
    return Invalid(call.errors, "payment_method",
                   "'payment_method' '" + std::string(TextOf(body["payment_method"])) + "' is no test card");

  const std::string& id = call.params.at("tab_id");
  Tab* tab = OwnTab(call, id);
  if (!tab) return call.errors.Reply("TAB_NOT_FOUND", "no tab of yours has id '" + id + "'");
  if (tab->Processing())
    return call.errors.Reply("PAYMENT_IN_PROGRESS", "payment " + tab->Processing()->id + " of this tab is processing");
  const int64_t amount = OwedOf(*tab, call.engine) + PendingAmountOf(*tab, call.engine);
  if (amount == 0) return call.errors.Reply("NOTHING_TO_PAY", "the tab owes nothing and has no pending purchase");

  const Millis now = call.engine.Now();
  Payment payment;
  payment.payment_method = card->id;
  payment.amount = amount;
  payment.created_at = now;
  payment.succeeds = card->succeeds;
  payment.failure_reason = card->failure_reason;
  Millis delay = card->delay;
  // A declined card applies no cause: the purchases stay as they are.
  std::string cause = card->succeeds ? "payment_succeeded" : "";
  // A fulfillment fault rule picks the outcome (any other cause than
  // payment_succeeded declines the payment) and when it settles.
  if (auto outcome = call.TakeOutcome()) {
    if (outcome->cause) {
      cause = *outcome->cause;
      payment.succeeds = cause == "payment_succeeded";
      if (!payment.succeeds && payment.failure_reason.empty()) payment.failure_reason = "Declined by a fault rule.";
    }
    if (outcome->after) delay = *outcome->after;
  }
  if (defects_.declined_completes) cause = "payment_succeeded";
  payment.due = now + delay;
  for (const auto& purchase_id : tab->purchase_ids)
    if (!tab->paid.count(purchase_id))
      if (engine::EngineOrder* order = call.engine.Find(purchase_id)) {
        payment.purchase_ids.push_back(purchase_id);
        if (!cause.empty()) call.engine.Schedule(*order, payment.due, cause);
      }
  const Payment& added = book_.AddPayment(*tab, std::move(payment));
  http::HttpReply reply = JsonReply(202, PaymentJson(*tab, added));
  reply.headers.emplace_back("Location", call.request.base_path + "/v1/tabs/" + tab->id);
  return reply;
}

}  // namespace purchase::profiles::tabs
