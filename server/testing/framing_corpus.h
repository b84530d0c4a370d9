// Request bytes that framing must get right, shared by the framer's unit
// test (split at every byte), its fuzzer's seed corpus and the end-to-end
// split-anywhere test: valid requests of every shape (bodies by length and
// by chunks, pipelined pairs and triples, HTTP/1.0, HEAD, absolute-form) and
// the hostile ones that once stopped, fooled or starved the server.
// Each entry's target is the control API's clock, which every API serves.
#pragma once

#include <string>
#include <vector>

namespace purchase::http::testing {

struct FramingCase {
  const char* name;
  std::string bytes;
};

inline std::vector<FramingCase> FramingCorpus() {
  const std::string get = "GET /_control/clock HTTP/1.1\r\nHost: x\r\n\r\n";
  const std::string advance = "POST /_control/clock/advance HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n";
  const std::string body = "{\"seconds\":0}";
  return {
      {"get", get},
      {"get, empty lines before it", "\r\n\r\n" + get},
      {"head", "HEAD /_control/clock HTTP/1.1\r\nHost: x\r\n\r\n"},
      {"http/1.0 without host", "GET /_control/clock HTTP/1.0\r\n\r\n"},
      {"absolute-form", "GET http://127.0.0.1/_control/clock HTTP/1.1\r\nHost: x\r\n\r\n"},
      {"content-length body", advance + "Content-Length: 13\r\n\r\n" + body},
      {"chunked body", advance + "Transfer-Encoding: chunked\r\n\r\nd\r\n" + body + "\r\n0\r\n\r\n"},
      // The reproducer of the endless loop: the split between its CR and LF
      // is one of the splits every test makes.
      {"chunked, one chunk per byte, extensions and a trailer",
       advance + "Transfer-Encoding: chunked\r\n\r\n5;a=b\r\n{\"sec\r\n8 ; q=\"x;y\"\r\nonds\":0}\r\n0\r\nX-Checksum: 1\r\n\r\n"},
      {"pipelined pair", get + get},
      {"pipelined triple, the last closing", get + advance + "Content-Length: 13\r\n\r\n" + body +
                                                 "GET /_control/clock HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"},
      {"pipelined chunked then get", advance + "Transfer-Encoding: chunked\r\n\r\nd\r\n" + body + "\r\n0\r\n\r\n" + get},
      // Refused, each with a JSON error and the connection closed.
      {"smuggling: blank before the colon", advance + "Content-Length: 13\r\nTransfer-Encoding : chunked\r\n\r\n" + body},
      {"length and encoding", advance + "Content-Length: 13\r\nTransfer-Encoding: chunked\r\n\r\n" + body},
      {"two lengths", advance + "Content-Length: 13\r\nContent-Length: 14\r\n\r\n" + body},
      {"length not digits", advance + "Content-Length: 1e3\r\n\r\n" + body},
      {"encoding not chunked", advance + "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n"},
      {"bad chunk size", advance + "Transfer-Encoding: chunked\r\n\r\nzz\r\n" + body + "\r\n0\r\n\r\n"},
      {"chunk without its CRLF", advance + "Transfer-Encoding: chunked\r\n\r\n2\r\n{}XX0\r\n\r\n"},
      {"version HTTP/1", "GET /_control/clock HTTP/1\r\nHost: x\r\n\r\n"},
      {"no version", "GET /_control/clock\r\nHost: x\r\n\r\n"},
      {"field name with a space", "GET /_control/clock HTTP/1.1\r\nHost: x\r\nX Y: z\r\n\r\n"},
      {"obs-fold", "GET /_control/clock HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n  continued\r\n\r\n"},
      {"bare LF", "GET /_control/clock HTTP/1.1\nHost: x\n\n"},
      {"no host", "GET /_control/clock HTTP/1.1\r\n\r\n"},
      {"asterisk-form", "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n"},
      {"valid then refused", get + "GET /_control/clock HTTP/2.0\r\nHost: x\r\n\r\n"},
  };
}

}  // namespace purchase::http::testing
