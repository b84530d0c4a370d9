// The two layers of spec/openapi.yaml: the contract, which every
// implementation of the Purchase API must keep, and the reference layer, what
// our reference server promises beyond it (its id formats, closed reply
// objects, refusing unknown request members).
//
// The document is written as the contract. Any object in it may carry
//   x-reference: {keyword: value, ...}
// whose members the reference server also promises: at the reference layer
// they are merged into the object (replacing a keyword it already has), at
// the contract layer they are dropped. One file keeps both, so a spec author
// sees the contract and the reference server's choice side by side.
//
// Pure functions over a YAML tree; thread-compatible.
#pragma once

#include <string_view>

#include <yaml-cpp/yaml.h>

namespace purchase {

enum class SpecLayer {
  kContract,   // what every implementation must do (the default of the runner)
  kReference,  // the contract plus every x-reference (our server; `--strict-reference`)
};

// Rewrites `root` in place to `layer`: afterwards no x-reference is left in it.
// Throws SpecError ("source:line:column: error: ...") where an x-reference is
// not a map.
void ApplySpecLayer(YAML::Node& root, SpecLayer layer, std::string_view source);

}  // namespace purchase
