// bench_curl_loop: plain libcurl clients for ci/bench/run, printing one JSON
// object on stdout.
//
//   bench_curl_loop get URL N TOKEN
//       N sequential keep-alive GETs of URL on one easy handle (the same client
//       library and connection reuse as the conformance runner, with nothing
//       judged): the runner's ceiling before the replay below, still printed
//       for comparison; also each request's median and p99 latency (what
//       `conformance proxy` adds to one client).
//   bench_curl_loop register BASE_URL N THREADS TOKEN
//       N validate + register pairs (asset-slow, so every order stays
//       PROCESSING), spread over THREADS threads with one handle each.
//   bench_curl_loop replay FILE BASE_URL
//       Sends every request of FILE (written by `conformance run
//       --trace-requests FILE`) in order on one keep-alive handle, with the
//       runner's curl options where they matter for speed and nothing judged:
//       the ceiling the runner's requests/s is compared with, since it sends
//       the very same requests. BASE_URL replaces each recorded URL's scheme
//       and host:port. Against a server started (or reset) in the state the
//       recording started from, a deterministic server gives the same answers,
//       so the recorded tokens and order ids are valid again.
//
// Exits 1 on the first transport error or unexpected status (replay: on a
// transport error of a request not marked fresh_connection, since those
// expect the server to drop the connection; a malformed FILE names the line).
#include <curl/curl.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
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
  std::vector<double> micros;
  micros.reserve(static_cast<size_t>(n));
  const auto start = std::chrono::steady_clock::now();
  for (long i = 0; i < n; ++i) {
    const auto sent = std::chrono::steady_clock::now();
    if (client.Send(url, nullptr) / 100 != 2) return std::fprintf(stderr, "GET %s failed\n", url.c_str()), 1;
    micros.push_back(Since(sent) * 1e6);
  }
  const double s = Since(start);
  std::sort(micros.begin(), micros.end());
  auto at = [&](double q) { return micros.empty() ? 0.0 : micros[static_cast<size_t>(q * (micros.size() - 1))]; };
  std::printf("{\"requests\": %ld, \"seconds\": %.4f, \"requests_per_second\": %.0f, \"median_us\": %.1f, "
              "\"p99_us\": %.1f}\n",
              n, s, n / s, at(0.5), at(0.99));
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

// One request of a trace, ready to send: its header list is built before the
// clock starts.
struct Recorded {
  std::string method, url, body;
  bool has_body = false, fresh_connection = false;
  long line = 0;
  curl_slist* headers = nullptr;
};

// Reads the trace at `path` into `out`, with BASE_URL in place of each URL's
// scheme and host:port; returns false after printing FILE:LINE: why.
bool LoadTrace(const std::string& path, std::string base, std::vector<Recorded>* out) {
  while (!base.empty() && base.back() == '/') base.pop_back();
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::fprintf(stderr, "bench_curl_loop: cannot read %s\n", path.c_str()), false;
  std::string text;
  long number = 0;
  auto bad = [&](const char* why) {
    std::fprintf(stderr, "bench_curl_loop: %s:%ld: %s\n", path.c_str(), number, why);
    return false;
  };
  while (std::getline(in, text)) {
    ++number;
    if (text.empty()) continue;
    rapidjson::Document d;
    d.Parse(text.data(), text.size());
    if (d.HasParseError() || !d.IsObject()) return bad("not a JSON object");
    Recorded r;
    r.line = number;
    auto string = [&d](const char* key, std::string* to) {
      const auto m = d.FindMember(key);
      if (m == d.MemberEnd() || !m->value.IsString()) return false;
      to->assign(m->value.GetString(), m->value.GetStringLength());
      return true;
    };
    if (!string("method", &r.method) || r.method.empty()) return bad("\"method\" must be a non-empty string");
    std::string url;
    if (!string("url", &url)) return bad("\"url\" must be a string");
    const size_t scheme = url.find("://");
    if (scheme == std::string::npos) return bad("\"url\" is not absolute (no scheme://)");
    const size_t path_at = url.find('/', scheme + 3);
    r.url = base + (path_at == std::string::npos ? "" : url.substr(path_at));
    if (d.HasMember("body")) {
      if (!string("body", &r.body)) return bad("\"body\" must be a string");
      r.has_body = true;
    }
    if (d.HasMember("fresh_connection")) {
      if (!d["fresh_connection"].IsBool()) return bad("\"fresh_connection\" must be true or false");
      r.fresh_connection = d["fresh_connection"].GetBool();
    }
    // The runner's empty Expect: no waiting for a 100 Continue Pistache never sends.
    r.headers = curl_slist_append(nullptr, "Expect:");
    out->push_back(r);  // owns the list from here on (freed by the caller)
    const auto h = d.FindMember("headers");
    if (h == d.MemberEnd() || !h->value.IsArray()) return bad("\"headers\" must be an array of [name, value] pairs");
    for (const auto& pair : h->value.GetArray()) {
      if (!pair.IsArray() || pair.Size() != 2 || !pair[0].IsString() || !pair[1].IsString())
        return bad("\"headers\" must be an array of [name, value] pairs");
      const std::string name = pair[0].GetString(), value = pair[1].GetString();
      // As the runner's client: an empty value is sent as "Name;" (curl's way
      // of sending a header with no value).
      out->back().headers =
          curl_slist_append(out->back().headers, (value.empty() ? name + ";" : name + ": " + value).c_str());
    }
  }
  if (out->empty()) return std::fprintf(stderr, "bench_curl_loop: %s: no request in it\n", path.c_str()), false;
  return true;
}

int Replay(const std::string& path, const std::string& base) {
  std::vector<Recorded> trace;
  const bool loaded = LoadTrace(path, base, &trace);
  struct Free {
    std::vector<Recorded>& t;
    ~Free() {
      for (auto& r : t) curl_slist_free_all(r.headers);
    }
  } free_lists{trace};
  if (!loaded) return 1;
  CURL* curl = curl_easy_init();
  std::string body;
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, Append);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(curl, CURLOPT_TCP_NODELAY, 1L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  long transport_errors = 0;
  int status = 0;
  const auto start = std::chrono::steady_clock::now();
  for (const Recorded& r : trace) {
    body.clear();
    // Every per-request option is set again, so nothing of the previous
    // request leaks into this one: clearing POSTFIELDS makes the method POST,
    // so HTTPGET (which also clears NOBODY) comes after it.
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, nullptr);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(-1));
    curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, nullptr);
    curl_easy_setopt(curl, CURLOPT_URL, r.url.c_str());
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, r.headers);
    curl_easy_setopt(curl, CURLOPT_FRESH_CONNECT, r.fresh_connection ? 1L : 0L);
    curl_easy_setopt(curl, CURLOPT_FORBID_REUSE, r.fresh_connection ? 1L : 0L);
    // The same method and body handling as conformance/exec/curl_http_client.cc.
    if (r.method == "HEAD")
      curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
    else if (r.method != "GET")
      curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, r.method.c_str());
    if (r.has_body) {
      curl_easy_setopt(curl, CURLOPT_POSTFIELDS, r.body.data());
      curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r.body.size()));
      if (r.method == "GET") curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, "GET");
    }
    const CURLcode rc = curl_easy_perform(curl);
    if (rc != CURLE_OK) {
      ++transport_errors;
      if (!r.fresh_connection) {
        std::fprintf(stderr, "bench_curl_loop: %s:%ld: %s %s: %s\n", path.c_str(), r.line, r.method.c_str(),
                     r.url.c_str(), curl_easy_strerror(rc));
        status = 1;
        break;
      }
    }
  }
  const double s = Since(start);
  curl_easy_cleanup(curl);
  if (status != 0) return status;
  std::printf("{\"requests\": %zu, \"transport_errors\": %ld, \"seconds\": %.4f, \"requests_per_second\": %.0f}\n",
              trace.size(), transport_errors, s, trace.size() / s);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  curl_global_init(CURL_GLOBAL_DEFAULT);
  if (argc == 5 && std::strcmp(argv[1], "get") == 0) return Get(argv[2], std::atol(argv[3]), argv[4]);
  if (argc == 6 && std::strcmp(argv[1], "register") == 0)
    return Register(argv[2], std::atol(argv[3]), std::atoi(argv[4]), argv[5]);
  if (argc == 4 && std::strcmp(argv[1], "replay") == 0) return Replay(argv[2], argv[3]);
  std::fprintf(stderr, "usage: %s get URL N TOKEN | register BASE_URL N THREADS TOKEN | replay FILE BASE_URL\n",
               argv[0]);
  return 2;
}
