// The whole runner (RunScenario with the real libcurl client) against a target
// that misbehaves on the wire: it resets connections, stalls past the
// timeout, answers something that is not JSON, sends a 10 MB body, or closes
// in the middle of a response. Each must end as one failed step with a message
// that says what happened, within the time limit, never a crash or a hang;
// and the next scenario on the same target must run normally.
// (curl_http_client_test.cc pins the client's own transport errors; this
// file pins what the runner makes of them.)
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <thread>

#include <boost/test/unit_test.hpp>

#include "core/lifecycle.h"
#include "exec/runner.h"
#include "scenario/loader.h"
#include "testing/fake_clock.h"
#include "testing/loopback_server.h"
#include "testing/test_support.h"

namespace conformance {
namespace {

using testing::WriteAll;

// A loopback server that hands the socket of each request to `misbehave`,
// then closes the connection.
class HostileTarget : public testing::LoopbackServer {
 public:
  using Misbehave = std::function<void(int fd)>;
  explicit HostileTarget(Misbehave misbehave)
      : LoopbackServer([misbehave = std::move(misbehave)](int fd, const std::string&) { misbehave(fd); },
                       Connection::kCloseAfterEachRequest) {}
};

const OpenApiSpec& Mini() {
  static const auto spec = OpenApiSpec::Parse(ReadTestFile(TestData("mini_spec/openapi.yaml")), "mini_spec/openapi.yaml");
  return *spec;
}

struct Run {
  ScenarioResult result;
  std::chrono::milliseconds took;
};

HttpClientOptions FastFailing() {
  HttpClientOptions options;
  options.timeout_ms = 500;
  options.connect_timeout_ms = 500;
  return options;
}

// Runs a one-step scenario (GET /orders/ord_1, expecting 200) against the
// target with a 500 ms exchange limit, on `client` (as RunSuite keeps one
// from scenario to scenario) or, when null, on a new one.
Run RunAgainst(const HostileTarget& server, HttpClient* client = nullptr) {
  Target target;
  target.base_url = server.base_url();
  target.token = "tok-a";
  FakeClock clock;
  RunContext ctx;
  ctx.target = &target;
  ctx.spec = &Mini();
  ctx.lifecycle = &purchase::Lifecycle::Builtin();
  ctx.clock = &clock;
  ctx.run_id = "r1";
  auto loaded = LoadScenarioText("steps:\n  - request: GET /orders/ord_1\n    expect: {status: 200}\n", "t.yaml");
  BOOST_REQUIRE(loaded.errors.empty());
  std::unique_ptr<HttpClient> own;
  if (!client) {
    own = NewCurlHttpClient(FastFailing());
    client = own.get();
  }
  const auto start = std::chrono::steady_clock::now();
  ScenarioResult r = RunScenario(loaded.scenarios[0], *client, ctx, 1);
  return {std::move(r), std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start)};
}

std::string FirstFailure(const ScenarioResult& r) {
  for (const auto& s : r.steps)
    for (const auto& f : s.failures) return f.where.ToString() + ": " + f.message;
  return "";
}

// The scenario failed at its step, with a message containing `says`, in time.
void ExpectCleanFailure(const Run& run, const std::string& says) {
  BOOST_TEST((run.result.outcome == Outcome::kFailed));
  BOOST_REQUIRE_EQUAL(run.result.steps.size(), 1u);
  BOOST_TEST((run.result.steps[0].outcome == Outcome::kFailed));
  const std::string failure = FirstFailure(run.result);
  BOOST_TEST(failure.rfind("t.yaml:2:", 0) == 0, failure);  // points at the step
  BOOST_TEST(failure.find(says) != std::string::npos, failure);
  BOOST_TEST(run.took.count() < 5000, "took " << run.took.count() << " ms");
}

const std::string kOk = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 42\r\n\r\n"
                        R"({"order_id":"ord_1","status":"PROCESSING"})";

BOOST_AUTO_TEST_SUITE(HostileTargetTest)

BOOST_AUTO_TEST_CASE(ATargetThatResetsTheConnectionFailsTheStep) {
  HostileTarget server([](int fd) {
    linger l{1, 0};  // close with RST instead of FIN
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  });
  ExpectCleanFailure(RunAgainst(server), "no response from GET");
}

BOOST_AUTO_TEST_CASE(ATargetThatStallsPastTheTimeoutFailsTheStep) {
  HostileTarget server([](int) { std::this_thread::sleep_for(std::chrono::milliseconds(1500)); });
  const Run run = RunAgainst(server);
  ExpectCleanFailure(run, "no response from GET");
  BOOST_TEST(run.took.count() < 1400, "the 500 ms timeout was not applied: " << run.took.count() << " ms");
}

BOOST_AUTO_TEST_CASE(ATargetThatStallsInTheMiddleOfTheBodyFailsTheStep) {
  HostileTarget server([](int fd) {
    WriteAll(fd, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"order_id\":");
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  });
  ExpectCleanFailure(RunAgainst(server), "no response from GET");
}

BOOST_AUTO_TEST_CASE(ATargetThatAnswersSomethingElseThanJsonFailsTheStep) {
  HostileTarget server([](int fd) {
    const std::string body("<html>oops</html>\x00\xff\xfe\x01\x02", 22);
    WriteAll(fd, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 22\r\n\r\n" + body);
  });
  const Run run = RunAgainst(server);
  BOOST_TEST((run.result.outcome == Outcome::kFailed));
  BOOST_TEST(FirstFailure(run.result).find("t.yaml:2:") == 0u, FirstFailure(run.result));
  BOOST_TEST(FirstFailure(run.result).find("no response") == std::string::npos, FirstFailure(run.result));
  BOOST_TEST(run.took.count() < 5000);
  BOOST_TEST_MESSAGE("non-JSON body: " << FirstFailure(run.result));
}

BOOST_AUTO_TEST_CASE(ATargetThatAnswersGarbageInsteadOfHttpFailsTheStep) {
  HostileTarget server([](int fd) { WriteAll(fd, std::string("\x16\x03\x01 this is not HTTP at all\r\n\r\n", 30)); });
  ExpectCleanFailure(RunAgainst(server), "no response from GET");
}

BOOST_AUTO_TEST_CASE(ATargetThatSendsTenMegabytesFailsTheStep) {
  HostileTarget server([](int fd) {
    const size_t size = 10 * 1024 * 1024;
    WriteAll(fd, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(size) + "\r\n\r\n");
    WriteAll(fd, "[" + std::string(size - 2, '1') + "]");
  });
  ExpectCleanFailure(RunAgainst(server), "no response from GET");
}

BOOST_AUTO_TEST_CASE(ATargetThatSendsTenMegabytesWithoutALengthFailsTheStep) {
  HostileTarget server([](int fd) {
    WriteAll(fd, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n");
    WriteAll(fd, std::string(10 * 1024 * 1024, ' '));
  });
  ExpectCleanFailure(RunAgainst(server), "no response from GET");
}

BOOST_AUTO_TEST_CASE(ATargetThatClosesInTheMiddleOfAResponseFailsTheStep) {
  HostileTarget server([](int fd) {
    WriteAll(fd, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"order_id\":\"ord_");
  });
  ExpectCleanFailure(RunAgainst(server), "no response from GET");
}

// libcurl takes a head cut off mid-line, then a close, as a whole response
// (status 200, the cut header dropped, no body), so the step fails on what is
// missing (here the Content-Type) rather than as a transport error.
BOOST_AUTO_TEST_CASE(ATargetThatClosesInTheMiddleOfTheHeadersFailsTheStep) {
  HostileTarget server([](int fd) { WriteAll(fd, "HTTP/1.1 200 OK\r\nContent-Type: appl"); });
  ExpectCleanFailure(RunAgainst(server), "GET /orders/ord_1");
}

BOOST_AUTO_TEST_CASE(AfterEachFaultTheNextScenarioRunsNormally) {
  int calls = 0;
  HostileTarget server([&calls](int fd) {
    if (++calls % 2 == 1) {
      linger l{1, 0};
      setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
      return;
    }
    WriteAll(fd, kOk);
  });
  BOOST_TEST((RunAgainst(server).result.outcome == Outcome::kFailed));
  const Run second = RunAgainst(server);
  BOOST_TEST((second.result.steps.at(0).failures.empty() ||
              FirstFailure(second.result).find("no response") == std::string::npos),
             FirstFailure(second.result));
}

// RunSuite keeps one client for all the scenarios of a worker, so whatever a
// fault leaves of the connection must not reach the next scenario: it passes
// on the same client, and so does one after the target closed a good
// connection.
BOOST_AUTO_TEST_CASE(AfterEachFaultTheNextScenarioOnTheSameClientPasses) {
  const std::vector<std::pair<std::string, HostileTarget::Misbehave>> faults = {
      {"reset",
       [](int fd) {
         linger l{1, 0};
         setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
       }},
      {"close mid-body",
       [](int fd) {
         WriteAll(fd, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"order_id\":");
       }},
      {"stall mid-body past the timeout",
       [](int fd) {
         WriteAll(fd, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"order_id\":");
         std::this_thread::sleep_for(std::chrono::milliseconds(700));
       }},
      {"garbage", [](int fd) { WriteAll(fd, std::string("\x16\x03\x01 this is not HTTP at all\r\n\r\n", 30)); }},
      {"a good answer, then close", [](int fd) { WriteAll(fd, kOk); }},
  };
  for (const auto& [name, fault] : faults) {
    int calls = 0;
    HostileTarget server([&calls, fault = fault](int fd) {
      if (++calls == 1) return fault(fd);
      WriteAll(fd, kOk);
    });
    auto client = NewCurlHttpClient(FastFailing());
    RunAgainst(server, client.get());
    const Run second = RunAgainst(server, client.get());
    BOOST_TEST((second.result.outcome == Outcome::kPassed), name << ": " << FirstFailure(second.result));
  }
}

BOOST_AUTO_TEST_CASE(ProbingATargetThatResetsSaysUnreachableWithoutThrowing) {
  HostileTarget server([](int fd) {
    linger l{1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  });
  HttpClientOptions options;
  options.timeout_ms = 500;
  auto client = NewCurlHttpClient(options);
  const ProbeResult probe = ProbeTarget(*client, server.base_url(), "");
  BOOST_TEST(!probe.reachable);
  BOOST_TEST(!probe.error.empty());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace conformance
