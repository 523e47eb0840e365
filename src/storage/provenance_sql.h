// Statement text shared by both stores for the provenance tables (migrations/006_provenance.sql):
// tombstone moves, the audit query, version snapshots left after a purge, template membership.
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

// The member_of edge of an example: example → the template its databit_id names, at `version`.
// Both stores write it in the transaction that writes the example row (Store::InsertExamples,
// UpdateExample), so an example never exists without its membership.
LineageEdge MemberOfEdge(const std::string& example_id, const std::string& template_id, int64_t version,
                         int64_t at);

// Adds (or reopens) the member_of edge of every example whose databit_id names a stored template
// and that has no open edge to it, at the example's version (Store::AddMissingMemberships). With
// `one_example` only the example whose id is parameter 1.
std::string MissingMembershipsSql(Dialect d, bool one_example);

}  // namespace exemplar::storage
