#include "error_catalog.h"

#include <yaml-cpp/yaml.h>

#include "core/lifecycle.h"
#include "core/yaml_document.h"
#include "purchase_core_embedded.h"

namespace purchase {

std::string_view ErrorCodeName(ErrorCode code) {
  switch (code) {
#define PURCHASE_NAME(name, text) \
  case ErrorCode::k##name:        \
    return text;
    PURCHASE_ERROR_CODES(PURCHASE_NAME)
#undef PURCHASE_NAME
  }
  return "INTERNAL_ERROR";
}

ErrorCatalog ErrorCatalog::Parse(std::string_view yaml_text, std::string_view source) {
  const YAML::Node root = LoadYamlDocument(yaml_text, source);
  ErrorCatalog catalog;
  if (!root.IsMap()) throw SpecErrorAt(source, root.Mark(), "the error catalogue must be a map with 'errors'");
  const YAML::Node errors = root["errors"];
  if (!errors || !errors.IsMap()) throw SpecErrorAt(source, root.Mark(), "'errors' must be a map of codes");
  for (const auto& entry : errors) {
    if (!entry.second.IsMap())
      throw SpecErrorAt(source, entry.second.Mark(), "'" + entry.first.Scalar() + "' must be a map like {status: 404, when: ...}");
    const YAML::Node status = entry.second["status"];
    int value = -1;
    try {
      if (status) value = status.as<int>();
    } catch (const YAML::Exception&) {
    }
    if (value != 0 && (value < 400 || value > 599))
      throw SpecErrorAt(source, entry.first.Mark(), "'" + entry.first.Scalar() + "' needs a status between 400 and 599");
    catalog.by_name_[entry.first.Scalar()] = value;
  }
#define PURCHASE_CHECK(name, text)                                                                        \
  {                                                                                                       \
    auto it = catalog.by_name_.find(text);                                                                \
    if (it == catalog.by_name_.end())                                                                     \
      throw SpecErrorAt(source, errors.Mark(), "error code " text " is used by the server but not listed"); \
    catalog.status_by_code_[static_cast<int>(ErrorCode::k##name)] = it->second;                           \
  }
  PURCHASE_ERROR_CODES(PURCHASE_CHECK)
#undef PURCHASE_CHECK
  return catalog;
}

const ErrorCatalog& ErrorCatalog::Builtin() {
  static const ErrorCatalog builtin = Parse(spec_files::kErrorsYaml, "spec/errors.yaml");
  return builtin;
}

int ErrorCatalog::HttpStatus(ErrorCode code) const { return status_by_code_[static_cast<int>(code)]; }

ErrorCode ErrorCatalog::InjectedCodeFor(int status) const {
  for (ErrorCode code : {ErrorCode::kRateLimited, ErrorCode::kInternalError, ErrorCode::kServiceUnavailable})
    if (HttpStatus(code) == status) return code;
  return ErrorCode::kInjectedFault;
}

}  // namespace purchase
