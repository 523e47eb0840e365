// Storage conformance, data quality (issue #20): atomic bulk updates and deletes, PII flags and
// the row-id restriction of list filters, on SQLite and PostgreSQL.
#include "storage/store_fixture.h"

namespace exemplar::storage {
namespace {

TEST_P(StoreTest, BulkUpdateIsAllOrNothing) {
  std::vector<Example> batch = {Make("a"), Make("b")};
  ASSERT_TRUE(store_->InsertExamples(batch).ok());
  const int64_t seq = *store_->LatestChangeSeq();
  Example a = batch[0], b = batch[1];
  a.version = 2;
  a.domain = "a2";
  b.version = 3;  // stale: the stored version is 1, so this update must fail …
  b.domain = "b2";
  Status st = store_->UpdateExamples({{a, "{}"}, {b, "{}"}});
  EXPECT_EQ(st.code(), Code::kFailedPrecondition) << st.ToString();
  // … and take the first one with it.
  EXPECT_EQ(store_->GetExample(a.id)->domain, "a");
  EXPECT_EQ(store_->GetExample(a.id)->version, 1);
  EXPECT_TRUE(store_->ListExampleVersions(a.id)->empty());
  EXPECT_TRUE(store_->ChangesSince(seq, 10, "")->empty());

  b.version = 2;
  ASSERT_TRUE(store_->UpdateExamples({{a, R"({"v":1})"}, {b, R"({"v":1})"}}).ok());
  EXPECT_EQ(store_->GetExample(a.id)->domain, "a2");
  EXPECT_EQ(store_->GetExample(b.id)->domain, "b2");
  EXPECT_EQ(store_->ListExampleVersions(b.id)->size(), 1u);
  // Two change-log entries (PostgreSQL's sequence may have skipped numbers the rollback used).
  EXPECT_EQ(store_->ChangesSince(seq, 10, "")->size(), 2u);
}

TEST_P(StoreTest, BulkDeleteIsAllOrNothing) {
  std::vector<Example> batch = {Make("a"), Make("b"), Make("c")};
  ASSERT_TRUE(store_->InsertExamples(batch).ok());
  Status st = store_->DeleteExamples({batch[0].id, NewUuid()});
  EXPECT_TRUE(st.IsNotFound()) << st.ToString();
  EXPECT_EQ(*store_->CountExamples(), 3);
  ASSERT_TRUE(store_->DeleteExamples({batch[0].id, batch[1].id}).ok());
  EXPECT_EQ(*store_->CountExamples(), 1);
  auto changes = store_->ChangesSince(3, 10, "");
  ASSERT_TRUE(changes.ok());
  ASSERT_EQ(changes->size(), 2u);
  EXPECT_EQ((*changes)[0].op, "delete");
  EXPECT_EQ((*changes)[1].row_id, batch[1].row_id);
}

TEST_P(StoreTest, PiiFlagsAreStoredAndUpdated) {
  std::vector<Example> batch = {Make("a")};
  batch[0].pii_flags = {"email", "phone"};
  ASSERT_TRUE(store_->InsertExamples(batch).ok());
  EXPECT_EQ(store_->GetExample(batch[0].id)->pii_flags, (std::vector<std::string>{"email", "phone"}));
  Example next = batch[0];
  next.version = 2;
  next.pii_flags.clear();
  ASSERT_TRUE(store_->UpdateExample(next, "{}").ok());
  EXPECT_TRUE(store_->GetExample(batch[0].id)->pii_flags.empty());
  auto page = store_->ListExamples(ExampleFilter{}, ExampleSortKey::kCreatedAt, false, 0, 10);
  ASSERT_TRUE(page.ok());
  EXPECT_TRUE(page->examples[0].pii_flags.empty());
}

TEST_P(StoreTest, RowIdRestrictionOfAListFilter) {
  std::vector<Example> batch = {Make("a"), Make("a"), Make("a")};
  ASSERT_TRUE(store_->InsertExamples(batch).ok());
  ExampleFilter f;
  f.row_ids = std::vector<int64_t>{batch[0].row_id, batch[2].row_id};
  auto page = store_->ListExamples(f, ExampleSortKey::kCreatedAt, false, 0, 10);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  EXPECT_EQ(page->total, 2);
  ASSERT_EQ(page->examples.size(), 2u);
  EXPECT_EQ(page->examples[0].id, batch[0].id);
  EXPECT_EQ(page->examples[1].id, batch[2].id);
  f.row_ids = std::vector<int64_t>{};
  EXPECT_EQ(store_->ListExamples(f, ExampleSortKey::kCreatedAt, false, 0, 10)->total, 0);
  f.row_ids = std::vector<int64_t>{batch[1].row_id};
  f.domain = "b";
  EXPECT_EQ(store_->ListExamples(f, ExampleSortKey::kCreatedAt, false, 0, 10)->total, 0);
}

}  // namespace
}  // namespace exemplar::storage
