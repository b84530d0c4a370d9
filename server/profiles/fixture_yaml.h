// What every profile's fixture loader asks of a YAML node, each failure a
// SpecError at the node ("file:line:column: error: ..."), so that a mistake in
// fixtures/<api>/ stops start-up naming its place.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include <yaml-cpp/yaml.h>

#include "core/clock.h"

namespace purchase::profiles {

// The text of a fixture file; throws SpecError "path:1:1: error: cannot read
// the fixture file".
std::string ReadFixtureFile(const std::string& path);

void RequireMap(std::string_view source, const YAML::Node& node, const std::string& what);
// Throws at the first key of `node` not in `known`.
void RefuseUnknownKeys(std::string_view source, const YAML::Node& node, const std::set<std::string>& known);
// A required non-empty scalar member.
std::string RequireText(std::string_view source, const YAML::Node& node, const char* key);
bool RequireBool(std::string_view source, const YAML::Node& node, const char* key);
int64_t RequireInteger(std::string_view source, const YAML::Node& node, const char* key, int64_t lo, int64_t hi);
// Seconds (millisecond resolution, at most a year) as Millis; 0 only when
// `allow_zero`.
Millis RequireSeconds(std::string_view source, const YAML::Node& node, const char* key, bool allow_zero = true);
// A required non-empty list member.
YAML::Node RequireList(std::string_view source, const YAML::Node& node, const char* key);

}  // namespace purchase::profiles
