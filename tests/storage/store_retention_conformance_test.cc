// Storage conformance: retention of usage evidence (review s22) on SQLite and PostgreSQL. Prunes
// take the oldest rows first, at most `limit` a call; the count bound takes a retrieval's events
// with it; counters on the examples never move; two stores pruning at once delete each row once.
#include <thread>

#include "storage/store_fixture.h"

namespace exemplar::storage {
namespace {

class StoreRetentionTest : public StoreTest {
 protected:
  // A retrieval of `example_id` at `at`, with its retrieved event at the same time.
  std::string RetrieveAt(const std::string& example_id, int64_t at) {
    Retrieval r{NewUuid(), {example_id}, "q", at, std::nullopt};
    UsageEvent e{0, example_id, "retrieved"};
    e.retrieval_id = r.id;
    e.created_at = at;
    EXPECT_TRUE(store_->RecordRetrieval(r, {e}).ok());
    return r.id;
  }
};

TEST_P(StoreRetentionTest, PrunesOldestFirstInBoundedBatches) {
  std::vector<Example> batch = {Make("a")};
  ASSERT_TRUE(store_->InsertExamples(batch).ok());
  const std::string ex = batch[0].id;
  std::vector<std::string> ids;
  for (int64_t i = 1; i <= 10; ++i) ids.push_back(RetrieveAt(ex, i * 1000));
  UsageEvent tracked{0, ex, "tracked", "success", 1.0, 0.0};
  tracked.created_at = 500;
  ASSERT_TRUE(store_->RecordUsage({tracked}).ok());
  EXPECT_EQ(*store_->CountRetrievals(), 10);
  EXPECT_EQ(*store_->NthNewestRetrievalTime(1), 10000);
  EXPECT_EQ(*store_->NthNewestRetrievalTime(3), 8000);
  EXPECT_FALSE(store_->NthNewestRetrievalTime(11)->has_value());
  EXPECT_EQ(*store_->CountUsageEvents(), 11);
  EXPECT_EQ(*store_->NthNewestUsageEventTime(1), 10000);
  EXPECT_EQ(*store_->NthNewestUsageEventTime(11), 500);
  EXPECT_FALSE(store_->NthNewestUsageEventTime(12)->has_value());

  // By age, each row by its own: retrievals alone, at most `limit` a call, oldest first.
  auto first = store_->PruneRetrievals(3000, 1, /*with_events=*/false);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->retrievals, 1);
  EXPECT_EQ(first->usage_events, 0);
  EXPECT_TRUE(store_->GetRetrieval(ids[0]).status().IsNotFound());
  EXPECT_TRUE(store_->GetRetrieval(ids[1]).ok());
  EXPECT_EQ(store_->PruneRetrievals(3000, 5, false)->retrievals, 1);
  EXPECT_EQ(store_->PruneRetrievals(3000, 5, false)->retrievals, 0);
  EXPECT_EQ(*store_->PruneUsageEvents(2500, 2), 2);  // the tracked event (500) and ids[0]'s (1000)
  EXPECT_EQ(*store_->PruneUsageEvents(2500, 2), 1);  // ids[1]'s (2000)
  EXPECT_EQ(*store_->PruneUsageEvents(2500, 2), 0);

  // The count bound: retrievals with their events.
  auto bound = store_->PruneRetrievals(5000, 100, /*with_events=*/true);
  ASSERT_TRUE(bound.ok()) << bound.status().ToString();
  EXPECT_EQ(bound->retrievals, 2);
  EXPECT_EQ(bound->usage_events, 2);
  EXPECT_EQ(*store_->CountRetrievals(), 6);
  EXPECT_EQ(store_->ListUsageEvents({ex, std::nullopt, std::nullopt, 100})->size(), 6u);
  // What the example's score is made of stays.
  Example after = *store_->GetExample(ex);
  EXPECT_EQ(after.usage_count, 11);
  EXPECT_EQ(after.success_count, 1.0);
}

// Replicas prune on the same schedule: two stores over one database, pruning at once in small
// batches, delete every old retrieval and event exactly once between them, without an error.
TEST_P(StoreRetentionTest, TwoStoresPruningAtOnceDeleteEachRowOnce) {
  std::vector<Example> batch = {Make("a")};
  ASSERT_TRUE(store_->InsertExamples(batch).ok());
  constexpr int kRetrievals = 120;
  for (int i = 0; i < kRetrievals; ++i) RetrieveAt(batch[0].id, 1000 + i);
  const std::string kept = RetrieveAt(batch[0].id, 1'000'000);
  std::unique_ptr<Store> other = OpenAnother();
  ASSERT_NE(other, nullptr);
  PrunedRows totals[2];
  Status errors[2];
  auto prune = [&](Store& store, int slot) {
    for (int calls = 0; calls < 1000; ++calls) {
      auto n = store.PruneRetrievals(500'000, 7, /*with_events=*/true);
      if (!n.ok()) {
        errors[slot] = n.status();
        return;
      }
      totals[slot].retrievals += n->retrievals;
      totals[slot].usage_events += n->usage_events;
      if (n->retrievals == 0 && *store.NthNewestRetrievalTime(2) == std::nullopt) return;
    }
  };
  std::thread a(prune, std::ref(*store_), 0), b(prune, std::ref(*other), 1);
  a.join();
  b.join();
  EXPECT_TRUE(errors[0].ok()) << errors[0].ToString();
  EXPECT_TRUE(errors[1].ok()) << errors[1].ToString();
  EXPECT_EQ(totals[0].retrievals + totals[1].retrievals, kRetrievals);
  EXPECT_EQ(totals[0].usage_events + totals[1].usage_events, kRetrievals);
  EXPECT_EQ(*store_->CountRetrievals(), 1);
  EXPECT_TRUE(store_->GetRetrieval(kept).ok());
  EXPECT_EQ(store_->GetExample(batch[0].id)->usage_count, kRetrievals + 1);
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreRetentionTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace exemplar::storage
