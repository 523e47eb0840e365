// UTF-8 checks for text that does not pass through the JSON parser (CSV cells, query parameters).
#pragma once

#include <string_view>

namespace exemplar {

// Strict UTF-8 (no overlong forms, surrogates or code points past U+10FFFF), as the JSON parser
// requires of JSON bodies.
bool IsUtf8(std::string_view s);

}  // namespace exemplar
