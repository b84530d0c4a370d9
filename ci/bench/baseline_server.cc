// bench_baseline_server: the smallest useful Pistache server, the baseline of
// every server figure of ci/bench/run. It answers with fixed small JSON bodies,
// on the same number of I/O threads as purchase-server, with the same
// keep-alive fix (Pistache 0.0.5 answers "Connection: Close" to HTTP/1.1
// requests without a Connection header yet keeps the socket open). A validate
// gets a token-shaped body and a register a 201, so register.lua and
// mixed.lua send it the same mix of validates and registers as the server
// (with a fixed "ok" body for every request, they only ever validated).
//
//   bench_baseline_server --port 0 --threads 1   # prints "listening on http://127.0.0.1:PORT"
//
// Stops on SIGTERM or SIGINT (blocked before Pistache starts, then sigwait()).
#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include <pistache/endpoint.h>
#include <pistache/http.h>

using namespace Pistache;

namespace {

class FixedReply : public Http::Handler {
 public:
  HTTP_PROTOTYPE(FixedReply)

  void onRequest(const Http::Request& request, Http::ResponseWriter response) override {
    auto connection = request.headers().tryGet<Http::Header::Connection>();
    const bool client_closes = connection && connection->control() == Http::ConnectionControl::Close;
    if (request.version() == Http::Version::Http11 && !client_closes)
      response.headers().remove<Http::Header::Connection>();
    static const Http::Mime::MediaType kJson = Http::Mime::MediaType::fromString("application/json; charset=utf-8");
    const std::string& path = request.resource();
    if (request.method() == Http::Method::Post && path == "/purchase/validate-purchase-before-payment")
      response.send(Http::Code::Ok, R"({"token":"tok_00000000000000000000000000000000","exp_date":"2026-01-01T00:15:00Z"})",
                    kJson);
    else if (request.method() == Http::Method::Post && path == "/purchase/register")
      response.send(Http::Code::Created, R"({"order_id":"ord_0000000000000000","status":"PROCESSING"})", kJson);
    else
      response.send(Http::Code::Ok, R"({"status":"ok","service":"baseline"})", kJson);
  }
};

}  // namespace

int main(int argc, char** argv) {
  int port = 0, threads = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--port") == 0) port = std::atoi(argv[i + 1]);
    else if (std::strcmp(argv[i], "--threads") == 0) threads = std::atoi(argv[i + 1]);
    else {
      std::fprintf(stderr, "usage: %s [--port N] [--threads N]\n", argv[0]);
      return 2;
    }
  }
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  Http::Endpoint endpoint(Address("127.0.0.1", Port(port)));
  endpoint.init(Http::Endpoint::options().threads(threads).flags(Tcp::Options::ReuseAddr));
  endpoint.setHandler(Http::make_handler<FixedReply>());
  endpoint.serveThreaded();
  std::printf("listening on http://127.0.0.1:%u\n", static_cast<unsigned>(endpoint.getPort()));
  std::fflush(stdout);
  int sig = 0;
  sigwait(&signals, &sig);
  endpoint.shutdown();
  return 0;
}
