// Storage conformance, part 3: lists at any size, on SQLite and PostgreSQL. The list statements
// (storage/list_sql.h, the ones the stores execute) are planned with an index range and no sort,
// and walking a list with keyset cursors visits every row exactly once, in the same order as
// offset pages.
#include <SQLiteCpp/SQLiteCpp.h>

#include <pqxx/pqxx>

#include <set>

#include "storage/list_sql.h"
#include "storage/postgres/pg_store.h"
#include "storage/sqlite/row_mapping.h"
#include "storage/store_fixture.h"

namespace exemplar::storage {
namespace {

class StoreListsTest : public StoreTest {
 protected:
  // The query plan of a statement, one line per plan node.
  std::string Plan(const SqlStatement& st) {
    std::string plan;
    if (postgres()) {
      pqxx::connection c(pg_->url());
      pqxx::work tx(c);
      PgParams p;
      PgAddValues(p, st.values);
      for (const auto& row : p.Exec(tx, "EXPLAIN " + st.sql)) plan += row[0].as<std::string>() + "\n";
    } else {
      SQLite::Database db((dir_ / "exemplar.db").string(), SQLite::OPEN_READONLY);
      SQLite::Statement q(db, "EXPLAIN QUERY PLAN " + st.sql);
      BindValues(q, st.values);
      while (q.executeStep()) plan += q.getColumn(3).getString() + "\n";
    }
    return plan;
  }
  void Analyze() {
    if (postgres()) {
      pqxx::connection c(pg_->url());
      pqxx::nontransaction tx(c);
      tx.exec("ANALYZE");
    }
  }
  // Fails when the plan reads a whole table or sorts rows itself.
  void ExpectIndexedWithoutSort(const SqlStatement& st, const std::string& what) {
    std::string plan = Plan(st);
    SCOPED_TRACE(what + "\n" + st.sql + "\nplan:\n" + plan);
    if (postgres()) {
      EXPECT_EQ(plan.find("Seq Scan"), std::string::npos);
      EXPECT_EQ(plan.find("Sort"), std::string::npos);  // Sort, Incremental Sort
    } else {
      EXPECT_EQ(plan.find("TEMP B-TREE"), std::string::npos);
      // "SCAN t" alone reads the table; "SCAN t USING [COVERING] INDEX" walks an index in order
      // and stops at the LIMIT; "SEARCH" is a range.
      for (const char* table : {"examples", "templates", "dspy_runs"}) {
        std::string scan = std::string("SCAN ") + table;
        for (size_t at = plan.find(scan); at != std::string::npos; at = plan.find(scan, at + 1)) {
          EXPECT_EQ(plan.compare(at, scan.size() + 6, scan + " USING"), 0) << "full scan of " << table;
        }
      }
    }
  }
  // Examples with every shape of sort value: NULL and real effectiveness/quality, ties.
  void InsertExamples(int n) {
    for (int i = 0; i < 4; ++i) {  // the examples' templates exist (the insert checks them)
      Template t;
      t.id = "t" + std::to_string(i);
      t.name = "list template " + t.id;
      t.created_at = t.updated_at = NowMillis();
      if (store_->GetTemplate(t.id).status().IsNotFound()) ASSERT_TRUE(store_->InsertTemplate(t).ok());
    }
    std::vector<Example> batch;
    for (int i = 0; i < n; ++i) {
      Example e = Make(i % 3 == 0 ? "billing" : "support");
      e.databit_id = "t" + std::to_string(i % 4);
      if (i % 5 != 0) {
        e.success_count = i % 7;
        e.failure_count = i % 3;
      }
      if (i % 2 == 0) e.quality_score = (i % 10) / 10.0;
      e.usage_count = i % 4;
      e.created_at = 1'700'000'000'000 + (i / 3) * 1000;  // ties of three
      e.updated_at = e.created_at + i % 5;
      batch.push_back(e);
    }
    ASSERT_TRUE(store_->InsertExamples(batch).ok());
  }
};

std::vector<std::string> Ids(const std::vector<Example>& v) {
  std::vector<std::string> out;
  for (const auto& e : v) out.push_back(e.id);
  return out;
}

TEST_P(StoreListsTest, DefaultListAndCommonFiltersUseAnIndexWithoutSorting) {
  InsertExamples(3000);
  for (int i = 0; i < 600; ++i) {
    RunRecord r = MakeRun();
    r.template_id = "t" + std::to_string(i % 5);
    r.status = i % 2 ? "completed" : "pending";
    ASSERT_TRUE(store_->InsertRun(r).ok());
    Template t;
    t.id = NewUuid();
    t.name = "template " + std::to_string(i);
    t.status = i % 2 ? "published" : "draft";
    t.created_at = t.updated_at = NowMillis() + i;
    ASSERT_TRUE(store_->InsertTemplate(t).ok());
  }
  Analyze();
  const Dialect d = postgres() ? Dialect::kPostgres : Dialect::kSqlite;
  ExpectIndexedWithoutSort(DefaultExampleListSql(d), "default list, first leg");
  ExampleListQuery q;
  ExpectIndexedWithoutSort(ExampleListSql(d, q, ListLeg::kNulls, 21, 0), "default list, null leg");
  q.after = ExampleCursor{0.6, 1500};
  ExpectIndexedWithoutSort(ExampleListSql(d, q, ListLeg::kValues, 21, 0), "default list after a cursor");
  q.after = ExampleCursor{std::nullopt, 1500};
  ExpectIndexedWithoutSort(ExampleListSql(d, q, ListLeg::kNulls, 21, 0), "default list after a null-leg cursor");
  q.after.reset();
  q.filter.databit_id = "t1";
  ExpectIndexedWithoutSort(ExampleListSql(d, q, ListLeg::kValues, 21, 0), "examples of one template");
  ExpectIndexedWithoutSort(ExampleListSql(d, q, ListLeg::kNulls, 21, 0), "examples of one template, null leg");
  q.filter = {};
  q.filter.domain = "billing";
  ExpectIndexedWithoutSort(ExampleListSql(d, q, ListLeg::kValues, 21, 0), "examples of one domain");
  for (ExampleSortKey k : {ExampleSortKey::kQuality, ExampleSortKey::kUsage, ExampleSortKey::kCreatedAt,
                           ExampleSortKey::kUpdatedAt}) {
    for (bool desc : {true, false}) {
      ExampleListQuery s;
      s.sort = k;
      s.desc = desc;
      s.after = ExampleCursor{1.0, 1500};
      ExpectIndexedWithoutSort(ExampleListSql(d, s, ListLeg::kValues, 21, 0),
                               std::string("sort by ") + SortColumn(k) + (desc ? " desc" : " asc"));
    }
  }
  KeyedList runs{"dspy_runs", kRunColumns, "created_at", {}, std::nullopt};
  ExpectIndexedWithoutSort(KeyedListSql(d, runs, std::nullopt, 21, 0), "runs");
  ExpectIndexedWithoutSort(KeyedListSql(d, runs, KeyCursor{NowMillis(), "m"}, 21, 0), "runs after a cursor");
  runs.equals = {{"template_id", "t1"}};
  ExpectIndexedWithoutSort(KeyedListSql(d, runs, std::nullopt, 21, 0), "runs of a template");
  KeyedList templates{"templates", kTemplateColumns, "updated_at", {}, std::nullopt};
  ExpectIndexedWithoutSort(KeyedListSql(d, templates, std::nullopt, 21, 0), "templates");
  templates.equals = {{"status", "draft"}};
  ExpectIndexedWithoutSort(KeyedListSql(d, templates, KeyCursor{NowMillis(), "m"}, 21, 0), "drafts after a cursor");
}

TEST_P(StoreListsTest, CursorWalkMatchesOffsetPagesForEverySort) {
  InsertExamples(61);
  for (ExampleSortKey k : {ExampleSortKey::kEffectiveness, ExampleSortKey::kQuality, ExampleSortKey::kUsage,
                           ExampleSortKey::kCreatedAt, ExampleSortKey::kUpdatedAt}) {
    for (bool desc : {true, false}) {
      SCOPED_TRACE(std::string(SortColumn(k)) + (desc ? " desc" : " asc"));
      ExampleListQuery all;
      all.sort = k;
      all.desc = desc;
      all.limit = 1000;
      auto whole = store_->ListExamples(all);
      ASSERT_TRUE(whole.ok()) << whole.status().ToString();
      ASSERT_EQ(whole->examples.size(), 61u);
      EXPECT_FALSE(whole->next.has_value());
      // The order: values in the direction asked, rows without a value last.
      for (size_t i = 1; i < whole->examples.size(); ++i) {
        const Example& a = whole->examples[i - 1];
        const Example& b = whole->examples[i];
        auto value = [&](const Example& e) -> std::optional<double> {
          switch (k) {
            case ExampleSortKey::kEffectiveness: return e.effectiveness_score();
            case ExampleSortKey::kQuality: return e.quality_score;
            case ExampleSortKey::kUsage: return static_cast<double>(e.usage_count);
            case ExampleSortKey::kCreatedAt: return static_cast<double>(e.created_at);
            case ExampleSortKey::kUpdatedAt: return static_cast<double>(e.updated_at);
          }
          return std::nullopt;
        };
        auto va = value(a), vb = value(b);
        if (!va) {
          EXPECT_FALSE(vb.has_value()) << "a row without a value before one with a value";
        } else if (vb) {
          EXPECT_TRUE(desc ? *va >= *vb - 1e-12 : *va <= *vb + 1e-12) << *va << " then " << *vb;
        }
      }
      // Keyset walk: 7 at a time, every row once, the same order.
      std::vector<std::string> walked;
      ExampleListQuery q = all;
      q.limit = 7;
      for (int guard = 0; guard < 20; ++guard) {
        auto page = store_->ListExamples(q);
        ASSERT_TRUE(page.ok()) << page.status().ToString();
        EXPECT_EQ(page->total, 61);
        for (const auto& e : page->examples) walked.push_back(e.id);
        if (!page->next) break;
        EXPECT_EQ(page->examples.size(), 7u);
        q.after = page->next;
      }
      EXPECT_EQ(walked, Ids(whole->examples));
      // Offset pages, including one that starts in the rows without a value.
      for (int64_t offset : {0, 7, 35, 49, 56, 60, 61, 70}) {
        ExampleListQuery o = all;
        o.offset = offset;
        o.limit = 7;
        auto page = store_->ListExamples(o);
        ASSERT_TRUE(page.ok());
        std::vector<std::string> want;
        for (int64_t i = offset; i < std::min<int64_t>(offset + 7, 61); ++i) want.push_back(whole->examples[i].id);
        EXPECT_EQ(Ids(page->examples), want) << "offset " << offset;
      }
    }
  }
}

TEST_P(StoreListsTest, RunAndTemplateCursorsVisitEveryRowOnceNewestFirst) {
  std::set<std::string> inserted;
  for (int i = 0; i < 23; ++i) {
    RunRecord r = MakeRun();
    r.created_at = 1'700'000'000'000 + (i / 4) * 10;  // ties of four
    r.template_id = i % 2 ? "odd" : "even";
    ASSERT_TRUE(store_->InsertRun(r).ok());
    inserted.insert(r.id);
  }
  std::vector<RunRecord> walked;
  RunListQuery q;
  q.limit = 5;
  for (int guard = 0; guard < 10; ++guard) {
    auto page = store_->ListRuns(q);
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    EXPECT_EQ(page->total, 23);
    walked.insert(walked.end(), page->items.begin(), page->items.end());
    if (!page->next) break;
    q.after = page->next;
  }
  ASSERT_EQ(walked.size(), 23u);
  std::set<std::string> seen;
  for (size_t i = 0; i < walked.size(); ++i) {
    EXPECT_TRUE(seen.insert(walked[i].id).second) << "run listed twice";
    if (i > 0) {
      EXPECT_TRUE(walked[i - 1].created_at > walked[i].created_at ||
                  (walked[i - 1].created_at == walked[i].created_at && walked[i - 1].id > walked[i].id));
    }
  }
  EXPECT_EQ(seen, inserted);
  RunListQuery odd;
  odd.template_id = "odd";
  odd.limit = 100;
  EXPECT_EQ(store_->ListRuns(odd)->items.size(), 11u);

  for (int i = 0; i < 9; ++i) {
    Template t;
    t.id = NewUuid();
    t.name = i % 3 ? "Classifier " + std::to_string(i) : "other " + std::to_string(i);
    t.created_at = t.updated_at = 1'700'000'000'000 + i / 2;
    ASSERT_TRUE(store_->InsertTemplate(t).ok());
  }
  TemplateListQuery tq;
  tq.search = "CLASS";
  tq.limit = 2;
  std::vector<std::string> names;
  for (int guard = 0; guard < 10; ++guard) {
    auto page = store_->ListTemplates(tq);
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    EXPECT_EQ(page->total, 6);
    for (const auto& t : page->items) names.push_back(t.name);
    if (!page->next) break;
    tq.after = page->next;
  }
  EXPECT_EQ(names.size(), 6u);
  EXPECT_EQ(std::set<std::string>(names.begin(), names.end()).size(), 6u);
}

// Every create with a client_id no live example has looks among the tombstones for it; a plan
// that read them all made writes slow down with every delete (review s22: 45x after 5,000). The
// planner is told to avoid full scans where it can: with the index it can, without it cannot.
TEST_P(StoreListsTest, ATombstoneIsFoundByItsClientIdThroughAnIndex) {
  std::string plan;
  if (postgres()) {
    pqxx::connection c(pg_->url());
    pqxx::work tx(c);
    tx.exec("SET LOCAL enable_seqscan = off");
    for (const auto& row : tx.exec("EXPLAIN SELECT id FROM example_tombstones WHERE client_id = 'x'")) {
      plan += row[0].as<std::string>() + "\n";
    }
    EXPECT_EQ(plan.find("Seq Scan"), std::string::npos) << plan;
  } else {
    SQLite::Database db((dir_ / "exemplar.db").string(), SQLite::OPEN_READONLY);
    SQLite::Statement q(db, "EXPLAIN QUERY PLAN SELECT id FROM example_tombstones WHERE client_id = ?");
    q.bind(1, "x");
    while (q.executeStep()) plan += q.getColumn(3).getString() + "\n";
    EXPECT_NE(plan.find("USING INDEX example_tombstones_by_client_id"), std::string::npos) << plan;
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreListsTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });


// A database a newer exemplar migrated (a migration this binary does not know) was served as if
// it were current: an older binary, after a rollback, would read and write a schema it does not
// understand. Opening it is refused, naming the migration.
TEST_P(StoreTest, ADatabaseANewerExemplarMigratedIsRefused) {
  store_.reset();
  const char* kFuture = "INSERT INTO schema_migrations(version, name, applied_at) VALUES (9999, '9999_future', 0)";
  if (postgres()) {
    pqxx::connection c(pg_->url());
    pqxx::work tx(c);
    tx.exec(kFuture);
    tx.commit();
  } else {
    SQLite::Database db((dir_ / "exemplar.db").string(), SQLite::OPEN_READWRITE);
    db.exec(kFuture);
  }
  auto reopened = postgres() ? OpenPostgresStore(pg_->url(), 2) : OpenSqliteStore((dir_ / "exemplar.db").string());
  ASSERT_FALSE(reopened.ok());
  EXPECT_NE(reopened.status().message().find("migration 9999 (9999_future)"), std::string::npos)
      << reopened.status().message();
  EXPECT_NE(reopened.status().message().find("a newer exemplar"), std::string::npos);
}

}  // namespace
}  // namespace exemplar::storage
