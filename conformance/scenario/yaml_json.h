// YAML to JSON, with the YAML 1.2 core schema for plain scalars: `1` is a
// number, `true`/`false` booleans, `null`/`~`/nothing null, everything else
// (and every quoted scalar) a string. The scenario loader and the OpenAPI
// loader share this so a value means the same thing in both.
//
// Stateless; thread-safe.
#pragma once

#include <string_view>

#include <rapidjson/document.h>
#include <yaml-cpp/yaml.h>

namespace conformance {

enum class ScalarKind { kNull, kBool, kInteger, kNumber, kString };

// Classifies a scalar the way the loaders read it. `quoted` scalars are strings.
ScalarKind ClassifyScalar(std::string_view text, bool quoted);

// True if the node was written quoted ("x" or 'x') or with the !!str tag.
bool IsQuoted(const YAML::Node& scalar);

// Converts `node` to JSON in `out`. Map keys become strings.
void YamlToJson(const YAML::Node& node, rapidjson::Value& out,
                rapidjson::Document::AllocatorType& allocator);

}  // namespace conformance
