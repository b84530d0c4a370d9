// The purchase APIs this server and the runner know, by `--api` name: the
// HL Connector (served by HttpApi, its own code) and the profiles served by
// ProfileHost over the generic engine. Each entry carries its spec files
// (embedded at build time from spec/<api>/) so that the runner judges by the
// same text the server was built from.
#pragma once

#include <functional>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "engine/order_engine.h"
#include "profiles/profile_host.h"

namespace purchase::profiles {

struct ProfileDefect {
  std::string name;  // --defect NAME
  std::string what;  // one line: the rule it breaks
};

struct ProfileEntry {
  std::string name;              // --api NAME
  std::string summary;           // one line, for --help and the README
  std::string spec_dir;          // "spec/tabs": where its files are, for messages
  std::string default_fixtures;  // "fixtures/tabs"
  std::string_view openapi;      // spec/<api>/openapi.yaml (without the control API: spec/control.yaml)
  std::string_view lifecycle;    // spec/<api>/lifecycle.yaml
  std::string_view errors;       // spec/<api>/errors.yaml
  std::string_view rules;        // spec/<api>/rules.yaml: its rule ledger (spec/shared-rules.yaml holds the shared one)
  std::string_view client_obligations;  // spec/<api>/client-obligations.yaml: what a correct client does (core/client_audit.h)
  engine::EngineOptions engine;  // id style; the seed is set by --seed
  // The profile's own deliberate defects (the engine's are added by
  // EngineDefectList()).
  std::vector<ProfileDefect> defects;
  // Builds the surface from a fixture directory; throws SpecError (file:line)
  // on a bad fixture. `defects` holds the names of its own defects switched on.
  std::function<std::unique_ptr<Profile>(const std::string& fixtures_dir, const std::set<std::string>& defects)> make;
};

// Every profile served by ProfileHost, in a fixed order.
const std::vector<ProfileEntry>& Profiles();
// The profile called `name`, or null.
const ProfileEntry* FindProfile(std::string_view name);

// The engine's deliberate defects, the same for every profile.
std::vector<ProfileDefect> EngineDefectList();
// Sets the engine defect called `name`; false if it is not one.
bool SetEngineDefect(std::string_view name, engine::EngineDefects* defects);

// One entry per profile, defined in server/profiles/<api>/.
ProfileEntry ImagingCatalogProfileEntry();
ProfileEntry SheetMusicDirectProfileEntry();
ProfileEntry TabsProfileEntry();

}  // namespace purchase::profiles

namespace purchase::profiles {

// The profile's openapi.yaml with spec/control.yaml's paths and components
// merged in, as YAML text: what the runner judges by and the lint reads.
// Throws SpecError when the two name the same path or component.
std::string MergedOpenApi(const ProfileEntry& entry);

// spec/control.yaml as written (comments included), as every profile merges it.
std::string_view ControlSpecText();

}  // namespace purchase::profiles
