// Identifiers: random UUIDv4 strings and their validation.
#pragma once

#include <string>
#include <string_view>

namespace exemplar {

// A new random UUID v4 in canonical lowercase form (36 chars). Thread-safe.
std::string NewUuid();

// True when `s` is a canonical UUID (8-4-4-4-12 hex, any case).
bool IsUuid(std::string_view s);

// Lowercases a UUID for storage and comparison. REQUIRES: IsUuid(s).
std::string NormalizeUuid(std::string_view s);

// A random token of `bytes` bytes as lowercase hex (used for API tokens and request ids).
std::string RandomHex(size_t bytes);

}  // namespace exemplar
