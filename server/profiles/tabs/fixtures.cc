#include "profiles/tabs/fixtures.h"

#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "core/yaml_document.h"

namespace purchase::profiles::tabs {
namespace {

void RequireMap(std::string_view source, const YAML::Node& node, const std::string& what) {
  if (!node.IsMap()) throw SpecErrorAt(source, node, what + " must be a map");
}

void RefuseUnknownKeys(std::string_view source, const YAML::Node& node, const std::set<std::string>& known) {
  for (const auto& member : node)
    if (!known.count(member.first.Scalar()))
      throw SpecErrorAt(source, member.first, "unknown key '" + member.first.Scalar() + "'");
}

// A required non-empty scalar member of `node`, or a SpecError at `node`.
std::string RequireText(std::string_view source, const YAML::Node& node, const char* key) {
  const YAML::Node value = node[key];
  if (!value) throw SpecErrorAt(source, node, std::string("missing '") + key + "'");
  if (!value.IsScalar() || value.Scalar().empty())
    throw SpecErrorAt(source, value, std::string("'") + key + "' must be a non-empty string");
  return value.Scalar();
}

bool RequireBool(std::string_view source, const YAML::Node& node, const char* key) {
  const YAML::Node value = node[key];
  if (!value) throw SpecErrorAt(source, node, std::string("missing '") + key + "'");
  if (!value.IsScalar() || (value.Scalar() != "true" && value.Scalar() != "false"))
    throw SpecErrorAt(source, value, std::string("'") + key + "' must be true or false");
  return value.Scalar() == "true";
}

int64_t RequireInteger(std::string_view source, const YAML::Node& node, const char* key, int64_t lo, int64_t hi) {
  const YAML::Node value = node[key];
  if (!value) throw SpecErrorAt(source, node, std::string("missing '") + key + "'");
  int64_t n = lo - 1;
  try {
    n = value.as<int64_t>();
  } catch (const YAML::Exception&) {
  }
  if (n < lo || n > hi)
    throw SpecErrorAt(source, value,
                      std::string("'") + key + "' must be an integer " + std::to_string(lo) + ".." + std::to_string(hi));
  return n;
}

Millis RequireSeconds(std::string_view source, const YAML::Node& node, const char* key) {
  const YAML::Node value = node[key];
  if (!value) throw SpecErrorAt(source, node, std::string("missing '") + key + "'");
  double seconds = -1;
  try {
    seconds = value.as<double>();
  } catch (const YAML::Exception&) {
  }
  // Zero is refused: a payment settles on the first request after its due
  // instant, and its 202 must be able to say "processing".
  if (!(seconds > 0) || seconds > 31536000)
    throw SpecErrorAt(source, value, std::string("'") + key + "' must be a number of seconds, over 0 and at most 31536000");
  return static_cast<Millis>(std::llround(seconds * 1000));
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw SpecError(path + ":1:1: error: cannot read the fixture file");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

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
    pm.delay = RequireSeconds(source, m.second, "delay_seconds");
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
  return ParseFixtures(ReadFile(path), path);
}

}  // namespace purchase::profiles::tabs
