// The tabs fixtures (fixtures/tabs/tabs.yaml): the credentials (a user's
// token at one merchant, and whether purchases made with it are test mode),
// each merchant's tab limit, and the test cards that pay a tab (how long a
// payment processes and whether it succeeds).
// Immutable after loading; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"

namespace purchase::profiles::tabs {

struct Credential {
  std::string token;
  std::string merchant_id;
  std::string user_id;
  bool test_mode = true;
  int64_t tab_limit = 0;  // the merchant's, in minor units
  // The owner of the purchases and tabs made with this credential.
  std::string Owner() const { return merchant_id + "/" + user_id; }
};

struct PaymentMethod {
  std::string id;  // "pm_card_ok"
  bool succeeds = true;
  Millis delay = 0;
  std::string failure_reason;  // declined only
};

struct Fixtures {
  std::vector<Credential> credentials;
  std::vector<PaymentMethod> payment_methods;
  const Credential* CredentialOfToken(std::string_view token) const;
  const Credential* CredentialOfOwner(std::string_view owner) const;
  const PaymentMethod* FindPaymentMethod(std::string_view id) const;
};

// Parses the text of tabs.yaml; `source` names it in messages. Throws
// SpecError "file:line:col: error: ..." on any mistake (missing or unknown
// key, duplicate token or card, a credential of a merchant with no limit,
// an unknown outcome, a negative delay).
Fixtures ParseFixtures(std::string_view yaml_text, std::string_view source);
// Reads DIR/tabs.yaml; a missing file is a SpecError too.
Fixtures LoadFixtures(const std::string& dir);

}  // namespace purchase::profiles::tabs
