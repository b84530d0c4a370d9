// HttpApi: the HL Connector's surface on the one host (http/api_host.h),
// over plain request and reply values. The host routes, answers fault rules,
// the body limit and the control API (over this surface's port to its
// PurchaseService, audit and drills); HttpApi decodes, authenticates, asks
// PurchaseService and encodes. It holds no mutable state of its own (no
// mutex; under the other variant, one atomic request counter), so one
// instance serves every HTTP thread.
// Knowing nothing of sockets, it is tested and fuzzed without a network; the
// Pistache adapter (pistache_server.h) only copies bytes in and out.
#pragma once

#include <atomic>
#include <memory>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/client_audit.h"
#include "hl_connector/error_catalog.h"
#include "hl_connector/drills.h"
#include "hl_connector/purchase_service.h"
#include "core/variant.h"
#include "http/api_host.h"
#include "http/control_api.h"
#include "http/http_message.h"
#include "http/request_decoding.h"

namespace purchase::http {

struct ApiOptions {
  bool control_enabled = true;
  std::string control_token;   // empty: the control API needs no token
  // For URLs when a request has no usable Host and no local_authority (a
  // caller without a server: tests, fuzzers).
  std::string default_authority = "127.0.0.1:8080";
  size_t max_body_bytes = 64 * 1024;
  std::string version = "0.1.0";
  ClientAudit* audit = nullptr;  // records every vendor request when set
  // Named fault programs (fixtures/drills.yaml) that POST /_control/drills/{name} installs.
  const DrillBook* drills = nullptr;
  // How the open choices of replies and requests are made (core/variant.h):
  // Variant::kOther words and dresses every reply as hl_connector/variant_replies.h
  // says, ignores unknown request members and reports another version. The
  // service's ServiceOptions::variant chooses ids and tokens; the two are set
  // together by purchase-server, but each works with either.
  Variant variant = Variant::kReference;
  // GET /_control lists the capability "sandboxes" (a SandboxRouter serves it).
  bool sandboxes = false;
};

class HttpApi final : public RequestHandler {
 public:
  HttpApi(PurchaseService& service, const ErrorCatalog& errors, ApiOptions options);
  ~HttpApi() override;

  // Answers one request. Never throws: an unexpected exception becomes a
  // 500 INTERNAL_ERROR reply with a JSON body.
  HttpReply Handle(const HttpRequest& request) override;

 private:
  struct Call;       // what a handler is given (http_api.cc)
  struct QuerySpec;  // the query parameters an operation takes (http_api.cc)
  class Controls;    // its ControlPort (http_api.cc)
  using Handler = HttpReply (HttpApi::*)(const Call&);
  // Which steps run before an operation's handler.
  enum class Gate {
    kVendor,     // fault rules, the body limit, the vendor's access token, then the JSON body's errors
    kSignedUrl,  // fault rules and the body limit: the URL's signature is the handler's to check
  };
  // One route's entry: what runs before its handler, and the handler.
  struct Operation {
    Gate gate;
    bool json_body;          // the body must be a JSON object
    const QuerySpec* query;  // decoded before the fault rules (which may name the order), or none
    Handler handle;
  };

  // One request's passage through the host (http/api_host.h): decodes what
  // fault rules match on, then runs the operation's Gate and handler, and
  // records every answer for the audit.
  class Exchange;
  friend class ApiHost<HttpApi>;

  // The operations, one each, registered in the constructor. A handler may
  // rely on what its Operation asks for (a parsed body, a decoded query).
  HttpReply Validate(const Call& call);
  HttpReply Register(const Call& call);
  HttpReply Info(const Call& call);
  HttpReply DownloadUrl(const Call& call);
  HttpReply ViewUrl(const Call& call);
  HttpReply Cancel(const Call& call);
  HttpReply AssetDownload(const Call& call);
  HttpReply AssetView(const Call& call);
  HttpReply IssueUrl(const Call& call, UrlKind kind);
  HttpReply FetchAsset(const Call& call, UrlKind kind);

  HttpReply ErrorReply(const Error& error, int status_override = 0) const;
  HttpReply JsonReply(int status, std::string body) const;
  std::string AuditJson() const;
  // Records an answered request of route `pattern` for the client audit;
  // `vendor` is the caller (for a signed-URL fetch, the order's owner), none
  // for unauthenticated ones.
  void Audit(const HttpRequest& req, std::string_view pattern, std::optional<VendorRef> vendor,
             std::string_view order_id, const HttpReply& reply);

  PurchaseService& service_;
  const ErrorCatalog& errors_;
  const ApiOptions options_;
  const UnknownMembers unknown_;  // from options_.variant
  std::vector<Operation> operations_;  // by route index
  std::unique_ptr<Controls> controls_;
  ApiHost<HttpApi> host_;
  // Under Variant::kOther: requests handled since the start or the last reset
  // (the "request_id" of its error bodies).
  std::atomic<uint64_t> requests_{0};
};

}  // namespace purchase::http
