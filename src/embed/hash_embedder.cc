#include "embed/hash_embedder.h"

#include <algorithm>
#include <cmath>

#include "index/keyword_index.h"  // index::Tokenize
#include "index/stop_words.h"

namespace exemplar::embed {
namespace {

// Relative feature weights: a whole-word match counts most; a word pair adds phrase and order
// signal; character n-grams give partial credit for shared stems and typos (a word has ~3 per
// character, so each one is light).
constexpr float kWordWeight = 1.0f;
constexpr float kPairWeight = 0.7f;
constexpr float kGramWeight = 0.25f;
constexpr int kMinGram = 3;
constexpr int kMaxGram = 5;

// Seeds keep the feature families apart: the word "abc" and the n-gram "abc" hash differently.
constexpr uint64_t kWordSeed = 0x243F6A8885A308D3ULL;
constexpr uint64_t kPairSeed = 0x13198A2E03707344ULL;
constexpr uint64_t kGramSeed = 0xA4093822299F31D0ULL;

constexpr uint64_t kFnvOffset = 0xcbf29ce484222325ULL;
constexpr uint64_t kFnvPrime = 0x100000001b3ULL;

// FNV-1a over bytes, continuing from `h`.
uint64_t Fnv(std::string_view s, uint64_t h) {
  for (unsigned char c : s) {
    h ^= c;
    h *= kFnvPrime;
  }
  return h;
}

// MurmurHash3's 64-bit finaliser: FNV's low bits mix poorly, and both the dimension and the sign
// are taken from this value.
uint64_t Finish(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

struct Feature {
  uint64_t hash;
  float weight;
};

// Character n-grams of "<word>", counted in code points so multi-byte letters are not split.
void AddCharGrams(const std::string& word, std::string* padded, std::vector<size_t>* starts,
                  std::vector<Feature>* out) {
  padded->clear();  // (not assign("<"): g++ 12 -O3 warns falsely on it)
  padded->push_back('<');
  padded->append(word);
  padded->push_back('>');
  starts->clear();
  for (size_t i = 0; i < padded->size(); ++i) {
    if ((static_cast<unsigned char>((*padded)[i]) & 0xC0) != 0x80) starts->push_back(i);
  }
  starts->push_back(padded->size());
  const int chars = static_cast<int>(starts->size()) - 1;
  const std::string_view view(*padded);
  for (int n = kMinGram; n <= kMaxGram && n <= chars; ++n) {
    for (int i = 0; i + n <= chars; ++i) {
      const size_t from = (*starts)[i];
      const size_t to = (*starts)[i + n];
      out->push_back({Finish(Fnv(view.substr(from, to - from), kFnvOffset ^ kGramSeed)), kGramWeight});
    }
  }
}

}  // namespace

HashEmbedder::HashEmbedder(int dim) : dim_(dim > 0 ? dim : 384) {}

std::string HashEmbedder::model() const { return "hash-" + std::to_string(dim_); }

std::vector<float> HashEmbedder::Compute(std::string_view text) const {
  std::vector<float> v(static_cast<size_t>(dim_), 0.0f);
  // Content words only (index::ContentWords): a stop word would be a feature like any other, so
  // "what is the capital of France" would score 0.2 against an example about calibration drift
  // through "the", "is" and "of". Word pairs join the content words either side of a stop word.
  std::vector<std::string> words = index::Tokenize(text);
  std::erase_if(words, [](const std::string& w) { return index::IsStopWord(w); });
  if (words.empty()) {
    v[0] = 1.0f;
    return v;
  }
  std::vector<Feature> features;
  features.reserve(words.size() * 16);
  std::string padded;
  std::vector<size_t> starts;
  for (size_t i = 0; i < words.size(); ++i) {
    features.push_back({Finish(Fnv(words[i], kFnvOffset ^ kWordSeed)), kWordWeight});
    if (i + 1 < words.size()) {
      const uint64_t h = Fnv(words[i + 1], Fnv("\x1f", Fnv(words[i], kFnvOffset ^ kPairSeed)));
      features.push_back({Finish(h), kPairWeight});
    }
    AddCharGrams(words[i], &padded, &starts, &features);
  }
  // Equal hashes are the same feature: count them for the sublinear term weight 1 + ln(tf).
  std::sort(features.begin(), features.end(), [](const Feature& a, const Feature& b) { return a.hash < b.hash; });
  for (size_t i = 0; i < features.size();) {
    size_t j = i;
    while (j < features.size() && features[j].hash == features[i].hash) ++j;
    const uint64_t h = features[i].hash;
    const float w = features[i].weight * (1.0f + std::log(static_cast<float>(j - i)));
    const size_t slot = static_cast<size_t>(((h >> 32) * static_cast<uint64_t>(dim_)) >> 32);
    v[slot] += (h & 1) ? w : -w;
    i = j;
  }
  double sq = 0.0;
  for (float x : v) sq += static_cast<double>(x) * x;
  if (sq <= 0.0) {  // every feature cancelled out (vanishingly rare): still a unit vector
    std::fill(v.begin(), v.end(), 0.0f);
    v[0] = 1.0f;
    return v;
  }
  const auto inv = static_cast<float>(1.0 / std::sqrt(sq));
  for (float& x : v) x *= inv;
  return v;
}

Result<std::vector<float>> HashEmbedder::Embed(std::string_view text) { return Compute(text); }


std::vector<Result<std::vector<float>>> HashEmbedder::EmbedBatch(const std::vector<std::string>& texts) {
  std::vector<Result<std::vector<float>>> out;
  out.reserve(texts.size());
  for (const auto& t : texts) out.emplace_back(Compute(t));
  return out;
}

}  // namespace exemplar::embed
