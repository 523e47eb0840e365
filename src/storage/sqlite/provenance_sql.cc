// Provenance on SQLite (issue 19): edge closing, tombstones, snapshots, the audit log, backfills.
#include "common/time.h"
#include "storage/columns.h"
#include "storage/provenance_sql.h"
#include "storage/sqlite/row_mapping.h"
#include "storage/sqlite/sqlite_store.h"

namespace exemplar::storage {
namespace {

void Exec(Conn& c, const std::string& sql, const std::vector<SqlValue>& values) {
  auto& q = c.Prepare(sql);
  BindValues(q, values);
  q.exec();
}

// Moves a live example into example_tombstones; false when it is not live.
bool MoveToTombstone(Conn& c, const std::string& id, const std::string& hash,
                     const std::optional<std::string>& by, int64_t now) {
  auto& row = c.Prepare("SELECT row_id FROM examples WHERE id = ?");
  row.bind(1, id);
  if (!row.executeStep()) return false;
  int64_t row_id = row.getColumn(0).getInt64();
  row.reset();
  auto& del_old = c.Prepare("DELETE FROM example_tombstones WHERE id = ?");
  del_old.bind(1, id);
  del_old.exec();
  auto& ins = c.Prepare(std::string("INSERT INTO example_tombstones(") + kTombstoneMovedColumns +
                        ", deleted_at, deleted_by, content_hash) SELECT " + kTombstoneMovedColumns +
                        ", ?, ?, ? FROM examples WHERE id = ?");
  ins.bind(1, static_cast<int64_t>(now));
  BindOpt(ins, 2, by);
  ins.bind(3, hash);
  ins.bind(4, id);
  ins.exec();
  auto& del = c.Prepare("DELETE FROM examples WHERE id = ?");
  del.bind(1, id);
  del.exec();
  AppendChange(c, "example", id, row_id, "delete", now);
  return true;
}

// Applies a purge's rewrites to the templates and runs holding copies of the example's content.
// Rows are read first, then updated: SQLite statements must not write a table they are reading.
void RewriteCopies(Conn& c, const std::string& id, const PurgeRewrites& rewrites) {
  if (rewrites.template_examples) {
    std::vector<std::pair<std::string, std::string>> updates;  // template id, new examples
    auto& q = c.Prepare(PurgeCopiesTemplatesSql(Dialect::kSqlite));
    q.bind(1, id);
    while (q.executeStep()) {
      auto rewritten = rewrites.template_examples(q.getColumn(1).getString(), q.getColumn(2).getInt() != 0);
      if (rewritten) updates.emplace_back(q.getColumn(0).getString(), std::move(*rewritten));
    }
    q.reset();
    for (const auto& [template_id, examples] : updates) {
      Exec(c, "UPDATE templates SET examples = ?1 WHERE id = ?2", {examples, template_id});
    }
  }
  if (rewrites.run_program) {
    std::vector<std::pair<std::string, std::string>> updates;  // run id, new best program
    auto& q = c.Prepare(PurgeCopiesRunsSql(Dialect::kSqlite));
    q.bind(1, id);
    while (q.executeStep()) {
      auto rewritten = rewrites.run_program(q.getColumn(1).getString());
      if (rewritten) updates.emplace_back(q.getColumn(0).getString(), std::move(*rewritten));
    }
    q.reset();
    for (const auto& [run_id, program] : updates) {
      Exec(c, "UPDATE dspy_runs SET best_program = ?1 WHERE id = ?2", {program, run_id});
    }
  }
}

// A row of kTombstoneReadColumns: the example as it was, with its deletion (and purge) marks.
Example ReadTombstone(SQLite::Statement& q) {
  Example e = ReadExample(q, false);
  e.embedding_model.reset();
  e.deleted_at = q.getColumn(25).getInt64();
  e.purged_at = OptInt(q.getColumn(26));
  e.content_hash = q.getColumn(27).getString();
  return e;
}

}  // namespace

void AppendAuditRow(Conn& c, const AuditRecord& r) {
  auto& q = c.Prepare(
      "INSERT INTO audit_log(at, actor, action, entity, entity_ids, diff, request_id) VALUES (?,?,?,?,?,?,?)");
  q.bind(1, static_cast<int64_t>(r.at ? r.at : NowMillis()));
  q.bind(2, r.actor);
  q.bind(3, r.action);
  q.bind(4, r.entity);
  q.bind(5, EncodeStringList(r.entity_ids));
  q.bind(6, r.diff_json);
  if (r.request_id.empty()) q.bind(7);
  else q.bind(7, r.request_id);
  q.exec();
}

Status SqliteStore::CloseEdges(const std::vector<LineageEdge>& edges, int64_t closed_at) {
  return pool_->Write([&](Conn& c) {
    CloseEdgeRows(c, edges, closed_at);
    return Status::Ok();
  });
}

Status SqliteStore::TombstoneExample(const std::string& id, const std::string& content_hash,
                                     const std::optional<std::string>& deleted_by) {
  return pool_->Write([&](Conn& c) {
    if (!MoveToTombstone(c, id, content_hash, deleted_by, NowMillis())) return Status::NotFound("Example not found");
    return Status::Ok();
  });
}

Status SqliteStore::TombstoneExamples(const std::vector<std::pair<std::string, std::string>>& ids_and_hashes,
                                      const std::optional<std::string>& deleted_by) {
  return pool_->Write([&](Conn& c) {
    const int64_t now = NowMillis();
    for (const auto& [id, hash] : ids_and_hashes) {
      if (!MoveToTombstone(c, id, hash, deleted_by, now)) return Status::NotFound("Example " + id + " not found");
    }
    return Status::Ok();
  });
}

Result<Example> SqliteStore::RestoreExample(const std::string& id, const TemplateFitCheck& fits) {
  std::optional<Example> out;
  EXEMPLAR_RETURN_IF_ERROR(pool_->Write([&](Conn& c) {
    auto& t = c.Prepare("SELECT row_id, purged_at FROM example_tombstones WHERE id = ?");
    t.bind(1, id);
    if (!t.executeStep()) return Status::NotFound("no deleted example with this id");
    int64_t row_id = t.getColumn(0).getInt64();
    if (!t.getColumn(1).isNull()) return Status::FailedPrecondition("the example was purged; its content is gone");
    t.reset();
    auto& taken = c.Prepare("SELECT 1 FROM examples WHERE row_id = ?");
    taken.bind(1, row_id);
    const bool row_id_taken = taken.executeStep();
    taken.reset();
    if (row_id_taken) {
      // A store written before row ids stayed unique (migration 010) may have handed this one to
      // a newer example: the restored one takes a fresh label.
      row_id = HighestExampleRowId(c) + 1;
      Exec(c, "UPDATE example_tombstones SET row_id = ?1 WHERE id = ?2", {row_id, id});
    }
    Exec(c, std::string("INSERT INTO examples(") + kTombstoneMovedColumns + ") SELECT " + kTombstoneMovedColumns +
                " FROM example_tombstones WHERE id = ?1", {id});
    Exec(c, "DELETE FROM example_tombstones WHERE id = ?1", {id});
    int64_t now = NowMillis();
    AppendChange(c, "example", id, row_id, "upsert", now);
    auto& q = c.Prepare(std::string("SELECT ") + kExampleColumns + ", embedding FROM examples WHERE id = ?");
    q.bind(1, id);
    if (q.executeStep()) out = ReadExample(q, true);
    q.reset();
    std::map<std::string, Template> templates_read;
    if (out) EXEMPLAR_RETURN_IF_ERROR(CheckTemplateFit(c, *out, fits, templates_read));
    return Status::Ok();
  }));
  if (!out) return Status::NotFound("no deleted example with this id");
  return std::move(*out);
}

Status SqliteStore::PurgeExample(const std::string& id, const std::string& content_hash,
                                 const std::vector<PurgedVersionHashes>& version_hashes,
                                 const std::optional<std::string>& deleted_by, const PurgeRewrites& rewrites) {
  return pool_->Write([&](Conn& c) {
    int64_t now = NowMillis();
    MoveToTombstone(c, id, content_hash, deleted_by, now);
    auto& q = c.Prepare(
        "UPDATE example_tombstones SET input = '{}', expected_output = '{}', explanation = NULL, "
        "client_id = NULL, capability_tags = '[]', function_name = NULL, "
        "attribution_notes = NULL, search_keys = '[]', pii_flags = '[]', embedding = NULL, embedding_model = NULL, "
        "content_hash = ?, purged_at = COALESCE(purged_at, ?) WHERE id = ?");
    q.bind(1, content_hash);
    q.bind(2, static_cast<int64_t>(now));
    q.bind(3, id);
    q.exec();
    if (c.db().getChanges() == 0) return Status::NotFound("Example not found");
    for (const auto& v : version_hashes) {
      Exec(c, "INSERT INTO example_versions(example_id, version, snapshot, created_at) VALUES (?2, ?3, ?1, ?4) "
              "ON CONFLICT(example_id, version) DO UPDATE SET snapshot = excluded.snapshot",
           {PurgedVersionSnapshot(id, v), id, v.version, now});
    }
    RewriteCopies(c, id, rewrites);
    return Status::Ok();
  });
}

Result<Example> SqliteStore::GetExampleIncludingDeleted(const std::string& id) {
  auto live = GetExample(id, false);
  if (!live.status().IsNotFound()) return live;
  std::optional<Example> out;
  EXEMPLAR_RETURN_IF_ERROR(pool_->Read([&](Conn& c) {
    auto& q = c.Prepare(std::string("SELECT ") + kTombstoneReadColumns + " FROM example_tombstones WHERE id = ?");
    q.bind(1, id);
    if (q.executeStep()) {
      out = ReadTombstone(q);
    }
    return Status::Ok();
  }));
  if (!out) return Status::NotFound("Example not found");
  return std::move(*out);
}

Result<std::pair<std::vector<Example>, int64_t>> SqliteStore::ListDeletedExamples(int64_t offset, int64_t limit) {
  std::pair<std::vector<Example>, int64_t> out;
  EXEMPLAR_RETURN_IF_ERROR(pool_->Read([&](Conn& c) {
    auto& q = c.Prepare(std::string("SELECT ") + kTombstoneReadColumns +
                        " FROM example_tombstones ORDER BY deleted_at DESC, id DESC LIMIT ? OFFSET ?");
    q.bind(1, limit);
    q.bind(2, offset);
    while (q.executeStep()) {
      out.first.push_back(ReadTombstone(q));
    }
    auto& n = c.Prepare("SELECT COUNT(*) FROM example_tombstones");
    if (n.executeStep()) out.second = n.getColumn(0).getInt64();
    return Status::Ok();
  }));
  return out;
}

Status SqliteStore::InsertSnapshot(const SnapshotRecord& s, const std::vector<SnapshotItem>& items) {
  return pool_->Write([&](Conn& c) {
    InsertSnapshotRows(c, s, items);
    return Status::Ok();
  });
}

void InsertSnapshotRows(Conn& c, const SnapshotRecord& s, const std::vector<SnapshotItem>& items) {
  auto& q = c.Prepare(
      "INSERT INTO snapshots(id, name, template_id, selection, item_count, created_by, created_at) "
      "VALUES (?, ?, ?, ?, ?, ?, ?)");
  q.bind(1, s.id);
  q.bind(2, s.name);
  BindOpt(q, 3, s.template_id);
  q.bind(4, s.selection_json);
  q.bind(5, static_cast<int64_t>(s.item_count));
  BindOpt(q, 6, s.created_by);
  q.bind(7, static_cast<int64_t>(s.created_at));
  q.exec();
  for (const auto& it : items) {
    Exec(c, "INSERT INTO snapshot_items(snapshot_id, example_id, version, content_hash) VALUES (?1, ?2, ?3, ?4)",
         {s.id, it.example_id, it.version, it.content_hash});
  }
}

namespace {
SnapshotRecord ReadSnapshot(SQLite::Statement& q) {
  SnapshotRecord s;
  s.id = q.getColumn(0).getString();
  s.name = q.getColumn(1).getString();
  s.template_id = OptString(q.getColumn(2));
  s.selection_json = q.getColumn(3).getString();
  s.item_count = q.getColumn(4).getInt64();
  s.created_by = OptString(q.getColumn(5));
  s.created_at = q.getColumn(6).getInt64();
  return s;
}
constexpr const char* kSnapshotColumns = "id, name, template_id, selection, item_count, created_by, created_at";
}  // namespace

Result<SnapshotRecord> SqliteStore::GetSnapshot(const std::string& id) {
  std::optional<SnapshotRecord> out;
  EXEMPLAR_RETURN_IF_ERROR(pool_->Read([&](Conn& c) {
    auto& q = c.Prepare(std::string("SELECT ") + kSnapshotColumns + " FROM snapshots WHERE id = ?");
    q.bind(1, id);
    if (q.executeStep()) out = ReadSnapshot(q);
    return Status::Ok();
  }));
  if (!out) return Status::NotFound("Snapshot not found");
  return std::move(*out);
}

Result<std::vector<SnapshotItem>> SqliteStore::ListSnapshotItems(const std::string& id) {
  std::vector<SnapshotItem> out;
  EXEMPLAR_RETURN_IF_ERROR(pool_->Read([&](Conn& c) {
    auto& q = c.Prepare(
        "SELECT example_id, version, content_hash FROM snapshot_items WHERE snapshot_id = ? ORDER BY example_id");
    q.bind(1, id);
    while (q.executeStep()) {
      out.push_back({q.getColumn(0).getString(), q.getColumn(1).getInt64(), q.getColumn(2).getString()});
    }
    return Status::Ok();
  }));
  return out;
}

Result<std::vector<SnapshotItem>> SqliteStore::ListSnapshotItemsAfter(const std::string& id,
                                                                    const std::string& after_example_id,
                                                                    int64_t limit) {
  std::vector<SnapshotItem> out;
  EXEMPLAR_RETURN_IF_ERROR(pool_->Read([&](Conn& c) {
    // The primary key (snapshot_id, example_id) serves both the range and the order.
    auto& q = c.Prepare(
        "SELECT example_id, version, content_hash FROM snapshot_items WHERE snapshot_id = ? AND example_id > ? "
        "ORDER BY example_id LIMIT ?");
    q.bind(1, id);
    q.bind(2, after_example_id);
    q.bind(3, limit);
    while (q.executeStep()) {
      out.push_back({q.getColumn(0).getString(), q.getColumn(1).getInt64(), q.getColumn(2).getString()});
    }
    return Status::Ok();
  }));
  return out;
}

Result<KeyedPage<SnapshotRecord>> SqliteStore::ListSnapshots(int64_t offset, int64_t limit) {
  KeyedPage<SnapshotRecord> page;
  EXEMPLAR_RETURN_IF_ERROR(pool_->Read([&](Conn& c) {
    auto& q = c.Prepare(std::string("SELECT ") + kSnapshotColumns +
                        " FROM snapshots ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?");
    q.bind(1, static_cast<int64_t>(limit));
    q.bind(2, static_cast<int64_t>(offset));
    while (q.executeStep()) page.items.push_back(ReadSnapshot(q));
    auto& n = c.Prepare("SELECT COUNT(*) FROM snapshots");
    if (n.executeStep()) page.total = n.getColumn(0).getInt64();
    return Status::Ok();
  }));
  return page;
}

Status SqliteStore::AppendAudit(const std::vector<AuditRecord>& entries) {
  return pool_->Write([&](Conn& c) {
    for (const auto& r : entries) AppendAuditRow(c, r);
    return Status::Ok();
  });
}

Result<std::vector<AuditRecord>> SqliteStore::ListAudit(const AuditQuery& query) {
  std::vector<AuditRecord> out;
  EXEMPLAR_RETURN_IF_ERROR(pool_->Read([&](Conn& c) {
    SqlStatement st = AuditListSql(Dialect::kSqlite, query);
    SQLite::Statement q(c.db(), st.sql);
    BindValues(q, st.values);
    while (q.executeStep()) {
      AuditRecord r;
      r.seq = q.getColumn(0).getInt64();
      r.at = q.getColumn(1).getInt64();
      r.actor = q.getColumn(2).getString();
      r.action = q.getColumn(3).getString();
      r.entity = q.getColumn(4).getString();
      r.entity_ids = DecodeStringList(q.getColumn(5).getString());
      r.diff_json = q.getColumn(6).getString();
      r.request_id = OptString(q.getColumn(7)).value_or("");
      out.push_back(std::move(r));
    }
    return Status::Ok();
  }));
  return out;
}

Result<int64_t> SqliteStore::PurgeAuditBefore(int64_t before) {
  int64_t n = 0;
  EXEMPLAR_RETURN_IF_ERROR(pool_->Write([&](Conn& c) {
    auto& q = c.Prepare("DELETE FROM audit_log WHERE at < ?");
    q.bind(1, static_cast<int64_t>(before));
    q.exec();
    n = c.db().getChanges();
    return Status::Ok();
  }));
  return n;
}

Result<bool> SqliteStore::BackfillDone(const std::string& name) {
  bool done = false;
  EXEMPLAR_RETURN_IF_ERROR(pool_->Read([&](Conn& c) {
    auto& q = c.Prepare("SELECT 1 FROM backfills WHERE name = ?");
    q.bind(1, name);
    done = q.executeStep();
    return Status::Ok();
  }));
  return done;
}

Status SqliteStore::MarkBackfillDone(const std::string& name) {
  return pool_->Write([&](Conn& c) {
    Exec(c, "INSERT INTO backfills(name, done_at) VALUES (?1, ?2) ON CONFLICT DO NOTHING", {name, NowMillis()});
    return Status::Ok();
  });
}

}  // namespace exemplar::storage
