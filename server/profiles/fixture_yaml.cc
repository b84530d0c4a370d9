#include "profiles/fixture_yaml.h"

#include <cmath>
#include <fstream>
#include <sstream>

#include "core/lifecycle.h"  // SpecError
#include "core/yaml_document.h"

namespace purchase::profiles {
namespace {

YAML::Node Required(std::string_view source, const YAML::Node& node, const char* key) {
  const YAML::Node value = node[key];
  if (!value) throw SpecErrorAt(source, node, std::string("missing '") + key + "'");
  return value;
}

}  // namespace

std::string ReadFixtureFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw SpecError(path + ":1:1: error: cannot read the fixture file");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void RequireMap(std::string_view source, const YAML::Node& node, const std::string& what) {
  if (!node.IsMap()) throw SpecErrorAt(source, node, what + " must be a map");
}

void RefuseUnknownKeys(std::string_view source, const YAML::Node& node, const std::set<std::string>& known) {
  for (const auto& member : node)
    if (!known.count(member.first.Scalar()))
      throw SpecErrorAt(source, member.first, "unknown key '" + member.first.Scalar() + "'");
}

std::string RequireText(std::string_view source, const YAML::Node& node, const char* key) {
  const YAML::Node value = Required(source, node, key);
  if (!value.IsScalar() || value.Scalar().empty())
    throw SpecErrorAt(source, value, std::string("'") + key + "' must be a non-empty string");
  return value.Scalar();
}

bool RequireBool(std::string_view source, const YAML::Node& node, const char* key) {
  const YAML::Node value = Required(source, node, key);
  if (!value.IsScalar() || (value.Scalar() != "true" && value.Scalar() != "false"))
    throw SpecErrorAt(source, value, std::string("'") + key + "' must be true or false");
  return value.Scalar() == "true";
}

int64_t RequireInteger(std::string_view source, const YAML::Node& node, const char* key, int64_t lo, int64_t hi) {
  const YAML::Node value = Required(source, node, key);
  int64_t n = lo - 1;
  try {
    n = value.as<int64_t>();
  } catch (const YAML::Exception&) {
  }
  if (n < lo || n > hi)
    throw SpecErrorAt(source, value,
                      std::string("'") + key + "' must be an integer " + std::to_string(lo) + ".." + std::to_string(hi));
  return n;
}

Millis RequireSeconds(std::string_view source, const YAML::Node& node, const char* key, bool allow_zero) {
  const YAML::Node value = Required(source, node, key);
  double seconds = -1;
  try {
    seconds = value.as<double>();
  } catch (const YAML::Exception&) {
  }
  if (!(allow_zero ? seconds >= 0 : seconds > 0) || seconds > 31536000)
    throw SpecErrorAt(source, value,
                      std::string("'") + key + "' must be a number of seconds, " + (allow_zero ? "0" : "over 0") +
                          " to 31536000");
  return static_cast<Millis>(std::llround(seconds * 1000));
}

YAML::Node RequireList(std::string_view source, const YAML::Node& node, const char* key) {
  const YAML::Node value = Required(source, node, key);
  if (!value.IsSequence() || value.size() == 0)
    throw SpecErrorAt(source, value, std::string("'") + key + "' must be a non-empty list");
  return value;
}

}  // namespace purchase::profiles
