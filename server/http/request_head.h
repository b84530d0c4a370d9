// RequestHeadScanner: the checks the Pistache adapter makes on the raw bytes
// of a request head (request line and header fields, up to the blank line)
// before Pistache 0.0.5's parser sees them, because that parser either accepts
// what it should refuse or refuses it with a plain-text answer of its own:
// - the size of the head: one line (the request line or one header field)
//   of at most kMaxHeadLineBytes, the whole head at most kMaxHeadBytes, both
//   judged as the bytes arrive (a 1 MB flood is refused at its 64th KiB);
// - the framing: Content-Length must be 1*DIGIT (optional blanks around it)
//   that fits in 64 bits, the same value if repeated, and not beside a
//   Transfer-Encoding (RFC 9112 section 6). Pistache reads "abc", "0x10" and
//   "" as 0, "5abc" as 5, "-1" as 2^64-1 (then fails to reserve that much).
// A line ends at LF (an optional CR before it is not part of the line), so a
// head with bare LFs is complete here even though Pistache waits for CRLFs;
// the adapter answers such a head itself.
//
// Scan() works on contiguous bytes and resumes where it stopped, so a head
// that spans several reads is scanned once in all: the caller keeps the bytes
// of an incomplete head and passes them again with the next read appended.
// It allocates nothing. One scanner per connection, used by one thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace purchase::http {

inline constexpr size_t kMaxHeadLineBytes = 8 * 1024;  // without its CRLF
inline constexpr size_t kMaxHeadBytes = 64 * 1024;     // blank line included

class RequestHeadScanner {
 public:
  enum class Verdict {
    kIncomplete,          // no blank line yet, and no limit passed
    kComplete,            // head_size() bytes are a head within the limits
    kLineTooLong,         // one line over kMaxHeadLineBytes
    kHeadTooLarge,        // the head over kMaxHeadBytes
    kBadContentLength,    // not 1*DIGIT, or past 2^64 - 1
    kConflictingLengths,  // two Content-Length fields with different values
    kLengthAndEncoding,   // Content-Length and Transfer-Encoding together
  };

  // Scans data[0, size), the bytes of this head received so far (those of
  // an earlier call first, unchanged). Once it returns anything but
  // kIncomplete, the next call must follow Reset().
  Verdict Scan(const char* data, size_t size);
  // Forgets the head, for the next request on the connection.
  void Reset() { *this = RequestHeadScanner(); }

  // After kComplete: the head's size, its blank line included (what follows
  // is the body, or the next request).
  size_t head_size() const { return head_size_; }
  // After kComplete: the Content-Length, if the head has one.
  std::optional<uint64_t> content_length() const {
    return has_length_ ? std::optional<uint64_t>(length_) : std::nullopt;
  }
  // After kComplete, an explanation of a refusal for error.message.
  static const char* Explain(Verdict verdict);

  // `head` (a complete head) without its Content-Length fields: for a request
  // whose body will not be read, so that Pistache's parser does not wait for it.
  static std::string WithoutContentLength(std::string_view head);

 private:
  // Judges one complete header field line (no CR/LF); kIncomplete when fine.
  Verdict HeaderField(std::string_view line);

  size_t pos_ = 0;         // bytes scanned so far
  size_t line_start_ = 0;  // where the current line begins
  bool request_line_ = true;
  bool has_length_ = false;
  bool has_encoding_ = false;
  uint64_t length_ = 0;
  size_t head_size_ = 0;
};

}  // namespace purchase::http
