// The domain records the store persists (SPEC §1). JSON payloads (`input`, `expected_output`,
// template `examples`) are kept as serialised JSON text: the store never interprets them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace exemplar {

struct Example {
  std::string id;                 // UUID (wire: example_id)
  int64_t row_id = 0;             // store-assigned integer key; the index label
  int64_t version = 1;
  std::string input_json = "{}";  // a JSON object
  std::string expected_output_json = "{}";
  std::optional<std::string> explanation;
  std::optional<std::string> databit_id;
  std::string domain = "general";
  std::optional<std::string> function_name;
  std::string difficulty = "medium";
  std::vector<std::string> capability_tags;
  std::vector<std::string> search_keys;
  std::string source = "human_authored";
  std::optional<std::string> attribution_notes;
  std::optional<double> quality_score;
  int64_t usage_count = 0;
  double success_count = 0;       // real numbers: partial outcomes add 0.5 (SPEC §4.3)
  double failure_count = 0;
  std::optional<std::string> embedding_model;  // set iff an embedding is stored
  std::vector<float> embedding;   // only filled when explicitly loaded
  std::optional<std::string> created_by;
  std::optional<std::string> client_id;  // idempotency key of batch/import
  int64_t created_at = 0;         // epoch millis
  int64_t updated_at = 0;
  std::optional<int64_t> last_used_at;
  // Tombstones (Store::GetExampleIncludingDeleted only): when it was deleted, and whether its
  // content was purged (then only content_hash is left of it).
  std::optional<int64_t> deleted_at;
  std::optional<int64_t> purged_at;
  std::optional<std::string> content_hash;
  // Kinds of personal data or secrets found in input, output and explanation (service/quality/pii),
  // sorted; set by the service on every write.
  std::vector<std::string> pii_flags;

  bool has_embedding() const { return embedding_model.has_value(); }
  // (s + 1) / (s + f + 2), or nullopt without evidence (SPEC §4.3).
  std::optional<double> effectiveness_score() const {
    if (success_count + failure_count <= 0) return std::nullopt;
    return (success_count + 1) / (success_count + failure_count + 2);
  }
};

struct ExampleVersion {
  std::string example_id;
  int64_t version = 0;
  std::string snapshot_json;  // the example's wire form at that version
  int64_t created_at = 0;
};

struct UsageEvent {
  int64_t id = 0;
  std::string example_id;
  std::string kind;                    // retrieved | outcome | tracked
  std::optional<std::string> outcome;  // success | failure | partial | unknown
  double success_delta = 0;
  double failure_delta = 0;
  std::optional<std::string> context;
  std::optional<std::string> model_id;
  std::optional<std::string> run_id;
  std::optional<std::string> retrieval_id;
  std::optional<double> confidence;
  int64_t created_at = 0;
  // Who sent it, as the audit log names an actor (token name, `token:<id prefix>`, forwarded user,
  // `local`); null for a run's sync and for events recorded before migration 013.
  std::optional<std::string> actor;
};

struct SchemaField {
  std::string name;
  std::string type = "string";  // string | integer | number | boolean | array | object
  std::string description;
  bool required = true;
};

struct Template {
  std::string id;
  std::string name;
  std::optional<std::string> description;
  std::vector<SchemaField> input_schema;
  std::vector<SchemaField> output_schema;
  std::optional<std::string> prompt_template;  // instructions
  std::optional<std::string> system_prompt;
  std::string examples_json = "[]";            // inline examples [{input, output, explanation}]
  std::string base_model = "databricks-meta-llama-3-1-70b-instruct";
  double temperature = 0.7;
  int64_t max_tokens = 1024;
  std::string status = "draft";                // draft | published | archived
  std::string version = "1.0.0";
  std::optional<std::string> parent_template_id;
  std::vector<std::string> derived_from;
  std::optional<std::string> created_by;
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

// One optimization run (SPEC §4.5). JSON columns hold the run config, progress, best program
// and per-example contributions as the optimize layer renders them.
struct RunRecord {
  std::string id;
  std::string template_id;
  std::string status = "pending";  // pending | running | completed | failed | cancelled
  std::string config_json = "{}";
  std::string progress_json = "{}";
  std::optional<double> best_score;
  std::optional<std::string> best_program_json;
  std::optional<std::string> contributions_json;
  std::optional<std::string> error;
  std::optional<std::string> decision;  // accepted | rejected
  std::optional<std::string> accepted_template_id;
  std::optional<int64_t> synced_at;
  std::optional<std::string> claimed_by;
  std::optional<std::string> created_by;
  int64_t created_at = 0;
  std::optional<int64_t> started_at;
  std::optional<int64_t> completed_at;
  int64_t updated_at = 0;
  // Managed by the store's claim, lease and takeover calls (UpdateRun leaves them alone): when
  // the executing replica's lease ends; how often the run was taken over (`attempts`, each
  // takeover), and how often of those after a lease that expired rather than one its replica
  // gave up stopping cleanly (`takeovers`: a lost replica; the limit applies to these).
  std::optional<int64_t> lease_expires_at;
  int64_t attempts = 0;
  int64_t takeovers = 0;
};

struct TrialRecord {
  std::string run_id;
  int64_t trial_index = 0;
  std::string candidate;  // zero_shot | labeled | bootstrap | seed:N | …
  std::optional<std::string> instruction;
  std::vector<std::string> demo_ids;
  double score = 0;
  std::string metrics_json = "{}";
  int64_t lm_calls = 0;
  int64_t created_at = 0;
};

// A typed, directed lineage edge (upstream → downstream), SPEC §4.7.
struct LineageEdge {
  std::string source_type;  // template | example | run
  std::string source_id;
  std::string target_type;
  std::string target_id;
  std::string type;         // derived_from | version_of | used_in | optimized_by | produced | demo_of |
                            // bootstrapped_from | member_of | trained_on
  int64_t created_at = 0;
  std::optional<int64_t> example_version;  // example sources: the version that fed the target
  std::optional<int64_t> closed_at;        // when the relation ended (membership left, demo removed)
};

// One audited write (issue 19): who, when, what.
struct AuditRecord {
  int64_t seq = 0;
  int64_t at = 0;                       // epoch millis
  std::string actor;                    // token name, forwarded user, "local", "cli:<user>"
  std::string action;                   // "POST /api/v1/examples" or a command name
  std::string entity;                   // example | template | run | snapshot | token | …
  std::vector<std::string> entity_ids;
  std::string diff_json = "{}";         // compact; content fields appear as hashes only
  std::string request_id;
};

// A frozen dataset: (example id, version, content hash) rows; immutable once stored.
struct SnapshotRecord {
  std::string id;
  std::string name;
  std::optional<std::string> template_id;
  std::string selection_json = "{}";    // {filter} or {example_ids}, as requested
  int64_t item_count = 0;
  std::optional<std::string> created_by;
  int64_t created_at = 0;
};

struct SnapshotItem {
  std::string example_id;
  int64_t version = 0;
  std::string content_hash;
};

}  // namespace exemplar
