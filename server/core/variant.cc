#include "variant.h"

namespace purchase {

const std::vector<VariantInfo>& AllVariants() {
  static const std::vector<VariantInfo> all = {
      {Variant::kReference, "reference",
       "ord_ + 16 hex order ids, tok_ + 32 hex tokens, fault-N rule ids, WWW-Authenticate: Bearer, replies with the "
       "listed members only, unknown request members refused (422)"},
      {Variant::kOther, "other",
       "ord_000001 order ids, pt- + 40 hex tokens, fault_N rule ids, Bearer realm=\"purchase-api\", extra members in "
       "every reply, unknown request members ignored, other messages"},
  };
  return all;
}

std::optional<Variant> ParseVariant(std::string_view name) {
  for (const auto& v : AllVariants())
    if (v.name == name) return v.variant;
  return std::nullopt;
}

std::string_view VariantName(Variant variant) {
  for (const auto& v : AllVariants())
    if (v.variant == variant) return v.name;
  return "reference";
}

}  // namespace purchase
