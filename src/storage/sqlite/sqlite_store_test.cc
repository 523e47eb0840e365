#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "common/ids.h"
#include "common/time.h"
#include "storage/store.h"

namespace exemplar::storage {
namespace {

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) / ("store_" + NewUuid());
    std::filesystem::create_directories(dir_);
    Open();
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  void Open() {
    store_.reset();
    auto s = OpenSqliteStore((dir_ / "exemplar.db").string());
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(s).value();
  }
  Example Make(const std::string& domain, std::optional<std::string> client_id = std::nullopt) {
    Example e;
    e.id = NewUuid();
    e.domain = domain;
    e.input_json = R"({"q":"x"})";
    e.client_id = client_id;
    e.capability_tags = {"alpha", "beta"};
    return e;
  }
  std::filesystem::path dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(SqliteStoreTest, InsertGetAndPersistAcrossReopen) {
  std::vector<Example> batch = {Make("a"), Make("b")};
  batch[0].embedding = {0.6f, 0.8f};
  batch[0].embedding_model = "hash-2";
  auto r = store_->InsertExamples(batch);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_GT(batch[1].row_id, batch[0].row_id);
  Open();
  auto got = store_->GetExample(batch[0].id, true);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->domain, "a");
  EXPECT_EQ(got->capability_tags, (std::vector<std::string>{"alpha", "beta"}));
  ASSERT_EQ(got->embedding.size(), 2u);
  EXPECT_FLOAT_EQ(got->embedding[1], 0.8f);
  EXPECT_TRUE(store_->GetExample(NewUuid()).status().IsNotFound());
  EXPECT_EQ(*store_->LatestChangeSeq(), 2);
}

TEST_F(SqliteStoreTest, SameIdTwiceIsReportedAsExisting) {
  std::vector<Example> batch = {Make("a"), Make("a")};
  batch[1].id = batch[0].id;
  auto r = store_->InsertExamples(batch);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE((*r)[0].created);
  EXPECT_FALSE((*r)[1].created);
  EXPECT_EQ(*store_->CountExamples(), 1);
}

TEST_F(SqliteStoreTest, ClientIdMakesInsertIdempotent) {
  std::vector<Example> first = {Make("a", "c-1")};
  ASSERT_TRUE(store_->InsertExamples(first).ok());
  std::vector<Example> again = {Make("a", "c-1"), Make("a", "c-2")};
  auto r = store_->InsertExamples(again);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE((*r)[0].created);
  EXPECT_EQ((*r)[0].id, first[0].id);
  EXPECT_TRUE((*r)[1].created);
  EXPECT_EQ(*store_->CountExamples(), 2);
}

TEST_F(SqliteStoreTest, FailedBatchLeavesNothing) {
  std::vector<Example> batch = {Make("a"), Make("a"), Make("a")};
  batch[2].input_json = "{not json";  // violates the schema's CHECK → the whole batch rolls back
  auto r = store_->InsertExamples(batch);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(*store_->CountExamples(), 0);
  EXPECT_EQ(*store_->LatestChangeSeq(), 0);
}

TEST_F(SqliteStoreTest, UpdateKeepsHistoryAndDetectsLostUpdates) {
  std::vector<Example> batch = {Make("a")};
  ASSERT_TRUE(store_->InsertExamples(batch).ok());
  Example e = *store_->GetExample(batch[0].id);
  e.version = 2;
  e.domain = "b";
  ASSERT_TRUE(store_->UpdateExample(e, R"({"version":1})").ok());
  EXPECT_EQ(store_->UpdateExample(e, "{}").code(), Code::kFailedPrecondition);
  auto versions = store_->ListExampleVersions(e.id);
  ASSERT_EQ(versions->size(), 1u);
  EXPECT_EQ((*versions)[0].version, 1);
  EXPECT_EQ(store_->GetExample(e.id)->domain, "b");
}

TEST_F(SqliteStoreTest, ListFiltersSortsAndPages) {
  std::vector<Example> batch;
  for (int i = 0; i < 10; ++i) {
    Example e = Make(i % 2 ? "odd" : "even");
    e.quality_score = i / 10.0;
    if (i == 3) e.capability_tags = {"gamma"};
    batch.push_back(e);
  }
  ASSERT_TRUE(store_->InsertExamples(batch).ok());
  ExampleFilter f;
  f.domain = "odd";
  auto page = store_->ListExamples(f, ExampleSortKey::kQuality, true, 0, 2);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  EXPECT_EQ(page->total, 5);
  ASSERT_EQ(page->examples.size(), 2u);
  EXPECT_DOUBLE_EQ(*page->examples[0].quality_score, 0.9);
  ExampleFilter tags;
  tags.tags_any = {"gamma", "nope"};
  EXPECT_EQ(store_->ListExamples(tags, ExampleSortKey::kCreatedAt, true, 0, 10)->total, 1);
  ExampleFilter all;
  all.tags_all = {"alpha", "beta"};
  all.min_quality_score = 0.5;
  EXPECT_EQ(store_->ListExamples(all, ExampleSortKey::kCreatedAt, true, 0, 10)->total, 5);
  ExampleFilter inj;
  inj.domain = "odd' OR '1'='1";
  EXPECT_EQ(store_->ListExamples(inj, ExampleSortKey::kCreatedAt, true, 0, 10)->total, 0);
}

TEST_F(SqliteStoreTest, ConcurrentOutcomesAreCountedExactly) {
  std::vector<Example> batch = {Make("a")};
  ASSERT_TRUE(store_->InsertExamples(batch).ok());
  std::string id = batch[0].id;
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        UsageEvent e;
        e.example_id = id;
        e.kind = "outcome";
        e.outcome = t % 2 ? "success" : "partial";
        e.success_delta = t % 2 ? 1.0 : 0.5;
        e.failure_delta = t % 2 ? 0.0 : 0.5;
        ASSERT_TRUE(store_->RecordUsage({e}).ok());
      }
    });
  }
  for (auto& th : threads) th.join();
  Example e = *store_->GetExample(id);
  EXPECT_DOUBLE_EQ(e.success_count, 4 * 25 + 4 * 25 * 0.5);
  EXPECT_DOUBLE_EQ(e.failure_count, 4 * 25 * 0.5);
  auto page = store_->ListExamples({}, ExampleSortKey::kEffectiveness, true, 0, 1);
  EXPECT_NEAR(*page->examples[0].effectiveness_score(), (150.0 + 1) / (200.0 + 2), 1e-12);
}

TEST_F(SqliteStoreTest, RetrievalOutcomeIsRecordedOnce) {
  std::vector<Example> batch = {Make("a"), Make("a")};
  ASSERT_TRUE(store_->InsertExamples(batch).ok());
  Retrieval r{NewUuid(), {batch[0].id, batch[1].id}, "q", 0, std::nullopt};
  std::vector<UsageEvent> retrieved;
  for (auto& e : batch) retrieved.push_back({0, e.id, "retrieved"});
  ASSERT_TRUE(store_->RecordRetrieval(r, retrieved).ok());
  std::vector<UsageEvent> credit;
  for (auto& e : batch) {
    UsageEvent ev{0, e.id, "outcome", "success", 1.0, 0.0};
    credit.push_back(ev);
  }
  ASSERT_TRUE(store_->RecordRetrievalOutcome(r.id, "success", credit).ok());
  EXPECT_EQ(store_->RecordRetrievalOutcome(r.id, "success", credit).code(), Code::kAlreadyExists);
  EXPECT_EQ(store_->RecordRetrievalOutcome(NewUuid(), "success", credit).code(), Code::kNotFound);
  Example e = *store_->GetExample(batch[0].id);
  EXPECT_EQ(e.usage_count, 1);
  EXPECT_DOUBLE_EQ(e.success_count, 1.0);
  auto by_day = store_->AggregateUsage("day", 0, NowMillis() + 1000, std::nullopt, std::nullopt);
  ASSERT_EQ(by_day->size(), 1u);
  EXPECT_EQ((*by_day)[0].uses, 2);
  EXPECT_DOUBLE_EQ((*by_day)[0].successes, 2.0);
}

TEST_F(SqliteStoreTest, DeleteRemovesEventsAndHistory) {
  std::vector<Example> batch = {Make("a")};
  ASSERT_TRUE(store_->InsertExamples(batch).ok());
  ASSERT_TRUE(store_->RecordUsage({{0, batch[0].id, "tracked"}}).ok());
  ASSERT_TRUE(store_->DeleteExample(batch[0].id).ok());
  EXPECT_EQ(store_->DeleteExample(batch[0].id).code(), Code::kNotFound);
  auto agg = store_->AggregateUsage("example", 0, NowMillis() + 1000, std::nullopt, std::nullopt);
  EXPECT_TRUE(agg->empty());
  auto changes = store_->ChangesSince(0, 100);
  ASSERT_EQ(changes->size(), 2u);
  EXPECT_EQ((*changes)[1].op, "delete");
}

TEST_F(SqliteStoreTest, TemplatesAndEdges) {
  Template t;
  t.id = NewUuid();
  t.name = "Classifier";
  t.input_schema = {{"text", "string", "the text", true}};
  t.created_at = t.updated_at = NowMillis();
  ASSERT_TRUE(store_->InsertTemplate(t).ok());
  EXPECT_EQ(store_->InsertTemplate(t).code(), Code::kAlreadyExists);
  auto got = store_->GetTemplate(t.id);
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->input_schema.size(), 1u);
  EXPECT_EQ(got->input_schema[0].description, "the text");
  auto list = store_->ListTemplates(std::nullopt, std::string("CLASS"), 0, 10);
  EXPECT_EQ(list->second, 1);
  ASSERT_TRUE(store_->InsertEdges({{"template", t.id, "run", "r1", "optimized_by"}}).ok());
  ASSERT_TRUE(store_->InsertEdges({{"template", t.id, "run", "r1", "optimized_by"}}).ok());
  auto up = store_->EdgesTouching({{"run", "r1"}}, true);
  ASSERT_EQ(up->size(), 1u);
  EXPECT_EQ((*up)[0].source_id, t.id);
}

}  // namespace
}  // namespace exemplar::storage
