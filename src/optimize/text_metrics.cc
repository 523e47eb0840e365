// NormalizeText, ExactMatch and F1 of metrics.h (DSPy's normalize_text, em_score, f1_score).
#include <map>
#include <string>
#include <vector>

#include "optimize/metrics.h"
#include "service/templates/dspy/text.h"

namespace exemplar::optimize {
namespace {

char32_t Lower(char32_t c) {
  if (c >= 'A' && c <= 'Z') return c + 32;
  if (c < 0x80) return c;
  if (c >= 0xC0 && c <= 0xDE && c != 0xD7) return c + 32;
  if ((c >= 0x100 && c <= 0x137) || (c >= 0x14A && c <= 0x177)) return (c % 2 == 0) ? c + 1 : c;
  if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E)) return (c % 2 == 1) ? c + 1 : c;
  if (c == 0x178) return 0xFF;
  if (c >= 0x391 && c <= 0x3A9 && c != 0x3A2) return c + 32;
  if (c == 0x386) return 0x3AC;
  if (c >= 0x388 && c <= 0x38A) return c + 37;
  if (c == 0x38C) return 0x3CC;
  if (c == 0x38E || c == 0x38F) return c + 63;
  if (c >= 0x410 && c <= 0x42F) return c + 32;
  if (c >= 0x400 && c <= 0x40F) return c + 80;
  return c;
}

bool IsAsciiPunct(char32_t c) {
  return (c >= 0x21 && c <= 0x2F) || (c >= 0x3A && c <= 0x40) || (c >= 0x5B && c <= 0x60) ||
         (c >= 0x7B && c <= 0x7E);
}

// Python's \w, approximately: ASCII letters, digits, '_', and non-space non-ASCII characters.
bool IsWord(char32_t c) {
  if (c < 0x80) return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  return !dspy::IsPyWhitespace(c);
}

std::vector<std::string> Tokens(std::string_view text) {
  std::vector<std::string> out;
  std::string norm = NormalizeText(text);
  size_t start = 0;
  while (start < norm.size()) {
    size_t sp = norm.find(' ', start);
    if (sp == std::string::npos) sp = norm.size();
    if (sp > start) out.push_back(norm.substr(start, sp - start));
    start = sp + 1;
  }
  return out;
}

}  // namespace

std::string NormalizeText(std::string_view text) {
  std::u32string s;
  for (char32_t c : dspy::DecodeUtf8(text)) {
    c = Lower(c);
    if (!IsAsciiPunct(c)) s += c;
  }
  // Replace the whole words a / an / the with a space.
  std::u32string no_articles;
  size_t i = 0;
  while (i < s.size()) {
    if (!IsWord(s[i])) {
      no_articles += s[i++];
      continue;
    }
    size_t j = i;
    while (j < s.size() && IsWord(s[j])) ++j;
    std::u32string word = s.substr(i, j - i);
    no_articles += (word == U"a" || word == U"an" || word == U"the") ? std::u32string(U" ") : word;
    i = j;
  }
  // " ".join(s.split())
  std::u32string out;
  bool pending_space = false;
  for (char32_t c : no_articles) {
    if (dspy::IsPyWhitespace(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out += U' ';
    pending_space = false;
    out += c;
  }
  return dspy::EncodeUtf8(out);
}

bool ExactMatch(std::string_view prediction, std::string_view gold) {
  return NormalizeText(prediction) == NormalizeText(gold);
}

double F1(std::string_view prediction, std::string_view gold) {
  std::vector<std::string> p = Tokens(prediction), g = Tokens(gold);
  std::map<std::string, int> pc, gc;
  for (const std::string& t : p) ++pc[t];
  for (const std::string& t : g) ++gc[t];
  int same = 0;
  for (const auto& [t, n] : pc) {
    auto it = gc.find(t);
    if (it != gc.end()) same += std::min(n, it->second);
  }
  if (same == 0) return 0;
  double precision = static_cast<double>(same) / p.size();
  double recall = static_cast<double>(same) / g.size();
  return 2 * precision * recall / (precision + recall);
}

}  // namespace exemplar::optimize
