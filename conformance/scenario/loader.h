// Loads scenario files into Scenario structs and checks them completely before
// anything is sent: YAML syntax, duplicate and unknown keys (with a "did you
// mean"), value types, regexes, JSON pointers, includes and their parameters,
// and that every ${variable} is defined before it is used. Errors carry
// file:line:column.
//
// Named step sequences live in files under a `_shared/` folder; a scenario
// sees the sequences of the nearest `_shared/` folder: in its own directory
// or the closest parent that has one. Fixture roles (variables a target may
// override, each with our fixtures' value as default) live in the nearest
// `_fixtures.yaml`, found the same way. Files and folders whose names start with
// '_' or '.' are not scenarios.
//
// Pure apart from reading files; safe to call from any thread.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "scenario/scenario.h"

namespace conformance {

struct Diagnostic {
  SourceLocation where;
  std::string message;
  std::vector<SourceLocation> included_from;  // innermost first

  // Returns "file:line:column: error: message", then one
  // "file:line:column: note: included from here" line per include.
  std::string ToString() const;
};

struct LoadResult {
  std::vector<Scenario> scenarios;
  std::vector<Diagnostic> errors;
  // Every fixture role declared by the `_fixtures.yaml` files the scenarios
  // see, by name.
  std::map<std::string, FixtureRole> fixture_roles;
};

// The API a scenario path belongs to: the nearest _api.yaml at or above it
// (`api: NAME`, and `shared:` folders of suites it takes in), or nothing (the
// HL Connector's suite). Problems with the file go to `errors`.
struct ScenarioApi {
  std::string name;
  std::vector<std::string> shared;  // normalized folder paths
  SourceLocation where;
};
std::optional<ScenarioApi> ReadScenarioApi(const std::string& path, std::vector<Diagnostic>* errors);

// Loads every scenario below `paths` (directories are searched recursively
// for *.yaml and *.yml in name order; a file named directly is loaded
// whatever its name). A folder holding an _api.yaml below a path is another
// API's suite and is left out; a path that is such a folder also loads its
// `shared:` suites. A path that does not exist is an error.
LoadResult LoadScenarios(const std::vector<std::string>& paths);

// Loads one scenario from text, seeing the shared files given as
// (file name, text) pairs. The loader's entry point for tests.
// `fixtures`, when given, is a `_fixtures.yaml` as (file name, text).
LoadResult LoadScenarioText(std::string_view yaml_text, const std::string& file,
                            const std::vector<std::pair<std::string, std::string>>& shared_files = {},
                            const std::optional<std::pair<std::string, std::string>>& fixtures = std::nullopt);

// Loads one _fixtures.yaml: its roles in `fixture_roles`, or errors.
LoadResult LoadFixtureRoles(const std::string& file);

// Returns the candidate closest to `word` if it is close enough to be a
// likely typo, else "".
std::string SuggestClosest(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace conformance
