// Column lists and JSON encodings shared by the SQLite and PostgreSQL stores.
#include "storage/columns.h"

#include <nlohmann/json.hpp>

namespace exemplar::storage {

const char* const kExampleColumns =
    "row_id, id, client_id, version, input, expected_output, explanation, databit_id, domain, "
    "function_name, difficulty, capability_tags, search_keys, source, attribution_notes, "
    "quality_score, usage_count, success_count, failure_count, embedding_model, created_by, "
    "created_at, updated_at, last_used_at";

const char* const kTemplateColumns =
    "id, name, description, input_schema, output_schema, prompt_template, system_prompt, examples, "
    "base_model, temperature, max_tokens, status, version, parent_template_id, derived_from, "
    "created_by, created_at, updated_at";

const char* const kRunColumns =
    "id, template_id, status, config, progress, best_score, best_program, contributions, error, "
    "decision, accepted_template_id, synced_at, claimed_by, created_by, created_at, started_at, "
    "completed_at, updated_at";

const char* const kRunReadColumns =
    "id, template_id, status, config, progress, best_score, best_program, contributions, error, "
    "decision, accepted_template_id, synced_at, claimed_by, created_by, created_at, started_at, "
    "completed_at, updated_at, lease_expires_at, attempts";

std::string EncodeStringList(const std::vector<std::string>& v) {
  return nlohmann::json(v).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::vector<std::string> DecodeStringList(const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  std::vector<std::string> out;
  if (!j.is_array()) return out;
  for (const auto& e : j) {
    if (e.is_string()) out.push_back(e.get<std::string>());
  }
  return out;
}

std::string EncodeSchema(const std::vector<SchemaField>& fields) {
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& f : fields) {
    arr.push_back({{"name", f.name}, {"type", f.type}, {"description", f.description},
                   {"required", f.required}});
  }
  return arr.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::vector<SchemaField> DecodeSchema(const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  std::vector<SchemaField> out;
  if (!j.is_array()) return out;
  for (const auto& e : j) {
    if (!e.is_object()) continue;
    SchemaField f;
    f.name = e.value("name", "");
    f.type = e.value("type", "string");
    f.description = e.value("description", "");
    f.required = e.value("required", true);
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace exemplar::storage
