#include "storage/sqlite/row_mapping.h"

#include <cstring>

namespace exemplar::storage {

Example ReadExample(SQLite::Statement& q, bool with_embedding) {
  Example e;
  int i = 0;
  e.row_id = q.getColumn(i++).getInt64();
  e.id = q.getColumn(i++).getString();
  e.client_id = OptString(q.getColumn(i++));
  e.version = q.getColumn(i++).getInt64();
  e.input_json = q.getColumn(i++).getString();
  e.expected_output_json = q.getColumn(i++).getString();
  e.explanation = OptString(q.getColumn(i++));
  e.databit_id = OptString(q.getColumn(i++));
  e.domain = q.getColumn(i++).getString();
  e.function_name = OptString(q.getColumn(i++));
  e.difficulty = q.getColumn(i++).getString();
  e.capability_tags = DecodeStringList(q.getColumn(i++).getString());
  e.search_keys = DecodeStringList(q.getColumn(i++).getString());
  e.source = q.getColumn(i++).getString();
  e.attribution_notes = OptString(q.getColumn(i++));
  e.quality_score = OptDouble(q.getColumn(i++));
  e.usage_count = q.getColumn(i++).getInt64();
  e.success_count = q.getColumn(i++).getDouble();
  e.failure_count = q.getColumn(i++).getDouble();
  e.embedding_model = OptString(q.getColumn(i++));
  e.created_by = OptString(q.getColumn(i++));
  e.created_at = q.getColumn(i++).getInt64();
  e.updated_at = q.getColumn(i++).getInt64();
  e.last_used_at = OptInt(q.getColumn(i++));
  e.pii_flags = DecodeStringList(q.getColumn(i++).getString());
  if (with_embedding) {
    SQLite::Column c = q.getColumn(i++);
    if (!c.isNull()) {
      int bytes = c.getBytes();
      e.embedding.resize(static_cast<size_t>(bytes) / sizeof(float));
      std::memcpy(e.embedding.data(), c.getBlob(), e.embedding.size() * sizeof(float));
    }
  }
  return e;
}

Template ReadTemplate(SQLite::Statement& q) {
  Template t;
  int i = 0;
  t.id = q.getColumn(i++).getString();
  t.name = q.getColumn(i++).getString();
  t.description = OptString(q.getColumn(i++));
  t.input_schema = DecodeSchema(q.getColumn(i++).getString());
  t.output_schema = DecodeSchema(q.getColumn(i++).getString());
  t.prompt_template = OptString(q.getColumn(i++));
  t.system_prompt = OptString(q.getColumn(i++));
  t.examples_json = q.getColumn(i++).getString();
  t.base_model = q.getColumn(i++).getString();
  t.temperature = q.getColumn(i++).getDouble();
  t.max_tokens = q.getColumn(i++).getInt64();
  t.status = q.getColumn(i++).getString();
  t.version = q.getColumn(i++).getString();
  t.parent_template_id = OptString(q.getColumn(i++));
  t.derived_from = DecodeStringList(q.getColumn(i++).getString());
  t.created_by = OptString(q.getColumn(i++));
  t.created_at = q.getColumn(i++).getInt64();
  t.updated_at = q.getColumn(i++).getInt64();
  return t;
}

void BindOpt(SQLite::Statement& q, int i, const std::optional<std::string>& v) {
  if (v) q.bind(i, *v);
  else q.bind(i);
}
void BindOpt(SQLite::Statement& q, int i, const std::optional<double>& v) {
  if (v) q.bind(i, *v);
  else q.bind(i);
}
void BindOpt(SQLite::Statement& q, int i, const std::optional<int64_t>& v) {
  if (v) q.bind(i, static_cast<int64_t>(*v));
  else q.bind(i);
}
std::optional<std::string> OptString(const SQLite::Column& c) {
  if (c.isNull()) return std::nullopt;
  return c.getString();
}
std::optional<double> OptDouble(const SQLite::Column& c) {
  if (c.isNull()) return std::nullopt;
  return c.getDouble();
}
std::optional<int64_t> OptInt(const SQLite::Column& c) {
  if (c.isNull()) return std::nullopt;
  return c.getInt64();
}

void BindValues(SQLite::Statement& q, const std::vector<SqlValue>& values) {
  int pos = 1;
  for (const auto& v : values) {
    if (const auto* text = std::get_if<std::string>(&v)) q.bind(pos++, *text);
    else if (const auto* real = std::get_if<double>(&v)) q.bind(pos++, *real);
    else q.bind(pos++, static_cast<int64_t>(std::get<int64_t>(v)));
  }
}

}  // namespace exemplar::storage
