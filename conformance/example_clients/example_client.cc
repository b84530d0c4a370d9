// example-client: buys one asset from the Purchase API the way the contract
// says, printing one line per request. It is written to be read: a model for
// integrators, which passes every client drill (fixtures/drills.yaml) with a
// clean audit (GET /_control/audit). Each step names the obligation of
// spec/client-obligations.yaml it keeps.
//
//   example-client --base-url http://127.0.0.1:8080 --token test-token-vendor-a
//                  --asset asset-basic --vendor-order-id vo-1001 --customer-ip 203.0.113.7
//
// The purchase:
//   1. Validate; the answer is a one-time token.     validate-before-register
//   2. Register with it, once. A lost reply is sent  never-reuse-token,
//      again as it was; the 409 that answers names   adopt-order-on-duplicate
//      the order, which the client adopts.
//   3. Poll /purchase/info, sleeping as Retry-After  honour-retry-after,
//      says, until COMPLETED, FAILED or CANCELED.    stop-polling-when-settled
//   4. Only when COMPLETED: get a download URL and   urls-only-when-completed,
//      fetch it at once; if it expired anyway, ask   fetch-before-expiry
//      for a new one.
//   5. A while later, look at the order once more:   treat-canceled-as-revoked
//      CANCELED means access is revoked, so the
//      client drops its URLs and asks for no more.
// Every request answered 429 or 5xx (or with no reply at all) is sent again
// after Retry-After (1 s without one), waiting longer each time: backoff-on-errors.
//
// Exit status: 0 the asset was delivered and still is; 1 the purchase did not
// go through or was revoked (refused, FAILED, CANCELED); 2 usage; 3 the
// service could not be reached or kept failing. The last line printed is
// "result: <COMPLETED|FAILED|CANCELED|REFUSED|ERROR> ...".
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>

#include "purchase_api_client.h"

namespace {

struct Options {
  std::string base_url = "http://127.0.0.1:8080";
  std::string token;  // the vendor's access token
  std::string asset = "asset-basic";
  std::string vendor_order_id;  // your own id for this purchase; the key that makes a retried register safe
  std::string customer_ip = "203.0.113.7";
  double recheck_after = 2.0;  // seconds before looking at a delivered order once more
};

constexpr int kMaxAttempts = 6;  // per request, before giving up on a struggling service
constexpr int kMaxPolls = 200;   // a real client would keep the order pending and resume later

void Sleep(double seconds) { std::this_thread::sleep_for(std::chrono::duration<double>(seconds)); }

std::string Seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g s", s);
  return buf;
}

// Prints one line per request: what was sent, what came back, what the client does next.
void Log(const ApiRequest& request, const ApiReply& reply, const std::string& next) {
  std::string target = request.target;
  if (!request.authorize) target = target.substr(0, target.find('?')) + "?...";  // a signed URL: keep it short
  std::printf("%-4s %-58s -> %-34s %s\n", request.method.c_str(), target.c_str(), reply.Summary().c_str(),
              next.c_str());
  std::fflush(stdout);
}

int Result(int exit_status, const std::string& outcome, const std::string& detail) {
  std::printf("result: %s (%s)\n", outcome.c_str(), detail.c_str());
  return exit_status;
}

// An answer worth sending the same request again for: the service is
// struggling (5xx), limiting us (429), or the reply was lost. A 502
// FULFILLMENT_FAILED is not one of them: it is the order's final answer.
bool IsTransient(const ApiReply& reply) {
  if (reply.lost) return true;
  if (reply.status == 429) return true;
  return reply.status >= 500 && reply.ErrorCode() != "FULFILLMENT_FAILED";
}

// Sends a request until its answer is not transient: after each transient one
// it waits what Retry-After says (1 s without one), and half as long again as
// last time when that is longer (backoff), up to kMaxAttempts. Sending a lost
// register again is safe: the server knows the vendor_order_id and answers 409.
// It logs the transient answers; the caller logs the final one.
class Caller {
 public:
  explicit Caller(PurchaseApiClient& api) : api_(api) {}

  ApiReply Call(const ApiRequest& request) {
    double backoff = 0;
    for (int attempt = 1;; ++attempt) {
      ApiReply reply = api_.Send(request);
      if (!IsTransient(reply) || attempt == kMaxAttempts) return reply;
      const double wait = std::max(reply.retry_after ? double(*reply.retry_after) : 1.0, backoff * 1.5);
      Log(request, reply, (reply.lost ? "reply lost: same request again in " : "retrying in ") + Seconds(wait));
      Sleep(wait);
      backoff = wait;
    }
  }

 private:
  PurchaseApiClient& api_;
};

std::string InfoTarget(const std::string& order_id) { return "/purchase/info?order_id=" + UrlEncode(order_id); }

int Purchase(const Options& o) {
  PurchaseApiClient api(o.base_url, o.token);
  Caller caller(api);

  // 1. Validate. The token carries validation's checks (asset, region,
  //    quantity) into the register; it is good for one register only.
  const ApiRequest validate{"POST", "/purchase/validate-purchase-before-payment",
                            JsonObject().Add("asset_id", o.asset).Add("quantity", 1L).Add("customer_ip", o.customer_ip).Text()};
  const ApiReply validated = caller.Call(validate);
  if (validated.status != 200) {
    Log(validate, validated, "cannot buy this asset");
    return Result(validated.status == 0 || IsTransient(validated) ? 3 : 1, validated.status ? "REFUSED" : "ERROR",
                  "validation: " + validated.Summary());
  }
  const std::string token = validated.Str("token");
  Log(validate, validated, "token good until " + validated.Str("exp_date"));

  // 2. Register. If the reply was lost, Caller sent the same register again;
  //    the order already existed, so the answer is 409 DUPLICATE_PURCHASE with
  //    the order's id in error.order_id: adopt it. Never validate and register
  //    again for the same vendor_order_id. (libcurl itself resends a request
  //    once when a reused keep-alive connection closes without a reply, so a
  //    409 can be the first answer this client sees: adopt it all the same.)
  const ApiRequest register_request{
      "POST", "/purchase/register",
      JsonObject().Add("token", token).Add("asset_id", o.asset).Add("quantity", 1L).Add("vendor_order_id", o.vendor_order_id).Text()};
  const ApiReply registered = caller.Call(register_request);
  std::string order_id;
  if (registered.status == 201) {
    order_id = registered.Str("order_id");
    Log(register_request, registered, "order " + order_id);
  } else if (registered.status == 409 && registered.ErrorCode() == "DUPLICATE_PURCHASE") {
    order_id = registered.Str("error", "order_id");
    Log(register_request, registered, "already registered: adopting order " + order_id);
  } else {
    Log(register_request, registered, "not registered");
    return Result(registered.status == 0 || IsTransient(registered) ? 3 : 1, registered.status ? "REFUSED" : "ERROR",
                  "register: " + registered.Summary());
  }

  // 3. Poll until the order settles. 202 means PROCESSING: Retry-After is the
  //    earliest moment the answer can change, so sleep exactly that long.
  ApiReply info;
  for (int poll = 1;; ++poll) {
    const ApiRequest request{"GET", InfoTarget(order_id), ""};
    info = caller.Call(request);
    if (info.status != 202) {
      Log(request, info, info.Str("status").empty() ? "" : "settled: polling stops");
      break;
    }
    if (poll == kMaxPolls) {
      Log(request, info, "still processing: giving up for now");
      return Result(3, "ERROR", "order " + order_id + " still PROCESSING after " + std::to_string(poll) + " polls");
    }
    const double wait = info.retry_after ? double(*info.retry_after) : 1.0;
    Log(request, info, "polling again in " + Seconds(wait) + " (Retry-After)");
    Sleep(wait);
  }
  const std::string status = info.Str("status");
  if (status == "FAILED") return Result(1, "FAILED", "order " + order_id + ": " + info.Str("failure_reason"));
  if (status == "CANCELED") return Result(1, "CANCELED", "order " + order_id + " was canceled: no access");
  if (status != "COMPLETED") return Result(3, "ERROR", "order " + order_id + ": " + info.Summary());

  // 4. COMPLETED: now, and only now, the order has URLs. They are short-lived,
  //    so fetch at once; if one expired anyway, ask for a new one (once). A 410
  //    ORDER_CANCELED means access was revoked: stop asking.
  size_t delivered = 0;
  for (int url_attempt = 1; url_attempt <= 2 && delivered == 0; ++url_attempt) {
    const ApiRequest ask{"GET", "/purchase/download-url?order_id=" + UrlEncode(order_id), ""};
    const ApiReply url = caller.Call(ask);
    if (url.status == 410) {
      Log(ask, url, "access revoked: no more URLs");
      return Result(1, "CANCELED", "order " + order_id + " was canceled: access revoked");
    }
    if (url.status != 200) {
      Log(ask, url, "no URL");
      return Result(3, "ERROR", "download-url: " + url.Summary());
    }
    Log(ask, url, "valid until " + url.Str("expires_at") + ": fetching it now");

    const ApiRequest fetch{"GET", url.Str("url"), "", /*authorize=*/false};
    const ApiReply file = caller.Call(fetch);
    if (file.status == 200) {
      delivered = file.body.size();
      Log(fetch, file, "delivered " + std::to_string(delivered) + " bytes");
    } else if (file.status == 410 && file.ErrorCode() == "URL_EXPIRED") {
      Log(fetch, file, "expired before use: asking for a new URL");
    } else if (file.status == 410) {
      Log(fetch, file, "access revoked: dropping the URL");
      return Result(1, "CANCELED", "order " + order_id + " was canceled: access revoked");
    } else {
      Log(fetch, file, "not delivered");
      return Result(3, "ERROR", "fetch: " + file.Summary());
    }
  }
  if (delivered == 0) return Result(3, "ERROR", "the asset was not delivered");

  // 5. A completed order can still be canceled later (by the vendor's back
  //    office, for a refund...). Look once more after a while: CANCELED means
  //    access is revoked, so the client forgets its URLs and asks for no more.
  //    (A real client does this on its own schedule, not in a loop.)
  Sleep(o.recheck_after);
  const ApiRequest recheck{"GET", InfoTarget(order_id), ""};
  const ApiReply later = caller.Call(recheck);
  if (later.Str("status") == "CANCELED" || later.ErrorCode() == "ORDER_CANCELED") {
    Log(recheck, later, "access revoked: dropping the URLs");
    return Result(1, "CANCELED", "order " + order_id + " was canceled after delivery: access revoked");
  }
  Log(recheck, later, later.Str("status") == "COMPLETED" ? "still COMPLETED: done" : "");
  return Result(0, "COMPLETED", "order " + order_id + ", " + std::to_string(delivered) + " bytes delivered");
}

int Usage(const char* problem) {
  if (problem) std::fprintf(stderr, "example-client: %s\n", problem);
  std::fprintf(stderr,
               "usage: example-client --token ACCESS_TOKEN --vendor-order-id ID [--base-url URL]\n"
               "                      [--asset ASSET_ID] [--customer-ip IP] [--recheck-after SECONDS]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--help" || flag == "-h") return Usage(nullptr);
    if (i + 1 >= argc) return Usage(("missing value after " + flag).c_str());
    const std::string value = argv[++i];
    if (flag == "--base-url") o.base_url = value;
    else if (flag == "--token") o.token = value;
    else if (flag == "--asset") o.asset = value;
    else if (flag == "--vendor-order-id") o.vendor_order_id = value;
    else if (flag == "--customer-ip") o.customer_ip = value;
    else if (flag == "--recheck-after") o.recheck_after = std::atof(value.c_str());
    else return Usage(("unknown option " + flag).c_str());
  }
  if (o.token.empty() || o.vendor_order_id.empty()) return Usage("--token and --vendor-order-id are required");
  return Purchase(o);
}
