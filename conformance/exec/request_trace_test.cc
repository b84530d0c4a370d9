#include "exec/request_trace.h"

#include <sstream>
#include <thread>
#include <vector>

#include <boost/test/unit_test.hpp>
#include <rapidjson/document.h>

#include "testing/fake_http_client.h"

namespace conformance {
namespace {

rapidjson::Document Parse(const std::string& line) {
  rapidjson::Document d;
  d.Parse(line.data(), line.size());
  BOOST_REQUIRE_MESSAGE(!d.HasParseError() && d.IsObject(), "not a JSON object: " << line);
  return d;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

HttpRequest Post(const std::string& url, const std::string& body) {
  HttpRequest r;
  r.method = "POST";
  r.url = url;
  r.headers = {{"Authorization", "Bearer secret-token"}, {"Content-Type", "application/json"}};
  r.body = body;
  r.has_body = true;
  return r;
}

BOOST_AUTO_TEST_SUITE(RequestTraceTest)

BOOST_AUTO_TEST_CASE(ATraceLineHoldsMethodUrlHeadersInOrderAndTheBodyUnredacted) {
  const auto d = Parse(RequestTraceLine(Post("http://t/purchase/register", "{\"a\":\"b\\n\"}")));
  BOOST_TEST(d["method"].GetString() == "POST");
  BOOST_TEST(d["url"].GetString() == "http://t/purchase/register");
  BOOST_REQUIRE(d["headers"].IsArray());
  BOOST_REQUIRE(d["headers"].Size() == 2u);
  BOOST_TEST(d["headers"][0][0].GetString() == "Authorization");
  BOOST_TEST(d["headers"][0][1].GetString() == "Bearer secret-token");
  BOOST_TEST(d["headers"][1][0].GetString() == "Content-Type");
  BOOST_TEST(d["body"].GetString() == "{\"a\":\"b\\n\"}");
  BOOST_TEST(!d.HasMember("fresh_connection"));
}

BOOST_AUTO_TEST_CASE(ARequestWithoutABodyHasNoBodyMemberAndAnEmptyBodyIsKept) {
  HttpRequest get;
  get.method = "GET";
  get.url = "http://t/_control";
  BOOST_TEST(!Parse(RequestTraceLine(get)).HasMember("body"));
  HttpRequest empty = Post("http://t/x", "");
  const auto d = Parse(RequestTraceLine(empty));
  BOOST_REQUIRE(d.HasMember("body"));
  BOOST_TEST(d["body"].GetStringLength() == 0u);
}

BOOST_AUTO_TEST_CASE(ABodyWithANulByteAndAFreshConnectionSurviveTheLine) {
  HttpRequest r = Post("http://t/x", std::string("a\0b", 3));
  r.fresh_connection = true;
  const auto d = Parse(RequestTraceLine(r));
  BOOST_TEST(std::string(d["body"].GetString(), d["body"].GetStringLength()) == std::string("a\0b", 3));
  BOOST_TEST(d["fresh_connection"].GetBool());
}

BOOST_AUTO_TEST_CASE(TheTracingClientWritesEachRequestBeforeSendingIt) {
  std::ostringstream out;
  RequestTrace trace(out);
  auto fake = std::make_unique<FakeHttpClient>();
  FakeHttpClient* seen = fake.get();
  std::string trace_when_sent;
  fake->On("POST", "/a", [&](const HttpRequest&) {
    trace_when_sent = out.str();
    return JsonResponse(201, "{}");
  });
  auto client = NewTracingHttpClient(std::move(fake), trace);
  const HttpResponse response = client->Send(Post("http://t/a", "{}"));
  BOOST_TEST(response.status == 201);  // the answer passes through unchanged
  BOOST_TEST(seen->requests().size() == 1u);
  BOOST_TEST(trace_when_sent == RequestTraceLine(Post("http://t/a", "{}")) + "\n");
  BOOST_TEST(trace.ok());
}

BOOST_AUTO_TEST_CASE(ClientsOnManyThreadsWriteWholeLinesOneRequestEach) {
  std::ostringstream out;
  RequestTrace trace(out);
  constexpr int kThreads = 4, kRequests = 200;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&trace, t] {
      auto fake = std::make_unique<FakeHttpClient>();
      fake->OnJson("POST", "/a", 200, "{}");
      auto client = NewTracingHttpClient(std::move(fake), trace);
      for (int i = 0; i < kRequests; ++i)
        client->Send(Post("http://t/a", std::string(100, 'a' + t) + std::to_string(i)));
    });
  for (auto& t : threads) t.join();
  const auto lines = Lines(out.str());
  BOOST_REQUIRE(lines.size() == static_cast<size_t>(kThreads * kRequests));
  std::vector<int> next(kThreads, 0);
  for (const auto& line : lines) {
    const auto d = Parse(line);
    const std::string body = d["body"].GetString();
    // Whole (no interleaved bytes), and each thread's requests in the order
    // that thread sent them; with the count above, every request once.
    const int t = body.empty() ? -1 : body[0] - 'a';
    BOOST_REQUIRE_MESSAGE((t >= 0 && t < kThreads), line);
    BOOST_TEST(body == std::string(100, 'a' + t) + std::to_string(next[t]++), line);
  }
}

BOOST_AUTO_TEST_CASE(AFailedWriteIsReported) {
  std::ostringstream out;
  out.setstate(std::ios::badbit);
  RequestTrace trace(out);
  trace.Write(Post("http://t/a", "{}"));
  BOOST_TEST(!trace.ok());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace conformance
