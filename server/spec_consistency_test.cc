// Tests that the three files of spec/ agree with each other and with the
// server: every error code of errors.yaml is documented in openapi.yaml under
// a response of its status (and nothing else is), the lifecycle's states and
// causes are the ones the OpenAPI schemas list, the server's embedded copies
// are the files in the source tree, and every operation of openapi.yaml is
// routed by the server.
#define BOOST_TEST_MODULE spec_consistency_test
#include <boost/test/unit_test.hpp>

#include <cctype>
#include <fstream>
#include <iterator>
#include <map>
#include <set>

#include <yaml-cpp/yaml.h>

#include "hl_connector/error_catalog.h"
#include "core/lifecycle.h"
#include "core/spec_layers.h"
#include "hl_connector/hl_sandbox.h"
#include "hl_connector/http_api.h"
#include "http/sandbox_router.h"

namespace purchase {
namespace {

const std::string kSpec = PURCHASE_TEST_SPEC;

// The reference layer of openapi.yaml (core/spec_layers.h): what this server promises.
YAML::Node LoadSpec(const std::string& name) {
  YAML::Node doc = YAML::LoadFile(kSpec + "/" + name);
  purchase::ApplySpecLayer(doc, purchase::SpecLayer::kReference, name);
  return doc;
}

// code -> status, from errors.yaml.
std::map<std::string, int> ErrorStatuses() {
  std::map<std::string, int> out;
  for (const auto& entry : LoadSpec("errors.yaml")["errors"]) out[entry.first.Scalar()] = entry.second["status"].as<int>();
  return out;
}

// Follows a response's $ref into #/components/responses.
YAML::Node Resolve(const YAML::Node& root, const YAML::Node& response, const std::string& where) {
  if (!response["$ref"]) return response;
  const std::string ref = response["$ref"].Scalar();
  const std::string prefix = "#/components/responses/";
  BOOST_REQUIRE_MESSAGE(ref.rfind(prefix, 0) == 0, where << ": $ref " << ref << " is not into " << prefix);
  const YAML::Node target = root["components"]["responses"][ref.substr(prefix.size())];
  BOOST_REQUIRE_MESSAGE(target, where << ": $ref " << ref << " names no response");
  return target;
}

struct Documented {
  std::string where;   // "POST /purchase/register 409"
  int status;          // 0 for `default`
  std::string code;
};

// Every x-error-codes entry of every operation's responses, $ref followed.
std::vector<Documented> DocumentedCodes() {
  const YAML::Node root = LoadSpec("openapi.yaml");
  std::vector<Documented> out;
  for (const auto& path : root["paths"]) {
    for (const auto& op : path.second) {
      const std::string method = op.first.Scalar();
      if (method == "parameters" || method == "summary" || method == "description") continue;
      for (const auto& resp : op.second["responses"]) {
        const std::string key = resp.first.Scalar();
        const std::string where = method + " " + path.first.Scalar() + " " + key;
        int status = 0;
        if (key != "default") {
          BOOST_REQUIRE_MESSAGE(key.size() == 3 && std::isdigit(key[0]), where << ": not a status");
          status = std::stoi(key);
        }
        const YAML::Node response = Resolve(root, resp.second, where);
        if (const YAML::Node codes = response["x-error-codes"]) {
          BOOST_REQUIRE_MESSAGE(codes.IsSequence(), where << ": x-error-codes is not a list");
          for (const auto& code : codes) out.push_back({where, status, code.Scalar()});
        }
      }
    }
  }
  return out;
}

std::set<std::string> EnumOf(const YAML::Node& schema) {
  std::set<std::string> out;
  for (const auto& v : schema["enum"])
    if (!v.IsNull()) out.insert(v.Scalar());
  return out;
}

BOOST_AUTO_TEST_SUITE(SpecConsistencyTest)

BOOST_AUTO_TEST_CASE(EveryErrorCodeIsDocumentedUnderItsStatus) {
  const auto statuses = ErrorStatuses();
  BOOST_REQUIRE(statuses.size() >= 29u);
  const auto documented = DocumentedCodes();
  BOOST_REQUIRE(!documented.empty());
  for (const auto& [code, status] : statuses) {
    bool found = false;
    for (const auto& d : documented) found = found || (d.code == code && d.status == status);
    BOOST_TEST(found, code << " (status " << status << ") is under no "
                           << (status == 0 ? std::string("default") : std::to_string(status))
                           << " response's x-error-codes in spec/openapi.yaml");
  }
}

BOOST_AUTO_TEST_CASE(EveryDocumentedCodeExistsWithThatStatus) {
  const auto statuses = ErrorStatuses();
  for (const auto& d : DocumentedCodes()) {
    const auto it = statuses.find(d.code);
    BOOST_TEST((it != statuses.end()), d.where << ": " << d.code << " is not in spec/errors.yaml");
    if (it != statuses.end())
      BOOST_TEST(it->second == d.status, d.where << ": " << d.code << " has status " << it->second << " in spec/errors.yaml");
  }
}

BOOST_AUTO_TEST_CASE(EveryLifecycleStateIsInTheOrderStatusEnum) {
  const Lifecycle lc = Lifecycle::Parse(
      [] {
        std::ifstream in(kSpec + "/lifecycle.yaml");
        return std::string(std::istreambuf_iterator<char>(in), {});
      }(),
      "spec/lifecycle.yaml");
  const YAML::Node schemas = LoadSpec("openapi.yaml")["components"]["schemas"];
  const std::set<std::string> status_enum = EnumOf(schemas["OrderStatus"]);
  const std::set<std::string> states(lc.states().begin(), lc.states().end());
  BOOST_REQUIRE(!states.empty());
  for (const auto& s : states) BOOST_TEST(status_enum.count(s) == 1u, s << " is not in OrderStatus");
  for (const auto& s : status_enum) BOOST_TEST(states.count(s) == 1u, "OrderStatus lists " << s << ", no lifecycle state");
  // History causes are the lifecycle's causes.
  std::set<std::string> causes = {lc.entry_cause()};
  for (const auto& t : lc.transitions()) causes.insert(t.cause);
  BOOST_TEST(EnumOf(schemas["HistoryEntry"]["properties"]["cause"]) == causes, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(EmbeddedSpecFilesAreTheSourceFiles) {
  // The server compiles spec/errors.yaml and spec/lifecycle.yaml in: a stale
  // copy would answer with statuses the spec no longer says.
  const auto statuses = ErrorStatuses();
  const auto& builtin = ErrorCatalog::Builtin().statuses();
  BOOST_TEST(builtin.size() == statuses.size());
  for (const auto& [code, status] : statuses) {
    const auto it = builtin.find(code);
    BOOST_TEST((it != builtin.end() && it->second == status), code);
  }
  const ErrorCatalog& errors = ErrorCatalog::Builtin();
  BOOST_TEST(errors.HttpStatus(ErrorCode::kDuplicatePurchase) == statuses.at("DUPLICATE_PURCHASE"));
  BOOST_TEST(errors.HttpStatus(ErrorCode::kFulfillmentFailed) == statuses.at("FULFILLMENT_FAILED"));
  BOOST_TEST(static_cast<int>(errors.InjectedCodeFor(429)) == static_cast<int>(ErrorCode::kRateLimited));
  BOOST_TEST(static_cast<int>(errors.InjectedCodeFor(418)) == static_cast<int>(ErrorCode::kInjectedFault));
}

BOOST_AUTO_TEST_CASE(EveryDocumentedOperationIsRouted) {
  const Catalog catalog = Catalog::Load(PURCHASE_TEST_FIXTURES);
  // The server as purchase-server serves it: the sandbox router over the API.
  const ManualClock wall(0);
  http::HlSandboxShared shared;
  shared.catalog = &catalog;
  shared.lifecycle = &Lifecycle::Builtin();
  shared.errors = &ErrorCatalog::Builtin();
  shared.obligations = &ClientObligations::Builtin();
  shared.wall_clock = &wall;
  shared.clock = [](std::optional<Millis> at) { return std::make_unique<ManualClock>(at.value_or(0)); };
  http::SandboxOptions options;
  options.wall_ms = [] { return int64_t{0}; };
  http::SandboxRouter api(std::make_unique<http::HlSandbox>(shared, 1, std::nullopt), http::HlSandboxFactory(shared),
                          http::CatalogErrorRenderer(ErrorCatalog::Builtin().statuses(), "spec/errors.yaml"), options);
  const YAML::Node root = LoadSpec("openapi.yaml");
  int operations = 0;
  for (const auto& path : root["paths"]) {
    for (const auto& op : path.second) {
      std::string method = op.first.Scalar();
      if (method == "parameters" || method == "summary" || method == "description") continue;
      for (char& c : method) c = static_cast<char>(std::toupper(c));
      std::string concrete = path.first.Scalar();
      for (size_t open; (open = concrete.find('{')) != std::string::npos;)
        concrete.replace(open, concrete.find('}', open) - open + 1, "x");
      // An unrouted path answers like one that is surely not an endpoint
      // (the same body with the path in it); a routed one answers anything else.
      auto handle = [&](const std::string& p) {
        http::HttpRequest req;
        req.method = method;
        req.path = p;
        return api.Handle(req);
      };
      const std::string nowhere = "/surely/not/an/endpoint";
      std::string unrouted = handle(nowhere).body;
      unrouted.replace(unrouted.find(nowhere), nowhere.size(), concrete);
      const http::HttpReply reply = handle(concrete);
      BOOST_TEST(reply.body != unrouted, method << " " << concrete << " is not routed: " << reply.body);
      BOOST_TEST(reply.status != 405, method << " " << concrete);
      ++operations;
    }
  }
  BOOST_TEST(operations >= 18);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace purchase
