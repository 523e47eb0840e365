#include "service/quality/pii.h"

#include "service/quality/pii_scan.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>

namespace exemplar::service {
namespace {

using namespace pii_scan;

// A number-like structure continues past `end` ("1.2.3.4.5", "555-123-4567-89"): not a match.
bool ContinuesNumber(const std::string& s, size_t end) {
  char c = At(s, end);
  if (Alnum(c)) return true;
  return (c == '.' || c == '-') && Digit(At(s, end + 1));
}

// ---- email: local@domain.tld ----
void FindEmails(const std::string& s, std::vector<PiiMatch>* out) {
  auto local_char = [](char c) { return Alnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-'; };
  for (size_t at = s.find('@'); at != std::string::npos; at = s.find('@', at + 1)) {
    size_t l = at;
    while (l > 0 && local_char(s[l - 1])) --l;
    while (l < at && s[l] == '.') ++l;
    if (l == at) continue;
    size_t r = at + 1;
    while (r < s.size() && (Alnum(s[r]) || s[r] == '.' || s[r] == '-')) ++r;
    while (r > at + 1 && (s[r - 1] == '.' || s[r - 1] == '-')) --r;
    std::string domain = s.substr(at + 1, r - at - 1);
    size_t dot = domain.rfind('.');
    if (dot == std::string::npos || dot == 0 || domain.find("..") != std::string::npos) continue;
    std::string tld = domain.substr(dot + 1);
    if (tld.size() < 2 || !std::all_of(tld.begin(), tld.end(), Alpha)) continue;
    out->push_back({"email", l, r});
  }
}

// ---- US social security number: AAA-GG-SSSS with the SSA's never-issued ranges excluded ----
void FindSsns(const std::string& s, std::vector<PiiMatch>* out) {
  for (size_t i = 0; i + 11 <= s.size(); ++i) {
    if (!(Digit(s[i]) && Digit(s[i + 1]) && Digit(s[i + 2]) && s[i + 3] == '-' && Digit(s[i + 4]) &&
          Digit(s[i + 5]) && s[i + 6] == '-' && Digit(s[i + 7]) && Digit(s[i + 8]) && Digit(s[i + 9]) &&
          Digit(s[i + 10])))
      continue;
    char b = Before(s, i);
    if (Alnum(b) || b == '-' || b == '.' || ContinuesNumber(s, i + 11)) continue;
    int area = std::stoi(s.substr(i, 3)), group = std::stoi(s.substr(i + 4, 2)), serial = std::stoi(s.substr(i + 7, 4));
    if (area == 0 || area == 666 || area >= 900 || group == 0 || serial == 0) continue;
    out->push_back({"ssn", i, i + 11});
  }
}

// A run of digit groups separated by single separators from `seps`, starting at `i`.
struct DigitRun {
  size_t end = 0;
  std::string digits;
  std::vector<size_t> groups;  // sizes
  std::string separators;      // the separator after each group but the last
};

DigitRun ReadDigitRun(const std::string& s, size_t i, const char* seps) {
  DigitRun run;
  size_t j = i;
  while (true) {
    size_t start = j;
    while (j < s.size() && Digit(s[j])) run.digits += s[j++];
    run.groups.push_back(j - start);
    if (j + 1 < s.size() && std::strchr(seps, s[j]) && s[j] != '\0' && Digit(s[j + 1])) {
      run.separators += s[j];
      ++j;
      continue;
    }
    break;
  }
  run.end = j;
  return run;
}

bool Luhn(const std::string& digits) {
  int sum = 0;
  bool twice = false;
  for (size_t i = digits.size(); i-- > 0;) {
    int d = digits[i] - '0';
    if (twice) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
    twice = !twice;
  }
  return sum % 10 == 0;
}

// ---- credit cards: 13–19 digits, Luhn-valid, issuer prefix 3–6, grouped by 4 (or Amex 4-6-5) ----
void FindCards(const std::string& s, std::vector<PiiMatch>* out) {
  for (size_t i = 0; i < s.size(); ++i) {
    if (!Digit(s[i]) || Digit(Before(s, i))) continue;
    char b = Before(s, i);
    if (Alpha(b) || b == '-' || b == '.' || b == '/') continue;
    DigitRun run = ReadDigitRun(s, i, " -");
    if (ContinuesNumber(s, run.end)) continue;
    size_t n = run.digits.size();
    if (n < 13 || n > 19 || run.digits[0] < '3' || run.digits[0] > '6') continue;
    bool grouped = run.groups.size() == 1;
    if (!grouped) {
      bool same_sep = std::all_of(run.separators.begin(), run.separators.end(),
                                  [&](char c) { return c == run.separators[0]; });
      bool by_four = true;
      for (size_t g = 0; g + 1 < run.groups.size(); ++g) by_four = by_four && run.groups[g] == 4;
      by_four = by_four && run.groups.back() >= 1 && run.groups.back() <= 4;
      bool amex = run.groups.size() == 3 && run.groups[0] == 4 && run.groups[1] == 6 && run.groups[2] == 5;
      grouped = same_sep && (by_four || amex);
    }
    if (grouped && Luhn(run.digits)) out->push_back({"credit_card", i, run.end});
    i = run.end;
  }
}

// ---- phone numbers: +CC with groups, or North American (ddd) ddd-dddd forms with separators ----
void FindPhones(const std::string& s, std::vector<PiiMatch>* out) {
  for (size_t i = 0; i < s.size(); ++i) {
    bool plus = s[i] == '+';
    bool paren = s[i] == '(';
    if (!plus && !paren && !Digit(s[i])) continue;
    char b = Before(s, i);
    if (Alnum(b) || b == '-' || b == '.' || b == '/' || b == '+' || b == '_' || b == ':' || b == '#') continue;
    // Normalise "(555) 123-4567" and "+1 (555) 123 4567": read digits, separators and one pair of
    // parentheses around the first or second group.
    size_t j = plus ? i + 1 : i;
    std::string digits, seps;
    std::vector<size_t> groups;
    bool used_paren = false, ok = true;
    while (j < s.size()) {
      bool open = s[j] == '(';
      if (open) {
        if (used_paren) { ok = false; break; }
        used_paren = true;
        ++j;
      }
      size_t start = j;
      while (j < s.size() && Digit(s[j])) digits += s[j++];
      if (j == start) { ok = false; break; }
      groups.push_back(j - start);
      if (open) {
        if (At(s, j) != ')') { ok = false; break; }
        ++j;
        if (At(s, j) == ' ' && Digit(At(s, j + 1))) { seps += ' '; ++j; continue; }
        if (Digit(At(s, j))) { seps += ')'; continue; }
        if ((At(s, j) == '-' || At(s, j) == '.') && Digit(At(s, j + 1))) { seps += s[j]; ++j; continue; }
        break;
      }
      char c = At(s, j);
      if ((c == ' ' || c == '-' || c == '.') && (Digit(At(s, j + 1)) || At(s, j + 1) == '(')) {
        seps += c;
        ++j;
        continue;
      }
      break;
    }
    if (!ok || groups.empty() || ContinuesNumber(s, j)) continue;
    size_t n = digits.size();
    bool dots = seps.find('.') != std::string::npos;
    bool all_dots = dots && std::all_of(seps.begin(), seps.end(), [](char c) { return c == '.'; });
    if (dots && !all_dots) continue;
    bool match = false;
    if (plus) {
      // After "+", E.164 numbers: 8–15 digits in any grouping (subscriber parts run to 8).
      bool groups_ok = std::all_of(groups.begin(), groups.end(), [](size_t g) { return g <= 8; }) ||
                       groups.size() == 1;
      match = n >= 8 && n <= 15 && groups_ok && !all_dots;
    } else if (!seps.empty()) {
      // North American numbering plan: [1] NXX NXX XXXX, area code and exchange not starting 0/1.
      std::vector<size_t> g = groups;
      std::string d = digits;
      if (g.size() == 4 && g[0] == 1 && d[0] == '1') {
        g.erase(g.begin());
        d = d.substr(1);
      }
      match = g.size() == 3 && g[0] == 3 && g[1] == 3 && g[2] == 4 && d[0] >= '2' && d[3] >= '2';
    }
    if (match) {
      out->push_back({"phone", i, j});
      i = j;
    }
  }
}

// ---- IBAN: CC + 2 check digits + up to 30 letters/digits, optionally in groups of 4; mod 97 == 1 ----
bool IbanChecksum(const std::string& iban) {
  std::string r = iban.substr(4) + iban.substr(0, 4);
  int mod = 0;
  for (char c : r) {
    int v = Digit(c) ? c - '0' : c - 'A' + 10;
    mod = v >= 10 ? (mod * 100 + v) % 97 : (mod * 10 + v) % 97;
  }
  return mod == 1;
}

void FindIbans(const std::string& s, std::vector<PiiMatch>* out) {
  for (size_t i = 0; i + 15 <= s.size(); ++i) {
    if (!(Upper(s[i]) && Upper(s[i + 1]) && Digit(s[i + 2]) && Digit(s[i + 3])) || Alnum(Before(s, i))) continue;
    std::string compact;
    size_t j = i, group = 0;
    while (j < s.size() && compact.size() < 34) {
      char c = s[j];
      if (Upper(c) || Digit(c)) {
        compact += c;
        ++group;
        ++j;
      } else if (c == ' ' && group == 4 && (Upper(At(s, j + 1)) || Digit(At(s, j + 1)))) {
        group = 0;
        ++j;
      } else {
        break;
      }
    }
    if (Alnum(At(s, j)) || compact.size() < 15) continue;
    if (IbanChecksum(compact)) {
      out->push_back({"iban", i, j});
      i = j;
    }
  }
}

// ---- IP addresses: dotted-quad IPv4 (each part 0–255) and IPv6 (8 groups, or "::" shortened) ----
void FindIps(const std::string& s, std::vector<PiiMatch>* out) {
  for (size_t i = 0; i < s.size(); ++i) {
    if (!Digit(s[i])) continue;
    char b = Before(s, i);
    if (Alnum(b) || b == '.' || b == '-' || b == '_') continue;
    size_t j = i;
    int parts = 0;
    bool ok = true;
    while (parts < 4) {
      size_t start = j;
      while (j < s.size() && Digit(s[j]) && j - start < 4) ++j;
      size_t len = j - start;
      if (len == 0 || len > 3 || (len > 1 && s[start] == '0') || std::stoi(s.substr(start, len)) > 255) {
        ok = false;
        break;
      }
      ++parts;
      if (parts < 4) {
        if (At(s, j) != '.' || !Digit(At(s, j + 1))) { ok = false; break; }
        ++j;
      }
    }
    if (!ok || parts != 4 || ContinuesNumber(s, j) || At(s, j) == ':' ) continue;
    out->push_back({"ip_address", i, j});
    i = j;
  }
  for (size_t i = 0; i < s.size(); ++i) {
    if (!(Hex(s[i]) || s[i] == ':')) continue;
    char b = Before(s, i);
    if (Alnum(b) || b == ':' || b == '_' || b == '.') continue;
    size_t j = i;
    while (j < s.size() && (Hex(s[j]) || s[j] == ':')) ++j;
    if (Alnum(At(s, j)) || At(s, j) == '_') {
      i = j;
      continue;
    }
    std::string c = s.substr(i, j - i);
    size_t colons = std::count(c.begin(), c.end(), ':');
    bool shortened = c.find("::") != std::string::npos;
    if (colons < 2 || c.find(":::") != std::string::npos ||
        (shortened && c.find("::", c.find("::") + 1) != std::string::npos)) {
      i = j;
      continue;
    }
    std::vector<std::string> groups;
    size_t p = 0;
    bool ok = true, any_digit = false;
    while (p <= c.size()) {
      size_t q = c.find(':', p);
      if (q == std::string::npos) q = c.size();
      std::string g = c.substr(p, q - p);
      if (g.size() > 4) ok = false;
      if (!g.empty()) groups.push_back(g);
      any_digit = any_digit || std::any_of(g.begin(), g.end(), Digit);
      p = q + 1;
    }
    ok = ok && any_digit && (shortened ? groups.size() >= 1 && groups.size() <= 7 : groups.size() == 8);
    if (ok) out->push_back({"ip_address", i, j});
    i = j;
  }
}

void CollectKinds(const Json& v, std::vector<bool>* seen) {
  if (v.is_string()) {
    for (const auto& m : FindPii(v.get_ref<const std::string&>())) {
      auto it = std::find(kPiiKinds.begin(), kPiiKinds.end(), m.kind);
      (*seen)[static_cast<size_t>(it - kPiiKinds.begin())] = true;
    }
  } else if (v.is_object() || v.is_array()) {
    for (const auto& x : v) CollectKinds(x, seen);
  }
}

}  // namespace

std::vector<PiiMatch> FindPii(const std::string& text) {
  std::vector<PiiMatch> all;
  if (text.size() < 7) return all;
  FindSecrets(text, &all);
  FindEmails(text, &all);
  FindSsns(text, &all);
  FindCards(text, &all);
  FindIbans(text, &all);
  FindIps(text, &all);
  FindPhones(text, &all);
  // Earlier first; at the same start the longer; the scanner order above breaks exact ties.
  std::stable_sort(all.begin(), all.end(), [](const PiiMatch& a, const PiiMatch& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end > b.end;
  });
  std::vector<PiiMatch> out;
  for (auto& m : all) {
    if (!out.empty() && m.begin < out.back().end) continue;
    out.push_back(std::move(m));
  }
  return out;
}

std::vector<std::string> PiiKindsInJson(const Json& value) {
  std::vector<bool> seen(kPiiKinds.size(), false);
  CollectKinds(value, &seen);
  std::vector<std::string> out;
  for (size_t i = 0; i < seen.size(); ++i) {
    if (seen[i]) out.push_back(kPiiKinds[i]);
  }
  return out;
}

std::vector<std::string> PiiFlags(const Example& e) {
  return PiiFlags(Json::parse(e.input_json, nullptr, false), Json::parse(e.expected_output_json, nullptr, false),
                  e.explanation);
}

std::vector<std::string> PiiFlags(const Json& input, const Json& output, const std::optional<std::string>& explanation) {
  std::vector<bool> seen(kPiiKinds.size(), false);
  CollectKinds(input, &seen);
  CollectKinds(output, &seen);
  if (explanation) CollectKinds(Json(*explanation), &seen);
  std::vector<std::string> out;
  for (size_t i = 0; i < seen.size(); ++i) {
    if (seen[i]) out.push_back(kPiiKinds[i]);
  }
  return out;
}

std::string RedactText(const std::string& text) {
  auto matches = FindPii(text);
  if (matches.empty()) return text;
  std::string out;
  size_t pos = 0;
  for (const auto& m : matches) {
    out.append(text, pos, m.begin - pos);
    out += "[REDACTED:" + m.kind + "]";
    pos = m.end;
  }
  out.append(text, pos, std::string::npos);
  return out;
}

Json RedactJson(const Json& value) {
  if (value.is_string()) return RedactText(value.get_ref<const std::string&>());
  if (value.is_object()) {
    Json out = Json::object();
    for (auto it = value.begin(); it != value.end(); ++it) out[it.key()] = RedactJson(it.value());
    return out;
  }
  if (value.is_array()) {
    Json out = Json::array();
    for (const auto& x : value) out.push_back(RedactJson(x));
    return out;
  }
  return value;
}

Example RedactExample(Example e) {
  // Scans whatever the flags say: rows stored before the flags existed are masked too.
  e.input_json = DumpJson(RedactJson(Json::parse(e.input_json, nullptr, false)));
  e.expected_output_json = DumpJson(RedactJson(Json::parse(e.expected_output_json, nullptr, false)));
  if (e.explanation) e.explanation = RedactText(*e.explanation);
  return e;
}

}  // namespace exemplar::service
