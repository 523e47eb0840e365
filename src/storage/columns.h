// Column lists and JSON encodings shared by the SQLite and PostgreSQL stores, so both read and
// write rows in one order and one format.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "storage/records.h"

namespace exemplar::storage {

// Columns of `examples` read into an Example, in this order (embedding excluded).
extern const char* const kExampleColumns;
// Columns of `templates`, id first.
extern const char* const kTemplateColumns;
// Columns of `dspy_runs`, id first (inserted and updated from a RunRecord).
extern const char* const kRunColumns;
// kRunColumns plus the store-managed lease_expires_at, attempts and takeovers: what reads select.
extern const char* const kRunReadColumns;
// The statuses a run must have for `decision` ("accepted" | "rejected") to be recorded, as an SQL
// list for `status IN …`; null for any other decision. Only a completed run has a program to accept.
const char* RunDecisionStatuses(const std::string& decision);

// One string policy for both backends: a NUL (U+0000) in any stored string, or a \u0000 escape in a
// stored JSON text, is refused with kInvalidArgument (PostgreSQL text and jsonb cannot hold it;
// SQLite could, so both refuse rather than differ).
Status RefuseNul(const Example& e);
Status RefuseNul(const Template& t);

// String lists and schemas are stored as JSON text.
std::string EncodeStringList(const std::vector<std::string>& v);
std::vector<std::string> DecodeStringList(const std::string& json);
std::string EncodeSchema(const std::vector<SchemaField>& fields);
std::vector<SchemaField> DecodeSchema(const std::string& json);

}  // namespace exemplar::storage
