// bench_curl_loop: plain libcurl clients for ci/bench/run, printing one JSON
// object on stdout.
//
//   bench_curl_loop get URL N TOKEN
//       N sequential keep-alive GETs of URL on one easy handle (the same client
//       library and connection reuse as the conformance runner, with nothing
//       judged): the ceiling the runner's requests/s is compared with.
//   bench_curl_loop register BASE_URL N THREADS TOKEN
//       N validate + register pairs (asset-slow, so every order stays
//       PROCESSING), spread over THREADS threads with one handle each.
//
// Exits 1 on the first transport error or unexpected status.
#include <curl/curl.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

size_t Append(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

class Client {
 public:
  explicit Client(const std::string& token) : curl_(curl_easy_init()) {
    headers_ = curl_slist_append(headers_, ("Authorization: Bearer " + token).c_str());
    headers_ = curl_slist_append(headers_, "Content-Type: application/json");
    headers_ = curl_slist_append(headers_, "Expect:");
    curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, headers_);
    curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, Append);
    curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &body_);
    curl_easy_setopt(curl_, CURLOPT_TCP_NODELAY, 1L);
  }
  ~Client() {
    curl_slist_free_all(headers_);
    curl_easy_cleanup(curl_);
  }
  // Sends one request (a POST when `post` is given); returns the status, 0 on a transport error.
  long Send(const std::string& url, const std::string* post) {
    body_.clear();
    curl_easy_setopt(curl_, CURLOPT_URL, url.c_str());
    if (post) {
      curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, post->c_str());
      curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE, static_cast<long>(post->size()));
    } else {
      curl_easy_setopt(curl_, CURLOPT_HTTPGET, 1L);
    }
    if (curl_easy_perform(curl_) != CURLE_OK) return 0;
    long status = 0;
    curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &status);
    return status;
  }
  const std::string& body() const { return body_; }

 private:
  CURL* curl_;
  curl_slist* headers_ = nullptr;
  std::string body_;
};

double Since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

int Get(const std::string& url, long n, const std::string& token) {
  Client client(token);
  if (client.Send(url, nullptr) / 100 != 2) return std::fprintf(stderr, "GET %s failed\n", url.c_str()), 1;
  const auto start = std::chrono::steady_clock::now();
  for (long i = 0; i < n; ++i)
    if (client.Send(url, nullptr) / 100 != 2) return std::fprintf(stderr, "GET %s failed\n", url.c_str()), 1;
  const double s = Since(start);
  std::printf("{\"requests\": %ld, \"seconds\": %.4f, \"requests_per_second\": %.0f}\n", n, s, n / s);
  return 0;
}

int Register(const std::string& base, long n, int threads, const std::string& token) {
  std::atomic<long> next{0};
  std::atomic<bool> failed{false};
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&] {
      Client client(token);
      const std::string validate_url = base + "/purchase/validate-purchase-before-payment";
      const std::string register_url = base + "/purchase/register";
      const std::string validate = R"({"asset_id":"asset-slow","quantity":1,"customer_ip":"203.0.113.7"})";
      for (long i = next++; i < n && !failed; i = next++) {
        if (client.Send(validate_url, &validate) != 200) return void(failed = true);
        const std::string& b = client.body();
        const size_t at = b.find("\"token\":\"");
        if (at == std::string::npos) return void(failed = true);
        const size_t from = at + 9, to = b.find('"', from);
        const std::string reg = R"({"token":")" + b.substr(from, to - from) +
                                R"(","asset_id":"asset-slow","quantity":1,"vendor_order_id":"http-)" +
                                std::to_string(i) + "\"}";
        if (client.Send(register_url, &reg) != 201) return void(failed = true);
      }
    });
  for (auto& t : pool) t.join();
  if (failed) return std::fprintf(stderr, "validate/register against %s failed\n", base.c_str()), 1;
  const double s = Since(start);
  std::printf("{\"orders\": %ld, \"seconds\": %.3f, \"orders_per_second\": %.0f}\n", n, s, n / s);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  curl_global_init(CURL_GLOBAL_DEFAULT);
  if (argc == 5 && std::strcmp(argv[1], "get") == 0) return Get(argv[2], std::atol(argv[3]), argv[4]);
  if (argc == 6 && std::strcmp(argv[1], "register") == 0)
    return Register(argv[2], std::atol(argv[3]), std::atoi(argv[4]), argv[5]);
  std::fprintf(stderr, "usage: %s get URL N TOKEN | register BASE_URL N THREADS TOKEN\n", argv[0]);
  return 2;
}
