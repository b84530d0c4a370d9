// ResponseFramer: where an upstream's answer ends, byte by byte. Pure; no
// sockets (proxy_host_test.cc covers the framer behind real ones).
#include "proxy/response_framer.h"

#include <boost/test/unit_test.hpp>

#include <string>

namespace conformance {
namespace {

using Next = ResponseFramer::Next;

// Appends `bytes` at once and takes what is whole.
Next Feed(ResponseFramer& framer, const std::string& bytes, FramedResponse& out) {
  framer.Append(bytes.data(), bytes.size());
  return framer.Take(out);
}

std::string HeaderOf(const FramedResponse& r, const std::string& name) {
  const std::string* value = FindHeader(r.headers, name);
  return value ? *value : "<absent>";
}

BOOST_AUTO_TEST_SUITE(ResponseFramerTest)

BOOST_AUTO_TEST_CASE(AContentLengthAnswerArrivingByteByByteIsWholeOnlyAtItsLastByte) {
  const std::string wire = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello";
  ResponseFramer framer;
  framer.Reset(false);
  BOOST_TEST(!framer.started());
  FramedResponse r;
  for (size_t i = 0; i + 1 < wire.size(); ++i) {
    framer.Append(&wire[i], 1);
    BOOST_TEST_REQUIRE((framer.Take(r) == Next::kNeedMore), "whole at byte " << i << " of " << wire.size());
    BOOST_TEST(framer.started());
  }
  framer.Append(&wire.back(), 1);
  BOOST_TEST_REQUIRE((framer.Take(r) == Next::kResponse));
  BOOST_TEST(r.status == 200);
  BOOST_TEST(r.reason == "OK");
  BOOST_TEST(r.body == "hello");
  BOOST_TEST(r.keep_alive);
  BOOST_TEST(r.headers.size() == 2u);
  BOOST_TEST(HeaderOf(r, "content-type") == "text/plain");
  BOOST_TEST(HeaderOf(r, "Content-Length") == "5");
}

BOOST_AUTO_TEST_CASE(AChunkedAnswerIsDechunkedWithItsExtensionsAndTrailersDropped) {
  const std::string wire =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5;name=value\r\nhello\r\n"
      "7 \r\n, world\r\n"
      "A\r\n0123456789\r\n"
      "0\r\nX-Checksum: abc\r\nX-Other: def\r\n\r\n";
  ResponseFramer framer;
  framer.Reset(false);
  FramedResponse r;
  BOOST_TEST_REQUIRE((Feed(framer, wire, r) == Next::kResponse), framer.error());
  BOOST_TEST(r.body == "hello, world0123456789");
  BOOST_TEST(r.keep_alive);
  BOOST_TEST(HeaderOf(r, "X-Checksum") == "<absent>");  // a trailer is not a header
  BOOST_TEST(HeaderOf(r, "Transfer-Encoding") == "chunked");
}

BOOST_AUTO_TEST_CASE(AChunkedAnswerByteByByteIsWholeOnlyAfterItsLastTrailerLine) {
  const std::string wire = "HTTP/1.1 201 Created\r\nTransfer-Encoding: gzip, chunked\r\n\r\n3\r\nabc\r\n0\r\nT: 1\r\n\r\n";
  ResponseFramer framer;
  framer.Reset(false);
  FramedResponse r;
  for (size_t i = 0; i + 1 < wire.size(); ++i) {
    framer.Append(&wire[i], 1);
    BOOST_TEST_REQUIRE((framer.Take(r) == Next::kNeedMore), "whole at byte " << i);
  }
  framer.Append(&wire.back(), 1);
  BOOST_TEST_REQUIRE((framer.Take(r) == Next::kResponse), framer.error());
  BOOST_TEST(r.status == 201);
  BOOST_TEST(r.body == "abc");
}

BOOST_AUTO_TEST_CASE(AChunkNotFollowedByCrlfIsBroken) {
  ResponseFramer framer;
  framer.Reset(false);
  FramedResponse r;
  BOOST_TEST((Feed(framer, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n0\r\n\r\n", r) ==
              Next::kBroken));
  BOOST_TEST(framer.error() == "a chunk not followed by CRLF");
}

BOOST_AUTO_TEST_CASE(AChunkSizeThatIsNotHexIsBroken) {
  ResponseFramer framer;
  framer.Reset(false);
  FramedResponse r;
  BOOST_TEST((Feed(framer, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", r) == Next::kBroken));
  BOOST_TEST(framer.error() == "a chunk size that is not one: 'zz'");
}

BOOST_AUTO_TEST_CASE(InterimAnswersBeforeTheAnswerAreSkipped) {
  ResponseFramer framer;
  framer.Reset(false);
  FramedResponse r;
  BOOST_TEST((Feed(framer, "HTTP/1.1 100 Continue\r\n\r\n", r) == Next::kNeedMore));
  BOOST_TEST(framer.started());
  BOOST_TEST((Feed(framer, "HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n", r) == Next::kNeedMore));
  BOOST_TEST_REQUIRE((Feed(framer, "HTTP/1.1 202 Accepted\r\nContent-Length: 2\r\n\r\n{}", r) == Next::kResponse));
  BOOST_TEST(r.status == 202);
  BOOST_TEST(r.reason == "Accepted");
  BOOST_TEST(r.body == "{}");
  BOOST_TEST(HeaderOf(r, "Link") == "<absent>");  // the interim answer's fields are not the answer's
  BOOST_TEST(r.headers.size() == 1u);
}

BOOST_AUTO_TEST_CASE(AnAnswerToHeadHasNoBodyEvenWithAContentLength) {
  ResponseFramer framer;
  framer.Reset(/*head_request=*/true);
  FramedResponse r;
  BOOST_TEST_REQUIRE((Feed(framer, "HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n", r) == Next::kResponse));
  BOOST_TEST(r.body.empty());
  BOOST_TEST(r.keep_alive);
  BOOST_TEST(HeaderOf(r, "Content-Length") == "1234");
}

BOOST_AUTO_TEST_CASE(A204AndA304HaveNoBodyEvenWithAContentLength) {
  for (const int status : {204, 304}) {
    ResponseFramer framer;
    framer.Reset(false);
    FramedResponse r;
    const std::string wire = "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Length: 10\r\n\r\n";
    BOOST_TEST_REQUIRE((Feed(framer, wire, r) == Next::kResponse), status);
    BOOST_TEST(r.status == status);
    BOOST_TEST(r.body.empty());
    BOOST_TEST(r.keep_alive);
  }
}

BOOST_AUTO_TEST_CASE(AnAnswerWithoutLengthIsWholeAtTheCloseAndNotReusable) {
  ResponseFramer framer;
  framer.Reset(false);
  FramedResponse r;
  BOOST_TEST((Feed(framer, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nsome ", r) == Next::kNeedMore));
  BOOST_TEST((Feed(framer, "text", r) == Next::kNeedMore));
  BOOST_TEST_REQUIRE((framer.TakeAtClose(r) == Next::kResponse), framer.error());
  BOOST_TEST(r.body == "some text");
  BOOST_TEST(!r.keep_alive);
}

BOOST_AUTO_TEST_CASE(AnotherTransferCodingThanChunkedRunsUntilTheClose) {
  ResponseFramer framer;
  framer.Reset(false);
  FramedResponse r;
  BOOST_TEST((Feed(framer, "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n\x1f\x8b", r) == Next::kNeedMore));
  BOOST_TEST_REQUIRE((framer.TakeAtClose(r) == Next::kResponse), framer.error());
  BOOST_TEST(r.body == "\x1f\x8b");
  BOOST_TEST(!r.keep_alive);
}

BOOST_AUTO_TEST_CASE(AnotherTransferCodingRunsUntilTheCloseWhateverContentLengthSays) {
  // RFC 9112 6.3: Transfer-Encoding overrides Content-Length.
  ResponseFramer framer;
  framer.Reset(false);
  FramedResponse r;
  BOOST_TEST((Feed(framer, "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nContent-Length: 1\r\n\r\nabc", r) ==
              Next::kNeedMore));
  BOOST_TEST_REQUIRE((framer.TakeAtClose(r) == Next::kResponse), framer.error());
  BOOST_TEST(r.body == "abc");
  BOOST_TEST(!r.keep_alive);
}

BOOST_AUTO_TEST_CASE(AnHttp10AnswerIsNotKeptAlive) {
  ResponseFramer framer;
  framer.Reset(false);
  FramedResponse r;
  BOOST_TEST_REQUIRE((Feed(framer, "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok", r) == Next::kResponse));
  BOOST_TEST(r.body == "ok");
  BOOST_TEST(!r.keep_alive);
}

BOOST_AUTO_TEST_CASE(AConnectionCloseAnswerIsNotKeptAliveWhateverTheCaseOrListPosition) {
  for (const std::string value : {"close", "Close", "keep-alive, CLOSE"}) {
    ResponseFramer framer;
    framer.Reset(false);
    FramedResponse r;
    BOOST_TEST_REQUIRE(
        (Feed(framer, "HTTP/1.1 200 OK\r\nConnection: " + value + "\r\nContent-Length: 2\r\n\r\nok", r) ==
         Next::kResponse));
    BOOST_TEST(r.body == "ok");
    BOOST_TEST(!r.keep_alive, value);
  }
}

BOOST_AUTO_TEST_CASE(ACloseBeforeAnyByteIsAnAnswerNeverStarted) {
  ResponseFramer framer;
  framer.Reset(false);
  FramedResponse r;
  BOOST_TEST((framer.TakeAtClose(r) == Next::kBroken));
  BOOST_TEST(!framer.started());
  BOOST_TEST(framer.error() == "closed without answering");
  BOOST_TEST(!framer.too_large());
}

BOOST_AUTO_TEST_CASE(ACloseInTheMiddleOfAnAnswerIsACutShortAnswer) {
  for (const std::string partial : {"H", "HTTP/1.1 200 OK\r\nContent-Le", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel",
                                    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n"}) {
    ResponseFramer framer;
    framer.Reset(false);
    FramedResponse r;
    BOOST_TEST((Feed(framer, partial, r) == Next::kNeedMore), partial);
    BOOST_TEST((framer.TakeAtClose(r) == Next::kBroken), partial);
    BOOST_TEST(framer.started());
    BOOST_TEST(framer.error() == "closed in the middle of its answer");
  }
}

BOOST_AUTO_TEST_CASE(ABodyOverMaxBodyIsTooLarge) {
  {  // announced by its Content-Length: refused at the end of the head
    ResponseFramer framer(1024, 10);
    framer.Reset(false);
    FramedResponse r;
    BOOST_TEST((Feed(framer, "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n", r) == Next::kBroken));
    BOOST_TEST(framer.too_large());
    BOOST_TEST(framer.error() == "its body (11 bytes) is over 10");
  }
  {  // exactly the limit is not over it
    ResponseFramer framer(1024, 10);
    framer.Reset(false);
    FramedResponse r;
    BOOST_TEST((Feed(framer, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789", r) == Next::kResponse));
    BOOST_TEST(!framer.too_large());
  }
  {  // chunked: the chunk that passes it
    ResponseFramer framer(1024, 10);
    framer.Reset(false);
    FramedResponse r;
    BOOST_TEST((Feed(framer, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\n012345\r\n5\r\n", r) ==
                Next::kBroken));
    BOOST_TEST(framer.too_large());
    BOOST_TEST(framer.error() == "its body is over 10 bytes");
  }
  {  // until the close: the bytes that pass it
    ResponseFramer framer(1024, 10);
    framer.Reset(false);
    FramedResponse r;
    BOOST_TEST((Feed(framer, "HTTP/1.1 200 OK\r\n\r\n0123456789", r) == Next::kNeedMore));
    BOOST_TEST((Feed(framer, "A", r) == Next::kBroken));
    BOOST_TEST(framer.too_large());
  }
}

BOOST_AUTO_TEST_CASE(AHeadOverMaxHeadIsBrokenButNotTooLarge) {
  ResponseFramer framer(64, 1024);
  framer.Reset(false);
  FramedResponse r;
  BOOST_TEST((Feed(framer, "HTTP/1.1 200 OK\r\nX-Long: " + std::string(100, 'a'), r) == Next::kBroken));
  BOOST_TEST(framer.error() == "its head is over 64 bytes");
  BOOST_TEST(!framer.too_large());
}

BOOST_AUTO_TEST_CASE(AGarbageStatusLineIsBroken) {
  for (const std::string wire : {"garbage\r\n", "HTTP/2 200 OK\r\n", "HTTP/1.1 2000 OK\r\n", "HTTP/1.1 20x OK\r\n",
                                 "HTTP/1.2 200 OK\r\n", "SSH-2.0-OpenSSH_9.6\r\n"}) {
    ResponseFramer framer;
    framer.Reset(false);
    FramedResponse r;
    BOOST_TEST((Feed(framer, wire, r) == Next::kBroken), wire);
    BOOST_TEST(framer.error().rfind("its status line is not HTTP/1.x: '", 0) == 0u, framer.error());
    BOOST_TEST(!framer.too_large());
  }
}

BOOST_AUTO_TEST_CASE(AFieldLineWithoutANameOrALengthThatIsNotOneIsBroken) {
  const std::pair<std::string, std::string> cases[] = {
      {"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", "a field line without a name: 'no colon here'"},
      {"HTTP/1.1 200 OK\r\n: empty\r\n\r\n", "a field line without a name: ': empty'"},
      {"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", "its Content-Length is not a length: '-1'"},
      {"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", "two Content-Length fields that differ"},
  };
  for (const auto& [wire, error] : cases) {
    ResponseFramer framer;
    framer.Reset(false);
    FramedResponse r;
    BOOST_TEST((Feed(framer, wire, r) == Next::kBroken), wire);
    BOOST_TEST(framer.error() == error);
  }
}

BOOST_AUTO_TEST_CASE(TheReasonPhraseIsKeptAsWritten) {
  const std::pair<std::string, std::string> cases[] = {
      {"HTTP/1.1 200 All Good Here\r\n", "All Good Here"},
      {"HTTP/1.1 404 not  found \r\n", "not  found "},
      {"HTTP/1.1 299 \r\n", ""},
      {"HTTP/1.1 200\r\n", ""},
  };
  for (const auto& [status_line, reason] : cases) {
    ResponseFramer framer;
    framer.Reset(false);
    FramedResponse r;
    BOOST_TEST_REQUIRE((Feed(framer, status_line + "Content-Length: 0\r\n\r\n", r) == Next::kResponse), status_line);
    BOOST_TEST(r.reason == reason, status_line);
  }
}

BOOST_AUTO_TEST_CASE(BareLineFeedsAndBlankLinesBeforeTheStatusLineAreRead) {
  ResponseFramer framer;
  framer.Reset(false);
  FramedResponse r;
  BOOST_TEST_REQUIRE((Feed(framer, "\r\n\nHTTP/1.1 200 OK\nX-A:  spaced \t\nContent-Length: 2\n\nok", r) ==
                      Next::kResponse),
                     framer.error());
  BOOST_TEST(r.body == "ok");
  BOOST_TEST(HeaderOf(r, "X-A") == "spaced");
}

BOOST_AUTO_TEST_CASE(AResetLetsOneFramerReadASecondAnswer) {
  ResponseFramer framer;
  framer.Reset(false);
  FramedResponse first, second;
  BOOST_TEST_REQUIRE((Feed(framer, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-N: 1\r\n\r\nfirst", first) ==
                      Next::kResponse));
  framer.Reset(false);
  BOOST_TEST(!framer.started());
  BOOST_TEST_REQUIRE((Feed(framer, "HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nsecond\r\n0\r\n\r\n",
                           second) == Next::kResponse));
  BOOST_TEST(first.body == "first");
  BOOST_TEST(second.status == 404);
  BOOST_TEST(second.reason == "Not Found");
  BOOST_TEST(second.body == "second");
  BOOST_TEST(HeaderOf(second, "X-N") == "<absent>");
  // A reset also forgets a broken answer and its limit.
  ResponseFramer limited(1024, 3);
  limited.Reset(false);
  BOOST_TEST((Feed(limited, "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n", first) == Next::kBroken));
  BOOST_TEST(limited.too_large());
  limited.Reset(false);
  BOOST_TEST(!limited.too_large());
  BOOST_TEST(limited.error().empty());
  BOOST_TEST_REQUIRE((Feed(limited, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc", second) == Next::kResponse));
  BOOST_TEST(second.body == "abc");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace conformance
