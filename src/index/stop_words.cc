#include "index/stop_words.h"

#include <algorithm>
#include <array>

#include "index/keyword_index.h"  // Tokenize

namespace exemplar::index {
namespace {

// Articles, pronouns, auxiliaries, prepositions, conjunctions and question words: Lucene's English
// set plus the function words of questions people type ("how do I", "what is", "can you").
// Sorted, for binary search. Tokenize drops single letters ("a", "i") already.
constexpr std::array<std::string_view, 96> kStopWords = {
    "about", "after", "all", "also", "am", "an", "and", "any", "are", "as",
    "at", "be", "been", "being", "but", "by", "can", "could", "did", "do",
    "does", "doing", "each", "for", "from", "had", "has", "have", "having", "he",
    "her", "here", "hers", "him", "his", "how", "if", "in", "into", "is",
    "it", "its", "just", "may", "me", "might", "mine", "must", "my", "of",
    "on", "or", "our", "ours", "shall", "she", "should", "so", "some", "such",
    "than", "that", "the", "their", "theirs", "them", "then", "there", "these", "they",
    "this", "those", "to", "too", "us", "very", "was", "we", "were", "what",
    "when", "where", "which", "while", "who", "whom", "whose", "why", "will", "with",
    "would", "you", "your", "yours", "yourself", "yourselves",
};

}  // namespace

bool IsStopWord(std::string_view token) {
  return std::binary_search(kStopWords.begin(), kStopWords.end(), token);
}

std::string ContentWords(std::string_view query) {
  std::string out;
  for (const std::string& t : Tokenize(query)) {
    if (IsStopWord(t)) continue;
    if (!out.empty()) out.push_back(' ');
    out += t;
  }
  return out;
}

}  // namespace exemplar::index
