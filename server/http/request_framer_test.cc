// The framer that decides where each request starts and ends (RFC 9112),
// in front of Pistache: every byte split gives the same requests, and each
// ambiguous or malformed framing is refused.
#define BOOST_TEST_MODULE request_framer
#include <boost/test/unit_test.hpp>

#include <random>
#include <sstream>

#include "http/request_framer.h"
#include "testing/framing_corpus.h"

using namespace purchase::http;
using Refusal = RequestFramer::Refusal;

namespace {

// What a framer made of some bytes, as text: one line per request (method,
// path, query, version, host, fields, body, flags), then how it stopped.
std::string Describe(const std::vector<FramedRequest>& requests, RequestFramer::Next last, Refusal refusal) {
  std::ostringstream out;
  for (const auto& r : requests) {
    out << r.method << " " << r.path << (r.has_query ? "?" + r.query : "") << " 1." << r.minor_version
        << " host=" << r.host.value_or("<none>") << " fields=" << r.fields.size() << " body=[" << r.body << "]"
        << (r.body_unread ? " unread" : "") << (r.CloseAfterReply() ? " close" : "") << "\n";
  }
  out << (last == RequestFramer::Next::kRefused ? "refused " + std::string(RequestFramer::Explain(refusal))
                                                : "need more");
  return out.str();
}

// Feeds `bytes` in the pieces `cuts` marks (offsets where a new read starts),
// taking every request after each read.
std::string Frame(const std::string& bytes, const std::vector<size_t>& cuts, FramingLimits limits = {}) {
  RequestFramer framer(limits);
  std::vector<FramedRequest> requests;
  RequestFramer::Next last = RequestFramer::Next::kNeedMore;
  size_t from = 0;
  std::vector<size_t> ends = cuts;
  ends.push_back(bytes.size());
  for (const size_t to : ends) {
    framer.Append(bytes.data() + from, to - from);
    from = to;
    FramedRequest r;
    while ((last = framer.TakeRequest(r)) == RequestFramer::Next::kRequest) requests.push_back(std::move(r));
    if (last == RequestFramer::Next::kRefused) break;
  }
  return Describe(requests, last, framer.refusal());
}

std::string Whole(const std::string& bytes, FramingLimits limits = {}) { return Frame(bytes, {}, limits); }

std::vector<FramedRequest> Requests(const std::string& bytes, Refusal* refusal = nullptr) {
  RequestFramer framer;
  framer.Append(bytes);
  std::vector<FramedRequest> out;
  FramedRequest r;
  while (framer.TakeRequest(r) == RequestFramer::Next::kRequest) out.push_back(std::move(r));
  if (refusal) *refusal = framer.refusal();
  return out;
}

Refusal RefusalOf(const std::string& bytes) {
  Refusal why = Refusal::kNone;
  Requests(bytes, &why);
  return why;
}

const std::string kAdvance = "POST /_control/clock/advance HTTP/1.1\r\nHost: x\r\n";

}  // namespace

BOOST_AUTO_TEST_SUITE(RequestFramerRules)

BOOST_AUTO_TEST_CASE(EverySplitOfEveryCorpusRequestFramesAsTheWholeDoes) {
  for (const auto& c : purchase::http::testing::FramingCorpus()) {
    const std::string whole = Whole(c.bytes);
    for (size_t cut = 1; cut < c.bytes.size(); ++cut)
      BOOST_TEST_REQUIRE(Frame(c.bytes, {cut}) == whole, c.name << ", split at byte " << cut);
    std::vector<size_t> every;
    for (size_t cut = 1; cut < c.bytes.size(); ++cut) every.push_back(cut);
    BOOST_TEST(Frame(c.bytes, every) == whole, c.name << ", one byte per read");
    std::mt19937 random(7);
    for (int round = 0; round < 50; ++round) {
      std::vector<size_t> cuts;
      for (size_t at = 1 + random() % 7; at < c.bytes.size(); at += 1 + random() % 23) cuts.push_back(at);
      BOOST_TEST_REQUIRE(Frame(c.bytes, cuts) == whole, c.name << ", random reads, round " << round);
    }
  }
}

BOOST_AUTO_TEST_CASE(AChunkEndingWhoseCrAndLfArriveApartIsWaitedFor) {
  // Pistache 0.0.5 spun for ever on exactly this.
  const std::string first = kAdvance + "Transfer-Encoding: chunked\r\n\r\nd\r\n{\"seconds\":0}\r";
  RequestFramer framer;
  framer.Append(first);
  FramedRequest r;
  BOOST_TEST((framer.TakeRequest(r) == RequestFramer::Next::kNeedMore));
  BOOST_TEST(framer.HasPartialRequest());
  framer.Append("\n0\r\n\r\n");
  BOOST_TEST_REQUIRE((framer.TakeRequest(r) == RequestFramer::Next::kRequest));
  BOOST_TEST(r.body == "{\"seconds\":0}");
  BOOST_TEST(!framer.HasPartialRequest());
}

BOOST_AUTO_TEST_CASE(PipelinedRequestsAreAllFramedInOrder) {
  const std::string get = "GET /a?x=1 HTTP/1.1\r\nHost: h\r\n\r\n";
  const auto requests =
      Requests(get + kAdvance + "Content-Length: 2\r\n\r\n{}" + "DELETE /b HTTP/1.1\r\nHost: h\r\n\r\n");
  BOOST_TEST_REQUIRE(requests.size() == 3u);
  BOOST_TEST(requests[0].path == "/a");
  BOOST_TEST(requests[0].query == "x=1");
  BOOST_TEST(requests[1].body == "{}");
  BOOST_TEST(requests[2].method == "DELETE");
}

BOOST_AUTO_TEST_CASE(ChunkExtensionsAreSkippedAndTrailersDropped) {
  const auto requests = Requests(kAdvance +
                                 "Transfer-Encoding: chunked\r\n\r\n2;name=\"v\\\"q\";flag\r\n{}\r\n0\r\nX-T: 1\r\n\r\n");
  BOOST_TEST_REQUIRE(requests.size() == 1u);
  BOOST_TEST(requests[0].body == "{}");
  BOOST_TEST(!requests[0].Field("X-T"));
}

BOOST_AUTO_TEST_CASE(EveryAmbiguousLengthIsRefused) {
  BOOST_TEST((RefusalOf(kAdvance + "Content-Length: 2\r\nTransfer-Encoding : chunked\r\n\r\n{}") == Refusal::kBadField));
  BOOST_TEST((RefusalOf(kAdvance + "Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n{}") ==
              Refusal::kLengthAndEncoding));
  BOOST_TEST((RefusalOf(kAdvance + "Transfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\n{}") ==
              Refusal::kLengthAndEncoding));
  BOOST_TEST((RefusalOf(kAdvance + "Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}") ==
              Refusal::kConflictingLengths));
  for (const char* bad : {"", "abc", "0x10", "-1", "5abc", "1,1", "18446744073709551616"})
    BOOST_TEST((RefusalOf(kAdvance + "Content-Length: " + bad + "\r\n\r\n") == Refusal::kBadContentLength), bad);
  for (const char* coding : {"gzip", "gzip, chunked", "chunked, chunked", "identity"})
    BOOST_TEST((RefusalOf(kAdvance + "Transfer-Encoding: " + coding + "\r\n\r\n0\r\n\r\n") ==
                Refusal::kUnsupportedEncoding),
               coding);
  BOOST_TEST((RefusalOf(kAdvance + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n") ==
              Refusal::kUnsupportedEncoding));
  BOOST_TEST((RefusalOf("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n") ==
              Refusal::kUnsupportedEncoding));
  // The same value twice is one length (RFC 9110 8.6).
  BOOST_TEST(Requests(kAdvance + "Content-Length: 2\r\ncontent-length: 2\r\n\r\n{}").size() == 1u);
}

BOOST_AUTO_TEST_CASE(AMalformedChunkIsRefused) {
  const std::string chunked = kAdvance + "Transfer-Encoding: chunked\r\n\r\n";
  for (const char* bad : {"zz\r\n{}\r\n0\r\n\r\n", "2\r\n{}XX0\r\n\r\n", "2 x\r\n{}\r\n0\r\n\r\n",
                          "2;\r\n{}\r\n0\r\n\r\n", "2;a=\"open\r\n{}\r\n0\r\n\r\n", "11111111111111111\r\n",
                          "2\n{}\r\n0\r\n\r\n"})
    BOOST_TEST((RefusalOf(chunked + bad) == Refusal::kBadChunk || RefusalOf(chunked + bad) == Refusal::kBadLineEnding),
               bad);
}

BOOST_AUTO_TEST_CASE(ARequestLineIsMethodTargetAndAnHttp1Version) {
  BOOST_TEST((RefusalOf("GET / HTTP/1\r\nHost: x\r\n\r\n") == Refusal::kBadVersion));
  BOOST_TEST((RefusalOf("GET / \r\nHost: x\r\n\r\n") == Refusal::kBadVersion));
  BOOST_TEST((RefusalOf("GET /\r\nHost: x\r\n\r\n") == Refusal::kBadVersion));
  BOOST_TEST((RefusalOf("GET / HTTP/2.0\r\nHost: x\r\n\r\n") == Refusal::kBadVersion));
  BOOST_TEST((RefusalOf("GET / http/1.1\r\nHost: x\r\n\r\n") == Refusal::kBadVersion));
  BOOST_TEST((RefusalOf("GET  / HTTP/1.1\r\nHost: x\r\n\r\n") == Refusal::kBadRequestLine));
  BOOST_TEST((RefusalOf("G(T / HTTP/1.1\r\nHost: x\r\n\r\n") == Refusal::kBadRequestLine));
  BOOST_TEST((RefusalOf("GET /a\x01 HTTP/1.1\r\nHost: x\r\n\r\n") == Refusal::kBadRequestLine));
  BOOST_TEST((RefusalOf("GET /\xc3\xa9 HTTP/1.1\r\nHost: x\r\n\r\n") == Refusal::kBadRequestLine));
  BOOST_TEST((RefusalOf("GET /a#frag HTTP/1.1\r\nHost: x\r\n\r\n") == Refusal::kBadRequestLine));
  BOOST_TEST((RefusalOf("OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n") == Refusal::kBadRequestLine));
  BOOST_TEST((RefusalOf("CONNECT host:443 HTTP/1.1\r\nHost: x\r\n\r\n") == Refusal::kBadRequestLine));
  BOOST_TEST((RefusalOf("GET http://user@host/ HTTP/1.1\r\nHost: x\r\n\r\n") == Refusal::kBadRequestLine));
}

BOOST_AUTO_TEST_CASE(AnAbsoluteFormTargetNamesThePathAndTheHost) {
  const auto requests = Requests("GET HTTP://api.example:8080/orders?id=1 HTTP/1.1\r\nHost: other\r\n\r\n"
                                 "GET http://api.example?q HTTP/1.1\r\nHost: other\r\n\r\n");
  BOOST_TEST_REQUIRE(requests.size() == 2u);
  BOOST_TEST(requests[0].path == "/orders");
  BOOST_TEST(requests[0].query == "id=1");
  BOOST_TEST(*requests[0].host == "api.example:8080");
  BOOST_TEST(requests[1].path == "/");
  BOOST_TEST(requests[1].query == "q");
}

BOOST_AUTO_TEST_CASE(AFieldIsATokenNameItsColonAndAVisibleValue) {
  BOOST_TEST((RefusalOf("GET / HTTP/1.1\r\nHost: x\r\nX Y: z\r\n\r\n") == Refusal::kBadField));
  BOOST_TEST((RefusalOf("GET / HTTP/1.1\r\nHost: x\r\nX-Y : z\r\n\r\n") == Refusal::kBadField));
  BOOST_TEST((RefusalOf("GET / HTTP/1.1\r\nHost: x\r\n: z\r\n\r\n") == Refusal::kBadField));
  BOOST_TEST((RefusalOf("GET / HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n") == Refusal::kBadField));
  BOOST_TEST((RefusalOf("GET / HTTP/1.1\r\nHost: x\r\nX: a\x01z\r\n\r\n") == Refusal::kBadField));
  BOOST_TEST((RefusalOf("GET / HTTP/1.1\r\nHost: x\r\nX: a\r\n b\r\n\r\n") == Refusal::kBadField));
  BOOST_TEST((RefusalOf(std::string("GET / HTTP/1.1\r\nHost: x\r\nX: a\0b\r\n\r\n", 35)) == Refusal::kBadField));
  // obs-text (bytes past 0x7f) and inner blanks are field content.
  const auto ok = Requests("GET / HTTP/1.1\r\nHost: x\r\nX:  caf\xc3\xa9 \t au lait \r\n\r\n");
  BOOST_TEST_REQUIRE(ok.size() == 1u);
  BOOST_TEST(*ok[0].Field("x") == "caf\xc3\xa9 \t au lait");
}

BOOST_AUTO_TEST_CASE(EveryLineEndsInCrLf) {
  BOOST_TEST((RefusalOf("GET / HTTP/1.1\nHost: x\r\n\r\n") == Refusal::kBadLineEnding));
  BOOST_TEST((RefusalOf("GET / HTTP/1.1\r\nHost: x\n\r\n") == Refusal::kBadLineEnding));
  BOOST_TEST((RefusalOf("GET / HTTP/1.1\r\nHost: x\r\r\n\r\n") == Refusal::kBadLineEnding));
  BOOST_TEST((RefusalOf("\nGET / HTTP/1.1\r\nHost: x\r\n\r\n") == Refusal::kBadLineEnding));
}

BOOST_AUTO_TEST_CASE(AnHttp11RequestHasExactlyOneHost) {
  BOOST_TEST((RefusalOf("GET / HTTP/1.1\r\n\r\n") == Refusal::kBadHost));
  BOOST_TEST((RefusalOf("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n") == Refusal::kBadHost));
  BOOST_TEST((RefusalOf("GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n") == Refusal::kBadHost));
  const auto old = Requests("GET / HTTP/1.0\r\n\r\n");
  BOOST_TEST_REQUIRE(old.size() == 1u);
  BOOST_TEST(!old[0].host);
}

BOOST_AUTO_TEST_CASE(HeadLimitsAreJudgedAsTheBytesArrive) {
  RequestFramer framer;
  framer.Append("GET /" + std::string(kMaxHeadLineBytes, 'a'));
  FramedRequest r;
  BOOST_TEST((framer.TakeRequest(r) == RequestFramer::Next::kRefused));
  BOOST_TEST((framer.refusal() == Refusal::kLineTooLong));
  // 8192 bytes of line and its CRLF are fine; one more is not.
  const std::string pad = "X-Pad: ";
  BOOST_TEST(Requests("GET / HTTP/1.1\r\nHost: x\r\n" + pad + std::string(kMaxHeadLineBytes - pad.size(), 'a') +
                      "\r\n\r\n")
                 .size() == 1u);
  BOOST_TEST((RefusalOf("GET / HTTP/1.1\r\nHost: x\r\n" + pad + std::string(kMaxHeadLineBytes - pad.size() + 1, 'a') +
                        "\r\n\r\n") == Refusal::kLineTooLong));
  std::string many = "GET / HTTP/1.1\r\nHost: x\r\n";
  while (many.size() < kMaxHeadBytes) many += "X-A: " + std::string(100, 'b') + "\r\n";
  RequestFramer flood;
  flood.Append(many);  // no blank line yet: refused before the head ends
  BOOST_TEST((flood.TakeRequest(r) == RequestFramer::Next::kRefused));
  BOOST_TEST((flood.refusal() == Refusal::kHeadTooLarge));
}

BOOST_AUTO_TEST_CASE(ABodyPastTheLimitIsNotReadAndEndsTheConnection) {
  FramingLimits limits;
  limits.max_body = 10;
  RequestFramer framer(limits);
  framer.Append(kAdvance + "Content-Length: 11\r\n\r\n");
  FramedRequest r;
  BOOST_TEST_REQUIRE((framer.TakeRequest(r) == RequestFramer::Next::kRequest));
  BOOST_TEST(r.body_unread);
  BOOST_TEST(r.CloseAfterReply());
  BOOST_TEST(framer.stopped());
  framer.Append("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  BOOST_TEST((framer.TakeRequest(r) == RequestFramer::Next::kNeedMore));

  RequestFramer chunked(limits);
  chunked.Append(kAdvance + "Transfer-Encoding: chunked\r\n\r\n6\r\n123456\r\n5\r\n");
  BOOST_TEST_REQUIRE((chunked.TakeRequest(r) == RequestFramer::Next::kRequest));
  BOOST_TEST(r.body_unread);
  BOOST_TEST(r.body.empty());
}

BOOST_AUTO_TEST_CASE(ConnectionCloseAndHttp10EndTheConnectionAfterTheReply) {
  BOOST_TEST(!Requests("GET / HTTP/1.1\r\nHost: x\r\n\r\n")[0].CloseAfterReply());
  BOOST_TEST(Requests("GET / HTTP/1.1\r\nHost: x\r\nConnection: keep-alive, Close\r\n\r\n")[0].CloseAfterReply());
  BOOST_TEST(Requests("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")[0].CloseAfterReply());
}

BOOST_AUTO_TEST_CASE(AnIdleConnectionHoldsNoPartialRequest) {
  RequestFramer framer;
  BOOST_TEST(!framer.HasPartialRequest());
  framer.Append("G");
  FramedRequest r;
  BOOST_TEST((framer.TakeRequest(r) == RequestFramer::Next::kNeedMore));
  BOOST_TEST(framer.HasPartialRequest());
  framer.Append("ET / HTTP/1.1\r\nHost: x\r\n\r\n");
  BOOST_TEST((framer.TakeRequest(r) == RequestFramer::Next::kRequest));
  BOOST_TEST((framer.TakeRequest(r) == RequestFramer::Next::kNeedMore));
  BOOST_TEST(!framer.HasPartialRequest());
}

BOOST_AUTO_TEST_CASE(AnExpectContinueIsOwedOnceWhenTheBodyIsStillToCome) {
  RequestFramer framer;
  FramedRequest r;
  framer.Append(kAdvance + "Expect: 100-continue\r\nContent-Length: 2\r\n\r\n");
  BOOST_TEST((framer.TakeRequest(r) == RequestFramer::Next::kNeedMore));
  BOOST_TEST(framer.TakeContinueRequest());
  BOOST_TEST(!framer.TakeContinueRequest());
  framer.Append("{}");
  BOOST_TEST((framer.TakeRequest(r) == RequestFramer::Next::kRequest));
  // The body came with the head: nothing is owed.
  framer.Append(kAdvance + "Expect: 100-continue\r\nContent-Length: 2\r\n\r\n{}");
  BOOST_TEST((framer.TakeRequest(r) == RequestFramer::Next::kRequest));
  BOOST_TEST(!framer.TakeContinueRequest());
  // Nor without the expectation, nor in HTTP/1.0.
  framer.Append(kAdvance + "Content-Length: 2\r\n\r\n");
  BOOST_TEST((framer.TakeRequest(r) == RequestFramer::Next::kNeedMore));
  BOOST_TEST(!framer.TakeContinueRequest());
}

BOOST_AUTO_TEST_SUITE_END()
