#include "profiles/tabs/fixtures.h"

#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "core/yaml_document.h"
#include "profiles/fixture_yaml.h"

namespace purchase::profiles::tabs {

const Credential* Fixtures::CredentialOfToken(std::string_view token) const {
  for (const auto& c : credentials)
    if (c.token == token) return &c;
  return nullptr;
}

const Credential* Fixtures::CredentialOfOwner(std::string_view owner) const {
  for (const auto& c : credentials)
    if (c.Owner() == owner) return &c;
  return nullptr;
}

const PaymentMethod* Fixtures::FindPaymentMethod(std::string_view id) const {
  for (const auto& p : payment_methods)
    if (p.id == id) return &p;
  return nullptr;
}

Fixtures ParseFixtures(std::string_view yaml_text, std::string_view source) {
  const YAML::Node root = LoadYamlDocument(yaml_text, source);
  RequireMap(source, root, "the file");
  RefuseUnknownKeys(source, root, {"credentials", "merchants", "payment_methods"});

  const YAML::Node merchants = root["merchants"];
  if (!merchants) throw SpecErrorAt(source, root, "missing 'merchants'");
  RequireMap(source, merchants, "'merchants'");
  std::map<std::string, int64_t> limits;
  for (const auto& m : merchants) {
    RequireMap(source, m.second, "merchant " + m.first.Scalar());
    RefuseUnknownKeys(source, m.second, {"tab_limit"});
    limits[m.first.Scalar()] = RequireInteger(source, m.second, "tab_limit", 1, 1000000000);
  }

  Fixtures out;
  const YAML::Node credentials = root["credentials"];
  if (!credentials) throw SpecErrorAt(source, root, "missing 'credentials'");
  if (!credentials.IsSequence() || credentials.size() == 0)
    throw SpecErrorAt(source, credentials, "'credentials' must be a non-empty list");
  for (const auto& c : credentials) {
    RequireMap(source, c, "a credential");
    RefuseUnknownKeys(source, c, {"token", "merchant_id", "user_id", "test_mode"});
    Credential cred;
    cred.token = RequireText(source, c, "token");
    cred.merchant_id = RequireText(source, c, "merchant_id");
    cred.user_id = RequireText(source, c, "user_id");
    cred.test_mode = RequireBool(source, c, "test_mode");
    if (out.CredentialOfToken(cred.token)) throw SpecErrorAt(source, c["token"], "token '" + cred.token + "' is listed twice");
    if (out.CredentialOfOwner(cred.Owner()))
      throw SpecErrorAt(source, c["user_id"], "user '" + cred.user_id + "' of " + cred.merchant_id + " has two credentials");
    auto limit = limits.find(cred.merchant_id);
    if (limit == limits.end())
      throw SpecErrorAt(source, c["merchant_id"], "merchant '" + cred.merchant_id + "' is not under 'merchants'");
    cred.tab_limit = limit->second;
    out.credentials.push_back(std::move(cred));
  }

  const YAML::Node methods = root["payment_methods"];
  if (!methods) throw SpecErrorAt(source, root, "missing 'payment_methods'");
  RequireMap(source, methods, "'payment_methods'");
  for (const auto& m : methods) {
    RequireMap(source, m.second, "payment method " + m.first.Scalar());
    RefuseUnknownKeys(source, m.second, {"outcome", "delay_seconds", "failure_reason"});
    PaymentMethod pm;
    pm.id = m.first.Scalar();
    const std::string outcome = RequireText(source, m.second, "outcome");
    if (outcome != "succeeded" && outcome != "declined")
      throw SpecErrorAt(source, m.second["outcome"], "'outcome' must be succeeded or declined, not '" + outcome + "'");
    pm.succeeds = outcome == "succeeded";
    // Zero is refused: a payment settles on the first request after its due
    // instant, and its 202 must be able to say "processing".
    pm.delay = RequireSeconds(source, m.second, "delay_seconds", /*allow_zero=*/false);
    if (pm.succeeds && m.second["failure_reason"])
      throw SpecErrorAt(source, m.second["failure_reason"], "'failure_reason' is only for a declined card");
    if (!pm.succeeds) pm.failure_reason = RequireText(source, m.second, "failure_reason");
    out.payment_methods.push_back(std::move(pm));
  }
  if (out.payment_methods.empty()) throw SpecErrorAt(source, methods, "'payment_methods' must name at least one card");
  return out;
}

Fixtures LoadFixtures(const std::string& dir) {
  const std::string path = dir + "/tabs.yaml";
  return ParseFixtures(ReadFixtureFile(path), path);
}

}  // namespace purchase::profiles::tabs
