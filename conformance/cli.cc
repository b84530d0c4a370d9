#include "cli.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iomanip>
#include <memory>
#include <random>
#include <sstream>

#include <boost/program_options.hpp>

#include "check/openapi.h"
#include "check/scenario_paths.h"
#include "coverage/coverage.h"
#include "conformance_lib_embedded.h"
#include "core/lifecycle.h"
#include "exec/request_trace.h"
#include "exec/runner.h"
#include "exec/target.h"
#include "report/console_reporter.h"
#include "report/file_reporters.h"
#include "scenario/loader.h"

#ifndef CONFORMANCE_VERSION
#define CONFORMANCE_VERSION "0.0.0"
#endif

namespace conformance {
namespace {

namespace po = boost::program_options;

const char kUsage[] =
    "usage: conformance run --target URL --token TOKEN [options] [paths...]\n"
    "       conformance validate [paths...]\n"
    "       conformance list [--tag T] [paths...]\n"
    "       conformance coverage [--markdown FILE] [paths...]\n"
    "       conformance --help | --version\n"
    "\n"
    "Replays YAML scenarios (default: scenarios/) against an implementation of the\n"
    "Purchase API and judges every response against spec/openapi.yaml and every\n"
    "order status change against spec/lifecycle.yaml.\n"
    "\n"
    "Exit codes: 0 all passed (skips allowed), 1 a scenario failed, 2 usage,\n"
    "scenario-file or spec error, 3 the target cannot be reached.\n";

struct Selection {
  std::vector<std::string> paths;
  std::vector<std::string> tags;
  std::vector<std::string> exclude_tags;
};

void AddSelectionOptions(po::options_description& d, Selection* s) {
  d.add_options()
      ("tag", po::value(&s->tags)->composing(), "run only scenarios with this tag (repeatable: any of them)")
      ("exclude-tag", po::value(&s->exclude_tags)->composing(), "leave out scenarios with this tag (repeatable)");
}

// Parses `args` against `desc`; returns false after printing the error.
bool ParseArgs(const std::vector<std::string>& args, const po::options_description& desc,
               std::vector<std::string>* paths, po::variables_map* vm, std::ostream& err) {
  po::options_description all;
  all.add(desc);
  all.add_options()("paths", po::value(paths)->composing(), "");
  po::positional_options_description positional;
  positional.add("paths", -1);
  try {
    po::store(po::command_line_parser(args).options(all).positional(positional).run(), *vm);
    po::notify(*vm);
  } catch (const po::error& e) {
    err << "conformance: error: " << e.what() << "\n" << "(see conformance --help)\n";
    return false;
  }
  return true;
}

bool HasAny(const std::vector<std::string>& have, const std::vector<std::string>& wanted) {
  for (const auto& w : wanted)
    if (std::find(have.begin(), have.end(), w) != have.end()) return true;
  return false;
}

// Loads and filters scenarios, and checks their literal paths against `spec`
// when given; prints diagnostics. Returns false on errors.
bool LoadSelection(Selection& s, const OpenApiSpec* spec, std::vector<Scenario>* out, std::ostream& err,
                   std::map<std::string, FixtureRole>* roles = nullptr) {
  if (s.paths.empty()) s.paths.push_back("scenarios");
  LoadResult loaded = LoadScenarios(s.paths);
  if (roles) *roles = loaded.fixture_roles;
  if (spec)
    for (const auto& sc : loaded.scenarios)
      for (auto& d : CheckScenarioPaths(sc, *spec)) loaded.errors.push_back(std::move(d));
  for (const auto& d : loaded.errors) err << d.ToString() << "\n";
  if (!loaded.errors.empty()) {
    err << "conformance: " << loaded.errors.size() << " error" << (loaded.errors.size() == 1 ? "" : "s")
        << " in scenario files; nothing was run\n";
    return false;
  }
  for (auto& sc : loaded.scenarios) {
    if (!s.tags.empty() && !HasAny(sc.tags, s.tags)) continue;
    if (HasAny(sc.tags, s.exclude_tags)) continue;
    out->push_back(std::move(sc));
  }
  return true;
}

std::optional<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

struct LoadedSpec {
  std::unique_ptr<OpenApiSpec> openapi;
  std::optional<purchase::Lifecycle> lifecycle_from_dir;
  const purchase::Lifecycle& lifecycle() const {
    return lifecycle_from_dir ? *lifecycle_from_dir : purchase::Lifecycle::Builtin();
  }
};

// Loads the spec built in, or DIR/openapi.yaml and DIR/lifecycle.yaml, at
// `layer`. Returns false after printing why.
bool LoadSpec(const std::string& spec_dir, LoadedSpec* spec, std::ostream& err,
              purchase::SpecLayer layer = purchase::SpecLayer::kContract) {
  try {
    if (spec_dir.empty()) {
      spec->openapi = OpenApiSpec::Parse(spec_files::kOpenapiYaml, "spec/openapi.yaml", layer);
      return true;
    }
    const std::string openapi_path = spec_dir + "/openapi.yaml", lifecycle_path = spec_dir + "/lifecycle.yaml";
    auto openapi = ReadFile(openapi_path);
    auto lifecycle = ReadFile(lifecycle_path);
    if (!openapi || !lifecycle) {
      err << "conformance: error: cannot read " << (openapi ? lifecycle_path : openapi_path) << "\n";
      return false;
    }
    spec->openapi = OpenApiSpec::Parse(*openapi, openapi_path, layer);
    spec->lifecycle_from_dir = purchase::Lifecycle::Parse(*lifecycle, lifecycle_path);
    return true;
  } catch (const purchase::SpecError& e) {
    err << e.what() << "\n";
    return false;
  }
}

std::string NewRunId() {
  std::random_device random;
  std::ostringstream s;
  s << std::hex << std::setw(8) << std::setfill('0') << (random() & 0xffffffffu);
  return s.str();
}

int Validate(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  Selection s;
  std::string spec_dir;
  po::options_description desc("conformance validate [paths...]: check scenario files without running them");
  desc.add_options()("help,h", "show this help")(
      "spec-dir", po::value(&spec_dir)->value_name("DIR"),
      "check request paths against DIR/openapi.yaml instead of the spec built in");
  AddSelectionOptions(desc, &s);
  po::variables_map vm;
  if (!ParseArgs(args, desc, &s.paths, &vm, err)) return kExitUsage;
  if (vm.count("help")) {
    out << desc << "\n";
    return kExitPass;
  }
  LoadedSpec spec;
  if (!LoadSpec(spec_dir, &spec, err)) return kExitUsage;
  std::vector<Scenario> scenarios;
  if (!LoadSelection(s, spec.openapi.get(), &scenarios, err)) return kExitUsage;
  out << scenarios.size() << " scenario" << (scenarios.size() == 1 ? "" : "s") << " OK\n";
  return kExitPass;
}

int List(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  Selection s;
  po::options_description desc("conformance list [paths...]: show scenarios, their tags and needs");
  desc.add_options()("help,h", "show this help");
  AddSelectionOptions(desc, &s);
  po::variables_map vm;
  if (!ParseArgs(args, desc, &s.paths, &vm, err)) return kExitUsage;
  if (vm.count("help")) {
    out << desc << "\n";
    return kExitPass;
  }
  std::vector<Scenario> scenarios;
  if (!LoadSelection(s, nullptr, &scenarios, err)) return kExitUsage;
  std::map<std::string, size_t> tag_counts;
  for (const auto& sc : scenarios) {
    out << sc.id;
    auto join = [](const std::vector<std::string>& v) {
      std::string o;
      for (const auto& x : v) o += (o.empty() ? "" : ", ") + x;
      return o;
    };
    if (!sc.tags.empty()) out << "  [" << join(sc.tags) << "]";
    if (!sc.requires_caps.empty()) out << "  requires: " << join(sc.requires_caps);
    if (sc.exclusive)
      out << "  (runs alone)";
    else if (sc.polls)
      out << "  (runs alone on a manual clock: it polls)";
    out << "\n";
    if (!sc.description.empty()) out << "    " << sc.description << "\n";
    for (const auto& t : sc.tags) ++tag_counts[t];
  }
  out << scenarios.size() << " scenario" << (scenarios.size() == 1 ? "" : "s");
  if (!tag_counts.empty()) {
    out << "; tags:";
    for (const auto& [t, n] : tag_counts) out << " " << t << " (" << n << ")";
  }
  out << "\n";
  return kExitPass;
}

int Coverage(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  Selection s;
  std::string spec_dir, markdown;
  po::options_description desc(
      "conformance coverage [paths...]: which scenarios check each rule of the spec (static analysis; nothing is sent)\n"
      "Exit 0 when every rule is checked or listed in <path>/_unreachable.yaml, 1 when one is not");
  desc.add_options()("help,h", "show this help")(
      "markdown", po::value(&markdown)->value_name("FILE"), "also write the table as Markdown to FILE")(
      "check", "with --markdown: write nothing, fail (exit 1) if FILE differs from what would be written")(
      "spec-dir", po::value(&spec_dir)->value_name("DIR"),
      "read openapi.yaml and lifecycle.yaml from DIR instead of the spec built in");
  AddSelectionOptions(desc, &s);
  po::variables_map vm;
  if (!ParseArgs(args, desc, &s.paths, &vm, err)) return kExitUsage;
  if (vm.count("help")) {
    out << desc << "\n";
    return kExitPass;
  }
  LoadedSpec spec;
  if (!LoadSpec(spec_dir, &spec, err)) return kExitUsage;
  std::vector<Scenario> scenarios;
  if (!LoadSelection(s, spec.openapi.get(), &scenarios, err)) return kExitUsage;
  std::vector<UnreachableRule> unreachable;
  for (const auto& path : s.paths) {
    const std::string file = path + (path.empty() || path.back() == '/' ? "" : "/") + "_unreachable.yaml";
    if (auto text = ReadFile(file)) {
      try {
        for (auto& u : ParseUnreachableRules(*text, file)) unreachable.push_back(std::move(u));
      } catch (const purchase::SpecError& e) {
        err << e.what() << "\n";
        return kExitUsage;
      }
    }
  }
  const CoverageReport report = AnalyzeCoverage(scenarios, *spec.openapi, spec.lifecycle(), unreachable);
  out << CoverageTable(report);
  if (!markdown.empty()) {
    std::string command = "conformance coverage";
    if (!s.paths.empty()) command += " " + s.paths.front();
    command += " --markdown " + markdown;
    const std::string text = CoverageMarkdown(report, command);
    if (vm.count("check")) {
      if (ReadFile(markdown) != text) {
        err << "conformance: error: " << markdown << " is out of date; regenerate it with `" << command << "`\n";
        return kExitFail;
      }
    } else {
      std::ofstream md(markdown, std::ios::binary | std::ios::trunc);
      md << text;
      if (!md.flush()) {
        err << "conformance: error: cannot write " << markdown << "\n";
        return kExitUsage;
      }
    }
  } else if (vm.count("check")) {
    err << "conformance: error: --check needs --markdown FILE\n";
    return kExitUsage;
  }
  for (const auto& e : report.errors) err << e << "\n";
  for (const CoverageRule* r : report.Uncovered()) err << "conformance: error: no scenario checks " << r->id << "\n";
  return report.errors.empty() && report.Uncovered().empty() ? kExitPass : kExitFail;
}

int Run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err, const Environment& env) {
  Selection s;
  Target target = {};
  target.token = env.token;
  target.token_b = env.token_b;
  target.control_token = env.control_token;
  int jobs = 4;
  double timeout = 10;
  std::vector<std::string> reports, var_args;
  std::string spec_dir, trace_path, target_file_path;
  po::options_description desc(
      "conformance run --target URL --token TOKEN [options] [paths...]\n"
      "Runs every scenario below the paths (default: scenarios/) against the target");
  desc.add_options()
      ("help,h", "show this help")
      ("target", po::value(&target.base_url)->value_name("URL"), "base URL of the implementation under test (required)")
      ("token", po::value(&target.token)->value_name("T"), "vendor access token (or CONFORMANCE_TOKEN)")
      ("token-b", po::value(&target.token_b)->value_name("T"),
       "a second vendor's token for isolation scenarios (or CONFORMANCE_TOKEN_B); without it they are skipped")
      ("control-token", po::value(&target.control_token)->value_name("T"),
       "bearer token of the control API, if the target protects it (or CONFORMANCE_CONTROL_TOKEN)")
      ("jobs,j", po::value(&jobs)->value_name("N")->default_value(4), "scenarios run in parallel (those that need the target alone run afterwards, one at a time)")
      ("report", po::value(&reports)->composing()->value_name("junit=FILE|json=FILE"), "write a report (repeatable)")
      ("trace-requests", po::value(&trace_path)->value_name("FILE"),
       "write every HTTP request sent (probe, resets and clock, fault and poll requests included), in the order "
       "sent, to FILE as JSON lines: method, url, headers, body. It holds the tokens unredacted")
      ("fail-fast", "stop starting scenarios after the first failure")
      ("verbose,v", "print every request and response of failed steps")
      ("timeout", po::value(&timeout)->value_name("SECONDS")->default_value(10), "limit for one HTTP exchange")
      ("spec-dir", po::value(&spec_dir)->value_name("DIR"),
       "read openapi.yaml and lifecycle.yaml from DIR instead of the spec built in")
      ("target-file", po::value(&target_file_path)->value_name("FILE"),
       "read the target's URL, tokens, fixture variables and assumed capabilities from FILE (YAML, see "
       "conformance/README.md); the command line wins over it")
      ("var", po::value(&var_args)->composing()->value_name("NAME=VALUE"),
       "set a fixture role (scenarios/_fixtures.yaml) to the target's own value, e.g. asset_basic=sku-1 (repeatable)")
      ("strict-reference",
       "also judge the reference server's own promises beyond the contract: the x-reference layer of the spec "
       "and the scenarios that require 'reference' (for our server; another implementation need not keep them)");
  AddSelectionOptions(desc, &s);
  po::variables_map vm;
  if (!ParseArgs(args, desc, &s.paths, &vm, err)) return kExitUsage;
  if (vm.count("help")) {
    out << desc << "\n";
    return kExitPass;
  }
  auto usage_error = [&](const std::string& message) {
    err << "conformance: error: " << message << "\n(see conformance run --help)\n";
    return kExitUsage;
  };
  TargetFile target_file;
  if (!target_file_path.empty()) {
    const auto text = ReadFile(target_file_path);
    if (!text) return usage_error("--target-file: cannot read " + target_file_path);
    try {
      target_file = ParseTargetFile(*text, target_file_path);
    } catch (const purchase::SpecError& e) {
      err << e.what() << "\n";
      return kExitUsage;
    }
    // The command line wins, then the environment (a CI secret), then the file.
    if (target_file.target && !vm.count("target")) target.base_url = *target_file.target;
    if (target_file.token && !vm.count("token") && env.token.empty()) target.token = *target_file.token;
    if (target_file.token_b && !vm.count("token-b") && env.token_b.empty()) target.token_b = *target_file.token_b;
    if (target_file.control_token && !vm.count("control-token") && env.control_token.empty())
      target.control_token = *target_file.control_token;
  }
  const bool strict_reference = vm.count("strict-reference") > 0;
  if (target.base_url.empty()) return usage_error("--target is required (or target: in --target-file)");
  if (target.base_url.rfind("http://", 0) != 0 && target.base_url.rfind("https://", 0) != 0)
    return usage_error("--target must be an http:// or https:// URL, got '" + target.base_url + "'");
  while (!target.base_url.empty() && target.base_url.back() == '/') target.base_url.pop_back();
  if (target.token.empty()) return usage_error("--token is required (or set CONFORMANCE_TOKEN)");
  if (jobs < 1 || jobs > 256) return usage_error("--jobs must be 1..256");
  if (!(timeout > 0 && timeout <= 3600)) return usage_error("--timeout must be in (0, 3600] seconds");

  LoadedSpec spec;
  if (!LoadSpec(spec_dir, &spec, err,
                strict_reference ? purchase::SpecLayer::kReference : purchase::SpecLayer::kContract))
    return kExitUsage;

  // Everything is checked before anything is sent.
  std::vector<Scenario> scenarios;
  std::map<std::string, FixtureRole> roles;
  if (!LoadSelection(s, spec.openapi.get(), &scenarios, err, &roles)) return kExitUsage;
  if (scenarios.empty()) return usage_error("no scenario matches the paths and tags given");

  // Fixture roles: our fixtures' defaults, then the target file, then --var.
  std::vector<std::string> role_names;
  for (const auto& [name, role] : roles) {
    target.fixtures[name] = role.default_value;
    role_names.push_back(name);
  }
  auto unknown_role = [&](const std::string& name) {
    const std::string suggestion = SuggestClosest(name, role_names);
    return "'" + name + "' is not a fixture role of these scenarios" +
           (suggestion.empty() ? std::string(" (see scenarios/_fixtures.yaml)") : "; did you mean '" + suggestion + "'?");
  };
  for (const auto& [name, value] : target_file.vars) {
    if (!roles.count(name)) {
      err << target_file.var_where[name] << ": error: " << unknown_role(name) << "\n";
      return kExitUsage;
    }
    target.fixtures[name] = value;
  }
  for (const auto& arg : var_args) {
    const size_t eq = arg.find('=');
    if (eq == std::string::npos || eq == 0) return usage_error("--var takes NAME=VALUE, got '" + arg + "'");
    const std::string name = arg.substr(0, eq);
    if (!roles.count(name)) return usage_error("--var: " + unknown_role(name));
    target.fixtures[name] = arg.substr(eq + 1);
  }

  std::vector<std::unique_ptr<std::ofstream>> files;
  std::vector<std::unique_ptr<RunListener>> reporters;
  for (const auto& r : reports) {
    const size_t eq = r.find('=');
    const std::string kind = r.substr(0, eq), path = eq == std::string::npos ? "" : r.substr(eq + 1);
    if ((kind != "junit" && kind != "json") || path.empty())
      return usage_error("--report takes junit=FILE or json=FILE, got '" + r + "'");
    files.push_back(std::make_unique<std::ofstream>(path, std::ios::binary | std::ios::trunc));
    if (!*files.back()) return usage_error("cannot write " + path);
    if (kind == "junit")
      reporters.push_back(std::make_unique<JunitReporter>(*files.back()));
    else
      reporters.push_back(std::make_unique<JsonReporter>(*files.back()));
  }

  std::ofstream trace_file;
  std::unique_ptr<RequestTrace> trace;
  if (!trace_path.empty()) {
    trace_file.open(trace_path, std::ios::binary | std::ios::trunc);
    if (!trace_file) return usage_error("--trace-requests: cannot write " + trace_path + ": " + std::strerror(errno));
    trace = std::make_unique<RequestTrace>(trace_file);
  }

  HttpClientOptions http;
  http.timeout_ms = static_cast<long>(timeout * 1000);
  http.connect_timeout_ms = std::min<long>(http.timeout_ms, 5000);
  // Every request of the run goes through a client made here, so the trace
  // sees them all: the probe, the scenarios' steps and the runner's own.
  auto make_client = [&env, http, &trace]() -> std::unique_ptr<HttpClient> {
    auto client = env.new_client ? env.new_client(http) : NewCurlHttpClient(http);
    return trace ? NewTracingHttpClient(std::move(client), *trace) : std::move(client);
  };

  auto probe_client = make_client();
  const ProbeResult probe = ProbeTarget(*probe_client, target.base_url, target.control_token);
  if (!probe.reachable) {
    err << "conformance: error: cannot reach " << target.base_url << ": " << probe.error << "\n";
    return kExitUnreachable;
  }
  if (!probe.note.empty()) err << "conformance: note: " << probe.note << "\n";
  if (target_file.capabilities) {
    // Assumed, not probed: a target that hides GET /_control, or one whose
    // control API should not be used.
    target.capabilities = *target_file.capabilities;
    target.manual_clock = target.capabilities.count("clock") > 0;
  } else {
    target.capabilities = probe.capabilities;
    target.manual_clock = probe.manual_clock;
  }
  if (strict_reference) target.capabilities.insert(kReferenceCapability);
  if (!target.token_b.empty()) target.capabilities.insert(kSecondVendorCapability);
  if (!target.control_token.empty()) target.capabilities.insert(kControlTokenCapability);

  SystemClock clock;
  RunContext context;
  context.target = &target;
  context.spec = spec.openapi.get();
  context.lifecycle = &spec.lifecycle();
  context.clock = &clock;
  context.run_id = NewRunId();

  ConsoleOptions console_options;
  console_options.live = env.stdout_is_tty && !env.no_color;
  console_options.color = env.stdout_is_tty && !env.no_color;
  console_options.verbose = vm.count("verbose") > 0;
  ConsoleReporter console(out, console_options);
  ListenerList listeners;
  listeners.Add(&console);
  for (auto& r : reporters) listeners.Add(r.get());

  SuiteOptions options;
  options.jobs = jobs;
  options.fail_fast = vm.count("fail-fast") > 0;
  const RunResult run = RunSuite(scenarios, context, make_client, options, listeners);
  for (auto& f : files) {
    f->flush();
    if (!*f) {
      err << "conformance: error: writing a report failed\n";
      return kExitUsage;
    }
  }
  if (trace && !trace->ok()) {
    err << "conformance: error: writing the request trace " << trace_path << " failed\n";
    return kExitUsage;
  }
  return run.Count(Outcome::kFailed) > 0 ? kExitFail : kExitPass;
}

}  // namespace

int Main(const std::vector<std::string>& args, std::ostream& out, std::ostream& err, const Environment& env) {
  if (args.empty()) {
    err << kUsage;
    return kExitUsage;
  }
  const std::string& command = args[0];
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  if (command == "--help" || command == "-h" || command == "help") {
    out << kUsage << "\nRun `conformance <command> --help` for the options of each command.\n";
    return kExitPass;
  }
  if (command == "--version") {
    out << "conformance " << CONFORMANCE_VERSION << "\n";
    return kExitPass;
  }
  if (command == "run") return Run(rest, out, err, env);
  if (command == "validate") return Validate(rest, out, err);
  if (command == "list") return List(rest, out, err);
  if (command == "coverage") return Coverage(rest, out, err);
  const std::string suggestion = SuggestClosest(command, {"run", "validate", "list", "coverage"});
  err << "conformance: error: unknown command '" << command << "'"
      << (suggestion.empty() ? "" : "; did you mean '" + suggestion + "'?") << "\n"
      << kUsage;
  return kExitUsage;
}

}  // namespace conformance
