// purchase-server: parses the command line into plain options, loads the
// fixtures, wires the clock, core and HTTP adapter, and serves until SIGINT or
// SIGTERM. Start-up errors name the file and line and exit with status 2.
#include <cmath>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <set>

#include <boost/program_options.hpp>

#include <fstream>

#include "hl_connector/catalog.h"
#include "core/client_audit.h"
#include "core/data_dirs.h"
#include "core/clock.h"
#include "hl_connector/defects.h"
#include "hl_connector/error_catalog.h"
#include "core/lifecycle.h"
#include "hl_connector/purchase_service.h"
#include "core/variant.h"
#include "hl_connector/drills.h"
#include "hl_connector/hl_sandbox.h"
#include "hl_connector/http_api.h"
#include "http/pistache_server.h"
#include "http/sandbox_router.h"
#include "profiles/profile_registry.h"
#include "profiles/profile_sandbox.h"

#ifndef PURCHASE_VERSION
#define PURCHASE_VERSION "0.0.0"
#endif

namespace po = boost::program_options;
using namespace purchase;

namespace {

// Wall-clock milliseconds for the client audit's timing obligations (what a
// client waits is wall time, whichever clock the server runs on).
class WallClock final : public Clock {
 public:
  Millis Now() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
};

// Server time on the real clock: starts at `start` and runs `scale` times as
// fast as the wall clock (so a person can watch a one-hour fulfillment finish).
class RealClock final : public Clock {
 public:
  RealClock(Millis start, double scale) : start_(start), scale_(scale), origin_(std::chrono::steady_clock::now()) {}
  Millis Now() const override {
    const auto elapsed = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - origin_).count();
    return start_ + static_cast<Millis>(elapsed * scale_);
  }
  double Rate() const override { return scale_; }

 private:
  Millis start_;
  double scale_;
  std::chrono::steady_clock::time_point origin_;
};

Millis WallClockNow() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The fixtures: fixtures/ here, else the installed package's, else the
// source tree's (core/data_dirs.h).
std::string DefaultFixtures() { return DataPath("fixtures", "fixtures/catalog.yaml"); }

// A profile's fixture folder: fixtures/<api>, found the same way.
std::string DefaultProfileFixtures(const profiles::ProfileEntry& entry) { return DataPath(entry.default_fixtures); }

std::string ApiNames() {
  std::string names = "hl-connector";
  for (const auto& p : profiles::Profiles()) names += "|" + p.name;
  return names;
}

int Fail(const std::string& message) {
  std::cerr << "purchase-server: " << message << "\n";
  return 2;
}

// Blocks SIGINT and SIGTERM before any server thread starts, so that only
// sigwait() receives them (Pistache's documented shutdown pattern).
sigset_t BlockStopSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

// The socket adapter's options, the same for every API.
http::ServerOptions WireOptions(const po::variables_map& vm, const std::string& host, int port, int threads,
                                size_t max_body) {
  http::ServerOptions options;
  options.host = host;
  options.port = static_cast<uint16_t>(port);
  options.threads = threads;
  options.log_requests = !vm.count("quiet");
  options.max_request_bytes = std::max<size_t>(1024 * 1024, max_body + 16 * 1024);
  options.request_timeout = std::chrono::milliseconds(std::llround(vm["request-timeout"].as<double>() * 1000));
  return options;
}

// The sandbox router's options, the same for every API.
http::SandboxOptions SandboxLimits(const po::variables_map& vm, uint64_t seed, size_t max_body) {
  http::SandboxOptions options;
  options.max_sandboxes = vm["max-sandboxes"].as<size_t>();
  options.max_orders = vm["sandbox-max-orders"].as<size_t>();
  options.idle_ms = std::llround(vm["sandbox-idle-seconds"].as<double>() * 1000);
  options.server_seed = seed;
  options.control_enabled = !vm.count("no-control");
  if (vm.count("control-token")) options.control_token = vm["control-token"].as<std::string>();
  options.max_body_bytes = max_body;
  options.wall_ms = [] { return WallClock().Now(); };
  return options;
}

// Serves `api` until SIGINT or SIGTERM (blocked by the caller before any
// thread started); false when it cannot listen.
bool ServeUntilStopped(http::RequestHandler& api, const http::ServerOptions& options, sigset_t signals,
                       const std::function<void(uint16_t)>& announce) {
  http::PistacheServer server(api, options);
  uint16_t bound = 0;
  try {
    bound = server.Start();
  } catch (const std::exception& e) {
    Fail("cannot listen on " + options.host + ":" + std::to_string(options.port) + ": " + e.what());
    return false;
  }
  announce(bound);
  std::fflush(stdout);
  int sig = 0;
  sigwait(&signals, &sig);
  server.Stop();
  std::fprintf(stderr, "purchase-server: stopped on signal %d\n", sig);
  return true;
}

// Serves one profile over the generic engine until SIGINT or SIGTERM.
int ServeProfile(const profiles::ProfileEntry& entry, const po::variables_map& vm, const std::string& fixtures,
                 const http::ClockMaker& clock, uint64_t seed, const std::vector<std::string>& defect_names,
                 const std::string& host, int port, int threads, size_t max_body, const std::string& clock_mode) {
  try {
    const Lifecycle lifecycle = Lifecycle::Parse(entry.lifecycle, entry.spec_dir + "/lifecycle.yaml");
    const profiles::ErrorReplies errors = profiles::ErrorReplies::Parse(entry.errors, entry.spec_dir + "/errors.yaml");
    engine::EngineDefects engine_defects;
    std::set<std::string> own_defects;
    for (const auto& name : defect_names) {
      if (profiles::SetEngineDefect(name, &engine_defects)) continue;
      bool known = false;
      for (const auto& d : entry.defects) known = known || d.name == name;
      if (!known) return Fail("unknown defect '" + name + "' of --api " + entry.name + " (see --list-defects)");
      own_defects.insert(name);
    }
    // What a correct client of this API does (spec/<api>/client-obligations.yaml), audited in wall time.
    const ClientObligations obligations =
        ClientObligations::Parse(entry.client_obligations, entry.spec_dir + "/client-obligations.yaml");
    const WallClock wall_clock;
    profiles::ProfileSandboxShared shared;
    shared.entry = &entry;
    shared.fixtures = fixtures;
    shared.own_defects = own_defects;
    shared.lifecycle = &lifecycle;
    shared.errors = &errors;
    shared.engine = entry.engine;
    shared.host.control_enabled = !vm.count("no-control");
    if (vm.count("control-token")) shared.host.control_token = vm["control-token"].as<std::string>();
    shared.host.max_body_bytes = max_body;
    shared.host.version = PURCHASE_VERSION;
    shared.host.defects = defect_names;
    shared.host.sandboxes = vm["max-sandboxes"].as<size_t>() > 0;
    shared.host.obligations = &obligations;
    shared.host.wall_clock = &wall_clock;
    shared.engine_defects = engine_defects;
    shared.clock = clock;
    http::SandboxRouter api(std::make_unique<profiles::ProfileSandbox>(shared, seed, std::nullopt),
                            profiles::ProfileSandboxFactory(shared),
                            http::CatalogErrorRenderer(errors.statuses(), entry.spec_dir + "/errors.yaml"),
                            SandboxLimits(vm, seed, max_body));
    sigset_t signals = BlockStopSignals();
    const bool served = ServeUntilStopped(api, WireOptions(vm, host, port, threads, max_body), signals, [&](uint16_t bound) {
      std::printf("listening on http://%s:%u (api %s, clock %s, seed %llu, fixtures %s%s)\n", host.c_str(), bound,
                  entry.name.c_str(), clock_mode.c_str(), static_cast<unsigned long long>(seed), fixtures.c_str(),
                  defect_names.empty() ? "" : ", DEFECTS ON");
    });
    return served ? 0 : 2;
  } catch (const std::exception& e) {  // SpecError included: a fixture or spec file that does not load
    return Fail(e.what());
  }
}

}  // namespace

int main(int argc, char** argv) {
#ifdef __GLIBC__
  // POST /_control/reset must give the orders' memory back. The requests are
  // served on Pistache's I/O threads, whose allocations live in glibc's
  // per-thread arenas, and malloc_trim() does not shrink the top of those;
  // glibc only does on free(), once the free top exceeds the trim threshold,
  // which it raises after every large free (up to 64 MiB). Fixed thresholds
  // keep it at 128 KiB: without this, about 20% of what 100,000 orders took
  // stayed resident after a reset (ci/bench/run, memory).
  mallopt(M_TRIM_THRESHOLD, 128 * 1024);
  mallopt(M_MMAP_THRESHOLD, 128 * 1024);
#endif
  po::options_description desc(
      "purchase-server: the deterministic reference server of the HL Connector Purchase API\n\nOptions");
  std::string host, fixtures, clock_mode, start_time, control_token, variant_name, api = "hl-connector";
  int port = 8080, threads = 1;
  uint64_t seed = 1;
  double time_scale = 1.0, token_ttl = 900, url_ttl = 600;
  std::vector<std::string> defect_names, drill_names;
  std::string audit_report;
  size_t max_body = 64 * 1024;
  desc.add_options()
      ("help,h", "show this help and exit")
      ("version", "print the version and exit")
      ("api", po::value(&api)->default_value("hl-connector"),
       ("which purchase API to serve: " + ApiNames() + " (spec/<api>/, fixtures/<api>/; README.md, Profiles)").c_str())
      ("host", po::value(&host)->default_value("127.0.0.1"), "address to bind (loopback unless told otherwise)")
      ("port", po::value(&port)->default_value(8080), "port to bind; 0 picks a free one (printed on stdout)")
      ("fixtures", po::value(&fixtures), "fixture folder (default: fixtures/, or fixtures/<api>/ for a profile)")
      ("seed", po::value(&seed)->default_value(1), "seed of the id, token and URL-signing generators")
      ("threads", po::value(&threads)->default_value(1), "HTTP I/O threads")
      ("clock", po::value(&clock_mode)->default_value("manual"), "manual (time moves only through /_control/clock) or real")
      ("time-scale", po::value(&time_scale)->default_value(1.0), "with --clock real: server seconds per wall-clock second")
      ("start-time", po::value(&start_time), "RFC 3339 start instant (default 2026-01-01T00:00:00Z; real clock: now)")
      ("token-ttl", po::value(&token_ttl)->default_value(900), "validation token lifetime, seconds of server time")
      ("url-ttl", po::value(&url_ttl)->default_value(600), "signed URL lifetime, seconds of server time")
      ("max-body-bytes", po::value(&max_body)->default_value(64 * 1024), "largest request body accepted (413 past it)")
      ("request-timeout", po::value<double>()->default_value(30),
       "seconds a request may take from its first byte to its last; a slower one is answered 408 REQUEST_TIMEOUT "
       "and its connection closed")
      ("no-control", "turn the /_control API off (404)")
      ("control-token", po::value(&control_token), "require 'Authorization: Bearer <token>' on /_control")
      ("variant", po::value(&variant_name)->default_value("reference"),
       "reference, or other: keep every rule of the contract but make each choice it leaves open differently "
       "(ord_000001 order ids, pt- tokens, fault_N rule ids, a Bearer realm, extra reply members, unknown "
       "request members ignored, other messages and version), so a runner can be checked against a second "
       "correct implementation; not a defect (see README.md, The reference server)")
      ("max-sandboxes", po::value<size_t>()->default_value(100),
       "named sandboxes the server may hold at once (POST /_control/sandboxes; 0 turns sandboxes off)")
      ("sandbox-max-orders", po::value<size_t>()->default_value(10000),
       "orders a named sandbox may hold (and as many unspent tokens and fault rules); a request that would add to "
       "a store at its cap is answered 429 SANDBOX_LIMIT_REACHED")
      ("sandbox-idle-seconds", po::value<double>()->default_value(3600),
       "a named sandbox that no request named for this many wall-clock seconds is deleted")
      ("quiet", "do not log one line per request")
      ("drill", po::value(&drill_names)->composing(), "start a client drill from <fixtures>/drills.yaml (repeatable; GET /_control/drills lists them)")
      ("audit-report", po::value(&audit_report), "write the client audit as Markdown to this file at shutdown")
      ("defect", po::value(&defect_names)->composing(), "TEST ONLY: break one rule on purpose (repeatable; needs --allow-defects)")
      ("allow-defects", "permit --defect")
      ("list-defects", "list the deliberate defects and exit (of --api's API)")
      ("list-apis", "list the APIs --api serves, one per line (name, then what it is), and exit");
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, desc), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    return Fail(std::string(e.what()) + " (see --help)");
  }
  if (vm.count("help")) {
    std::cout << desc << "\n";
    return 0;
  }
  if (vm.count("version")) {
    std::cout << "purchase-server " << PURCHASE_VERSION << " (specs: " << PURCHASE_SPEC_VERSIONS << ")\n";
    return 0;
  }
  if (vm.count("list-apis")) {
    std::cout << "hl-connector\tthe HL Connector Purchase API (spec/, fixtures/, scenarios/)\n";
    for (const auto& p : profiles::Profiles()) std::cout << p.name << "\t" << p.summary << "\n";
    return 0;
  }
  const profiles::ProfileEntry* profile = nullptr;
  if (api != "hl-connector") {
    profile = profiles::FindProfile(api);
    if (!profile) return Fail("--api must be " + ApiNames() + ", not '" + api + "'");
  }
  if (vm.count("list-defects")) {
    if (profile) {
      for (const auto& d : profile->defects) std::cout << d.name << "\t" << d.what << "\tscenario\n";
      for (const auto& d : profiles::EngineDefectList()) std::cout << d.name << "\t" << d.what << "\tscenario\n";
      return 0;
    }
    for (const auto& d : AllDefects()) std::cout << d.name << "\t" << d.description << "\t" << d.kind << "\n";
    return 0;
  }
  if (fixtures.empty()) fixtures = profile ? DefaultProfileFixtures(*profile) : DefaultFixtures();
  if (port < 0 || port > 65535) return Fail("--port must be 0..65535");
  if (threads < 1 || threads > 64) return Fail("--threads must be 1..64");
  if (const double t = vm["request-timeout"].as<double>(); !(t >= 0.01 && t <= 86400))
    return Fail("--request-timeout must be 0.01..86400 seconds");
  if (const double idle = vm["sandbox-idle-seconds"].as<double>(); !(idle >= 1 && idle <= 1e7))
    return Fail("--sandbox-idle-seconds must be 1..10000000");
  if (vm["max-sandboxes"].as<size_t>() > 100000) return Fail("--max-sandboxes must be 0..100000");
  if (vm["sandbox-max-orders"].as<size_t>() < 1) return Fail("--sandbox-max-orders must be at least 1");
  if (clock_mode != "manual" && clock_mode != "real") return Fail("--clock must be 'manual' or 'real', not '" + clock_mode + "'");
  if (!(time_scale > 0 && time_scale <= 1e6)) return Fail("--time-scale must be > 0");
  if (!(token_ttl > 0) || !(url_ttl > 0)) return Fail("--token-ttl and --url-ttl must be > 0");

  const std::optional<Variant> variant = ParseVariant(variant_name);
  if (!variant) return Fail("--variant must be 'reference' or 'other', not '" + variant_name + "'");

  ServiceOptions service_options;
  service_options.seed = seed;
  service_options.variant = *variant;
  service_options.token_ttl = static_cast<Millis>(token_ttl * 1000);
  service_options.url_ttl = static_cast<Millis>(url_ttl * 1000);
  if (!defect_names.empty() && !vm.count("allow-defects"))
    return Fail("--defect breaks the contract on purpose and is refused without --allow-defects");
  if (profile) {
    for (const char* hl_only : {"variant", "drill", "audit-report", "token-ttl", "url-ttl"})
      if (!vm[hl_only].defaulted() && vm.count(hl_only))
        return Fail(std::string("--") + hl_only + " is an option of the hl-connector API only");
  }
  for (const auto& name : profile ? std::vector<std::string>{} : defect_names) {
    auto d = ParseDefect(name);
    if (!d) return Fail("unknown defect '" + name + "' (see --list-defects)");
    service_options.defects.Enable(*d);
  }

  std::optional<Millis> start;
  if (vm.count("start-time")) {
    start = ParseRfc3339(start_time);
    if (!start) return Fail("--start-time must be an RFC 3339 instant like 2026-01-01T00:00:00Z");
  }
  // Each sandbox gets its own clock of the server's kind; one created without
  // a start instant starts where the server did (on a real clock: now).
  const Millis manual_start = start.value_or(*ParseRfc3339("2026-01-01T00:00:00Z"));
  const http::ClockMaker clock = [&](std::optional<Millis> at) -> std::unique_ptr<Clock> {
    if (clock_mode == "manual") return std::make_unique<ManualClock>(at.value_or(manual_start));
    return std::make_unique<RealClock>(at.value_or(start.value_or(WallClockNow())), time_scale);
  };

  if (profile) return ServeProfile(*profile, vm, fixtures, clock, seed, defect_names, host, port, threads,
                                   max_body, clock_mode);
  try {
    const Lifecycle& lifecycle = Lifecycle::Builtin();
    const ErrorCatalog& errors = ErrorCatalog::Builtin();
    const Catalog catalog = Catalog::Load(fixtures);
    const WallClock wall_clock;
    http::DrillBook drills;
    if (std::filesystem::exists(fixtures + "/drills.yaml")) drills = http::DrillBook::Load(fixtures + "/drills.yaml");

    http::HlSandboxShared shared;
    shared.catalog = &catalog;
    shared.lifecycle = &lifecycle;
    shared.errors = &errors;
    shared.obligations = &ClientObligations::Builtin();
    shared.wall_clock = &wall_clock;
    shared.service = service_options;
    shared.api.control_enabled = !vm.count("no-control");
    shared.api.control_token = control_token;
    shared.api.max_body_bytes = max_body;
    shared.api.version = PURCHASE_VERSION;
    shared.api.drills = &drills;
    shared.api.variant = *variant;
    shared.api.sandboxes = vm["max-sandboxes"].as<size_t>() > 0;
    shared.clock = clock;
    auto default_sandbox = std::make_unique<http::HlSandbox>(shared, seed, std::nullopt);
    http::HlSandbox& first = *default_sandbox;
    // --drill starts its program in the default sandbox.
    for (const auto& name : drill_names) {
      const http::Drill* drill = drills.Find(name);
      if (!drill) return Fail("unknown drill '" + name + "' (see " + fixtures + "/drills.yaml)");
      for (const auto& rule : drill->rules) first.service().AddFault(rule);
    }
    http::SandboxRouter api(std::move(default_sandbox), http::HlSandboxFactory(shared),
                            http::CatalogErrorRenderer(errors.statuses(), "spec/errors.yaml"),
                            SandboxLimits(vm, seed, max_body));

    sigset_t signals = BlockStopSignals();
    const bool served =
        ServeUntilStopped(api, WireOptions(vm, host, port, threads, max_body), signals, [&](uint16_t bound) {
          std::printf("listening on http://%s:%u (clock %s, seed %llu, fixtures %s%s%s)\n", host.c_str(), bound,
                      clock_mode.c_str(), static_cast<unsigned long long>(seed), fixtures.c_str(),
                      *variant == Variant::kReference ? "" : ", variant other",
                      service_options.defects.Any() ? ", DEFECTS ON" : "");
        });
    if (!served) return 2;
    if (!audit_report.empty()) {
      std::vector<std::string> vendor_names;
      for (const auto& v : catalog.vendors()) vendor_names.push_back(v.id);
      std::ofstream report(audit_report);
      report << RenderAuditReport(first.audit(), vendor_names);
      if (!report) std::fprintf(stderr, "purchase-server: cannot write the audit report to %s\n", audit_report.c_str());
    }
    std::fprintf(stderr, "purchase-server: %zu orders in the default sandbox\n", first.service().order_count());
    return 0;
  } catch (const std::exception& e) {  // SpecError included: a spec file that does not load
    return Fail(e.what());
  }
}
