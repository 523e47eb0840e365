// Row ↔ record mapping for the PostgreSQL statements (column orders from storage/columns.h).
#include <cstring>

#include "common/time.h"
#include "storage/columns.h"
#include "storage/postgres/pg_store.h"

namespace exemplar::storage {

Example PgReadExample(const pqxx::row& r, bool with_embedding) {
  Example e;
  int i = 0;
  e.row_id = r[i++].as<int64_t>();
  e.id = r[i++].as<std::string>();
  e.client_id = PgOptText(r[i++]);
  e.version = r[i++].as<int64_t>();
  e.input_json = r[i++].as<std::string>();
  e.expected_output_json = r[i++].as<std::string>();
  e.explanation = PgOptText(r[i++]);
  e.databit_id = PgOptText(r[i++]);
  e.domain = r[i++].as<std::string>();
  e.function_name = PgOptText(r[i++]);
  e.difficulty = r[i++].as<std::string>();
  e.capability_tags = DecodeStringList(r[i++].as<std::string>());
  e.search_keys = DecodeStringList(r[i++].as<std::string>());
  e.source = r[i++].as<std::string>();
  e.attribution_notes = PgOptText(r[i++]);
  e.quality_score = PgOptReal(r[i++]);
  e.usage_count = r[i++].as<int64_t>();
  e.success_count = r[i++].as<double>();
  e.failure_count = r[i++].as<double>();
  e.embedding_model = PgOptText(r[i++]);
  e.created_by = PgOptText(r[i++]);
  e.created_at = r[i++].as<int64_t>();
  e.updated_at = r[i++].as<int64_t>();
  e.last_used_at = PgOptInt(r[i++]);
  e.pii_flags = DecodeStringList(r[i++].as<std::string>());
  if (with_embedding && !r[i].is_null()) {
    pqxx::binarystring blob(r[i]);
    e.embedding.resize(blob.size() / sizeof(float));
    std::memcpy(e.embedding.data(), blob.data(), e.embedding.size() * sizeof(float));
  }
  return e;
}

void PgAddContent(PgParams& p, const Example& e) {
  p.Text(e.input_json).Text(e.expected_output_json).Text(e.explanation).Text(e.databit_id);
  p.Text(e.domain).Text(e.function_name).Text(e.difficulty);
  p.Text(EncodeStringList(e.capability_tags)).Text(EncodeStringList(e.search_keys));
  p.Text(e.source).Text(e.attribution_notes).Real(e.quality_score);
  p.Text(EncodeStringList(e.pii_flags));
}

Template PgReadTemplate(const pqxx::row& r) {
  Template t;
  int i = 0;
  t.id = r[i++].as<std::string>();
  t.name = r[i++].as<std::string>();
  t.description = PgOptText(r[i++]);
  t.input_schema = DecodeSchema(r[i++].as<std::string>());
  t.output_schema = DecodeSchema(r[i++].as<std::string>());
  t.prompt_template = PgOptText(r[i++]);
  t.system_prompt = PgOptText(r[i++]);
  t.examples_json = r[i++].as<std::string>();
  t.base_model = r[i++].as<std::string>();
  t.temperature = r[i++].as<double>();
  t.max_tokens = r[i++].as<int64_t>();
  t.status = r[i++].as<std::string>();
  t.version = r[i++].as<std::string>();
  t.parent_template_id = PgOptText(r[i++]);
  t.derived_from = DecodeStringList(r[i++].as<std::string>());
  t.created_by = PgOptText(r[i++]);
  t.created_at = r[i++].as<int64_t>();
  t.updated_at = r[i++].as<int64_t>();
  return t;
}

void PgAddTemplateBody(PgParams& p, const Template& t) {
  p.Text(t.name).Text(t.description).Text(EncodeSchema(t.input_schema)).Text(EncodeSchema(t.output_schema));
  p.Text(t.prompt_template).Text(t.system_prompt).Text(t.examples_json).Text(t.base_model);
  p.Real(t.temperature).Int(t.max_tokens).Text(t.status).Text(t.version).Text(t.parent_template_id);
  p.Text(EncodeStringList(t.derived_from)).Text(t.created_by).Int(t.created_at).Int(t.updated_at);
}

RunRecord PgReadRun(const pqxx::row& row) {
  RunRecord r;
  int i = 0;
  r.id = row[i++].as<std::string>();
  r.template_id = row[i++].as<std::string>();
  r.status = row[i++].as<std::string>();
  r.config_json = row[i++].as<std::string>();
  r.progress_json = row[i++].as<std::string>();
  r.best_score = PgOptReal(row[i++]);
  r.best_program_json = PgOptText(row[i++]);
  r.contributions_json = PgOptText(row[i++]);
  r.error = PgOptText(row[i++]);
  r.decision = PgOptText(row[i++]);
  r.accepted_template_id = PgOptText(row[i++]);
  r.synced_at = PgOptInt(row[i++]);
  r.claimed_by = PgOptText(row[i++]);
  r.created_by = PgOptText(row[i++]);
  r.created_at = row[i++].as<int64_t>();
  r.started_at = PgOptInt(row[i++]);
  r.completed_at = PgOptInt(row[i++]);
  r.updated_at = row[i++].as<int64_t>();
  r.lease_expires_at = PgOptInt(row[i++]);
  r.attempts = row[i++].as<int64_t>();
  r.takeovers = row[i++].as<int64_t>();
  return r;
}

void PgAddRunBody(PgParams& p, const RunRecord& r) {
  p.Text(r.template_id).Text(r.status).Text(r.config_json).Text(r.progress_json);
  p.Real(r.best_score).Text(r.best_program_json).Text(r.contributions_json).Text(r.error);
  p.Text(r.decision).Text(r.accepted_template_id).Int(r.synced_at).Text(r.claimed_by);
  p.Text(r.created_by).Int(r.created_at).Int(r.started_at).Int(r.completed_at);
  p.Int(r.updated_at ? r.updated_at : NowMillis());
}

std::string PgPlaceholders(int first, int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s += (i ? ", $" : "$") + std::to_string(first + i);
  return s;
}

void PgAddValues(PgParams& p, const std::vector<SqlValue>& values) {
  for (const auto& v : values) {
    if (const auto* text = std::get_if<std::string>(&v)) p.Text(*text);
    else if (const auto* real = std::get_if<double>(&v)) p.Real(*real);
    else p.Int(std::get<int64_t>(v));
  }
}

}  // namespace exemplar::storage
