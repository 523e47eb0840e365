// Content rules every example write obeys (issue #20), the same for create, batch, import, update
// and bulk update: input and expected output are non-empty objects; databit_id names an existing
// template; an example of a template matches its schema (known keys, value types, required fields
// present). Missing optional fields are warnings, not errors.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/json_util.h"
#include "storage/store.h"

namespace exemplar::service {

// Something a write should tell its caller without refusing it.
struct QualityWarning {
  std::string type;                  // near_duplicate | conflict | missing_optional_field | pii
  std::string example_id;            // near_duplicate, conflict: the stored example it resembles
  std::optional<double> similarity;  // near_duplicate, conflict: cosine of the inputs (1 = identical)
  std::vector<std::string> loc;      // missing_optional_field: where the field belongs
  std::vector<std::string> kinds;    // pii: the kinds found
  std::string message;
};
Json WarningToJson(const QualityWarning& w);

// How a write treats near-duplicates (and conflicts) of stored examples.
enum class DuplicatePolicy { kAllow, kWarn, kReject };
// "allow" | "warn" | "reject"; nullopt for anything else.
std::optional<DuplicatePolicy> ParseDuplicatePolicy(const std::string& s);

class ContentRules {
 public:
  explicit ContentRules(storage::Store& store) : store_(store) {}

  // Adds field errors under `loc` (e.g. {"body"} or {"body","examples","3"}) to `v` and warnings
  // to `warnings`. Templates are looked up once per ContentRules (one per request). A store
  // failure other than "not found" is returned.
  Status Check(const Example& e, const std::vector<std::string>& loc, Validation& v,
               std::vector<QualityWarning>* warnings);
  // The write's in-transaction check (storage::TemplateFitCheck) of the examples Check passed:
  // Ok while the template's schema is the one they were checked against; when it changed
  // meanwhile, the schema check against the template as the transaction reads it, its field
  // errors (under loc_of(example)) a 422. The ContentRules must outlive the write.
  storage::TemplateFitCheck Recheck(std::function<std::vector<std::string>(const Example&)> loc_of);

 private:
  Result<const Template*> TemplateOf(const std::string& id);

  storage::Store& store_;
  std::unordered_map<std::string, std::optional<Template>> templates_;
};

// The schema check alone (no store): `object_json` against `fields`, errors under loc + {side}.
void CheckAgainstSchema(const std::string& object_json, const std::vector<SchemaField>& fields,
                        const std::string& side, const std::vector<std::string>& loc, Validation& v,
                        std::vector<QualityWarning>* warnings);

}  // namespace exemplar::service
