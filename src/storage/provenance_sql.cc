#include "storage/provenance_sql.h"

#include <nlohmann/json.hpp>

namespace exemplar::storage {

const char* const kTombstoneMovedColumns =
    "row_id, id, client_id, version, input, expected_output, explanation, databit_id, domain, "
    "function_name, difficulty, capability_tags, search_keys, source, attribution_notes, "
    "quality_score, usage_count, success_count, failure_count, effectiveness_score, embedding, "
    "embedding_model, created_by, created_at, updated_at, last_used_at, pii_flags";

// kExampleColumns (pii_flags last, as ReadExample reads them), then the tombstone's own.
const char* const kTombstoneReadColumns =
    "row_id, id, client_id, version, input, expected_output, explanation, databit_id, domain, "
    "function_name, difficulty, capability_tags, search_keys, source, attribution_notes, "
    "quality_score, usage_count, success_count, failure_count, embedding_model, created_by, "
    "created_at, updated_at, last_used_at, pii_flags, deleted_at, purged_at, content_hash";

SqlStatement AuditListSql(Dialect d, const AuditQuery& q) {
  SqlStatement st;
  st.sql = "SELECT seq, at, actor, action, entity, entity_ids, diff, request_id FROM audit_log";
  std::string where;
  auto add = [&](const std::string& frag, const SqlValue& v) {
    st.values.push_back(v);
    where += (where.empty() ? " WHERE " : " AND ") + frag + Param(d, static_cast<int>(st.values.size()));
  };
  if (q.entity) add("entity = ", *q.entity);
  if (q.actor) add("actor = ", *q.actor);
  if (q.since) add("at >= ", *q.since);
  if (q.before_seq) add("seq < ", *q.before_seq);
  if (q.entity_id) {
    add("EXISTS (SELECT 1 FROM " + JsonArrayValues(d, "audit_log.entity_ids") + " WHERE value = ", *q.entity_id);
    where += ")";
  }
  st.values.emplace_back(std::in_place_type<int64_t>, q.limit);
  st.sql += where + " ORDER BY seq DESC LIMIT " + Param(d, static_cast<int>(st.values.size()));
  return st;
}

std::string PurgeCopiesTemplatesSql(Dialect d) {
  const std::string id = Param(d, 1);
  // CASE: an integer on both backends (EXISTS is an integer on SQLite, a boolean on PostgreSQL).
  const std::string linked =
      "EXISTS (SELECT 1 FROM lineage_edges e WHERE e.source_type = 'example' AND e.source_id = " + id +
      " AND e.target_type = 'template' AND e.target_id = t.id AND e.type IN ('demo_of', 'bootstrapped_from') "
      "AND e.closed_at IS NULL)";
  return "SELECT t.id, t.examples, CASE WHEN " + linked + " THEN 1 ELSE 0 END FROM templates t WHERE " +
         Contains(d, "t.examples", id) + " OR " + linked + " ORDER BY t.id";
}

std::string PurgeCopiesRunsSql(Dialect d) {
  return "SELECT id, best_program FROM dspy_runs WHERE best_program IS NOT NULL AND " +
         Contains(d, "best_program", Param(d, 1)) + " ORDER BY id";
}

std::string PurgedVersionSnapshot(const std::string& example_id, const PurgedVersionHashes& v) {
  nlohmann::json j{{"example_id", example_id}, {"version", v.version}, {"purged", true}, {"content_hash", v.content_hash}};
  if (!v.io_hash.empty()) j["io_hash"] = v.io_hash;
  return j.dump();
}

LineageEdge MemberOfEdge(const std::string& example_id, const std::string& template_id, int64_t version,
                         int64_t at) {
  LineageEdge edge{"example", example_id, "template", template_id, "member_of", at};
  edge.example_version = version;
  return edge;
}

std::string MissingMembershipsSql(Dialect d, bool one_example) {
  // updated_at: the example's latest write, when it belonged to the template at the latest.
  // The WHERE clause also keeps SQLite from reading ON CONFLICT as part of the SELECT.
  return std::string(
             "INSERT INTO lineage_edges(source_type, source_id, target_type, target_id, type, created_at, "
             "example_version) SELECT 'example', e.id, 'template', e.databit_id, 'member_of', e.updated_at, "
             "e.version FROM examples e WHERE e.databit_id IS NOT NULL") +
         (one_example ? " AND e.id = " + Param(d, 1) : "") +
         " AND EXISTS (SELECT 1 FROM templates t WHERE t.id = e.databit_id) AND NOT EXISTS (SELECT 1 FROM "
         "lineage_edges l WHERE l.source_type = 'example' AND l.source_id = e.id AND l.target_type = 'template' "
         "AND l.target_id = e.databit_id AND l.type = 'member_of' AND l.closed_at IS NULL) ON CONFLICT "
         "(source_type, source_id, target_type, target_id, type) DO UPDATE SET closed_at = NULL, "
         "example_version = excluded.example_version";
}

}  // namespace exemplar::storage
