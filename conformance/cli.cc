#include "cli.h"

#include <algorithm>
#include <thread>
#include <atomic>
#include <cmath>
#include <csignal>
#include <chrono>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <set>
#include <sstream>

#include <boost/program_options.hpp>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include "check/openapi.h"
#include "check/scenario_paths.h"
#include "coverage/coverage.h"
#include "coverage/rule_coverage.h"
#include "diff/contract_diff.h"
#include "scenario/source_comment.h"
#include "conformance_lib_embedded.h"
#include "core/lifecycle.h"
#include "exec/request_trace.h"
#include "exec/runner.h"
#include "exec/target.h"
#include "explore/concurrent.h"
#include "explore/emit.h"
#include "explore/executor.h"
#include "explore/explore_report.h"
#include "explore/explore.h"
#include "explore/generator.h"
#include "explore/profile_explore.h"
#include "explore/reference_target.h"
#include "report/console_reporter.h"
#include "report/file_reporters.h"
#include "report/html_reporter.h"
#include "report/listener.h"  // FormatTimestamp
#include "report/lifecycle_diagram.h"
#include "profiles/profile_registry.h"
#include "core/data_dirs.h"
#include "exec/shard.h"
#include "proxy/judging_proxy.h"
#include "proxy/proxy_host.h"
#include "proxy/proxy_session.h"
#include "proxy/session_recorder.h"
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
    "       conformance explore --target URL --token TOKEN [--seed S] [--budget SECONDS] [--emit DIR]\n"
    "       conformance lifecycle [--api NAME] [--format svg|mermaid] [--output FILE]\n"
    "       conformance spec --api NAME\n"
    "       conformance proxy --upstream URL [--listen HOST:PORT] [--api NAME]\n"
    "       conformance diff OLD NEW [--api NAME] [--json] [--strict-reference]\n"
    "       conformance --help | --version\n"
    "\n"
    "Replays YAML scenarios (default: scenarios/) against an implementation of the\n"
    "Purchase API and judges every response against spec/openapi.yaml and every\n"
    "order status change against spec/lifecycle.yaml. Other purchase APIs (--api,\n"
    "or a scenario folder with an _api.yaml) are judged by spec/<api>/.\n"
    "\n"
    "Exit codes: 0 all passed (skips allowed), 1 a scenario failed, 2 usage,\n"
    "scenario-file or spec error, 3 the target cannot be reached.\n";

struct Selection {
  std::vector<std::string> paths;
  std::vector<std::string> tags;
  std::vector<std::string> exclude_tags;
};

// The suite of `api` when no path is given: scenarios/ (the HL Connector) or
// scenarios/<api>/, in a checkout's working directory, else the installed
// package's, else the source tree's (core/data_dirs.h).
std::string SuiteDir(const std::string& api) {
  if (api == "hl-connector" || api.empty()) return purchase::DataPath("scenarios", "scenarios/_fixtures.yaml");
  return purchase::DataPath("scenarios/" + api, "scenarios/" + api + "/_api.yaml");
}

// Paths left out run the suite of the API.
void DefaultToSuite(Selection& s, const std::string& api) {
  if (s.paths.empty()) s.paths.push_back(SuiteDir(api));
}

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

// A command's start: parses `args`, and answers --help. Returns the exit
// code when that is all (a usage error, or the help printed), else nullopt.
std::optional<int> ParseCommand(const std::vector<std::string>& args, const po::options_description& desc,
                                std::vector<std::string>* paths, po::variables_map* vm, std::ostream& out,
                                std::ostream& err) {
  if (!ParseArgs(args, desc, paths, vm, err)) return kExitUsage;
  if (vm->count("help")) {
    out << desc << "\n";
    return kExitPass;
  }
  return std::nullopt;
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
  DefaultToSuite(s, "hl-connector");
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

// The API to judge by: --api, else the `api:` of the _api.yaml above the
// scenario paths (all of them must agree), else the HL Connector. Returns
// false after printing why.
bool ResolveApi(const std::string& flag, const std::vector<std::string>& paths, std::string* api, std::ostream& err) {
  std::vector<Diagnostic> errors;
  std::optional<std::string> found;
  std::string first_path;
  for (const auto& path : paths.empty() ? std::vector<std::string>{SuiteDir("hl-connector")} : paths) {
    const auto here = ReadScenarioApi(path, &errors);
    const std::string name = here ? here->name : "hl-connector";
    if (found && *found != name) {
      err << "conformance: error: " << first_path << " is a suite of --api " << *found << " but " << path
          << " is one of --api " << name << "; run them one API at a time\n";
      return false;
    }
    found = name;
    first_path = path;
  }
  for (const auto& d : errors) err << d.ToString() << "\n";
  if (!errors.empty()) return false;
  if (!flag.empty() && found && *found != flag && !(paths.empty() && *found == "hl-connector")) {
    err << "conformance: error: --api " << flag << " but " << first_path << " is a suite of --api " << *found << "\n";
    return false;
  }
  *api = flag.empty() ? *found : flag;
  if (*api != "hl-connector" && !purchase::profiles::FindProfile(*api)) {
    std::string names = "hl-connector";
    for (const auto& p : purchase::profiles::Profiles()) names += ", " + p.name;
    err << "conformance: error: no API is called '" << *api << "' (known: " << names << ")\n";
    return false;
  }
  return true;
}

std::string ApiOptionHelp() {
  std::string names = "hl-connector";
  for (const auto& p : purchase::profiles::Profiles()) names += ", " + p.name;
  return "the API whose spec judges (" + names +
         "); default: the api: of the _api.yaml above the scenario paths, else hl-connector";
}

// Loads the spec of `api` built in, or DIR/openapi.yaml and DIR/lifecycle.yaml,
// at `layer`. Returns false after printing why.
bool LoadSpec(const std::string& spec_dir, LoadedSpec* spec, std::ostream& err,
              purchase::SpecLayer layer = purchase::SpecLayer::kContract, const std::string& api = "hl-connector") {
  try {
    if (spec_dir.empty() && api != "hl-connector") {
      const purchase::profiles::ProfileEntry* profile = purchase::profiles::FindProfile(api);
      spec->openapi = OpenApiSpec::Parse(purchase::profiles::MergedOpenApi(*profile),
                                         profile->spec_dir + "/openapi.yaml (with spec/control.yaml)", layer);
      // The merge drops comments: the components' rules are read from the texts as written.
      spec->openapi->AddRuleComments(profile->openapi);
      spec->openapi->AddRuleComments(purchase::profiles::ControlSpecText());
      spec->lifecycle_from_dir = purchase::Lifecycle::Parse(profile->lifecycle, profile->spec_dir + "/lifecycle.yaml");
      return true;
    }
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

// Loads the rule ledger `api` is judged by (scenario/rule_ledger.h). Returns
// false after printing why.
bool LoadLedger(const std::string& api, const std::string& spec_dir, RuleLedger* ledger, std::ostream& err) {
  try {
    *ledger = LedgerForApi(api, spec_dir);
    return true;
  } catch (const purchase::SpecError& e) {
    err << e.what() << "\n";
    return false;
  }
}

int Validate(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  Selection s;
  std::string spec_dir, api_flag, api;
  po::options_description desc("conformance validate [paths...]: check scenario files without running them");
  desc.add_options()("help,h", "show this help")(
      "spec-dir", po::value(&spec_dir)->value_name("DIR"),
      "check request paths against DIR/openapi.yaml instead of the spec built in")(
      "api", po::value(&api_flag)->value_name("NAME"), ApiOptionHelp().c_str());
  AddSelectionOptions(desc, &s);
  po::variables_map vm;
  if (const auto done = ParseCommand(args, desc, &s.paths, &vm, out, err)) return *done;
  LoadedSpec spec;
  if (!ResolveApi(api_flag, s.paths, &api, err) || !LoadSpec(spec_dir, &spec, err, purchase::SpecLayer::kContract, api))
    return kExitUsage;
  DefaultToSuite(s, api);
  std::vector<Scenario> scenarios;
  if (!LoadSelection(s, spec.openapi.get(), &scenarios, err)) return kExitUsage;
  // A `# rule:` naming no rule of the API's ledger is a typo in the suite:
  // the runner would print it as unknown beside every failure of the check.
  RuleLedger ledger;
  if (!LoadLedger(api, spec_dir, &ledger, err)) return kExitUsage;
  std::set<std::string> files;
  for (const auto& sc : scenarios) {
    files.insert(sc.file);
    for (const auto& step : sc.steps) files.insert(step.where.file);
  }
  size_t unknown = 0;
  for (const auto& file : files) {
    const auto text = ReadFile(file);
    if (!text) continue;
    std::istringstream lines(*text);
    int n = 0;
    for (std::string line; std::getline(lines, line);) {
      ++n;
      if (line.find("# rule:") == std::string::npos) continue;
      for (const auto& id : RuleIdsOfLine(line))
        if (!ledger.Find(id)) {
          err << file << ":" << n << ": error: rule " << id << " is not in the rule ledger of " << api << "\n";
          ++unknown;
        }
    }
  }
  if (unknown > 0) return kExitUsage;
  out << scenarios.size() << " scenario" << (scenarios.size() == 1 ? "" : "s") << " OK\n";
  return kExitPass;
}

int List(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  Selection s;
  po::options_description desc("conformance list [paths...]: show scenarios, their tags and needs");
  desc.add_options()("help,h", "show this help");
  AddSelectionOptions(desc, &s);
  po::variables_map vm;
  if (const auto done = ParseCommand(args, desc, &s.paths, &vm, out, err)) return *done;
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
  std::string spec_dir, markdown, api_flag, api, json_out;
  po::options_description desc(
      "conformance coverage [paths...]: which scenarios check each rule of the spec (static analysis; nothing is sent)\n"
      "Exit 0 when every rule is checked or listed in <path>/_unreachable.yaml, 1 when one is not");
  desc.add_options()("help,h", "show this help")(
      "markdown", po::value(&markdown)->value_name("FILE"), "also write the table as Markdown to FILE")(
      "check", "with --markdown: write nothing, fail (exit 1) if FILE differs from what would be written")(
      "spec-dir", po::value(&spec_dir)->value_name("DIR"),
      "read openapi.yaml and lifecycle.yaml from DIR instead of the spec built in")(
      "api", po::value(&api_flag)->value_name("NAME"), ApiOptionHelp().c_str())(
      "rules",
      "report by rule of the API's ledger (spec/rules.yaml, spec/<api>/rules.yaml, spec/shared-rules.yaml) "
      "instead: what checks each rule, the rules nothing checks, the contract-level checks that name no rule. "
      "Exit 1 when a rule of the API is unchecked without a reason or a check names no rule")(
      "json", po::value(&json_out)->value_name("FILE"), "with --rules: also write the report as JSON to FILE");
  AddSelectionOptions(desc, &s);
  po::variables_map vm;
  if (const auto done = ParseCommand(args, desc, &s.paths, &vm, out, err)) return *done;
  // Coverage is of the whole suite, reference scenarios included, so it reads
  // both layers: an error code that is only the reference server's
  // (`x-reference: {x-error-codes: ...}`) still needs a scenario.
  if (!json_out.empty() && !vm.count("rules")) {
    err << "conformance: error: --json needs --rules\n";
    return kExitUsage;
  }
  LoadedSpec spec;
  if (!ResolveApi(api_flag, s.paths, &api, err) || !LoadSpec(spec_dir, &spec, err, purchase::SpecLayer::kReference, api))
    return kExitUsage;
  DefaultToSuite(s, api);
  std::vector<Scenario> scenarios;
  if (!LoadSelection(s, spec.openapi.get(), &scenarios, err)) return kExitUsage;
  if (vm.count("rules")) {
    RuleLedger ledger;
    if (!LoadLedger(api, spec_dir, &ledger, err)) return kExitUsage;
    // The spec files' `# rule:` comments (schema keywords, lifecycle
    // entries) are checks too; they are read where the spec is on disk.
    const auto* profile = purchase::profiles::FindProfile(api);
    const std::string dir = !spec_dir.empty() ? spec_dir : profile ? profile->spec_dir : std::string("spec");
    std::map<std::string, std::string> spec_files;
    for (const char* name : {"openapi.yaml", "lifecycle.yaml", "errors.yaml", "client-obligations.yaml"})
      if (auto text = ReadFile(dir + "/" + name)) spec_files[dir + "/" + name] = *text;
    // A profile's control API is spec/control.yaml, merged in.
    if (profile)
      if (auto text = ReadFile(dir + "/../control.yaml")) spec_files[dir + "/../control.yaml"] = *text;
    if (spec_files.empty())
      err << "conformance: warning: no spec files in " << dir << ": rules named only by schema keywords count as unchecked\n";
    const RuleCoverageReport report = AnalyzeRuleCoverage(scenarios, ledger, spec_files);
    out << RuleCoverageTable(report);
    if (!json_out.empty()) {
      std::ofstream json(json_out, std::ios::binary | std::ios::trunc);
      json << RuleCoverageJson(report);
      if (!json.flush()) {
        err << "conformance: error: cannot write " << json_out << "\n";
        return kExitUsage;
      }
    }
    return report.Complete() ? kExitPass : kExitFail;
  }
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

// The report formats of `run --report KIND=FILE`, one row each.
struct ReportKind {
  const char* name;
  std::function<std::unique_ptr<RunListener>(std::ostream&, const purchase::Lifecycle&)> make;
};

const std::vector<ReportKind>& ReportKinds() {
  static const std::vector<ReportKind> kinds = {
      {"junit", [](std::ostream& o, const purchase::Lifecycle&) { return std::make_unique<JunitReporter>(o); }},
      {"json", [](std::ostream& o, const purchase::Lifecycle&) { return std::make_unique<JsonReporter>(o); }},
      {"html", [](std::ostream& o, const purchase::Lifecycle& l) { return std::make_unique<HtmlReporter>(o, l); }},
  };
  return kinds;
}

const ReportKind* FindReportKind(const std::string& name) {
  for (const auto& k : ReportKinds())
    if (name == k.name) return &k;
  return nullptr;
}

// "junit=FILE, json=FILE or html=FILE".
std::string ReportKindsText() {
  std::string out;
  const auto& kinds = ReportKinds();
  for (size_t i = 0; i < kinds.size(); ++i)
    out += std::string(i == 0 ? "" : i + 1 == kinds.size() ? " or " : ", ") + kinds[i].name + "=FILE";
  return out;
}

// The files of `--report KIND=FILE`s and their reporters, opened before
// anything is sent (a path that cannot be written is a usage error, not a
// lost report at the end).
struct ReportFiles {
  std::vector<std::unique_ptr<std::ofstream>> files;
  std::vector<std::unique_ptr<RunListener>> reporters;

  // "" when every file opened, else what is wrong.
  std::string Open(const std::vector<std::string>& reports, const purchase::Lifecycle& lifecycle) {
    for (const auto& r : reports) {
      const size_t eq = r.find('=');
      const std::string kind = r.substr(0, eq), path = eq == std::string::npos ? "" : r.substr(eq + 1);
      const ReportKind* report = FindReportKind(kind);
      if (!report || path.empty()) return "--report takes " + ReportKindsText() + ", got '" + r + "'";
      files.push_back(std::make_unique<std::ofstream>(path, std::ios::binary | std::ios::trunc));
      if (!*files.back()) return "cannot write " + path;
      reporters.push_back(report->make(*files.back(), lifecycle));
    }
    return {};
  }
  // Whether every report was written in full.
  bool Flush() {
    for (auto& f : files) {
      f->flush();
      if (!*f) return false;
    }
    return true;
  }
};

// What `run` and `explore` take to name a target: its URL and credentials,
// a target file, and fixture roles.
struct TargetArgs {
  Target target;
  std::string file_path;
  std::vector<std::string> var_args;
  TargetFile file;
};

void AddTargetOptions(po::options_description& d, TargetArgs* t) {
  d.add_options()
      ("target", po::value(&t->target.base_url)->value_name("URL"), "base URL of the implementation under test (required)")
      ("token", po::value(&t->target.token)->value_name("T"), "vendor access token (or CONFORMANCE_TOKEN)")
      ("token-b", po::value(&t->target.token_b)->value_name("T"),
       "a second vendor's token for isolation scenarios (or CONFORMANCE_TOKEN_B); without it they are skipped")
      ("control-token", po::value(&t->target.control_token)->value_name("T"),
       "bearer token of the control API, if the target protects it (or CONFORMANCE_CONTROL_TOKEN)")
      ("target-file", po::value(&t->file_path)->value_name("FILE"),
       "read the target's URL, tokens, fixture variables and assumed capabilities from FILE (YAML, see "
       "conformance/README.md); the command line wins over it")
      ("var", po::value(&t->var_args)->composing()->value_name("NAME=VALUE"),
       "set a fixture role (scenarios/_fixtures.yaml) to the target's own value, e.g. asset_basic=sku-1 (repeatable)");
}

// Reads the target file and checks the URL and token. Returns false after
// printing why.
bool ResolveTarget(TargetArgs& t, const po::variables_map& vm, const Environment& env, std::ostream& err,
                   const std::function<int(const std::string&)>& usage_error) {
  Target& target = t.target;
  if (!vm.count("token")) target.token = env.token;
  if (!vm.count("token-b")) target.token_b = env.token_b;
  if (!vm.count("control-token")) target.control_token = env.control_token;
  if (!t.file_path.empty()) {
    const auto text = ReadFile(t.file_path);
    if (!text) return usage_error("--target-file: cannot read " + t.file_path), false;
    try {
      t.file = ParseTargetFile(*text, t.file_path);
    } catch (const purchase::SpecError& e) {
      err << e.what() << "\n";
      return false;
    }
    // The command line wins, then the environment (a CI secret), then the file.
    if (t.file.target && !vm.count("target")) target.base_url = *t.file.target;
    if (t.file.token && !vm.count("token") && env.token.empty()) target.token = *t.file.token;
    if (t.file.token_b && !vm.count("token-b") && env.token_b.empty()) target.token_b = *t.file.token_b;
    if (t.file.control_token && !vm.count("control-token") && env.control_token.empty())
      target.control_token = *t.file.control_token;
  }
  if (target.base_url.empty()) return usage_error("--target is required (or target: in --target-file)"), false;
  if (target.base_url.rfind("http://", 0) != 0 && target.base_url.rfind("https://", 0) != 0)
    return usage_error("--target must be an http:// or https:// URL, got '" + target.base_url + "'"), false;
  while (!target.base_url.empty() && target.base_url.back() == '/') target.base_url.pop_back();
  if (target.token.empty()) return usage_error("--token is required (or set CONFORMANCE_TOKEN)"), false;
  return true;
}

// Sets target.fixtures: our fixtures' defaults, then the target file, then
// --var. Returns false after printing why (a name that is no role).
bool ResolveFixtureRoles(const std::map<std::string, FixtureRole>& roles, TargetArgs& t, std::ostream& err,
                         const std::function<int(const std::string&)>& usage_error) {
  std::vector<std::string> role_names;
  for (const auto& [name, role] : roles) {
    // A limit is the target's own: ours only when it is our server, run
    // without a target file.
    if (role.limit && !t.file_path.empty())
      t.target.fixtures[name] = std::nullopt;
    else
      t.target.fixtures[name] = role.default_value;
    role_names.push_back(name);
  }
  auto unknown_role = [&](const std::string& name) {
    const std::string suggestion = SuggestClosest(name, role_names);
    return "'" + name + "' is not a fixture role of these scenarios" +
           (suggestion.empty() ? std::string(" (see scenarios/_fixtures.yaml)") : "; did you mean '" + suggestion + "'?");
  };
  for (const auto& [name, value] : t.file.vars) {
    if (!roles.count(name)) {
      err << t.file.var_where[name] << ": error: " << unknown_role(name) << "\n";
      return false;
    }
    t.target.fixtures[name] = value;
  }
  for (const auto& arg : t.var_args) {
    const size_t eq = arg.find('=');
    if (eq == std::string::npos || eq == 0) return usage_error("--var takes NAME=VALUE, got '" + arg + "'"), false;
    const std::string name = arg.substr(0, eq);
    if (!roles.count(name)) return usage_error("--var: " + unknown_role(name)), false;
    t.target.fixtures[name] = arg.substr(eq + 1);
  }
  return true;
}

// Asks the target what it has (or takes the target file's word for it).
// Returns false after printing why when the target gives no HTTP answer.
bool ProbeCapabilities(TargetArgs& t, HttpClient& client, bool strict_reference, std::ostream& err) {
  Target& target = t.target;
  const ProbeResult probe = ProbeTarget(client, target.base_url, target.control_token);
  if (!probe.reachable) {
    err << "conformance: error: cannot reach " << target.base_url << ": " << probe.error << "\n";
    return false;
  }
  if (!probe.note.empty()) err << "conformance: note: " << probe.note << "\n";
  if (t.file.capabilities) {
    // Assumed, not probed: a target that hides GET /_control, or one whose
    // control API should not be used.
    target.capabilities = *t.file.capabilities;
    target.manual_clock = target.capabilities.count("clock") > 0;
  } else {
    target.capabilities = probe.capabilities;
    target.manual_clock = probe.manual_clock;
  }
  if (strict_reference) target.capabilities.insert(kReferenceCapability);
  if (!target.token_b.empty()) target.capabilities.insert(kSecondVendorCapability);
  if (!target.control_token.empty()) target.capabilities.insert(kControlTokenCapability);
  return true;
}

int Run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err, const Environment& env) {
  Selection s;
  TargetArgs target_args;
  Target& target = target_args.target;
  int jobs = 4;
  double timeout = 10;
  std::vector<std::string> reports;
  std::string spec_dir, trace_path, api_flag, api, layer, sandbox, shard_text;
  po::options_description desc(
      "conformance run --target URL --token TOKEN [options] [paths...]\n"
      "Runs every scenario below the paths (default: scenarios/) against the target");
  desc.add_options()
      ("help,h", "show this help")
      ("jobs,j", po::value(&jobs)->value_name("N")->default_value(4), "scenarios run in parallel (those that need the target alone run afterwards, one at a time)")
      ("report", po::value(&reports)->composing()->value_name("KIND=FILE"),
       "write a report: junit=FILE, json=FILE, or html=FILE (one page to open in a browser, each order drawn on the "
       "lifecycle); repeatable")
      ("trace-requests", po::value(&trace_path)->value_name("FILE"),
       "write every HTTP request sent (probe, resets and clock, fault and poll requests included), in the order "
       "sent, to FILE as JSON lines: method, url, headers, body. It holds the tokens unredacted")
      ("sandbox", po::value(&sandbox)->value_name("new|NAME"),
       "new: run each scenario in a sandbox of its own, created on the target and deleted after it, so that "
       "every scenario runs in parallel (--jobs) and the run shares the server with others; NAME: run in that "
       "existing sandbox (the target must offer the capability 'sandboxes', spec/control.yaml)")
      ("fail-fast", "stop starting scenarios after the first failure")
      ("shard", po::value(&shard_text)->value_name("K/N"),
       "run the K-th of N stable parts of the selection (whole folders; the same split on every machine), so a CI "
       "matrix of N jobs runs the suite once; their JUnit reports together hold each testsuite once")
      ("verbose,v", "print every request and response of failed steps")
      ("timeout", po::value(&timeout)->value_name("SECONDS")->default_value(10), "limit for one HTTP exchange")
      ("spec-dir", po::value(&spec_dir)->value_name("DIR"),
       "read openapi.yaml and lifecycle.yaml from DIR instead of the spec built in")
      ("api", po::value(&api_flag)->value_name("NAME"), ApiOptionHelp().c_str())
      ("strict-reference",
       "also judge the reference server's own promises beyond the contract: the x-reference layer of the spec "
       "and the scenarios that require 'reference' (for our server; another implementation need not keep them)")
      ("layer", po::value(&layer)->value_name("LAYER")->default_value("contract"),
       "contract: every rule of the contract (the seed documents and the decisions fixed for the product); seed: "
       "the seed documents' rules alone (what a vendor's real service owes its own documentation), so a check "
       "whose rules are all our decisions is not judged and a scenario that names no seed rule is skipped");
  AddTargetOptions(desc, &target_args);
  AddSelectionOptions(desc, &s);
  po::variables_map vm;
  if (const auto done = ParseCommand(args, desc, &s.paths, &vm, out, err)) return *done;
  auto usage_error = [&](const std::string& message) {
    err << "conformance: error: " << message << "\n(see conformance run --help)\n";
    return kExitUsage;
  };
  if (!ResolveTarget(target_args, vm, env, err, usage_error)) return kExitUsage;
  const bool strict_reference = vm.count("strict-reference") > 0;
  if (jobs < 1 || jobs > 256) return usage_error("--jobs must be 1..256");
  if (!(timeout > 0 && timeout <= 3600)) return usage_error("--timeout must be in (0, 3600] seconds");
  if (layer != "contract" && layer != "seed") return usage_error("--layer is contract or seed, not '" + layer + "'");
  std::optional<Shard> shard;
  if (!shard_text.empty() && !(shard = ParseShard(shard_text)))
    return usage_error("--shard takes K/N with 1 <= K <= N, got '" + shard_text + "'");
  if (layer == "seed" && strict_reference) return usage_error("--layer seed and --strict-reference judge opposite ends");
  // Which sandbox names exist is the target's to say (404 SANDBOX_NOT_FOUND);
  // the runner only keeps the URL one path segment long.
  if (sandbox.find_first_of("/?#% \t\r\n") != std::string::npos || (vm.count("sandbox") && sandbox.empty()))
    return usage_error("--sandbox takes 'new' or a sandbox name, which cannot hold / ? # % or blanks, not '" +
                       sandbox + "'");

  if (api_flag.empty() && target_args.file.spec) api_flag = *target_args.file.spec;
  LoadedSpec spec;
  if (!ResolveApi(api_flag, s.paths, &api, err) ||
      !LoadSpec(spec_dir, &spec, err,
                strict_reference ? purchase::SpecLayer::kReference : purchase::SpecLayer::kContract, api))
    return kExitUsage;
  DefaultToSuite(s, api);
  RuleLedger rules;
  if (!LoadLedger(api, spec_dir, &rules, err)) return kExitUsage;

  // Everything is checked before anything is sent.
  std::vector<Scenario> scenarios;
  std::map<std::string, FixtureRole> roles;
  if (!LoadSelection(s, spec.openapi.get(), &scenarios, err, &roles)) return kExitUsage;
  if (scenarios.empty()) return usage_error("no scenario matches the paths and tags given");
  if (shard) {
    scenarios = ScenariosOfShard(scenarios, *shard);
    // More shards than folders leaves some empty: nothing to run is no failure of the matrix.
    if (scenarios.empty()) {
      out << "shard " << shard->ToString() << ": no scenario (fewer folders than shards)\n";
      return kExitPass;
    }
  }

  if (!ResolveFixtureRoles(roles, target_args, err, usage_error)) return kExitUsage;

  ReportFiles report_files;
  if (const std::string wrong = report_files.Open(reports, spec.lifecycle()); !wrong.empty()) return usage_error(wrong);

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
  if (!ProbeCapabilities(target_args, *probe_client, strict_reference, err)) return kExitUnreachable;
  if (!sandbox.empty()) {
    if (!target.capabilities.count(kSandboxesCapability)) {
      err << "conformance: error: --sandbox: " << target.base_url
          << " offers no sandboxes (GET /_control lists no capability 'sandboxes')\n";
      return kExitUsage;
    }
    // Every request goes to that sandbox, named by the path prefix.
    if (sandbox != "new") target.base_url += "/_sandbox/" + sandbox;
  }

  SystemClock clock;
  RunContext context;
  context.target = &target;
  context.spec = spec.openapi.get();
  context.lifecycle = &spec.lifecycle();
  context.clock = &clock;
  context.run_id = NewRunId();
  context.rules = &rules;
  context.seed_layer_only = layer == "seed";

  ConsoleOptions console_options;
  console_options.live = env.stdout_is_tty && !env.no_color;
  console_options.color = env.stdout_is_tty && !env.no_color;
  console_options.verbose = vm.count("verbose") > 0;
  ConsoleReporter console(out, console_options);
  ListenerList listeners;
  listeners.Add(&console);
  for (auto& r : report_files.reporters) listeners.Add(r.get());

  SuiteOptions options;
  options.jobs = jobs;
  options.fail_fast = vm.count("fail-fast") > 0;
  options.sandbox_per_scenario = sandbox == "new";
  const RunResult run = RunSuite(scenarios, context, make_client, options, listeners);
  if (!report_files.Flush()) {
    err << "conformance: error: writing a report failed\n";
    return kExitUsage;
  }
  if (trace && !trace->ok()) {
    err << "conformance: error: writing the request trace " << trace_path << " failed\n";
    return kExitUsage;
  }
  return run.Count(Outcome::kFailed) > 0 ? kExitFail : kExitPass;
}

int LifecycleCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  std::string format = "svg", spec_dir, output, api = "hl-connector";
  po::options_description desc(
      "conformance lifecycle [--format svg|mermaid] [--output FILE [--check]]: draw spec/lifecycle.yaml");
  desc.add_options()("help,h", "show this help")(
      "format", po::value(&format)->default_value("svg"), "svg (a self-contained picture) or mermaid (a stateDiagram)")(
      "output", po::value(&output)->value_name("FILE"), "write to FILE instead of standard output")(
      "check", "with --output: write nothing, fail (exit 1) if FILE differs from what would be written")(
      "spec-dir", po::value(&spec_dir)->value_name("DIR"), "draw DIR/lifecycle.yaml instead of the spec built in")(
      "api", po::value(&api)->value_name("NAME"), "draw this API's lifecycle (spec/<api>/lifecycle.yaml)");
  po::variables_map vm;
  std::vector<std::string> positional;
  if (const auto done = ParseCommand(args, desc, &positional, &vm, out, err)) return *done;
  if (!positional.empty() || (format != "svg" && format != "mermaid")) {
    err << "conformance: error: lifecycle takes --format svg or mermaid and no paths\n(see conformance lifecycle --help)\n";
    return kExitUsage;
  }
  LoadedSpec spec;
  if (!ResolveApi(api, {}, &api, err) || !LoadSpec(spec_dir, &spec, err, purchase::SpecLayer::kContract, api))
    return kExitUsage;
  const purchase::profiles::ProfileEntry* profile = purchase::profiles::FindProfile(api);
  const std::string title = profile ? "the " + api + " lifecycle (" + profile->spec_dir + "/lifecycle.yaml)"
                                    : "the order lifecycle (spec/lifecycle.yaml)";
  const std::string text = format == "svg" ? LifecycleSvg(spec.lifecycle(), title) : LifecycleMermaid(spec.lifecycle());
  if (output.empty()) {
    out << text;
    return kExitPass;
  }
  if (vm.count("check")) {
    if (ReadFile(output) != text) {
      err << "conformance: error: " << output << " is out of date; regenerate it with `conformance lifecycle --format "
          << format << " --output " << output << "`\n";
      return kExitFail;
    }
    return kExitPass;
  }
  std::ofstream file(output, std::ios::binary | std::ios::trunc);
  file << text;
  if (!file.flush()) {
    err << "conformance: error: cannot write " << output << "\n";
    return kExitUsage;
  }
  return kExitPass;
}

// The file a finding's scenario is written to, named after what failed.
std::string FindingFileName(const explore::Finding& f) {
  std::string aspect;
  for (char c : f.mismatch.aspect) aspect += std::isalnum(static_cast<unsigned char>(c)) ? c : '-';
  while (!aspect.empty() && aspect.front() == '-') aspect.erase(0, 1);
  return std::string("explore-") + explore::KindName(f.mismatch.kind) + "-" + aspect + "-" +
         std::to_string(f.sequence_seed) + ".yaml";
}

int Explore(const std::vector<std::string>& args, std::ostream& out, std::ostream& err, const Environment& env) {
  TargetArgs target_args;
  Target& target = target_args.target;
  explore::ExploreOptions options;
  explore::GeneratorOptions generator;
  double timeout = 10, token_ttl = 900, url_ttl = 600;
  std::string emit_dir, reference_fixtures, roles_file;
  std::vector<std::string> reports;
  int concurrent = 0, jobs = 1;
  std::string api, sandbox, shard_text;
  po::options_description desc(
      "conformance explore --target URL --token TOKEN [options]\n"
      "Generates random request sequences, runs each on the target and on the reference core in-process, and\n"
      "reports every distinct way the target answers otherwise, shrunk to a scenario file. The target needs the\n"
      "control API's reset and a manual clock (GET /_control). Exit 0: nothing found; 1: a failure found");
  desc.add_options()("help,h", "show this help");
  AddTargetOptions(desc, &target_args);
  desc.add_options()
      ("api", po::value(&api)->value_name("NAME"),
       "explore a profile (imaging-catalog, sheetmusicdirect, tabs): requests from scenarios/NAME/, the oracle an "
       "in-process ProfileHost (conformance/explore/profile_explore.h); --sequences defaults to 40")
      ("seed", po::value(&options.seed)->default_value(1), "the first sequence's seed; sequence i has seed + i (a failure prints its seed: --seed S --sequences 1 replays it)")
      ("sequences", po::value(&options.sequences)->default_value(0), "how many sequences (0: as many as --budget allows)")
      ("shard", po::value(&shard_text)->value_name("K/N"),
       "run the K-th of N parts of the seeds (sequence i of this shard has seed S + K - 1 + i * N), so N machines "
       "with one --seed run each seed once")
      ("steps", po::value(&generator.steps)->default_value(25), "commands per sequence")
      ("budget", po::value(&options.budget_seconds)->default_value(30), "seconds to look for failures (shrinking not counted)")
      ("shrink-budget", po::value(&options.shrink_budget_seconds)->default_value(10), "seconds to shrink each distinct failure")
      ("max-failures", po::value(&options.max_failures)->default_value(0), "stop after this many distinct failures (0: use the whole budget)")
      ("jobs,j", po::value(&jobs)->value_name("N")->default_value(1),
       "run sequences on N sandboxes of the target at once (it must offer 'sandboxes', spec/control.yaml), each "
       "created for the run and deleted after; with --sequences the findings are those of --jobs 1")
      ("sandbox", po::value(&sandbox)->value_name("new"),
       "new: explore in sandboxes of the target even with --jobs 1, so that explore shares a server with other "
       "jobs (each sequence resets its sandbox, never the server)")
      ("concurrent", po::value(&concurrent)->default_value(0),
       "then run this many race cases: a sequential prefix, then 2-3 clients of at most 5 requests in parallel, "
       "judged by whether some order of them explains every answer (linearizability; a search that runs out is "
       "'unknown', never a pass)")
      ("emit", po::value(&emit_dir)->value_name("DIR"), "write each failure as a scenario file into DIR (replay it with conformance run)")
      ("report", po::value(&reports)->composing()->value_name("junit=FILE|json=FILE"), "write a report (repeatable)")
      ("reference-fixtures", po::value(&reference_fixtures)->value_name("DIR"),
       "the catalog the in-process reference loads (default: fixtures/ here, else the source tree's); its roles must "
       "match the target's")
      ("fixture-roles", po::value(&roles_file)->value_name("FILE"), "the fixture roles (default: scenarios/_fixtures.yaml)")
      ("token-ttl", po::value(&token_ttl)->default_value(900), "the target's token lifetime, seconds")
      ("url-ttl", po::value(&url_ttl)->default_value(600), "the target's signed URL lifetime, seconds")
      ("timeout", po::value(&timeout)->default_value(10), "limit for one HTTP exchange, seconds")
      ("strict-reference", "also judge answers by the spec's reference layer (for our server)")
      ("no-zero-delay",
       "generate no fulfillment fault rule due at the register instant itself (an implementation that settles such "
       "an order only at the next clock move breaks issue 2's 'settles when the clock reaches its due time (due <= "
       "now)'; this judges the rest of it)")
      ("open-choices", "print what the oracle never compares, and why, then exit");
  po::variables_map vm;
  std::vector<std::string> positional;
  if (const auto done = ParseCommand(args, desc, &positional, &vm, out, err)) return *done;
  if (vm.count("open-choices")) {
    out << explore::kOpenChoices << "\n";
    return kExitPass;
  }
  auto usage_error = [&](const std::string& message) {
    err << "conformance: error: " << message << "\n(see conformance explore --help)\n";
    return kExitUsage;
  };
  if (!positional.empty()) return usage_error("explore takes no paths, got '" + positional.front() + "'");
  if (!shard_text.empty()) {
    const std::optional<Shard> shard = ParseShard(shard_text);
    if (!shard) return usage_error("--shard takes K/N with 1 <= K <= N, got '" + shard_text + "'");
    options.seed += static_cast<uint64_t>(shard->index - 1);
    options.seed_stride = static_cast<uint64_t>(shard->count);
  }
  if (!ResolveTarget(target_args, vm, env, err, usage_error)) return kExitUsage;
  // Both explorers write the same reports (explore/explore_report.h).
  std::vector<std::pair<std::string, std::unique_ptr<std::ofstream>>> report_files;
  for (const auto& r : reports) {
    const size_t eq = r.find('=');
    const std::string kind = r.substr(0, eq), path = eq == std::string::npos ? "" : r.substr(eq + 1);
    if ((kind != "junit" && kind != "json") || path.empty())
      return usage_error("--report takes junit=FILE or json=FILE, got '" + r + "'");
    report_files.emplace_back(kind, std::make_unique<std::ofstream>(path, std::ios::binary | std::ios::trunc));
    if (!*report_files.back().second) return usage_error("cannot write " + path);
  }
  if (!api.empty() && api != "hl-connector") {
    if (!purchase::profiles::FindProfile(api)) return usage_error("--api: no profile '" + api + "'");
    explore::ProfileExploreArgs pa;
    pa.api = api;
    pa.scenarios_dir = SuiteDir(api);
    pa.fixtures_dir = !reference_fixtures.empty()               ? reference_fixtures
                                                   : purchase::DataPath("fixtures/" + api);
    pa.strict_reference = vm.count("strict-reference") > 0;
    const LoadResult roles = LoadFixtureRoles(pa.scenarios_dir + "/_fixtures.yaml");
    for (const auto& d : roles.errors) err << d.ToString() << "\n";
    if (!roles.errors.empty()) return kExitUsage;
    if (!ResolveFixtureRoles(roles.fixture_roles, target_args, err, usage_error)) return kExitUsage;
    pa.emit_dir = emit_dir;
    pa.base_url = target.base_url;
    pa.token = target.token;
    pa.token_b = target.token_b;
    pa.control_token = target.control_token;
    pa.roles = target.fixtures;
    pa.options.seed = options.seed;
    pa.options.seed_stride = options.seed_stride;
    pa.options.steps = generator.steps;
    pa.timeout_ms = static_cast<long>(timeout * 1000);
    pa.options.budget_seconds = options.budget_seconds;
    pa.options.sequences = vm["sequences"].defaulted() ? 40 : options.sequences;
    if (jobs < 1 || jobs > 64) return usage_error("--jobs must be 1..64");
    if (!sandbox.empty() && sandbox != "new") return usage_error("explore --sandbox takes 'new', not '" + sandbox + "'");
    pa.jobs = jobs;
    pa.in_sandboxes = jobs > 1 || sandbox == "new";
    for (auto& [kind, file] : report_files) pa.reports.emplace_back(kind, file.get());
    const int code = explore::RunProfileExplore(pa, out, err);
    for (auto& [kind, file] : report_files) {
      file->flush();
      if (!*file) {
        err << "conformance: error: writing a report failed\n";
        return kExitUsage;
      }
    }
    return code;
  }
  if (generator.steps < 1 || generator.steps > 1000) return usage_error("--steps must be 1..1000");
  if (options.sequences < 0) return usage_error("--sequences must be >= 0");
  if (jobs < 1 || jobs > 64) return usage_error("--jobs must be 1..64");
  // Checked before anything is sent.
  if (!sandbox.empty() && sandbox != "new") return usage_error("explore --sandbox takes 'new', not '" + sandbox + "'");
  if (!(options.budget_seconds > 0) || !(options.shrink_budget_seconds >= 0))
    return usage_error("--budget must be > 0 and --shrink-budget >= 0");
  if (!(timeout > 0 && timeout <= 3600)) return usage_error("--timeout must be in (0, 3600] seconds");
  if (!(token_ttl > 0) || !(url_ttl > 0)) return usage_error("--token-ttl and --url-ttl must be > 0");
  if (roles_file.empty()) roles_file = SuiteDir("hl-connector") + "/_fixtures.yaml";
  if (reference_fixtures.empty())
    reference_fixtures = purchase::DataPath("fixtures", "fixtures/catalog.yaml");
  const LoadResult loaded_roles = LoadFixtureRoles(roles_file);
  for (const auto& d : loaded_roles.errors) err << d.ToString() << "\n";
  if (!loaded_roles.errors.empty()) return kExitUsage;
  if (!ResolveFixtureRoles(loaded_roles.fixture_roles, target_args, err, usage_error)) return kExitUsage;
  const bool strict_reference = vm.count("strict-reference") > 0;
  LoadedSpec spec;
  if (!LoadSpec("", &spec, err, strict_reference ? purchase::SpecLayer::kReference : purchase::SpecLayer::kContract))
    return kExitUsage;

  if (!emit_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(emit_dir, ec);
    if (ec) return usage_error("--emit: cannot create " + emit_dir + ": " + ec.message());
  }

  std::unique_ptr<explore::ReferenceTarget> reference;
  try {
    explore::ReferenceOptions ro;
    ro.fixtures_dir = reference_fixtures;
    ro.token_ttl_seconds = token_ttl;
    ro.url_ttl_seconds = url_ttl;
    reference = std::make_unique<explore::ReferenceTarget>(ro);
  } catch (const purchase::SpecError& e) {
    err << e.what() << "\n";
    return kExitUsage;
  }

  HttpClientOptions http;
  http.timeout_ms = static_cast<long>(timeout * 1000);
  http.connect_timeout_ms = std::min<long>(http.timeout_ms, 5000);
  auto client = env.new_client ? env.new_client(http) : NewCurlHttpClient(http);
  if (!ProbeCapabilities(target_args, *client, strict_reference, err)) return kExitUnreachable;
  for (const char* needed : {"reset", "clock"})
    if (!target.capabilities.count(needed) || !target.manual_clock) {
      err << "conformance: error: explore needs the target's control API with '" << needed
          << "' and a manual clock (it resets the target before each sequence and moves its clock); GET /_control "
             "does not offer it\n";
      return kExitUsage;
    }

  explore::Side target_side{"target", client.get(), target.base_url, target.token, target.token_b,
                            target.control_token, {}};
  explore::Side reference_side{"reference", reference.get(), explore::ReferenceTarget::kBaseUrl,
                               reference->VendorToken(0), reference->VendorToken(1), "", {}};
  for (const auto& [name, role] : loaded_roles.fixture_roles) {
    reference_side.roles[name] = role.default_value;
    if (const auto& value = target.fixtures[name]) target_side.roles[name] = *value;
  }
  generator.second_vendor = !target.token_b.empty();
  generator.faults = target.capabilities.count("faults") > 0;
  generator.history = target.capabilities.count("history") > 0;
  generator.cancel_after = generator.faults && (strict_reference || explore::TakesCancelAfter(target_side));
  generator.item_ids = strict_reference;
  generator.zero_delays = !vm.count("no-zero-delay");
  for (const auto& role : explore::AssetRoles())
    if (target_side.roles.count(role)) generator.asset_roles.push_back(role);
  for (const auto& role : explore::IpRoles())
    if (target_side.roles.count(role)) generator.ip_roles.push_back(role);

  // --jobs N: worker w explores in a sandbox of its own, on its own client
  // and in-process reference; worker 0 shrinks. One job: the target itself.
  struct Worker {
    std::unique_ptr<ScopedSandbox> sandbox;  // none without --jobs or --sandbox
    std::unique_ptr<HttpClient> client;
    std::unique_ptr<explore::ReferenceTarget> reference;
    std::unique_ptr<explore::Executor> executor;
  };
  // Declared after `client`, which deletes the sandboxes when they go.
  std::vector<Worker> workers;
  const std::string run_id = NewRunId();
  const bool in_sandboxes = jobs > 1 || sandbox == "new";
  if (in_sandboxes && !target.capabilities.count(kSandboxesCapability)) {
    err << "conformance: error: " << (jobs > 1 ? "--jobs " + std::to_string(jobs) : std::string("--sandbox new"))
        << ": " << target.base_url
        << " offers no sandboxes (GET /_control lists no capability 'sandboxes'); run with --jobs 1 and no --sandbox\n";
    return kExitUsage;
  }
  for (int w = 0; w < jobs; ++w) {
    Worker worker;
    explore::Side side = target_side;
    if (in_sandboxes) {
      worker.sandbox = std::make_unique<ScopedSandbox>(*client, target.base_url, target.control_token,
                                                       "explore-" + run_id + "-" + std::to_string(w + 1));
      if (!worker.sandbox->error().empty()) {
        err << "conformance: error: cannot create a sandbox on " << target.base_url << ": "
            << worker.sandbox->error() << "\n";
        return kExitUsage;
      }
      worker.client = env.new_client ? env.new_client(http) : NewCurlHttpClient(http);
      side.client = worker.client.get();
      side.base_url = worker.sandbox->url();
    }
    explore::Side reference_of_worker = reference_side;
    if (w > 0) {
      explore::ReferenceOptions ro;
      ro.fixtures_dir = reference_fixtures;
      ro.token_ttl_seconds = token_ttl;
      ro.url_ttl_seconds = url_ttl;
      worker.reference = std::make_unique<explore::ReferenceTarget>(ro);
      reference_of_worker.client = worker.reference.get();
    }
    worker.executor = std::make_unique<explore::Executor>(side, reference_of_worker, *spec.openapi, spec.lifecycle(),
                                                          strict_reference);
    workers.push_back(std::move(worker));
  }
  std::vector<explore::Executor*> executors;
  for (auto& w : workers) executors.push_back(w.executor.get());
  explore::Executor& executor = *executors.front();
  const auto start = std::chrono::steady_clock::now();
  const explore::SecondsClock seconds = [start] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  out << "conformance explore: " << target.base_url << ", seed " << options.seed << ", " << generator.steps
      << " commands a sequence, budget " << options.budget_seconds << " s"
      << (in_sandboxes ? ", " + std::to_string(jobs) + " job" + (jobs == 1 ? "" : "s") + " in sandboxes" : "") << "\n";
  const explore::ExploreResult result =
      explore::ExploreInParallel(executors, reference_side, generator, options, seconds, out);

  // Races: each case's verdict; only "not linearizable" fails the run.
  std::vector<std::pair<explore::ConcurrentCase, explore::ConcurrentResult>> races;
  int verdicts[3] = {0, 0, 0};
  if (concurrent > 0) {
    if (!(target.capabilities.count("reset") && target.manual_clock)) return usage_error("--concurrent needs reset and a manual clock");
    auto new_client = [&env, http]() { return env.new_client ? env.new_client(http) : NewCurlHttpClient(http); };
    for (int i = 0; i < concurrent; ++i) {
      explore::ConcurrentCase race = explore::GenerateConcurrentCase(options.SeedOf(i), generator);
      explore::ConcurrentResult r = explore::RunConcurrentCase(race, executor, new_client, explore::SearchLimits{}, seconds);
      ++verdicts[static_cast<int>(r.verdict)];
      if (r.verdict != explore::Verdict::kLinearizable) {
        out << (r.verdict == explore::Verdict::kUnknown ? "UNKNOWN" : "FAIL") << " race (seed "
            << options.SeedOf(i) << ", " << race.pattern << "): " << r.explanation << "\n";
        for (const auto& a : r.answers)
          out << "    client " << a.client + 1 << ": " << explore::Describe(a.command) << " -> " << a.response.status
              << " (sent at " << static_cast<long>(a.sent * 1000) << " ms, answered at "
              << static_cast<long>(a.answered * 1000) << " ms)\n";
        races.emplace_back(std::move(race), std::move(r));
      }
    }
    out << "explore: " << concurrent << " race case" << (concurrent == 1 ? "" : "s") << ": " << verdicts[0]
        << " linearizable, " << verdicts[1] << " not linearizable, " << verdicts[2] << " unknown\n";
  }

  std::vector<std::string> scenario_files;
  if (!emit_dir.empty() && !result.findings.empty()) {
    // The roles the files name, beside them, so that the folder replays on its own.
    std::error_code ec;
    const auto roles_copy = std::filesystem::path(emit_dir) / "_fixtures.yaml";
    if (!std::filesystem::equivalent(roles_file, roles_copy, ec))
      std::filesystem::copy_file(roles_file, roles_copy, std::filesystem::copy_options::overwrite_existing, ec);
    if (ec) err << "conformance: warning: cannot copy " << roles_file << " to " << roles_copy.string() << ": " << ec.message() << "\n";
  }
  // Each finding names the rules of the operation whose answer differed, as
  // spec/openapi.yaml's `# rule:` comments say (the operation's, then its
  // response's components).
  const RuleLedger rules = LedgerForApi("hl-connector");
  auto rule_ids = [&](const explore::Finding& f) -> std::vector<std::string> {
    if (f.mismatch.step >= f.run.steps.size()) return {};
    const explore::StepRecord& step = f.run.steps[f.mismatch.step];
    std::string path = step.target_request.url;
    if (path.rfind(executor.target().base_url, 0) == 0) path.erase(0, executor.target().base_url.size());
    path = path.substr(0, path.find('?'));
    return spec.openapi->RulesOf(step.target_request.method, path, step.reference.status, "");
  };
  for (const auto& f : result.findings) {
    std::string file;
    if (!emit_dir.empty()) {
      explore::EmitInfo info;
      info.rules = rule_ids(f);
      info.description = "Found by conformance explore (sequence seed " + std::to_string(f.sequence_seed) + ", " +
                         std::to_string(f.generated_length) + " commands shrunk to " + std::to_string(f.shrunk.size()) +
                         "): at the last step, " + f.mismatch.Message() + ".";
      if (f.flaky) info.tags.push_back("flaky");
      file = (std::filesystem::path(emit_dir) / FindingFileName(f)).string();
      std::ofstream(file, std::ios::binary) << explore::EmitScenario(f.run, info);
    }
    scenario_files.push_back(file);
    out << "FAIL " << f.mismatch.Message() << "\n  sequence seed " << f.sequence_seed << " (replay: --seed "
        << f.sequence_seed << " --sequences 1 --steps " << generator.steps << "), found after "
        << static_cast<long>(f.seconds_to_find * 1000) << " ms; " << f.generated_length << " commands shrunk to "
        << f.shrunk.size() << " in " << f.shrink_runs << " runs, " << static_cast<long>(f.shrink_seconds * 1000)
        << " ms" << (f.flaky ? "; FLAKY: it did not fail every time it was re-run" : "")
        << (f.occurrences > 1 ? "; seen in " + std::to_string(f.occurrences) + " sequences" : "") << "\n";
    for (const std::string& note : RuleNotes(rules, rule_ids(f))) out << "  " << note << "\n";
    for (size_t i = 0; i < f.shrunk.size(); ++i)
      out << "    " << explore::Describe(f.shrunk[i]) << "\n";
    if (!file.empty()) out << "  scenario: " << file << "\n";
  }
  out << "explore: " << result.sequences << " sequences, " << result.commands << " commands in "
      << static_cast<long>(result.seconds * 1000) << " ms: " << result.findings.size() << " distinct failure"
      << (result.findings.size() == 1 ? "" : "s") << "\n";

  explore::ExploreReport report;
  report.api = "hl-connector";
  report.target = target.base_url;
  report.seed = options.seed;
  report.sequences = result.sequences;
  report.commands = result.commands;
  report.seconds = result.seconds;
  for (size_t i = 0; i < result.findings.size(); ++i) {
    const auto& f = result.findings[i];
    explore::ExploreReportFinding e;
    e.cause = f.mismatch.Cause();
    e.message = f.mismatch.Message();
    e.command = explore::KindName(f.mismatch.kind);
    e.aspect = f.mismatch.aspect;
    e.expected = f.mismatch.expected;
    e.actual = f.mismatch.actual;
    e.rules = rule_ids(f);
    e.rule_notes = RuleNotes(rules, e.rules);
    e.sequence_seed = f.sequence_seed;
    e.generated_length = f.generated_length;
    e.shrunk_length = f.shrunk.size();
    e.seconds_to_find = f.seconds_to_find;
    e.shrink_seconds = f.shrink_seconds;
    e.shrink_runs = f.shrink_runs;
    e.occurrences = f.occurrences;
    e.flaky = f.flaky;
    e.scenario = scenario_files[i];
    for (const auto& c : f.shrunk) e.commands.push_back(explore::Describe(c));
    report.findings.push_back(std::move(e));
  }
  explore::ExploreReportRaces race_report;
  race_report.cases = concurrent;
  race_report.linearizable = verdicts[0];
  race_report.not_linearizable = verdicts[1];
  race_report.unknown = verdicts[2];
  for (const auto& [race, r] : races)
    race_report.reported.push_back({race.pattern, explore::VerdictName(r.verdict), r.explanation, r.nodes});
  report.races = race_report;
  for (auto& [kind, file] : report_files) {
    if (kind == "json")
      explore::WriteExploreJson(report, *file);
    else
      explore::WriteExploreJunit(report, *file);
    file->flush();
    if (!*file) {
      err << "conformance: error: writing a report failed\n";
      return kExitUsage;
    }
  }
  return result.findings.empty() && verdicts[1] == 0 ? kExitPass : kExitFail;
}

// Prints the spec an API is judged by: for a profile, its openapi.yaml with
// spec/control.yaml merged in (what the lint reads).
int SpecCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  std::string api;
  po::options_description desc("conformance spec --api NAME: print the OpenAPI document the runner judges NAME by");
  desc.add_options()("help,h", "show this help")("api", po::value(&api)->value_name("NAME"), ApiOptionHelp().c_str());
  po::variables_map vm;
  std::vector<std::string> positional;
  if (const auto done = ParseCommand(args, desc, &positional, &vm, out, err)) return *done;
  if (api.empty() || api == "hl-connector") {
    out << spec_files::kOpenapiYaml;
    return kExitPass;
  }
  const purchase::profiles::ProfileEntry* profile = purchase::profiles::FindProfile(api);
  if (!profile) {
    err << "conformance: error: no API is called '" << api << "' (see conformance spec --help)\n";
    return kExitUsage;
  }
  try {
    out << purchase::profiles::MergedOpenApi(*profile);
  } catch (const purchase::SpecError& e) {
    err << e.what() << "\n";
    return kExitUsage;
  }
  return kExitPass;
}

// What --record needs of the target: its API, the fixture roles' values (our
// fixtures' defaults, then the target file's vars:) and the tokens it names
// (CONFORMANCE_TOKEN and _B, else the target file's). Returns false after
// printing why.
bool RecordingOptions(const std::string& api, const std::optional<TargetFile>& file, const Environment& env,
                      RecordOptions* o, std::ostream& err) {
  const std::string roles_file = SuiteDir(api) + "/_fixtures.yaml";
  const LoadResult roles = LoadFixtureRoles(roles_file);
  for (const auto& d : roles.errors) err << d.ToString() << "\n";
  if (!roles.errors.empty()) return false;
  // A limit is the target's own: ours only without a target file (as in run).
  for (const auto& [name, role] : roles.fixture_roles)
    if (!role.limit || !file) o->roles[name] = role.default_value;
  if (file)
    for (const auto& [name, value] : file->vars) {
      if (value) o->roles[name] = *value;
      else o->roles.erase(name);
    }
  o->api = api == "hl-connector" ? "" : api;
  o->token = !env.token.empty() || !file || !file->token ? env.token : *file->token;
  o->token_b = !env.token_b.empty() || !file || !file->token_b ? env.token_b : *file->token_b;
  return true;
}

// Quotes `s` for /bin/sh.
std::string ShellQuoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// Runs a shell command; returns its standard output when it exits 0.
std::optional<std::string> CommandOutput(const std::string& command) {
  FILE* pipe = popen((command + " 2>/dev/null").c_str(), "r");
  if (!pipe) return std::nullopt;
  std::string text;
  char buffer[4096];
  for (size_t n; (n = fread(buffer, 1, sizeof buffer, pipe)) > 0;) text.append(buffer, n);
  return pclose(pipe) == 0 ? std::optional<std::string>(text) : std::nullopt;
}

// One version of a contract for `diff`: the files of a folder, or of
// REV:PATH in the git repository at `git_dir` (`default_path` when the
// argument is a bare revision). Returns false after printing why.
bool ReadContract(const std::string& arg, const std::string& default_path, const std::string& git_dir,
                  ContractTexts* contract, std::ostream& err) {
  contract->name = arg;
  struct File {
    const char* name;
    std::string* text;
    bool required;
  };
  const File files[] = {{"openapi.yaml", &contract->openapi, true},
                        {"lifecycle.yaml", &contract->lifecycle, true},
                        {"rules.yaml", &contract->rules, false},
                        {"errors.yaml", &contract->errors, false}};
  if (std::filesystem::is_directory(arg)) {
    for (const File& f : files) {
      auto read = ReadFile(arg + "/" + f.name);
      if (!read && f.required) {
        err << "conformance: error: cannot read " << arg << "/" << f.name << "\n";
        return false;
      }
      *f.text = read.value_or("");
    }
    return true;
  }
  const size_t colon = arg.find(':');
  const std::string rev = arg.substr(0, colon);
  std::string path = colon == std::string::npos ? default_path : arg.substr(colon + 1);
  while (!path.empty() && path.back() == '/') path.pop_back();
  contract->name = rev + ":" + path;
  const std::string git = "git -C " + ShellQuoted(git_dir);
  if (rev.empty() || !CommandOutput(git + " rev-parse --verify --quiet " + ShellQuoted(rev + "^{commit}"))) {
    err << "conformance: error: '" << arg << "' is neither a folder nor a git revision"
        << (colon == std::string::npos ? "" : " (no revision '" + rev + "' in " + git_dir + ")")
        << "\n(see conformance diff --help)\n";
    return false;
  }
  for (const File& f : files) {
    auto shown = CommandOutput(git + " show " + ShellQuoted(rev + ":" + path + "/" + f.name));
    if (!shown && f.required) {
      err << "conformance: error: git has no " << rev << ":" << path << "/" << f.name << "\n";
      return false;
    }
    *f.text = shown.value_or("");
  }
  return true;
}

// `conformance diff OLD NEW`: every change between two versions of a
// contract, classified (diff/contract_diff.h); exit 1 when one breaks.
int DiffCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  std::string api = "hl-connector", git_dir = ".";
  po::options_description desc(
      "conformance diff OLD NEW: every change between two versions of a contract, and whom it breaks.\n"
      "OLD and NEW are folders holding openapi.yaml and lifecycle.yaml (rules.yaml, errors.yaml if there),\n"
      "or git revisions REV:PATH (e.g. HEAD~1:spec/tabs; a bare REV reads the --api's folder)");
  desc.add_options()("help,h", "show this help")(
      "api", po::value(&api)->value_name("NAME"), "the API whose folder a bare REV reads: spec/ or spec/<api>/")(
      "json", "print a JSON document instead of text")(
      "strict-reference", "compare the reference layer too (x-reference members), not the contract alone")(
      "git-dir,C", po::value(&git_dir)->value_name("DIR"), "the git repository REV:PATH is read from (default .)");
  po::variables_map vm;
  std::vector<std::string> positional;
  if (const auto done = ParseCommand(args, desc, &positional, &vm, out, err)) return *done;
  if (positional.size() != 2) {
    err << "conformance: error: diff takes two contracts, OLD and NEW\n(see conformance diff --help)\n";
    return kExitUsage;
  }
  if (api != "hl-connector" && !purchase::profiles::FindProfile(api)) {
    err << "conformance: error: no API is called '" << api << "' (see conformance diff --help)\n";
    return kExitUsage;
  }
  const std::string default_path = api == "hl-connector" ? "spec" : "spec/" + api;
  ContractTexts old_contract, new_contract;
  if (!ReadContract(positional[0], default_path, git_dir, &old_contract, err) ||
      !ReadContract(positional[1], default_path, git_dir, &new_contract, err))
    return kExitUsage;
  std::vector<ContractChange> changes;
  try {
    changes = DiffContracts(old_contract, new_contract, {vm.count("strict-reference") > 0});
  } catch (const purchase::SpecError& e) {
    err << e.what() << "\n";
    return kExitUsage;
  }
  out << (vm.count("json") ? DiffJson(changes) : DiffText(changes));
  const bool breaking = std::any_of(changes.begin(), changes.end(), [](const auto& c) { return c.Breaking(); });
  return breaking ? kExitFail : kExitPass;
}

}  // namespace

// `conformance proxy`: forwards a client's traffic to a service and judges
// every exchange (proxy/judging_proxy.h) until stopped.
int Proxy(const std::vector<std::string>& args, std::ostream& out, std::ostream& err, const Environment& env) {
  std::string listen = "127.0.0.1:8081", upstream, api_flag, api, spec_dir, target_file, record_dir;
  double duration = 0, timeout = 30;
  uint64_t max_exchanges = 0;
  int threads = 0;
  std::vector<std::string> reports;
  po::options_description desc(
      "conformance proxy --upstream URL [--listen HOST:PORT] [--api NAME] [options]\n"
      "Passes every request of a client to the upstream service and its answer back, unchanged, and judges each\n"
      "exchange: the request against the spec's request schemas and security (the client's mistakes), the answer\n"
      "against its response schemas and error codes, every order through the lifecycle (the service's). One line\n"
      "per exchange, each violation under it; at the end (Ctrl-C, SIGTERM, --duration, --exchanges) a summary.\n"
      "Exit 0 when nothing was broken, 1 when a violation was seen or the upstream failed");
  desc.add_options()
      ("help,h", "show this help")
      ("upstream", po::value(&upstream)->value_name("URL"), "the service: http://host:port[/base] or https://...")
      ("listen", po::value(&listen)->value_name("HOST:PORT")->default_value(listen),
       "where clients connect (port 0: a free one, printed); loopback unless told otherwise")
      ("api", po::value(&api_flag)->value_name("NAME"), ApiOptionHelp().c_str())
      ("target-file", po::value(&target_file)->value_name("FILE"), "the target file of the service: its spec: names the API")
      ("spec-dir", po::value(&spec_dir)->value_name("DIR"), "read openapi.yaml and lifecycle.yaml from DIR")
      ("strict-reference", "also judge the reference server's own promises beyond the contract (x-reference)")
      ("quiet,q", "print only the exchanges that broke something (and the summary)")
      ("preserve-host", "send the client's Host header to the upstream (instead of the upstream's own), so that a "
       "server that builds URLs from it, as the reference server's signed URLs, points them at the proxy")
      ("duration", po::value(&duration)->value_name("SECONDS"), "stop after this long")
      ("exchanges", po::value(&max_exchanges)->value_name("N"), "stop after N exchanges")
      ("timeout", po::value(&timeout)->value_name("SECONDS")->default_value(30), "limit for one upstream exchange")
      ("threads", po::value(&threads)->value_name("N"),
       "event loops (default: one per CPU); an https upstream is waited on by its loop, one exchange at a time, "
       "so there each thread is one request forwarded at once (default 16)")
      ("report", po::value(&reports)->composing()->value_name("KIND=FILE"),
       "at the end, write the session as `run` writes a run: junit=FILE, json=FILE or html=FILE (repeatable); one "
       "test case per client flow (an order, with what its client did before it), one step per exchange, each "
       "violation a failure naming its side; the HTML draws each order on the lifecycle. Keeps every exchange "
       "in memory until the end")
      ("record", po::value(&record_dir)->value_name("DIR"),
       "at the end, write the session into DIR (new or empty) as a scenario suite `conformance run` replays: one "
       "scenario per client flow, the ids, tokens and URLs answers handed out captured, never a credential")
      ("record-secrets", "with --record: write the credentials the target file does not name as sent (else redacted)");
  po::variables_map vm;
  std::vector<std::string> positional;
  if (const auto done = ParseCommand(args, desc, &positional, &vm, out, err)) return *done;
  auto usage_error = [&](const std::string& message) {
    err << "conformance: error: " << message << "\n(see conformance proxy --help)\n";
    return kExitUsage;
  };
  if (!positional.empty()) return usage_error("proxy takes no paths, got '" + positional[0] + "'");
  if (upstream.rfind("http://", 0) != 0 && upstream.rfind("https://", 0) != 0)
    return usage_error("--upstream must be an http:// or https:// URL, got '" + upstream + "'");
  while (!upstream.empty() && upstream.back() == '/') upstream.pop_back();
  const size_t colon = listen.rfind(':');
  ProxyHostOptions server;
  try {
    if (colon == std::string::npos || colon == 0) throw std::invalid_argument("no port");
    const unsigned long port = std::stoul(listen.substr(colon + 1));
    if (port > 65535) throw std::invalid_argument("port");
    server.host = listen.substr(0, colon);
    server.port = static_cast<uint16_t>(port);
  } catch (const std::exception&) {
    return usage_error("--listen takes HOST:PORT (127.0.0.1:8081), got '" + listen + "'");
  }
  if (!(duration >= 0) || !(timeout > 0 && timeout <= 3600)) return usage_error("--duration and --timeout are seconds");
  if (vm.count("threads") && (threads < 1 || threads > 64)) return usage_error("--threads must be 1..64");
  if (vm.count("record-secrets") && record_dir.empty()) return usage_error("--record-secrets goes with --record DIR");
  std::optional<TargetFile> file;
  if (!target_file.empty()) {
    const auto text = ReadFile(target_file);
    if (!text) return usage_error("--target-file: cannot read " + target_file);
    try {
      file = ParseTargetFile(*text, target_file);
      if (api_flag.empty() && file->spec) api_flag = *file->spec;
    } catch (const purchase::SpecError& e) {
      err << e.what() << "\n";
      return kExitUsage;
    }
  }
  LoadedSpec spec;
  if (!ResolveApi(api_flag, {}, &api, err) ||
      !LoadSpec(spec_dir, &spec, err,
                vm.count("strict-reference") ? purchase::SpecLayer::kReference : purchase::SpecLayer::kContract, api))
    return kExitUsage;
  RuleLedger rules;
  if (!LoadLedger(api, spec_dir, &rules, err)) return kExitUsage;
  ReportFiles report_files;
  if (const std::string wrong = report_files.Open(reports, spec.lifecycle()); !wrong.empty()) return usage_error(wrong);
  RecordOptions record;
  if (!record_dir.empty()) {
    // Checked before anything is forwarded: a session is not to be lost at its end.
    std::error_code ec;
    if (std::filesystem::exists(record_dir, ec) && !std::filesystem::is_empty(record_dir, ec))
      return usage_error("--record: " + record_dir + " is not empty (a recording goes into a folder of its own)");
    std::filesystem::create_directories(record_dir, ec);
    if (ec) return usage_error("--record: cannot create " + record_dir + ": " + ec.message());
    if (!RecordingOptions(api, file, env, &record, err)) return kExitUsage;
    record.keep_secrets = vm.count("record-secrets") > 0;
    record.upstream = upstream;
    record.recorded_at = FormatTimestamp(std::chrono::system_clock::now());
    record.lifecycle = &spec.lifecycle();
    record.spec = spec.openapi.get();
  }

  HttpClientOptions http;
  http.timeout_ms = static_cast<long>(timeout * 1000);
  http.connect_timeout_ms = std::min<long>(http.timeout_ms, 5000);
  std::atomic<uint64_t> exchanges{0};
  ProxyOptions options;
  options.upstream = upstream;
  options.spec = spec.openapi.get();
  options.lifecycle = &spec.lifecycle();
  options.new_client = [&env, http] { return env.new_client ? env.new_client(http) : NewCurlHttpClient(http); };
  options.log = &out;
  options.preserve_host = vm.count("preserve-host") > 0;
  options.log_clean = !vm.count("quiet");
  // The API's client obligations (spec/client-obligations.yaml, spec/<api>/client-obligations.yaml).
  std::optional<purchase::ClientObligations> profile_obligations;
  if (api == "hl-connector") {
    options.obligations = &purchase::ClientObligations::Builtin();
  } else if (const auto* profile = purchase::profiles::FindProfile(api); profile && !profile->client_obligations.empty()) {
    try {
      profile_obligations = purchase::ClientObligations::Parse(profile->client_obligations,
                                                               profile->spec_dir + "/client-obligations.yaml");
    } catch (const purchase::SpecError& e) {
      err << e.what() << "\n";
      return kExitUsage;
    }
    options.obligations = &*profile_obligations;
  }
  options.on_exchange = [&](uint64_t n) { exchanges.store(n); };
  options.keep_session = !reports.empty() || !record_dir.empty();
  JudgingProxy proxy(options);
  const auto started_at = std::chrono::system_clock::now();

  // An http:// upstream is forwarded from the event loops themselves; an
  // https one (or a test's client) by the proxy's blocking clients.
  const bool forward_here = upstream.rfind("http://", 0) == 0 && !env.new_client;
  if (forward_here) server.upstream = upstream;
  server.threads = threads > 0 ? threads : forward_here ? std::max(2, static_cast<int>(std::thread::hardware_concurrency())) : 16;
  server.max_request_bytes = 8 * 1024 * 1024;
  server.upstream_timeout = std::chrono::milliseconds(std::llround(timeout * 1000));
  server.connect_timeout = std::min(server.upstream_timeout, std::chrono::milliseconds(5000));
  // Blocked before the server's threads start, so that only the wait below takes them.
  sigset_t stop_signals, previous;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, &previous);
  ProxyHost listener(proxy, server);
  uint16_t bound = 0;
  try {
    bound = listener.Start();
  } catch (const std::exception& e) {
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    err << "conformance: error: cannot listen on " << listen << ": " << e.what() << "\n";
    return kExitUsage;
  }
  out << "listening on http://" << server.host << ":" << bound << " (proxy to " << upstream << ", judged by the spec of "
      << api << ")\n"
      << std::flush;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(std::llround(duration * 1000));
  const timespec tick{0, 50 * 1000 * 1000};
  std::string stopped_by;
  while (stopped_by.empty()) {
    const int sig = sigtimedwait(&stop_signals, nullptr, &tick);
    if (sig == SIGINT || sig == SIGTERM) stopped_by = sig == SIGINT ? "SIGINT" : "SIGTERM";
    else if (max_exchanges && exchanges.load() >= max_exchanges) stopped_by = std::to_string(max_exchanges) + " exchanges";
    else if (duration > 0 && std::chrono::steady_clock::now() >= deadline) stopped_by = "--duration";
  }
  listener.Stop();
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  out << "stopped by " << stopped_by << "\n";
  proxy.WriteSummary(out);
  // One account of the session for the reports and the recording.
  const std::vector<ClientFlow> flows =
      report_files.reporters.empty() && record_dir.empty() ? std::vector<ClientFlow>{} : GroupIntoFlows(proxy.Session());
  if (!report_files.reporters.empty()) {
    const auto duration_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now() - started_at).count();
    const RunResult session = SessionAsRun(flows, proxy.Traces(), upstream, started_at, duration_ms, &rules);
    RunInfo info;
    info.target = upstream;
    info.scenario_count = session.scenarios.size();
    info.started_at = started_at;
    for (auto& r : report_files.reporters) {
      r->OnRunStarted(info);
      for (const ScenarioResult& flow : session.scenarios) r->OnScenarioFinished(flow);
      r->OnRunFinished(session);
    }
    if (!report_files.Flush()) {
      err << "conformance: error: writing a report failed\n";
      return kExitUsage;
    }
  }
  if (!record_dir.empty()) {
    try {
      const std::vector<std::string> written = WriteRecording(flows, record, record_dir);
      const size_t scenarios = std::count_if(written.begin(), written.end(), [](const std::string& path) {
        return std::filesystem::path(path).filename().string()[0] != '_';
      });
      out << "recorded " << scenarios << " scenario" << (scenarios == 1 ? "" : "s") << " of " << flows.size()
          << " client flow" << (flows.size() == 1 ? "" : "s") << " in " << record_dir
          << " (replay: conformance run --target URL " << (record.api.empty() ? "" : "--api " + record.api + " ")
          << "--token T [--token-b T] " << record_dir << ")\n";
    } catch (const std::runtime_error& e) {
      err << "conformance: error: --record: " << e.what() << "\n";
      return kExitUsage;
    }
  }
  const JudgingProxy::Totals totals = proxy.totals();
  return totals.client_violations + totals.service_violations + totals.upstream_failures ? kExitFail : kExitPass;
}

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
    out << "conformance " << CONFORMANCE_VERSION << " (specs: " << CONFORMANCE_SPEC_VERSIONS << ")\n";
    return kExitPass;
  }
  if (command == "run") return Run(rest, out, err, env);
  if (command == "validate") return Validate(rest, out, err);
  if (command == "list") return List(rest, out, err);
  if (command == "coverage") return Coverage(rest, out, err);
  if (command == "explore") return Explore(rest, out, err, env);
  if (command == "lifecycle") return LifecycleCommand(rest, out, err);
  if (command == "spec") return SpecCommand(rest, out, err);
  if (command == "proxy") return Proxy(rest, out, err, env);
  if (command == "diff") return DiffCommand(rest, out, err);
  const std::string suggestion =
      SuggestClosest(command, {"run", "validate", "list", "coverage", "explore", "lifecycle", "spec", "proxy", "diff"});
  err << "conformance: error: unknown command '" << command << "'"
      << (suggestion.empty() ? "" : "; did you mean '" + suggestion + "'?") << "\n"
      << kUsage;
  return kExitUsage;
}

}  // namespace conformance
