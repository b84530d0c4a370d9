#include "profiles/profile_registry.h"

#include <yaml-cpp/yaml.h>

#include "core/lifecycle.h"  // SpecError
#include "core/yaml_document.h"
#include "purchase_profile_host_embedded.h"

namespace purchase::profiles {

const std::vector<ProfileEntry>& Profiles() {
  static const std::vector<ProfileEntry> all = [] {
    std::vector<ProfileEntry> v;
#ifdef PURCHASE_PROFILE_IMAGING_CATALOG
    v.push_back(ImagingCatalogProfileEntry());
#endif
#ifdef PURCHASE_PROFILE_SHEETMUSICDIRECT
    v.push_back(SheetMusicDirectProfileEntry());
#endif
#ifdef PURCHASE_PROFILE_TABS
    v.push_back(TabsProfileEntry());
#endif
    return v;
  }();
  return all;
}

const ProfileEntry* FindProfile(std::string_view name) {
  for (const auto& p : Profiles())
    if (p.name == name) return &p;
  return nullptr;
}

std::vector<ProfileDefect> EngineDefectList() {
  return {
      {"engine-terminal-moves", "a terminal state still changes when a cause from another state is applied"},
      {"engine-settles-early", "due-time transitions happen one second before they are due"},
      {"engine-never-settles", "due-time transitions never happen"},
      {"engine-history-skips-entry", "an order's history lacks its entry"},
      {"engine-reset-keeps-orders", "POST /_control/reset keeps the orders"},
  };
}

bool SetEngineDefect(std::string_view name, engine::EngineDefects* d) {
  if (name == "engine-terminal-moves") d->terminal_accepts_causes = true;
  else if (name == "engine-settles-early") d->settles_early = true;
  else if (name == "engine-never-settles") d->never_settles = true;
  else if (name == "engine-history-skips-entry") d->history_skips_entry = true;
  else if (name == "engine-reset-keeps-orders") d->reset_keeps_orders = true;
  else return false;
  return true;
}

std::string_view ControlSpecText() { return control_spec::kControlYaml; }

std::string MergedOpenApi(const ProfileEntry& entry) {
  const std::string source = entry.spec_dir + "/openapi.yaml";
  YAML::Node spec = LoadYamlDocument(entry.openapi, source);
  const YAML::Node control = LoadYamlDocument(control_spec::kControlYaml, "spec/control.yaml");
  auto merge = [&](YAML::Node into, const YAML::Node& from, const std::string& what) {
    for (const auto& kv : from) {
      const std::string key = kv.first.Scalar();
      if (into[key]) throw SpecErrorAt(source, into[key], what + " '" + key + "' is spec/control.yaml's already");
      into[key] = kv.second;
    }
  };
  if (!spec["paths"]) spec["paths"] = YAML::Node(YAML::NodeType::Map);
  merge(spec["paths"], control["paths"], "path");
  for (const char* part : {"responses", "schemas"}) {
    if (!spec["components"][part]) spec["components"][part] = YAML::Node(YAML::NodeType::Map);
    merge(spec["components"][part], control["components"][part], std::string("component ") + part);
  }
  spec["x-control-vocabulary-version"] = control["x-control-vocabulary-version"];
  YAML::Emitter out;
  out << spec;
  return std::string(out.c_str()) + "\n";
}

}  // namespace purchase::profiles
