// Wall-clock helpers. Timestamps on the wire are RFC 3339 UTC with a 'Z'.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace exemplar {

// Milliseconds since the Unix epoch, now.
int64_t NowMillis();

// "2026-11-27T02:48:17.123Z" for a millisecond timestamp.
std::string FormatRfc3339(int64_t millis);
// The same text written into `buf` (no allocation, for response writers); returns its length.
constexpr size_t kRfc3339BufferSize = 64;
size_t FormatRfc3339(int64_t millis, char (&buf)[kRfc3339BufferSize]);

// Parses "YYYY-MM-DDTHH:MM:SS[.fff](Z|+HH:MM)" to epoch millis; nullopt when malformed.
std::optional<int64_t> ParseRfc3339(std::string_view text);

// "YYYY-MM-DD" (UTC) of a millisecond timestamp.
std::string FormatDate(int64_t millis);

constexpr int64_t kMillisPerDay = 86'400'000;

}  // namespace exemplar
