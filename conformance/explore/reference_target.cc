#include "explore/reference_target.h"

#include <algorithm>
#include <cmath>

#include "hl_connector/catalog.h"
#include "core/clock.h"
#include "hl_connector/error_catalog.h"
#include "core/lifecycle.h"
#include "hl_connector/purchase_service.h"
#include "hl_connector/http_api.h"

namespace conformance::explore {

struct ReferenceTarget::Impl {
  purchase::Catalog catalog;
  purchase::PurchaseService service;
  purchase::http::HttpApi api;

  static purchase::ServiceOptions ServiceOptionsOf(const ReferenceOptions& o) {
    purchase::ServiceOptions s;
    s.seed = o.seed;
    s.token_ttl = static_cast<purchase::Millis>(std::llround(o.token_ttl_seconds * 1000));
    s.url_ttl = static_cast<purchase::Millis>(std::llround(o.url_ttl_seconds * 1000));
    s.defects = o.defects;
    s.variant = o.variant;
    return s;
  }
  static purchase::http::ApiOptions ApiOptionsOf(const ReferenceOptions& o) {
    purchase::http::ApiOptions a;
    a.default_authority = std::string(kBaseUrl).substr(7);
    a.variant = o.variant;
    return a;
  }

  explicit Impl(const ReferenceOptions& o)
      : catalog(purchase::Catalog::Load(o.fixtures_dir)),
        service(catalog, purchase::Lifecycle::Builtin(),
                std::make_unique<purchase::ManualClock>(*purchase::ParseRfc3339("2026-01-01T00:00:00Z")),
                ServiceOptionsOf(o)),
        api(service, purchase::ErrorCatalog::Builtin(), ApiOptionsOf(o)) {}
};

ReferenceTarget::ReferenceTarget(const ReferenceOptions& options) : impl_(std::make_unique<Impl>(options)) {}
ReferenceTarget::~ReferenceTarget() = default;

std::string ReferenceTarget::VendorToken(size_t i) const {
  const auto& vendors = impl_->catalog.vendors();
  return i < vendors.size() ? vendors[i].access_token : std::string();
}

HttpResponse SendInProcess(purchase::http::RequestHandler& handler, const HttpRequest& request,
                           std::string_view local_authority) {
  purchase::http::HttpRequest in;
  in.method = request.method;
  std::string_view url = request.url;
  if (const size_t scheme = url.find("://"); scheme != std::string_view::npos) {
    const size_t path = url.find('/', scheme + 3);
    url = path == std::string_view::npos ? std::string_view("/") : url.substr(path);
  }
  in.path = std::string(url.substr(0, std::min(url.find('?'), url.find('#'))));
  in.query = RawQueryOf(url);
  for (const auto& [name, value] : request.headers) {
    if (EqualsIgnoringCase(name, "Authorization")) in.authorization = value;
    if (EqualsIgnoringCase(name, "Host")) in.host = value;
  }
  in.body = request.body;
  in.local_authority = local_authority;
  const purchase::http::HttpReply reply = handler.Handle(in);
  HttpResponse out;
  if (reply.drop_connection) {
    out.error = TransportError::kNoReply;
    out.error_message = "the in-process server dropped the connection (fault rule)";
    return out;
  }
  out.status = reply.status;
  out.headers.emplace_back("Content-Type", std::string(reply.content_type));
  for (const auto& h : reply.headers) out.headers.push_back(h);
  out.body = reply.body;
  return out;
}

HttpResponse ReferenceTarget::Send(const HttpRequest& request) { return SendInProcess(impl_->api, request); }

}  // namespace conformance::explore
