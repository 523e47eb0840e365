#include "embed/local/precompiled_charsmap.h"

#include <unicode/utf8.h>

#include "embed/local/unicode_text.h"

namespace exemplar::embed::local {
namespace {

// Clusters this long or longer are looked up code point by code point (tokenizers' rule).
constexpr size_t kWholeClusterBelow = 6;

bool HasLeaf(uint32_t unit) { return (unit >> 8) & 1; }
uint32_t Value(uint32_t unit) { return unit & 0x7FFFFFFFu; }
uint32_t Label(uint32_t unit) { return unit & (0x80000000u | 0xFFu); }
uint32_t Offset(uint32_t unit) { return (unit >> 10) << ((unit & (1u << 9)) >> 6); }

Status Malformed(const std::string& what) {
  return Status::InvalidArgument("precompiled_charsmap is malformed: " + what);
}

int Base64Digit(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// Standard base64 with padding, as tokenizers writes it; anything else is refused.
bool DecodeBase64(std::string_view in, std::string* out) {
  if (in.size() % 4 != 0) return false;
  size_t pad = 0;
  while (pad < 2 && pad < in.size() && in[in.size() - 1 - pad] == '=') ++pad;
  out->clear();
  out->reserve(in.size() / 4 * 3);
  uint32_t bits = 0;
  int have = 0;
  for (size_t i = 0; i < in.size() - pad; ++i) {
    const int d = Base64Digit(in[i]);
    if (d < 0) return false;
    bits = (bits << 6) | static_cast<uint32_t>(d);
    have += 6;
    if (have >= 8) {
      have -= 8;
      out->push_back(static_cast<char>((bits >> have) & 0xFF));
    }
  }
  return (bits & ((1u << have) - 1)) == 0;  // the unused low bits of the last digit are zero
}

}  // namespace

Result<PrecompiledCharsmap> PrecompiledCharsmap::FromBase64(std::string_view text) {
  std::string blob;
  if (!DecodeBase64(text, &blob)) return Malformed("not standard base64 (A-Z a-z 0-9 + /, '=' padded)");
  return FromBlob(blob);
}

Result<PrecompiledCharsmap> PrecompiledCharsmap::FromBlob(std::string_view blob) {
  PrecompiledCharsmap map;
  if (blob.empty()) return map;  // no rules: the identity, as SentencePiece treats it
  if (blob.size() < 4) {
    return Malformed("truncated: " + std::to_string(blob.size()) + " bytes, less than the 4-byte trie size");
  }
  const auto* bytes = reinterpret_cast<const uint8_t*>(blob.data());
  auto le32 = [&](size_t at) {
    return static_cast<uint32_t>(bytes[at]) | static_cast<uint32_t>(bytes[at + 1]) << 8 |
           static_cast<uint32_t>(bytes[at + 2]) << 16 | static_cast<uint32_t>(bytes[at + 3]) << 24;
  };
  const uint32_t trie_size = le32(0);
  if (trie_size > blob.size() - 4) {
    return Malformed("the trie size " + std::to_string(trie_size) + " goes beyond the " +
                     std::to_string(blob.size() - 4) + " bytes after it");
  }
  if (trie_size == 0 || trie_size % 4 != 0) {
    return Malformed("the trie size " + std::to_string(trie_size) + " is not a positive multiple of 4");
  }
  map.units_.resize(trie_size / 4);
  for (size_t i = 0; i < map.units_.size(); ++i) map.units_[i] = le32(4 + 4 * i);
  map.strings_.assign(blob.substr(4 + trie_size));
  EXEMPLAR_RETURN_IF_ERROR(map.Validate());
  for (size_t c = 0; c < map.ascii_.size(); ++c) {  // the common one-byte clusters, looked up once
    const std::optional<std::string_view> r = map.Transform(std::string(1, static_cast<char>(c)));
    map.ascii_[c] = r ? r->data() - map.strings_.data() : -1;
  }
  return map;
}

// Walks every unit reachable from the root once (so a malformed cycle ends too), so that a lookup
// can never leave the arrays:
// every leaf's value unit is inside the trie and every value points at the start of a UTF-8
// character inside the strings blob.
Status PrecompiledCharsmap::Validate() const {
  const auto* s = reinterpret_cast<const uint8_t*>(strings_.data());
  int32_t at = 0, n = static_cast<int32_t>(strings_.size());
  while (at < n) {
    UChar32 c;
    U8_NEXT(s, at, n, c);
    if (c < 0) return Malformed("the replacement strings are not UTF-8 (byte " + std::to_string(at) + ")");
  }
  const size_t size = units_.size();
  std::vector<bool> seen(size, false);
  std::vector<size_t> nodes{static_cast<size_t>(Offset(units_[0]))};  // node positions (xor bases)
  while (!nodes.empty()) {
    const size_t pos = nodes.back();
    nodes.pop_back();
    for (uint32_t c = 1; c <= 0xFF; ++c) {
      const size_t child = pos ^ c;
      if (child >= size || Label(units_[child]) != c) continue;  // no child with this label
      if (seen[child]) continue;  // darts-clone shares common suffixes (a DAWG): checked already
      seen[child] = true;
      const size_t next = child ^ Offset(units_[child]);
      if (HasLeaf(units_[child])) {
        if (next >= size) {
          return Malformed("a value unit at " + std::to_string(next) + " is outside the trie of " +
                           std::to_string(size) + " units");
        }
        const uint32_t value = Value(units_[next]);
        if (value >= strings_.size()) {
          return Malformed("a replacement offset " + std::to_string(value) + " is outside the " +
                           std::to_string(strings_.size()) + "-byte strings blob");
        }
        if (U8_IS_TRAIL(s[value])) {
          return Malformed("a replacement offset " + std::to_string(value) + " is inside a UTF-8 character");
        }
      }
      nodes.push_back(next);
    }
  }
  return Status::Ok();
}

std::optional<std::string_view> PrecompiledCharsmap::Transform(std::string_view chunk) const {
  if (units_.empty()) return std::nullopt;
  const size_t size = units_.size();
  size_t pos = Offset(units_[0]);
  for (char ch : chunk) {
    const auto c = static_cast<uint8_t>(ch);
    if (c == 0) break;
    pos ^= c;
    if (pos >= size || Label(units_[pos]) != c) break;
    const bool leaf = HasLeaf(units_[pos]);
    pos ^= Offset(units_[pos]);
    if (leaf && pos < size) return At(Value(units_[pos]));  // the first (shortest) match wins
  }
  return std::nullopt;
}

std::optional<std::string_view> PrecompiledCharsmap::At(uint32_t value) const {
  if (value >= strings_.size()) return std::nullopt;  // Validate() refused these already
  const size_t end = strings_.find('\0', value);
  return std::string_view(strings_).substr(value, (end == std::string::npos ? strings_.size() : end) - value);
}

std::string PrecompiledCharsmap::Normalize(std::string_view utf8) const {
  if (units_.empty()) return std::string(utf8);
  std::string out;
  out.reserve(utf8.size());
  size_t start = 0;
  for (size_t end : GraphemeEnds(utf8)) {
    const std::string_view cluster = utf8.substr(start, end - start);
    start = end;
    if (cluster.size() == 1 && static_cast<uint8_t>(cluster[0]) < 0x80) {
      const int64_t value = ascii_[static_cast<uint8_t>(cluster[0])];
      out.append(value < 0 ? cluster : *At(static_cast<uint32_t>(value)));
      continue;
    }
    if (cluster.size() < kWholeClusterBelow) {
      if (std::optional<std::string_view> r = Transform(cluster)) {
        out.append(*r);
        continue;
      }
    }
    const auto* s = reinterpret_cast<const uint8_t*>(cluster.data());
    int32_t i = 0, n = static_cast<int32_t>(cluster.size());
    while (i < n) {
      const int32_t at = i;
      U8_FWD_1(s, i, n);
      const std::string_view code_point = cluster.substr(static_cast<size_t>(at), static_cast<size_t>(i - at));
      const std::optional<std::string_view> r = Transform(code_point);
      out.append(r ? *r : code_point);
    }
  }
  return out;
}

}  // namespace exemplar::embed::local
