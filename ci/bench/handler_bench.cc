// bench_handler: the server's own share of a request, without sockets or
// Pistache: HttpApi::Handle() on the requests of the wrk workloads, with the
// audit on as in purchase-server. Prints one JSON object on stdout:
//
//   bench_handler N [ENDPOINT]   {"info": {"ns_per_request": ..., "allocations_per_request": ...}, ...,
//                                 "register_each": {"p99_us": ..., "p999_us": ..., "max_us": ...}}
//
// Allocations and time are HttpApi::Handle's alone: every request is built
// before the measured loop.
//
// ENDPOINT (info, validate or register) measures that one only: for a
// profiler (perf record bench_handler 1000000 info).
//
// The allocation count is exact (every malloc is counted), so it is the
// figure to watch when a change adds heap work to the hot path; the time is
// indicative only (shared machine). ci/bench/run prints both.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "hl_connector/catalog.h"
#include "core/client_audit.h"
#include "core/clock.h"
#include "hl_connector/error_catalog.h"
#include "core/lifecycle.h"
#include "hl_connector/purchase_service.h"
#include "hl_connector/http_api.h"

// Every heap allocation is counted, from operator new and from the C
// allocator alike (RapidJSON allocates with malloc): the program's own
// malloc, calloc and realloc stand in for glibc's and pass the call on.
namespace {
std::atomic<uint64_t> g_allocations{0};
}  // namespace

extern "C" {
void* __libc_malloc(size_t);
void* __libc_calloc(size_t, size_t);
void* __libc_realloc(void*, size_t);
void* malloc(size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return __libc_malloc(size);
}
void* calloc(size_t n, size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return __libc_calloc(n, size);
}
void* realloc(void* p, size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return __libc_realloc(p, size);
}
}

using namespace purchase;
using namespace purchase::http;

namespace {

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "bench_handler: %s\n", what.c_str());
  std::exit(1);
}

class SteadyWall final : public Clock {
 public:
  Millis Now() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
};

HttpRequest Request(std::string method, std::string path, std::string body = "") {
  HttpRequest r;
  r.method = std::move(method);
  r.path = std::move(path);
  r.authorization = "Bearer test-token-vendor-a";
  r.host = "127.0.0.1:8080";
  r.body = std::move(body);
  return r;
}

std::string Member(const std::string& json, const std::string& name) {
  const std::string key = "\"" + name + "\":\"";
  const size_t at = json.find(key);
  if (at == std::string::npos) Die("no " + name + " in " + json);
  const size_t start = at + key.size();
  return json.substr(start, json.find('"', start) - start);
}

struct Figure {
  double ns_per_request = 0;
  double allocations_per_request = 0;
};

// Times `n` calls of `handle(k)`, after n / 10 to warm caches and the
// allocator (k counts on through both). The requests are built beforehand, as
// the Pistache adapter builds them into a reused record that allocates
// nothing: the figures are HttpApi::Handle's own.
Figure Measure(size_t n, const std::function<void(size_t)>& handle) {
  for (size_t k = 0; k < n / 10; ++k) handle(k);
  const uint64_t before = g_allocations.load();
  const auto start = std::chrono::steady_clock::now();
  for (size_t k = n / 10; k < n / 10 + n; ++k) handle(k);
  const double ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count();
  return {ns / n, static_cast<double>(g_allocations.load() - before) / n};
}

}  // namespace

int main(int argc, char** argv) {
  const size_t n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 200000;
  const std::string only = argc > 2 ? argv[2] : "";
  if (n < 10 || (only != "" && only != "info" && only != "validate" && only != "register"))
    Die("usage: bench_handler N [info|validate|register] (N >= 10)");
  auto wanted = [&](const char* name) { return only.empty() || only == name; };
  const Catalog catalog = Catalog::Load(BENCH_FIXTURES);
  PurchaseService service(catalog, Lifecycle::Builtin(), std::make_unique<ManualClock>(1767225600000), ServiceOptions{});
  const SteadyWall wall;
  ClientAudit audit(ClientObligations::Builtin(), wall);
  ApiOptions options;
  options.audit = &audit;
  HttpApi api(service, ErrorCatalog::Builtin(), options);

  const std::string validate_body = R"({"asset_id":"asset-instant","quantity":1,"customer_ip":"203.0.113.7"})";
  auto validate = [&] {
    HttpReply reply = api.Handle(Request("POST", "/purchase/validate-purchase-before-payment", validate_body));
    if (reply.status != 200) Die("validate answered " + std::to_string(reply.status) + ": " + reply.body);
    return Member(reply.body, "token");
  };
  auto register_body = [](const std::string& token, size_t i) {
    return R"({"token":")" + token + R"(","asset_id":"asset-instant","quantity":1,"vendor_order_id":"bench-)" +
           std::to_string(i) + R"("})";
  };
  HttpReply first = api.Handle(Request("POST", "/purchase/register", register_body(validate(), 0)));
  if (first.status != 201) Die("register answered " + std::to_string(first.status) + ": " + first.body);
  const std::string order_id = Member(first.body, "order_id");

  HttpRequest info_request = Request("GET", "/purchase/info");
  info_request.query.emplace_back("order_id", order_id);
  const Figure info = !wanted("info") ? Figure{} : Measure(n, [&](size_t) {
    if (api.Handle(info_request).status != 200) Die("info did not answer 200");
  });
  const HttpRequest validate_request = Request("POST", "/purchase/validate-purchase-before-payment", validate_body);
  const Figure validate_figure = !wanted("validate") ? Figure{} : Measure(n, [&](size_t) {
    if (api.Handle(validate_request).status != 200) Die("validate did not answer 200");
  });
  // Each register needs a fresh token and vendor order id, so the requests
  // are made (with validate calls) before the measured loop.
  std::vector<HttpRequest> registers;
  if (wanted("register")) {
    registers.reserve(n + n / 10);
    for (size_t k = 0; k < n + n / 10; ++k)
      registers.push_back(Request("POST", "/purchase/register", register_body(validate(), k + 1)));
  }
  const Figure register_figure = !wanted("register") ? Figure{} : Measure(n, [&](size_t k) {
    HttpReply reply = api.Handle(registers[k]);
    if (reply.status != 201) Die("register answered " + std::to_string(reply.status) + ": " + reply.body);
  });
  registers = {};

  // The slowest registers, each timed on its own, while the order count grows
  // past n: what a growing store costs the unlucky request (a vector that
  // moves everything it holds when it grows, an index that rehashes at once).
  std::vector<double> register_us;
  if (wanted("register")) {
    std::vector<std::string> more;
    more.reserve(n);
    for (size_t i = 0; i < n; ++i) more.push_back(validate());
    register_us.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      const HttpRequest r = Request("POST", "/purchase/register", register_body(more[i], 3 * n + i));
      const auto start = std::chrono::steady_clock::now();
      const int status = api.Handle(r).status;
      register_us.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count());
      if (status != 201) Die("register answered " + std::to_string(status));
    }
    std::sort(register_us.begin(), register_us.end());
  }
  auto quantile = [&](double q) {
    return register_us.empty() ? 0.0 : register_us[std::min(register_us.size() - 1, static_cast<size_t>(q * register_us.size()))];
  };

  auto print = [](const char* name, const Figure& f, const char* sep) {
    std::printf("  \"%s\": {\"ns_per_request\": %.0f, \"allocations_per_request\": %.1f}%s\n", name, f.ns_per_request,
                f.allocations_per_request, sep);
  };
  std::printf("{\n");
  print("info", info, ",");
  print("validate", validate_figure, ",");
  print("register", register_figure, ",");
  std::printf("  \"register_each\": {\"p99_us\": %.1f, \"p999_us\": %.1f, \"max_us\": %.0f}\n", quantile(0.99),
              quantile(0.999), register_us.empty() ? 0.0 : register_us.back());
  std::printf("}\n");
  return 0;
}
