// The HL Connector as one sandbox (http/sandbox_router.h): its own clock,
// PurchaseService (orders, tokens, fault rules, history, the seeded
// generators) and client audit, behind an HttpApi. What never changes (the
// catalog, lifecycle, error catalog, drills) is shared by all sandboxes.
#pragma once

#include <functional>
#include <memory>
#include <optional>

#include "hl_connector/catalog.h"
#include "core/client_audit.h"
#include "core/clock.h"
#include "hl_connector/error_catalog.h"
#include "core/lifecycle.h"
#include "hl_connector/purchase_service.h"
#include "hl_connector/http_api.h"
#include "http/sandbox_router.h"

namespace purchase::http {

struct HlSandboxShared {
  const Catalog* catalog = nullptr;
  const Lifecycle* lifecycle = nullptr;
  const ErrorCatalog* errors = nullptr;
  const ClientObligations* obligations = nullptr;
  const Clock* wall_clock = nullptr;  // the audit's timing obligations
  ServiceOptions service;             // its seed is replaced by each sandbox's
  ApiOptions api;                     // its audit is replaced by each sandbox's own
  ClockMaker clock;
};

class HlSandbox final : public Sandbox {
 public:
  HlSandbox(const HlSandboxShared& shared, uint64_t seed, std::optional<Millis> start);

  HttpReply Handle(const HttpRequest& request) override { return api_.Handle(request); }
  size_t OrderCount() override { return service_.order_count(); }
  bool Full(std::string_view path, size_t cap) override;
  int64_t Now() override { return service_.clock_now(); }

  PurchaseService& service() { return service_; }
  ClientAudit& audit() { return audit_; }

 private:
  PurchaseService service_;
  ClientAudit audit_;
  HttpApi api_;
};

// The factory of SandboxRouter for the HL Connector; `shared` must outlive it.
SandboxFactory HlSandboxFactory(const HlSandboxShared& shared);

}  // namespace purchase::http
