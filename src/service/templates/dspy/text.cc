#include "service/templates/dspy/text.h"

#include <algorithm>
#include <limits>
#include <vector>

#include <unicode/uchar.h>

namespace exemplar::dspy {
namespace {

constexpr char32_t kReplacement = 0xFFFD;

std::u32string StripLeft(std::u32string_view s) {
  size_t i = 0;
  while (i < s.size() && IsPyWhitespace(s[i])) ++i;
  return std::u32string(s.substr(i));
}

// str.expandtabs(8): columns count code points and restart after \n and \r.
std::u32string ExpandTabs(std::u32string_view s) {
  std::u32string out;
  size_t column = 0;
  for (char32_t c : s) {
    if (c == U'\t') {
      size_t spaces = 8 - column % 8;
      out.append(spaces, U' ');
      column += spaces;
    } else {
      out.push_back(c);
      column = (c == U'\n' || c == U'\r') ? 0 : column + 1;
    }
  }
  return out;
}

}  // namespace

std::u32string DecodeUtf8(std::string_view s) {
  std::u32string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    unsigned char b = static_cast<unsigned char>(s[i]);
    int len = 0;
    char32_t cp = 0;
    if (b < 0x80) {
      out.push_back(b);
      ++i;
      continue;
    } else if ((b & 0xE0) == 0xC0) {
      len = 2;
      cp = b & 0x1F;
    } else if ((b & 0xF0) == 0xE0) {
      len = 3;
      cp = b & 0x0F;
    } else if ((b & 0xF8) == 0xF0) {
      len = 4;
      cp = b & 0x07;
    } else {
      out.push_back(kReplacement);
      ++i;
      continue;
    }
    bool ok = i + len <= s.size();
    for (int k = 1; ok && k < len; ++k) {
      unsigned char cb = static_cast<unsigned char>(s[i + k]);
      if ((cb & 0xC0) != 0x80) ok = false;
      else cp = (cp << 6) | (cb & 0x3F);
    }
    static constexpr char32_t kMin[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (ok && (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))) ok = false;
    if (!ok) {
      out.push_back(kReplacement);
      ++i;  // resynchronise on the next byte
      continue;
    }
    out.push_back(cp);
    i += len;
  }
  return out;
}

std::string EncodeUtf8(std::u32string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char32_t c : text) {
    if (c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) c = kReplacement;
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
    } else if (c < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (c >> 6)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else if (c < 0x10000) {
      out.push_back(static_cast<char>(0xE0 | (c >> 12)));
      out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xF0 | (c >> 18)));
      out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
  }
  return out;
}

bool IsPyWhitespace(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 ||
         c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 ||
         c == 0x202F || c == 0x205F || c == 0x3000;
}

bool IsPyWordChar(char32_t c) {
  if (c < 0x80) return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
  const auto cp = static_cast<UChar32>(c);
  return u_isalpha(cp) || u_getIntPropertyValue(cp, UCHAR_NUMERIC_TYPE) != U_NT_NONE;
}

std::string PyStrip(std::string_view utf8) {
  std::u32string s = DecodeUtf8(utf8);
  size_t b = 0, e = s.size();
  while (b < e && IsPyWhitespace(s[b])) ++b;
  while (e > b && IsPyWhitespace(s[e - 1])) --e;
  return EncodeUtf8(std::u32string_view(s).substr(b, e - b));
}

std::string CleanDoc(std::string_view utf8) {
  std::u32string text = ExpandTabs(DecodeUtf8(utf8));
  std::vector<std::u32string> lines;
  size_t start = 0;
  while (true) {
    size_t nl = text.find(U'\n', start);
    if (nl == std::u32string::npos) {
      lines.push_back(text.substr(start));
      break;
    }
    lines.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  size_t margin = std::numeric_limits<size_t>::max();
  for (size_t i = 1; i < lines.size(); ++i) {
    size_t content = StripLeft(lines[i]).size();
    if (content > 0) margin = std::min(margin, lines[i].size() - content);
  }
  lines[0] = StripLeft(lines[0]);
  if (margin != std::numeric_limits<size_t>::max()) {
    for (size_t i = 1; i < lines.size(); ++i) {
      lines[i] = margin < lines[i].size() ? lines[i].substr(margin) : std::u32string();
    }
  }
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  size_t first = 0;
  while (first < lines.size() && lines[first].empty()) ++first;
  std::u32string joined;
  for (size_t i = first; i < lines.size(); ++i) {
    if (i > first) joined.push_back(U'\n');
    joined += lines[i];
  }
  return EncodeUtf8(joined);
}

std::string StableCleanDoc(std::string_view utf8) {
  std::string current = CleanDoc(utf8);
  while (true) {
    std::string next = CleanDoc(current);
    if (next == current) return current;
    current = std::move(next);
  }
}

}  // namespace exemplar::dspy
