// PrecompiledCharsmap: the "Precompiled" normalizer of a Hugging Face tokenizer.json, i.e.
// SentencePiece's compiled normalization rules (XLM-RoBERTa: nmt_nfkc), decoded and applied the way
// Hugging Face's tokenizers library applies them.
//
// Format of `precompiled_charsmap` (base64 in tokenizer.json): a little-endian uint32 trie size
// in bytes, then that many bytes of a darts-clone double array (little-endian uint32 units), then
// the replacement strings (UTF-8, each ended by NUL). A key is a byte string; its trie value is
// the byte offset of its replacement in the strings blob. Unit layout (darts-clone):
//   has_leaf = bit 8, label = unit & 0x800000FF, value = unit & 0x7FFFFFFF,
//   offset = (unit >> 10) << (bit 9 ? 8 : 0).
// Lookup from the root: pos = offset(a[0]); per key byte c: pos ^= c, the unit a[pos] must have
// label c, pos ^= offset(a[pos]), and when that unit has a leaf, the key prefix so far maps to
// value(a[pos]). A NUL byte ends the key.
//
// Normalize(text), as tokenizers' Precompiled normalizer (not SentencePiece's own loop): the text
// is split into extended grapheme clusters (ICU). A cluster shorter than 6 bytes is looked up
// whole first; otherwise, or when nothing matches, each code point is looked up alone. A lookup
// takes the SHORTEST key that is a prefix of the chunk and replaces the WHOLE chunk with that
// key's string; a chunk without a matching prefix is kept. (So "Ａ" + U+0301 becomes "A" when
// only "Ａ" has a rule, and a 6-byte cluster never uses a rule written for the whole cluster —
// exactly what Python's tokenizers does; SentencePiece itself matches the longest prefix over
// the byte stream; tokenizers#2334/#2430 propose that for tokenizers too — follow it if it lands.)
// Clusters follow the installed ICU (Unicode 15.0 with ICU 72); tokenizers uses the
// unicode-segmentation crate, so text hitting newer cluster rules (Unicode 15.1's Indic conjunct
// rule GB9c) can be clustered differently.
//
// Immutable after construction; thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace exemplar::embed::local {

class PrecompiledCharsmap {
 public:
  // The charsmap of a base64 text as tokenizer.json carries it; an empty text is the identity.
  // Errors: kInvalidArgument naming what is malformed (not base64, truncated, trie size beyond
  // the blob, a trie unit or value outside its blob, strings that are not UTF-8).
  static Result<PrecompiledCharsmap> FromBase64(std::string_view text);
  // The same from the decoded bytes.
  static Result<PrecompiledCharsmap> FromBlob(std::string_view blob);

  // The normalized UTF-8 text (see the file comment). REQUIRES: `utf8` is valid UTF-8.
  std::string Normalize(std::string_view utf8) const;
  // The replacement of the shortest key that is a prefix of `chunk`, if any.
  std::optional<std::string_view> Transform(std::string_view chunk) const;

  bool identity() const { return units_.empty(); }

 private:
  PrecompiledCharsmap() = default;
  Status Validate() const;
  std::optional<std::string_view> At(uint32_t value) const;

  std::vector<uint32_t> units_;
  std::string strings_;
  std::array<int64_t, 128> ascii_{};  // the replacement offset of each ASCII byte, −1: none
};

}  // namespace exemplar::embed::local
