// Column lists and JSON encodings shared by the SQLite and PostgreSQL stores.
#include "storage/columns.h"

#include <nlohmann/json.hpp>

namespace exemplar::storage {

const char* const kExampleColumns =
    "row_id, id, client_id, version, input, expected_output, explanation, databit_id, domain, "
    "function_name, difficulty, capability_tags, search_keys, source, attribution_notes, "
    "quality_score, usage_count, success_count, failure_count, embedding_model, created_by, "
    "created_at, updated_at, last_used_at, pii_flags";

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
    "completed_at, updated_at, lease_expires_at, attempts, takeovers";

const char* RunDecisionStatuses(const std::string& decision) {
  if (decision == "accepted") return "('completed')";
  if (decision == "rejected") return "('completed', 'failed', 'cancelled')";
  return nullptr;
}

std::string EncodeStringList(const std::vector<std::string>& v) {
  return nlohmann::json(v).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

namespace {

// The common forms EncodeStringList writes, `[]` and `["tag","other"]` with plain printable ASCII
// strings, read without building a JSON DOM (every hydrated example decodes three lists); false
// for anything else (escapes, UTF-8, spaces), which the general parser then reads.
bool DecodeSimpleStringList(const std::string& text, std::vector<std::string>* out) {
  const size_t n = text.size();
  if (n < 2 || text[0] != '[' || text[n - 1] != ']') return false;
  if (n == 2) return true;
  size_t i = 1;
  for (;;) {
    if (text[i] != '"') return false;
    const size_t start = ++i;
    while (i < n) {
      const auto c = static_cast<unsigned char>(text[i]);
      if (c == '"') break;
      if (c < 0x20 || c >= 0x7F || c == '\\') return false;
      ++i;
    }
    if (i + 1 >= n) return false;
    out->emplace_back(text, start, i - start);
    ++i;  // past the closing quote
    if (text[i] == ']') return i + 1 == n;
    if (text[i] != ',') return false;
    ++i;
  }
}

}  // namespace

std::vector<std::string> DecodeStringList(const std::string& text) {
  std::vector<std::string> simple;
  if (DecodeSimpleStringList(text, &simple)) return simple;
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

namespace {

bool Nul(const std::string& s) { return s.find('\0') != std::string::npos; }
bool NulJson(const std::string& s) { return Nul(s) || s.find("\\u0000") != std::string::npos; }
bool Nul(const std::optional<std::string>& s) { return s && Nul(*s); }
bool Nul(const std::vector<std::string>& v) {
  for (const auto& s : v) {
    if (Nul(s)) return true;
  }
  return false;
}

Status NulError(const std::string& what) {
  return Status::InvalidArgument(what + " must not contain NUL (U+0000)");
}

}  // namespace

Status RefuseNul(const Example& e) {
  if (NulJson(e.input_json)) return NulError("input");
  if (NulJson(e.expected_output_json)) return NulError("expected_output");
  if (Nul(e.explanation) || Nul(e.databit_id) || Nul(e.domain) || Nul(e.function_name) || Nul(e.difficulty) ||
      Nul(e.capability_tags) || Nul(e.search_keys) || Nul(e.source) || Nul(e.attribution_notes) ||
      Nul(e.created_by) || Nul(e.client_id) || Nul(e.id)) {
    return NulError("example strings");
  }
  return Status::Ok();
}

Status RefuseNul(const Template& t) {
  if (NulJson(t.examples_json)) return NulError("examples");
  if (Nul(t.id) || Nul(t.name) || Nul(t.description) || Nul(t.prompt_template) || Nul(t.system_prompt) ||
      Nul(t.base_model) || Nul(t.status) || Nul(t.version) || Nul(t.parent_template_id) || Nul(t.derived_from) ||
      Nul(t.created_by)) {
    return NulError("template strings");
  }
  for (const auto* schema : {&t.input_schema, &t.output_schema}) {
    for (const auto& f : *schema) {
      if (Nul(f.name) || Nul(f.type) || Nul(f.description)) return NulError("schema fields");
    }
  }
  return Status::Ok();
}

}  // namespace exemplar::storage
