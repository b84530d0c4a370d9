#include "scenario/rule_ledger.h"

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "conformance_lib_embedded.h"
#include "core/lifecycle.h"
#include "profiles/profile_registry.h"

namespace conformance {
namespace {

[[noreturn]] void Fail(const std::string& file, const YAML::Mark& mark, const std::string& message) {
  throw purchase::SpecError(file + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1) +
                            ": error: " + message);
}

std::string Scalar(const std::string& file, const YAML::Node& rule, const char* key, bool required) {
  const YAML::Node v = rule[key];
  if (!v) {
    if (required) Fail(file, rule.Mark(), std::string("a rule needs `") + key + "`");
    return "";
  }
  if (!v.IsScalar() || v.Scalar().empty()) Fail(file, v.Mark(), std::string("`") + key + "` must be a non-empty string");
  return v.Scalar();
}

std::string ReadFileOr(const std::filesystem::path& path, bool* found) {
  std::ifstream in(path, std::ios::binary);
  *found = static_cast<bool>(in);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

RuleLedger RuleLedger::Parse(std::string_view yaml_text, const std::string& file) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml_text));
  } catch (const YAML::Exception& e) {
    Fail(file, e.mark, e.msg);
  }
  if (!root.IsMap() || !root["rules"] || !root["rules"].IsSequence())
    Fail(file, root.Mark(), "a rule ledger is a map with a list `rules`");
  for (const auto& kv : root)
    if (kv.first.Scalar() != "rules") Fail(file, kv.first.Mark(), "unknown member `" + kv.first.Scalar() + "`");
  RuleLedger ledger;
  for (const YAML::Node& node : root["rules"]) {
    if (!node.IsMap()) Fail(file, node.Mark(), "a rule is a map");
    for (const auto& kv : node) {
      const std::string key = kv.first.Scalar();
      if (key != "id" && key != "source" && key != "text" && key != "level" && key != "unchecked")
        Fail(file, kv.first.Mark(), "unknown member `" + key + "` (id, source, text, level, unchecked)");
    }
    Rule rule;
    rule.where = {file, node.Mark().line + 1, node.Mark().column + 1};
    rule.id = Scalar(file, node, "id", true);
    rule.source = Scalar(file, node, "source", true);
    rule.text = Scalar(file, node, "text", true);
    rule.unchecked = Scalar(file, node, "unchecked", false);
    const std::string level = Scalar(file, node, "level", false);
    if (!level.empty() && level != "MUST" && level != "SHOULD")
      Fail(file, node["level"].Mark(), "`level` is MUST or SHOULD, not `" + level + "`");
    rule.should = level == "SHOULD";
    if (ledger.by_id_.count(rule.id)) Fail(file, node.Mark(), "rule " + rule.id + " is listed twice");
    ledger.by_id_.emplace(rule.id, ledger.rules_.size());
    ledger.rules_.push_back(std::move(rule));
  }
  return ledger;
}

void RuleLedger::Merge(const RuleLedger& other) {
  for (const Rule& rule : other.rules_) {
    if (by_id_.count(rule.id))
      throw purchase::SpecError(rule.where.ToString() + ": error: rule " + rule.id + " is in two ledgers");
    by_id_.emplace(rule.id, rules_.size());
    rules_.push_back(rule);
  }
}

const Rule* RuleLedger::Find(const std::string& id) const {
  const auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : &rules_[it->second];
}

RuleLedger LedgerForApi(const std::string& api, const std::string& spec_dir) {
  namespace fs = std::filesystem;
  const auto* profile = purchase::profiles::FindProfile(api);
  RuleLedger ledger;
  if (!spec_dir.empty()) {
    bool found = false;
    const fs::path own = fs::path(spec_dir) / "rules.yaml";
    const std::string text = ReadFileOr(own, &found);
    if (found) ledger = RuleLedger::Parse(text, own.string());
    for (const fs::path& shared : {fs::path(spec_dir) / "shared-rules.yaml", fs::path(spec_dir) / ".." / "shared-rules.yaml"}) {
      const std::string shared_text = ReadFileOr(shared, &found);
      if (!found) continue;
      ledger.Merge(RuleLedger::Parse(shared_text, shared.lexically_normal().string()));
      return ledger;
    }
  } else if (profile) {
    ledger = RuleLedger::Parse(profile->rules, profile->spec_dir + "/rules.yaml");
  } else {
    ledger = RuleLedger::Parse(spec_files::kRulesYaml, "spec/rules.yaml");
  }
  ledger.Merge(RuleLedger::Parse(spec_files::kSharedRulesYaml, "spec/shared-rules.yaml"));
  return ledger;
}

}  // namespace conformance
