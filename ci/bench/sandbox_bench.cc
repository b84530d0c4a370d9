// bench_sandboxes: what a sandbox costs in memory, through the sandbox router
// in-process (no sockets), printed as one JSON object on stdout for
// ci/bench/run.
//
//   bench_sandboxes API N M   create N sandboxes of API (hl-connector or a
//                             profile) and register M orders in each (HL:
//                             validate + register; a profile: none, M must
//                             be 0); report resident memory per empty
//                             sandbox, the total, and per order.
//
// Resident memory is read from /proc/self/statm: what the sandboxes really
// cost, allocator overhead included.
#include <malloc.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "resident_memory.h"
#include "hl_connector/catalog.h"
#include "core/client_audit.h"
#include "core/clock.h"
#include "hl_connector/error_catalog.h"
#include "core/lifecycle.h"
#include "hl_connector/hl_sandbox.h"
#include "http/sandbox_router.h"
#include "profiles/profile_registry.h"
#include "profiles/profile_sandbox.h"

using namespace purchase;

namespace {

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "bench_sandboxes: %s\n", what.c_str());
  std::exit(1);
}

http::HttpRequest Request(const std::string& method, const std::string& path, std::string body,
                          const std::string& sandbox) {
  http::HttpRequest r;
  r.method = method;
  r.path = path;
  r.authorization = "Bearer test-token-vendor-a";
  r.host = "127.0.0.1:8080";
  r.body = std::move(body);
  if (!sandbox.empty()) r.sandbox = sandbox;
  return r;
}

std::string JsonString(const std::string& body, const std::string& member) {
  const std::string key = "\"" + member + "\":\"";
  const size_t at = body.find(key);
  if (at == std::string::npos) return "";
  const size_t start = at + key.size();
  return body.substr(start, body.find('"', start) - start);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) Die("usage: bench_sandboxes API N M");
  const std::string api = argv[1];
  const size_t n = std::strtoul(argv[2], nullptr, 10), m = std::strtoul(argv[3], nullptr, 10);
  mallopt(M_TRIM_THRESHOLD, 128 * 1024);
  mallopt(M_MMAP_THRESHOLD, 128 * 1024);
  const http::ClockMaker clock = [](std::optional<Millis> at) {
    return std::make_unique<ManualClock>(at.value_or(*ParseRfc3339("2026-01-01T00:00:00Z")));
  };
  http::SandboxOptions options;
  options.max_sandboxes = n;
  options.max_orders = m + 1;
  options.wall_ms = [] { return int64_t{0}; };

  // What every sandbox shares, loaded once, as purchase-server does.
  std::unique_ptr<Catalog> catalog;
  std::unique_ptr<ManualClock> wall;
  http::HlSandboxShared hl;
  std::unique_ptr<Lifecycle> lifecycle;
  std::unique_ptr<profiles::ErrorReplies> errors;
  profiles::ProfileSandboxShared profile;
  std::unique_ptr<http::SandboxRouter> router;
  if (api == "hl-connector") {
    catalog = std::make_unique<Catalog>(Catalog::Load(BENCH_FIXTURES));
    wall = std::make_unique<ManualClock>(0);
    hl.catalog = catalog.get();
    hl.lifecycle = &Lifecycle::Builtin();
    hl.errors = &ErrorCatalog::Builtin();
    hl.obligations = &ClientObligations::Builtin();
    hl.wall_clock = wall.get();
    hl.api.sandboxes = true;
    hl.clock = clock;
    router = std::make_unique<http::SandboxRouter>(std::make_unique<http::HlSandbox>(hl, 1, std::nullopt),
                                                   http::HlSandboxFactory(hl),
                                                   http::CatalogErrorRenderer(ErrorCatalog::Builtin().statuses(), "errors.yaml"),
                                                   options);
  } else {
    const profiles::ProfileEntry* entry = profiles::FindProfile(api);
    if (!entry) Die("no API " + api);
    if (m != 0) Die("orders are registered in the hl-connector only; M must be 0 for " + api);
    lifecycle = std::make_unique<Lifecycle>(Lifecycle::Parse(entry->lifecycle, entry->spec_dir + "/lifecycle.yaml"));
    errors = std::make_unique<profiles::ErrorReplies>(
        profiles::ErrorReplies::Parse(entry->errors, entry->spec_dir + "/errors.yaml"));
    profile.entry = entry;
    profile.fixtures = std::string(BENCH_FIXTURES) + "/" + api;
    profile.lifecycle = lifecycle.get();
    profile.errors = errors.get();
    profile.engine = entry->engine;
    profile.host.sandboxes = true;
    profile.clock = clock;
    router = std::make_unique<http::SandboxRouter>(std::make_unique<profiles::ProfileSandbox>(profile, 1, std::nullopt),
                                                   profiles::ProfileSandboxFactory(profile),
                                                   http::CatalogErrorRenderer(errors->statuses(), "errors.yaml"),
                                                   options);
  }
  // One sandbox made and gone first, so that the figure is the sandboxes'
  // own and not the allocator's first arena or the code's first touch.
  router->Handle(Request("POST", "/_control/sandboxes", R"({"name":"warm-up"})", ""));
  router->Handle(Request("DELETE", "/_control/sandboxes/warm-up", "", ""));
  const long before = ResidentBytes();
  const auto start = std::chrono::steady_clock::now();
  for (size_t i = 0; i < n; ++i) {
    const std::string name = "s" + std::to_string(i);
    if (router->Handle(Request("POST", "/_control/sandboxes", "{\"name\":\"" + name + "\"}", "")).status != 201)
      Die("cannot create sandbox " + name);
  }
  const long empty = ResidentBytes();
  for (size_t i = 0; i < n && m > 0; ++i) {
    const std::string name = "s" + std::to_string(i);
    for (size_t k = 0; k < m; ++k) {
      const http::HttpReply v = router->Handle(Request(
          "POST", "/purchase/validate-purchase-before-payment",
          R"({"asset_id":"asset-basic","quantity":1,"customer_ip":"203.0.113.7"})", name));
      const std::string token = JsonString(v.body, "token");
      const http::HttpReply r = router->Handle(
          Request("POST", "/purchase/register",
                  "{\"token\":\"" + token + "\",\"asset_id\":\"asset-basic\",\"quantity\":1,\"vendor_order_id\":\"b-" +
                      std::to_string(k) + "\"}",
                  name));
      if (r.status != 201) Die("register in " + name + " answered " + std::to_string(r.status) + " " + r.body);
    }
  }
  const long full = ResidentBytes();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf(
      "{\"api\": \"%s\", \"sandboxes\": %zu, \"orders_each\": %zu, \"seconds\": %.3f, \"rss_before\": %ld, "
      "\"bytes_per_empty_sandbox\": %.0f, \"rss_total_bytes\": %ld, \"bytes_per_order\": %.1f}\n",
      api.c_str(), n, m, seconds, before, n ? static_cast<double>(empty - before) / n : 0.0, full,
      n && m ? static_cast<double>(full - empty) / (n * m) : 0.0);
  return 0;
}
