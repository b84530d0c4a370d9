#include "hl_connector/drills.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include <rapidjson/document.h>
#include <yaml-cpp/yaml.h>

#include "core/lifecycle.h"
#include "core/yaml_document.h"
#include "http/request_decoding.h"

namespace purchase::http {
namespace {

[[noreturn]] void Fail(std::string_view source, const YAML::Mark& m, const std::string& message) {
  throw SpecErrorAt(source, m, message);
}

// YAML -> JSON, so a drill's rule goes through the same decoder as an HTTP
// body. Plain scalars become booleans or numbers when they read as such;
// quoted ones stay strings.
rapidjson::Value ToJson(const YAML::Node& node, rapidjson::Document::AllocatorType& alloc) {
  if (node.IsMap()) {
    rapidjson::Value obj(rapidjson::kObjectType);
    for (const auto& kv : node)
      obj.AddMember(rapidjson::Value(kv.first.Scalar().c_str(), alloc), ToJson(kv.second, alloc), alloc);
    return obj;
  }
  if (node.IsSequence()) {
    rapidjson::Value arr(rapidjson::kArrayType);
    for (const auto& item : node) arr.PushBack(ToJson(item, alloc), alloc);
    return arr;
  }
  if (node.IsNull()) return rapidjson::Value(rapidjson::kNullType);
  const std::string& s = node.Scalar();
  if (node.Tag() != "!") {
    if (s == "true") return rapidjson::Value(true);
    if (s == "false") return rapidjson::Value(false);
    rapidjson::Document number;
    number.Parse(s.c_str());
    if (!number.HasParseError() && number.IsNumber()) {
      if (number.IsInt64()) return rapidjson::Value(number.GetInt64());
      return rapidjson::Value(number.GetDouble());
    }
  }
  return rapidjson::Value(s.c_str(), alloc);
}

}  // namespace

DrillBook DrillBook::Load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw SpecError(path + ":1:1: error: cannot read the drills file");
  std::stringstream text;
  text << in.rdbuf();
  return Parse(text.str(), path);
}

DrillBook DrillBook::Parse(std::string_view yaml_text, std::string_view source) {
  const YAML::Node root = LoadYamlDocument(yaml_text, source);
  const YAML::Node drills = root["drills"];
  if (!root.IsMap() || !drills || !drills.IsMap()) Fail(source, root.Mark(), "'drills' must be a map of drill names");
  DrillBook book;
  for (const auto& entry : drills) {
    Drill d;
    d.name = entry.first.Scalar();
    if (book.Find(d.name)) Fail(source, entry.first.Mark(), "drill '" + d.name + "' is listed twice");
    if (!entry.second.IsMap()) Fail(source, entry.first.Mark(), "drill '" + d.name + "' must be a map with description, correct_client, rules");
    for (const auto& kv : entry.second)
      if (kv.first.Scalar() != "description" && kv.first.Scalar() != "correct_client" && kv.first.Scalar() != "rules")
        Fail(source, kv.first.Mark(), "unknown key '" + kv.first.Scalar() + "' (expected description, correct_client, rules)");
    for (auto [key, field] : {std::pair{"description", &d.description}, {"correct_client", &d.correct_client}}) {
      const YAML::Node v = entry.second[key];
      if (!v || !v.IsScalar()) Fail(source, entry.first.Mark(), "drill '" + d.name + "' needs a '" + key + "' string");
      *field = v.Scalar();
    }
    const YAML::Node rules = entry.second["rules"];
    if (!rules || !rules.IsSequence() || rules.size() == 0)
      Fail(source, entry.first.Mark(), "drill '" + d.name + "' needs a non-empty 'rules' list");
    for (const auto& rule_node : rules) {
      rapidjson::Document doc;
      rapidjson::Value json = ToJson(rule_node, doc.GetAllocator());
      if (!json.IsObject()) Fail(source, rule_node.Mark(), "a drill rule must be a map like a POST /_control/faults body");
      auto rule = DecodeFaultRule(json);
      if (!rule.ok()) Fail(source, rule_node.Mark(), rule.error().message);
      d.rules.push_back(rule.value());
    }
    book.drills_.push_back(std::move(d));
  }
  return book;
}

const Drill* DrillBook::Find(std::string_view name) const {
  for (const auto& d : drills_)
    if (d.name == name) return &d;
  return nullptr;
}

}  // namespace purchase::http
