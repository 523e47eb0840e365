// Unicode text helpers that reproduce the Python string semantics DSPy relies on
// (str.isspace, str.isalnum, str.strip, str.expandtabs, inspect.cleandoc), working on UTF-8 input.
#pragma once

#include <string>
#include <string_view>

namespace exemplar::dspy {

// Decodes UTF-8; every invalid or overlong sequence and every encoded surrogate becomes U+FFFD.
std::u32string DecodeUtf8(std::string_view utf8);
std::string EncodeUtf8(std::u32string_view text);

// Python's str.isspace() for one code point (what `\s` matches in a str pattern of `re`).
bool IsPyWhitespace(char32_t c);

// What `\w` matches in a str pattern of Python's `re`: str.isalnum() or "_", i.e. a letter
// (general category L*) or a character with a numeric value (Nd, Nl, No, CJK numerals), from
// ICU's character data (Unicode 15 here, Python 3.11's is 14: characters added since differ).
// Not marks (a combining accent, a Devanagari vowel sign), symbols (emoji), punctuation (an em
// dash, a full-width colon) or spaces (NBSP).
bool IsPyWordChar(char32_t c);

// Python's str.strip() (Unicode whitespace at both ends).
std::string PyStrip(std::string_view utf8);

// Python 3.11 inspect.cleandoc(): expand tabs (tab size 8), strip the first line's leading
// whitespace, remove the common indentation of the other lines, drop leading and trailing
// empty lines. DSPy sets `Signature.instructions = inspect.cleandoc(cls.__doc__)`, so a
// docstring `d` round-trips exactly iff CleanDoc(d) == d. CleanDoc is NOT idempotent: the first
// line is exempt from the margin, and dropping leading blank lines can make an indented line the
// first one ("\n  a\n    b" -> "a\n  b" -> "a\nb").
std::string CleanDoc(std::string_view utf8);

// The fixed point of CleanDoc (applied until nothing changes; each change shortens the text):
// the text DSPy keeps as instructions whichever number of times cleandoc runs over it.
std::string StableCleanDoc(std::string_view utf8);

}  // namespace exemplar::dspy
