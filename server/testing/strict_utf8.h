// Test-only: judges text as strict UTF-8 with glibc's iconv, a decoder
// independent of the server's own (http/valid_text.h), so that a test of
// "no reply carries invalid UTF-8" does not trust the code it tests.
#pragma once

#include <iconv.h>

#include <cerrno>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace purchase::testing {

// "" if `text` decodes as UTF-8 (no overlong form, no surrogate, nothing past
// U+10FFFF, nothing truncated), else what is wrong and at which byte.
inline std::string StrictUtf8Problem(std::string_view text) {
  iconv_t cd = iconv_open("UTF-32LE", "UTF-8");
  if (cd == reinterpret_cast<iconv_t>(-1)) return "iconv cannot convert from UTF-8";
  std::vector<char> out(text.size() * 4 + 4);
  char* in = const_cast<char*>(text.data());
  size_t in_left = text.size();
  char* o = out.data();
  size_t out_left = out.size();
  const size_t n = iconv(cd, &in, &in_left, &o, &out_left);
  const int error = errno;
  iconv_close(cd);
  if (n == static_cast<size_t>(-1) || in_left != 0)
    return std::string(error == EINVAL ? "a truncated sequence" : "an invalid sequence") + " at byte " +
           std::to_string(text.size() - in_left);
  // glibc's UTF-8 decoder refuses surrogates; check the decoded code points anyway.
  for (const char* p = out.data(); p + 4 <= o; p += 4) {
    const uint32_t c = static_cast<uint8_t>(p[0]) | static_cast<uint8_t>(p[1]) << 8 |
                       static_cast<uint8_t>(p[2]) << 16 | static_cast<uint32_t>(static_cast<uint8_t>(p[3])) << 24;
    if ((c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff) return "a surrogate or a code point past U+10FFFF";
  }
  return "";
}

}  // namespace purchase::testing
