// The SQLite page caches follow the operator's configuration (sqlite_cache_mb for the writer,
// sqlite_reader_cache_mb for each reader), on a real database file.
#include <gtest/gtest.h>

#include <filesystem>

#include "common/ids.h"
#include "storage/sqlite/connection_pool.h"
#include "storage/store.h"

namespace exemplar::storage {
namespace {

TEST(SqliteCache, WriterAndReadersUseTheConfiguredSizes) {
  const auto dir = std::filesystem::temp_directory_path() / ("exemplar_cache_" + NewUuid());
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "db.sqlite").string();
  {
    ConnPool pool(path, 2, SqliteCacheSizes{3 << 10, 1 << 10});
    int writer = 0, reader = 0;
    ASSERT_TRUE(pool.Write([&](Conn& c) {
                      c.db().exec("CREATE TABLE t (x INTEGER)");
                      writer = c.db().execAndGet("PRAGMA cache_size").getInt();
                      return Status::Ok();
                    }).ok());
    ASSERT_TRUE(pool.Read([&](Conn& c) {
                      reader = c.db().execAndGet("PRAGMA cache_size").getInt();
                      return Status::Ok();
                    }).ok());
    EXPECT_EQ(writer, -3072);  // negative: KiB
    EXPECT_EQ(reader, -1024);
    EXPECT_GT(SqliteMemoryBytes(), 0);
  }
  // The store opened with sizes works as before (migrations, reads).
  auto store = OpenSqliteStore((dir / "store.sqlite").string(), 2, SqliteCacheSizes{1 << 10, 1 << 10});
  ASSERT_TRUE(store.ok()) << store.status().message();
  EXPECT_EQ(*(*store)->CountExamples(), 0);
  store->reset();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace exemplar::storage
