// Storage conformance, part 1: examples, usage and the change log on SQLite and PostgreSQL.
#include <atomic>
#include <thread>

#include "common/json_util.h"
#include "storage/store_fixture.h"

namespace exemplar::storage {
namespace {

TEST_P(StoreTest, InsertGetAndPersistAcrossReopen) {
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

TEST_P(StoreTest, SameIdTwiceIsReportedAsExisting) {
  std::vector<Example> batch = {Make("a"), Make("a")};
  batch[1].id = batch[0].id;
  auto r = store_->InsertExamples(batch);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE((*r)[0].created);
  EXPECT_FALSE((*r)[1].created);
  EXPECT_EQ(*store_->CountExamples(), 1);
}

TEST_P(StoreTest, ClientIdMakesInsertIdempotent) {
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

TEST_P(StoreTest, FailedBatchLeavesNothing) {
  std::vector<Example> batch = {Make("a"), Make("a"), Make("a")};
  batch[2].input_json = "{not json";  // violates the schema's CHECK → the whole batch rolls back
  auto r = store_->InsertExamples(batch);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(*store_->CountExamples(), 0);
  EXPECT_EQ(*store_->LatestChangeSeq(), 0);
}

TEST_P(StoreTest, UpdateKeepsHistoryAndDetectsLostUpdates) {
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

TEST_P(StoreTest, ListFiltersSortsAndPages) {
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
  all.tags_all = {"beta", "alpha", "beta"};  // a repeated tag is one tag
  EXPECT_EQ(store_->ListExamples(all, ExampleSortKey::kCreatedAt, true, 0, 10)->total, 5);
  all.tags_all = {"alpha", "gamma"};
  EXPECT_EQ(store_->ListExamples(all, ExampleSortKey::kCreatedAt, true, 0, 10)->total, 0);
  // 1,000 tags at once (the most the API takes) were 1,000 nested EXISTS, past SQLite's depth: a 500.
  all.tags_all.clear();
  for (int i = 0; i < 1000; ++i) all.tags_all.push_back("t" + std::to_string(i));
  auto many = store_->ListExamples(all, ExampleSortKey::kCreatedAt, true, 0, 10);
  ASSERT_TRUE(many.ok()) << many.status().ToString();
  EXPECT_EQ(many->total, 0);
  ExampleFilter inj;
  inj.domain = "odd' OR '1'='1";
  EXPECT_EQ(store_->ListExamples(inj, ExampleSortKey::kCreatedAt, true, 0, 10)->total, 0);
}

TEST_P(StoreTest, ConcurrentOutcomesAreCountedExactly) {
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

TEST_P(StoreTest, RetrievalOutcomeIsRecordedOnceWithEachExamplesOwnOutcome) {
  std::vector<Example> batch = {Make("a"), Make("a")};
  ASSERT_TRUE(store_->InsertExamples(batch).ok());
  Retrieval r{NewUuid(), {batch[0].id, batch[1].id}, "q", 0, std::nullopt};
  r.actor = "agent-a";
  std::vector<UsageEvent> retrieved;
  for (auto& e : batch) retrieved.push_back({0, e.id, "retrieved"});
  for (auto& e : retrieved) {
    e.actor = "agent-a";
    e.retrieval_id = r.id;
  }
  ASSERT_TRUE(store_->RecordRetrieval(r, retrieved).ok());
  EXPECT_FALSE(store_->GetRetrieval(r.id)->example_outcomes_json.has_value());
  // The agent succeeded; it credits the first example and says the second one misled it.
  std::vector<UsageEvent> credit = {{0, batch[0].id, "outcome", "success", 1.0, 0.0},
                                    {0, batch[1].id, "outcome", "failure", 0.0, 1.0}};
  for (auto& e : credit) e.actor = "agent-b";
  const std::string per_example = Json{{batch[0].id, "success"}, {batch[1].id, "failure"}}.dump();
  ASSERT_TRUE(store_->RecordRetrievalOutcome(r.id, "success", per_example, "agent-b", credit).ok());
  EXPECT_EQ(store_->RecordRetrievalOutcome(r.id, "failure", "{}", "agent-c", credit).code(), Code::kAlreadyExists);
  EXPECT_EQ(store_->RecordRetrievalOutcome(NewUuid(), "success", "{}", "agent-c", credit).code(), Code::kNotFound);
  Retrieval stored = *store_->GetRetrieval(r.id);
  EXPECT_EQ(stored.outcome, "success");
  EXPECT_EQ(stored.example_outcomes_json, per_example);  // the refused second outcome changed nothing
  EXPECT_EQ(stored.actor, "agent-a");
  EXPECT_EQ(stored.outcome_actor, "agent-b");
  // Each event names who sent it, newest first; ?actor narrows, before_id pages.
  auto events = store_->ListUsageEvents({batch[0].id});
  ASSERT_TRUE(events.ok()) << events.status().ToString();
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ((*events)[0].kind, "outcome");
  EXPECT_EQ((*events)[0].actor, "agent-b");
  EXPECT_EQ((*events)[0].outcome, "success");
  EXPECT_EQ((*events)[1].kind, "retrieved");
  EXPECT_EQ((*events)[1].actor, "agent-a");
  EXPECT_EQ((*events)[1].retrieval_id, r.id);
  EXPECT_GT((*events)[0].id, (*events)[1].id);
  auto by_a = store_->ListUsageEvents({batch[0].id, "agent-a"});
  ASSERT_EQ(by_a->size(), 1u);
  EXPECT_EQ((*by_a)[0].kind, "retrieved");
  auto older = store_->ListUsageEvents({batch[0].id, std::nullopt, (*events)[0].id, 1});
  ASSERT_EQ(older->size(), 1u);
  EXPECT_EQ((*older)[0].id, (*events)[1].id);
  Example e = *store_->GetExample(batch[0].id);
  EXPECT_EQ(e.usage_count, 1);
  EXPECT_DOUBLE_EQ(e.success_count, 1.0);
  Example misled = *store_->GetExample(batch[1].id);
  EXPECT_DOUBLE_EQ(misled.success_count, 0.0);
  EXPECT_DOUBLE_EQ(misled.failure_count, 1.0);
  auto by_day = store_->AggregateUsage("day", 0, NowMillis() + 1000, std::nullopt, std::nullopt);
  ASSERT_EQ(by_day->size(), 1u);
  EXPECT_EQ((*by_day)[0].uses, 2);
  EXPECT_DOUBLE_EQ((*by_day)[0].successes, 1.0);
  EXPECT_DOUBLE_EQ((*by_day)[0].failures, 1.0);
}

TEST_P(StoreTest, DeleteRemovesEventsAndHistory) {
  std::vector<Example> batch = {Make("a")};
  ASSERT_TRUE(store_->InsertExamples(batch).ok());
  ASSERT_TRUE(store_->RecordUsage({{0, batch[0].id, "tracked"}}).ok());
  ASSERT_TRUE(store_->DeleteExample(batch[0].id).ok());
  EXPECT_EQ(store_->DeleteExample(batch[0].id).code(), Code::kNotFound);
  auto agg = store_->AggregateUsage("example", 0, NowMillis() + 1000, std::nullopt, std::nullopt);
  EXPECT_TRUE(agg->empty());
  auto changes = store_->ChangesSince(0, 100, "");
  ASSERT_EQ(changes->size(), 2u);
  EXPECT_EQ((*changes)[1].op, "delete");
}

TEST_P(StoreTest, TemplatesAndEdges) {
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

TEST_P(StoreTest, EveryColumnRoundTrips) {
  Example e = Make("billing", "client-7");
  e.expected_output_json = R"({"a":[1,2,{"b":"é \" ' ; DROP TABLE examples; --"}]})";
  e.explanation = "line1\nline2 ünïcødé 😀";
  Template db;  // an example's template exists (the insert checks it in its transaction)
  db.id = "db-1";
  db.name = "db-1";
  db.created_at = db.updated_at = NowMillis();
  ASSERT_TRUE(store_->InsertTemplate(db).ok());
  e.databit_id = "db-1";
  e.function_name = "classify";
  e.difficulty = "hard";
  e.search_keys = {"k1", "k2"};
  e.source = "imported";
  e.attribution_notes = "from a paper";
  e.quality_score = 0.125;
  e.created_by = "ann@example.com";
  e.embedding = {0.25f, -1.5f, 3.0e-8f};
  e.embedding_model = "hash-3";
  std::vector<Example> batch = {e};
  ASSERT_TRUE(store_->InsertExamples(batch).ok());
  auto got = store_->GetExample(e.id, true);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->row_id, batch[0].row_id);
  EXPECT_EQ(got->client_id, e.client_id);
  EXPECT_EQ(got->expected_output_json, e.expected_output_json);
  EXPECT_EQ(got->explanation, e.explanation);
  EXPECT_EQ(got->databit_id, e.databit_id);
  EXPECT_EQ(got->function_name, e.function_name);
  EXPECT_EQ(got->difficulty, "hard");
  EXPECT_EQ(got->search_keys, e.search_keys);
  EXPECT_EQ(got->source, "imported");
  EXPECT_EQ(got->attribution_notes, e.attribution_notes);
  EXPECT_EQ(got->quality_score, 0.125);
  EXPECT_EQ(got->created_by, e.created_by);
  EXPECT_EQ(got->embedding, e.embedding);
  EXPECT_EQ(got->embedding_model, "hash-3");
  EXPECT_FALSE(got->last_used_at.has_value());
  auto by_client = store_->FindExampleByClientId("client-7");
  ASSERT_TRUE(by_client.ok() && by_client->has_value());
  EXPECT_EQ((*by_client)->id, e.id);
  EXPECT_FALSE(store_->FindExampleByClientId("nope")->has_value());
}

TEST_P(StoreTest, RowIdLookupsKeepTheRequestedOrderAndScanIsOrdered) {
  std::vector<Example> batch = {Make("a"), Make("b"), Make("c")};
  batch[1].embedding = {1.0f, 0.0f};
  batch[1].embedding_model = "m";
  ASSERT_TRUE(store_->InsertExamples(batch).ok());
  auto got = store_->GetExamplesByRowIds({batch[2].row_id, 999999, batch[0].row_id});
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->size(), 2u);
  EXPECT_EQ((*got)[0].id, batch[2].id);
  EXPECT_EQ((*got)[1].id, batch[0].id);
  std::vector<int64_t> rows;
  std::vector<size_t> dims;
  ASSERT_TRUE(store_->ScanExamples(true, [&](Example&& e) {
    rows.push_back(e.row_id);
    dims.push_back(e.embedding.size());
  }).ok());
  EXPECT_EQ(rows, (std::vector<int64_t>{batch[0].row_id, batch[1].row_id, batch[2].row_id}));
  EXPECT_EQ(dims, (std::vector<size_t>{0, 2, 0}));
}

TEST_P(StoreTest, EmbeddingsAreSetAndLogged) {
  std::vector<Example> batch = {Make("a")};
  ASSERT_TRUE(store_->InsertExamples(batch).ok());
  int64_t before = *store_->LatestChangeSeq();
  ASSERT_TRUE(store_->SetEmbeddings({{batch[0].id, {0.5f, 0.5f}}, {NewUuid(), {1.0f, 0.0f}}}, "m2").ok());
  EXPECT_EQ(*store_->LatestChangeSeq(), before + 1);  // the vanished id is skipped
  auto got = store_->GetExample(batch[0].id, true);
  EXPECT_EQ(got->embedding_model, "m2");
  EXPECT_EQ(got->embedding, (std::vector<float>{0.5f, 0.5f}));
}

TEST_P(StoreTest, ChangeLogRecordsOriginAndOrder) {
  auto other = OpenAnother();
  ASSERT_NE(other, nullptr);
  EXPECT_NE(store_->origin(), other->origin());
  std::vector<Example> a = {Make("a")};
  std::vector<Example> b = {Make("b")};
  ASSERT_TRUE(store_->InsertExamples(a).ok());
  ASSERT_TRUE(other->InsertExamples(b).ok());
  ASSERT_TRUE(store_->DeleteExample(b[0].id).ok());
  auto changes = other->ChangesSince(0, 10, "");
  ASSERT_TRUE(changes.ok());
  ASSERT_EQ(changes->size(), 3u);
  EXPECT_EQ((*changes)[0].origin, store_->origin());
  EXPECT_EQ((*changes)[1].origin, other->origin());
  EXPECT_EQ((*changes)[2].op, "delete");
  EXPECT_EQ((*changes)[2].row_id, b[0].row_id);
  EXPECT_LT((*changes)[0].seq, (*changes)[1].seq);
  EXPECT_EQ(other->ChangesSince((*changes)[1].seq, 10, "")->size(), 1u);
  auto foreign = other->ChangesSince(0, 10, other->origin());
  ASSERT_EQ(foreign->size(), 2u);  // store_'s insert and delete, not other's insert
  EXPECT_EQ((*foreign)[0].origin, store_->origin());
  EXPECT_EQ((*foreign)[1].op, "delete");
  EXPECT_EQ(*other->LatestChangeSeq(), (*changes)[2].seq);
}

TEST_P(StoreTest, WaitForChangeReturnsWithinItsTimeout) {
  auto start = std::chrono::steady_clock::now();
  store_->WaitForChange(std::chrono::milliseconds(200));
  auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_LT(waited, std::chrono::seconds(5));
  if (!postgres()) return;
  // PostgreSQL wakes the waiter when another connection commits a change.
  auto writer = OpenAnother();
  std::atomic<bool> woke{false};
  std::thread waiter([&] {
    store_->WaitForChange(std::chrono::milliseconds(10));  // subscribes
    store_->WaitForChange(std::chrono::seconds(20));
    woke = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  std::vector<Example> batch = {Make("a")};
  auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(writer->InsertExamples(batch).ok());
  waiter.join();
  EXPECT_TRUE(woke);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(10));
}

TEST_P(StoreTest, UsageWindowsAndGroups) {
  std::vector<Example> batch = {Make("a"), Make("b")};
  batch[1].function_name = "f";
  ASSERT_TRUE(store_->InsertExamples(batch).ok());
  const int64_t day = 86400000;
  UsageEvent old{0, batch[0].id, "tracked", "success", 1.0, 0.0};
  old.created_at = 10 * day + 5;
  UsageEvent recent{0, batch[1].id, "outcome", "failure", 0.0, 1.0};
  recent.created_at = 12 * day + 7;
  ASSERT_TRUE(store_->RecordUsage({old, recent}).ok());
  auto by_day = store_->AggregateUsage("day", 0, 13 * day, std::nullopt, std::nullopt);
  ASSERT_EQ(by_day->size(), 2u);
  EXPECT_EQ((*by_day)[0].key, "1970-01-11");
  EXPECT_EQ((*by_day)[1].key, "1970-01-13");
  auto by_fn = store_->AggregateUsage("function", 0, 13 * day, std::nullopt, std::string("f"));
  ASSERT_EQ(by_fn->size(), 1u);
  EXPECT_DOUBLE_EQ((*by_fn)[0].failures, 1.0);
  auto one = store_->ExampleUsage(batch[0].id, 10 * day, 11 * day);
  EXPECT_EQ(one->uses, 1);
  EXPECT_EQ(one->outcome_events, 1);
  EXPECT_EQ(store_->ExampleUsage(batch[0].id, 11 * day, 12 * day)->uses, 0);
  EXPECT_EQ(store_->GetExample(batch[0].id)->last_used_at, 10 * day + 5);
  EXPECT_EQ(store_->AggregateUsage("nope", 0, 1, std::nullopt, std::nullopt).status().code(),
            Code::kInvalidArgument);
}

TEST_P(StoreTest, BadTextIsRejectedWithoutPartialWrites) {
  std::vector<Example> batch = {Make("a"), Make("a")};
  batch[1].expected_output_json = "[1,";  // not JSON
  auto r = store_->InsertExamples(batch);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().code(), Code::kInternal) << r.status().ToString();
  EXPECT_EQ(*store_->CountExamples(), 0);
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });


}  // namespace
}  // namespace exemplar::storage
