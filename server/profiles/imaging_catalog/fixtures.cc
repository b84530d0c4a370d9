#include "profiles/imaging_catalog/fixtures.h"

#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

#include "core/yaml_document.h"
#include "profiles/fixture_yaml.h"

namespace purchase::profiles::imaging_catalog {

bool CallerAccount::HasContract(std::string_view contract) const {
  for (const auto& c : contracts)
    if (c == contract) return true;
  return false;
}

const FrameProduct* Frame::Product(std::string_view type) const {
  for (const auto& p : products)
    if (p.type == type) return &p;
  return nullptr;
}

const CallerAccount* Fixtures::CallerOfToken(std::string_view token) const {
  for (const auto& c : callers)
    if (c.token == token) return &c;
  return nullptr;
}

const Frame* Fixtures::FindFrame(std::string_view id) const {
  for (const auto& f : frames)
    if (f.id == id) return &f;
  return nullptr;
}

Fixtures ParseFixtures(std::string_view callers_yaml, std::string_view callers_source, std::string_view frames_yaml,
                       std::string_view frames_source) {
  Fixtures fixtures;

  const YAML::Node callers_root = LoadYamlDocument(callers_yaml, callers_source);
  if (!callers_root.IsMap()) throw SpecErrorAt(callers_source, callers_root, "expected a map with 'callers'");
  RefuseUnknownKeys(callers_source, callers_root, {"callers"});
  std::set<std::string> ids, tokens, contracts;
  for (const YAML::Node& c : RequireList(callers_source, callers_root, "callers")) {
    RequireMap(callers_source, c, "a caller");
    RefuseUnknownKeys(callers_source, c, {"id", "token", "contracts"});
    CallerAccount caller{RequireText(callers_source, c, "id"), RequireText(callers_source, c, "token"), {}};
    if (!ids.insert(caller.id).second) throw SpecErrorAt(callers_source, c["id"], "caller '" + caller.id + "' is listed twice");
    if (!tokens.insert(caller.token).second)
      throw SpecErrorAt(callers_source, c["token"], "token '" + caller.token + "' is another caller's too");
    for (const YAML::Node& k : RequireList(callers_source, c, "contracts")) {
      if (!k.IsScalar() || k.Scalar().empty()) throw SpecErrorAt(callers_source, k, "a contract must be a non-empty string");
      if (!contracts.insert(k.Scalar()).second)
        throw SpecErrorAt(callers_source, k, "contract '" + k.Scalar() + "' is listed twice");
      caller.contracts.push_back(k.Scalar());
    }
    fixtures.callers.push_back(std::move(caller));
  }

  const YAML::Node frames_root = LoadYamlDocument(frames_yaml, frames_source);
  if (!frames_root.IsMap()) throw SpecErrorAt(frames_source, frames_root, "expected a map with 'frames'");
  RefuseUnknownKeys(frames_source, frames_root, {"frames"});
  std::set<std::string> frame_ids;
  for (const YAML::Node& f : RequireList(frames_source, frames_root, "frames")) {
    RequireMap(frames_source, f, "a frame");
    RefuseUnknownKeys(frames_source, f, {"id", "outcome", "fail_after_seconds", "products"});
    Frame frame;
    frame.id = RequireText(frames_source, f, "id");
    if (!frame_ids.insert(frame.id).second) throw SpecErrorAt(frames_source, f["id"], "frame '" + frame.id + "' is listed twice");
    const std::string outcome = RequireText(frames_source, f, "outcome");
    if (outcome != "close" && outcome != "fail")
      throw SpecErrorAt(frames_source, f["outcome"], "'outcome' must be close or fail, not '" + outcome + "'");
    frame.fails = outcome == "fail";
    // A failing frame fails at its fail_after_seconds; a closing one has it as
    // its deadline (default one day): still active then, a purchase fails.
    if (frame.fails || f["fail_after_seconds"])
      frame.fail_after = RequireSeconds(frames_source, f, "fail_after_seconds");
    for (const YAML::Node& p : RequireList(frames_source, f, "products")) {
      RequireMap(frames_source, p, "a product");
      RefuseUnknownKeys(frames_source, p, {"type", "ready_after_seconds"});
      FrameProduct product{RequireText(frames_source, p, "type"), RequireSeconds(frames_source, p, "ready_after_seconds")};
      if (product.type.size() > 32) throw SpecErrorAt(frames_source, p["type"], "a product type has at most 32 characters");
      if (frame.Product(product.type))
        throw SpecErrorAt(frames_source, p["type"], "product type '" + product.type + "' is listed twice");
      frame.products.push_back(std::move(product));
    }
    fixtures.frames.push_back(std::move(frame));
  }
  return fixtures;
}

Fixtures LoadFixtures(const std::string& dir) {
  const std::string callers = dir + "/callers.yaml";
  const std::string frames = dir + "/frames.yaml";
  return ParseFixtures(ReadFixtureFile(callers), callers, ReadFixtureFile(frames), frames);
}

}  // namespace purchase::profiles::imaging_catalog
