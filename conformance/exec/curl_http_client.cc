// The one file that includes curl.h. libcurl because the runner must speak to
// real HTTPS staging services (TLS, proxies, keep-alive) as well as to the
// reference server, and libcurl does all of that in one well-known library.
#include <curl/curl.h>

#include <chrono>
#include <mutex>
#include <string_view>
#include <utility>
#include <vector>

#include "exec/http_client.h"

namespace conformance {
namespace {

struct Transfer {
  HttpResponse* response;
  size_t max_body;
  bool too_large = false;
  size_t header_bytes = 0;
};

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t n = size * count;
  if (t->response->body.size() + n > t->max_body) {
    t->too_large = true;
    return 0;  // aborts the transfer with CURLE_WRITE_ERROR
  }
  t->response->body.append(data, n);
  return n;
}

// True for what std::isspace accepts in the "C" locale (the runner never
// sets another), without a call per character.
bool IsSpace(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  return s;
}

// Works on views of curl's buffer: it is called for every header line of
// every response, and copying each line and its parts cost more than the
// rest of the callback.
size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t n = size * count;
  t->header_bytes += n;
  if (t->header_bytes > 1024 * 1024) {
    t->too_large = true;
    return 0;
  }
  const std::string_view line(data, n);
  if (line.substr(0, 5) == "HTTP/") {
    t->response->headers.clear();  // a new response (after 100 Continue)
    return n;
  }
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos) return n;
  t->response->headers.emplace_back(std::string(Trim(line.substr(0, colon))), std::string(Trim(line.substr(colon + 1))));
  return n;
}

class CurlHttpClient final : public HttpClient {
 public:
  // What is the same for every request is set once: resetting the handle and
  // setting it all again cost about 5,000 instructions per request, 4% of
  // the runner's own work per request (callgrind).
  explicit CurlHttpClient(const HttpClientOptions& options) : options_(options), curl_(curl_easy_init()) {
    if (!curl_) return;
    curl_easy_setopt(curl_, CURLOPT_ERRORBUFFER, error_buffer_);
    curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);  // threads: no SIGALRM for timeouts
    curl_easy_setopt(curl_, CURLOPT_TIMEOUT_MS, options_.timeout_ms);
    curl_easy_setopt(curl_, CURLOPT_CONNECTTIMEOUT_MS, options_.connect_timeout_ms);
    curl_easy_setopt(curl_, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(options_.max_body_bytes));
    curl_easy_setopt(curl_, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(curl_, CURLOPT_SSL_VERIFYPEER, options_.verify_tls ? 1L : 0L);
    curl_easy_setopt(curl_, CURLOPT_SSL_VERIFYHOST, options_.verify_tls ? 2L : 0L);
    curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, OnBody);
    curl_easy_setopt(curl_, CURLOPT_HEADERFUNCTION, OnHeader);
    curl_easy_setopt(curl_, CURLOPT_PROTOCOLS_STR, "http,https");
  }
  ~CurlHttpClient() override {
    if (curl_) curl_easy_cleanup(curl_);
    for (auto& [of, lines] : header_lists_) curl_slist_free_all(lines);
  }

  HttpResponse Send(const HttpRequest& request) override {
    HttpResponse response;
    if (!curl_) {
      response.error = TransportError::kOther;
      response.error_message = "curl_easy_init failed";
      return response;
    }
    Transfer transfer{&response, options_.max_body_bytes};
    error_buffer_[0] = '\0';
    curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &transfer);
    curl_easy_setopt(curl_, CURLOPT_HEADERDATA, &transfer);
    curl_easy_setopt(curl_, CURLOPT_URL, request.url.c_str());
    // Everything a previous request may have set is set again, so nothing of
    // it (method, body, connection flags, headers) carries over; the handle
    // keeps its live connection. Order matters: POSTFIELDS (even null) makes
    // the method POST, HTTPGET then makes it GET and clears NOBODY.
    curl_easy_setopt(curl_, CURLOPT_FRESH_CONNECT, request.fresh_connection ? 1L : 0L);
    curl_easy_setopt(curl_, CURLOPT_FORBID_REUSE, request.fresh_connection ? 1L : 0L);
    curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, nullptr);
    curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(-1));
    curl_easy_setopt(curl_, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(curl_, CURLOPT_CUSTOMREQUEST, nullptr);
    if (request.method == "HEAD")
      curl_easy_setopt(curl_, CURLOPT_NOBODY, 1L);
    else if (request.method != "GET")  // a GET is what HTTPGET made it
      curl_easy_setopt(curl_, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    if (request.has_body) {
      curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, request.body.data());
      curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
      // POSTFIELDS turns a GET into a POST; a GET with a body stays a GET.
      if (request.method == "GET") curl_easy_setopt(curl_, CURLOPT_CUSTOMREQUEST, "GET");
    }
    curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, HeaderLines(request.headers));
    response.headers.reserve(8);  // a typical answer's, grown in one step

    const auto start = std::chrono::steady_clock::now();
    const CURLcode rc = curl_easy_perform(curl_);
    response.elapsed_ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();

    if (rc == CURLE_OK) {
      long status = 0;
      curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &status);
      response.status = static_cast<int>(status);
      return response;
    }
    response.error_message = error_buffer_[0] ? error_buffer_ : curl_easy_strerror(rc);
    switch (rc) {
      case CURLE_COULDNT_CONNECT:
      case CURLE_COULDNT_RESOLVE_HOST:
      case CURLE_COULDNT_RESOLVE_PROXY:
      case CURLE_SSL_CONNECT_ERROR:
      case CURLE_PEER_FAILED_VERIFICATION:
      case CURLE_UNSUPPORTED_PROTOCOL:
      case CURLE_URL_MALFORMAT:
        response.error = TransportError::kCannotConnect;
        break;
      case CURLE_OPERATION_TIMEDOUT: response.error = TransportError::kTimeout; break;
      case CURLE_GOT_NOTHING: response.error = TransportError::kNoReply; break;
      case CURLE_FILESIZE_EXCEEDED: response.error = TransportError::kTooLarge; break;
      case CURLE_WRITE_ERROR:
        response.error = transfer.too_large ? TransportError::kTooLarge : TransportError::kOther;
        break;
      case CURLE_RECV_ERROR:
      case CURLE_PARTIAL_FILE:
        response.error = TransportError::kNoReply;
        break;
      default: response.error = TransportError::kOther; break;
    }
    if (response.error == TransportError::kTooLarge)
      response.error_message = "response larger than " + std::to_string(options_.max_body_bytes) + " bytes";
    return response;
  }

 private:
  // Returns curl's list of the header lines to send for `headers`. A run
  // sends a few sets of headers over and over (Accept, a token, a content
  // type), so the lists of the last few sets are kept and reused, instead of
  // one being built and freed for every request.
  curl_slist* HeaderLines(const HeaderList& headers) {
    for (const auto& [of, lines] : header_lists_)
      if (of == headers) return lines;
    constexpr size_t kKept = 8;
    if (header_lists_.size() == kKept) {  // the oldest goes: the handle gets the new list before it sends
      curl_slist_free_all(header_lists_.front().second);
      header_lists_.erase(header_lists_.begin());
    }
    // An empty Expect: stops curl from waiting for a 100 Continue that
    // servers such as Pistache never send.
    curl_slist* lines = curl_slist_append(nullptr, "Expect:");
    for (const auto& [name, value] : headers) {
      const std::string line = value.empty() ? name + ";" : name + ": " + value;
      lines = curl_slist_append(lines, line.c_str());
    }
    header_lists_.emplace_back(headers, lines);
    return lines;
  }

  HttpClientOptions options_;
  CURL* curl_;
  char error_buffer_[CURL_ERROR_SIZE] = {0};
  // Header sets and their lists, oldest first; freed after the handle.
  std::vector<std::pair<HeaderList, curl_slist*>> header_lists_;
};

}  // namespace

std::unique_ptr<HttpClient> NewCurlHttpClient(const HttpClientOptions& options) {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  return std::make_unique<CurlHttpClient>(options);
}

}  // namespace conformance
