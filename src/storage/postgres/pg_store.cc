#include "storage/postgres/pg_store.h"

#include <thread>

#include "common/ids.h"
#include "common/time.h"
#include "storage/dialect.h"
#include "storage/migrations.h"
#include "storage/provenance_sql.h"

namespace exemplar::storage {

bool IsPostgresUrl(const std::string& db) {
  return db.rfind("postgres://", 0) == 0 || db.rfind("postgresql://", 0) == 0;
}

Result<std::unique_ptr<Store>> OpenPostgresStore(const std::string& url, int connections,
                                                 std::shared_ptr<Credentials> credentials, int64_t refresh_ahead_ms) {
  EXEMPLAR_ASSIGN_OR_RETURN(auto pool, PgPool::Open(url, connections, std::move(credentials), refresh_ahead_ms));
  auto store = std::make_unique<PgStore>(std::move(pool), NewUuid());
  EXEMPLAR_RETURN_IF_ERROR(store->Migrate());
  return std::unique_ptr<Store>(std::move(store));
}

PgStore::~PgStore() {
  std::lock_guard lock(listen_mu_);
  receiver_.reset();
  listener_.reset();
}

Status PgStore::Migrate() {
  // Replicas may start together: the lock makes one of them migrate while the others wait.
  return pool_->Write([&](pqxx::transaction_base& tx) {
    tx.exec("SELECT pg_advisory_xact_lock(" + std::to_string(kChangeLogLock + 1) + ")");
    tx.exec(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT "
        "NULL, applied_at BIGINT NOT NULL)");
    std::vector<std::pair<int64_t, std::string>> applied;
    for (const auto& row : tx.exec("SELECT version, name FROM schema_migrations")) {
      applied.emplace_back(row[0].as<int64_t>(), row[1].as<std::string>());
    }
    EXEMPLAR_RETURN_IF_ERROR(CheckKnownMigrations("(PostgreSQL)", applied));
    for (const Migration& m : Migrations()) {
      if (!PgParams().Int(m.number).Exec(tx, "SELECT 1 FROM schema_migrations WHERE version = $1").empty()) {
        continue;
      }
      tx.exec(TranslateDdl(m.sql, Dialect::kPostgres));
      PgParams().Int(m.number).Text(std::string(m.name)).Int(NowMillis())
          .Exec(tx, "INSERT INTO schema_migrations(version, name, applied_at) VALUES ($1, $2, $3)");
    }
    return Status::Ok();
  });
}

void PgStore::AppendChange(pqxx::transaction_base& tx, const std::string& entity_id, int64_t row_id,
                           const std::string& op, int64_t now) {
  PgParams().Text(entity_id).Int(row_id).Text(op).Int(now).Text(origin_).Exec(
      tx,
      std::string("WITH ins AS (INSERT INTO change_log(entity, entity_id, row_id, op, created_at, "
                  "origin) VALUES ('example', $1, $2, $3, $4, $5) RETURNING seq) SELECT pg_notify('") +
          kChangeChannel + "', seq::text) FROM ins");
}

Result<int64_t> PgStore::LatestChangeSeq() {
  int64_t seq = 0;
  EXEMPLAR_RETURN_IF_ERROR(pool_->Read([&](pqxx::transaction_base& tx) {
    seq = tx.exec1("SELECT COALESCE(MAX(seq), 0) FROM change_log")[0].as<int64_t>();
    return Status::Ok();
  }));
  return seq;
}

Result<std::vector<Change>> PgStore::ChangesSince(int64_t seq, int64_t limit,
                                                  const std::string& exclude_origin) {
  std::vector<Change> out;
  EXEMPLAR_RETURN_IF_ERROR(pool_->Read([&](pqxx::transaction_base& tx) {
    auto rows = PgParams().Int(seq).Int(limit).Text(exclude_origin).Exec(
        tx,
        "SELECT seq, entity, entity_id, COALESCE(row_id, 0), op, COALESCE(origin, '') FROM "
        "change_log WHERE seq > $1 AND ($3::text = '' OR origin IS DISTINCT FROM $3) ORDER BY seq "
        "LIMIT $2");
    for (const auto& r : rows) {
      out.push_back({r[0].as<int64_t>(), r[1].as<std::string>(), r[2].as<std::string>(),
                     r[3].as<int64_t>(), r[4].as<std::string>(), r[5].as<std::string>()});
    }
    return Status::Ok();
  }));
  return out;
}

namespace {
class WakeOnNotify final : public pqxx::notification_receiver {
 public:
  using pqxx::notification_receiver::notification_receiver;
  void operator()(const std::string&, int) override {}  // waking await_notification is enough
};
}  // namespace

void PgStore::WaitForChange(std::chrono::milliseconds timeout) {
  std::lock_guard lock(listen_mu_);
  try {
    if (!listener_ || !listener_->is_open()) {
      receiver_.reset();
      listener_ = pool_->Connect();
      receiver_ = std::make_unique<WakeOnNotify>(*listener_, kChangeChannel);
    }
    auto ms = timeout.count();
    listener_->await_notification(ms / 1000, (ms % 1000) * 1000);
  } catch (const std::exception&) {
    // The listener is gone (server restart, network): fall back to polling and reconnect later.
    receiver_.reset();
    listener_.reset();
    std::this_thread::sleep_for(timeout);
  }
}

void PgStore::InsertEdgeRows(pqxx::transaction_base& tx, const std::vector<LineageEdge>& edges) {
  for (const auto& e : edges) {
    PgParams()
        .Text(e.source_type).Text(e.source_id).Text(e.target_type).Text(e.target_id).Text(e.type)
        .Int(e.created_at ? e.created_at : NowMillis()).Int(e.example_version)
        .Exec(tx,
              "INSERT INTO lineage_edges(source_type, source_id, target_type, target_id, type, "
              "created_at, example_version) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT "
              "(source_type, source_id, target_type, target_id, type) DO UPDATE SET closed_at = NULL, "
              "example_version = COALESCE(EXCLUDED.example_version, lineage_edges.example_version)");
  }
}

Status PgStore::InsertEdges(const std::vector<LineageEdge>& edges) {
  return pool_->Write([&](pqxx::transaction_base& tx) {
    InsertEdgeRows(tx, edges);
    return Status::Ok();
  });
}

Result<int64_t> PgStore::AddMissingMemberships() {
  int64_t added = 0;
  EXEMPLAR_RETURN_IF_ERROR(pool_->Write([&](pqxx::transaction_base& tx) {
    added = static_cast<int64_t>(PgParams().Exec(tx, MissingMembershipsSql(Dialect::kPostgres, false)).affected_rows());
    return Status::Ok();
  }));
  return added;
}

Result<std::vector<LineageEdge>> PgStore::EdgesTouching(
    const std::vector<std::pair<std::string, std::string>>& nodes, bool upstream) {
  std::vector<LineageEdge> out;
  constexpr size_t kChunk = 500;
  EXEMPLAR_RETURN_IF_ERROR(pool_->Read([&](pqxx::transaction_base& tx) {
    for (size_t start = 0; start < nodes.size(); start += kChunk) {
      size_t end = std::min(nodes.size(), start + kChunk);
      std::string sql =
          "SELECT source_type, source_id, target_type, target_id, type, created_at, example_version, "
          "closed_at FROM lineage_edges WHERE ";
      sql += upstream ? "(target_type, target_id)" : "(source_type, source_id)";
      sql += " IN (VALUES ";
      PgParams p;
      for (size_t i = start; i < end; ++i) {
        sql += (i == start ? "(" : ",(") + PgPlaceholders(static_cast<int>(p.size()) + 1, 2) + ")";
        p.Text(nodes[i].first).Text(nodes[i].second);
      }
      sql += ") ORDER BY created_at, source_id, target_id";
      for (const auto& r : p.Exec(tx, sql)) {
        out.push_back({r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<std::string>(),
                       r[3].as<std::string>(), r[4].as<std::string>(), r[5].as<int64_t>(),
                       PgOptInt(r[6]), PgOptInt(r[7])});
      }
    }
    return Status::Ok();
  }));
  return out;
}

Status PgStore::InsertToken(const ApiToken& t) {
  return pool_->Write([&](pqxx::transaction_base& tx) {
    PgParams().Text(t.id).Text(t.name).Text(t.role).Text(t.token_hash).Int(t.created_at).Int(t.expires_at).Exec(
        tx, "INSERT INTO api_tokens(id, name, role, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)");
    return Status::Ok();
  });
}

namespace {
const char* const kTokenColumns = "id, name, role, token_hash, created_at, revoked_at, expires_at, last_used_at";

ApiToken ReadToken(const pqxx::row& r) {
  return {r[0].as<std::string>(), PgOptText(r[1]), r[2].as<std::string>(), r[3].as<std::string>(),
          r[4].as<int64_t>(),      PgOptInt(r[5]),  PgOptInt(r[6]),        PgOptInt(r[7])};
}
}  // namespace

Result<std::optional<ApiToken>> PgStore::FindTokenByHash(const std::string& hash) {
  std::optional<ApiToken> out;
  EXEMPLAR_RETURN_IF_ERROR(pool_->Read([&](pqxx::transaction_base& tx) {
    auto rows = PgParams().Text(hash).Exec(
        tx, std::string("SELECT ") + kTokenColumns + " FROM api_tokens WHERE token_hash = $1");
    if (!rows.empty()) out = ReadToken(rows[0]);
    return Status::Ok();
  }));
  return out;
}

Result<std::vector<ApiToken>> PgStore::ListTokens() {
  std::vector<ApiToken> out;
  EXEMPLAR_RETURN_IF_ERROR(pool_->Read([&](pqxx::transaction_base& tx) {
    for (const auto& r : tx.exec(std::string("SELECT ") + kTokenColumns +
                                 " FROM api_tokens ORDER BY created_at, id")) {
      out.push_back(ReadToken(r));
    }
    return Status::Ok();
  }));
  return out;
}

Status PgStore::RevokeToken(const std::string& id) {
  return pool_->Write([&](pqxx::transaction_base& tx) {
    auto r = PgParams().Int(NowMillis()).Text(id).Exec(
        tx, "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL");
    if (r.affected_rows() == 0) return Status::NotFound("token not found or already revoked");
    return Status::Ok();
  });
}

Status PgStore::TouchToken(const std::string& id, int64_t when) {
  return pool_->Write([&](pqxx::transaction_base& tx) {
    PgParams().Int(when).Text(id).Exec(tx, "UPDATE api_tokens SET last_used_at = $1 WHERE id = $2");
    return Status::Ok();
  });
}

}  // namespace exemplar::storage
