// Fuzzes the request framer (http/request_framer.h): arbitrary bytes, read
// whole and in pieces the input itself chooses, must frame the same way.
//
// Input: byte 0 picks the limits (the default ones, or small ones that put
// every limit within reach of short inputs), byte 1 seeds the read sizes;
// the rest is what the client sends. A finding is a crash, a sanitizer
// report, a request over its limits, or any difference between the whole
// input and the same bytes split: a framer that depends on where reads end
// is how one client once hung the whole server (Pistache 0.0.5's chunk
// parser, split between a chunk's CR and LF).
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "http/request_framer.h"

namespace {

using namespace purchase::http;

struct Outcome {
  std::vector<std::string> requests;  // each request, flattened
  RequestFramer::Refusal refusal = RequestFramer::Refusal::kNone;
  bool operator==(const Outcome& o) const { return requests == o.requests && refusal == o.refusal; }
};

std::string Flatten(const FramedRequest& r, const FramingLimits& limits) {
  if (r.body.size() > limits.max_body) std::abort();  // a body past the limit was read
  if (r.body_unread && !r.body.empty()) std::abort();
  std::string out = r.method + '\0' + r.path + '\0' + r.query + '\0' + std::to_string(r.minor_version) + '\0' +
                    r.host.value_or("<none>") + '\0' + r.body + '\0' + (r.body_unread ? "u" : "") +
                    (r.CloseAfterReply() ? "c" : "");
  for (const auto& [name, value] : r.fields) out += '\0' + name + ':' + value;
  return out;
}

Outcome Frame(const uint8_t* data, size_t size, const FramingLimits& limits, uint32_t seed) {
  RequestFramer framer(limits);
  Outcome outcome;
  size_t at = 0;
  while (at < size) {
    // seed 0: all at once; otherwise reads of 1 to 16 bytes.
    size_t n = size - at;
    if (seed != 0) {
      seed = seed * 1103515245u + 12345u;
      n = std::min<size_t>(n, 1 + (seed >> 16) % 16);
    }
    framer.Append(reinterpret_cast<const char*>(data + at), n);
    at += n;
    FramedRequest r;
    RequestFramer::Next next;
    while ((next = framer.TakeRequest(r)) == RequestFramer::Next::kRequest)
      outcome.requests.push_back(Flatten(r, limits));
    if (next == RequestFramer::Next::kRefused) {
      outcome.refusal = framer.refusal();
      break;
    }
  }
  return outcome;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  FramingLimits limits;
  if (data[0] & 1) {
    limits.max_line = 40;
    limits.max_head = 200;
    limits.max_body = 64;
  }
  const uint32_t seed = data[1] + 1u;
  const Outcome whole = Frame(data + 2, size - 2, limits, 0);
  const Outcome split = Frame(data + 2, size - 2, limits, seed);
  if (!(whole == split)) std::abort();
  return 0;
}
