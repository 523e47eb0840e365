// Provenance storage on both backends (issue 19): tombstones move rows out of every read path and
// back, purge keeps only hashes, the audit entry of an AuditScope commits with the scope's first
// write (and not with a rolled-back one), snapshots, closable lineage edges, member_of edges
// written with the example row.
#include <SQLiteCpp/SQLiteCpp.h>

#include <map>

#include "storage/audit_context.h"
#include "store_fixture.h"

namespace exemplar::storage {
namespace {

TEST_P(StoreTest, TombstoneHidesRestoreBringsBackPurgeKeepsHashes) {
  std::vector<Example> batch{Make("tomb")};
  ASSERT_TRUE(store_->InsertExamples(batch).ok());
  Example e = batch[0];
  Example next = e;
  next.version = 2;
  next.input_json = R"({"q":"secret v2"})";
  ASSERT_TRUE(store_->UpdateExample(next, R"({"input":{"q":"x"},"version":1})").ok());
  const int64_t seq = *store_->LatestChangeSeq();

  ASSERT_TRUE(store_->TombstoneExample(e.id, "hash-v2", std::string("alice")).ok());
  EXPECT_TRUE(store_->GetExample(e.id).status().IsNotFound());
  EXPECT_EQ(*store_->CountExamples(), 0);
  EXPECT_EQ(store_->ListExamples(ExampleFilter{}, ExampleSortKey::kCreatedAt, false, 0, 10)->total, 0);
  auto changes = *store_->ChangesSince(seq, 10, "");
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].op, "delete");
  EXPECT_EQ(changes[0].row_id, e.row_id);
  auto kept = store_->GetExampleIncludingDeleted(e.id);
  ASSERT_TRUE(kept.ok());
  EXPECT_TRUE(kept->deleted_at.has_value());
  EXPECT_EQ(kept->version, 2);
  EXPECT_EQ(kept->input_json, R"({"q":"secret v2"})");
  EXPECT_EQ(store_->ListExampleVersions(e.id)->size(), 1u);
  EXPECT_TRUE(store_->TombstoneExample(e.id, "h", std::nullopt).IsNotFound());

  auto restored = store_->RestoreExample(e.id);
  ASSERT_TRUE(restored.ok()) << restored.status().ToString();
  EXPECT_EQ(restored->row_id, e.row_id);
  EXPECT_EQ(restored->version, 2);
  EXPECT_EQ(*store_->CountExamples(), 1);
  EXPECT_TRUE(store_->RestoreExample(e.id).status().IsNotFound());

  // Purge a live example: tombstoned and erased in one transaction.
  ASSERT_TRUE(store_->PurgeExample(e.id, "hash-v2", {{1, "hash-v1", "io-hash-v1"}, {2, "hash-v2", "io-hash-v2"}}, std::nullopt, {}).ok());
  auto gone = store_->GetExampleIncludingDeleted(e.id);
  ASSERT_TRUE(gone.ok());
  EXPECT_TRUE(gone->purged_at.has_value());
  EXPECT_EQ(gone->input_json, "{}");
  EXPECT_EQ(gone->content_hash, "hash-v2");
  auto versions = *store_->ListExampleVersions(e.id);
  ASSERT_EQ(versions.size(), 2u);  // history had version 1; the current version's hashes get a row (newest first)
  EXPECT_EQ(versions[0].version, 2);
  EXPECT_NE(versions[0].snapshot_json.find("\"io_hash\":\"io-hash-v2\""), std::string::npos) << versions[0].snapshot_json;
  EXPECT_NE(versions[1].snapshot_json.find("hash-v1"), std::string::npos);
  EXPECT_NE(versions[1].snapshot_json.find("\"io_hash\":\"io-hash-v1\""), std::string::npos) << versions[1].snapshot_json;
  for (const auto& v : versions) EXPECT_EQ(v.snapshot_json.find("\"q\""), std::string::npos);
  auto page = store_->ListExampleVersionPage(e.id, 1, 5);  // a page: after the newest, newest first
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  EXPECT_EQ(page->total, 2);
  ASSERT_EQ(page->versions.size(), 1u);
  EXPECT_EQ(page->versions[0].version, 1);
  EXPECT_EQ(store_->ListExampleVersionPage(e.id, 0, 1)->versions[0].version, 2);
  EXPECT_EQ(store_->RestoreExample(e.id).status().code(), Code::kFailedPrecondition);
  EXPECT_TRUE(store_->PurgeExample(NewUuid(), "h", {}, std::nullopt, {}).IsNotFound());
}

// A row id is an example's index label for good: a new example never takes a deleted one's (the
// top row's id was handed out again on SQLite, and the deleted example could not be restored).
TEST_P(StoreTest, RowIdsOfDeletedExamplesAreNotHandedOutAgain) {
  std::vector<Example> first{Make("a"), Make("b")};
  ASSERT_TRUE(store_->InsertExamples(first).ok());
  const Example top = first[1];
  ASSERT_TRUE(store_->TombstoneExample(top.id, "h", std::nullopt).ok());
  std::vector<Example> later{Make("c")};
  ASSERT_TRUE(store_->InsertExamples(later).ok());
  EXPECT_GT(later[0].row_id, top.row_id);
  Open();  // the highest id is read from the database, not kept in memory
  std::vector<Example> after_restart{Make("d")};
  ASSERT_TRUE(store_->InsertExamples(after_restart).ok());
  EXPECT_GT(after_restart[0].row_id, later[0].row_id);
  auto restored = store_->RestoreExample(top.id);
  ASSERT_TRUE(restored.ok()) << restored.status().ToString();
  EXPECT_EQ(restored->row_id, top.row_id);
  if (postgres()) return;
  // A SQLite store written before the fix may hold a tombstone whose row id a live example took:
  // its restore takes a fresh one.
  ASSERT_TRUE(store_->TombstoneExample(top.id, "h", std::nullopt).ok());
  {
    SQLite::Database db((dir_ / "exemplar.db").string(), SQLite::OPEN_READWRITE);
    SQLite::Statement q(db, "UPDATE example_tombstones SET row_id = ? WHERE id = ?");
    q.bind(1, after_restart[0].row_id);
    q.bind(2, top.id);
    ASSERT_EQ(q.exec(), 1);
  }
  auto fresh = store_->RestoreExample(top.id);
  ASSERT_TRUE(fresh.ok()) << fresh.status().ToString();
  EXPECT_GT(fresh->row_id, after_restart[0].row_id);
  EXPECT_EQ(store_->GetExample(after_restart[0].id)->row_id, after_restart[0].row_id);
  EXPECT_EQ(*store_->CountExamples(), 4);
}

// A purge rewrites, in its transaction, the templates whose inline examples name the example or
// that a demo edge links to it (told which), and the runs whose best program names it.
TEST_P(StoreTest, PurgeRewritesTheCopiesOtherRecordsHold) {
  std::vector<Example> batch{Make("copied")};
  ASSERT_TRUE(store_->InsertExamples(batch).ok());
  const std::string id = batch[0].id;
  auto make_template = [&](const std::string& name, const std::string& examples) {
    Template t;
    t.id = NewUuid();
    t.name = name;
    t.examples_json = examples;
    t.created_at = t.updated_at = NowMillis();
    EXPECT_TRUE(store_->InsertTemplate(t).ok());
    return t.id;
  };
  const std::string naming = make_template("naming", R"([{"example_id":")" + id + R"(","input":{"q":"x"}}])");
  const std::string linked = make_template("linked", R"([{"input":{"q":"x"}}])");
  const std::string closed = make_template("closed", R"([{"input":{"q":"x"}}])");
  const std::string other = make_template("other", R"([{"input":{"q":"y"}}])");
  ASSERT_TRUE(store_->InsertEdges({{"example", id, "template", linked, "demo_of", NowMillis()},
                                   {"example", id, "template", closed, "bootstrapped_from", NowMillis()}})
                  .ok());
  ASSERT_TRUE(store_->CloseEdges({{"example", id, "template", closed, "bootstrapped_from"}}, NowMillis()).ok());
  RunRecord with = MakeRun(), without = MakeRun();
  with.best_program_json = R"({"demos":[{"example_id":")" + id + R"(","fields":{"q":"x"}}]})";
  without.best_program_json = R"({"demos":[]})";
  ASSERT_TRUE(store_->InsertRun(with).ok());
  ASSERT_TRUE(store_->InsertRun(without).ok());

  std::map<std::string, bool> offered;  // examples text → linked
  std::vector<std::string> programs;
  PurgeRewrites rewrites;
  rewrites.template_examples = [&](const std::string& examples, bool is_linked) -> std::optional<std::string> {
    offered[examples] = is_linked;
    return "[\"scrubbed\"]";
  };
  rewrites.run_program = [&](const std::string& program) -> std::optional<std::string> {
    programs.push_back(program);
    return R"({"scrubbed":true})";
  };
  ASSERT_TRUE(store_->PurgeExample(id, "h", {}, std::nullopt, rewrites).ok());
  ASSERT_EQ(offered.size(), 2u);  // naming and linked: not closed (its edge ended), not other
  EXPECT_EQ(store_->GetTemplate(naming)->examples_json, "[\"scrubbed\"]");
  EXPECT_EQ(store_->GetTemplate(linked)->examples_json, "[\"scrubbed\"]");
  EXPECT_EQ(store_->GetTemplate(closed)->examples_json, R"([{"input":{"q":"x"}}])");
  EXPECT_EQ(store_->GetTemplate(other)->examples_json, R"([{"input":{"q":"y"}}])");
  int linked_offers = 0;
  for (const auto& [text, is_linked] : offered) linked_offers += is_linked ? 1 : 0;
  EXPECT_EQ(linked_offers, 1);
  EXPECT_EQ(programs, std::vector<std::string>{*with.best_program_json});
  EXPECT_EQ(store_->GetRun(with.id)->best_program_json, R"({"scrubbed":true})");
  EXPECT_EQ(store_->GetRun(without.id)->best_program_json, without.best_program_json);
}

TEST_P(StoreTest, AuditEntryCommitsWithTheFirstWriteOnly) {
  AuditRecord entry;
  entry.actor = "tester";
  entry.action = "POST /api/v1/examples";
  entry.entity = "example";
  entry.entity_ids = {"a"};
  {
    AuditScope scope(entry);
    // A failed write (duplicate snapshot id) rolls back and leaves the entry pending.
    SnapshotRecord s;
    s.id = NewUuid();
    s.name = "first";
    s.created_at = NowMillis();
    ASSERT_TRUE(store_->InsertSnapshot(s, {{"e1", 1, "h1"}}).ok());
    EXPECT_TRUE(scope.written());
    std::vector<Example> batch{Make("audited")};
    ASSERT_TRUE(store_->InsertExamples(batch).ok());  // a second write does not repeat it
  }
  {
    AuditScope scope(entry);
    SnapshotRecord dup;
    dup.id = NewUuid();
    dup.name = "dup items";
    dup.created_at = NowMillis();
    EXPECT_FALSE(store_->InsertSnapshot(dup, {{"e1", 1, "h"}, {"e1", 2, "h"}}).ok());  // duplicate item: rolled back
    EXPECT_FALSE(scope.written());
  }
  auto all = *store_->ListAudit(AuditQuery{});
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].actor, "tester");
  EXPECT_EQ(all[0].entity_ids, std::vector<std::string>{"a"});
  AuditQuery by_id;
  by_id.entity_id = "a";
  EXPECT_EQ(store_->ListAudit(by_id)->size(), 1u);
  by_id.entity_id = "b";
  EXPECT_EQ(store_->ListAudit(by_id)->size(), 0u);
  AuditRecord old = entry;
  old.at = 1000;
  ASSERT_TRUE(store_->AppendAudit({old}).ok());
  EXPECT_EQ(*store_->PurgeAuditBefore(2000), 1);
  EXPECT_EQ(store_->ListAudit(AuditQuery{})->size(), 1u);
}

// A snapshot read a page at a time (exports, diffs): pages after an example id, in byte order on
// both stores (PostgreSQL's collation would put "B" after "a-b" and ignore the dash).
TEST_P(StoreTest, SnapshotItemsArePagedByExampleIdInByteOrder) {
  SnapshotRecord s;
  s.id = NewUuid();
  s.name = "paged";
  s.selection_json = R"({"filter":{}})";
  s.item_count = 5;
  s.created_at = NowMillis();
  ASSERT_TRUE(store_->InsertSnapshot(s, {{"ab", 1, "h1"}, {"a0", 2, "h2"}, {"B", 3, "h3"}, {"a-b", 4, "h4"}, {"b", 5, "h5"}}).ok());
  std::vector<std::string> order;
  const auto all = *store_->ListSnapshotItems(s.id);
  for (const auto& it : all) order.push_back(it.example_id);
  EXPECT_EQ(order, (std::vector<std::string>{"B", "a-b", "a0", "ab", "b"}));
  std::vector<std::string> paged;
  std::string after;
  for (int pages = 0; pages < 10; ++pages) {
    auto page = *store_->ListSnapshotItemsAfter(s.id, after, 2);
    EXPECT_LE(page.size(), 2u);
    if (page.empty()) break;
    for (const auto& it : page) paged.push_back(it.example_id);
    after = page.back().example_id;
  }
  EXPECT_EQ(paged, order);
  auto first = *store_->ListSnapshotItemsAfter(s.id, "", 1);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].version, 3);
  EXPECT_EQ(first[0].content_hash, "h3");
  EXPECT_TRUE(store_->ListSnapshotItemsAfter(NewUuid(), "", 10)->empty());
}

TEST_P(StoreTest, SnapshotsAndClosableEdges) {
  SnapshotRecord s;
  s.id = NewUuid();
  s.name = "frozen";
  s.template_id = "t1";
  s.selection_json = R"({"filter":{}})";
  s.item_count = 2;
  s.created_at = NowMillis();
  ASSERT_TRUE(store_->InsertSnapshot(s, {{"b", 2, "hb"}, {"a", 1, "ha"}}).ok());
  auto got = store_->GetSnapshot(s.id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->template_id, "t1");
  EXPECT_FALSE(got->created_by.has_value());
  auto items = *store_->ListSnapshotItems(s.id);
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].example_id, "a");  // ordered by example id
  EXPECT_EQ(store_->ListSnapshots(0, 10)->total, 1);
  EXPECT_TRUE(store_->GetSnapshot(NewUuid()).status().IsNotFound());

  LineageEdge member{"example", "e", "template", "t", "member_of", NowMillis()};
  member.example_version = 3;
  ASSERT_TRUE(store_->InsertEdges({member}).ok());
  ASSERT_TRUE(store_->CloseEdges({member}, 42).ok());
  auto edges = *store_->EdgesTouching({{"template", "t"}}, true);
  ASSERT_EQ(edges.size(), 1u);
  EXPECT_EQ(edges[0].closed_at, 42);
  EXPECT_EQ(edges[0].example_version, 3);
  member.example_version = 4;
  ASSERT_TRUE(store_->InsertEdges({member}).ok());  // reopened, newer version
  edges = *store_->EdgesTouching({{"template", "t"}}, true);
  ASSERT_EQ(edges.size(), 1u);
  EXPECT_FALSE(edges[0].closed_at.has_value());
  EXPECT_EQ(edges[0].example_version, 4);
  EXPECT_FALSE(*store_->BackfillDone("x"));
  ASSERT_TRUE(store_->MarkBackfillDone("x").ok());
  ASSERT_TRUE(store_->MarkBackfillDone("x").ok());
  EXPECT_TRUE(*store_->BackfillDone("x"));
}

// The member_of edge is written with the example row (review s22 ops P1-2): insert opens it, an
// update that moves the example closes it and opens the new one, an update in place refreshes its
// version, and AddMissingMemberships gives back what an older build left out, once.
TEST_P(StoreTest, MembershipEdgeIsWrittenWithTheExampleRow) {
  for (const char* id : {"t-from", "t-to"}) {
    Template t;
    t.id = t.name = id;
    t.created_at = t.updated_at = NowMillis();
    ASSERT_TRUE(store_->InsertTemplate(t).ok());
  }
  auto open_members = [&](const std::string& example_id) {
    std::map<std::string, int64_t> out;  // template → example_version
    for (const auto& e : *store_->EdgesTouching({{"example", example_id}}, false)) {
      if (e.type == "member_of" && !e.closed_at) out[e.target_id] = e.example_version.value_or(-1);
    }
    return out;
  };
  Example e = Make("member", "member-1");
  e.databit_id = "t-from";
  std::vector<Example> batch{e, Make("loose")};
  ASSERT_TRUE(store_->InsertExamples(batch).ok());
  EXPECT_EQ(open_members(e.id), (std::map<std::string, int64_t>{{"t-from", 1}}));
  EXPECT_TRUE(open_members(batch[1].id).empty());

  Example moved = batch[0];
  moved.version = 2;
  moved.databit_id = "t-to";
  ASSERT_TRUE(store_->UpdateExample(moved, "{}").ok());
  EXPECT_EQ(open_members(e.id), (std::map<std::string, int64_t>{{"t-to", 2}}));
  Example edited = moved;
  edited.version = 3;
  edited.explanation = "edited in place";
  ASSERT_TRUE(store_->UpdateExamples({{edited, "{}"}}).ok());
  EXPECT_EQ(open_members(e.id), (std::map<std::string, int64_t>{{"t-to", 3}}));

  // An example without its edge (as an older build left it): the retried insert gives it back.
  ASSERT_TRUE(store_->CloseEdges({{"example", e.id, "template", "t-to", "member_of"}}, NowMillis()).ok());
  EXPECT_TRUE(open_members(e.id).empty());
  std::vector<Example> retry{e};
  auto again = store_->InsertExamples(retry);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE((*again)[0].created);
  EXPECT_EQ(open_members(e.id), (std::map<std::string, int64_t>{{"t-to", 3}}));
  ASSERT_TRUE(store_->CloseEdges({{"example", e.id, "template", "t-to", "member_of"}}, NowMillis()).ok());
  EXPECT_EQ(*store_->AddMissingMemberships(), 1);
  EXPECT_EQ(*store_->AddMissingMemberships(), 0);
  EXPECT_EQ(open_members(e.id), (std::map<std::string, int64_t>{{"t-to", 3}}));
}

}  // namespace
}  // namespace exemplar::storage
