// Names derived from template data: the signature class name, file name stems, and DSPy's
// field prefixes.
#pragma once

#include <string>
#include <string_view>

namespace exemplar::dspy {

// Class name used when a template name has no usable ASCII letters or digits.
inline constexpr std::string_view kFallbackClassName = "GeneratedSignature";

// A PascalCase ASCII Python identifier for a template name. Latin letters with diacritics are
// transliterated (é→e, ß→ss, Œ→OE), other non-ASCII characters are dropped, words are split on
// anything that is not a letter or digit and each word's first letter is upper-cased (the rest is
// kept, so "QA bot" → "QABot"). A leading digit gets the prefix "Sig"; a result that is a Python
// keyword (True/False/None) gets the suffix "Signature"; an empty result is kFallbackClassName.
// At most 80 characters.
std::string ClassNameFromTemplateName(std::string_view name);

// "SupportTicketTriage" → "support_ticket_triage" (ASCII input; used for file names).
std::string SnakeCase(std::string_view pascal);

// DSPy's infer_prefix(name) (dspy/signatures/signature.py), without the trailing ":":
// camelCase/digit/snake splitting, Title Case, all-caps words kept:
// "camelCaseText"→"Camel Case Text", "text2number"→"Text 2 Number", "HTMLParser"→"HTML Parser".
std::string InferPrefix(std::string_view name);

}  // namespace exemplar::dspy
