// JudgingProxy: `conformance proxy`'s handler. It forwards every request a
// client sends to the upstream service and its answer back to the client,
// and judges each exchange as `run` judges its own: the request against the
// contract's request schemas and security (the client's mistakes), the
// answer against the response schemas and error codes, and every order it
// carries through the lifecycle (the service's mistakes).
//
// What passes through: the method, the path and query as sent, every header
// but the hop-by-hop ones (Connection, Keep-Alive, TE, Trailer,
// Transfer-Encoding, Upgrade, Proxy-*) and those the HTTP library writes
// itself (Host, Content-Length, Expect), the body byte for byte; back, the
// status, the same headers and the body. An upstream that cannot be reached
// or times out is a 502 JSON error (code UPSTREAM_FAILED) whose message names
// the cause; one that closes without answering has the client's connection
// closed the same way (a lost reply stays lost).
//
// Each client (the credential the operation's security asks for, within its
// sandbox) is also judged against its API's client obligations by the
// server's own audit (core/client_audit.h): a request without credentials
// that names an order (a signed URL's fetch) is its owner's; timing is wall
// time.
//
// Exchanges are forwarded in parallel (by Handle, each calling thread on a
// kept-alive connection of its own; or by a host that forwards by itself
// with Prepare and Conclude, proxy_host.h) and judged one at a time, in the
// order their answers arrive (the lifecycle follows orders across them);
// thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <ostream>
#include <string>
#include <vector>

#include "check/lifecycle_tracker.h"
#include "check/openapi.h"
#include <rapidjson/document.h>
#include "exec/http_client.h"
#include "core/client_audit.h"
#include "http/http_message.h"
#include "proxy/proxy_session.h"

namespace conformance {

struct ProxyOptions {
  std::string upstream;  // "http://host:port" or with a base path: every path is appended to it
  const OpenApiSpec* spec = nullptr;
  const purchase::Lifecycle* lifecycle = nullptr;
  std::function<std::unique_ptr<HttpClient>()> new_client;
  std::ostream* log = nullptr;  // one line per exchange, and one per violation
  bool log_clean = true;        // false: only the exchanges with a violation (--quiet)
  // Send the client's Host header on instead of the upstream's authority:
  // a server that builds URLs from Host (our reference server's signed URLs)
  // then hands out URLs through the proxy (--preserve-host).
  bool preserve_host = false;
  // The API's client obligations to audit (spec/client-obligations.yaml,
  // spec/<api>/client-obligations.yaml), or none.
  const purchase::ClientObligations* obligations = nullptr;
  // Called after each exchange, with the count so far (to stop after N).
  std::function<void(uint64_t)> on_exchange;
  // Keep every exchange, bodies and all, for Session() (--report, --record).
  // Off, memory stays flat however long the session runs.
  bool keep_session = false;
};

class JudgingProxy final : public purchase::http::RequestHandler {
 public:
  explicit JudgingProxy(ProxyOptions options);

  // Forwards on a client of options.new_client (blocking the calling
  // thread), then Conclude()s.
  purchase::http::HttpReply Handle(const purchase::http::HttpRequest& request) override;

  // The two halves of Handle, for a host that forwards by itself
  // (proxy_host.h): the request to send upstream (url, the headers that pass
  // through, body), and, once the upstream answered (or failed), the
  // judging of the exchange and the reply the client gets.
  HttpRequest Prepare(const purchase::http::HttpRequest& request) const;
  purchase::http::HttpReply Conclude(const purchase::http::HttpRequest& request, const HttpRequest& forward,
                                     const HttpResponse& response);

  struct Totals {
    uint64_t exchanges = 0;
    uint64_t client_violations = 0;
    uint64_t service_violations = 0;
    uint64_t upstream_failures = 0;  // unreachable, timed out
    uint64_t dropped = 0;            // closed by the upstream without an answer, passed on
    uint64_t orders = 0;  // orders followed through the lifecycle
  };
  Totals totals();
  // The summary printed at the end: counts, then each order's observed path.
  void WriteSummary(std::ostream& out);
  // Every exchange so far, in the order answered (empty unless keep_session).
  std::vector<ProxiedExchange> Session();
  // Every order followed, with its observed path.
  std::vector<OrderTrace> Traces();

 private:
  struct Where {
    std::string sandbox;         // "" for the default one
    std::string_view base_path;  // the /_sandbox/NAME prefix, if the path has one
    std::string_view path;       // below it
  };
  Where WhereOf(const purchase::http::HttpRequest& request) const;
  // Who the client is: the credential its request carries (the operation's
  // security: a bearer token, an API key), else its Authorization.
  std::string CredentialOf(const purchase::http::HttpRequest& request, const Where& where,
                           const HeaderList& headers) const;
  // What the spec alone decides (thread-safe, no lock): the request's
  // violations (the client's) and the answer's (the service's), its JSON
  // parsed into `body`. False when the spec has no such path (then nothing
  // more is judged).
  bool JudgeAgainstSpec(const purchase::http::HttpRequest& request, const Where& where,
                        const HeaderList& request_headers, const HttpResponse& response, rapidjson::Document& body,
                        ProxiedExchange& judged) const;
  // What follows orders and clients across exchanges (under mu_): the
  // lifecycle of the orders the answer shows, resets, the client audit.
  void JudgeAgainstState(const purchase::http::HttpRequest& request, const Where& where, const HttpResponse& response,
                         const rapidjson::Document& body, ProxiedExchange& judged);
  // Records the exchange for the client audit; returns the obligations it was
  // seen breaking. `credential`: the client's (CredentialOf); `shown`: the
  // orders the answer carried.
  std::vector<std::string> Audit(const purchase::http::HttpRequest& request, const Where& where,
                                 const std::string& credential, const HttpResponse& response,
                                 const rapidjson::Document& body, const std::vector<SeenOrder>& shown);

  const ProxyOptions options_;
  std::mutex clients_mu_;
  std::vector<std::unique_ptr<HttpClient>> idle_clients_;  // one per thread forwarding at once, kept
  std::mutex mu_;  // the judging: tracker, audit, totals, log
  LifecycleTracker tracker_;
  Totals totals_;
  std::unique_ptr<purchase::Clock> wall_;
  std::unique_ptr<purchase::ClientAudit> audit_;  // with options_.obligations
  std::map<std::string, uint16_t> vendors_;       // sandbox + '\n' + Authorization -> the audit's vendor
  std::vector<std::string> vendor_names_;         // by vendor: "vendor N (Bearer abc...)"
  std::map<std::string, uint16_t> owners_;        // sandbox + '\n' + order id -> its vendor
  size_t findings_reported_ = 0;
  const std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  std::vector<ProxiedExchange> session_;  // with keep_session
};

// Whether a header is hop-by-hop or one the HTTP library writes itself, and
// so is not passed through.
bool IsHopByHopHeader(std::string_view name);

}  // namespace conformance
