#include "service/examples/json_text.h"

#include <cassert>
#include <charconv>
#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>

#include "common/json_util.h"

namespace exemplar::service {
namespace {

// Length of the well-formed UTF-8 sequence starting at s[i], or 0 when it is malformed (overlong
// forms, surrogates and code points above U+10FFFF included).
size_t Utf8SequenceLength(std::string_view s, size_t i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  size_t len;
  unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  const auto b1 = static_cast<unsigned char>(s[i + 1]);
  if (b1 < lo || b1 > hi) return 0;
  for (size_t k = 2; k < len; ++k) {
    if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return 0;
  }
  return len;
}

// True when none of the 8 bytes at p needs attention in a JSON string: each is printable ASCII
// (0x20..0x7F) other than '"' and '\\'. Word-at-a-time tests (the "has a byte less than n" and
// "has a zero byte" bit tricks), exact as a yes/no answer for the whole word.
[[gnu::always_inline]] inline bool PlainWord(const char* p) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  constexpr uint64_t kHigh = 0x8080808080808080ULL;
  uint64_t w;
  std::memcpy(&w, p, 8);
  const uint64_t quote = w ^ (kOnes * '"');
  const uint64_t backslash = w ^ (kOnes * '\\');
  const uint64_t special = (w - kOnes * 0x20)  // a byte below 0x20 (or any byte ≥ 0x80, via w)
                           | ((quote - kOnes) & ~quote) | ((backslash - kOnes) & ~backslash) | w;
  return (special & kHigh) == 0;
}

// Length of the prefix of s that can be copied between quotes as is.
[[gnu::always_inline]] inline size_t PlainPrefix(std::string_view s) {
  size_t i = 0;
  while (i + 8 <= s.size() && PlainWord(s.data() + i)) i += 8;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\') break;
    ++i;
  }
  return i;
}

}  // namespace

void JsonTextWriter::BeforeValue() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (!empty_.empty()) {
    if (!empty_.back()) out_.push_back(',');
    empty_.back() = 0;
  }
}

void JsonTextWriter::BeginObject() {
  BeforeValue();
  out_.push_back('{');
  empty_.push_back(1);
}

void JsonTextWriter::EndObject() {
  out_.push_back('}');
  empty_.pop_back();
}

void JsonTextWriter::BeginArray() {
  BeforeValue();
  out_.push_back('[');
  empty_.push_back(1);
}

void JsonTextWriter::EndArray() {
  out_.push_back(']');
  empty_.pop_back();
}

void JsonTextWriter::Key(std::string_view key) {
  if (PlainPrefix(key) == key.size()) {  // every key the server writes itself
    BeforeValue();
    out_.push_back('"');
    out_.append(key);
    out_.append("\":", 2);
  } else {
    String(key);
    out_.push_back(':');
  }
  after_key_ = true;
}

void JsonTextWriter::PlainKey(std::string_view key) {
  assert(PlainPrefix(key) == key.size());
  BeforeValue();
  const size_t at = out_.size();
  out_.resize(at + key.size() + 3);
  char* p = out_.data() + at;
  *p++ = '"';
  std::memcpy(p, key.data(), key.size());
  p += key.size();
  *p++ = '"';
  *p = ':';
  after_key_ = true;
}

void JsonTextWriter::String(std::string_view s) {
  BeforeValue();
  const size_t start = out_.size();
  out_.push_back('"');
  size_t run = 0;  // start of the bytes not yet copied
  for (size_t i = PlainPrefix(s); i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\' && i + 8 <= s.size() && PlainWord(s.data() + i)) {
      i += 8;  // a plain run: 8 bytes at a time
      continue;
    }
    if (c >= 0x80) {
      const size_t len = Utf8SequenceLength(s, i);
      if (len == 0) {  // DumpJson's replacement rules, from nlohmann itself
        out_.resize(start);
        out_ += DumpJson(Json(std::string(s)));
        return;
      }
      i += len;
      continue;
    }
    if (c >= 0x20 && c != '"' && c != '\\') {
      ++i;
      continue;
    }
    out_.append(s.data() + run, i - run);
    switch (c) {
      case '"': out_ += "\\\""; break;
      case '\\': out_ += "\\\\"; break;
      case '\b': out_ += "\\b"; break;
      case '\t': out_ += "\\t"; break;
      case '\n': out_ += "\\n"; break;
      case '\f': out_ += "\\f"; break;
      case '\r': out_ += "\\r"; break;
      default: {
        static constexpr char kHex[] = "0123456789abcdef";
        out_ += "\\u00";
        out_.push_back(kHex[c >> 4]);
        out_.push_back(kHex[c & 15]);
      }
    }
    run = ++i;
  }
  out_.append(s.data() + run, s.size() - run);
  out_.push_back('"');
}

void JsonTextWriter::Int(int64_t v) {
  BeforeValue();
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out_.append(buf, r.ptr);
}

void JsonTextWriter::Double(double v) {
  BeforeValue();
  if (!std::isfinite(v)) {
    out_ += "null";
    return;
  }
  // nlohmann's own formatter (what DumpJson uses): shortest round-trip digits, ".0" on integral
  // values, exponents outside 1e-4 .. 1e15.
  char buf[64];
  out_.append(buf, nlohmann::detail::to_chars(buf, buf + sizeof buf, v));
}

void JsonTextWriter::Bool(bool b) {
  BeforeValue();
  out_ += b ? "true" : "false";
}

void JsonTextWriter::Null() {
  BeforeValue();
  out_ += "null";
}

void JsonTextWriter::Raw(std::string_view json) {
  BeforeValue();
  out_ += json;
}

}  // namespace exemplar::service
