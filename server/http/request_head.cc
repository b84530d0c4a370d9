#include "http/request_head.h"

#include <cstring>

namespace purchase::http {
namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t'; }

// Whether `name` is `lower` (lowercase ASCII) in any case.
bool NameIs(std::string_view name, std::string_view lower) {
  if (name.size() != lower.size()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lower[i]) return false;
  }
  return true;
}

// The field name of a header line: what comes before its colon ("" when none).
std::string_view FieldName(std::string_view line) {
  const size_t colon = line.find(':');
  return colon == std::string_view::npos ? std::string_view() : line.substr(0, colon);
}

}  // namespace

RequestHeadScanner::Verdict RequestHeadScanner::HeaderField(std::string_view line) {
  // Only two names matter, so most lines are judged by their length and first byte.
  const char first = static_cast<char>(line[0] | 0x20);
  if (line.size() < 15 || (first != 'c' && first != 't')) return Verdict::kIncomplete;
  const std::string_view name = FieldName(line);
  if (NameIs(name, "transfer-encoding")) {
    has_encoding_ = true;
    return has_length_ ? Verdict::kLengthAndEncoding : Verdict::kIncomplete;
  }
  if (!NameIs(name, "content-length")) return Verdict::kIncomplete;
  std::string_view value = line.substr(name.size() + 1);
  while (!value.empty() && IsBlank(value.front())) value.remove_prefix(1);
  while (!value.empty() && IsBlank(value.back())) value.remove_suffix(1);
  if (value.empty()) return Verdict::kBadContentLength;
  uint64_t n = 0;
  for (const char c : value) {
    if (c < '0' || c > '9') return Verdict::kBadContentLength;
    const uint64_t digit = static_cast<uint64_t>(c - '0');
    if (n > (UINT64_MAX - digit) / 10) return Verdict::kBadContentLength;
    n = n * 10 + digit;
  }
  if (has_length_ && n != length_) return Verdict::kConflictingLengths;
  has_length_ = true;
  length_ = n;
  return has_encoding_ ? Verdict::kLengthAndEncoding : Verdict::kIncomplete;
}

RequestHeadScanner::Verdict RequestHeadScanner::Scan(const char* data, size_t size) {
  while (pos_ < size) {
    const void* found = std::memchr(data + pos_, '\n', size - pos_);
    if (!found) {
      pos_ = size;
      if (size - line_start_ > kMaxHeadLineBytes + 1) return Verdict::kLineTooLong;  // +1: a CR may end it
      if (size > kMaxHeadBytes) return Verdict::kHeadTooLarge;
      return Verdict::kIncomplete;
    }
    const size_t lf = static_cast<size_t>(static_cast<const char*>(found) - data);
    pos_ = lf + 1;
    if (pos_ > kMaxHeadBytes) return Verdict::kHeadTooLarge;
    std::string_view line(data + line_start_, lf - line_start_);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    line_start_ = pos_;
    if (line.size() > kMaxHeadLineBytes) return Verdict::kLineTooLong;
    if (line.empty()) {
      head_size_ = pos_;
      return Verdict::kComplete;
    }
    if (request_line_) {
      request_line_ = false;
      continue;
    }
    if (const Verdict v = HeaderField(line); v != Verdict::kIncomplete) return v;
  }
  return Verdict::kIncomplete;
}

const char* RequestHeadScanner::Explain(Verdict verdict) {
  switch (verdict) {
    case Verdict::kLineTooLong:
      return "a line of the request head (the request line or one header field) is longer than 8192 bytes";
    case Verdict::kHeadTooLarge:
      return "the request head (request line and header fields) is longer than 65536 bytes";
    case Verdict::kBadContentLength:
      return "Content-Length is not a decimal number of bytes (digits only, at most 18446744073709551615)";
    case Verdict::kConflictingLengths:
      return "the request has two Content-Length fields with different values";
    case Verdict::kLengthAndEncoding:
      return "the request has both Content-Length and Transfer-Encoding";
    default:
      return "";
  }
}

std::string RequestHeadScanner::WithoutContentLength(std::string_view head) {
  std::string out;
  out.reserve(head.size());
  bool request_line = true;
  while (!head.empty()) {
    const size_t lf = head.find('\n');
    const size_t end = lf == std::string_view::npos ? head.size() : lf + 1;
    const std::string_view line = head.substr(0, end);
    if (request_line || !NameIs(FieldName(line), "content-length")) out.append(line);
    request_line = false;
    head.remove_prefix(end);
  }
  return out;
}

}  // namespace purchase::http
