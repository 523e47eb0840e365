// Wire form of examples (SPEC §2.2, field names of the original) and validation of request bodies
// against SPEC §3. Used by the HTTP handlers, import/export and the CLI.
#pragma once

#include <string>

#include "common/json_util.h"
#include "storage/records.h"

namespace exemplar::service {

inline const std::vector<std::string> kDifficulties = {"easy", "medium", "hard"};
inline const std::vector<std::string> kSources = {"human_authored", "extracted_from_data", "synthetic",
                                                  "dspy_optimized", "production_captured",
                                                  "feedback_derived", "dspy_import"};

class JsonTextWriter;

// The example as returned on the wire (never includes the embedding vector).
Json ExampleToJson(const Example& e);
// The same object written as text: DumpJson(ExampleToJson(e)) without building the DOM.
void WriteExampleJson(const Example& e, JsonTextWriter& w);
// DumpJson(ExampleToJson(e)), written directly (GET /examples/{id}).
std::string ExampleJsonText(const Example& e);

// ExampleToJson plus, for a deleted example, {deleted: true, deleted_at, purged, content_hash}
// (a purged one's content fields are empty).
Json ExampleWithTombstoneJson(const Example& e);

// Builds a new Example from a create body (ExampleCreate). Field errors go to `v` with locations
// under `loc` (e.g. {"body"} or {"body","examples","3"}). Accepts optional `client_id` and
// `example_id` (a UUID; then also the idempotency key) for batch/import.
Example ExampleFromCreateJson(const Json& body, Validation& v, const std::vector<std::string>& loc);

// Applies a partial update (PUT) to `e`: present fields replace, explicit null clears a nullable
// field, null on a required field is an error. Returns true when `input` changed (re-embed).
bool ApplyExampleUpdate(const Json& body, Example* e, Validation& v);

// Text embedded for an example: the flattened input.
std::string EmbeddingText(const Example& e);
// Text indexed for keyword search: flattened input, explanation and search keys.
std::string KeywordText(const Example& e);
// The same, from the example's EmbeddingText when the caller already has it.
std::string KeywordText(const Example& e, std::string embedding_text);

}  // namespace exemplar::service
