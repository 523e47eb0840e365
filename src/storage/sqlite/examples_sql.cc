// Example rows: insert, read, update with history, delete, list with filters, embeddings.
#include <map>
#include <set>
#include <string>

#include "common/time.h"
#include "storage/columns.h"
#include "storage/dialect.h"
#include "storage/list_sql.h"
#include "storage/provenance_sql.h"
#include "storage/sqlite/row_mapping.h"
#include "storage/sqlite/sqlite_store.h"

namespace exemplar::storage {
namespace {

std::string SelectExamples(bool with_embedding) {
  return std::string("SELECT ") + kExampleColumns + (with_embedding ? ", embedding" : "") +
         " FROM examples";
}

void BindEmbedding(SQLite::Statement& q, int i, const std::vector<float>& v) {
  if (v.empty()) q.bind(i);
  else q.bind(i, v.data(), static_cast<int>(v.size() * sizeof(float)));
}

// Binds the user-editable columns, input … quality_score, in schema order from position i.
int BindContent(SQLite::Statement& q, int i, const Example& e) {
  q.bind(i++, e.input_json);
  q.bind(i++, e.expected_output_json);
  BindOpt(q, i++, e.explanation);
  BindOpt(q, i++, e.databit_id);
  q.bind(i++, e.domain);
  BindOpt(q, i++, e.function_name);
  q.bind(i++, e.difficulty);
  q.bind(i++, EncodeStringList(e.capability_tags));
  q.bind(i++, EncodeStringList(e.search_keys));
  q.bind(i++, e.source);
  BindOpt(q, i++, e.attribution_notes);
  BindOpt(q, i++, e.quality_score);
  q.bind(i++, EncodeStringList(e.pii_flags));
  return i;
}

std::optional<double> Effectiveness(double s, double f) {
  if (s + f <= 0) return std::nullopt;
  return (s + 1) / (s + f + 2);
}

}  // namespace

int64_t HighestExampleRowId(Conn& c) {
  auto& q = c.Prepare(
      "SELECT MAX(m) FROM (SELECT MAX(row_id) AS m FROM examples UNION ALL SELECT MAX(row_id) FROM example_tombstones)");
  return q.executeStep() && !q.getColumn(0).isNull() ? q.getColumn(0).getInt64() : 0;
}

Result<std::vector<InsertOutcome>> SqliteStore::InsertExamples(std::vector<Example>& examples,
                                                                const TemplateFitCheck& fits) {
  for (const auto& e : examples) EXEMPLAR_RETURN_IF_ERROR(RefuseNul(e));
  std::vector<InsertOutcome> out;
  Status st = pool_->Write([&](Conn& c) {
    out.clear();
    int64_t now = NowMillis();
    int64_t last_row_id = HighestExampleRowId(c);
    std::set<std::string> templates_seen;
    std::map<std::string, Template> templates_read;
    for (Example& e : examples) {
      // Idempotency: an example whose client id or id is already stored is not inserted again.
      auto& find = c.Prepare("SELECT id, row_id FROM examples WHERE client_id = ?1 OR id = ?2 LIMIT 1");
      BindOpt(find, 1, e.client_id);
      find.bind(2, e.id);
      if (find.executeStep()) {
        out.push_back({false, find.getColumn(0).getString(), find.getColumn(1).getInt64()});
        find.reset();
        auto& repair = c.Prepare(MissingMembershipsSql(Dialect::kSqlite, true));
        repair.bind(1, out.back().id);
        repair.exec();
        continue;
      }
      // The caller checked the template; a delete may have committed since (writes are serial
      // here, and a delete refuses a template that examples name).
      if (e.databit_id && templates_seen.insert(*e.databit_id).second) {
        auto& t = c.Prepare("SELECT 1 FROM templates WHERE id = ?");
        t.bind(1, *e.databit_id);
        if (!t.executeStep()) return Status::FailedPrecondition(kTemplateDeletedMeanwhile + *e.databit_id);
      }
      EXEMPLAR_RETURN_IF_ERROR(CheckTemplateFit(c, e, fits, templates_read));
      auto& q = c.Prepare(
          "INSERT INTO examples(row_id, id, client_id, version, input, expected_output, explanation, "
          "databit_id, domain, function_name, difficulty, capability_tags, search_keys, source, "
          "attribution_notes, quality_score, pii_flags, usage_count, success_count, failure_count, "
          "effectiveness_score, embedding, embedding_model, created_by, created_at, updated_at) "
          "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
      int i = 1;
      q.bind(i++, ++last_row_id);
      q.bind(i++, e.id);
      BindOpt(q, i++, e.client_id);
      q.bind(i++, static_cast<int64_t>(e.version));
      i = BindContent(q, i, e);
      q.bind(i++, static_cast<int64_t>(e.usage_count));
      q.bind(i++, e.success_count);
      q.bind(i++, e.failure_count);
      BindOpt(q, i++, Effectiveness(e.success_count, e.failure_count));
      BindEmbedding(q, i++, e.embedding);
      BindOpt(q, i++, e.embedding.empty() ? std::nullopt : e.embedding_model);
      BindOpt(q, i++, e.created_by);
      q.bind(i++, static_cast<int64_t>(e.created_at ? e.created_at : now));
      q.bind(i++, static_cast<int64_t>(e.updated_at ? e.updated_at : now));
      q.exec();
      e.row_id = last_row_id;
      if (e.databit_id) InsertEdgeRows(c, {MemberOfEdge(e.id, *e.databit_id, e.version, now)});
      AppendChange(c, "example", e.id, e.row_id, "upsert", now);
      out.push_back({true, e.id, e.row_id});
    }
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return out;
}

Result<Example> SqliteStore::GetExample(const std::string& id, bool with_embedding) {
  std::optional<Example> out;
  EXEMPLAR_RETURN_IF_ERROR(pool_->Read([&](Conn& c) {
    auto& q = c.Prepare(SelectExamples(with_embedding) + " WHERE id = ?");
    q.bind(1, id);
    if (q.executeStep()) out = ReadExample(q, with_embedding);
    return Status::Ok();
  }));
  if (!out) return Status::NotFound("Example not found");
  return std::move(*out);
}

Result<std::vector<Example>> SqliteStore::GetExamplesByRowIds(const std::vector<int64_t>& row_ids) {
  std::vector<Example> out;
  out.reserve(row_ids.size());
  EXEMPLAR_RETURN_IF_ERROR(pool_->Read([&](Conn& c) {
    auto& q = c.Prepare(SelectExamples(false) + " WHERE row_id = ?");
    for (int64_t r : row_ids) {
      q.reset();
      q.bind(1, static_cast<int64_t>(r));
      if (q.executeStep()) out.push_back(ReadExample(q, false));
    }
    return Status::Ok();
  }));
  return out;
}

Result<std::optional<Example>> SqliteStore::FindExampleByClientId(const std::string& client_id) {
  std::optional<Example> out;
  EXEMPLAR_RETURN_IF_ERROR(pool_->Read([&](Conn& c) {
    auto& q = c.Prepare(SelectExamples(false) + " WHERE client_id = ?");
    q.bind(1, client_id);
    if (q.executeStep()) out = ReadExample(q, false);
    return Status::Ok();
  }));
  return out;
}

Result<std::optional<std::string>> SqliteStore::FindDeletedExampleByClientId(const std::string& client_id) {
  std::optional<std::string> out;
  EXEMPLAR_RETURN_IF_ERROR(pool_->Read([&](Conn& c) {
    auto& q = c.Prepare("SELECT id FROM example_tombstones WHERE client_id = ?");
    q.bind(1, client_id);
    if (q.executeStep()) out = q.getColumn(0).getString();
    return Status::Ok();
  }));
  return out;
}

// One example update inside the caller's write transaction: the row (version-checked), its history
// row, its member_of edges and the change-log entry. Shared by UpdateExample and UpdateExamples.
Status UpdateExampleIn(Conn& c, const Example& e, const std::string& prior_snapshot, const TemplateFitCheck& fits,
                       std::map<std::string, Template>& templates_read) {
  EXEMPLAR_RETURN_IF_ERROR(CheckTemplateFit(c, e, fits, templates_read));
  int64_t now = NowMillis();
  std::optional<std::string> was_databit;
  {
    auto& was = c.Prepare("SELECT databit_id FROM examples WHERE id = ?");
    was.bind(1, e.id);
    if (was.executeStep() && !was.getColumn(0).isNull()) was_databit = was.getColumn(0).getString();
    was.reset();
  }
  bool set_embedding = !e.embedding.empty() || !e.embedding_model;
  std::string sql =
      "UPDATE examples SET version = ?, input = ?, expected_output = ?, explanation = ?, "
      "databit_id = ?, domain = ?, function_name = ?, difficulty = ?, capability_tags = ?, "
      "search_keys = ?, source = ?, attribution_notes = ?, quality_score = ?, pii_flags = ?, "
      "updated_at = ?";
  if (set_embedding) sql += ", embedding = ?, embedding_model = ?";
  sql += " WHERE id = ? AND version = ?";
  auto& q = c.Prepare(sql);
  int i = 1;
  q.bind(i++, static_cast<int64_t>(e.version));
  i = BindContent(q, i, e);
  q.bind(i++, static_cast<int64_t>(now));
  if (set_embedding) {
    BindEmbedding(q, i++, e.embedding);
    BindOpt(q, i++, e.embedding.empty() ? std::nullopt : e.embedding_model);
  }
  q.bind(i++, e.id);
  q.bind(i++, static_cast<int64_t>(e.version - 1));
  q.exec();
  if (c.db().getChanges() == 0) {
    auto& exists = c.Prepare("SELECT 1 FROM examples WHERE id = ?");
    exists.bind(1, e.id);
    if (!exists.executeStep()) return Status::NotFound("Example not found");
    return Status::FailedPrecondition("example was modified concurrently; retry");
  }
  auto& h = c.Prepare(
      "INSERT INTO example_versions(example_id, version, snapshot, created_at) VALUES (?,?,?,?)");
  h.bind(1, e.id);
  h.bind(2, static_cast<int64_t>(e.version - 1));
  h.bind(3, prior_snapshot);
  h.bind(4, static_cast<int64_t>(now));
  h.exec();
  if (was_databit && was_databit != e.databit_id) CloseEdgeRows(c, {MemberOfEdge(e.id, *was_databit, e.version, now)}, now);
  if (e.databit_id) InsertEdgeRows(c, {MemberOfEdge(e.id, *e.databit_id, e.version, now)});
  auto& row = c.Prepare("SELECT row_id FROM examples WHERE id = ?");
  row.bind(1, e.id);
  AppendChange(c, "example", e.id, row.executeStep() ? row.getColumn(0).getInt64() : 0, "upsert", now);
  return Status::Ok();
}

// One example delete inside the caller's write transaction (row, history, usage events, lineage
// edges, change log). Shared by DeleteExample and DeleteExamples, so both delete the same way.
Status DeleteExampleIn(Conn& c, const std::string& id) {
  auto& row = c.Prepare("SELECT row_id FROM examples WHERE id = ?");
  row.bind(1, id);
  if (!row.executeStep()) return Status::NotFound("Example not found");
  int64_t row_id = row.getColumn(0).getInt64();
  auto& q = c.Prepare("DELETE FROM examples WHERE id = ?");
  q.bind(1, id);
  q.exec();
  auto& v = c.Prepare("DELETE FROM example_versions WHERE example_id = ?");
  v.bind(1, id);
  v.exec();
  auto& ev = c.Prepare("DELETE FROM usage_events WHERE example_id = ?");
  ev.bind(1, id);
  ev.exec();
  auto& edges = c.Prepare(
      "DELETE FROM lineage_edges WHERE (source_type = 'example' AND source_id = ?1) OR "
      "(target_type = 'example' AND target_id = ?1)");
  edges.bind(1, id);
  edges.exec();
  AppendChange(c, "example", id, row_id, "delete", NowMillis());
  return Status::Ok();
}

Status SqliteStore::UpdateExample(const Example& e, const std::string& prior_snapshot, const TemplateFitCheck& fits) {
  EXEMPLAR_RETURN_IF_ERROR(RefuseNul(e));
  return pool_->Write([&](Conn& c) {
    std::map<std::string, Template> templates_read;
    return UpdateExampleIn(c, e, prior_snapshot, fits, templates_read);
  });
}

Status SqliteStore::UpdateExamples(const std::vector<ExampleUpdate>& updates, const TemplateFitCheck& fits) {
  for (const auto& u : updates) EXEMPLAR_RETURN_IF_ERROR(RefuseNul(u.updated));
  return pool_->Write([&](Conn& c) {
    std::map<std::string, Template> templates_read;
    for (const auto& u : updates) {
      EXEMPLAR_RETURN_IF_ERROR(UpdateExampleIn(c, u.updated, u.prior_snapshot, fits, templates_read));
    }
    return Status::Ok();
  });
}

Status SqliteStore::DeleteExample(const std::string& id) {
  return pool_->Write([&](Conn& c) { return DeleteExampleIn(c, id); });
}

Status SqliteStore::DeleteExamples(const std::vector<std::string>& ids) {
  return pool_->Write([&](Conn& c) {
    for (const auto& id : ids) EXEMPLAR_RETURN_IF_ERROR(DeleteExampleIn(c, id));
    return Status::Ok();
  });
}

Result<ExamplePage> SqliteStore::ListExamples(const ExampleListQuery& query) {
  Result<ExamplePage> page = Status::Internal("list not run");
  EXEMPLAR_RETURN_IF_ERROR(pool_->Read([&](Conn& c) {
    auto select = [&](const SqlStatement& st, std::vector<ListedExample>* out) {
      SQLite::Statement q(c.db(), st.sql);
      BindValues(q, st.values);
      constexpr int kSortColumn = 25;  // after kExampleColumns
      while (q.executeStep()) out->push_back({ReadExample(q, false), OptDouble(q.getColumn(kSortColumn))});
      return Status::Ok();
    };
    auto count = [&](const SqlStatement& st) -> Result<int64_t> {
      SQLite::Statement q(c.db(), st.sql);
      BindValues(q, st.values);
      return q.executeStep() ? q.getColumn(0).getInt64() : 0;
    };
    page = ListExamplesWith(Dialect::kSqlite, query, select, count);
    return page.status();
  }));
  return page;
}

Result<std::vector<ExampleVersion>> SqliteStore::ListExampleVersions(const std::string& id) {
  std::vector<ExampleVersion> out;
  EXEMPLAR_RETURN_IF_ERROR(pool_->Read([&](Conn& c) {
    auto& q = c.Prepare(
        "SELECT example_id, version, snapshot, created_at FROM example_versions WHERE "
        "example_id = ? ORDER BY version DESC");
    q.bind(1, id);
    while (q.executeStep()) {
      out.push_back({q.getColumn(0).getString(), q.getColumn(1).getInt64(),
                     q.getColumn(2).getString(), q.getColumn(3).getInt64()});
    }
    return Status::Ok();
  }));
  return out;
}

Result<ExampleVersionPage> SqliteStore::ListExampleVersionPage(const std::string& id, int64_t offset,
                                                                int64_t limit) {
  ExampleVersionPage out;
  EXEMPLAR_RETURN_IF_ERROR(pool_->Read([&](Conn& c) {
    auto& n = c.Prepare("SELECT COUNT(*) FROM example_versions WHERE example_id = ?");
    n.bind(1, id);
    if (n.executeStep()) out.total = n.getColumn(0).getInt64();
    auto& q = c.Prepare(
        "SELECT example_id, version, snapshot, created_at FROM example_versions WHERE "
        "example_id = ? ORDER BY version DESC LIMIT ? OFFSET ?");
    q.bind(1, id);
    q.bind(2, limit);
    q.bind(3, offset);
    while (q.executeStep()) {
      out.versions.push_back({q.getColumn(0).getString(), q.getColumn(1).getInt64(),
                              q.getColumn(2).getString(), q.getColumn(3).getInt64()});
    }
    return Status::Ok();
  }));
  return out;
}

Status SqliteStore::ScanExamples(bool with_embeddings, const std::function<void(Example&&)>& fn) {
  return pool_->Read([&](Conn& c) {
    SQLite::Statement q(c.db(), SelectExamples(with_embeddings) + " ORDER BY row_id");
    while (q.executeStep()) fn(ReadExample(q, with_embeddings));
    return Status::Ok();
  });
}

Status SqliteStore::SetEmbeddings(const std::vector<std::pair<std::string, std::vector<float>>>& items,
                                  const std::string& model) {
  return pool_->Write([&](Conn& c) {
    int64_t now = NowMillis();
    for (const auto& [id, vec] : items) {
      auto& q = c.Prepare(
          "UPDATE examples SET embedding = ?, embedding_model = ? WHERE id = ? RETURNING row_id");
      BindEmbedding(q, 1, vec);
      q.bind(2, model);
      q.bind(3, id);
      if (q.executeStep()) {
        int64_t row_id = q.getColumn(0).getInt64();
        q.reset();
        AppendChange(c, "example", id, row_id, "upsert", now);
      }
    }
    return Status::Ok();
  });
}

Result<int64_t> SqliteStore::CountExamples() {
  int64_t n = 0;
  EXEMPLAR_RETURN_IF_ERROR(pool_->Read([&](Conn& c) {
    auto& q = c.Prepare("SELECT COUNT(*) FROM examples");
    if (q.executeStep()) n = q.getColumn(0).getInt64();
    return Status::Ok();
  }));
  return n;
}

}  // namespace exemplar::storage
