// The one place the spec and fixture loaders turn YAML into nodes and
// positions into diagnostics, so every loader reports errors the same way:
// "<file>:<line>:<column>: error: <message>" (1-based, editor-clickable).
#pragma once

#include <string>
#include <string_view>

#include <yaml-cpp/yaml.h>

#include "lifecycle.h"  // SpecError

namespace purchase {

// A SpecError at a yaml-cpp position (0-based; an empty document's -1 counts
// as its start).
SpecError SpecErrorAt(std::string_view source, const YAML::Mark& mark, const std::string& message);
inline SpecError SpecErrorAt(std::string_view source, const YAML::Node& node, const std::string& message) {
  return SpecErrorAt(source, node.Mark(), message);
}

// Parses YAML text; a syntax error becomes a SpecError at its position.
YAML::Node LoadYamlDocument(std::string_view text, std::string_view source);

}  // namespace purchase
