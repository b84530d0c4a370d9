#include "yaml_document.h"

#include <algorithm>

namespace purchase {

SpecError SpecErrorAt(std::string_view source, const YAML::Mark& mark, const std::string& message) {
  return SpecError(std::string(source) + ":" + std::to_string(std::max(mark.line, 0) + 1) + ":" +
                   std::to_string(std::max(mark.column, 0) + 1) + ": error: " + message);
}

YAML::Node LoadYamlDocument(std::string_view text, std::string_view source) {
  try {
    return YAML::Load(std::string(text));
  } catch (const YAML::ParserException& e) {
    throw SpecErrorAt(source, e.mark, e.msg);
  }
}

}  // namespace purchase
