// What the Store interface (storage/store.h) takes and returns besides the records themselves:
// list queries and their pages, the change log, usage, audit and token rows.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "storage/records.h"

namespace exemplar::storage {

// Metadata filters shared by list, search and selection (SPEC §2.2).
struct ExampleFilter {
  std::optional<std::string> databit_id;
  std::optional<std::string> domain;
  std::optional<std::string> function_name;
  std::optional<std::string> difficulty;
  std::optional<std::string> source;
  std::vector<std::string> tags_any;  // capability_tag / capability_tags
  std::vector<std::string> tags_all;  // capability_tags_all
  std::optional<double> min_quality_score;
  std::optional<double> min_effectiveness_score;
  // When set, an example without evidence counts as this effectiveness for the minimum above
  // (retrieval ranks new examples with the 0.5 prior instead of excluding them). In-memory only.
  std::optional<double> missing_effectiveness_as;
  std::vector<std::string> ids;       // restrict to these example ids (empty = no restriction)
  // Content filters (`input.<key>` / `output.<key>` equal to one of `values`, scalars in their
  // canonical text: strings as is, other scalars as JSON) and PII flags ("any" or a kind). These
  // are resolved in memory by the service's Catalog; the stores honour only `row_ids`, the
  // resolved restriction, so list, export and search agree.
  struct Content {
    bool output = false;  // false: input
    std::string key;
    std::vector<std::string> values;  // any of
  };
  std::vector<Content> content;
  std::optional<std::string> pii;
  std::optional<std::vector<int64_t>> row_ids;  // restrict to these rows (empty list = nothing)
};

// Why a guarded template write (Store::UpdateTemplate, DeleteTemplate) changed nothing.
inline constexpr const char* kTemplateChangedConcurrently =
    "the template changed meanwhile (edited, published, archived, given an example or a new version by another "
    "request); reload it and retry";

// An example insert whose template was deleted after the caller checked it (+ the template id).
inline const std::string kTemplateDeletedMeanwhile = "the example's template was deleted meanwhile: ";

// Sort keys are a closed set: nothing from the request reaches SQL text.
enum class ExampleSortKey { kEffectiveness, kQuality, kUsage, kCreatedAt, kUpdatedAt };
// Whether rows may lack the sort value (effectiveness, quality); such rows are listed last.
bool SortKeyNullable(ExampleSortKey k);

// Lists are ordered by (sort value, unique row key), rows whose sort value is NULL last in either
// direction, so "the rows after this one" is an index range seek however deep the page
// (keyset pagination). A cursor names the last row a page returned.
struct ExampleCursor {
  std::optional<double> value;  // the row's sort value; nullopt: it was NULL
  int64_t row_id = 0;
};

struct ExampleListQuery {
  ExampleFilter filter;
  ExampleSortKey sort = ExampleSortKey::kEffectiveness;
  bool desc = true;
  int64_t offset = 0;                 // ignored when `after` is set
  int64_t limit = 20;
  std::optional<ExampleCursor> after;  // rows after this one
  bool count_total = true;             // false: skip the COUNT (page.total stays 0), e.g. a streamed export
};

struct ExamplePage {
  std::vector<Example> examples;
  int64_t total = 0;
  std::optional<ExampleCursor> next;  // set when more rows follow the page
};

// One page of an example's history, newest first, and how many versions it holds in all.
struct ExampleVersionPage {
  std::vector<ExampleVersion> versions;
  int64_t total = 0;
};

// Templates (by updated_at) and runs (by created_at) are listed newest first by (time, id).
struct KeyCursor {
  int64_t value = 0;
  std::string id;
};

template <typename T>
struct KeyedPage {
  std::vector<T> items;
  int64_t total = 0;
  std::optional<KeyCursor> next;  // set when more rows follow the page
};

struct TemplateListQuery {
  std::optional<std::string> status;
  std::optional<std::string> search;  // case-insensitive substring of name or description
  int64_t offset = 0;                 // ignored when `after` is set
  int64_t limit = 20;
  std::optional<KeyCursor> after;
};

struct RunListQuery {
  std::optional<std::string> template_id;
  std::optional<std::string> status;
  int64_t offset = 0;                 // ignored when `after` is set
  int64_t limit = 20;
  std::optional<KeyCursor> after;
};

// A snapshot stored by the write that uses it (Store::InsertRunUnderCap: a run's data frozen at
// launch), in that write's transaction, with its own audit entry (null: none).
struct SnapshotToStore {
  SnapshotRecord record;
  std::vector<SnapshotItem> items;
  std::optional<AuditRecord> audit;
};

struct Change {
  int64_t seq = 0;
  std::string entity;     // "example"
  std::string entity_id;
  int64_t row_id = 0;     // examples: the index label
  std::string op;         // upsert | delete
  std::string origin;     // the Store::origin() of the process that wrote it ("" if unknown)
};

// One update of a bulk edit: the new state (version = previous + 1) and the prior version's
// wire snapshot for the history.
struct ExampleUpdate {
  Example updated;
  std::string prior_snapshot;
};

// Result of inserting one example of a batch.
struct InsertOutcome {
  bool created = false;       // false: an example with the same client_id already existed
  std::string id;
  int64_t row_id = 0;
};

struct Retrieval {
  std::string id;
  std::vector<std::string> example_ids;
  std::optional<std::string> query;
  int64_t created_at = 0;
  std::optional<std::string> outcome;
  std::optional<std::string> exploration;   // the policy that ranked it (none: null)
  std::optional<int64_t> seed;              // the seed of its draws, for an exact replay
  std::optional<std::string> ranking_json;  // why each returned example was chosen (JSON array)
  // The outcome credited to each example (JSON object id -> outcome), set with the outcome.
  std::optional<std::string> example_outcomes_json;
  // Who asked, as a caller of the original plan's agent path names itself (agent_id, session_id).
  std::optional<std::string> agent_id;
  std::optional<std::string> session_id;
  // The request that made it (a retrieve body, JSON), with its effective exploration and seed.
  std::optional<std::string> request_json;
  // Who retrieved it and who reported its outcome, as the audit log names an actor (null before
  // migration 013; outcome_actor also until the outcome).
  std::optional<std::string> actor;
  std::optional<std::string> outcome_actor;
};

// GET /examples/{id}/usage: one example's events, newest first (by id).
struct UsageEventQuery {
  std::string example_id;
  std::optional<std::string> actor;    // only this actor's events
  std::optional<int64_t> before_id;    // page: events with id < before_id
  int64_t limit = 20;
};

// Aggregates of usage events over a time window, for effectiveness and the dashboard.
struct UsageAggregate {
  std::string key;            // example id, domain, function name or date
  int64_t uses = 0;           // retrieved + tracked events
  double successes = 0;
  double failures = 0;
  int64_t outcome_events = 0;
};

// What a retention prune deleted.
struct PrunedRows {
  int64_t retrievals = 0;
  int64_t usage_events = 0;
};

// GET /api/v1/audit: newest first, entries with seq < before_seq when set.
struct AuditQuery {
  std::optional<std::string> entity;     // example | template | run | …
  std::optional<std::string> entity_id;  // entries naming this id
  std::optional<std::string> actor;
  std::optional<int64_t> since;          // at >= since (epoch millis)
  std::optional<int64_t> before_seq;
  int64_t limit = 100;
};

struct ApiToken {
  std::string id;
  std::optional<std::string> name;
  std::string role;
  std::string token_hash;
  int64_t created_at = 0;
  std::optional<int64_t> revoked_at;
  std::optional<int64_t> expires_at;    // epoch millis; none = never
  std::optional<int64_t> last_used_at;  // updated at most once a minute
};

// What a purge rewrites besides the example's own rows: the copies of its content that other
// records hold under its id. Each function gets a stored JSON text and returns its rewrite, or
// nullopt to leave it as it is. REQUIRES: pure — they run inside the purge's write transaction
// and must not call the Store.
// What a purge keeps of one version's content: its hash (audit::ContentHash of input, expected
// output and explanation) and the hash of its input and expected output alone (explanation
// absent), by which a copy that dropped the explanation (a DSPy demo) is still recognised.
struct PurgedVersionHashes {
  int64_t version = 0;
  std::string content_hash;
  std::string io_hash;
};

struct PurgeRewrites {
  // A template's inline examples (`examples`). `linked`: a demo_of / bootstrapped_from edge runs
  // from the example to the template, so its inline examples without an example_id may be copies.
  std::function<std::optional<std::string>(const std::string& examples_json, bool linked)> template_examples;
  // A run's best program (`best_program`).
  std::function<std::optional<std::string>(const std::string& best_program_json)> run_program;
};

}  // namespace exemplar::storage
