#include "service/templates/dspy/naming.h"

#include <cctype>
#include <regex>
#include <vector>

#include "service/templates/dspy/python.h"
#include "service/templates/dspy/text.h"

namespace exemplar::dspy {
namespace {

constexpr size_t kMaxClassNameLength = 80;

// ASCII transliterations of U+00C0..U+00FF ("" = dropped, e.g. × and ÷).
constexpr const char* kLatin1[64] = {
    "A", "A", "A", "A", "A", "A", "AE", "C", "E", "E", "E", "E", "I", "I", "I",  "I",
    "D", "N", "O", "O", "O", "O", "O",  "",  "O", "U", "U", "U", "U", "Y", "TH", "ss",
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i",  "i",
    "d", "n", "o", "o", "o", "o", "o",  "",  "o", "u", "u", "u", "u", "y", "th", "y"};

// ASCII transliterations of U+0100..U+017F (Latin Extended-A).
constexpr const char* kLatinExtA[128] = {
    "A", "a", "A", "a", "A", "a", "C", "c", "C", "c", "C", "c", "C", "c", "D", "d",
    "D", "d", "E", "e", "E", "e", "E", "e", "E", "e", "E", "e", "G", "g", "G", "g",
    "G", "g", "G", "g", "H", "h", "H", "h", "I", "i", "I", "i", "I", "i", "I", "i",
    "I", "i", "IJ", "ij", "J", "j", "K", "k", "k", "L", "l", "L", "l", "L", "l", "L",
    "l", "L", "l", "N", "n", "N", "n", "N", "n", "n", "N", "n", "O", "o", "O", "o",
    "O", "o", "OE", "oe", "R", "r", "R", "r", "R", "r", "S", "s", "S", "s", "S", "s",
    "S", "s", "T", "t", "T", "t", "T", "t", "U", "u", "U", "u", "U", "u", "U", "u",
    "U", "u", "U", "u", "W", "w", "Y", "y", "Y", "Z", "z", "Z", "z", "Z", "z", "s"};

std::string Transliterate(std::string_view utf8) {
  std::string out;
  for (char32_t c : DecodeUtf8(utf8)) {
    if (c < 0x80) out.push_back(static_cast<char>(c));
    else if (c >= 0xC0 && c <= 0xFF) out += kLatin1[c - 0xC0];
    else if (c >= 0x100 && c <= 0x17F) out += kLatinExtA[c - 0x100];
    else if (c >= 0x300 && c <= 0x36F) continue;  // combining marks (decomposed accents)
    else out.push_back(' ');                        // anything else separates words
  }
  return out;
}

bool IsAsciiAlnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

}  // namespace

std::string ClassNameFromTemplateName(std::string_view name) {
  std::string ascii = Transliterate(name);
  std::string out;
  bool word_start = true;
  for (char c : ascii) {
    if (!IsAsciiAlnum(c)) {
      word_start = true;
      continue;
    }
    out.push_back(word_start ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c);
    word_start = false;
  }
  if (out.empty()) return std::string(kFallbackClassName);
  if (std::isdigit(static_cast<unsigned char>(out[0]))) out = "Sig" + out;
  if (out.size() > kMaxClassNameLength) out.resize(kMaxClassNameLength);
  if (IsPythonKeyword(out)) out += "Signature";
  return out;
}

std::string SnakeCase(std::string_view pascal) {
  std::string out;
  for (size_t i = 0; i < pascal.size(); ++i) {
    char c = pascal[i];
    bool upper = std::isupper(static_cast<unsigned char>(c)) != 0;
    if (upper && i > 0) {
      char prev = pascal[i - 1];
      bool next_lower = i + 1 < pascal.size() && std::islower(static_cast<unsigned char>(pascal[i + 1]));
      if (std::islower(static_cast<unsigned char>(prev)) || std::isdigit(static_cast<unsigned char>(prev)) ||
          (std::isupper(static_cast<unsigned char>(prev)) && next_lower)) {
        out.push_back('_');
      }
    }
    out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return out;
}

std::string InferPrefix(std::string_view name) {
  // The four substitutions of DSPy's infer_prefix, in order (ECMAScript and Python `re` agree on
  // these ASCII patterns; names are ASCII identifiers).
  static const std::regex kCamel("(.)([A-Z][a-z]+)");
  static const std::regex kLowerUpper("([a-z0-9])([A-Z])");
  static const std::regex kLetterDigit("([a-zA-Z])(\\d)");
  static const std::regex kDigitLetter("(\\d)([a-zA-Z])");
  std::string s(name);
  s = std::regex_replace(s, kCamel, "$1_$2");
  s = std::regex_replace(s, kLowerUpper, "$1_$2");
  s = std::regex_replace(s, kLetterDigit, "$1_$2");
  s = std::regex_replace(s, kDigitLetter, "$1_$2");

  std::vector<std::string> words;
  size_t start = 0;
  while (true) {
    size_t us = s.find('_', start);
    words.push_back(s.substr(start, us == std::string::npos ? std::string::npos : us - start));
    if (us == std::string::npos) break;
    start = us + 1;
  }
  std::string out;
  for (size_t i = 0; i < words.size(); ++i) {
    std::string w = words[i];
    bool has_upper = false, has_lower = false;
    for (char c : w) {
      has_upper |= std::isupper(static_cast<unsigned char>(c)) != 0;
      has_lower |= std::islower(static_cast<unsigned char>(c)) != 0;
    }
    bool is_upper = has_upper && !has_lower;  // str.isupper()
    if (!is_upper) {                          // str.capitalize()
      for (size_t k = 0; k < w.size(); ++k) {
        unsigned char c = static_cast<unsigned char>(w[k]);
        w[k] = static_cast<char>(k == 0 ? std::toupper(c) : std::tolower(c));
      }
    }
    if (i > 0) out.push_back(' ');
    out += w;
  }
  return out;
}

}  // namespace exemplar::dspy
