#include "spec_layers.h"

#include <string>
#include <utility>
#include <vector>

#include "yaml_document.h"

namespace purchase {
namespace {

constexpr const char* kReferenceKey = "x-reference";

void Apply(YAML::Node node, SpecLayer layer, std::string_view source, int depth) {
  if (depth > 256) throw SpecErrorAt(source, node, "the document nests deeper than 256 levels");
  if (node.IsSequence()) {
    for (YAML::Node item : node) Apply(item, layer, source, depth + 1);
    return;
  }
  if (!node.IsMap()) return;
  // Keys first: the map is changed below.
  std::vector<std::string> keys;
  for (const auto& member : node)
    if (member.first.IsScalar()) keys.push_back(member.first.Scalar());
  YAML::Node promises;
  for (const std::string& key : keys) {
    if (key == kReferenceKey) {
      promises = node[key];
      if (!promises.IsMap())
        throw SpecErrorAt(source, promises, "x-reference must be a map of the keywords the reference server adds");
      continue;
    }
    Apply(node[key], layer, source, depth + 1);
  }
  if (!promises) return;
  node.remove(kReferenceKey);
  if (layer != SpecLayer::kReference) return;
  for (const auto& member : promises) {
    YAML::Node value = member.second;
    Apply(value, layer, source, depth + 1);
    node[member.first.Scalar()] = value;
  }
}

}  // namespace

void ApplySpecLayer(YAML::Node& root, SpecLayer layer, std::string_view source) { Apply(root, layer, source, 0); }

}  // namespace purchase
