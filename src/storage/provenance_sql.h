// Statement text shared by both stores for the provenance tables (migrations/006_provenance.sql):
// tombstone moves, the audit query, version snapshots left after a purge.
#pragma once

#include <string>

#include "storage/dialect.h"
#include "storage/list_sql.h"
#include "storage/store.h"

namespace exemplar::storage {

// The columns example_tombstones shares with examples: what a delete moves and a restore moves
// back (embedding and counters included, so a restored example needs no re-embedding).
extern const char* const kTombstoneMovedColumns;
// kExampleColumns then deleted_at, purged_at, content_hash: a tombstone read as an Example.
extern const char* const kTombstoneReadColumns;

// SELECT seq, at, actor, action, entity, entity_ids, diff, request_id FROM audit_log … newest first.
SqlStatement AuditListSql(Dialect d, const AuditQuery& q);

// The records that may hold copies of a purged example's content (Store::PurgeExample), the
// example id being parameter 1: templates whose inline examples contain the id or that a demo
// edge from the example links, as (id, examples, linked), and runs whose best program contains
// the id, as (id, best_program).
std::string PurgeCopiesTemplatesSql(Dialect d);
std::string PurgeCopiesRunsSql(Dialect d);

// What a purged version's snapshot becomes: {"example_id", "version", "purged": true, "content_hash",
// "io_hash"} (io_hash: when the purge had it; purges before it did not).
std::string PurgedVersionSnapshot(const std::string& example_id, const PurgedVersionHashes& v);

}  // namespace exemplar::storage
