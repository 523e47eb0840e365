// A deterministic lexical similarity for texts: cosine of hashed unigram + bigram counts over
// lower-cased alphanumeric tokens. Used by OfflineLm to find the nearest demo and by KNNFewShot
// when no embedding similarity is provided. Not semantic: it only sees shared words.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace exemplar::lm {

// Lower-cased runs of ASCII letters and digits; bytes >= 0x80 (non-ASCII UTF-8) join tokens.
std::vector<std::string> Tokenize(std::string_view text);

// A text's feature vector: (feature hash, count) sorted by hash, and its L2 norm.
struct TextVector {
  std::vector<std::pair<uint64_t, double>> features;
  double norm = 0;
};

TextVector Vectorize(std::string_view text);

// Cosine similarity in [0, 1]; 0 when either text has no tokens.
double Similarity(const TextVector& a, const TextVector& b);
double TextSimilarity(std::string_view a, std::string_view b);

}  // namespace exemplar::lm
