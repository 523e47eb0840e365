// KeywordIndex::Save / Load: a loaded index answers exactly like the one saved (hits and scores),
// keeps working for writes, and a missing, stale or damaged file is refused with the index empty.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "index/keyword_index.h"

namespace exemplar::index {
namespace {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "keyword_snapshot_test-XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// A corpus with removals and re-upserts, so the saved index has dead documents and postings.
void Fill(KeywordIndex& index) {
  std::mt19937 rng(11);
  const char* words[] = {"crack", "scintillator", "voltage", "drift", "café", "東京", "solder", "void", "fan", "rpm",
                         "calibration", "peak", "cesium", "662", "kev", "corrosion", "flange", "bias"};
  for (uint64_t d = 0; d < 6000; ++d) {
    std::string text;
    const int length = 2 + static_cast<int>(rng() % 15);
    for (int i = 0; i < length; ++i) text += std::string(words[rng() % std::size(words)]) + " ";
    text += "doc" + std::to_string(d);  // a rare term per document
    index.Upsert(d, text);
  }
  for (uint64_t d = 0; d < 6000; d += 3) index.Remove(d);
  for (uint64_t d = 0; d < 6000; d += 7) index.Upsert(d, "voltage drift again doc" + std::to_string(d));
}

void ExpectSameAnswers(const KeywordIndex& a, const KeywordIndex& b) {
  ASSERT_EQ(a.size(), b.size());
  std::vector<uint64_t> allowed;
  for (uint64_t d = 0; d < 6000; d += 5) allowed.push_back(d);
  for (const char* q : {"crack scintillator", "voltage drift", "cafe", "東京 tower", "doc42", "doc7 doc8 solder",
                        "calibration peak cesium 662 kev", "nothing"}) {
    const std::vector<uint64_t>* none = nullptr;
    for (const std::vector<uint64_t>* filter : {none, static_cast<const std::vector<uint64_t>*>(&allowed)}) {
      const auto x = a.Search(q, 20, filter);
      const auto y = b.Search(q, 20, filter);
      ASSERT_EQ(x.size(), y.size()) << q;
      for (size_t i = 0; i < x.size(); ++i) {
        EXPECT_EQ(x[i].label, y[i].label) << q << " rank " << i;
        EXPECT_EQ(x[i].score, y[i].score) << q << " rank " << i;
      }
    }
  }
}

TEST(KeywordSnapshot, LoadedIndexAnswersLikeTheSavedOneAndKeepsWorking) {
  TempDir dir;
  KeywordIndex index;
  Fill(index);
  const std::string path = dir.File("k.keywords");
  ASSERT_TRUE(index.Save(path, 42).ok());
  KeywordIndex loaded;
  ASSERT_TRUE(loaded.Load(path, 42).ok());
  ExpectSameAnswers(index, loaded);
  // Writes after the load behave as on the original.
  for (KeywordIndex* k : {&index, &loaded}) {
    k->Upsert(100000, "brand new flange corrosion report");
    k->Remove(1);
    k->Upsert(2, "replaced text about a fan");
  }
  ExpectSameAnswers(index, loaded);
  EXPECT_EQ(loaded.Search("brand new", 1).at(0).label, 100000u);
}

TEST(KeywordSnapshot, MissingStaleOrDamagedFilesAreRefusedAndLeaveTheIndexEmpty) {
  TempDir dir;
  KeywordIndex index;
  Fill(index);
  const std::string path = dir.File("k.keywords");
  KeywordIndex target;
  auto expect_refused = [&](uint64_t seq, const std::string& what) {
    target.Upsert(1, "left over");
    const Status st = target.Load(path, seq);
    EXPECT_EQ(st.code(), Code::kFailedPrecondition) << what;
    EXPECT_EQ(target.size(), 0u) << what;
  };
  expect_refused(7, "missing file");
  ASSERT_TRUE(index.Save(path, 7).ok());
  expect_refused(8, "stale seq");
  const auto size = std::filesystem::file_size(path);
  for (uintmax_t at : {uintmax_t{0}, uintmax_t{20}, uintmax_t{60}, size / 2, size - 1}) {
    ASSERT_TRUE(index.Save(path, 7).ok());
    {
      std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
      f.seekg(static_cast<std::streamoff>(at));
      const char c = static_cast<char>(f.get());
      f.seekp(static_cast<std::streamoff>(at));
      f.put(static_cast<char>(c ^ 0x5A));
    }
    expect_refused(7, "byte flipped at " + std::to_string(at));
  }
  for (uintmax_t cut : {uintmax_t{0}, uintmax_t{30}, size / 3, size - 1}) {
    ASSERT_TRUE(index.Save(path, 7).ok());
    std::filesystem::resize_file(path, cut);
    expect_refused(7, "truncated to " + std::to_string(cut));
  }
  ASSERT_TRUE(index.Save(path, 7).ok());
  ASSERT_TRUE(target.Load(path, 7).ok());
  EXPECT_EQ(target.size(), index.size());
}

}  // namespace
}  // namespace exemplar::index
