#include "profiles/tabs/tab_book.h"

#include <algorithm>

#include "engine/order_engine.h"  // UuidOf

namespace purchase::profiles::tabs {
namespace {
// Seeds of the tab and payment ids: fixed, so that the same requests give
// the same ids whatever --seed the purchase ids use.
constexpr uint64_t kTabIdSeed = 0x7461627300000001ULL;
constexpr uint64_t kPaymentIdSeed = 0x7061796d00000001ULL;
}  // namespace

const Payment* Tab::Processing() const {
  for (const auto& p : payments)
    if (!p.settled) return &p;
  return nullptr;
}

Tab* TabBook::FindFor(std::string_view owner, std::string_view currency) {
  for (auto& t : tabs_)
    if (t->owner == owner && t->currency == currency) return t.get();
  return nullptr;
}

Tab* TabBook::Find(std::string_view id) {
  for (auto& t : tabs_)
    if (t->id == id) return t.get();
  return nullptr;
}

Tab& TabBook::OpenFor(const std::string& owner, const std::string& currency, int64_t limit, Millis now) {
  if (Tab* tab = FindFor(owner, currency)) return *tab;
  auto tab = std::make_unique<Tab>();
  tab->id = "tab_" + engine::UuidOf(tabs_.size(), kTabIdSeed);
  tab->owner = owner;
  tab->currency = currency;
  tab->limit = limit;
  tab->created_at = tab->updated_at = now;
  tabs_.push_back(std::move(tab));
  return *tabs_.back();
}

Payment& TabBook::AddPayment(Tab& tab, Payment payment) {
  payment.id = "pay_" + engine::UuidOf(payments_++, kPaymentIdSeed);
  tab.updated_at = std::max(tab.updated_at, payment.created_at);
  tab.payments.push_back(std::move(payment));
  return tab.payments.back();
}

void TabBook::Settle(Millis now) {
  for (auto& tab : tabs_)
    for (auto& p : tab->payments) {
      if (p.settled || p.due > now) continue;
      p.settled = true;
      tab->updated_at = std::max(tab->updated_at, p.due);
      if (p.succeeds && !payment_keeps_total_) tab->paid.insert(p.purchase_ids.begin(), p.purchase_ids.end());
    }
}

void TabBook::Reset() {
  tabs_.clear();
  payments_ = 0;
}

}  // namespace purchase::profiles::tabs
