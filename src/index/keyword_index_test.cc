#include "index/keyword_index.h"
#include "index/keyword_index_impl.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>

namespace exemplar::index {
namespace {

std::vector<uint64_t> Labels(const std::vector<Hit>& hits) {
  std::vector<uint64_t> out;
  for (const auto& h : hits) out.push_back(h.label);
  return out;
}

TEST(Tokenize, LowercasesFoldsAccentsAndSplits) {
  EXPECT_EQ(Tokenize("Résumé PASSWORD-reset, naïve café!"),
            (std::vector<std::string>{"resume", "password", "reset", "naive", "cafe"}));
  EXPECT_EQ(Tokenize("Straße Œuvre Łódź ÆON"), (std::vector<std::string>{"strasse", "oeuvre", "lodz", "aeon"}));
  // Decomposed accents (e + combining acute) fold the same way as precomposed ones.
  EXPECT_EQ(Tokenize("Re\xCC\x81sume\xCC\x81"), (std::vector<std::string>{"resume"}));
  // Single ASCII letters are dropped, single digits kept; numbers stay whole.
  EXPECT_EQ(Tokenize("a b 7 it's v2.0 2024"), (std::vector<std::string>{"7", "it", "v2", "0", "2024"}));
  // Greek and Cyrillic are lowercased; Han ideographs are one word each.
  EXPECT_EQ(Tokenize("ΑΒΓ Привет 東京タワー"),
            (std::vector<std::string>{"αβγ", "привет", "東", "京", "タ", "ワ", "ー"}));
  // Punctuation and symbols from outside ASCII separate words.
  EXPECT_EQ(Tokenize("left—right “quoted” x×y"), (std::vector<std::string>{"left", "right", "quoted"}));
  EXPECT_TRUE(Tokenize("").empty());
  EXPECT_TRUE(Tokenize("  ,.; ").empty());
}

TEST(Tokenize, MalformedUtf8NeverStallsOrOverreads) {
  const std::string bad = std::string("ok\xC3") + "\xFF\xFE" + "fine\xE2\x82" + "\xF0\x9F";
  EXPECT_EQ(Tokenize(bad), (std::vector<std::string>{"ok", "fine"}));
  EXPECT_EQ(Tokenize("\xC0\xAFword"), (std::vector<std::string>{"word"}));  // overlong '/'
}

TEST(Tokenize, RandomBytesGiveWellFormedTokens) {
  std::mt19937 rng(42);
  for (int round = 0; round < 2000; ++round) {
    std::string text(rng() % 64, '\0');
    for (char& c : text) c = static_cast<char>(rng() % 4 == 0 ? rng() % 128 : rng());
    for (const std::string& token : Tokenize(text)) {
      ASSERT_FALSE(token.empty());
      // Every token is valid UTF-8 (it re-tokenises to itself).
      ASSERT_EQ(Tokenize(token), std::vector<std::string>{token});
    }
  }
}

TEST(KeywordIndex, RareTermBeatsCommonTerm) {
  KeywordIndex index;
  for (uint64_t i = 0; i < 30; ++i) index.Upsert(i, "the page shows an error " + std::to_string(i));
  for (uint64_t i = 30; i < 34; ++i) index.Upsert(i, "login page error " + std::to_string(i));
  index.Upsert(100, "login page kerberos ticket error");
  index.Upsert(101, "kerberos configuration guide");
  auto hits = index.Search("login kerberos", 10);
  ASSERT_EQ(hits.size(), 6u);
  EXPECT_EQ(hits[0].label, 100u);  // both terms
  EXPECT_EQ(hits[1].label, 101u);  // the rare term alone beats the commoner one alone
  for (size_t i = 2; i < hits.size(); ++i) {
    EXPECT_GE(hits[i].label, 30u);
    EXPECT_LT(hits[i].label, 34u);
    EXPECT_GE(hits[i - 1].score, hits[i].score);
  }
}

TEST(KeywordIndex, AccentAndCaseFoldedMatch) {
  KeywordIndex index;
  index.Upsert(1, "Upload your Résumé here");
  index.Upsert(2, "Reset your PASSWORD");
  index.Upsert(3, "nothing relevant");
  EXPECT_EQ(Labels(index.Search("resume", 10)), (std::vector<uint64_t>{1}));
  EXPECT_EQ(Labels(index.Search("RÉSUMÉ", 10)), (std::vector<uint64_t>{1}));
  EXPECT_EQ(Labels(index.Search("password", 10)), (std::vector<uint64_t>{2}));
  EXPECT_TRUE(index.Search("absent words", 10).empty());
  EXPECT_TRUE(index.Search("", 10).empty());
  EXPECT_TRUE(index.Search("resume", 0).empty());
}

TEST(KeywordIndex, UpsertReplacesAndRemoveForgets) {
  KeywordIndex index;
  index.Upsert(1, "apple banana");
  index.Upsert(2, "banana cherry");
  EXPECT_EQ(index.size(), 2u);
  index.Upsert(1, "cherry durian");  // replaces: apple is gone from label 1
  EXPECT_EQ(index.size(), 2u);
  EXPECT_TRUE(index.Search("apple", 10).empty());
  EXPECT_EQ(Labels(index.Search("durian", 10)), (std::vector<uint64_t>{1}));
  index.Remove(2);
  index.Remove(99);  // absent: no-op
  EXPECT_EQ(index.size(), 1u);
  EXPECT_TRUE(index.Search("banana", 10).empty());
  EXPECT_EQ(Labels(index.Search("cherry", 10)), (std::vector<uint64_t>{1}));
}

// Postings keep term frequency in 16 bits: a term repeated more often than that counts 65,535
// times. BM25 has saturated long before, so such a document still ranks first (wrapped, 65,537
// would count once and rank below a two-word document), level with one holding it 65,535 times.
TEST(KeywordIndex, TermFrequencyAbove65535IsCappedNotWrapped) {
  KeywordIndex index;
  std::string many, cap;
  for (int i = 0; i < 65537; ++i) many += "spam ";
  for (int i = 0; i < 65535; ++i) cap += "spam ";
  index.Upsert(1, "spam eggs");
  index.Upsert(2, many);
  index.Upsert(3, cap);
  index.Upsert(4, "eggs");
  const auto hits = index.Search("spam", 3);
  ASSERT_EQ(hits.size(), 3u);
  EXPECT_EQ(std::min(hits[0].label, hits[1].label), 2u);
  EXPECT_EQ(std::max(hits[0].label, hits[1].label), 3u);
  EXPECT_EQ(hits[2].label, 1u);
  EXPECT_GT(hits[1].score, hits[2].score);
  EXPECT_NEAR(hits[0].score, hits[1].score, 1e-5 * hits[0].score);
  EXPECT_EQ(Labels(index.SearchExhaustive("spam", 3)), Labels(hits));
}

TEST(KeywordIndex, ManyRemovalsCompactAndKeepRankingStable) {
  KeywordIndex index;
  for (uint64_t i = 0; i < 3000; ++i) index.Upsert(i, "shared words here doc" + std::to_string(i) + " target");
  const size_t before = index.MemoryBytes();
  for (uint64_t i = 0; i < 3000; ++i) {
    if (i % 3 != 0) index.Remove(i);
  }
  for (uint64_t i = 0; i < 3000; i += 3) index.Upsert(i, "shared words here doc" + std::to_string(i) + " target");
  EXPECT_EQ(index.size(), 1000u);
  EXPECT_LT(index.MemoryBytes(), before);  // dead postings were compacted away
  EXPECT_EQ(Labels(index.Search("doc2997", 3)), (std::vector<uint64_t>{2997}));
  EXPECT_TRUE(index.Search("doc2998", 3).empty());
  auto hits = index.Search("target", 5);
  EXPECT_EQ(Labels(hits), (std::vector<uint64_t>{0, 3, 6, 9, 12}));  // equal scores: smaller label first
}

TEST(KeywordIndex, AllowedFilterBothStrategies) {
  KeywordIndex index;
  for (uint64_t i = 0; i < 500; ++i) index.Upsert(i, "common term " + std::string(i % 2 ? "odd" : "even"));
  std::vector<uint64_t> small = {4, 7, 400};             // scored document by document
  std::vector<uint64_t> large;                            // posting scan + membership test
  for (uint64_t i = 1; i < 500; i += 2) large.push_back(i);
  EXPECT_EQ(Labels(index.Search("even", 10, &small)), (std::vector<uint64_t>{4, 400}));
  auto odd = index.Search("odd", 1000, &large);
  EXPECT_EQ(odd.size(), 250u);
  for (const auto& h : odd) EXPECT_EQ(h.label % 2, 1u);
  EXPECT_TRUE(index.Search("even", 10, &large).empty());
  std::vector<uint64_t> none;
  EXPECT_TRUE(index.Search("odd", 10, &none).empty());
  // Both strategies give identical scores.
  std::vector<uint64_t> one = {7};
  auto direct = index.Search("odd term", 1, &one);
  auto scanned = index.Search("odd term", 500);
  ASSERT_EQ(direct.size(), 1u);
  for (const auto& h : scanned) {
    if (h.label == 7) {
      EXPECT_EQ(h.score, direct[0].score);
    }
  }
}

TEST(KeywordIndex, VeryCommonTermsAreDroppedWhenRarerOnesExist) {
  KeywordIndex index;
  for (uint64_t i = 0; i < 10; ++i) index.Upsert(i, "error error error message " + std::to_string(i));
  index.Upsert(50, "timeout");
  index.Upsert(51, "timeout error");
  // "error" is in 11 of 12 docs: dropped, so 50 and 51 tie on "timeout" alone and the shorter
  // document wins; without the drop, 51 would win on the extra "error" match.
  auto hits = index.Search("error timeout", 10);
  EXPECT_EQ(Labels(hits), (std::vector<uint64_t>{50, 51}));
  // A query made only of common terms still works.
  EXPECT_EQ(index.Search("error", 100).size(), 11u);
}

TEST(KeywordIndex, RepeatedQueryTermWeighsMore) {
  KeywordIndex index;
  index.Upsert(1, "alpha beta");
  index.Upsert(2, "alpha gamma");
  index.Upsert(3, "delta");
  index.Upsert(4, "epsilon");
  auto once = index.Search("beta gamma", 2);
  auto twice = index.Search("beta gamma gamma", 2);
  ASSERT_EQ(once.size(), 2u);
  ASSERT_EQ(twice.size(), 2u);
  EXPECT_EQ(once[0].label, 1u);  // equal scores: smaller label
  EXPECT_EQ(twice[0].label, 2u);
}

// MaxScore pruning must return exactly what scoring every posting returns: same labels, same
// scores, same order, with and without filters, across corpora where term frequencies and
// document lengths vary and after removals (dead postings, stale term bounds).
TEST(KeywordIndex, PrunedSearchEqualsExhaustiveScoring) {
  std::mt19937 rng(7);
  for (int corpus = 0; corpus < 6; ++corpus) {
    KeywordIndex index;
    const int vocabulary = 8 + corpus * 12;  // small vocabularies: every term is common
    const int docs = 1500;
    auto word = [&](int skew) {
      // Zipf-like: low word numbers are much more frequent.
      const int w = static_cast<int>(rng() % vocabulary);
      return "w" + std::to_string(skew ? w * w / vocabulary : w);
    };
    for (int d = 0; d < docs; ++d) {
      std::string text;
      const int length = 1 + static_cast<int>(rng() % (corpus % 2 ? 40 : 12));
      for (int i = 0; i < length; ++i) text += word(corpus % 3) + " ";
      index.Upsert(static_cast<uint64_t>(d), text);
    }
    for (int d = 0; d < docs; d += 3 + corpus) index.Remove(static_cast<uint64_t>(d));
    for (int d = 0; d < docs; d += 7) index.Upsert(static_cast<uint64_t>(d), word(0) + " " + word(1));
    std::vector<uint64_t> allowed;
    for (uint64_t d = 0; d < static_cast<uint64_t>(docs); d += 2) allowed.push_back(d);
    for (int q = 0; q < 60; ++q) {
      std::string query;
      const int terms = 1 + static_cast<int>(rng() % 6);
      for (int i = 0; i < terms; ++i) query += word(corpus % 3) + " ";
      for (size_t k : {1, 10, 40, 5000}) {
        const std::vector<uint64_t>* filter = q % 3 == 0 ? &allowed : nullptr;
        const auto pruned = index.Search(query, k, filter);
        const auto exhaustive = index.SearchExhaustive(query, k, filter);
        ASSERT_EQ(pruned.size(), exhaustive.size()) << query << " k=" << k;
        for (size_t i = 0; i < pruned.size(); ++i) {
          ASSERT_EQ(pruned[i].label, exhaustive[i].label) << query << " k=" << k << " rank " << i;
          ASSERT_EQ(pruned[i].score, exhaustive[i].score) << query << " k=" << k << " rank " << i;
        }
      }
    }
  }
}

// Topic-structured documents (a rare topic word, a mid-frequency family word, common fillers):
// once the k-th score is high, the rare and family terms become "required" and the pruned search
// leapfrogs over their lists. It must still return exactly what scoring every posting returns.
TEST(KeywordIndex, RequiredTermLeapfrogEqualsExhaustiveScoring) {
  std::mt19937 rng(11);
  KeywordIndex index;
  const int docs = 4000;
  for (int d = 0; d < docs; ++d) {
    std::string text = "topic" + std::to_string(rng() % 40) + " family" + std::to_string(rng() % 6);
    const int fillers = 1 + static_cast<int>(rng() % 8);
    for (int i = 0; i < fillers; ++i) text += " filler" + std::to_string(rng() % 5);
    index.Upsert(static_cast<uint64_t>(d), text);
  }
  for (int d = 0; d < docs; d += 9) index.Remove(static_cast<uint64_t>(d));
  std::vector<uint64_t> allowed;
  for (uint64_t d = 1; d < static_cast<uint64_t>(docs); d += 2) allowed.push_back(d);
  for (int q = 0; q < 80; ++q) {
    std::string query = "topic" + std::to_string(rng() % 40) + " family" + std::to_string(rng() % 6) +
                        " filler" + std::to_string(rng() % 5);
    if (q % 2) query += " filler" + std::to_string(rng() % 5);
    for (size_t k : {1, 10, 40, 200}) {
      const std::vector<uint64_t>* filter = q % 4 == 3 ? &allowed : nullptr;
      const auto pruned = index.Search(query, k, filter);
      const auto exhaustive = index.SearchExhaustive(query, k, filter);
      ASSERT_EQ(pruned.size(), exhaustive.size()) << query << " k=" << k;
      for (size_t i = 0; i < pruned.size(); ++i) {
        ASSERT_EQ(pruned[i].label, exhaustive[i].label) << query << " k=" << k << " rank " << i;
        ASSERT_EQ(pruned[i].score, exhaustive[i].score) << query << " k=" << k << " rank " << i;
      }
    }
  }
}

}  // namespace
}  // namespace exemplar::index

namespace exemplar::index {
namespace {

TEST(DocTerms, RoundTripAndRejectMalformedBytes) {
  const std::vector<uint32_t> ids = {0, 1, 127, 128, 16383, 16384, 2000000, UINT32_MAX};
  std::vector<uint8_t> bytes;
  EncodeDocTerms(ids, &bytes);
  EXPECT_LT(bytes.size(), ids.size() * 4);
  std::vector<uint32_t> back;
  EXPECT_TRUE(DecodeDocTerms(bytes.data(), bytes.data() + bytes.size(), [&](uint32_t t) { back.push_back(t); }));
  EXPECT_EQ(back, ids);
  auto decodes = [](std::vector<uint8_t> b) { return DecodeDocTerms(b.data(), b.data() + b.size(), [](uint32_t) {}); };
  EXPECT_FALSE(decodes({0x80}));                          // a varint cut short
  EXPECT_FALSE(decodes({0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01}));  // past 32 bits
  EXPECT_FALSE(decodes({5, 0}));                           // an id repeated (gap 0)
  EXPECT_FALSE(decodes({0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 1}));  // UINT32_MAX + 1
  EXPECT_TRUE(decodes({}));
}

}  // namespace
}  // namespace exemplar::index
