// The plain request and reply values every API surface of the server speaks,
// and the one interface the socket adapter (pistache_server.h) serves: the
// HL Connector's HttpApi and the profiles' ProfileHost both implement it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace purchase::http {

using RawQuery = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string path;    // without the query
  RawQuery query;
  std::optional<std::string> authorization;
  std::optional<std::string> host;
  std::string body;
  // host:port of the socket the request arrived on, set by the server adapter:
  // the authority of handed-out URLs when Host is missing or unusable (empty
  // outside a server: ApiOptions::default_authority then).
  std::string_view local_authority;
  // The X-Sandbox header (http/sandbox_router.h), when sent.
  std::optional<std::string> sandbox;
  // Set by the sandbox router for a request named by the path prefix
  // ("/_sandbox/NAME", `path` then without it): every URL handed out starts
  // with it, so that a client that cannot set headers stays in its sandbox.
  std::string base_path;
  // The request as sent, for a handler that forwards it (conformance proxy):
  // the raw query text (not decoded) and every field line, name as sent and
  // value without the blanks around it. Set by the server adapter and valid
  // during Handle() only; empty and null outside a server.
  std::string_view raw_query;
  const std::vector<std::pair<std::string, std::string>>* fields = nullptr;
};

struct HttpReply {
  int status = 200;
  // Static text or the catalog's (which outlives every reply): a std::string
  // here cost a heap allocation per reply, this type being too long to fit
  // in place.
  // Empty: no Content-Type line (a forwarded reply carries its own in `headers`).
  std::string_view content_type = "application/json; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  int64_t delay_ms = 0;          // answer this much later (fault rule)
  bool drop_connection = false;  // close without answering (fault rule)
  // For the audit, not sent: the error code and the order status the reply carries.
  std::string_view error_code;
  std::string_view order_status;
};

// Answers requests; called from every HTTP thread at once, so an
// implementation guards its own state. Handle never throws.
class RequestHandler {
 public:
  virtual ~RequestHandler() = default;
  virtual HttpReply Handle(const HttpRequest& request) = 0;
};

}  // namespace purchase::http
