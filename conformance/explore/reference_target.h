// The explorer's oracle: the reference server's own code (purchase_core and
// the socket-free HttpApi of purchase_api) run in-process behind the runner's
// HttpClient interface, so that the explorer sends the same requests to it
// and to the target and compares the answers.
//
// It is started like `purchase-server` with a manual clock at
// 2026-01-01T00:00:00Z: our fixtures (or another catalog whose roles match
// the target's), the token and URL TTLs the target uses, the control API on.
// A test may switch defects on, to prove that the explorer finds them without
// a network.
//
// One instance belongs to one thread.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "hl_connector/defects.h"
#include "core/variant.h"
#include "exec/http_client.h"

namespace purchase::http {
class RequestHandler;
}

namespace conformance::explore {

// Answers `request` with a server-side handler (HttpApi, ProfileHost) in
// process: the URL's path and query (whatever its scheme and authority), the
// Authorization and Host headers, the body; a dropped connection is
// kNoReply. `local_authority` stands for the socket's address in handed-out
// URLs when Host is missing. Never throws (the handler never does).
HttpResponse SendInProcess(purchase::http::RequestHandler& handler, const HttpRequest& request,
                           std::string_view local_authority = {});

struct ReferenceOptions {
  std::string fixtures_dir;  // catalog.yaml and the asset files
  double token_ttl_seconds = 900;
  double url_ttl_seconds = 600;
  uint64_t seed = 1;
  purchase::Defects defects;                               // tests only
  purchase::Variant variant = purchase::Variant::kReference;  // tests only
};

class ReferenceTarget final : public HttpClient {
 public:
  // Loads the fixtures. Throws purchase::SpecError (naming the file and line)
  // if they cannot be loaded.
  explicit ReferenceTarget(const ReferenceOptions& options);
  ~ReferenceTarget() override;

  // Answers `request` as the reference server would: the URL's path and
  // query (whatever its scheme and authority), the Authorization and Host
  // headers, the body. Never throws.
  HttpResponse Send(const HttpRequest& request) override;

  // The access token of the catalog's i-th vendor ("" if it has none).
  std::string VendorToken(size_t i) const;

  // The base URL the reference's handed-out URLs name.
  static constexpr const char* kBaseUrl = "http://reference.invalid";

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace conformance::explore
