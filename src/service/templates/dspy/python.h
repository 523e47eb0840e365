// Emitters for Python source text. Everything produced here is pure ASCII and safe to paste
// into any position where a Python expression (or, for PyDocstring, a statement) is expected,
// whatever the input text contains: quotes, triple quotes, backslashes, newlines, control
// characters, non-ASCII or invalid UTF-8 (which becomes U+FFFD).
#pragma once

#include <string>
#include <string_view>

#include "common/json_util.h"

namespace exemplar::dspy {

// A double-quoted Python str literal whose value is exactly `utf8` (decoded). Escapes
// backslash, double quote, \n, \r, \t, other C0 controls and DEL as \xNN, non-ASCII as \uXXXX or
// \UXXXXXXXX. Example: PyStringLiteral("a\"b") == R"("a\"b")".
std::string PyStringLiteral(std::string_view utf8);

// A docstring statement for a class body indented by `indent`: an ordinary (non-raw, non-triple
// quoted) string literal as the first statement, which Python stores in __doc__ verbatim. Text
// with newlines becomes a parenthesised implicit concatenation, one literal per source line.
// Ends with "\n". Safe for text containing `"""`, ending in a backslash or a quote.
std::string PyDocstring(std::string_view utf8, std::string_view indent);

// A Python literal with the same value as `value`: dict/list/str/int/float/True/False/None.
// Floats round-trip exactly (shortest form); non-finite values (impossible in parsed JSON)
// become float("inf") / float("-inf") / float("nan"). Objects keep nlohmann's key order.
std::string JsonToPython(const Json& value);

// Hard keywords of Python 3.11 (keyword.kwlist). Soft keywords (match, case, type, _) are not
// included: they are valid names for fields, attributes and keyword arguments.
bool IsPythonKeyword(std::string_view name);

// [A-Za-z_][A-Za-z0-9_]* — we only accept ASCII identifiers so that generated files stay
// ASCII and names need no NFKC normalisation.
bool IsAsciiIdentifier(std::string_view name);

// `text` made safe for a `# ...` comment: the value rendered with PyStringLiteral when it has
// anything but printable ASCII, otherwise as is.
std::string PyCommentText(std::string_view text);

}  // namespace exemplar::dspy
