#include "clock.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

namespace purchase {
namespace {

// Days from civil date (Howard Hinnant's algorithm), valid for any Gregorian year.
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void CivilFromDays(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
}

bool Digits(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

// Writes `v` (< 10^width) as exactly `width` digits.
void PutDigits(char* out, unsigned v, int width) {
  for (int i = width - 1; i >= 0; --i, v /= 10) out[i] = static_cast<char>('0' + v % 10);
}

}  // namespace

std::string FormatRfc3339(Millis t) { return std::string(FormatRfc3339Text(t).view()); }

Rfc3339Text FormatRfc3339Text(Millis t) {
  Rfc3339Text out;
  int64_t secs = t / 1000;
  int64_t ms = t % 1000;
  if (ms < 0) { ms += 1000; --secs; }
  int64_t days = secs / 86400;
  int64_t rem = secs % 86400;
  if (rem < 0) { rem += 86400; --days; }
  int64_t y; unsigned m, d;
  CivilFromDays(days, y, m, d);
  const unsigned hh = static_cast<unsigned>(rem / 3600), mm = static_cast<unsigned>(rem / 60 % 60),
                 ss = static_cast<unsigned>(rem % 60);
  if (y >= 0 && y <= 9999) {
    // Every reply carries two or three timestamps; snprintf made formatting
    // them the hottest spot of GET /purchase/info (callgrind: 7,200 of the
    // handler's 43,500 instructions per request). Same bytes, by hand.
    char* buf = out.data;
    std::memcpy(buf, "0000-00-00T00:00:00", 19);
    PutDigits(buf, static_cast<unsigned>(y), 4);
    PutDigits(buf + 5, m, 2);
    PutDigits(buf + 8, d, 2);
    PutDigits(buf + 11, hh, 2);
    PutDigits(buf + 14, mm, 2);
    PutDigits(buf + 17, ss, 2);
    size_t len = 19;
    if (ms != 0) {
      buf[len++] = '.';
      PutDigits(buf + len, static_cast<unsigned>(ms), 3);
      len += 3;
    }
    buf[len++] = 'Z';
    out.size = len;
    return out;
  }
  int written;
  if (ms == 0) {
    written = std::snprintf(out.data, sizeof out.data, "%04lld-%02u-%02uT%02u:%02u:%02uZ", static_cast<long long>(y), m, d, hh, mm, ss);
  } else {
    written = std::snprintf(out.data, sizeof out.data, "%04lld-%02u-%02uT%02u:%02u:%02u.%03dZ", static_cast<long long>(y), m, d, hh, mm, ss,
                  static_cast<int>(ms));
  }
  out.size = std::min(static_cast<size_t>(std::max(written, 0)), sizeof out.data - 1);
  return out;
}

std::optional<Millis> ParseRfc3339(std::string_view s) {
  int y, mo, d, h, mi, se;
  if (!Digits(s, 0, 4, y) || s.size() < 20 || s[4] != '-' || !Digits(s, 5, 2, mo) || s[7] != '-' ||
      !Digits(s, 8, 2, d) || (s[10] != 'T' && s[10] != 't') || !Digits(s, 11, 2, h) || s[13] != ':' ||
      !Digits(s, 14, 2, mi) || s[16] != ':' || !Digits(s, 17, 2, se))
    return std::nullopt;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 59) return std::nullopt;
  static constexpr int kDaysIn[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (d > kDaysIn[mo - 1] || (mo == 2 && d == 29 && !leap)) return std::nullopt;
  size_t pos = 19;
  int ms = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    size_t start = pos;
    int scale = 100;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      ms += (s[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == start) return std::nullopt;
  }
  int64_t offset_min = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh, om;
    if (!Digits(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' || !Digits(s, pos + 4, 2, om) ||
        oh > 23 || om > 59)
      return std::nullopt;
    offset_min = (s[pos] == '+' ? 1 : -1) * (oh * 60 + om);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  const int64_t days = DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  return ((days * 86400 + h * 3600 + mi * 60 + se) - offset_min * 60) * 1000 + ms;
}

std::optional<Error> RefuseClockMove(const Clock& clock, Millis to, bool set, bool may_go_back, bool refuse_same) {
  if (!clock.IsManual()) return MakeError(ErrorCode::kClockNotManual, "the server runs on the real clock (--clock real)");
  const Millis now = clock.Now();
  if ((to < now || (set && to == now && refuse_same)) && !may_go_back)
    return MakeError(ErrorCode::kClockBackwards,
                     "time never goes back: the clock is at " + FormatRfc3339(now) + ", asked for " + FormatRfc3339(to));
  const char* member = set ? "now" : "seconds";
  if (to > kLatestInstant)
    return InvalidField(member, std::string("field '") + member +
                                    "' would move the clock past 9999-12-31T23:59:59Z, the latest instant a reply can carry");
  return std::nullopt;
}

}  // namespace purchase
