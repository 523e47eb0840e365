// Tokenize (declared in keyword_index.h): UTF-8 decoding, case and accent folding, word splitting.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "index/keyword_index.h"

namespace exemplar::index {
namespace {

// Decodes one UTF-8 code point at text[*i] and advances *i. Malformed bytes decode to U+FFFD
// (a separator) and advance by one byte, so arbitrary input never stalls or over-reads.
char32_t NextCodePoint(std::string_view text, size_t* i) {
  const auto b0 = static_cast<unsigned char>(text[*i]);
  if (b0 < 0x80) {
    ++*i;
    return b0;
  }
  int len = b0 >= 0xF0 ? 4 : b0 >= 0xE0 ? 3 : b0 >= 0xC2 ? 2 : 0;
  if (b0 > 0xF4 || len == 0 || *i + len > text.size()) {
    ++*i;
    return 0xFFFD;
  }
  char32_t cp = b0 & (0x7F >> len);
  for (int k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(text[*i + k]);
    if ((b & 0xC0) != 0x80) {
      ++*i;
      return 0xFFFD;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  // Reject overlong forms and surrogates.
  if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
      (cp >= 0xD800 && cp <= 0xDFFF)) {
    ++*i;
    return 0xFFFD;
  }
  *i += len;
  return cp;
}

void AppendUtf8(char32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

struct FoldRange {
  char32_t first, last;
  const char* ascii;
};

// Latin-1 Supplement and Latin Extended-A letters folded to their unaccented ASCII spelling.
// Ranges cover upper and lower case; the replacement is already lowercase.
constexpr FoldRange kFolds[] = {
    {0xC0, 0xC5, "a"},   {0xC6, 0xC6, "ae"},  {0xC7, 0xC7, "c"},   {0xC8, 0xCB, "e"},
    {0xCC, 0xCF, "i"},   {0xD0, 0xD0, "d"},   {0xD1, 0xD1, "n"},   {0xD2, 0xD6, "o"},
    {0xD8, 0xD8, "o"},   {0xD9, 0xDC, "u"},   {0xDD, 0xDD, "y"},   {0xDE, 0xDE, "th"},
    {0xDF, 0xDF, "ss"},  {0xE0, 0xE5, "a"},   {0xE6, 0xE6, "ae"},  {0xE7, 0xE7, "c"},
    {0xE8, 0xEB, "e"},   {0xEC, 0xEF, "i"},   {0xF0, 0xF0, "d"},   {0xF1, 0xF1, "n"},
    {0xF2, 0xF6, "o"},   {0xF8, 0xF8, "o"},   {0xF9, 0xFC, "u"},   {0xFD, 0xFD, "y"},
    {0xFE, 0xFE, "th"},  {0xFF, 0xFF, "y"},   {0x100, 0x105, "a"}, {0x106, 0x10D, "c"},
    {0x10E, 0x111, "d"}, {0x112, 0x11B, "e"}, {0x11C, 0x123, "g"}, {0x124, 0x127, "h"},
    {0x128, 0x131, "i"}, {0x132, 0x133, "ij"}, {0x134, 0x135, "j"}, {0x136, 0x138, "k"},
    {0x139, 0x142, "l"}, {0x143, 0x14B, "n"}, {0x14C, 0x151, "o"}, {0x152, 0x153, "oe"},
    {0x154, 0x159, "r"}, {0x15A, 0x161, "s"}, {0x162, 0x167, "t"}, {0x168, 0x173, "u"},
    {0x174, 0x175, "w"}, {0x176, 0x178, "y"}, {0x179, 0x17E, "z"}, {0x17F, 0x17F, "s"},
};

const char* FoldLatin(char32_t cp) {
  for (const auto& f : kFolds) {
    if (cp >= f.first && cp <= f.last) return f.ascii;
  }
  return nullptr;
}

enum class Kind { kSeparator, kIgnorable, kWordChar, kStandalone };

// Punctuation, symbols, spaces and emoji separate words; combining marks (decomposed accents)
// are dropped inside a word; Han ideographs and kana are one-character words (no spaces between
// words in CJK text); every other code point is treated as a letter.
Kind Classify(char32_t cp) {
  if (cp < 0x80) {
    return ((cp | 0x20) >= 'a' && (cp | 0x20) <= 'z') || (cp >= '0' && cp <= '9') ? Kind::kWordChar
                                                                                 : Kind::kSeparator;
  }
  if (cp <= 0xBF || cp == 0xD7 || cp == 0xF7) return Kind::kSeparator;
  if (cp >= 0x300 && cp <= 0x36F) return Kind::kIgnorable;
  if (cp == 0x200B || cp == 0x200C || cp == 0x200D || cp == 0xFEFF) return Kind::kIgnorable;
  if ((cp >= 0x2000 && cp <= 0x2BFF) || (cp >= 0x3000 && cp <= 0x3003) ||
      (cp >= 0x3008 && cp <= 0x3020) || (cp >= 0xFE10 && cp <= 0xFE6F) ||
      (cp >= 0xFF01 && cp <= 0xFF0F) || (cp >= 0xFF1A && cp <= 0xFF20) ||
      (cp >= 0xFF3B && cp <= 0xFF40) || (cp >= 0xFF5B && cp <= 0xFF65) ||
      (cp >= 0x1F000 && cp <= 0x1FAFF) || cp == 0xFFFD) {
    return Kind::kSeparator;
  }
  if ((cp >= 0x3040 && cp <= 0x30FF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
      (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0xF900 && cp <= 0xFAFF) ||
      (cp >= 0x20000 && cp <= 0x2FFFF)) {
    return Kind::kStandalone;
  }
  return Kind::kWordChar;
}

// Simple case folding for the scripts with a fixed upper/lower offset (Greek, Cyrillic).
char32_t Lower(char32_t cp) {
  if (cp >= 0x391 && cp <= 0x3A9) return cp + 0x20;
  if (cp >= 0x410 && cp <= 0x42F) return cp + 0x20;
  if (cp >= 0x400 && cp <= 0x40F) return cp + 0x50;
  return cp;
}

// Single letters ("a", the "s" of "it's", an "à" folded to "a") carry no signal; single digits and
// single non-ASCII characters (a CJK ideograph is a word) are kept. Deciding on the folded form
// keeps Tokenize idempotent: a token re-tokenises to itself.
void Emit(std::string* word, std::vector<std::string>* out) {
  if (word->empty()) return;
  const bool lone_letter = word->size() == 1 && (*word)[0] >= 'a' && (*word)[0] <= 'z';
  if (!lone_letter) out->push_back(std::move(*word));
  word->clear();
}

}  // namespace

std::vector<std::string> Tokenize(std::string_view text) {
  std::vector<std::string> out;
  std::string word;
  size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {  // fast path for ASCII
      ++i;
      if (c >= 'A' && c <= 'Z') {
        word.push_back(static_cast<char>(c | 0x20));
      } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
        word.push_back(static_cast<char>(c));
      } else {
        Emit(&word, &out);
      }
      continue;
    }
    const char32_t cp = NextCodePoint(text, &i);
    switch (Classify(cp)) {
      case Kind::kSeparator:
        Emit(&word, &out);
        break;
      case Kind::kIgnorable:
        break;
      case Kind::kStandalone:
        Emit(&word, &out);
        AppendUtf8(cp, &word);
        Emit(&word, &out);
        break;
      case Kind::kWordChar:
        if (const char* folded = FoldLatin(cp)) {
          word.append(folded);
        } else {
          AppendUtf8(Lower(cp), &word);
        }
        break;
    }
  }
  Emit(&word, &out);
  return out;
}

}  // namespace exemplar::index
