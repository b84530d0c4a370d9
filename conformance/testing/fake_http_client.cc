#include "testing/fake_http_client.h"

namespace conformance {

std::string UrlPath(const std::string& url) {
  const size_t scheme = url.find("://");
  size_t start = scheme == std::string::npos ? 0 : url.find('/', scheme + 3);
  if (start == std::string::npos) return "/";
  std::string path = url.substr(start);
  return path.substr(0, path.find('?'));
}

HttpResponse JsonResponse(int status, const std::string& body, HeaderList headers) {
  HttpResponse r;
  r.status = status;
  r.body = body;
  r.headers = std::move(headers);
  r.headers.emplace_back("Content-Type", "application/json; charset=utf-8");
  return r;
}

void FakeHttpClient::On(const std::string& method, const std::string& path, Handler handler) {
  routes_.push_back(Route{method, path, std::move(handler)});
}

void FakeHttpClient::OnJson(const std::string& method, const std::string& path, int status, const std::string& body,
                            HeaderList headers) {
  On(method, path, [=](const HttpRequest&) { return JsonResponse(status, body, headers); });
}

HttpResponse FakeHttpClient::Send(const HttpRequest& request) {
  requests_.push_back(request);
  const std::string path = UrlPath(request.url);
  for (const auto& r : routes_)
    if (r.method == request.method && r.path == path) return r.handler(request);
  HttpResponse none;
  none.error = TransportError::kCannotConnect;
  none.error_message = "fake: no route for " + request.method + " " + path;
  return none;
}

}  // namespace conformance
