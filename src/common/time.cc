#include "common/time.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>

namespace exemplar {
namespace {

// Days since 1970-01-01 for a civil date (Howard Hinnant's algorithm, public domain description).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

}  // namespace

int64_t NowMillis() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

namespace {
// Civil date of a day count since 1970-01-01 (the inverse of DaysFromCivil, same source).
void CivilFromDays(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int64_t>(yoe) + era * 400 + (*m <= 2);
}
}  // namespace

// Formatted digit by digit: every search hit carries two or three timestamps, and gmtime_r +
// snprintf cost ~6k instructions each (callgrind); this is ~100. Same text as
// "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ" of gmtime_r for years 0–9999 (tested against it).
size_t FormatRfc3339(int64_t millis, char (&buf)[kRfc3339BufferSize]) {
  int64_t days = millis / kMillisPerDay;
  int64_t rem = millis % kMillisPerDay;
  if (rem < 0) {
    rem += kMillisPerDay;
    days -= 1;
  }
  int64_t year;
  unsigned month, day;
  CivilFromDays(days, &year, &month, &day);
  if (year < 0 || year > 9999) {  // outside RFC 3339's range: the old general path
    std::time_t secs = static_cast<std::time_t>(days * 86400 + rem / 1000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    const int n = std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(rem % 1000));
    return n < 0 ? 0 : std::min(static_cast<size_t>(n), sizeof buf - 1);
  }
  const auto ms = static_cast<unsigned>(rem % 1000);
  const auto secs = static_cast<unsigned>(rem / 1000);
  char* p = buf;
  auto put = [&p](unsigned v, int width) {
    for (int i = width - 1; i >= 0; --i) {
      p[i] = static_cast<char>('0' + v % 10);
      v /= 10;
    }
    p += width;
  };
  put(static_cast<unsigned>(year), 4);
  *p++ = '-';
  put(month, 2);
  *p++ = '-';
  put(day, 2);
  *p++ = 'T';
  put(secs / 3600, 2);
  *p++ = ':';
  put(secs / 60 % 60, 2);
  *p++ = ':';
  put(secs % 60, 2);
  *p++ = '.';
  put(ms, 3);
  *p = 'Z';
  return 24;
}

std::string FormatRfc3339(int64_t millis) {
  char buf[kRfc3339BufferSize];
  return std::string(buf, FormatRfc3339(millis, buf));
}

std::string FormatDate(int64_t millis) { return FormatRfc3339(millis).substr(0, 10); }

std::optional<int64_t> ParseRfc3339(std::string_view t) {
  int y, mo, d, h, mi, s;
  if (t.size() < 19) return std::nullopt;
  std::string head(t.substr(0, 19));
  if (std::sscanf(head.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d", &y, &mo, &d, &h, &mi, &s) != 6)
    return std::nullopt;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return std::nullopt;
  size_t pos = 19;
  int64_t ms = 0;
  if (pos < t.size() && t[pos] == '.') {
    ++pos;
    int digits = 0;
    while (pos < t.size() && t[pos] >= '0' && t[pos] <= '9') {
      if (digits < 3) ms = ms * 10 + (t[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) return std::nullopt;
    for (int i = digits; i < 3; ++i) ms *= 10;
  }
  int64_t offset_min = 0;
  if (pos < t.size() && (t[pos] == 'Z' || t[pos] == 'z')) {
    ++pos;
  } else if (pos + 6 == t.size() && (t[pos] == '+' || t[pos] == '-')) {
    int oh, om;
    std::string off(t.substr(pos + 1));
    if (std::sscanf(off.c_str(), "%2d:%2d", &oh, &om) != 2) return std::nullopt;
    offset_min = (oh * 60 + om) * (t[pos] == '+' ? 1 : -1);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != t.size()) return std::nullopt;
  int64_t days = DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  int64_t secs = days * 86400 + h * 3600 + mi * 60 + s - offset_min * 60;
  return secs * 1000 + ms;
}

}  // namespace exemplar
