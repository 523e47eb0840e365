// BM25 ranking checked against a scorer written out here from the definition (tokens counted per
// document, idf, length normalisation, summed in float in query-token order), and the term
// bounds that MaxScore pruning relies on checked against every posting they cover.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "index/keyword_index.h"
#include "index/keyword_index_impl.h"

namespace exemplar::index {
namespace {

// Term counts of the live documents (label → text), for the brute-force scorer.
struct Counts {
  explicit Counts(const std::map<uint64_t, std::string>& texts) {
    for (const auto& [label, text] : texts) {
      const auto tokens = Tokenize(text);
      length[label] = static_cast<uint32_t>(tokens.size());
      total += static_cast<double>(tokens.size());
      for (const auto& t : tokens) {
        if (tf[label][t]++ == 0) ++df[t];
      }
    }
  }
  std::map<uint64_t, std::map<std::string, uint32_t>> tf;
  std::map<uint64_t, uint32_t> length;
  std::map<std::string, uint32_t> df;
  double total = 0;
};

// Top k of `texts` for `query`, by brute force.
std::vector<Hit> BruteForce(const std::map<uint64_t, std::string>& texts, Counts& c, const std::string& query,
                            size_t k) {
  auto& [tf, length, df, total] = c;
  const double n = static_cast<double>(texts.size());
  const double avgdl = total / n;
  // Query terms in sorted order with their multiplicity; very common ones (df > n/2) dropped
  // when a rarer one is present.
  std::map<std::string, int> qcount;
  for (const auto& t : Tokenize(query)) {
    if (df.count(t)) ++qcount[t];
  }
  const auto common = static_cast<uint32_t>(0.5 * n);
  bool has_rare = false;
  for (const auto& [t, c] : qcount) has_rare |= df[t] <= common;
  std::vector<std::pair<std::string, double>> qterms;
  for (const auto& [t, c] : qcount) {
    if (has_rare && df[t] > common) continue;
    const double idf = std::log(1.0 + (n - df[t] + 0.5) / (df[t] + 0.5));
    qterms.emplace_back(t, idf * c);
  }
  std::vector<Hit> hits;
  for (const auto& [label, text] : texts) {
    const double norm = 1.2 * (1.0 - 0.75) + (1.2 * 0.75 / avgdl) * length[label];
    float score = 0;
    for (const auto& [t, weight] : qterms) {
      auto it = tf[label].find(t);
      if (it == tf[label].end()) continue;
      const uint32_t f = it->second;
      score += static_cast<float>(weight * (f * (1.2 + 1.0)) / (f + norm));
    }
    if (score > 0) hits.push_back({label, score});
  }
  std::sort(hits.begin(), hits.end(), [](const Hit& a, const Hit& b) {
    return a.score != b.score ? a.score > b.score : a.label < b.label;
  });
  if (hits.size() > k) hits.resize(k);
  return hits;
}

// Random corpora shaped like the bench's: correlated topic words (a document of topic t holds
// both of its words), a few family words, fillers repeated up to 4 times, lengths 3–60; then
// removals and rewrites, so the index holds dead postings and stale bounds.
TEST(KeywordBm25, SearchEqualsABruteForceScorer) {
  std::mt19937 rng(19);
  for (int corpus = 0; corpus < 4; ++corpus) {
    KeywordIndex index;
    std::map<uint64_t, std::string> texts;
    const int topics = 10 + corpus * 15;
    auto text_of = [&]() {
      const int topic = static_cast<int>(rng() % topics);
      std::string text = "topic" + std::to_string(topic) + " word" + std::to_string(topic) + " family" +
                         std::to_string(rng() % 5);
      const int fillers = static_cast<int>(rng() % (corpus % 2 ? 60 : 12));
      for (int i = 0; i < fillers; ++i) {
        const std::string f = " filler" + std::to_string(rng() % 9);
        for (int r = static_cast<int>(rng() % 4); r >= 0; --r) text += f;
      }
      return text;
    };
    const int docs = 2500;
    for (int d = 0; d < docs; ++d) {
      texts[static_cast<uint64_t>(d)] = text_of();
      index.Upsert(static_cast<uint64_t>(d), texts[static_cast<uint64_t>(d)]);
    }
    for (int d = 0; d < docs; d += 4 + corpus) {
      texts.erase(static_cast<uint64_t>(d));
      index.Remove(static_cast<uint64_t>(d));
    }
    for (int d = 1; d < docs; d += 11) {
      texts[static_cast<uint64_t>(d)] = text_of();
      index.Upsert(static_cast<uint64_t>(d), texts[static_cast<uint64_t>(d)]);
    }
    Counts counts(texts);
    for (int q = 0; q < 40; ++q) {
      const int topic = static_cast<int>(rng() % topics);
      std::string query = "topic" + std::to_string(topic) + " word" + std::to_string(topic);
      if (q % 2) query += " family" + std::to_string(rng() % 5);
      if (q % 3) query += " filler" + std::to_string(rng() % 9) + " filler" + std::to_string(rng() % 9);
      if (q % 5 == 0) query = "filler" + std::to_string(rng() % 9);
      for (size_t k : {1, 10, 40, 300}) {
        const auto want = BruteForce(texts, counts, query, k);
        const auto got = index.Search(query, k);
        ASSERT_EQ(got.size(), want.size()) << query << " k=" << k;
        for (size_t i = 0; i < got.size(); ++i) {
          ASSERT_EQ(got[i].label, want[i].label) << query << " k=" << k << " rank " << i;
          ASSERT_EQ(got[i].score, want[i].score) << query << " k=" << k << " rank " << i;
        }
      }
    }
  }
}

// The bound covers every (tf, length) pair added, at any average length, and equals the true
// maximum while at most kPoints pairs are undominated; it is never looser than the corner
// (max tf with the shortest length) the index used before.
TEST(KeywordBm25, TermBoundIsTheMaximumContribution) {
  std::mt19937 rng(23);
  for (int round = 0; round < 3000; ++round) {
    TermBound bound;
    std::vector<std::pair<uint32_t, uint32_t>> pairs;
    const int n = 1 + static_cast<int>(rng() % 30);
    const uint32_t max_tf = 1 + rng() % (round % 3 == 0 ? 20 : 4);
    // The most distinct undominated pairs at any time: beyond kPoints, the bound merged points.
    size_t frontier = 0;
    for (int i = 0; i < n; ++i) {
      pairs.emplace_back(1 + rng() % max_tf, 1 + rng() % 200);
      bound.Add(pairs.back().first, pairs.back().second);
      std::vector<std::pair<uint32_t, uint32_t>> sorted = pairs;
      std::sort(sorted.begin(), sorted.end());
      sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
      size_t undominated = 0;
      for (const auto& a : sorted) {
        bool dominated = false;
        for (const auto& b : sorted) dominated |= b.first >= a.first && b.second <= a.second && b != a;
        undominated += !dominated;
      }
      frontier = std::max(frontier, undominated);
    }
    uint32_t corner_tf = 0, corner_len = UINT32_MAX;
    for (const auto& [tf, len] : pairs) {
      corner_tf = std::max(corner_tf, tf);
      corner_len = std::min(corner_len, len);
    }
    EXPECT_EQ(bound.max_tf(), corner_tf);
    EXPECT_EQ(bound.min_length(), corner_len);
    EXPECT_LE(bound.size(), TermBound::kPoints);
    for (double avgdl : {2.0, 20.0, 80.0, 500.0}) {
      const Bm25 bm25(avgdl);
      double truth = 0;
      for (const auto& [tf, len] : pairs) truth = std::max(truth, bm25.Score(1.7, tf, bm25.Norm(len)));
      const double got = bound.MaxScore(bm25, 1.7);
      const double corner = bm25.Score(1.7, corner_tf, bm25.Norm(corner_len));
      ASSERT_GE(got, truth);
      ASSERT_LE(got, corner);
      if (frontier <= TermBound::kPoints) {
        ASSERT_EQ(got, truth) << "frontier " << frontier;
      }
    }
  }
  // The case the corner overestimates: many repeats only in long documents.
  TermBound b;
  b.Add(1, 3);
  b.Add(4, 120);
  const Bm25 bm25(30.0);
  EXPECT_EQ(b.MaxScore(bm25, 1.0), std::max(bm25.Score(1.0, 1, bm25.Norm(3)), bm25.Score(1.0, 4, bm25.Norm(120))));
  EXPECT_LT(b.MaxScore(bm25, 1.0), 0.8 * bm25.Score(1.0, 4, bm25.Norm(3)));
}

}  // namespace
}  // namespace exemplar::index
