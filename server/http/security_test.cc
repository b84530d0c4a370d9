// Security rules of the reference server, each pinned by a case:
// - tenant isolation: vendor B can never read, cancel or get URLs of vendor
//   A's orders, whatever their state; the answer is byte for byte the one an
//   unknown id gets (apart from the id), so B cannot even learn that it exists;
// - the control API refuses every path without the control token when one is
//   set, before it looks at the body or changes anything;
// - signed URLs are compared with OpenSSL's constant-time CRYPTO_memcmp (what
//   a unit test can show is the code path, not the timing: see that case);
// - purchase-server binds 127.0.0.1 unless told otherwise.
#define BOOST_TEST_MODULE security_test
#include "hl_connector/http_api.h"
#include "testing/http_testing.h"
#include "http/pistache_server.h"

#include <dlfcn.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <regex>
#include <sstream>

#include <rapidjson/document.h>

// Counts the calls to OpenSSL's CRYPTO_memcmp made from this executable (the
// core is a static library linked into it, so its call binds to this
// definition), then forwards to the real one.
namespace {
std::atomic<int> g_crypto_memcmp_calls{0};
}
extern "C" int CRYPTO_memcmp(const void* a, const void* b, size_t len) {
  using Fn = int (*)(const void*, const void*, size_t);
  static const Fn real = reinterpret_cast<Fn>(dlsym(RTLD_NEXT, "CRYPTO_memcmp"));
  ++g_crypto_memcmp_calls;
  return real(a, b, len);
}

namespace purchase::http {
namespace {

using testing::Fixtures;
using testing::kStart;
using testing::kVendorA;
using testing::kVendorB;
using testing::MakeRequest;

// Status, content type, headers and body of a reply, with `id` replaced by <id>.
std::string Shape(const HttpReply& r, const std::string& id) {
  std::string s = std::to_string(r.status) + "\n" + std::string(r.content_type) + "\n";
  for (const auto& [k, v] : r.headers) s += k + ": " + v + "\n";
  s += r.body;
  for (size_t at; !id.empty() && (at = s.find(id)) != std::string::npos;) s.replace(at, id.size(), "<id>");
  return s;
}

using Api = testing::TestApi;

BOOST_AUTO_TEST_SUITE(SecurityTest)

BOOST_AUTO_TEST_CASE(VendorBGetsFromEveryEndpointOnAsOrdersWhatAnUnknownIdGets) {
  Api api;
  // One order of A in each state.
  std::map<std::string, std::string> orders = {
      {"PROCESSING", api.Order("asset-slow", "iso-processing")},
      {"COMPLETED", api.Order("asset-basic", "iso-completed")},
      {"FAILED", api.Order("asset-fails", "iso-failed")},
      {"CANCELED", api.Order("asset-basic", "iso-canceled")},
  };
  api.Advance(5);
  BOOST_REQUIRE(api.Call("DELETE", "/purchase/cancel?order_id=" + orders["CANCELED"]).status == 200);
  // A handed-out URL of the COMPLETED order, for B to try to re-issue.
  BOOST_REQUIRE(api.Call("GET", "/purchase/download-url?order_id=" + orders["COMPLETED"]).status == 200);

  const std::string unknown = "ord_0123456789abcdef";  // same shape as a real id
  const std::vector<std::pair<std::string, std::string>> endpoints = {
      {"GET", "/purchase/info?order_id={}"},
      {"GET", "/purchase/download-url?order_id={}"},
      {"GET", "/purchase/view-url?order_id={}"},
      {"DELETE", "/purchase/cancel?order_id={}"},
      {"DELETE", "/purchase/cancel?order_id={}&item_id={}-1"},
  };
  int checked = 0;
  for (const auto& [state, id] : orders) {
    const std::string history_before = api.History(id);
    for (const auto& [method, pattern] : endpoints) {
      // (an init-capture: clang before 16 cannot capture a structured binding)
      auto target = [&, &pattern = pattern](const std::string& order_id) {
        return std::regex_replace(pattern, std::regex("\\{\\}"), order_id);
      };
      const HttpReply theirs = api.Call(method, target(id), "", kVendorB);
      const HttpReply nobody = api.Call(method, target(unknown), "", kVendorB);
      BOOST_TEST_CONTEXT(state << " order, " << method << " " << pattern) {
        BOOST_TEST(theirs.status == 404);
        BOOST_TEST(theirs.error_code == "ORDER_NOT_FOUND");
        BOOST_TEST(Shape(theirs, id) == Shape(nobody, unknown));
      }
      ++checked;
    }
    BOOST_TEST(api.History(id) == history_before, state << " order changed by vendor B's requests");
    // A still sees it as it was.
    BOOST_TEST(api.Call("GET", "/purchase/info?order_id=" + id).status != 404);
  }
  // Registering: A's token is TOKEN_INVALID to B, exactly as an unknown token;
  // A's vendor_order_id is free for B (DUPLICATE_PURCHASE would leak A's order id).
  const std::string token_a = api.Token("asset-basic");
  auto reg = [&](const std::string& token, const std::string& vendor_order_id) {
    return api.Register(token, "asset-basic", vendor_order_id, 1, kVendorB);
  };
  const HttpReply stolen = reg(token_a, "iso-b-1");
  BOOST_TEST(stolen.status == 422);
  BOOST_TEST(stolen.error_code == "TOKEN_INVALID");
  // (That its body is also the unknown token's: AnotherVendorsTokenIsAnsweredExactlyLikeAnUnknownOne.)
  const std::string b_order = api.Order("asset-basic", "iso-completed", kVendorB);
  BOOST_TEST(b_order != orders["COMPLETED"]);
  // And the other way round: A cannot see B's order either.
  BOOST_TEST(api.Call("GET", "/purchase/info?order_id=" + b_order).status == 404);
  BOOST_TEST_MESSAGE("tenant isolation: " << checked << " cross-vendor requests, each identical to an unknown id");
}

// Another vendor's token gets the very answer an unknown one gets (spec/README.md:
// "one answer, so a vendor cannot probe another's tokens").
BOOST_AUTO_TEST_CASE(AnotherVendorsTokenIsAnsweredExactlyLikeAnUnknownOne) {
  Api api;
  const std::string token_a = api.Token("asset-basic");
  const std::string made_up = "tok_00000000000000000000000000000000";
  auto reg = [&](const std::string& token) { return api.Register(token, "asset-basic", "x", 1, kVendorB); };
  BOOST_TEST(Shape(reg(token_a), token_a) == Shape(reg(made_up), made_up));
}

BOOST_AUTO_TEST_CASE(EveryControlPathRefusesRequestsWithoutTheControlToken) {
  ApiOptions options;
  options.control_token = "s3cret-control";
  Api api(options);
  const std::string order = api.Order("asset-basic", "ctl-1");
  const std::string right = "Bearer s3cret-control";
  const std::vector<std::tuple<std::string, std::string, std::string>> paths = {
      {"GET", "/_control", ""},
      {"POST", "/_control/reset", ""},
      {"GET", "/_control/clock", ""},
      {"POST", "/_control/clock/advance", R"({"seconds":5})"},
      {"POST", "/_control/clock/set", R"({"now":"2026-02-01T00:00:00Z"})"},
      {"GET", "/_control/faults", ""},
      {"POST", "/_control/faults", R"({"match":{},"effect":{"status":503}})"},
      {"DELETE", "/_control/faults", ""},
      {"DELETE", "/_control/faults/fault-1", ""},
      {"GET", "/_control/orders/" + order + "/history", ""},
      {"GET", "/_control/audit", ""},
      {"DELETE", "/_control/audit", ""},
      {"GET", "/_control/drills", ""},
      {"POST", "/_control/drills/anything", ""},
  };
  const std::vector<std::optional<std::string>> wrong = {
      std::nullopt, "", "Bearer", "Bearer s3cret-contro", "Bearer s3cret-controll", "Bearer S3CRET-CONTROL",
      "Basic czNjcmV0LWNvbnRyb2w=", "s3cret-control", kVendorA, "Bearer s3cret-control\r\n"};
  int refused = 0;
  for (const auto& [method, path, body] : paths) {
    for (const auto& auth : wrong) {
      const HttpReply r = api.Call(method, path, body, auth);
      BOOST_TEST_CONTEXT(method << " " << path << " with " << (auth ? "'" + *auth + "'" : "no Authorization")) {
        BOOST_TEST(r.status == 401);
        BOOST_TEST(r.error_code == "UNAUTHENTICATED");
      }
      ++refused;
    }
    // Even a body over the limit is refused for want of the token first.
    BOOST_TEST(api.Call(method, path, std::string(70000, ' '), std::nullopt).status == 401);
  }
  // Nothing happened: the clock did not move, no rule was added, the order is there.
  BOOST_TEST(api.Call("GET", "/_control/clock", "", right).body.find("2026-01-01T00:00:00Z") != std::string::npos);
  BOOST_TEST(api.Call("GET", "/_control/faults", "", right).body == R"({"faults":[]})");
  BOOST_TEST(api.Call("GET", "/purchase/info?order_id=" + order).status == 202);
  // With the token, every path is reachable (no 401).
  for (const auto& [method, path, body] : paths)
    if (path != "/_control/reset") BOOST_TEST(api.Call(method, path, body, right).status != 401, method << " " << path);
  // And the vendor API does not take the control token as a vendor's.
  BOOST_TEST(api.Call("GET", "/purchase/info?order_id=" + order, "", right).status == 401);
  BOOST_TEST_MESSAGE("control API: " << refused << " requests without the right token, every one 401");
}

// With the control API off every control path is 404, whatever the token:
// http_api_test.cc, NoControlAnswers404OnEveryControlPath.

// What this shows, and what it does not: every signature of the right length
// is judged by CRYPTO_memcmp (OpenSSL's constant-time comparison: it reads
// every byte whatever differs), so the position of the first wrong byte
// cannot change how long the check takes; a signature of another length is
// refused before any comparison, which leaks only the length, and that is
// public (64 hex digits). A unit test cannot show the timing itself: that
// needs many samples on a quiet machine (e.g. dudect), not a CI run.
BOOST_AUTO_TEST_CASE(SignedUrlSignaturesAreComparedWithCryptoMemcmp) {
  Api api;
  const std::string id = api.Order("asset-basic", "ct-1");
  api.Advance(5);
  const std::string path = api.SignedUrl("download", id);
  const std::string sig = path.substr(path.find("sig=") + 4);
  BOOST_REQUIRE_EQUAL(sig.size(), 64u);
  auto fetch = [&](const std::string& signature) {
    const int before = g_crypto_memcmp_calls.load();
    const HttpReply r = api.Call("GET", path.substr(0, path.find("sig=") + 4) + signature, "", std::nullopt);
    return std::make_pair(r.status, g_crypto_memcmp_calls.load() - before);
  };
  BOOST_TEST((fetch(sig) == std::make_pair(200, 1)));
  std::string first_wrong = sig, last_wrong = sig;
  first_wrong[0] = first_wrong[0] == 'a' ? 'b' : 'a';
  last_wrong[63] = last_wrong[63] == 'a' ? 'b' : 'a';
  BOOST_TEST((fetch(first_wrong) == std::make_pair(403, 1)));
  BOOST_TEST((fetch(last_wrong) == std::make_pair(403, 1)));
  BOOST_TEST((fetch(std::string(64, '0')) == std::make_pair(403, 1)));
  BOOST_TEST((fetch(sig.substr(0, 63)) == std::make_pair(403, 0)));  // length refused first: public anyway
  BOOST_TEST((fetch(sig + "0") == std::make_pair(403, 0)));
}

BOOST_AUTO_TEST_CASE(TheServerBindsLoopbackUnlessToldOtherwise) {
  BOOST_TEST(ServerOptions{}.host == "127.0.0.1");
  // purchase-server itself, with no --host: it says where it listens, and the
  // kernel's socket table agrees (127.0.0.1 is 0100007F there, 0.0.0.0 would be 00000000).
  char self[4096];
  const ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  BOOST_REQUIRE(n > 0);
  self[n] = '\0';
  const std::string dir = std::string(self).substr(0, std::string(self).rfind('/'));
  const std::string server = dir + "/purchase-server";
  BOOST_REQUIRE_MESSAGE(access(server.c_str(), X_OK) == 0, "no " << server << " (build it first)");
  int out[2];
  BOOST_REQUIRE(pipe(out) == 0);
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(out[1], 1);
    close(out[0]);
    execl(server.c_str(), server.c_str(), "--port", "0", "--quiet", "--fixtures", PURCHASE_TEST_FIXTURES, nullptr);
    _exit(127);
  }
  close(out[1]);
  FILE* f = fdopen(out[0], "r");
  char line[512] = {0};
  const bool got = fgets(line, sizeof line, f) != nullptr;
  std::smatch m;
  const std::string text = line;
  const bool parsed = got && std::regex_search(text, m, std::regex("^listening on http://([^:]+):([0-9]+)"));
  std::string table;
  if (parsed) {
    std::ifstream tcp("/proc/net/tcp");
    std::stringstream s;
    s << tcp.rdbuf();
    table = s.str();
  }
  kill(pid, SIGTERM);
  waitpid(pid, nullptr, 0);
  fclose(f);
  BOOST_REQUIRE_MESSAGE(parsed, "purchase-server printed: " << text);
  BOOST_TEST(m[1] == "127.0.0.1");
  char port_hex[8];
  std::snprintf(port_hex, sizeof port_hex, "%04X", std::stoi(m[2]));
  // st 0A = LISTEN
  BOOST_TEST(std::regex_search(table, std::regex(std::string("0100007F:") + port_hex + " 00000000:0000 0A")), table);
  BOOST_TEST(!std::regex_search(table, std::regex(std::string("00000000:") + port_hex + " 00000000:0000 0A")));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace purchase::http
