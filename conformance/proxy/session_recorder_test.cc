#include "proxy/session_recorder.h"

#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <filesystem>
#include <regex>

#include "check/openapi.h"
#include "check/scenario_paths.h"
#include "scenario/loader.h"
#include "testing/test_support.h"

namespace conformance {
namespace {

namespace fs = std::filesystem;

const OpenApiSpec& HlSpec() {
  static const auto spec = OpenApiSpec::Parse(ReadTestFile(CONFORMANCE_OPENAPI), "spec/openapi.yaml");
  return *spec;
}

constexpr const char* kToken = "test-token-vendor-a";
constexpr const char* kOrder = "ord_0123456789abcdef";
constexpr const char* kPurchaseToken = "tok_9f8e7d6c5b4a";
constexpr const char* kSignedUrl =
    "http://127.0.0.1:4567/assets/download/ord_0123456789abcdef?expires=1767225900&sig=c0ffee0123";

ProxiedExchange Ex(const std::string& method, const std::string& path, const std::string& query, int status,
                   const std::string& answer, const std::string& body = "", const std::string& client = kToken) {
  static uint64_t seq = 0;
  ProxiedExchange e;
  e.seq = ++seq;
  e.client = client.empty() ? "" : "Bearer " + client;
  e.path = path;
  e.raw_query = query;
  e.exchange.method = method;
  e.exchange.url = "http://127.0.0.1:8080" + path + (query.empty() ? "" : "?" + query);
  if (!client.empty()) e.exchange.request_headers.emplace_back("Authorization", "Bearer " + client);
  e.exchange.request_headers.emplace_back("User-Agent", "example-client/1");
  if (!body.empty()) e.exchange.request_headers.emplace_back("Content-Type", "application/json");
  e.exchange.request_body = body;
  e.exchange.status = status;
  e.exchange.response_headers.emplace_back("Content-Type", "application/json");
  e.exchange.response_body = answer;
  return e;
}

std::string Order(const std::string& status) {
  return std::string(R"({"order_id":")") + kOrder + R"(","vendor_order_id":"vo-1001","asset_id":"asset-basic",)" +
         R"("quantity":1,"status":")" + status + R"(","created_at":"2026-01-01T00:00:00Z"})";
}

// What example-client does for one order: validate, register, poll until
// COMPLETED, get a URL and fetch it, look once more.
ClientFlow PurchaseFlow() {
  ClientFlow flow;
  flow.name = std::string("order ") + kOrder;
  flow.client = std::string("Bearer ") + kToken;
  flow.order_id = kOrder;
  auto& x = flow.exchanges;
  x.push_back(Ex("POST", "/purchase/validate-purchase-before-payment", "", 200,
                 std::string(R"({"token":")") + kPurchaseToken + R"(","expires_at":"2026-01-01T00:15:00Z"})",
                 R"({"asset_id":"asset-basic","quantity":1,"customer_ip":"203.0.113.7","note":"asset-basic too"})"));
  x.push_back(Ex("POST", "/purchase/register", "", 201, Order("PROCESSING"),
                 std::string(R"({"token":")") + kPurchaseToken +
                     R"(","asset_id":"asset-basic","quantity":1,"vendor_order_id":"vo-1001"})"));
  x.back().exchange.response_headers.emplace_back("Location", std::string("/purchase/info?order_id=") + kOrder);
  for (int i = 0; i < 3; ++i) x.push_back(Ex("GET", "/purchase/info", std::string("order_id=") + kOrder, 202, Order("PROCESSING")));
  x.push_back(Ex("GET", "/purchase/info", std::string("order_id=") + kOrder, 200, Order("COMPLETED")));
  x.push_back(Ex("GET", "/purchase/download-url", std::string("order_id=") + kOrder, 200,
                 std::string(R"({"url":")") + kSignedUrl + R"(","expires_at":"2026-01-01T00:25:05Z"})"));
  x.push_back(Ex("GET", std::string("/assets/download/") + kOrder, "expires=1767225900&sig=c0ffee0123", 200, "%PDF-1.4",
                 "", ""));
  x.back().exchange.response_headers = {{"Content-Type", "application/pdf"}};
  x.push_back(Ex("GET", "/purchase/info", std::string("order_id=") + kOrder, 200, Order("COMPLETED")));
  return flow;
}

RecordOptions HlOptions() {
  RecordOptions o;
  o.roles = {{"asset_basic", "asset-basic"}, {"ip_us", "203.0.113.7"}, {"asset_fails", "asset-fails"}};
  o.token = kToken;
  o.token_b = "test-token-vendor-b";
  o.upstream = "http://user:pw@127.0.0.1:8080";
  o.recorded_at = "2026-12-07T21:00:00Z";
  o.spec = &HlSpec();
  return o;
}

// A fresh directory of its own, removed when done.
struct TempDir {
  explicit TempDir(const std::string& name)
      : path((fs::temp_directory_path() / ("recorder-" + name + "-" + std::to_string(getpid()))).string()) {
    fs::remove_all(path);
  }
  ~TempDir() { fs::remove_all(path); }
  std::string path;
};

std::string RecordOne(const ClientFlow& flow, const RecordOptions& options) {
  return RecordFlow(flow, 1, options, RecordingSecrets({flow}, options)).text;
}

size_t Count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// Every file written loads without a diagnostic, and no request step names
// a path the spec lacks (what `run` checks before sending anything).
LoadResult LoadWithoutErrors(const std::string& dir, const OpenApiSpec* spec) {
  LoadResult loaded = LoadScenarios({dir});
  for (const auto& d : loaded.errors) BOOST_TEST_MESSAGE(d.ToString());
  BOOST_TEST(loaded.errors.empty());
  if (spec)
    for (const auto& s : loaded.scenarios)
      for (const auto& d : CheckScenarioPaths(s, *spec)) BOOST_TEST(d.ToString() == "", d.ToString());
  return loaded;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(SessionRecorderTest)

BOOST_AUTO_TEST_CASE(RecordedCapturesReplaceTheValuesAnswersHandedOut) {
  const std::string recorded = RecordOne(PurchaseFlow(), HlOptions());
  BOOST_TEST_MESSAGE(recorded);
  const std::string text = recorded.substr(recorded.find("steps:"));  // the head names the flow's order
  // Each handed-out value is captured where it first appeared and sent as a variable.
  BOOST_TEST(text.find("answer_token: /token") != std::string::npos);  // ${token} is the credential's name
  BOOST_TEST(text.find("token: \"${answer_token}\"") != std::string::npos);
  BOOST_TEST(text.find("order_id: /order_id") != std::string::npos);
  BOOST_TEST(text.find("\"GET /purchase/info?order_id=${order_id}\"") != std::string::npos);
  BOOST_TEST(text.find("url: /url") != std::string::npos);
  BOOST_TEST(text.find("request: \"GET ${url}\"\n    auth: none") != std::string::npos);  // as the scenarios fetch
  for (const std::string& literal : {std::string(kOrder), std::string(kPurchaseToken), std::string("c0ffee0123"),
                                     std::string("127.0.0.1:4567")})
    BOOST_TEST(text.find(literal) == std::string::npos, literal << " is written literally");
  // Only what a later request sends is captured.
  BOOST_TEST(text.find("expires_at") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(RecordedStepsExpectTheStatusAndTheLifecycleStateOnly) {
  const std::string text = RecordOne(PurchaseFlow(), HlOptions());
  BOOST_TEST(text.find("expect: {status: 201, body: {/status: PROCESSING}}") != std::string::npos);
  BOOST_TEST(text.find("expect: {status: 200}\n    capture:\n      answer_token: /token") != std::string::npos);
  BOOST_TEST(text.find("created_at") == std::string::npos);  // timestamps differ on replay
  BOOST_TEST(Count(text, "expect:") == 6);
}

BOOST_AUTO_TEST_CASE(RecordedPollsUntilTheAnswerChangedAreOneStep) {
  const std::string text = RecordOne(PurchaseFlow(), HlOptions());
  // Three 202s and the 200 are one poll; the look after the fetch is a step of its own.
  BOOST_TEST(Count(text, "GET /purchase/info?") == 2);
  BOOST_TEST(text.find("poll: {until: {status: 200, body: {/status: COMPLETED}}, attempts: 10}\n"
                       "    expect: {status: 200, body: {/status: COMPLETED}}") != std::string::npos);
  BOOST_TEST(Count(text, "poll:") == 1);
  // Identical requests answered alike are not a poll.
  ClientFlow same;
  same.name = "client 1, no order";
  for (int i = 0; i < 3; ++i) same.exchanges.push_back(Ex("GET", "/purchase/info", "order_id=x1", 404, "{}"));
  const std::string repeated = RecordOne(same, HlOptions());
  BOOST_TEST(Count(repeated, "poll:") == 0);
  BOOST_TEST(Count(repeated, "request:") == 3);
}

BOOST_AUTO_TEST_CASE(RecordedRepeatedWritesAreStepsNotPolls) {
  ClientFlow flow;
  flow.name = "client 1, no order";
  flow.exchanges.push_back(Ex("DELETE", "/_control/faults/fault-1", "", 200, "{}", "", ""));
  flow.exchanges.push_back(Ex("DELETE", "/_control/faults/fault-1", "", 404, "{}", "", ""));
  const std::string text = RecordOne(flow, HlOptions());
  BOOST_TEST(Count(text, "poll:") == 0);
  BOOST_TEST(Count(text, "request: DELETE /_control/faults/fault-1") == 2);
}

BOOST_AUTO_TEST_CASE(RecordedResetsForgetWhatWasHandedOutBefore) {
  // A deterministic service hands the same id out again after a reset, for a new order.
  ClientFlow flow = PurchaseFlow();
  flow.exchanges.push_back(Ex("POST", "/_control/reset", "", 200, "{}", "", ""));
  const ClientFlow again = PurchaseFlow();
  flow.exchanges.insert(flow.exchanges.end(), again.exchanges.begin(), again.exchanges.end());
  const std::string text = RecordOne(flow, HlOptions());
  BOOST_TEST(text.find("order_id_2: /order_id") != std::string::npos);
  BOOST_TEST(text.find("order_id=${order_id_2}") != std::string::npos);
  BOOST_TEST(Count(text, "order_id=${order_id}\"") == 3);  // the poll, the URL, the look: before the reset only
}

BOOST_AUTO_TEST_CASE(RecordedIdsInsideALongerTextAreSplicedIn) {
  ClientFlow flow = PurchaseFlow();
  flow.exchanges.push_back(Ex("POST", "/_control/faults", "", 201, R"({"id":"f-1"})",
                              std::string(R"({"match":{"path":"/assets/download/)") + kOrder + R"("},"effect":{"status":503}})",
                              ""));
  const std::string text = RecordOne(flow, HlOptions());
  BOOST_TEST(text.find("path: \"/assets/download/${order_id}\"") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(RecordedSandboxOfAnotherFlowIsNamedByHeader) {
  ClientFlow flow = PurchaseFlow();
  flow.exchanges.push_back(Ex("GET", "/purchase/info", std::string("order_id=") + kOrder, 404, "{}"));
  flow.exchanges.back().sandbox = "other";
  flow.exchanges.back().exchange.url = std::string("http://127.0.0.1:8080/_sandbox/other/purchase/info?order_id=") + kOrder;
  const std::string text = RecordOne(flow, HlOptions());
  // The path is the spec's own (the runner checks it), the sandbox in the header the spec makes equal to the prefix.
  BOOST_TEST(text.find("request: \"GET /purchase/info?order_id=${order_id}\"\n    headers:\n      X-Sandbox: other\n") !=
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(RecordedSignedQueriesKeepTheirClientKeys) {
  ClientFlow flow;
  flow.name = "client 1, no order";
  flow.exchanges.push_back(Ex("POST", "/orders/create", "key=k-1234&signature=ABCD&retailerOrderId=ro-1&retailerClientId=c-1", 201,
                              R"({"order id":"o-1"})", "", ""));
  RecordOptions smd = HlOptions();
  smd.api = "sheetmusicdirect";
  smd.spec = nullptr;
  const std::string text = RecordOne(flow, smd);
  BOOST_TEST(text.find("retailerOrderId=ro-1&retailerClientId=c-1\"") != std::string::npos);  // a suffix breaks the signature
}

BOOST_AUTO_TEST_CASE(RecordedFlowsReplayTheControlRequestsOthersMadeWhileTheyRan) {
  // The runner's own control requests are a client of their own: the reset before the order and the clock
  // move while it was processing are what its answers depend on.
  ClientFlow order = PurchaseFlow();
  ClientFlow control;
  control.name = "client 2, no order";
  control.exchanges.push_back(Ex("POST", "/_control/reset", "", 200, "{}", "{}", ""));
  control.exchanges.push_back(Ex("POST", "/_control/clock/advance", "", 200, "{}", R"({"seconds":5})", ""));
  control.exchanges.push_back(Ex("GET", "/_control/clock", "", 200, "{}", "", ""));  // a read changes nothing
  uint64_t seq = 0;
  control.exchanges[0].seq = ++seq;
  for (size_t i = 0; i < order.exchanges.size(); ++i) {
    order.exchanges[i].seq = ++seq;
    if (i == 2) control.exchanges[1].seq = ++seq;  // between the register and the first poll
  }
  control.exchanges[2].seq = ++seq;
  TempDir dir("control");
  const auto written = WriteRecording({control, order}, HlOptions(), dir.path);
  const std::string text = ReadTestFile(written.at(1));
  BOOST_TEST_MESSAGE(text);
  const size_t reset = text.find("request: POST /_control/reset"), validate = text.find("request: POST /purchase/validate");
  const size_t advance = text.find("request: POST /_control/clock/advance"), poll = text.find("poll:");
  BOOST_TEST((reset < validate && validate < advance && advance < poll && poll != std::string::npos));
  BOOST_TEST(text.find("GET /_control/clock") == std::string::npos);
  BOOST_TEST(text.find("# another client's control request") != std::string::npos);
  LoadWithoutErrors(dir.path, &HlSpec());
}

BOOST_AUTO_TEST_CASE(RecordedCredentialsThatAreFixtureRolesAreTheRolesWithTheirValueKeptOut) {
  // An API key the target names as a role (SheetMusicDirect's `key`): the proxy names the client by it.
  ClientFlow flow;
  flow.name = "client 1, no order";
  flow.client = "smd-key-0042";
  flow.exchanges.push_back(Ex("GET", "/orders", "key=smd-key-0042&retailerClientId=c-1", 200, R"({"orders":[]})", "", ""));
  flow.exchanges.back().client = "smd-key-0042";
  RecordOptions smd = HlOptions();
  smd.api = "sheetmusicdirect";
  smd.spec = nullptr;
  smd.roles["smd_key"] = "smd-key-0042";
  TempDir dir("key");
  std::string all;
  for (const auto& path : WriteRecording({flow}, smd, dir.path)) all += ReadTestFile(path);
  BOOST_TEST(all.find("key=${smd_key}") != std::string::npos, all);
  BOOST_TEST(all.find("smd-key-0042") == std::string::npos, all);
  LoadWithoutErrors(dir.path, nullptr);
  smd.keep_secrets = true;
  TempDir kept("key-kept");
  WriteRecording({flow}, smd, kept.path);
  BOOST_TEST(ReadTestFile(kept.path + "/_fixtures.yaml").find("default: \"smd-key-0042\"") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(RecordedFilesHoldNoCredential) {
  TempDir dir("secrets");
  ClientFlow flow = PurchaseFlow();
  // Another vendor's token (accepted), one nobody names (refused), and the control token.
  ClientFlow other;
  other.name = "client 2, no order";
  other.exchanges.push_back(Ex("GET", "/purchase/info", "order_id=nope-1", 404, "{}", "", "test-token-vendor-b"));
  other.exchanges.push_back(Ex("GET", "/purchase/info", "order_id=nope-1", 401, "{}", "", "stolen-token-0042"));
  other.exchanges.push_back(Ex("POST", "/_control/clock/advance", "", 200, "{}", R"({"seconds":5})", "ctl-secret-77"));
  const RecordOptions options = HlOptions();
  const auto written = WriteRecording({flow, other}, options, dir.path);
  BOOST_TEST(written.size() == 3);  // two flows and _fixtures.yaml
  std::string all;
  for (const auto& path : written) all += ReadTestFile(path);
  BOOST_TEST_MESSAGE(all);
  for (const char* secret : {kToken, "test-token-vendor-b", "stolen-token-0042", "ctl-secret-77", "pw@"})
    BOOST_TEST(all.find(secret) == std::string::npos, secret << " was written");
  BOOST_TEST(all.find("auth: vendor_b") != std::string::npos);
  BOOST_TEST(all.find("Authorization: Bearer redacted-1") != std::string::npos);
  BOOST_TEST(all.find("request: POST /_control/clock/advance\n    body:\n      seconds: 5\n") != std::string::npos);
  LoadWithoutErrors(dir.path, &HlSpec());

  // --record-secrets keeps what the target file does not name, as sent.
  RecordOptions keep = options;
  keep.keep_secrets = true;
  const std::string kept = RecordOne(other, keep);
  BOOST_TEST(kept.find("stolen-token-0042") != std::string::npos);
  BOOST_TEST(kept.find("test-token-vendor-b") == std::string::npos);
  BOOST_TEST(kept.find("ctl-secret-77") == std::string::npos);  // a control request's token is the runner's to send
}

BOOST_AUTO_TEST_CASE(RecordedCredentialsTheTargetFileDoesNotNameTakeAFreeVariable) {
  RecordOptions options = HlOptions();
  options.token.clear();
  options.token_b.clear();
  const std::string text = RecordOne(PurchaseFlow(), options);
  BOOST_TEST(text.find(kToken) == std::string::npos);
  BOOST_TEST(text.find("auth:") != std::string::npos);       // the fetch's auth: none
  BOOST_TEST(text.find("Authorization") == std::string::npos);  // every vendor request as Bearer ${token}
}

BOOST_AUTO_TEST_CASE(RecordedValuesOfFixtureRolesAreTheRoles) {
  TempDir dir("roles");
  const auto written = WriteRecording({PurchaseFlow()}, HlOptions(), dir.path);
  const std::string text = ReadTestFile(written.at(0));
  BOOST_TEST(text.find("asset_id: ${asset_basic}") == std::string::npos);  // a template is quoted
  BOOST_TEST(text.find("asset_id: \"${asset_basic}\"") != std::string::npos);
  BOOST_TEST(text.find("customer_ip: \"${ip_us}\"") != std::string::npos);
  BOOST_TEST(text.find("note: asset-basic too\n") != std::string::npos);  // a whole value only, never a substring
  // The roles the files name are declared beside them, with the recorded target's values.
  const std::string fixtures = ReadTestFile(dir.path + "/_fixtures.yaml");
  BOOST_TEST(fixtures.find("asset_basic:\n  default: \"asset-basic\"") != std::string::npos);
  BOOST_TEST(fixtures.find("ip_us:") != std::string::npos);
  BOOST_TEST(fixtures.find("asset_fails") == std::string::npos);
  const LoadResult loaded = LoadWithoutErrors(dir.path, &HlSpec());
  BOOST_REQUIRE(loaded.scenarios.size() == 1);
  BOOST_TEST(loaded.scenarios[0].fixture_roles == (std::vector<std::string>{"asset_basic", "ip_us"}));
}

BOOST_AUTO_TEST_CASE(RecordedClientKeysTheServiceAcceptedGetARunIdSuffix) {
  ClientFlow flow = PurchaseFlow();
  // A key the service refused stays as sent: a suffix could make it acceptable.
  flow.exchanges.push_back(Ex("POST", "/purchase/register", "", 422, R"({"error":{"code":"VALIDATION_ERROR"}})",
                              R"({"token":"t","asset_id":"asset-basic","quantity":1,"vendor_order_id":""})"));
  const std::string text = RecordOne(flow, HlOptions());
  BOOST_TEST(text.find("vendor_order_id: \"vo-1001-${run_id}\"") != std::string::npos);
  BOOST_TEST(text.find("vendor_order_id: \"\"") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(RecordedLostRepliesAreSentAgainAndLostReadsAreComments) {
  ClientFlow flow = PurchaseFlow();
  ProxiedExchange lost = flow.exchanges[1];
  lost.dropped = true;
  lost.exchange.status = 0;
  lost.exchange.response_body.clear();
  flow.exchanges.insert(flow.exchanges.begin() + 1, lost);
  ProxiedExchange read = flow.exchanges.back();
  read.dropped = true;
  read.exchange.status = 0;
  flow.exchanges.push_back(read);
  const std::string text = RecordOne(flow, HlOptions());
  BOOST_TEST_MESSAGE(text);
  BOOST_TEST(text.find("# POST /purchase/register: the upstream closed without answering (a lost reply); sent again, "
                       "any 2xx passes\n  - request: POST /purchase/register\n") != std::string::npos);
  BOOST_TEST(Count(text, "request: POST /purchase/register") == 2);
  BOOST_TEST(text.find("# GET /purchase/info: the upstream closed without answering; not replayed") != std::string::npos);
  BOOST_TEST(Count(text, "expect:") == 6);  // the lost register takes the default, any 2xx
}

BOOST_AUTO_TEST_CASE(EveryRecordedFileLoads) {
  TempDir dir("loads");
  ClientFlow odd;
  odd.name = "client 3, no order";
  odd.sandbox = "s-1";
  // An off-spec path, a raw body with a template-like text, a header of the client's own, a query without value.
  odd.exchanges.push_back(Ex("GET", "/nowhere/${x}", "a&b=&c=1", 404, "{}"));
  odd.exchanges.push_back(Ex("POST", "/purchase/register", "", 400, "{}", "{not json ${y}"));
  odd.exchanges.back().exchange.request_headers.emplace_back("X-Trace", "trace: #1");
  odd.exchanges.push_back(Ex("GET", "/_control", "", 200, R"({"capabilities":["reset"]})", "", ""));
  const auto written = WriteRecording({PurchaseFlow(), odd}, HlOptions(), dir.path);
  for (const auto& path : written) BOOST_TEST_MESSAGE(path << ":\n" << ReadTestFile(path));
  const LoadResult loaded = LoadWithoutErrors(dir.path, &HlSpec());
  BOOST_TEST(loaded.scenarios.size() == 2);
  const std::string text = ReadTestFile(written.at(1));
  BOOST_TEST(text.find("openapi: false") != std::string::npos);
  BOOST_TEST(text.find("$${x}") != std::string::npos);
  BOOST_TEST(text.find("sandbox s-1") != std::string::npos);

  // A profile's recording says which API it is.
  TempDir profile("profile");
  RecordOptions tabs = HlOptions();
  tabs.api = "tabs";
  tabs.spec = nullptr;
  ClientFlow purchase;
  purchase.name = "order pur_1a2b3c";
  purchase.exchanges.push_back(Ex("POST", "/v1/purchases", "", 201, R"({"id":"pur_1a2b3c","status":"pending"})",
                                  R"({"tab_id":"tab_77aa","amount":120})"));
  purchase.exchanges.push_back(Ex("GET", "/v1/purchases/pur_1a2b3c", "", 200, R"({"id":"pur_1a2b3c","status":"completed"})"));
  const auto files = WriteRecording({purchase}, tabs, profile.path);
  BOOST_TEST(ReadTestFile(profile.path + "/_api.yaml").find("api: tabs\n") != std::string::npos);
  std::vector<Diagnostic> errors;
  const auto api = ReadScenarioApi(profile.path, &errors);
  BOOST_TEST((api && api->name == "tabs"));
  const std::string recorded = ReadTestFile(files.at(0));
  BOOST_TEST(recorded.find("\"GET /v1/purchases/${id}\"") != std::string::npos);
  LoadWithoutErrors(profile.path, nullptr);
}

BOOST_AUTO_TEST_CASE(RecordingReportsAFileItCannotWrite) {
  TempDir dir("unwritable");
  fs::create_directories(dir.path);
  fs::create_directories(dir.path + "/001-order-ord-0123456789abcdef.yaml");  // a directory where the file goes
  BOOST_CHECK_EXCEPTION(WriteRecording({PurchaseFlow()}, HlOptions(), dir.path), std::runtime_error,
                        [](const std::runtime_error& e) {
                          return std::string(e.what()).find("001-order-ord-0123456789abcdef.yaml") != std::string::npos;
                        });
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace conformance
