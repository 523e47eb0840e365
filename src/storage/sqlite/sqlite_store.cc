#include "storage/sqlite/sqlite_store.h"

#include <filesystem>
#include <thread>

#include "common/time.h"
#include "storage/migrations.h"
#include "storage/provenance_sql.h"
#include "storage/sqlite/row_mapping.h"

namespace exemplar::storage {

Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path, int readers, SqliteCacheSizes cache) {
  std::unique_ptr<ConnPool> pool;
  try {
    auto parent = std::filesystem::path(path).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent);
    // The writer creates the file and switches it to WAL before readers open it read-only.
    pool = std::make_unique<ConnPool>(path, 0, cache);
  } catch (const std::exception& e) {
    return Status::Unavailable("cannot open database " + path + ": " + e.what());
  }
  auto store = std::make_unique<SqliteStore>(std::move(pool));
  EXEMPLAR_RETURN_IF_ERROR(store->Migrate());
  try {
    store = std::make_unique<SqliteStore>(std::make_unique<ConnPool>(path, readers, cache));
  } catch (const std::exception& e) {
    return Status::Unavailable("cannot open database " + path + ": " + e.what());
  }
  return std::unique_ptr<Store>(std::move(store));
}

Status SqliteStore::Migrate() {
  EXEMPLAR_RETURN_IF_ERROR(pool_->Write([](Conn& c) {
    c.db().exec(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT "
        "NOT NULL, applied_at INTEGER NOT NULL)");
    std::vector<std::pair<int64_t, std::string>> applied;
    SQLite::Statement q(c.db(), "SELECT version, name FROM schema_migrations");
    while (q.executeStep()) applied.emplace_back(q.getColumn(0).getInt64(), q.getColumn(1).getString());
    return CheckKnownMigrations(c.db().getFilename(), applied);
  }));
  for (const Migration& m : Migrations()) {
    EXEMPLAR_RETURN_IF_ERROR(pool_->Write([&](Conn& c) {
      auto& q = c.Prepare("SELECT 1 FROM schema_migrations WHERE version = ?");
      q.bind(1, m.number);
      if (q.executeStep()) return Status::Ok();
      c.db().exec(m.sql);
      auto& ins = c.Prepare("INSERT INTO schema_migrations(version, name, applied_at) VALUES (?,?,?)");
      ins.bind(1, m.number);
      ins.bind(2, m.name);
      ins.bind(3, static_cast<int64_t>(NowMillis()));
      ins.exec();
      return Status::Ok();
    }));
  }
  return Status::Ok();
}

void AppendChange(Conn& c, const std::string& entity, const std::string& entity_id,
                  int64_t row_id, const std::string& op, int64_t now) {
  auto& q = c.Prepare(
      "INSERT INTO change_log(entity, entity_id, row_id, op, created_at, origin) VALUES "
      "(?,?,?,?,?,?)");
  q.bind(1, entity);
  q.bind(2, entity_id);
  q.bind(3, static_cast<int64_t>(row_id));
  q.bind(4, op);
  q.bind(5, static_cast<int64_t>(now));
  q.bind(6, c.origin());
  q.exec();
}

Result<int64_t> SqliteStore::LatestChangeSeq() {
  int64_t seq = 0;
  EXEMPLAR_RETURN_IF_ERROR(pool_->Read([&](Conn& c) {
    auto& q = c.Prepare("SELECT COALESCE(MAX(seq), 0) FROM change_log");
    if (q.executeStep()) seq = q.getColumn(0).getInt64();
    return Status::Ok();
  }));
  return seq;
}

Result<std::vector<Change>> SqliteStore::ChangesSince(int64_t seq, int64_t limit,
                                                      const std::string& exclude_origin) {
  std::vector<Change> out;
  EXEMPLAR_RETURN_IF_ERROR(pool_->Read([&](Conn& c) {
    auto& q = c.Prepare(
        "SELECT seq, entity, entity_id, COALESCE(row_id, 0), op, COALESCE(origin, '') FROM "
        "change_log WHERE seq > ? AND (? = '' OR origin IS NOT ?) ORDER BY seq LIMIT ?");
    q.bind(1, static_cast<int64_t>(seq));
    q.bind(2, exclude_origin);
    q.bind(3, exclude_origin);
    q.bind(4, static_cast<int64_t>(limit));
    while (q.executeStep()) {
      out.push_back({q.getColumn(0).getInt64(), q.getColumn(1).getString(),
                     q.getColumn(2).getString(), q.getColumn(3).getInt64(),
                     q.getColumn(4).getString(), q.getColumn(5).getString()});
    }
    return Status::Ok();
  }));
  return out;
}

void SqliteStore::WaitForChange(std::chrono::milliseconds timeout) {
  // Only this process writes through this store; other processes (a CLI import) are seen by
  // polling, so a plain sleep is the whole wait.
  std::this_thread::sleep_for(timeout);
}

void InsertEdgeRows(Conn& c, const std::vector<LineageEdge>& edges) {
  for (const auto& e : edges) {
    // An edge stored once: adding it again reopens it (a closed membership that came back) and
    // records the newer example version.
    auto& q = c.Prepare(
        "INSERT INTO lineage_edges(source_type, source_id, target_type, target_id, type, "
        "created_at, example_version) VALUES (?,?,?,?,?,?,?) ON CONFLICT (source_type, source_id, target_type, target_id, type) "
        "DO UPDATE SET closed_at = NULL, "
        "example_version = COALESCE(excluded.example_version, lineage_edges.example_version)");
    q.bind(1, e.source_type);
    q.bind(2, e.source_id);
    q.bind(3, e.target_type);
    q.bind(4, e.target_id);
    q.bind(5, e.type);
    q.bind(6, static_cast<int64_t>(e.created_at ? e.created_at : NowMillis()));
    BindOpt(q, 7, e.example_version);
    q.exec();
  }
}

void CloseEdgeRows(Conn& c, const std::vector<LineageEdge>& edges, int64_t closed_at) {
  for (const auto& e : edges) {
    auto& q = c.Prepare(
        "UPDATE lineage_edges SET closed_at = ? WHERE source_type = ? AND source_id = ? AND target_type = ? AND "
        "target_id = ? AND type = ? AND closed_at IS NULL");
    q.bind(1, static_cast<int64_t>(closed_at));
    q.bind(2, e.source_type);
    q.bind(3, e.source_id);
    q.bind(4, e.target_type);
    q.bind(5, e.target_id);
    q.bind(6, e.type);
    q.exec();
  }
}

Status SqliteStore::InsertEdges(const std::vector<LineageEdge>& edges) {
  return pool_->Write([&](Conn& c) {
    InsertEdgeRows(c, edges);
    return Status::Ok();
  });
}

Result<int64_t> SqliteStore::AddMissingMemberships() {
  int64_t added = 0;
  EXEMPLAR_RETURN_IF_ERROR(pool_->Write([&](Conn& c) {
    c.Prepare(MissingMembershipsSql(Dialect::kSqlite, false)).exec();
    added = c.db().getChanges();
    return Status::Ok();
  }));
  return added;
}

Result<std::vector<LineageEdge>> SqliteStore::EdgesTouching(
    const std::vector<std::pair<std::string, std::string>>& nodes, bool upstream) {
  std::vector<LineageEdge> out;
  constexpr size_t kChunk = 200;  // 2 binds per node keeps well under SQLite's variable limit
  EXEMPLAR_RETURN_IF_ERROR(pool_->Read([&](Conn& c) {
    for (size_t start = 0; start < nodes.size(); start += kChunk) {
      size_t end = std::min(nodes.size(), start + kChunk);
      std::string sql =
          "SELECT source_type, source_id, target_type, target_id, type, created_at, example_version, "
          "closed_at FROM lineage_edges WHERE ";
      sql += upstream ? "(target_type, target_id)" : "(source_type, source_id)";
      sql += " IN (VALUES ";
      for (size_t i = start; i < end; ++i) sql += (i == start ? "(?,?)" : ",(?,?)");
      sql += ") ORDER BY created_at, source_id, target_id";
      SQLite::Statement q(c.db(), sql);
      int b = 1;
      for (size_t i = start; i < end; ++i) {
        q.bind(b++, nodes[i].first);
        q.bind(b++, nodes[i].second);
      }
      while (q.executeStep()) {
        out.push_back({q.getColumn(0).getString(), q.getColumn(1).getString(),
                       q.getColumn(2).getString(), q.getColumn(3).getString(),
                       q.getColumn(4).getString(), q.getColumn(5).getInt64(),
                       OptInt(q.getColumn(6)), OptInt(q.getColumn(7))});
      }
    }
    return Status::Ok();
  }));
  return out;
}

Status SqliteStore::InsertToken(const ApiToken& t) {
  return pool_->Write([&](Conn& c) {
    auto& q = c.Prepare(
        "INSERT INTO api_tokens(id, name, role, token_hash, created_at, expires_at) VALUES (?,?,?,?,?,?)");
    q.bind(1, t.id);
    BindOpt(q, 2, t.name);
    q.bind(3, t.role);
    q.bind(4, t.token_hash);
    q.bind(5, static_cast<int64_t>(t.created_at));
    BindOpt(q, 6, t.expires_at);
    q.exec();
    return Status::Ok();
  });
}

namespace {
ApiToken ReadToken(SQLite::Statement& q) {
  ApiToken t;
  t.id = q.getColumn(0).getString();
  t.name = OptString(q.getColumn(1));
  t.role = q.getColumn(2).getString();
  t.token_hash = q.getColumn(3).getString();
  t.created_at = q.getColumn(4).getInt64();
  t.revoked_at = OptInt(q.getColumn(5));
  t.expires_at = OptInt(q.getColumn(6));
  t.last_used_at = OptInt(q.getColumn(7));
  return t;
}
}  // namespace

Result<std::optional<ApiToken>> SqliteStore::FindTokenByHash(const std::string& hash) {
  std::optional<ApiToken> out;
  EXEMPLAR_RETURN_IF_ERROR(pool_->Read([&](Conn& c) {
    auto& q = c.Prepare(
        "SELECT id, name, role, token_hash, created_at, revoked_at, expires_at, last_used_at FROM api_tokens WHERE "
        "token_hash = ?");
    q.bind(1, hash);
    if (q.executeStep()) out = ReadToken(q);
    return Status::Ok();
  }));
  return out;
}

Result<std::vector<ApiToken>> SqliteStore::ListTokens() {
  std::vector<ApiToken> out;
  EXEMPLAR_RETURN_IF_ERROR(pool_->Read([&](Conn& c) {
    auto& q = c.Prepare(
        "SELECT id, name, role, token_hash, created_at, revoked_at, expires_at, last_used_at FROM api_tokens ORDER BY "
        "created_at, id");
    while (q.executeStep()) out.push_back(ReadToken(q));
    return Status::Ok();
  }));
  return out;
}

Status SqliteStore::RevokeToken(const std::string& id) {
  return pool_->Write([&](Conn& c) {
    auto& q = c.Prepare("UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL");
    q.bind(1, static_cast<int64_t>(NowMillis()));
    q.bind(2, id);
    q.exec();
    if (c.db().getChanges() == 0) return Status::NotFound("token not found or already revoked");
    return Status::Ok();
  });
}

Status SqliteStore::TouchToken(const std::string& id, int64_t when) {
  return pool_->Write([&](Conn& c) {
    auto& q = c.Prepare("UPDATE api_tokens SET last_used_at = ? WHERE id = ?");
    q.bind(1, static_cast<int64_t>(when));
    q.bind(2, id);
    q.exec();
    return Status::Ok();
  });
}

}  // namespace exemplar::storage
