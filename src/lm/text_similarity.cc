#include "lm/text_similarity.h"

#include <algorithm>
#include <cctype>
#include <cmath>

namespace exemplar::lm {
namespace {

uint64_t Fnv1a(std::string_view s, uint64_t h = 0xcbf29ce484222325ULL) {
  for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ULL;
  return h;
}

}  // namespace

std::vector<std::string> Tokenize(std::string_view text) {
  std::vector<std::string> tokens;
  std::string cur;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c >= 0x80) {
      cur += static_cast<char>(std::tolower(c));
    } else if (!cur.empty()) {
      tokens.push_back(std::move(cur));
      cur.clear();
    }
  }
  if (!cur.empty()) tokens.push_back(std::move(cur));
  return tokens;
}

TextVector Vectorize(std::string_view text) {
  std::vector<std::string> tokens = Tokenize(text);
  std::vector<uint64_t> hashes;
  hashes.reserve(tokens.size() * 2);
  for (size_t i = 0; i < tokens.size(); ++i) {
    hashes.push_back(Fnv1a(tokens[i]));
    if (i + 1 < tokens.size()) hashes.push_back(Fnv1a(tokens[i + 1], Fnv1a(tokens[i] + " ")));
  }
  std::sort(hashes.begin(), hashes.end());
  TextVector v;
  for (uint64_t h : hashes) {
    if (!v.features.empty() && v.features.back().first == h) {
      v.features.back().second += 1;
    } else {
      v.features.emplace_back(h, 1.0);
    }
  }
  double sq = 0;
  for (const auto& [h, w] : v.features) sq += w * w;
  v.norm = std::sqrt(sq);
  return v;
}

double Similarity(const TextVector& a, const TextVector& b) {
  if (a.norm == 0 || b.norm == 0) return 0;
  double dot = 0;
  size_t i = 0, j = 0;
  while (i < a.features.size() && j < b.features.size()) {
    if (a.features[i].first == b.features[j].first) {
      dot += a.features[i++].second * b.features[j++].second;
    } else if (a.features[i].first < b.features[j].first) {
      ++i;
    } else {
      ++j;
    }
  }
  return std::clamp(dot / (a.norm * b.norm), 0.0, 1.0);
}

double TextSimilarity(std::string_view a, std::string_view b) {
  return Similarity(Vectorize(a), Vectorize(b));
}

}  // namespace exemplar::lm
