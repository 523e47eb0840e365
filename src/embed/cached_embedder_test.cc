// CachedEmbedder over a counting embedder: repeats are served from memory, a batch embeds each
// distinct missing text once, failures are not cached, and the byte cap evicts the least recently
// used entry.
#include "embed/cached_embedder.h"

#include <gtest/gtest.h>

#include <atomic>

#include "embed/hash_embedder.h"

namespace exemplar::embed {
namespace {

class CountingEmbedder : public Embedder {
 public:
  std::string model() const override { return inner_.model(); }
  int dim() const override { return inner_.dim(); }
  Result<std::vector<float>> Embed(std::string_view text) override {
    ++texts;
    if (text == "fail") return Status::Unavailable("provider down");
    return inner_.Compute(text);
  }
  std::vector<Result<std::vector<float>>> EmbedBatch(const std::vector<std::string>& batch) override {
    ++calls;
    std::vector<Result<std::vector<float>>> out;
    for (const auto& t : batch) out.push_back(Embed(t));
    return out;
  }
  std::atomic<int> texts{0}, calls{0};

 private:
  HashEmbedder inner_{16};
};

TEST(CachedEmbedder, IdenticalTextsAreEmbeddedOnce) {
  auto counting = std::make_shared<CountingEmbedder>();
  CachedEmbedder cached(counting, 1 << 20);
  EXPECT_EQ(cached.model(), "hash-16");
  auto first = cached.EmbedBatch({"alpha", "beta", "alpha", "gamma"});
  EXPECT_EQ(counting->texts, 3);  // "alpha" once although it came twice
  ASSERT_TRUE(first[0].ok() && first[2].ok());
  EXPECT_EQ(*first[0], *first[2]);
  auto again = cached.EmbedBatch({"gamma", "alpha", "beta"});
  EXPECT_EQ(counting->texts, 3);
  EXPECT_EQ(counting->calls, 1);  // all hits: the wrapped embedder is not called at all
  EXPECT_EQ(*again[1], *first[0]);
  auto one = cached.Embed("beta");
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(*one, *first[1]);
  EXPECT_EQ(counting->texts, 3);
  auto s = cached.stats();
  EXPECT_EQ(s.misses, 3u);
  EXPECT_EQ(s.hits, 5u);
  EXPECT_EQ(s.entries, 3u);
  // The uncached path computes afresh.
  ASSERT_TRUE(cached.uncached().Embed("alpha").ok());
  EXPECT_EQ(counting->texts, 4);
}

TEST(CachedEmbedder, FailuresAreNotCached) {
  auto counting = std::make_shared<CountingEmbedder>();
  CachedEmbedder cached(counting, 1 << 20);
  EXPECT_FALSE(cached.Embed("fail").ok());
  EXPECT_FALSE(cached.EmbedBatch({"fail"})[0].ok());
  EXPECT_EQ(counting->texts, 2);
  EXPECT_EQ(cached.stats().entries, 0u);
}

TEST(CachedEmbedder, ByteCapEvictsLeastRecentlyUsed) {
  auto counting = std::make_shared<CountingEmbedder>();
  const size_t entry = 16 * sizeof(float) + 96;
  CachedEmbedder cached(counting, 2 * entry);  // room for two vectors
  ASSERT_TRUE(cached.Embed("a").ok());
  ASSERT_TRUE(cached.Embed("b").ok());
  ASSERT_TRUE(cached.Embed("a").ok());  // "a" is now the most recent
  ASSERT_TRUE(cached.Embed("c").ok());  // evicts "b"
  EXPECT_EQ(counting->texts, 3);
  EXPECT_LE(cached.stats().bytes, 2 * entry);
  ASSERT_TRUE(cached.Embed("a").ok());
  EXPECT_EQ(counting->texts, 3);
  ASSERT_TRUE(cached.Embed("b").ok());
  EXPECT_EQ(counting->texts, 4);
}

TEST(CachedEmbedder, ZeroCapacityCachesNothing) {
  auto counting = std::make_shared<CountingEmbedder>();
  CachedEmbedder cached(counting, 0);
  ASSERT_TRUE(cached.Embed("a").ok());
  ASSERT_TRUE(cached.Embed("a").ok());
  EXPECT_EQ(counting->texts, 2);
}

}  // namespace
}  // namespace exemplar::embed
