#include "hl_connector/hl_sandbox.h"

#include <utility>

namespace purchase::http {
namespace {

ServiceOptions Seeded(ServiceOptions options, uint64_t seed) {
  options.seed = seed;
  return options;
}

ApiOptions Audited(ApiOptions options, ClientAudit* audit) {
  options.audit = audit;
  return options;
}

}  // namespace

HlSandbox::HlSandbox(const HlSandboxShared& shared, uint64_t seed, std::optional<Millis> start)
    : service_(*shared.catalog, *shared.lifecycle, shared.clock(start), Seeded(shared.service, seed)),
      audit_(*shared.obligations, *shared.wall_clock),
      api_(service_, *shared.errors, Audited(shared.api, &audit_)) {}

bool HlSandbox::Full(std::string_view path, size_t cap) {
  const PurchaseService::StoreSizes s = service_.store_sizes();
  if (path == "/purchase/validate-purchase-before-payment") return s.unspent_tokens >= cap;
  if (path == "/purchase/register") return s.orders >= cap;
  if (path.rfind("/_control/faults", 0) == 0 || path.rfind("/_control/drills", 0) == 0) return s.fault_rules >= cap;
  return s.orders >= cap || s.unspent_tokens >= cap || s.fault_rules >= cap;
}

SandboxFactory HlSandboxFactory(const HlSandboxShared& shared) {
  return [&shared](const SandboxSettings& settings) -> std::unique_ptr<Sandbox> {
    return std::make_unique<HlSandbox>(shared, settings.seed, settings.start_ms);
  };
}

}  // namespace purchase::http
