// The server's framing corpus (valid requests of every shape and the
// hostile ones that once stopped, fooled or starved it) sent through
// conformance proxy's host, whole and then split at every byte and in
// random reads: the proxy answers every split as it answers the whole, byte
// for byte, so no way of cutting a client's bytes changes what it forwards.
// The upstream is the HL Connector's own HttpApi on the server's adapter, in
// process, with a manual clock (the corpus reads and moves the clock by 0).
#include <boost/test/unit_test.hpp>

#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "check/openapi.h"
#include "core/clock.h"
#include "core/lifecycle.h"
#include "hl_connector/catalog.h"
#include "hl_connector/error_catalog.h"
#include "hl_connector/http_api.h"
#include "hl_connector/purchase_service.h"
#include "http/pistache_server.h"
#include "proxy/judging_proxy.h"
#include "proxy/proxy_host.h"
#include "testing/framing_corpus.h"
#include "testing/raw_socket.h"
#include "testing/test_support.h"

namespace conformance {
namespace {

using namespace std::chrono_literals;

constexpr purchase::Millis kStart = 1767225600000;  // 2026-01-01T00:00:00Z

// The reference server in process, and the proxy in front of it.
struct ProxiedServer {
  ProxiedServer() {
    purchase::http::ServerOptions so;
    so.port = 0;
    so.threads = 1;
    so.log_requests = false;
    server = std::make_unique<purchase::http::PistacheServer>(api, so);
    const std::string upstream = "http://127.0.0.1:" + std::to_string(server->Start());
    static const auto spec = OpenApiSpec::Parse(ReadTestFile(CONFORMANCE_OPENAPI), "spec/openapi.yaml");
    ProxyOptions po;
    po.upstream = upstream;
    po.spec = spec.get();
    po.lifecycle = &purchase::Lifecycle::Builtin();
    po.log = &log;
    proxy = std::make_unique<JudgingProxy>(po);
    ProxyHostOptions ho;
    ho.upstream = upstream;
    ho.threads = 2;
    host = std::make_unique<ProxyHost>(*proxy, ho);
    port = host->Start();
  }

  purchase::Catalog catalog = purchase::Catalog::Load(std::string(CONFORMANCE_SOURCE_DIR) + "/fixtures");
  purchase::PurchaseService service{catalog, purchase::Lifecycle::Builtin(),
                                    std::make_unique<purchase::ManualClock>(kStart), {}};
  purchase::http::HttpApi api{service, purchase::ErrorCatalog::Builtin(), {}};
  std::unique_ptr<purchase::http::PistacheServer> server;
  std::ostringstream log;
  std::unique_ptr<JudgingProxy> proxy;
  std::unique_ptr<ProxyHost> host;  // declared last: stopped first
  uint16_t port = 0;
};

using purchase::testing::SendInPieces;

BOOST_AUTO_TEST_SUITE(ProxyWireTest)

BOOST_AUTO_TEST_CASE(TheProxyAnswersEverySplitOfTheFramingCorpusAsTheWhole) {
  ProxiedServer rig;
  // A request that closes after the case's own: the end of the replies is
  // the end of the stream.
  const std::string close_request = "GET /_control/clock HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  std::mt19937 random(11);
  size_t exchanges = 0;
  for (const auto& c : purchase::http::testing::FramingCorpus()) {
    const std::string bytes = c.bytes + close_request;
    const std::string whole = SendInPieces(rig.port, bytes, {});
    BOOST_TEST_REQUIRE(whole.find("<timeout>") == std::string::npos, c.name << ": " << whole);
    BOOST_TEST_REQUIRE(whole.rfind("HTTP/1.", 0) == 0, c.name << ": " << whole);
    for (const auto& cuts : purchase::testing::SplitsOf(bytes.size(), random, 3)) {
      const std::string split = SendInPieces(rig.port, bytes, cuts);
      ++exchanges;
      BOOST_TEST_REQUIRE(split == whole, c.name << ", reads starting at " << cuts.front() << " (" << cuts.size()
                                               << " cuts):\n"
                                               << split << "\n--- whole:\n"
                                               << whole);
    }
  }
  BOOST_TEST_MESSAGE(exchanges << " split exchanges through the proxy");
  // The proxy is still serving, and forwarded nothing it could not frame.
  const std::string after = SendInPieces(rig.port, close_request, {});
  BOOST_TEST(after.rfind("HTTP/1.1 200 OK\r\n", 0) == 0, after);
  BOOST_TEST(rig.proxy->totals().upstream_failures == 0u);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace conformance
