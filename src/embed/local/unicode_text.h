// Unicode helpers for the BERT tokenizer, backed by ICU. Character classes follow the reference
// BERT BasicTokenizer exactly (see each function), so the tokenizer agrees with Hugging Face's.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace exemplar::embed::local {

// Code points of UTF-8 text; each invalid or truncated sequence becomes U+FFFD.
std::u32string DecodeUtf8(std::string_view text);
// Appends the UTF-8 encoding of code point `c` to `out`.
void AppendUtf8(char32_t c, std::string* out);
std::string EncodeUtf8(std::u32string_view text);

// Full Unicode lowercase with the unconditional SpecialCasing rules and Final_Sigma, as Python's
// str.lower() does ("İ" → "i̇", "ΟΔΟΣ" → "οδος").
std::u32string ToLower(std::u32string_view text);
// Canonical decomposition (NFD), then every nonspacing mark (category Mn) dropped: "Å" → "A".
std::u32string StripAccents(std::u32string_view text);

enum class NormalForm { kNfc, kNfd, kNfkc, kNfkd };
// The Unicode normalization form of `text` (ICU); unchanged when ICU's data is missing.
std::u32string Normalize(std::u32string_view text, NormalForm form);
// The Unicode White_Space property (Rust's char::is_whitespace, used by Strip normalizers).
bool IsUnicodeWhitespace(char32_t c);
// The byte offsets where the extended grapheme clusters (UAX #29, ICU's character break
// iterator) of valid UTF-8 `text` end, in order; the last is text.size(). Without ICU's data each
// code point is a cluster.
std::vector<size_t> GraphemeEnds(std::string_view text);

// ' ', \t, \n, \r and the space separators (Zs), plus line/paragraph separators (Zl, Zp), which
// BERT's whitespace split also breaks on.
bool IsWhitespace(char32_t c);
// Other (C*) categories except \t, \n, \r: removed by text cleaning.
bool IsControl(char32_t c);
// ASCII ! to /, : to @, [ to `, { to ~ (so $ + < = > ^ ` | ~ count) and every Unicode P* category.
bool IsPunctuation(char32_t c);
// The CJK Unified Ideograph blocks BERT splits into single characters (not kana or Hangul).
bool IsCjk(char32_t c);

}  // namespace exemplar::embed::local
