// Fuzzes the scenario-file loader (conformance/scenario/loader.h): arbitrary
// bytes as a scenario file that can include from one shared file. The loader
// must answer with scenarios or file:line:column diagnostics; a crash, a
// sanitizer report or an exception escaping it is a finding.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "scenario/loader.h"

namespace {
const char* const kShared = R"(make_order:
  params: {vendor_order_id: ~, asset_id: asset-basic}
  steps:
    - request: POST /purchase/register
      body: {token: t, asset_id: "${asset_id}", quantity: 1, vendor_order_id: "${vendor_order_id}"}
      expect: 201
)";
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const conformance::LoadResult r =
        conformance::LoadScenarioText(text, "fuzz.yaml", {{"_shared/orders.yaml", kShared}});
    for (const auto& d : r.errors) (void)d.ToString();
  } catch (const std::exception& e) {
    fprintf(stderr, "FUZZ FINDING: the loader threw instead of reporting a diagnostic: %s\n", e.what());
    abort();
  }
  return 0;
}
