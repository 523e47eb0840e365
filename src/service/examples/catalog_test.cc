// Catalog::Save / Load: a loaded catalog resolves every kind of filter, id and duplicate lookup
// exactly like the one saved, keeps working for writes, and a missing, stale or damaged file is
// refused with the catalog empty.
#include "service/examples/catalog.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <unordered_map>

namespace exemplar::service {
namespace {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "catalog_test-XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

Example Make(int64_t row) {
  Example e;
  e.row_id = row;
  e.id = "ex-" + std::to_string(row);
  e.input_json = R"({"text": "reading )" + std::to_string(row % 17) + R"(", "sensor": ")" +
                 (row % 2 ? "hpge" : "nai") + R"("})";
  e.expected_output_json = R"({"label": ")" + std::string(row % 3 ? "ok" : "fault") + R"("})";
  if (row % 4) e.databit_id = "tmpl-" + std::to_string(row % 4);
  e.domain = row % 5 ? "calibration" : "defect_detection";
  if (row % 6 == 0) e.function_name = "classify";
  e.difficulty = row % 3 ? "medium" : "hard";
  e.source = row % 7 ? "human_authored" : "synthetic";
  e.capability_tags = {row % 2 ? "vision" : "timeseries"};
  if (row % 3 == 0) e.capability_tags.push_back("gamma");
  if (row % 8) e.quality_score = 0.1 * static_cast<double>(row % 10);
  e.success_count = static_cast<double>(row % 4);
  e.failure_count = static_cast<double>(row % 3);
  if (row % 9 == 0) e.pii_flags = {"email"};
  if (row % 10) e.embedding_model = "hash";
  return e;
}

std::vector<storage::ExampleFilter> Filters() {
  std::vector<storage::ExampleFilter> out(12);
  out[0].domain = "calibration";
  out[1].databit_id = "tmpl-1";
  out[2].function_name = "classify";
  out[3].difficulty = "hard";
  out[4].source = "synthetic";
  out[5].tags_any = {"gamma", "nothing"};
  out[6].tags_all = {"vision", "gamma"};
  out[7].min_quality_score = 0.5;
  out[8].min_effectiveness_score = 0.6;
  out[9].content = {{false, "sensor", {"hpge"}}, {true, "label", {"fault"}}};
  out[10].pii = "email";
  out[11].ids = {"ex-3", "ex-4", "ex-5", "gone"};
  return out;
}

void ExpectSame(const Catalog& a, const Catalog& b) {
  ASSERT_EQ(a.size(), b.size());
  EXPECT_EQ(a.embedded(), b.embedded());
  EXPECT_EQ(a.RowIds(), b.RowIds());
  for (const auto& f : Filters()) EXPECT_EQ(a.Match(f), b.Match(f));
  const auto ra = a.Rows(), rb = b.Rows();
  ASSERT_EQ(ra.size(), rb.size());
  for (size_t i = 0; i < ra.size(); ++i) {
    EXPECT_EQ(ra[i].row_id, rb[i].row_id);
    EXPECT_EQ(ra[i].scope, rb[i].scope);
    EXPECT_EQ(ra[i].input_hash, rb[i].input_hash);
    EXPECT_EQ(ra[i].output_hash, rb[i].output_hash);
  }
  for (int64_t row = 1; row <= 320; ++row) {
    EXPECT_EQ(a.IdOf(row), b.IdOf(row));
    EXPECT_EQ(a.RowIdOf("ex-" + std::to_string(row)), b.RowIdOf("ex-" + std::to_string(row)));
    EXPECT_EQ(a.Effectiveness(row), b.Effectiveness(row));
    EXPECT_EQ(a.Evidence(row), b.Evidence(row));
  }
  const Example probe = Make(34);
  EXPECT_EQ(a.SameInput(probe).size(), b.SameInput(probe).size());
  EXPECT_EQ(a.ScopeOf(probe), b.ScopeOf(probe));
}

void Fill(Catalog& c) {
  for (int64_t row = 1; row <= 300; ++row) c.Upsert(Make(row));
  for (int64_t row = 1; row <= 300; row += 11) c.Remove(row);
  Example moved = Make(20);
  moved.domain = "moved";
  c.Upsert(moved);
  c.SetEvidence(30, 5, 1);
}

TEST(CatalogSnapshot, LoadedCatalogMatchesTheSavedOneAndKeepsWorking) {
  TempDir dir;
  Catalog catalog;
  Fill(catalog);
  ASSERT_GT(catalog.Match(Filters()[9])->size(), 0u);
  const std::string path = dir.File("c.catalog");
  ASSERT_TRUE(catalog.Save(path, 9).ok());
  Catalog loaded;
  ASSERT_TRUE(loaded.Load(path, 9).ok());
  ExpectSame(catalog, loaded);
  for (Catalog* c : {&catalog, &loaded}) {
    c->Upsert(Make(310));
    c->Remove(2);
    c->SetEvidence(5, 0, 4);
  }
  ExpectSame(catalog, loaded);
}

TEST(CatalogSnapshot, MissingStaleOrDamagedFilesAreRefusedAndLeaveTheCatalogEmpty) {
  TempDir dir;
  Catalog catalog;
  Fill(catalog);
  const std::string path = dir.File("c.catalog");
  Catalog target;
  auto expect_refused = [&](uint64_t seq, const std::string& what) {
    target.Upsert(Make(1));
    EXPECT_EQ(target.Load(path, seq).code(), Code::kFailedPrecondition) << what;
    EXPECT_EQ(target.size(), 0u) << what;
    EXPECT_FALSE(target.RowIdOf("ex-1")) << what;
  };
  expect_refused(3, "missing file");
  ASSERT_TRUE(catalog.Save(path, 3).ok());
  expect_refused(4, "stale seq");
  const auto size = std::filesystem::file_size(path);
  for (uintmax_t at : {uintmax_t{0}, uintmax_t{12}, uintmax_t{70}, size / 2, size - 1}) {
    ASSERT_TRUE(catalog.Save(path, 3).ok());
    {
      std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
      f.seekg(static_cast<std::streamoff>(at));
      const char c = static_cast<char>(f.get());
      f.seekp(static_cast<std::streamoff>(at));
      f.put(static_cast<char>(c ^ 0x21));
    }
    expect_refused(3, "byte flipped at " + std::to_string(at));
  }
  for (uintmax_t cut : {uintmax_t{0}, uintmax_t{30}, size / 3, size - 1}) {
    ASSERT_TRUE(catalog.Save(path, 3).ok());
    std::filesystem::resize_file(path, cut);
    expect_refused(3, "truncated to " + std::to_string(cut));
  }
}

}  // namespace
}  // namespace exemplar::service

namespace exemplar::service {
namespace {

// Ids are kept as 128 bits when they are canonical UUIDs (what the API stores) and as strings
// otherwise; both resolve both ways, through re-writes that change a row's id and removals.
TEST(CatalogIds, ResolveBothWaysForUuidsAndOtherStringsThroughRewritesAndRemovals) {
  const std::string u1 = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", u2 = "ffffffff-0000-4000-8000-000000000001";
  const std::string upper = "0A1B2C3D-4E5F-4A6B-8C7D-9E0F1A2B3C4D";  // not canonical: kept as a string
  Catalog c;
  auto put = [&](int64_t row, const std::string& id) {
    Example e = Make(row);
    e.id = id;
    c.Upsert(e);
  };
  put(1, u1);
  put(2, "ex-2");
  put(3, upper);
  EXPECT_EQ(c.RowIdOf(u1), 1);
  EXPECT_EQ(c.IdOf(1), u1);
  EXPECT_EQ(c.RowIdOf("ex-2"), 2);
  EXPECT_EQ(c.IdOf(2), "ex-2");
  EXPECT_EQ(c.RowIdOf(upper), 3);  // the exact string, not its lowercase twin
  EXPECT_EQ(c.IdOf(3), upper);
  EXPECT_EQ(c.RowIdOf("0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4e"), std::nullopt);
  EXPECT_EQ(c.RowIdOf(""), std::nullopt);

  put(1, "ex-1");  // UUID → string
  put(2, u2);      // string → UUID
  put(3, u1);      // string → the UUID row 1 gave up
  EXPECT_EQ(c.RowIdOf(u1), 3);
  EXPECT_EQ(c.RowIdOf("ex-1"), 1);
  EXPECT_EQ(c.RowIdOf(u2), 2);
  EXPECT_EQ(c.RowIdOf("ex-2"), std::nullopt);
  EXPECT_EQ(c.RowIdOf(upper), std::nullopt);
  EXPECT_EQ(c.IdOf(1), "ex-1");
  EXPECT_EQ(c.IdOf(3), u1);

  storage::ExampleFilter f;
  f.ids = {u1, u2, "ex-2", upper};
  EXPECT_EQ(c.Match(f), (std::vector<uint64_t>{2, 3}));

  c.Remove(3);
  c.Remove(1);
  EXPECT_EQ(c.RowIdOf(u1), std::nullopt);
  EXPECT_EQ(c.IdOf(3), std::nullopt);
  EXPECT_EQ(c.RowIdOf("ex-1"), std::nullopt);
  put(3, u1);  // a removed row written again
  EXPECT_EQ(c.RowIdOf(u1), 3);
  EXPECT_EQ(c.size(), 2u);

  TempDir dir;
  ASSERT_TRUE(c.Save(dir.File("catalog"), 5).ok());
  Catalog loaded;
  ASSERT_TRUE(loaded.Load(dir.File("catalog"), 5).ok());
  EXPECT_EQ(loaded.RowIdOf(u1), 3);
  EXPECT_EQ(loaded.IdOf(2), u2);
  EXPECT_EQ(loaded.RowIdOf("ex-1"), std::nullopt);
}

// Rewrites and removals drop entries' fields and ids, and compact the arrays holding them; every
// lookup still answers like a catalog that only ever saw the final rows.
TEST(CatalogIds, ChurnAnswersLikeACatalogOfTheFinalRows) {
  auto variant = [](int64_t row, int round) {
    Example e = Make(row + 17 * round);  // other content, tags and fields
    e.row_id = row;
    e.id = round % 2 ? "ex-" + std::to_string(row) : "00000000-0000-4000-8000-" + std::to_string(100000000000 + row);
    return e;
  };
  Catalog churned, fresh;
  for (int round = 0; round < 3; ++round) {
    for (int64_t row = 1; row <= 3000; ++row) churned.Upsert(variant(row, round));
    for (int64_t row = 1 + round; row <= 3000; row += 5) churned.Remove(row);
  }
  for (int64_t row = 1; row <= 3000; ++row) {
    if ((row - 3) % 5 != 0) fresh.Upsert(variant(row, 2));
  }
  // (Interned ids may differ: the two saw strings in another order. What they answer may not.)
  ASSERT_EQ(churned.size(), fresh.size());
  EXPECT_EQ(churned.embedded(), fresh.embedded());
  EXPECT_EQ(churned.RowIds(), fresh.RowIds());
  for (const auto& f : Filters()) EXPECT_EQ(churned.Match(f), fresh.Match(f));
  for (int64_t row = 1; row <= 3000; row += 7) {
    EXPECT_EQ(churned.Evidence(row), fresh.Evidence(row));
    EXPECT_EQ(churned.SameInput(variant(row, 2)).size(), fresh.SameInput(variant(row, 2)).size());
    EXPECT_EQ(churned.IdOf(row), fresh.IdOf(row));
    if (auto id = fresh.IdOf(row)) EXPECT_EQ(churned.RowIdOf(*id), row);
  }
  EXPECT_EQ(churned.RowIdOf("ex-5"), std::nullopt);  // round 1's id, rewritten in round 2
}

// Random inserts and erasures of (hash, row) pairs over few hashes (long runs, many rows to a
// hash), checked against std::unordered_multimap.
TEST(RowsByHash, AgreesWithUnorderedMultimapUnderChurn) {
  std::mt19937_64 rng(7);
  RowsByHash t;
  std::unordered_multimap<uint64_t, int64_t> ref;
  auto rows_of = [](auto&& each) {
    std::vector<int64_t> v;
    each([&](int64_t r) { v.push_back(r); });
    std::sort(v.begin(), v.end());
    return v;
  };
  for (int step = 0; step < 40000; ++step) {
    const uint64_t hash = rng() % 64 * 0x100000000ULL;  // only the high bits differ
    const auto row = static_cast<int64_t>(rng() % 200);
    if (rng() % 3) {
      t.Insert(hash, row);
      ref.emplace(hash, row);
    } else {
      bool had = false;
      auto [b, e] = ref.equal_range(hash);
      for (auto it = b; it != e; ++it) {
        if (it->second == row) {
          ref.erase(it);
          had = true;
          break;
        }
      }
      ASSERT_EQ(t.Erase(hash, row), had);
    }
    ASSERT_EQ(t.size(), ref.size());
    if (step % 500 == 0) {
      for (uint64_t h = 0; h < 64; ++h) {
        const uint64_t key = h * 0x100000000ULL;
        auto [b, e] = ref.equal_range(key);
        std::vector<int64_t> want;
        for (auto it = b; it != e; ++it) want.push_back(it->second);
        std::sort(want.begin(), want.end());
        ASSERT_EQ(rows_of([&](auto f) { t.ForEach(key, f); }), want);
      }
    }
  }
}

}  // namespace
}  // namespace exemplar::service
