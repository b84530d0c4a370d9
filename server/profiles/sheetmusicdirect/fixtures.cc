#include "profiles/sheetmusicdirect/fixtures.h"

#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

#include "core/yaml_document.h"
#include "profiles/fixture_yaml.h"

namespace purchase::profiles::sheetmusicdirect {
namespace {

std::vector<Retailer> ParseRetailers(std::string_view text, std::string_view source) {
  const YAML::Node root = LoadYamlDocument(text, source);
  if (!root.IsMap()) throw SpecErrorAt(source, root, "expected a map with 'retailers'");
  const YAML::Node list = root["retailers"];
  if (!list || !list.IsSequence() || list.size() == 0)
    throw SpecErrorAt(source, list ? list : root, "'retailers' must be a non-empty list");
  std::vector<Retailer> retailers;
  for (const YAML::Node& r : list) {
    if (!r.IsMap()) throw SpecErrorAt(source, r, "a retailer must be a map {id, name, key}");
    RefuseUnknownKeys(source, r, {"id", "name", "key", "description"});
    Retailer retailer{RequireText(source, r, "id"), RequireText(source, r, "name"), RequireText(source, r, "key")};
    for (const Retailer& other : retailers) {
      if (other.id == retailer.id) throw SpecErrorAt(source, r["id"], "retailer id '" + retailer.id + "' is listed twice");
      if (other.key == retailer.key) throw SpecErrorAt(source, r["key"], "key '" + retailer.key + "' is also " + other.id + "'s");
    }
    retailers.push_back(std::move(retailer));
  }
  return retailers;
}

std::map<int64_t, Product> ParseCatalog(std::string_view text, std::string_view source, const Lifecycle& lifecycle) {
  const YAML::Node root = LoadYamlDocument(text, source);
  if (!root.IsMap()) throw SpecErrorAt(source, root, "expected a map with 'products'");
  const YAML::Node list = root["products"];
  if (!list || !list.IsSequence() || list.size() == 0)
    throw SpecErrorAt(source, list ? list : root, "'products' must be a non-empty list");
  std::map<int64_t, Product> products;
  for (const YAML::Node& p : list) {
    if (!p.IsMap()) throw SpecErrorAt(source, p, "a product must be a map {id, catalogue_reference, title, outcome, delay_seconds}");
    RefuseUnknownKeys(source, p, {"id", "catalogue_reference", "title", "outcome", "delay_seconds", "description"});
    Product product;
    const std::string id = RequireText(source, p, "id");
    if (id.size() > 9 || id.find_first_not_of("0123456789") != std::string::npos || id[0] == '0')
      throw SpecErrorAt(source, p["id"], "'id' must be a positive integer of at most 9 digits");
    product.id = std::stoll(id);
    if (products.count(product.id)) throw SpecErrorAt(source, p["id"], "product " + id + " is listed twice");
    product.catalogue_reference = RequireText(source, p, "catalogue_reference");
    product.title = RequireText(source, p, "title");
    product.outcome = RequireText(source, p, "outcome");
    if (!lifecycle.TargetOf(lifecycle.initial_state(), product.outcome))
      throw SpecErrorAt(source, p["outcome"], "outcome '" + product.outcome + "' is no cause of the lifecycle from " +
                                                  lifecycle.initial_state());
    const YAML::Node delay = p["delay_seconds"];
    if (!delay) throw SpecErrorAt(source, p, "missing 'delay_seconds'");
    double seconds = -1;
    try {
      seconds = delay.as<double>();
    } catch (const YAML::Exception&) {
    }
    if (!(seconds >= 0) || seconds > 86400.0 * 365)
      throw SpecErrorAt(source, delay, "'delay_seconds' must be a number of seconds from 0 to 31536000");
    product.delay_ms = static_cast<Millis>(std::llround(seconds * 1000));
    products.emplace(product.id, std::move(product));
  }
  return products;
}

}  // namespace

const Retailer* Fixtures::RetailerByKey(std::string_view key) const {
  for (const Retailer& r : retailers)
    if (r.key == key) return &r;
  return nullptr;
}

const Retailer* Fixtures::RetailerById(std::string_view id) const {
  for (const Retailer& r : retailers)
    if (r.id == id) return &r;
  return nullptr;
}

const Product* Fixtures::ProductById(int64_t id) const {
  auto it = products.find(id);
  return it == products.end() ? nullptr : &it->second;
}

Fixtures ParseFixtures(std::string_view retailers_yaml, std::string_view retailers_source,
                       std::string_view catalog_yaml, std::string_view catalog_source, const Lifecycle& lifecycle) {
  Fixtures fixtures;
  fixtures.retailers = ParseRetailers(retailers_yaml, retailers_source);
  fixtures.products = ParseCatalog(catalog_yaml, catalog_source, lifecycle);
  return fixtures;
}

Fixtures LoadFixtures(const std::string& dir, const Lifecycle& lifecycle) {
  const std::string retailers = dir + "/retailers.yaml";
  const std::string catalog = dir + "/catalog.yaml";
  return ParseFixtures(ReadFixtureFile(retailers), retailers, ReadFixtureFile(catalog), catalog, lifecycle);
}

}  // namespace purchase::profiles::sheetmusicdirect
