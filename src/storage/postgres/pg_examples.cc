// Example rows on PostgreSQL: insert, read, update with history, delete, list, embeddings.
#include <limits>
#include <map>
#include <set>

#include "common/time.h"
#include "storage/columns.h"
#include "storage/dialect.h"
#include "storage/list_sql.h"
#include "storage/provenance_sql.h"
#include "storage/postgres/pg_store.h"

namespace exemplar::storage {
namespace {

std::string SelectExamples(bool with_embedding) {
  return std::string("SELECT ") + kExampleColumns + (with_embedding ? ", embedding" : "") +
         " FROM examples";
}

std::optional<double> Effectiveness(double s, double f) {
  if (s + f <= 0) return std::nullopt;
  return (s + 1) / (s + f + 2);
}

}  // namespace

Result<std::vector<InsertOutcome>> PgStore::InsertExamples(std::vector<Example>& examples,
                                                            const TemplateFitCheck& fits) {
  for (const auto& e : examples) EXEMPLAR_RETURN_IF_ERROR(RefuseNul(e));
  std::vector<InsertOutcome> out;
  Status st = pool_->Write(
      [&](pqxx::transaction_base& tx) {
        out.clear();
        int64_t now = NowMillis();
        std::set<std::string> templates_seen;
        std::map<std::string, Template> templates_read;
        for (Example& e : examples) {
          // Idempotency: an example whose client id or id is already stored is not inserted again.
          auto found = PgParams().Text(e.client_id).Text(e.id).Exec(
              tx, "SELECT id, row_id FROM examples WHERE client_id = $1 OR id = $2 LIMIT 1");
          if (!found.empty()) {
            out.push_back({false, found[0][0].as<std::string>(), found[0][1].as<int64_t>()});
            PgParams().Text(out.back().id).Exec(tx, MissingMembershipsSql(Dialect::kPostgres, true));
            continue;
          }
          // The caller checked the template; a delete may have committed since. The key-share lock
          // holds off a delete until this commits (which then finds the example and refuses).
          if (e.databit_id && templates_seen.insert(*e.databit_id).second &&
              PgParams().Text(e.databit_id).Exec(tx, "SELECT 1 FROM templates WHERE id = $1 FOR KEY SHARE").empty()) {
            return Status::FailedPrecondition(kTemplateDeletedMeanwhile + *e.databit_id);
          }
          EXEMPLAR_RETURN_IF_ERROR(PgCheckTemplateFit(tx, e, fits, templates_read));
          PgParams p;
          p.Text(e.id).Text(e.client_id).Int(e.version);
          PgAddContent(p, e);
          p.Int(e.usage_count).Real(e.success_count).Real(e.failure_count);
          p.Real(Effectiveness(e.success_count, e.failure_count)).Floats(e.embedding);
          p.Text(e.embedding.empty() ? std::nullopt : e.embedding_model).Text(e.created_by);
          p.Int(e.created_at ? e.created_at : now).Int(e.updated_at ? e.updated_at : now);
          auto row = p.Exec(
              tx,
              "INSERT INTO examples(id, client_id, version, input, expected_output, explanation, "
              "databit_id, domain, function_name, difficulty, capability_tags, search_keys, source, "
              "attribution_notes, quality_score, pii_flags, usage_count, success_count, failure_count, "
              "effectiveness_score, embedding, embedding_model, created_by, created_at, updated_at) "
              "VALUES (" + PgPlaceholders(1, 25) + ") RETURNING row_id");
          e.row_id = row[0][0].as<int64_t>();
          if (e.databit_id) InsertEdgeRows(tx, {MemberOfEdge(e.id, *e.databit_id, e.version, now)});
          AppendChange(tx, e.id, e.row_id, "upsert", now);
          out.push_back({true, e.id, e.row_id});
        }
        return Status::Ok();
      },
      true);
  if (!st.ok()) return st;
  return out;
}

Result<Example> PgStore::GetExample(const std::string& id, bool with_embedding) {
  std::optional<Example> out;
  EXEMPLAR_RETURN_IF_ERROR(pool_->Read([&](pqxx::transaction_base& tx) {
    auto rows = PgParams().Text(id).Exec(tx, SelectExamples(with_embedding) + " WHERE id = $1");
    if (!rows.empty()) out = PgReadExample(rows[0], with_embedding);
    return Status::Ok();
  }));
  if (!out) return Status::NotFound("Example not found");
  return std::move(*out);
}

Result<std::vector<Example>> PgStore::GetExamplesByRowIds(const std::vector<int64_t>& row_ids) {
  std::vector<Example> out;
  if (row_ids.empty()) return out;
  std::string array = "{";
  for (size_t i = 0; i < row_ids.size(); ++i) array += (i ? "," : "") + std::to_string(row_ids[i]);
  array += "}";
  EXEMPLAR_RETURN_IF_ERROR(pool_->Read([&](pqxx::transaction_base& tx) {
    // Keeps the requested order: WITH ORDINALITY numbers the ids as given.
    auto rows = PgParams().Text(array).Exec(
        tx, std::string("SELECT ") + kExampleColumns +
                " FROM unnest($1::bigint[]) WITH ORDINALITY AS want(rid, pos) JOIN examples ON "
                "examples.row_id = want.rid ORDER BY want.pos");
    out.reserve(rows.size());
    for (const auto& r : rows) out.push_back(PgReadExample(r, false));
    return Status::Ok();
  }));
  return out;
}

Result<std::optional<Example>> PgStore::FindExampleByClientId(const std::string& client_id) {
  std::optional<Example> out;
  EXEMPLAR_RETURN_IF_ERROR(pool_->Read([&](pqxx::transaction_base& tx) {
    auto rows = PgParams().Text(client_id).Exec(tx, SelectExamples(false) + " WHERE client_id = $1");
    if (!rows.empty()) out = PgReadExample(rows[0], false);
    return Status::Ok();
  }));
  return out;
}

Result<std::optional<std::string>> PgStore::FindDeletedExampleByClientId(const std::string& client_id) {
  std::optional<std::string> out;
  EXEMPLAR_RETURN_IF_ERROR(pool_->Read([&](pqxx::transaction_base& tx) {
    auto rows = PgParams().Text(client_id).Exec(tx, "SELECT id FROM example_tombstones WHERE client_id = $1");
    if (!rows.empty()) out = rows[0][0].as<std::string>();
    return Status::Ok();
  }));
  return out;
}

// One example update inside the caller's transaction (row, history row, member_of edges, change
// log); shared by UpdateExample and UpdateExamples.
Status PgStore::UpdateExampleIn(pqxx::transaction_base& tx, const Example& e, const std::string& prior_snapshot,
                                const TemplateFitCheck& fits, std::map<std::string, Template>& templates_read) {
  EXEMPLAR_RETURN_IF_ERROR(PgCheckTemplateFit(tx, e, fits, templates_read));
  int64_t now = NowMillis();
  // Locked: the template it leaves is the one the update below replaces.
  auto was = PgParams().Text(e.id).Exec(tx, "SELECT databit_id FROM examples WHERE id = $1 FOR UPDATE");
  std::optional<std::string> was_databit;
  if (!was.empty() && !was[0][0].is_null()) was_databit = was[0][0].as<std::string>();
  bool set_embedding = !e.embedding.empty() || !e.embedding_model;
  PgParams p;
  p.Int(e.version);
  PgAddContent(p, e);
  p.Int(now);
  std::string sql =
      "UPDATE examples SET version = $1, input = $2, expected_output = $3, explanation = $4, "
      "databit_id = $5, domain = $6, function_name = $7, difficulty = $8, capability_tags = $9, "
      "search_keys = $10, source = $11, attribution_notes = $12, quality_score = $13, "
      "pii_flags = $14, updated_at = $15";
  if (set_embedding) {
    sql += ", embedding = $16, embedding_model = $17";
    p.Floats(e.embedding).Text(e.embedding.empty() ? std::nullopt : e.embedding_model);
  }
  int n = static_cast<int>(p.size());
  sql += " WHERE id = $" + std::to_string(n + 1) + " AND version = $" + std::to_string(n + 2) +
         " RETURNING row_id";
  p.Text(e.id).Int(e.version - 1);
  auto row = p.Exec(tx, sql);
  if (row.empty()) {
    if (PgParams().Text(e.id).Exec(tx, "SELECT 1 FROM examples WHERE id = $1").empty()) {
      return Status::NotFound("Example not found");
    }
    return Status::FailedPrecondition("example was modified concurrently; retry");
  }
  PgParams().Text(e.id).Int(e.version - 1).Text(prior_snapshot).Int(now).Exec(
      tx, "INSERT INTO example_versions(example_id, version, snapshot, created_at) VALUES ($1, $2, $3, $4)");
  if (was_databit && was_databit != e.databit_id) CloseEdgeRows(tx, {MemberOfEdge(e.id, *was_databit, e.version, now)}, now);
  if (e.databit_id) InsertEdgeRows(tx, {MemberOfEdge(e.id, *e.databit_id, e.version, now)});
  AppendChange(tx, e.id, row[0][0].as<int64_t>(), "upsert", now);
  return Status::Ok();
}

// One example delete inside the caller's transaction; shared by DeleteExample and DeleteExamples.
Status PgStore::DeleteExampleIn(pqxx::transaction_base& tx, const std::string& id) {
  auto row = PgParams().Text(id).Exec(tx, "DELETE FROM examples WHERE id = $1 RETURNING row_id");
  if (row.empty()) return Status::NotFound("Example not found");
  PgParams().Text(id).Exec(tx, "DELETE FROM example_versions WHERE example_id = $1");
  PgParams().Text(id).Exec(tx, "DELETE FROM usage_events WHERE example_id = $1");
  PgParams().Text(id).Exec(tx,
                           "DELETE FROM lineage_edges WHERE (source_type = 'example' AND source_id = $1) OR "
                           "(target_type = 'example' AND target_id = $1)");
  AppendChange(tx, id, row[0][0].as<int64_t>(), "delete", NowMillis());
  return Status::Ok();
}

Status PgStore::UpdateExample(const Example& e, const std::string& prior_snapshot, const TemplateFitCheck& fits) {
  EXEMPLAR_RETURN_IF_ERROR(RefuseNul(e));
  return pool_->Write(
      [&](pqxx::transaction_base& tx) {
        std::map<std::string, Template> templates_read;
        return UpdateExampleIn(tx, e, prior_snapshot, fits, templates_read);
      },
      true);
}

Status PgStore::UpdateExamples(const std::vector<ExampleUpdate>& updates, const TemplateFitCheck& fits) {
  for (const auto& u : updates) EXEMPLAR_RETURN_IF_ERROR(RefuseNul(u.updated));
  return pool_->Write(
      [&](pqxx::transaction_base& tx) {
        std::map<std::string, Template> templates_read;
        for (const auto& u : updates) {
          EXEMPLAR_RETURN_IF_ERROR(UpdateExampleIn(tx, u.updated, u.prior_snapshot, fits, templates_read));
        }
        return Status::Ok();
      },
      true);
}

Status PgStore::DeleteExample(const std::string& id) {
  return pool_->Write([&](pqxx::transaction_base& tx) { return DeleteExampleIn(tx, id); }, true);
}

Status PgStore::DeleteExamples(const std::vector<std::string>& ids) {
  return pool_->Write(
      [&](pqxx::transaction_base& tx) {
        for (const auto& id : ids) EXEMPLAR_RETURN_IF_ERROR(DeleteExampleIn(tx, id));
        return Status::Ok();
      },
      true);
}

Result<ExamplePage> PgStore::ListExamples(const ExampleListQuery& query) {
  Result<ExamplePage> page = Status::Internal("list not run");
  EXEMPLAR_RETURN_IF_ERROR(pool_->Read([&](pqxx::transaction_base& tx) {
    // One read transaction: the count and both legs see the same snapshot.
    auto select = [&](const SqlStatement& st, std::vector<ListedExample>* out) {
      PgParams p;
      PgAddValues(p, st.values);
      constexpr int kSortColumn = 25;  // after kExampleColumns
      for (const auto& r : p.Exec(tx, st.sql)) out->push_back({PgReadExample(r, false), PgOptReal(r[kSortColumn])});
      return Status::Ok();
    };
    auto count = [&](const SqlStatement& st) -> Result<int64_t> {
      PgParams p;
      PgAddValues(p, st.values);
      return p.Exec(tx, st.sql)[0][0].as<int64_t>();
    };
    page = ListExamplesWith(Dialect::kPostgres, query, select, count);
    return page.status();
  }));
  return page;
}

Result<std::vector<ExampleVersion>> PgStore::ListExampleVersions(const std::string& id) {
  std::vector<ExampleVersion> out;
  EXEMPLAR_RETURN_IF_ERROR(pool_->Read([&](pqxx::transaction_base& tx) {
    auto rows = PgParams().Text(id).Exec(
        tx,
        "SELECT example_id, version, snapshot, created_at FROM example_versions WHERE "
        "example_id = $1 ORDER BY version DESC");
    for (const auto& r : rows) {
      out.push_back({r[0].as<std::string>(), r[1].as<int64_t>(), r[2].as<std::string>(),
                     r[3].as<int64_t>()});
    }
    return Status::Ok();
  }));
  return out;
}

Result<ExampleVersionPage> PgStore::ListExampleVersionPage(const std::string& id, int64_t offset, int64_t limit) {
  ExampleVersionPage out;
  EXEMPLAR_RETURN_IF_ERROR(pool_->Read([&](pqxx::transaction_base& tx) {
    auto count = PgParams().Text(id).Exec(tx, "SELECT COUNT(*) FROM example_versions WHERE example_id = $1");
    if (!count.empty()) out.total = count[0][0].as<int64_t>();
    auto rows = PgParams().Text(id).Int(limit).Int(offset).Exec(
        tx,
        "SELECT example_id, version, snapshot, created_at FROM example_versions WHERE "
        "example_id = $1 ORDER BY version DESC LIMIT $2 OFFSET $3");
    for (const auto& r : rows) {
      out.versions.push_back({r[0].as<std::string>(), r[1].as<int64_t>(), r[2].as<std::string>(),
                              r[3].as<int64_t>()});
    }
    return Status::Ok();
  }));
  return out;
}

Status PgStore::ScanExamples(bool with_embeddings, const std::function<void(Example&&)>& fn) {
  // Keyset pages keep memory flat on large stores. A row changed during the scan is also in the
  // change log after the sequence the caller read first, so its replay settles it.
  constexpr int64_t kPage = 2000;
  return pool_->Read([&](pqxx::transaction_base& tx) {
    int64_t after = std::numeric_limits<int64_t>::min();
    while (true) {
      auto rows = PgParams().Int(after).Int(kPage).Exec(
          tx, SelectExamples(with_embeddings) + " WHERE row_id > $1 ORDER BY row_id LIMIT $2");
      for (const auto& r : rows) {
        Example e = PgReadExample(r, with_embeddings);
        after = e.row_id;
        fn(std::move(e));
      }
      if (static_cast<int64_t>(rows.size()) < kPage) return Status::Ok();
    }
  });
}

Status PgStore::SetEmbeddings(const std::vector<std::pair<std::string, std::vector<float>>>& items,
                              const std::string& model) {
  return pool_->Write(
      [&](pqxx::transaction_base& tx) {
        int64_t now = NowMillis();
        for (const auto& [id, vec] : items) {
          auto row = PgParams().Floats(vec).Text(model).Text(id).Exec(
              tx, "UPDATE examples SET embedding = $1, embedding_model = $2 WHERE id = $3 RETURNING row_id");
          if (!row.empty()) AppendChange(tx, id, row[0][0].as<int64_t>(), "upsert", now);
        }
        return Status::Ok();
      },
      true);
}

Result<int64_t> PgStore::CountExamples() {
  int64_t n = 0;
  EXEMPLAR_RETURN_IF_ERROR(pool_->Read([&](pqxx::transaction_base& tx) {
    n = tx.exec1("SELECT COUNT(*) FROM examples")[0].as<int64_t>();
    return Status::Ok();
  }));
  return n;
}

}  // namespace exemplar::storage
