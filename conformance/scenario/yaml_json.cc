#include "scenario/yaml_json.h"

#include <cerrno>
#include <cstdlib>
#include <regex>
#include <string>

namespace conformance {

ScalarKind ClassifyScalar(std::string_view text, bool quoted) {
  if (quoted) return ScalarKind::kString;
  if (text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL")
    return ScalarKind::kNull;
  if (text == "true" || text == "True" || text == "TRUE" || text == "false" || text == "False" ||
      text == "FALSE")
    return ScalarKind::kBool;
  static const std::regex kInteger("[-+]?[0-9]+");
  static const std::regex kNumber("[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?");
  const std::string s(text);
  if (std::regex_match(s, kInteger)) return ScalarKind::kInteger;
  if (std::regex_match(s, kNumber)) return ScalarKind::kNumber;
  return ScalarKind::kString;
}

bool IsQuoted(const YAML::Node& scalar) {
  // yaml-cpp tags plain scalars "?" and quoted ones "!"; an explicit !!str
  // arrives as the full tag URI.
  return scalar.Tag() == "!" || scalar.Tag() == "tag:yaml.org,2002:str";
}

void YamlToJson(const YAML::Node& node, rapidjson::Value& out,
                rapidjson::Document::AllocatorType& allocator) {
  switch (node.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      out.SetNull();
      return;
    case YAML::NodeType::Scalar: {
      const std::string& s = node.Scalar();
      switch (ClassifyScalar(s, IsQuoted(node))) {
        case ScalarKind::kNull: out.SetNull(); return;
        case ScalarKind::kBool: out.SetBool(s[0] == 't' || s[0] == 'T'); return;
        case ScalarKind::kInteger: {
          errno = 0;
          const long long v = std::strtoll(s.c_str(), nullptr, 10);
          if (errno == 0) {
            out.SetInt64(v);
            return;
          }
          out.SetDouble(std::strtod(s.c_str(), nullptr));
          return;
        }
        case ScalarKind::kNumber: out.SetDouble(std::strtod(s.c_str(), nullptr)); return;
        case ScalarKind::kString: out.SetString(s.data(), static_cast<rapidjson::SizeType>(s.size()), allocator); return;
      }
      return;
    }
    case YAML::NodeType::Sequence:
      out.SetArray();
      for (const auto& item : node) {
        rapidjson::Value v;
        YamlToJson(item, v, allocator);
        out.PushBack(v, allocator);
      }
      return;
    case YAML::NodeType::Map:
      out.SetObject();
      for (const auto& kv : node) {
        rapidjson::Value key(kv.first.Scalar().c_str(), allocator);
        rapidjson::Value v;
        YamlToJson(kv.second, v, allocator);
        out.AddMember(key, v, allocator);
      }
      return;
  }
}

}  // namespace conformance
