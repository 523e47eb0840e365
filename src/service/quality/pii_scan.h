// Internal to the PII scanner (pii.cc, pii_secrets.cc): character classes shared by the
// finders, and the finder that lives in its own file.
#pragma once

#include <string>
#include <vector>

#include "service/quality/pii.h"

namespace exemplar::service::pii_scan {

inline bool Digit(char c) { return c >= '0' && c <= '9'; }
inline bool Upper(char c) { return c >= 'A' && c <= 'Z'; }
inline bool Lower(char c) { return c >= 'a' && c <= 'z'; }
inline bool Alpha(char c) { return Upper(c) || Lower(c); }
inline bool Alnum(char c) { return Digit(c) || Alpha(c); }
inline bool Hex(char c) { return Digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

inline char At(const std::string& s, size_t i) { return i < s.size() ? s[i] : '\0'; }
inline char Before(const std::string& s, size_t i) { return i == 0 ? '\0' : s[i - 1]; }

// Secrets: provider key formats, private keys, JWTs, credential assignments, random tokens.
void FindSecrets(const std::string& s, std::vector<PiiMatch>* out);

}  // namespace exemplar::service::pii_scan
