// The runner's view of HTTP: one request in, one response (or a transport
// error) out. The real client is libcurl (curl_http_client.cc, the only file
// that includes curl.h); tests use a scripted fake.
//
// A client belongs to one scenario at a time and is not thread-safe; it keeps
// its connection alive between requests.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "check/header_list.h"

namespace conformance {

struct HttpRequest {
  std::string method;
  std::string url;
  HeaderList headers;
  std::string body;
  bool has_body = false;
  // Open a new connection and close it afterwards: a step that expects the
  // server to drop the connection must not let the client replay the
  // request silently on a fresh one.
  bool fresh_connection = false;
};

enum class TransportError {
  kNone,
  kCannotConnect,  // refused, unresolvable host, TLS handshake failed
  kTimeout,
  kNoReply,        // the server closed the connection without answering
  kTooLarge,       // the response passed the body limit
  kOther,
};

struct HttpResponse {
  TransportError error = TransportError::kNone;
  std::string error_message;
  int status = 0;
  HeaderList headers;
  std::string body;
  long long elapsed_ms = 0;
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  // Sends the request and waits for the answer; never throws.
  virtual HttpResponse Send(const HttpRequest& request) = 0;
};

struct HttpClientOptions {
  long timeout_ms = 10000;                    // whole exchange
  long connect_timeout_ms = 5000;
  size_t max_body_bytes = 8 * 1024 * 1024;    // a bad target must not exhaust memory
  bool verify_tls = true;
};

using HttpClientFactory = std::function<std::unique_ptr<HttpClient>()>;

// Creates a libcurl client. Thread-safe (libcurl is initialised once).
std::unique_ptr<HttpClient> NewCurlHttpClient(const HttpClientOptions& options);

// Percent-encodes everything but RFC 3986's unreserved characters (for query
// values and path segments the runner builds).
std::string PercentEncode(std::string_view text);

// The query parameters of a URL as written (not percent-decoded), in order;
// a fragment is not part of the query (purchase::http::SplitRawQuery).
std::vector<std::pair<std::string, std::string>> RawQueryOf(std::string_view url);

}  // namespace conformance
