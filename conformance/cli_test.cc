#include "cli.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <unistd.h>

#include <boost/test/unit_test.hpp>

#include "exec/request_trace.h"
#include "testing/fake_http_client.h"
#include "testing/test_support.h"

namespace conformance {
namespace {

struct Outcome {
  int code;
  std::string out, err;
};

// Runs the program in-process; requests go to `client` when given.
Outcome RunMain(std::vector<std::string> args, FakeHttpClient* client = nullptr) {
  Environment env;
  if (client)
    env.new_client = [client](const HttpClientOptions&) -> std::unique_ptr<HttpClient> {
      struct Borrowed final : HttpClient {
        FakeHttpClient* c;
        explicit Borrowed(FakeHttpClient* x) : c(x) {}
        HttpResponse Send(const HttpRequest& r) override { return c->Send(r); }
      };
      return std::make_unique<Borrowed>(client);
    };
  std::ostringstream out, err;
  const int code = Main(args, out, err, env);
  return Outcome{code, out.str(), err.str()};
}

void ServeMiniTarget(FakeHttpClient& c, const std::string& status) {
  c.OnJson("GET", "/_control", 200, R"({"capabilities":["reset"],"clock":"manual","version":"1"})");
  c.OnJson("GET", "/orders/ord_1", 200, R"({"order_id":"ord_1","status":")" + status + "\"}");
}

std::vector<std::string> RunArgs(const std::string& target) {
  return {"run", "--target", target, "--token", "t", "--spec-dir", TestData("mini_spec"), TestData("good")};
}

BOOST_AUTO_TEST_SUITE(CliTest)

BOOST_AUTO_TEST_CASE(AllScenariosPassingExitsZero) {
  FakeHttpClient c;
  ServeMiniTarget(c, "COMPLETED");
  auto r = RunMain(RunArgs("http://fake"), &c);
  BOOST_TEST(r.code == kExitPass, r.out << r.err);
  BOOST_TEST(r.out.find("PASS ") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(AFailingScenarioExitsOne) {
  FakeHttpClient c;
  ServeMiniTarget(c, "CANCELED");
  auto r = RunMain(RunArgs("http://fake"), &c);
  BOOST_TEST(r.code == kExitFail, r.out << r.err);
  BOOST_TEST(r.out.find("ping.yaml:5:34: error: step 1 \"GET /orders/ord_1\": body /status: expected \"COMPLETED\", got \"CANCELED\"") !=
             std::string::npos, r.out);
}

BOOST_AUTO_TEST_CASE(AnUnreachableTargetExitsThree) {
  // Port 1 on loopback: nothing listens there, the connection is refused.
  auto r = RunMain(RunArgs("http://127.0.0.1:1"));
  BOOST_TEST(r.code == kExitUnreachable, r.out << r.err);
  BOOST_TEST(r.err.find("cannot reach http://127.0.0.1:1") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(ABrokenScenarioFileExitsTwoWithItsLocationBeforeAnythingIsSent) {
  FakeHttpClient c;
  ServeMiniTarget(c, "COMPLETED");
  auto r = RunMain({"run", "--target", "http://fake", "--token", "t", TestData("bad_scenarios/duplicate_key.yaml")}, &c);
  BOOST_TEST(r.code == kExitUsage);
  BOOST_TEST(r.err.find("bad_scenarios/duplicate_key.yaml:6:7: error: duplicate key 'status'") != std::string::npos, r.err);
  BOOST_TEST(c.requests().empty());
}

BOOST_AUTO_TEST_CASE(ValidateExitsTwoOnABrokenFileAndZeroOnGoodOnes) {
  BOOST_TEST(RunMain({"validate", TestData("bad_scenarios/unknown_key_typo.yaml")}).code == kExitUsage);
  auto good = RunMain({"validate", "--spec-dir", TestData("mini_spec"), TestData("good")});
  BOOST_TEST(good.code == kExitPass);
  BOOST_TEST(good.out == "1 scenario OK\n");
}

BOOST_AUTO_TEST_CASE(ValidateRefusesARuleTheLedgerDoesNotHoldNamingItsLine) {
  const auto dir = std::filesystem::temp_directory_path() / ("unknown-rule-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "x.yaml") << "steps:\n  # rule: HL-I2-010, HL-I2-999\n  - request: GET /purchase/info?order_id=x\n"
                                   "    expect: 404\n";
  auto r = RunMain({"validate", dir.string()});
  std::filesystem::remove_all(dir);
  BOOST_TEST(r.code == kExitUsage);
  BOOST_TEST(r.err.find("x.yaml:2: error: rule HL-I2-999 is not in the rule ledger of hl-connector") != std::string::npos,
             r.err);
  BOOST_TEST(r.err.find("HL-I2-010 is not") == std::string::npos, r.err);
}

BOOST_AUTO_TEST_CASE(APathTheSpecDoesNotDocumentIsAScenarioErrorBeforeAnythingIsSent) {
  FakeHttpClient c;
  ServeMiniTarget(c, "COMPLETED");
  // good/ping.yaml asks for /orders/ord_1, which spec/openapi.yaml (built in) lacks.
  auto r = RunMain({"run", "--target", "http://fake", "--token", "t", TestData("good")}, &c);
  BOOST_TEST(r.code == kExitUsage);
  BOOST_TEST(r.err.find("ping.yaml:4:5: error: spec/openapi.yaml documents no operation GET /orders/ord_1") !=
             std::string::npos, r.err);
  BOOST_TEST(c.requests().empty());
}

// --- fixture roles, target files and the reference layer -----------------

std::vector<std::string> RoleArgs(std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"run", "--target", "http://fake", "--token", "t", "--spec-dir", TestData("mini_spec")};
  args.insert(args.end(), extra.begin(), extra.end());
  args.push_back(TestData("fixture_roles"));
  return args;
}

std::string WriteTempFile(const std::string& name, const std::string& text) {
  const std::string path = (std::filesystem::temp_directory_path() / (name + "-" + std::to_string(getpid()))).string();
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

BOOST_AUTO_TEST_CASE(AFixtureRoleTakesOurFixturesValueByDefault) {
  FakeHttpClient c;
  ServeMiniTarget(c, "COMPLETED");
  auto r = RunMain(RoleArgs(), &c);
  BOOST_TEST(r.code == kExitPass, r.out << r.err);
  BOOST_TEST(r.out.find("PASS ") != std::string::npos, r.out);
}

BOOST_AUTO_TEST_CASE(VarSetsAFixtureRoleToTheTargetsOwnValue) {
  FakeHttpClient c;
  ServeMiniTarget(c, "COMPLETED");
  c.OnJson("GET", "/orders/ord_7", 200, R"({"order_id":"ord_7","status":"CANCELED"})");
  auto r = RunMain(RoleArgs({"--var", "order_of_x=ord_7"}), &c);
  // The role's value was sent: the fake answers CANCELED for that id only.
  BOOST_TEST(r.code == kExitFail, r.out << r.err);
  BOOST_TEST(r.out.find("expected \"COMPLETED\", got \"CANCELED\"") != std::string::npos, r.out);
}

BOOST_AUTO_TEST_CASE(AnUnknownVarIsAUsageErrorWithASuggestion) {
  FakeHttpClient c;
  ServeMiniTarget(c, "COMPLETED");
  auto r = RunMain(RoleArgs({"--var", "order_of_y=1"}), &c);
  BOOST_TEST(r.code == kExitUsage);
  BOOST_TEST(r.err.find("'order_of_y' is not a fixture role of these scenarios; did you mean 'order_of_x'?") !=
             std::string::npos, r.err);
  BOOST_TEST(c.requests().empty());
}

BOOST_AUTO_TEST_CASE(ARoleTheTargetCannotFillSkipsTheScenarioNamingIt) {
  FakeHttpClient c;
  ServeMiniTarget(c, "COMPLETED");
  const std::string file = WriteTempFile("target.yaml", "vars:\n  order_of_x: ~\n");
  auto r = RunMain(RoleArgs({"--target-file", file}), &c);
  std::filesystem::remove(file);
  BOOST_TEST(r.code == kExitPass, r.out << r.err);
  BOOST_TEST(r.out.find("SKIP " + TestData("fixture_roles/uses_role") + " (the target has no fixture for ${order_of_x}") !=
             std::string::npos, r.out);
}

BOOST_AUTO_TEST_CASE(ALimitRoleIsOursOnlyWithoutATargetFileAndATargetFileNamesItsOwn) {
  const auto dir = std::filesystem::temp_directory_path() / ("limit-roles-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "_fixtures.yaml") << "order_limit: {default: \"ord_1\", limit: true, role: a limit of the target}\n";
  std::ofstream(dir / "limit.yaml") << "steps:\n  - request: GET /orders/${order_limit}\n    expect: 200\n";
  auto run = [&](std::vector<std::string> extra) {
    FakeHttpClient c;
    ServeMiniTarget(c, "COMPLETED");
    std::vector<std::string> args = {"run", "--target", "http://fake", "--token", "t", "--spec-dir", TestData("mini_spec")};
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back(dir.string());
    return RunMain(args, &c);
  };
  // Our server, described by flags alone: our limit.
  const auto ours = run({});
  BOOST_TEST(ours.out.find("PASS ") != std::string::npos, ours.out << ours.err);
  // Another implementation, described by a target file that names no limit:
  // its limit is unknown, so the scenario is skipped, not judged by ours.
  const std::string file = WriteTempFile("target.yaml", "vars: {}\n");
  const auto unnamed = run({"--target-file", file});
  BOOST_TEST(unnamed.out.find("a limit its target file does not name") != std::string::npos, unnamed.out << unnamed.err);
  const std::string named = WriteTempFile("target-named.yaml", "vars:\n  order_limit: ord_1\n");
  const auto own = run({"--target-file", named});
  BOOST_TEST(own.out.find("PASS ") != std::string::npos, own.out << own.err);
  std::filesystem::remove(file);
  std::filesystem::remove(named);
  std::filesystem::remove_all(dir);
}

BOOST_AUTO_TEST_CASE(ATargetFileGivesTheTargetAndTokensAndTheCommandLineWins) {
  FakeHttpClient c;
  ServeMiniTarget(c, "COMPLETED");
  const std::string file = WriteTempFile("target.yaml", "target: http://fake\ntoken: from-file\n");
  auto r = RunMain({"run", "--target-file", file, "--spec-dir", TestData("mini_spec"), TestData("good")}, &c);
  BOOST_TEST(r.code == kExitPass, r.out << r.err);
  BOOST_REQUIRE(c.requests().size() >= 2u);
  auto bearer = [](const HttpRequest& q) {
    for (const auto& [name, value] : q.headers)
      if (name == "Authorization") return value;
    return std::string();
  };
  BOOST_TEST(bearer(c.requests().back()) == "Bearer from-file");
  auto overridden = RunMain({"run", "--target-file", file, "--token", "from-flag", "--spec-dir", TestData("mini_spec"),
                             TestData("good")}, &c);
  std::filesystem::remove(file);
  BOOST_TEST(overridden.code == kExitPass, overridden.out << overridden.err);
  BOOST_TEST(bearer(c.requests().back()) == "Bearer from-flag");
}

BOOST_AUTO_TEST_CASE(ABadTargetFileIsAUsageErrorAtItsLine) {
  const std::string file = WriteTempFile("target.yaml", "target: http://fake\ntokn: t\n");
  auto r = RunMain({"run", "--target-file", file, TestData("good")});
  std::filesystem::remove(file);
  BOOST_TEST(r.code == kExitUsage);
  BOOST_TEST(r.err.find(file + ":2:1: error: unknown key 'tokn' in the target file; did you mean 'token'?") !=
             std::string::npos, r.err);
}

BOOST_AUTO_TEST_CASE(ATargetFilesCapabilitiesAreAssumedInsteadOfProbed) {
  FakeHttpClient c;
  ServeMiniTarget(c, "COMPLETED");  // its GET /_control says "reset"
  const std::string file = WriteTempFile("target.yaml", "capabilities: []\n");
  auto r = RunMain({"run", "--target", "http://fake", "--token", "t", "--target-file", file, "--spec-dir",
                    TestData("mini_spec"), TestData("good")}, &c);
  std::filesystem::remove(file);
  BOOST_TEST(r.code == kExitPass, r.out << r.err);
}

BOOST_AUTO_TEST_CASE(AReferencePromiseRunsOnlyWithStrictReference) {
  FakeHttpClient c;
  ServeMiniTarget(c, "COMPLETED");
  auto contract = RunMain(RoleArgs(), &c);
  BOOST_TEST(contract.code == kExitPass, contract.out << contract.err);
  BOOST_TEST(contract.out.find("SKIP " + TestData("fixture_roles/reference_only") + " (needs --strict-reference") !=
             std::string::npos, contract.out);
  auto strict = RunMain(RoleArgs({"--strict-reference"}), &c);
  BOOST_TEST(strict.code == kExitPass, strict.out << strict.err);
  BOOST_TEST(strict.out.find("PASS " + TestData("fixture_roles/reference_only")) != std::string::npos, strict.out);
}

BOOST_AUTO_TEST_CASE(UsageErrorsExitTwo) {
  BOOST_TEST(RunMain({}).code == kExitUsage);
  BOOST_TEST(RunMain({"run", "--token", "t"}).code == kExitUsage);                         // no --target
  BOOST_TEST(RunMain({"run", "--target", "http://x"}).code == kExitUsage);                 // no --token
  BOOST_TEST(RunMain({"run", "--target", "ftp://x", "--token", "t"}).code == kExitUsage);  // not http
  BOOST_TEST(RunMain({"run", "--target", "http://x", "--token", "t", "--jobs", "0"}).code == kExitUsage);
  std::vector<std::string> bad_report = RunArgs("http://fake");
  bad_report.insert(bad_report.end(), {"--report", "xml=f"});
  FakeHttpClient c;
  const auto report = RunMain(bad_report, &c);
  BOOST_TEST(report.code == kExitUsage);
  BOOST_TEST(report.err.find("--report takes junit=FILE, json=FILE or html=FILE") != std::string::npos, report.err);
  BOOST_TEST(RunMain({"run", "--bogus"}).code == kExitUsage);
  auto typo = RunMain({"rnu"});
  BOOST_TEST(typo.code == kExitUsage);
  BOOST_TEST(typo.err.find("did you mean 'run'?") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(ATagFilterThatMatchesNothingIsAUsageError) {
  FakeHttpClient c;
  ServeMiniTarget(c, "COMPLETED");
  auto args = RunArgs("http://fake");
  args.push_back("--tag");
  args.push_back("no-such-tag");
  BOOST_TEST(RunMain(args, &c).code == kExitUsage);
}

BOOST_AUTO_TEST_CASE(TraceRequestsWritesEveryRequestSentInOrderWithTheTokenUnredacted) {
  FakeHttpClient c;
  ServeMiniTarget(c, "COMPLETED");
  const std::string path =
      (std::filesystem::temp_directory_path() / ("conformance-trace-" + std::to_string(getpid()) + ".jsonl")).string();
  auto args = RunArgs("http://fake");
  args.insert(args.end(), {"--trace-requests", path, "--jobs", "1"});
  auto r = RunMain(args, &c);
  BOOST_TEST(r.code == kExitPass, r.out << r.err);
  const std::string trace = ReadTestFile(path);
  std::filesystem::remove(path);
  // The probe, then the scenario's one step: every request the fake saw, as sent.
  BOOST_REQUIRE(c.requests().size() == 2u);
  BOOST_TEST(trace == RequestTraceLine(c.requests()[0]) + "\n" + RequestTraceLine(c.requests()[1]) + "\n");
  BOOST_TEST(trace.find(R"("url":"http://fake/_control")") != std::string::npos, trace);
  BOOST_TEST(trace.find(R"(["Authorization","Bearer t"])") != std::string::npos, trace);
}

BOOST_AUTO_TEST_CASE(AnUnwritableTraceFileExitsTwoNamingItBeforeAnythingIsSent) {
  FakeHttpClient c;
  ServeMiniTarget(c, "COMPLETED");
  auto args = RunArgs("http://fake");
  args.insert(args.end(), {"--trace-requests", "/nonexistent-dir/trace.jsonl"});
  auto r = RunMain(args, &c);
  BOOST_TEST(r.code == kExitUsage);
  BOOST_TEST(r.err.find("--trace-requests: cannot write /nonexistent-dir/trace.jsonl") != std::string::npos, r.err);
  BOOST_TEST(c.requests().empty());
}

BOOST_AUTO_TEST_CASE(ProxyRecordRefusesAFolderInUseBeforeListening) {
  const auto dir = std::filesystem::temp_directory_path() / ("record-in-use-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  { std::ofstream(dir / "mine.yaml") << "steps: []\n"; }
  // A recording mixed with files already there could not be told apart, nor replayed alone.
  const auto r = RunMain({"proxy", "--upstream", "http://127.0.0.1:1", "--listen", "127.0.0.1:0", "--record", dir.string()});
  std::filesystem::remove_all(dir);
  BOOST_TEST(r.code == kExitUsage);
  BOOST_TEST(r.err.find("is not empty") != std::string::npos, r.err);
  BOOST_TEST(r.out.find("listening on") == std::string::npos);
  const auto alone = RunMain({"proxy", "--upstream", "http://127.0.0.1:1", "--record-secrets"});
  BOOST_TEST(alone.code == kExitUsage);
  BOOST_TEST(alone.err.find("--record-secrets goes with --record DIR") != std::string::npos, alone.err);
}

// A copy of spec/tabs in a temp folder, with `edit` applied to one file.
std::string EditedTabsSpec(const std::string& file, const std::string& from, const std::string& to) {
  const auto dir = std::filesystem::temp_directory_path() / ("diff-tabs-" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::copy(std::string(CONFORMANCE_SOURCE_DIR) + "/spec/tabs", dir);
  std::string text = ReadTestFile((dir / file).string());
  const size_t at = text.find(from);
  BOOST_REQUIRE(at != std::string::npos);
  text.replace(at, from.size(), to);
  std::ofstream(dir / file, std::ios::binary | std::ios::trunc) << text;
  return dir.string();
}

BOOST_AUTO_TEST_CASE(DiffOfASpecWithItselfExitsZeroAndSaysNoChange) {
  const std::string tabs = std::string(CONFORMANCE_SOURCE_DIR) + "/spec/tabs";
  auto r = RunMain({"diff", tabs, tabs});
  BOOST_TEST(r.code == kExitPass, r.err);
  BOOST_TEST(r.out == "no change\n");
}

BOOST_AUTO_TEST_CASE(DiffExitsOneOnABreakingChangeInTextAndJson) {
  const std::string tabs = std::string(CONFORMANCE_SOURCE_DIR) + "/spec/tabs";
  const std::string edited = EditedTabsSpec("lifecycle.yaml", "  abandoned:\n    terminal: true",
                                            "  abandoned:\n    terminal: true\n  refunded:\n    terminal: true");
  auto text = RunMain({"diff", tabs, edited});
  BOOST_TEST(text.code == kExitFail, text.err);
  BOOST_TEST(text.out.find("BREAKS CLIENTS          lifecycle: state 'refunded' added — ") == 0u, text.out);
  auto json = RunMain({"diff", "--json", tabs, edited});
  BOOST_TEST(json.code == kExitFail);
  BOOST_TEST(json.out.find("\"kind\": \"state-added\"") != std::string::npos, json.out);
  // Back again, only safe changes: exit 0.
  const std::string safe = EditedTabsSpec("openapi.yaml", "        tab_id:\n          $ref: '#/components/schemas/Id'\n    Payment:",
                                          "        tab_id:\n          $ref: '#/components/schemas/Id'\n        note:\n"
                                          "          type: string\n    Payment:");
  auto r = RunMain({"diff", tabs, safe});
  BOOST_TEST(r.code == kExitPass, r.out);
  std::filesystem::remove_all(safe);
}

BOOST_AUTO_TEST_CASE(DiffReadsGitRevisionsAndABadRevisionIsAUsageErrorNamingIt) {
  const std::string repo = CONFORMANCE_SOURCE_DIR;
  auto same = RunMain({"diff", "-C", repo, "HEAD:spec/tabs", "HEAD:spec/tabs"});
  BOOST_TEST(same.code == kExitPass, same.err);
  BOOST_TEST(same.out == "no change\n");
  auto bare = RunMain({"diff", "-C", repo, "--api", "imaging-catalog", "HEAD", "HEAD:spec/imaging-catalog"});
  BOOST_TEST(bare.code == kExitPass, bare.err);
  auto bad = RunMain({"diff", "-C", repo, "no-such-revision-23:spec/tabs", "HEAD:spec/tabs"});
  BOOST_TEST(bad.code == kExitUsage);
  BOOST_TEST(bad.err.find("'no-such-revision-23:spec/tabs' is neither a folder nor a git revision") != std::string::npos,
             bad.err);
  auto unknown_api = RunMain({"diff", "-C", repo, "--api", "tabz", "HEAD", "HEAD"});
  BOOST_TEST(unknown_api.code == kExitUsage);
  BOOST_TEST(unknown_api.err.find("no API is called 'tabz'") != std::string::npos, unknown_api.err);
  auto missing = RunMain({"diff", "-C", repo, "HEAD:spec/no-such-api", "HEAD:spec/tabs"});
  BOOST_TEST(missing.code == kExitUsage);
  BOOST_TEST(missing.err.find("git has no HEAD:spec/no-such-api/openapi.yaml") != std::string::npos, missing.err);
}

BOOST_AUTO_TEST_CASE(DiffOfABrokenSpecExitsTwoNamingFileLineAndColumn) {
  const std::string tabs = std::string(CONFORMANCE_SOURCE_DIR) + "/spec/tabs";
  const std::string edited = EditedTabsSpec("openapi.yaml", "paths:\n", "paths: [\n");
  auto r = RunMain({"diff", tabs, edited});
  BOOST_TEST(r.code == kExitUsage);
  BOOST_TEST(r.err.find(edited + "/openapi.yaml:") == 0u, r.err);
  BOOST_TEST(RunMain({"diff", tabs}).code == kExitUsage);
  std::filesystem::remove_all(edited);
}

BOOST_AUTO_TEST_CASE(HelpAndVersionExitZero) {
  auto help = RunMain({"--help"});
  BOOST_TEST(help.code == kExitPass);
  BOOST_TEST(help.out.find("usage: conformance run") != std::string::npos);
  BOOST_TEST(RunMain({"run", "--help"}).out.find("--token-b") != std::string::npos);
  BOOST_TEST(RunMain({"run", "--help"}).out.find("--trace-requests") != std::string::npos);
  auto version = RunMain({"--version"});
  BOOST_TEST(version.code == kExitPass);
  BOOST_TEST(version.out.rfind("conformance ", 0) == 0);
  // Which contracts it judges by: each API's spec version and the control vocabulary's.
  for (const char* named : {"hl-connector ", "imaging-catalog ", "sheetmusicdirect ", "tabs ", "control vocabulary 1"})
    BOOST_TEST(version.out.find(named) != std::string::npos, version.out);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace conformance
