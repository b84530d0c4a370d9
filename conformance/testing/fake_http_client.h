// A scripted HttpClient for tests: answers requests from a list of handlers
// (first matching method + path wins; a handler may answer several times) and
// records every request it saw. Not thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "exec/http_client.h"

namespace conformance {

class FakeHttpClient final : public HttpClient {
 public:
  using Handler = std::function<HttpResponse(const HttpRequest&)>;

  // Answers `method` requests whose path (without the query) is `path`.
  void On(const std::string& method, const std::string& path, Handler handler);
  // Answers with a fixed JSON response.
  void OnJson(const std::string& method, const std::string& path, int status, const std::string& body,
              HeaderList headers = {});

  HttpResponse Send(const HttpRequest& request) override;
  const std::vector<HttpRequest>& requests() const { return requests_; }

 private:
  struct Route {
    std::string method, path;
    Handler handler;
  };
  std::vector<Route> routes_;
  std::vector<HttpRequest> requests_;
};

// A JSON response with the content type the spec documents.
HttpResponse JsonResponse(int status, const std::string& body, HeaderList headers = {});

// Returns the path of a URL without scheme, host and query.
std::string UrlPath(const std::string& url);

}  // namespace conformance
