// The storage conformance fixture: each test runs against SQLite (a real file) and PostgreSQL (a
// fresh database on the throwaway server started by the ctest fixture `pg`), so both
// implementations keep one contract. Tests: store_conformance_test.cc (examples, usage, change
// log), store_runs_conformance_test.cc (runs, claims, tokens, connections),
// store_lists_conformance_test.cc (list plans and cursors) and store_retention_conformance_test.cc
// (pruning usage evidence).
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>

#include "common/ids.h"
#include "common/time.h"
#include "storage/store.h"
#include "testing/pg_test_db.h"

namespace exemplar::storage {

class StoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (postgres()) {
      pg_ = std::make_unique<testing::PgTestDb>();
    } else {
      dir_ = std::filesystem::path(::testing::TempDir()) / ("store_" + NewUuid());
      std::filesystem::create_directories(dir_);
    }
    Open();
  }
  void TearDown() override {
    store_.reset();
    pg_.reset();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  bool postgres() const { return GetParam() == "postgres"; }
  // Opens (again) on the same database, as a restarted process or another replica would.
  std::unique_ptr<Store> OpenAnother() {
    auto s = postgres() ? OpenPostgresStore(pg_->url(), 4) : OpenSqliteStore((dir_ / "exemplar.db").string());
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(s).value() : nullptr;
  }
  void Open() {
    store_.reset();
    store_ = OpenAnother();
    ASSERT_NE(store_, nullptr);
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
  RunRecord MakeRun() {
    RunRecord r;
    r.id = NewUuid();
    r.template_id = "t1";
    r.config_json = R"({"optimizer_type":"LabeledFewShot"})";
    r.created_at = NowMillis();
    return r;
  }
  std::filesystem::path dir_;
  std::unique_ptr<testing::PgTestDb> pg_;
  std::unique_ptr<Store> store_;
};

}  // namespace exemplar::storage
