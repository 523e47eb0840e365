// English function words, which say nothing about what a query is about. A query of "the" or
// "what is the capital of France" shares "the", "is" and "of" with most stored examples; counted
// as matches they would put unrelated examples into a prompt (issue #18: an off-topic query
// returns nothing). Queries drop them before the keyword leg and before the hash embedder; stored
// text keeps them (the index format does not change). Negations ("no", "not", "never") are kept:
// they carry meaning in the examples people store (sentiment, checks).
#pragma once

#include <string>
#include <string_view>

namespace exemplar::index {

// True for a token (as Tokenize spells it: lowercase, accent-folded) that is a stop word.
bool IsStopWord(std::string_view token);

// The query's tokens (index::Tokenize) without stop words, joined by single spaces; empty when
// the query has no other word. Tokenize(ContentWords(q)) is Tokenize(q) without the stop words.
std::string ContentWords(std::string_view query);

}  // namespace exemplar::index
