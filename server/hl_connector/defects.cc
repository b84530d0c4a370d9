#include "defects.h"

namespace purchase {

const std::vector<DefectInfo>& AllDefects() {
  static const std::vector<DefectInfo> all = {
#define PURCHASE_DEFECT_INFO(name, text, description) {Defect::k##name, text, description, "scenario"},
      PURCHASE_DEFECTS(PURCHASE_DEFECT_INFO)
#undef PURCHASE_DEFECT_INFO
#define PURCHASE_REFERENCE_DEFECT_INFO(name, text, description) {Defect::k##name, text, description, "reference"},
      PURCHASE_REFERENCE_DEFECTS(PURCHASE_REFERENCE_DEFECT_INFO)
#undef PURCHASE_REFERENCE_DEFECT_INFO
#define PURCHASE_SUBTLE_DEFECT_INFO(name, text, description) {Defect::k##name, text, description, "subtle"},
      PURCHASE_SUBTLE_DEFECTS(PURCHASE_SUBTLE_DEFECT_INFO)
#undef PURCHASE_SUBTLE_DEFECT_INFO
  };
  return all;
}

std::optional<Defect> ParseDefect(std::string_view name) {
  for (const auto& d : AllDefects())
    if (d.name == name) return d.defect;
  return std::nullopt;
}

}  // namespace purchase
