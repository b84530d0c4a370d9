// TabBook: the tabs of the tabs API and the payments made on them. A tab is
// one user's at one merchant in one currency; it holds the purchases put on
// it, oldest first, and its payments. A payment covers every purchase of the
// tab not paid yet and settles at its due instant (the test card's delay):
// the engine applies the payment's cause to each covered purchase then (the
// profile scheduled it), and Settle() marks a succeeded payment's purchases
// paid, which takes them off the tab's total.
//
// Purchases live in the OrderEngine; the book keeps only their ids. Not
// thread-safe: the ProfileHost's lock serializes every request.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"

namespace purchase::profiles::tabs {

struct Payment {
  std::string id;
  std::string payment_method;
  int64_t amount = 0;
  Millis created_at = 0;
  Millis due = 0;        // when it settles
  bool succeeds = true;  // its outcome at `due`
  std::string failure_reason;
  std::vector<std::string> purchase_ids;  // the purchases it covers
  bool settled = false;                   // the clock reached `due` (Settle saw it)
};

struct Tab {
  std::string id;
  std::string owner;  // Credential::Owner()
  std::string currency;
  int64_t limit = 0;
  Millis created_at = 0;
  Millis updated_at = 0;
  std::vector<std::string> purchase_ids;  // oldest first
  std::vector<Payment> payments;          // oldest first
  std::set<std::string> paid;             // purchases a succeeded payment covered

  // The payment still processing, or null (at most one: PAYMENT_IN_PROGRESS).
  const Payment* Processing() const;
};

class TabBook {
 public:
  // Does not mark succeeded payments' purchases paid (a deliberate defect).
  explicit TabBook(bool payment_keeps_total = false) : payment_keeps_total_(payment_keeps_total) {}

  // The tab of `owner` in `currency`, or null.
  Tab* FindFor(std::string_view owner, std::string_view currency);
  // The tab with this id, or null (the caller checks the owner).
  Tab* Find(std::string_view id);
  // The tab of `owner` in `currency`, opened now if it has none.
  Tab& OpenFor(const std::string& owner, const std::string& currency, int64_t limit, Millis now);
  // Records a payment on `tab` and gives it its id.
  Payment& AddPayment(Tab& tab, Payment payment);
  // Settles every payment whose due instant `now` has reached.
  void Settle(Millis now);
  // Forgets every tab and payment; ids start again.
  void Reset();

 private:
  const bool payment_keeps_total_;
  std::vector<std::unique_ptr<Tab>> tabs_;
  uint64_t payments_ = 0;
};

}  // namespace purchase::profiles::tabs
