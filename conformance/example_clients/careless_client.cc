// careless-client: the purchase of example-client written carelessly, as a
// counter-example. DO NOT COPY IT. Each sin below breaks one obligation of
// spec/client-obligations.yaml, and the reference server's audit
// (GET /_control/audit) must name every one of them; ci/client_drills checks that.
//
//   sin                                                   obligation it breaks
//   registers a second purchase with a guessed token      validate-before-register
//   reuses the validation token for a second purchase     never-reuse-token
//   registers again "to be sure" after a 409              adopt-order-on-duplicate
//   polls /purchase/info in a tight loop                  honour-retry-after
//   keeps polling after the order completed               stop-polling-when-settled
//   asks for a download URL on every poll                 urls-only-when-completed
//   keeps a URL and fetches it much later                 fetch-before-expiry
//   retries a 503 or 429 at once, in a loop               backoff-on-errors (only when the server sends one,
//                                                         e.g. under --drill flaky-503)
//   cancels the order, then still uses its URL            treat-canceled-as-revoked
//
// The URL sin needs a URL that expires before the client comes back to it
// (--stale-after, default 1 s of wall time): run the server with a short
// --url-ttl, e.g. --clock real --time-scale 100 --url-ttl 50.
// Same options as example-client; prints one line per request; exits 0 once
// it has done all of that (its audit is what matters).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include "purchase_api_client.h"

namespace {

constexpr int kMaxLoop = 5000;  // even a careless client ends

struct Options {
  std::string base_url = "http://127.0.0.1:8080";
  std::string token;
  std::string asset = "asset-basic";
  std::string vendor_order_id;
  std::string customer_ip = "203.0.113.7";
  double stale_after = 1.0;
};

class CarelessClient {
 public:
  explicit CarelessClient(const Options& o) : o_(o), api_(o.base_url, o.token) {}

  // Sends until the answer is neither 5xx nor 429: no wait, no backoff (sin).
  ApiReply Send(const ApiRequest& request) {
    ApiReply reply;
    for (int i = 0; i < 20; ++i) {
      reply = api_.Send(request);
      ++requests_;
      if (!quiet_) Log(request, reply);
      if (reply.status != 429 && reply.status < 500) break;
    }
    return reply;
  }

  std::string Register(const std::string& token, const std::string& vendor_order_id) {
    const ApiReply r = Send({"POST", "/purchase/register",
                            JsonObject().Add("token", token).Add("asset_id", o_.asset).Add("quantity", 1L)
                                .Add("vendor_order_id", vendor_order_id).Text()});
    return r.Str("order_id");
  }

  int Run() {
    const ApiReply validated =
        Send({"POST", "/purchase/validate-purchase-before-payment",
              JsonObject().Add("asset_id", o_.asset).Add("quantity", 1L).Add("customer_ip", o_.customer_ip).Text()});
    const std::string token = validated.Str("token");
    const std::string order_id = Register(token, o_.vendor_order_id);
    if (order_id.empty()) return Done(1, "the first register failed");

    Register(token, o_.vendor_order_id);         // "to be sure": 409
    Register(token, o_.vendor_order_id);         // and again: 409 again
    Register(token, o_.vendor_order_id + "-2");  // a second purchase on the same token
    Register("tok_guessed", o_.vendor_order_id + "-3");  // no validation at all

    // Poll and ask for a URL on every turn, as fast as possible; three more
    // polls after the one that showed it COMPLETED, just in case. Only the first and last turns are printed.
    const std::string info = "/purchase/info?order_id=" + UrlEncode(order_id);
    const std::string ask = "/purchase/download-url?order_id=" + UrlEncode(order_id);
    ApiReply url;
    int polls_after = 0, turns = 0;
    for (; turns < kMaxLoop && polls_after < 4; ++turns) {
      quiet_ = turns >= 2;
      const ApiReply polled = Send({"GET", info, ""});
      if (polled.Str("status") == "COMPLETED") {
        ++polls_after;
        continue;
      }
      if (polled.Str("status") != "PROCESSING") return Done(1, "order ended " + polled.Summary());
      url = Send({"GET", ask, ""});
    }
    quiet_ = false;
    std::printf("     ... %d turns of info + download-url in a tight loop, %d requests so far\n", turns, requests_);
    if (polls_after < 4) return Done(1, "the order never completed");

    // Keep the URL for later (it expires meanwhile), then fetch it.
    url = Send({"GET", ask, ""});
    std::this_thread::sleep_for(std::chrono::duration<double>(o_.stale_after));
    Send({"GET", url.Str("url"), "", false});

    // Cancel for a refund, but keep using the download link.
    url = Send({"GET", ask, ""});
    Send({"DELETE", "/purchase/cancel?order_id=" + UrlEncode(order_id), ""});
    Send({"GET", url.Str("url"), "", false});
    return Done(0, "done, carelessly");
  }

 private:
  static void Log(const ApiRequest& request, const ApiReply& reply) {
    std::string target = request.target;
    if (!request.authorize) target = target.substr(0, target.find('?')) + "?...";
    std::printf("%-4s %-58s -> %s\n", request.method.c_str(), target.c_str(), reply.Summary().c_str());
    std::fflush(stdout);
  }
  int Done(int status, const std::string& what) {
    std::printf("result: %s (%d requests)\n", what.c_str(), requests_);
    return status;
  }

  const Options o_;
  PurchaseApiClient api_;
  int requests_ = 0;
  bool quiet_ = false;
};

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--base-url") o.base_url = value;
    else if (flag == "--token") o.token = value;
    else if (flag == "--asset") o.asset = value;
    else if (flag == "--vendor-order-id") o.vendor_order_id = value;
    else if (flag == "--customer-ip") o.customer_ip = value;
    else if (flag == "--stale-after") o.stale_after = std::atof(value.c_str());
    else {
      std::fprintf(stderr, "careless-client: unknown option %s\n", flag.c_str());
      return 2;
    }
  }
  if (argc % 2 == 0 || o.token.empty() || o.vendor_order_id.empty()) {
    std::fprintf(stderr,
                 "usage: careless-client --token ACCESS_TOKEN --vendor-order-id ID [--base-url URL] [--asset ASSET_ID]\n"
                 "                       [--customer-ip IP] [--stale-after SECONDS]\n");
    return 2;
  }
  return CarelessClient(o).Run();
}
