// The secret finder of the PII scanner (pii.h): provider key formats, private keys, JWTs,
// credential assignments and long random-looking tokens.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>

#include "service/quality/pii_scan.h"

namespace exemplar::service::pii_scan {
namespace {

bool TokenChar(char c) { return Alnum(c) || c == '_' || c == '-'; }

double Entropy(const std::string& t) {
  std::array<int, 256> counts{};
  for (unsigned char c : t) ++counts[c];
  double h = 0;
  for (int n : counts) {
    if (n == 0) continue;
    double p = static_cast<double>(n) / t.size();
    h -= p * std::log2(p);
  }
  return h;
}

bool StartsWith(const std::string& t, const char* prefix) { return t.rfind(prefix, 0) == 0; }

bool KnownKeyFormat(const std::string& t) {
  auto rest_alnum = [&](size_t from) {
    return std::all_of(t.begin() + static_cast<long>(from), t.end(), [](char c) { return Alnum(c) || c == '_'; });
  };
  if (StartsWith(t, "sk-") && t.size() >= 23) return true;  // OpenAI (sk-…, sk-proj-…)
  for (const char* p : {"sk_live_", "sk_test_", "rk_live_", "pk_live_"}) {  // Stripe
    if (StartsWith(t, p) && t.size() >= 24) return true;
  }
  if ((StartsWith(t, "AKIA") || StartsWith(t, "ASIA")) && t.size() == 20 &&
      std::all_of(t.begin() + 4, t.end(), [](char c) { return Upper(c) || Digit(c); }))
    return true;  // AWS access key id
  for (const char* p : {"ghp_", "gho_", "ghu_", "ghs_", "ghr_"}) {  // GitHub
    if (StartsWith(t, p) && t.size() >= 34 && rest_alnum(4)) return true;
  }
  if (StartsWith(t, "github_pat_") && t.size() >= 40) return true;
  if (StartsWith(t, "glpat-") && t.size() >= 26) return true;  // GitLab
  for (const char* p : {"xoxb-", "xoxp-", "xoxa-", "xoxs-", "xapp-"}) {  // Slack
    if (StartsWith(t, p) && t.size() >= 20) return true;
  }
  if (StartsWith(t, "AIza") && t.size() == 39) return true;  // Google API key
  if (StartsWith(t, "dapi") && t.size() == 36 && std::all_of(t.begin() + 4, t.end(), Hex)) return true;  // Databricks
  return false;
}

// A long random-looking token: ≥ 32 characters mixing upper case, lower case and digits with high
// entropy. Hex digests and UUIDs have no upper/lower mix; words and identifiers have low entropy.
bool RandomToken(const std::string& t) {
  if (t.size() < 32) return false;
  bool up = std::any_of(t.begin(), t.end(), Upper), lo = std::any_of(t.begin(), t.end(), Lower),
       dg = std::any_of(t.begin(), t.end(), Digit);
  if (!(up && lo && dg)) return false;
  int digits = static_cast<int>(std::count_if(t.begin(), t.end(), Digit));
  return digits * 10 >= static_cast<int>(t.size()) && Entropy(t) >= 4.0;
}

}  // namespace

void FindSecrets(const std::string& s, std::vector<PiiMatch>* out) {
  for (size_t k = s.find("-----BEGIN"); k != std::string::npos; k = s.find("-----BEGIN", k + 1)) {
    size_t eol = s.find("-----", k + 10);
    if (eol != std::string::npos && s.substr(k, eol - k).find("PRIVATE KEY") != std::string::npos) {
      size_t end = s.find("-----END", eol + 5);
      end = end == std::string::npos ? eol + 5 : std::min(s.size(), s.find("-----", end + 8) + 5);
      out->push_back({"secret", k, end});
    }
  }
  for (size_t i = 0; i < s.size(); ++i) {
    if (!TokenChar(s[i]) || TokenChar(Before(s, i))) continue;
    size_t j = i;
    while (j < s.size() && TokenChar(s[j])) ++j;
    std::string t = s.substr(i, j - i);
    // JWT: three base64url parts joined by dots, the first a JSON header ("eyJ").
    if (StartsWith(t, "eyJ") && At(s, j) == '.') {
      size_t k = j, dots = 0;
      while (k < s.size() && (TokenChar(s[k]) || s[k] == '.')) dots += s[k++] == '.';
      if (dots == 2 && k - i >= 30) {
        out->push_back({"secret", i, k});
        i = k;
        continue;
      }
    }
    if (KnownKeyFormat(t) || RandomToken(t)) out->push_back({"secret", i, j});
    i = j;
  }
  // Credential assignments: password=…, api_key: "…" (the value is the secret).
  static const char* kNames[] = {"password", "passwd", "pwd", "api_key", "apikey", "api-key", "secret",
                                 "secret_key", "access_token", "auth_token", "client_secret", "token"};
  std::string lower = s;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](char c) { return Upper(c) ? c - 'A' + 'a' : c; });
  for (const char* name : kNames) {
    size_t len = std::strlen(name);
    for (size_t k = lower.find(name); k != std::string::npos; k = lower.find(name, k + 1)) {
      if (TokenChar(Before(lower, k)) || TokenChar(At(lower, k + len))) continue;
      size_t j = k + len;
      while (At(s, j) == ' ') ++j;
      if (At(s, j) != '=' && At(s, j) != ':') continue;
      ++j;
      while (At(s, j) == ' ') ++j;
      if (At(s, j) == '"' || At(s, j) == '\'') ++j;
      size_t v = j;
      while (j < s.size() && s[j] != ' ' && s[j] != '"' && s[j] != '\'' && s[j] != ',' && s[j] != ';' &&
             s[j] != '\n')
        ++j;
      std::string value = s.substr(v, j - v);
      int classes = std::any_of(value.begin(), value.end(), Upper) + std::any_of(value.begin(), value.end(), Lower) +
                    std::any_of(value.begin(), value.end(), Digit) +
                    std::any_of(value.begin(), value.end(), [](char c) { return !Alnum(c); });
      if (value.size() >= 8 && classes >= 2) out->push_back({"secret", v, j});
    }
  }
}

}  // namespace exemplar::service::pii_scan
