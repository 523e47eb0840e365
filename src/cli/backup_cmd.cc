// exemplar backup FILE: a consistent copy of the SQLite database while the server keeps serving
// (SQLite's online backup: one read transaction, so writers are not blocked in WAL mode). The copy
// is written next to FILE, checked, made owner-only and renamed into place, so FILE is either
// absent or complete. The vector index is not copied: a store opened on the copy rebuilds it.
#include <SQLiteCpp/Backup.h>
#include <SQLiteCpp/SQLiteCpp.h>

#include <filesystem>
#include <iostream>

#include "cli/commands.h"
#include "cli/runtime.h"
#include "storage/store.h"

namespace exemplar::cli {

int RunBackup(const Config& config, const std::string& out_file) {
  namespace fs = std::filesystem;
  if (storage::IsPostgresUrl(config.db)) {
    std::cerr << "error: the store is a PostgreSQL database: back it up with pg_dump (see README, Backups)\n";
    return 2;
  }
  if (Status st = CheckStoreExists(config); !st.ok()) {
    std::cerr << "error: " << st.message() << "\n";
    return 2;
  }
  const std::string db = SqlitePath(config);
  std::error_code ec;
  if (fs::exists(out_file, ec)) {
    std::cerr << "error: " << out_file << " exists; a backup never overwrites a file\n";
    return 2;
  }
  const fs::path parent = fs::path(out_file).parent_path();
  if (!parent.empty() && !fs::is_directory(parent, ec)) {
    std::cerr << "error: no directory " << parent.string() << " to write " << out_file << " in\n";
    return 2;
  }
  const std::string partial = out_file + ".partial";
  fs::remove(partial, ec);
  try {
    SQLite::Database source(db, SQLite::OPEN_READONLY);
    source.setBusyTimeout(10000);
    {
      SQLite::Database copy(partial, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
      SQLite::Backup backup(copy, source);
      backup.executeStep(-1);  // every page in one step: one consistent snapshot of the source
      SQLite::Statement check(copy, "PRAGMA quick_check");
      if (!check.executeStep() || check.getColumn(0).getString() != "ok") {
        throw std::runtime_error("the copy did not pass SQLite's quick_check");
      }
    }
    fs::permissions(partial, fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::replace);
    fs::rename(partial, out_file);
  } catch (const std::exception& e) {
    fs::remove(partial, ec);
    std::cerr << "error: backing up " << db << " to " << out_file << " failed: " << e.what() << "\n";
    return 1;
  }
  std::cout << "backed up " << db << " to " << out_file << " (" << fs::file_size(out_file, ec) << " bytes)\n"
            << "to restore: stop the server, put the file as exemplar.db in an empty data dir (or pass it as "
               "--db); the vector index is rebuilt from it on start\n";
  return 0;
}

}  // namespace exemplar::cli
