// Provenance on PostgreSQL (issue 19): edge closing, tombstones, snapshots, the audit log,
// backfills. Same statements as sqlite/provenance_sql.cc.
#include "common/time.h"
#include "storage/columns.h"
#include "storage/postgres/pg_store.h"
#include "storage/provenance_sql.h"

namespace exemplar::storage {
namespace {

// Moves a live example into example_tombstones; returns its row id, or nullopt when not live.
std::optional<int64_t> MoveToTombstone(pqxx::transaction_base& tx, const std::string& id, const std::string& hash,
                                       const std::optional<std::string>& by, int64_t now) {
  auto row = PgParams().Text(id).Exec(tx, "SELECT row_id FROM examples WHERE id = $1 FOR UPDATE");
  if (row.empty()) return std::nullopt;
  PgParams().Text(id).Exec(tx, "DELETE FROM example_tombstones WHERE id = $1");
  PgParams().Int(now).Text(by).Text(hash).Text(id).Exec(
      tx, std::string("INSERT INTO example_tombstones(") + kTombstoneMovedColumns +
              ", deleted_at, deleted_by, content_hash) SELECT " + kTombstoneMovedColumns +
              ", $1, $2, $3 FROM examples WHERE id = $4");
  PgParams().Text(id).Exec(tx, "DELETE FROM examples WHERE id = $1");
  return row[0][0].as<int64_t>();
}

SnapshotRecord ReadSnapshot(const pqxx::row& r) {
  return {r[0].as<std::string>(), r[1].as<std::string>(), PgOptText(r[2]), r[3].as<std::string>(),
          r[4].as<int64_t>(),     PgOptText(r[5]),        r[6].as<int64_t>()};
}
constexpr const char* kSnapshotColumns = "id, name, template_id, selection, item_count, created_by, created_at";

// Applies a purge's rewrites to the templates and runs holding copies of the example's content.
// The rows are locked (FOR UPDATE) so that the rewrite applies to their committed state; a write
// prepared from a copy read before the purge is the service's to catch (service::PurgedContent).
void RewriteCopies(pqxx::transaction_base& tx, const std::string& id, const PurgeRewrites& rewrites) {
  if (rewrites.template_examples) {
    auto rows = PgParams().Text(id).Exec(tx, PurgeCopiesTemplatesSql(Dialect::kPostgres) + " FOR UPDATE OF t");
    for (const auto& r : rows) {
      auto rewritten = rewrites.template_examples(r[1].as<std::string>(), r[2].as<int64_t>() != 0);
      if (!rewritten) continue;
      PgParams().Text(*rewritten).Text(r[0].as<std::string>()).Exec(tx, "UPDATE templates SET examples = $1 WHERE id = $2");
    }
  }
  if (rewrites.run_program) {
    auto rows = PgParams().Text(id).Exec(tx, PurgeCopiesRunsSql(Dialect::kPostgres) + " FOR UPDATE");
    for (const auto& r : rows) {
      auto rewritten = rewrites.run_program(r[1].as<std::string>());
      if (!rewritten) continue;
      PgParams().Text(*rewritten).Text(r[0].as<std::string>()).Exec(tx, "UPDATE dspy_runs SET best_program = $1 WHERE id = $2");
    }
  }
}

// A row of kTombstoneReadColumns: the example as it was, with its deletion (and purge) marks.
Example PgReadTombstone(const pqxx::row& row) {
  Example e = PgReadExample(row, false);
  e.embedding_model.reset();
  e.deleted_at = row[25].as<int64_t>();
  e.purged_at = PgOptInt(row[26]);
  e.content_hash = row[27].as<std::string>();
  return e;
}

}  // namespace

void PgAppendAuditRow(pqxx::transaction_base& tx, const AuditRecord& r) {
  std::optional<std::string> request_id;
  if (!r.request_id.empty()) request_id = r.request_id;
  PgParams()
      .Int(r.at ? r.at : NowMillis()).Text(r.actor).Text(r.action).Text(r.entity)
      .Text(EncodeStringList(r.entity_ids)).Text(r.diff_json).Text(request_id)
      .Exec(tx,
            "INSERT INTO audit_log(at, actor, action, entity, entity_ids, diff, request_id) VALUES "
            "($1, $2, $3, $4, $5, $6, $7)");
}

void PgStore::CloseEdgeRows(pqxx::transaction_base& tx, const std::vector<LineageEdge>& edges, int64_t closed_at) {
  for (const auto& e : edges) {
    PgParams().Int(closed_at).Text(e.source_type).Text(e.source_id).Text(e.target_type).Text(e.target_id)
        .Text(e.type)
        .Exec(tx,
              "UPDATE lineage_edges SET closed_at = $1 WHERE source_type = $2 AND source_id = $3 AND "
              "target_type = $4 AND target_id = $5 AND type = $6 AND closed_at IS NULL");
  }
}

Status PgStore::CloseEdges(const std::vector<LineageEdge>& edges, int64_t closed_at) {
  return pool_->Write([&](pqxx::transaction_base& tx) {
    CloseEdgeRows(tx, edges, closed_at);
    return Status::Ok();
  });
}

Status PgStore::TombstoneExample(const std::string& id, const std::string& content_hash,
                                 const std::optional<std::string>& deleted_by) {
  return pool_->Write(
      [&](pqxx::transaction_base& tx) {
        int64_t now = NowMillis();
        auto row_id = MoveToTombstone(tx, id, content_hash, deleted_by, now);
        if (!row_id) return Status::NotFound("Example not found");
        AppendChange(tx, id, *row_id, "delete", now);
        return Status::Ok();
      },
      true);
}

Status PgStore::TombstoneExamples(const std::vector<std::pair<std::string, std::string>>& ids_and_hashes,
                                  const std::optional<std::string>& deleted_by) {
  return pool_->Write(
      [&](pqxx::transaction_base& tx) {
        const int64_t now = NowMillis();
        for (const auto& [id, hash] : ids_and_hashes) {
          auto row_id = MoveToTombstone(tx, id, hash, deleted_by, now);
          if (!row_id) return Status::NotFound("Example " + id + " not found");
          AppendChange(tx, id, *row_id, "delete", now);
        }
        return Status::Ok();
      },
      true);
}

Result<Example> PgStore::RestoreExample(const std::string& id, const TemplateFitCheck& fits) {
  std::optional<Example> out;
  EXEMPLAR_RETURN_IF_ERROR(pool_->Write(
      [&](pqxx::transaction_base& tx) {
        auto t = PgParams().Text(id).Exec(tx, "SELECT row_id, purged_at FROM example_tombstones WHERE id = $1 FOR UPDATE");
        if (t.empty()) return Status::NotFound("no deleted example with this id");
        if (!t[0][1].is_null()) return Status::FailedPrecondition("the example was purged; its content is gone");
        PgParams().Text(id).Exec(tx, std::string("INSERT INTO examples(") + kTombstoneMovedColumns + ") SELECT " +
                                         kTombstoneMovedColumns + " FROM example_tombstones WHERE id = $1");
        PgParams().Text(id).Exec(tx, "DELETE FROM example_tombstones WHERE id = $1");
        AppendChange(tx, id, t[0][0].as<int64_t>(), "upsert", NowMillis());
        auto rows = PgParams().Text(id).Exec(
            tx, std::string("SELECT ") + kExampleColumns + ", embedding FROM examples WHERE id = $1");
        if (!rows.empty()) out = PgReadExample(rows[0], true);
        std::map<std::string, Template> templates_read;
        if (out) EXEMPLAR_RETURN_IF_ERROR(PgCheckTemplateFit(tx, *out, fits, templates_read));
        return Status::Ok();
      },
      true));
  if (!out) return Status::NotFound("no deleted example with this id");
  return std::move(*out);
}

Status PgStore::PurgeExample(const std::string& id, const std::string& content_hash,
                             const std::vector<PurgedVersionHashes>& version_hashes,
                             const std::optional<std::string>& deleted_by, const PurgeRewrites& rewrites) {
  return pool_->Write(
      [&](pqxx::transaction_base& tx) {
        int64_t now = NowMillis();
        if (auto row_id = MoveToTombstone(tx, id, content_hash, deleted_by, now)) {
          AppendChange(tx, id, *row_id, "delete", now);
        }
        auto r = PgParams().Text(content_hash).Int(now).Text(id).Exec(
            tx,
            "UPDATE example_tombstones SET input = '{}', expected_output = '{}', explanation = NULL, "
            "client_id = NULL, capability_tags = '[]', function_name = NULL, "
            "attribution_notes = NULL, search_keys = '[]', pii_flags = '[]', embedding = NULL, embedding_model = NULL, "
            "content_hash = $1, purged_at = COALESCE(purged_at, $2) WHERE id = $3");
        if (r.affected_rows() == 0) return Status::NotFound("Example not found");
        for (const auto& v : version_hashes) {
          PgParams().Text(PurgedVersionSnapshot(id, v)).Text(id).Int(v.version).Int(now).Exec(
              tx, "INSERT INTO example_versions(example_id, version, snapshot, created_at) VALUES ($2, $3, $1, $4) "
                  "ON CONFLICT (example_id, version) DO UPDATE SET snapshot = EXCLUDED.snapshot");
        }
        RewriteCopies(tx, id, rewrites);
        return Status::Ok();
      },
      true);
}

Result<Example> PgStore::GetExampleIncludingDeleted(const std::string& id) {
  auto live = GetExample(id, false);
  if (!live.status().IsNotFound()) return live;
  std::optional<Example> out;
  EXEMPLAR_RETURN_IF_ERROR(pool_->Read([&](pqxx::transaction_base& tx) {
    auto rows = PgParams().Text(id).Exec(
        tx, std::string("SELECT ") + kTombstoneReadColumns + " FROM example_tombstones WHERE id = $1");
    if (rows.empty()) return Status::Ok();
    out = PgReadTombstone(rows[0]);
    return Status::Ok();
  }));
  if (!out) return Status::NotFound("Example not found");
  return std::move(*out);
}

Result<std::pair<std::vector<Example>, int64_t>> PgStore::ListDeletedExamples(int64_t offset, int64_t limit) {
  std::pair<std::vector<Example>, int64_t> out;
  EXEMPLAR_RETURN_IF_ERROR(pool_->Read([&](pqxx::transaction_base& tx) {
    auto rows = PgParams().Int(limit).Int(offset).Exec(
        tx, std::string("SELECT ") + kTombstoneReadColumns +
                " FROM example_tombstones ORDER BY deleted_at DESC, id DESC LIMIT $1 OFFSET $2");
    for (const auto& row : rows) {
      out.first.push_back(PgReadTombstone(row));
    }
    out.second = tx.exec1("SELECT COUNT(*) FROM example_tombstones")[0].as<int64_t>();
    return Status::Ok();
  }));
  return out;
}

Status PgStore::InsertSnapshot(const SnapshotRecord& s, const std::vector<SnapshotItem>& items) {
  return pool_->Write([&](pqxx::transaction_base& tx) {
    InsertSnapshotRows(tx, s, items);
    return Status::Ok();
  });
}

void PgStore::InsertSnapshotRows(pqxx::transaction_base& tx, const SnapshotRecord& s,
                                 const std::vector<SnapshotItem>& items) {
  PgParams().Text(s.id).Text(s.name).Text(s.template_id).Text(s.selection_json).Int(s.item_count)
      .Text(s.created_by).Int(s.created_at)
      .Exec(tx,
            "INSERT INTO snapshots(id, name, template_id, selection, item_count, created_by, created_at) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7)");
  for (const auto& it : items) {
    PgParams().Text(s.id).Text(it.example_id).Int(it.version).Text(it.content_hash).Exec(
        tx, "INSERT INTO snapshot_items(snapshot_id, example_id, version, content_hash) VALUES ($1, $2, $3, $4)");
  }
}

Result<SnapshotRecord> PgStore::GetSnapshot(const std::string& id) {
  std::optional<SnapshotRecord> out;
  EXEMPLAR_RETURN_IF_ERROR(pool_->Read([&](pqxx::transaction_base& tx) {
    auto rows = PgParams().Text(id).Exec(tx, std::string("SELECT ") + kSnapshotColumns + " FROM snapshots WHERE id = $1");
    if (!rows.empty()) out = ReadSnapshot(rows[0]);
    return Status::Ok();
  }));
  if (!out) return Status::NotFound("Snapshot not found");
  return std::move(*out);
}

Result<std::vector<SnapshotItem>> PgStore::ListSnapshotItems(const std::string& id) {
  std::vector<SnapshotItem> out;
  EXEMPLAR_RETURN_IF_ERROR(pool_->Read([&](pqxx::transaction_base& tx) {
    // COLLATE "C": byte order, as SQLite sorts, so both stores list (and export) alike.
    for (const auto& r : PgParams().Text(id).Exec(
             tx, "SELECT example_id, version, content_hash FROM snapshot_items WHERE snapshot_id = $1 "
                 "ORDER BY example_id COLLATE \"C\"")) {
      out.push_back({r[0].as<std::string>(), r[1].as<int64_t>(), r[2].as<std::string>()});
    }
    return Status::Ok();
  }));
  return out;
}

Result<std::vector<SnapshotItem>> PgStore::ListSnapshotItemsAfter(const std::string& id,
                                                                const std::string& after_example_id, int64_t limit) {
  std::vector<SnapshotItem> out;
  EXEMPLAR_RETURN_IF_ERROR(pool_->Read([&](pqxx::transaction_base& tx) {
    // Byte order (COLLATE "C") for the range and the order alike, as ListSnapshotItems sorts.
    for (const auto& r : PgParams().Text(id).Text(after_example_id).Int(limit).Exec(
             tx, "SELECT example_id, version, content_hash FROM snapshot_items WHERE snapshot_id = $1 "
                 "AND example_id COLLATE \"C\" > $2 ORDER BY example_id COLLATE \"C\" LIMIT $3")) {
      out.push_back({r[0].as<std::string>(), r[1].as<int64_t>(), r[2].as<std::string>()});
    }
    return Status::Ok();
  }));
  return out;
}

Result<KeyedPage<SnapshotRecord>> PgStore::ListSnapshots(int64_t offset, int64_t limit) {
  KeyedPage<SnapshotRecord> page;
  EXEMPLAR_RETURN_IF_ERROR(pool_->Read([&](pqxx::transaction_base& tx) {
    for (const auto& r : PgParams().Int(limit).Int(offset).Exec(
             tx, std::string("SELECT ") + kSnapshotColumns +
                     " FROM snapshots ORDER BY created_at DESC, id DESC LIMIT $1 OFFSET $2")) {
      page.items.push_back(ReadSnapshot(r));
    }
    page.total = tx.exec1("SELECT COUNT(*) FROM snapshots")[0].as<int64_t>();
    return Status::Ok();
  }));
  return page;
}

Status PgStore::AppendAudit(const std::vector<AuditRecord>& entries) {
  return pool_->Write([&](pqxx::transaction_base& tx) {
    for (const auto& r : entries) PgAppendAuditRow(tx, r);
    return Status::Ok();
  });
}

Result<std::vector<AuditRecord>> PgStore::ListAudit(const AuditQuery& query) {
  std::vector<AuditRecord> out;
  EXEMPLAR_RETURN_IF_ERROR(pool_->Read([&](pqxx::transaction_base& tx) {
    SqlStatement st = AuditListSql(Dialect::kPostgres, query);
    PgParams p;
    PgAddValues(p, st.values);
    for (const auto& r : p.Exec(tx, st.sql)) {
      AuditRecord a;
      a.seq = r[0].as<int64_t>();
      a.at = r[1].as<int64_t>();
      a.actor = r[2].as<std::string>();
      a.action = r[3].as<std::string>();
      a.entity = r[4].as<std::string>();
      a.entity_ids = DecodeStringList(r[5].as<std::string>());
      a.diff_json = r[6].as<std::string>();
      a.request_id = PgOptText(r[7]).value_or("");
      out.push_back(std::move(a));
    }
    return Status::Ok();
  }));
  return out;
}

Result<int64_t> PgStore::PurgeAuditBefore(int64_t before) {
  int64_t n = 0;
  EXEMPLAR_RETURN_IF_ERROR(pool_->Write([&](pqxx::transaction_base& tx) {
    n = PgParams().Int(before).Exec(tx, "DELETE FROM audit_log WHERE at < $1").affected_rows();
    return Status::Ok();
  }));
  return n;
}

Result<bool> PgStore::BackfillDone(const std::string& name) {
  bool done = false;
  EXEMPLAR_RETURN_IF_ERROR(pool_->Read([&](pqxx::transaction_base& tx) {
    done = !PgParams().Text(name).Exec(tx, "SELECT 1 FROM backfills WHERE name = $1").empty();
    return Status::Ok();
  }));
  return done;
}

Status PgStore::MarkBackfillDone(const std::string& name) {
  return pool_->Write([&](pqxx::transaction_base& tx) {
    PgParams().Text(name).Int(NowMillis()).Exec(
        tx, "INSERT INTO backfills(name, done_at) VALUES ($1, $2) ON CONFLICT DO NOTHING");
    return Status::Ok();
  });
}

}  // namespace exemplar::storage
