// The SheetMusicDirect sandbox's data, loaded from fixtures/sheetmusicdirect/
// (retailers.yaml: who may call and with which key; catalog.yaml: the
// products, each with its fulfillment outcome and delay). A bad file throws
// SpecError "file:line:col: error: ...". Immutable after loading; thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/lifecycle.h"

namespace purchase::profiles::sheetmusicdirect {

struct Retailer {
  std::string id;    // how the audit and the engine's owners name it
  std::string name;  // "Supplied by <name>" in generated license strings
  std::string key;   // the `key` query parameter
};

struct Product {
  int64_t id = 0;                   // productId
  std::string catalogue_reference;  // CatalogueReference
  std::string title;
  std::string outcome;              // a cause of the lifecycle from its initial state
  Millis delay_ms = 0;              // from create to the outcome
};

struct Fixtures {
  std::vector<Retailer> retailers;
  std::map<int64_t, Product> products;

  const Retailer* RetailerByKey(std::string_view key) const;
  const Retailer* RetailerById(std::string_view id) const;
  const Product* ProductById(int64_t id) const;
};

// Loads `dir`/retailers.yaml and `dir`/catalog.yaml. Each product's outcome
// must be a cause that leads somewhere from the lifecycle's initial state.
// Throws SpecError naming the file, line and column of the first problem.
Fixtures LoadFixtures(const std::string& dir, const Lifecycle& lifecycle);

// The same from texts (for tests); `*_source` names them in messages.
Fixtures ParseFixtures(std::string_view retailers_yaml, std::string_view retailers_source,
                       std::string_view catalog_yaml, std::string_view catalog_source, const Lifecycle& lifecycle);

}  // namespace purchase::profiles::sheetmusicdirect
