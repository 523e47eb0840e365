// Store: the persistence interface, implemented by SQLite (embedded, default) and PostgreSQL
// (shared by replicas); one conformance suite checks both. Every multi-row write is one transaction;
// every statement is parameterised. Example writes append to the change log in the same
// transaction so indexes can tell exactly which state they reflect.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/credentials.h"
#include "common/status.h"
#include "storage/records.h"
#include "storage/store_types.h"
#include "storage/template_fit.h"

namespace exemplar::storage {

class Store {
 public:
  virtual ~Store() = default;

  // ---- Examples ----
  // Inserts all examples in one transaction (all or nothing). An example whose client_id already
  // exists is not inserted again; its outcome reports created=false and the existing id.
  // Assigns row_id on each inserted example. The same transaction writes each inserted example's
  // member_of edge (to its databit_id, at its version), and gives an example already stored its
  // missing one back (a retry of a create that an older build stored without it), so a failure
  // leaves neither an example nor an edge.
  // `fits` checks each inserted example naming a template in the transaction (TemplateFitCheck).
  virtual Result<std::vector<InsertOutcome>> InsertExamples(std::vector<Example>& examples,
                                                            const TemplateFitCheck& fits) = 0;
  Result<std::vector<InsertOutcome>> InsertExamples(std::vector<Example>& examples) {
    return InsertExamples(examples, {});
  }
  virtual Result<Example> GetExample(const std::string& id, bool with_embedding = false) = 0;
  // Examples by row id (index labels), in the given order; missing ones skipped.
  virtual Result<std::vector<Example>> GetExamplesByRowIds(const std::vector<int64_t>& row_ids) = 0;
  virtual Result<std::optional<Example>> FindExampleByClientId(const std::string& client_id) = 0;
  // The id of the deleted (not purged: a purge clears it) example holding this client id, if any.
  virtual Result<std::optional<std::string>> FindDeletedExampleByClientId(const std::string& client_id) = 0;
  // Replaces the mutable fields of `updated` (matched by id) and records `prior_snapshot` as the
  // history row of the previous version. REQUIRES: updated.version == previous version + 1.
  // kNotFound when absent; kFailedPrecondition when the stored version moved on (lost update).
  // The member_of edge follows databit_id in the same transaction: the edge to the template the
  // example left is closed, the one to the template it names is opened (or refreshed to the new
  // version). `fits`: as InsertExamples'.
  virtual Status UpdateExample(const Example& updated, const std::string& prior_snapshot,
                               const TemplateFitCheck& fits) = 0;
  Status UpdateExample(const Example& updated, const std::string& prior_snapshot) {
    return UpdateExample(updated, prior_snapshot, {});
  }
  // Deletes the example, its history and its usage events. kNotFound when absent.
  virtual Status DeleteExample(const std::string& id) = 0;
  // Bulk edits: every update (as UpdateExample) or delete (as DeleteExample, the same path) in one
  // transaction; the first failure (kNotFound, kFailedPrecondition, …) rolls back all of them.
  virtual Status UpdateExamples(const std::vector<ExampleUpdate>& updates, const TemplateFitCheck& fits) = 0;
  Status UpdateExamples(const std::vector<ExampleUpdate>& updates) { return UpdateExamples(updates, {}); }
  virtual Status DeleteExamples(const std::vector<std::string>& ids) = 0;
  // One page of a list; every sort key and the common filters are served by an index
  // (migrations/003_list_indexes.sql), `total` counts all matches.
  virtual Result<ExamplePage> ListExamples(const ExampleListQuery& query) = 0;
  Result<ExamplePage> ListExamples(const ExampleFilter& filter, ExampleSortKey sort, bool desc,
                                   int64_t offset, int64_t limit) {
    return ListExamples(ExampleListQuery{filter, sort, desc, offset, limit, std::nullopt});
  }
  virtual Result<std::vector<ExampleVersion>> ListExampleVersions(const std::string& id) = 0;
  // At most `limit` versions after the `offset` newest (an API page: a long history of large
  // examples is never read, nor answered, whole).
  virtual Result<ExampleVersionPage> ListExampleVersionPage(const std::string& id, int64_t offset,
                                                            int64_t limit) = 0;
  // Calls fn for every example (embeddings included when asked), in row_id order.
  virtual Status ScanExamples(bool with_embeddings, const std::function<void(Example&&)>& fn) = 0;
  // Stores embeddings for examples (one transaction); rows that vanished are skipped.
  virtual Status SetEmbeddings(const std::vector<std::pair<std::string, std::vector<float>>>& items,
                               const std::string& model) = 0;
  virtual Result<int64_t> CountExamples() = 0;

  // ---- Change log ----
  virtual Result<int64_t> LatestChangeSeq() = 0;
  // Changes with sequence > seq in order, at most `limit`; those written by `exclude_origin` are
  // left out ("" excludes none).
  virtual Result<std::vector<Change>> ChangesSince(int64_t seq, int64_t limit,
                                                   const std::string& exclude_origin) = 0;
  // Identifies this store instance in the change log, so a process can tell its own changes
  // (already applied to its indexes) from those of other processes sharing the database.
  virtual const std::string& origin() const = 0;
  // Blocks until a change may have been committed by anyone, or `timeout` passes. Spurious
  // returns are allowed; callers re-read the log. PostgreSQL: LISTEN/NOTIFY; SQLite: a sleep.
  virtual void WaitForChange(std::chrono::milliseconds timeout) = 0;

  // ---- Usage and effectiveness ----
  // Inserts the events and applies them to the counters in one transaction: usage_count +1 for
  // retrieved/tracked events, success/failure += deltas, effectiveness_score recomputed,
  // last_used_at advanced. Events for examples that no longer exist are dropped.
  virtual Status RecordUsage(const std::vector<UsageEvent>& events) = 0;
  // Stores a retrieval and its retrieved events in one transaction.
  virtual Status RecordRetrieval(const Retrieval& retrieval, const std::vector<UsageEvent>& events) = 0;
  virtual Result<Retrieval> GetRetrieval(const std::string& id) = 0;
  // Sets the retrieval's outcome, the outcome credited to each of its examples
  // (`example_outcomes_json`) and who reported it (`actor`) exactly once and records the events
  // with them, atomically. kNotFound for an unknown retrieval; kAlreadyExists when an outcome was
  // already recorded.
  virtual Status RecordRetrievalOutcome(const std::string& retrieval_id, const std::string& outcome,
                                        const std::string& example_outcomes_json,
                                        const std::optional<std::string>& actor,
                                        const std::vector<UsageEvent>& events) = 0;
  // One example's usage events matching `q`, newest first, at most q.limit.
  virtual Result<std::vector<UsageEvent>> ListUsageEvents(const UsageEventQuery& q) = 0;
  // Aggregates events with created_at in [from, to) grouped by `group` ∈ {example, domain,
  // function, day}; filters restrict to examples of a domain/function. Day keys are YYYY-MM-DD UTC.
  virtual Result<std::vector<UsageAggregate>> AggregateUsage(
      const std::string& group, int64_t from, int64_t to, const std::optional<std::string>& domain,
      const std::optional<std::string>& function_name) = 0;

  // Aggregate of one example's events with created_at in [from, to).
  virtual Result<UsageAggregate> ExampleUsage(const std::string& example_id, int64_t from,
                                              int64_t to) = 0;

  // ---- Retention of usage evidence (service/search/usage_retention.h) ----
  // Each call is one short transaction over at most `limit` rows, oldest first, so a large prune
  // never holds the write lock for long. Concurrent callers (replicas sharing PostgreSQL) are
  // harmless: a row is deleted once, and one caller skips the rows another holds.
  // Deletes the oldest retrievals created before `before`, at most `limit`; with `with_events`
  // the usage events naming them go in the same transaction (the count bound), else they are left
  // to their own age.
  virtual Result<PrunedRows> PruneRetrievals(int64_t before, int64_t limit, bool with_events) = 0;
  // Deletes the oldest usage events created before `before`, at most `limit`; returns how many.
  virtual Result<int64_t> PruneUsageEvents(int64_t before, int64_t limit) = 0;
  virtual Result<int64_t> CountRetrievals() = 0;
  // The created_at of the n-th newest retrieval (n >= 1); nullopt when there are fewer than n.
  virtual Result<std::optional<int64_t>> NthNewestRetrievalTime(int64_t n) = 0;
  // The same two for usage events (max_usage_events_kept).
  virtual Result<int64_t> CountUsageEvents() = 0;
  virtual Result<std::optional<int64_t>> NthNewestUsageEventTime(int64_t n) = 0;

  // ---- Templates ----
  virtual Status InsertTemplate(const Template& t) = 0;
  virtual Result<Template> GetTemplate(const std::string& id) = 0;
  // Writes `t` over its row if the row's updated_at is still `if_updated_at` (the value the caller
  // read): kFailedPrecondition when another writer changed it since, kNotFound when it is gone.
  // Concurrent read-check-write cycles (publish against edit, archive against publish) thus never
  // undo each other. In the same transaction, `open` edges are added (or reopened) and `close`
  // edges closed at t.updated_at: edges that follow the row (derived_from) are then stored exactly
  // when the write is, and a write that loses leaves none. `governed`, when given, checks the
  // examples the new schema governs in the same transaction (GovernedExamples).
  virtual Status UpdateTemplate(const Template& t, int64_t if_updated_at, const std::vector<LineageEdge>& open,
                                const std::vector<LineageEdge>& close, const GovernedExamples* governed) = 0;
  Status UpdateTemplate(const Template& t, int64_t if_updated_at) {
    return UpdateTemplate(t, if_updated_at, {}, {}, nullptr);
  }
  // Deletes the template and its lineage edges, in one transaction, if its updated_at is still
  // `if_updated_at`, no example names it and no template names it as parent; else
  // kFailedPrecondition (nothing deleted). kNotFound when it is gone.
  virtual Status DeleteTemplate(const std::string& id, int64_t if_updated_at) = 0;
  virtual Result<KeyedPage<Template>> ListTemplates(const TemplateListQuery& query) = 0;
  Result<std::pair<std::vector<Template>, int64_t>> ListTemplates(
      const std::optional<std::string>& status, const std::optional<std::string>& search,
      int64_t offset, int64_t limit) {
    EXEMPLAR_ASSIGN_OR_RETURN(auto page, ListTemplates(TemplateListQuery{status, search, offset, limit, std::nullopt}));
    return std::make_pair(std::move(page.items), page.total);
  }
  virtual Result<std::vector<Template>> ListTemplatesByName(const std::string& name) = 0;
  // Stores a new template version and its lineage edges in one transaction, so a crash leaves
  // all of it or none. With `accepting_run_id` the same transaction first claims that run's
  // "accepted" decision naming t.id, as DecideRun does: when the claim fails nothing is written
  // and the answer is false (kNotFound for no such run). kAlreadyExists when another template
  // holds t's (name, version): nothing is written, the run stays undecided, and the caller may
  // try the next version.
  virtual Result<bool> InsertTemplateVersion(const Template& t, const std::vector<LineageEdge>& edges,
                                             const std::optional<std::string>& accepting_run_id, int64_t now) = 0;

  // ---- Optimization runs ----
  virtual Status InsertRun(const RunRecord& run) = 0;
  // Inserts `run` only while its creator (run.created_by, REQUIRES: set) has fewer than `cap` runs
  // pending or running. The count and the insert are one transaction, serialised per creator (on
  // PostgreSQL by an advisory transaction lock on the name; SQLite has one writer), so launches
  // through several replicas at once never pass the cap together. False, with nothing written,
  // at the cap. *unfinished: the creator's runs pending or running before this one.
  //
  // `data`, when given, is the snapshot of the run's data (frozen at launch), stored in the same
  // transaction with its own audit entry: a refused launch leaves no snapshot behind.
  virtual Result<bool> InsertRunUnderCap(const RunRecord& run, int64_t cap, int64_t* unfinished,
                                         const SnapshotToStore* data = nullptr) = 0;
  virtual Result<RunRecord> GetRun(const std::string& id) = 0;
  // Replaces the mutable columns of the run (matched by id).
  virtual Status UpdateRun(const RunRecord& run) = 0;
  virtual Result<KeyedPage<RunRecord>> ListRuns(const RunListQuery& query) = 0;
  Result<std::pair<std::vector<RunRecord>, int64_t>> ListRuns(
      const std::optional<std::string>& template_id, const std::optional<std::string>& status,
      int64_t offset, int64_t limit) {
    EXEMPLAR_ASSIGN_OR_RETURN(auto page, ListRuns(RunListQuery{template_id, status, offset, limit, std::nullopt}));
    return std::make_pair(std::move(page.items), page.total);
  }
  // Stores a finished trial (idempotent on (run_id, trial_index)).
  virtual Status InsertTrial(const TrialRecord& trial) = 0;
  virtual Result<std::vector<TrialRecord>> ListTrials(const std::string& run_id) = 0;
  // Marks a completed run synced and records its evidence events, atomically and once:
  // kAlreadyExists when already synced, kFailedPrecondition when the run is not completed.
  virtual Status SyncRun(const std::string& run_id, const std::vector<UsageEvent>& events) = 0;
  // Records the decision on a finished run exactly once, as one conditional update, so that of
  // concurrent callers on any replica sharing the database exactly one wins: sets `decision` (and
  // accepted_template_id, updated_at = now) only while the run has no decision and its status
  // allows it ("accepted": completed; "rejected": completed, failed or cancelled). Only those
  // columns change. False when the run already has a decision or its status does not allow this
  // one (re-read the run to tell which): nothing is written then, not even the request's audit
  // entry (storage/audit_context.h). kNotFound when there is no such run.
  virtual Result<bool> DecideRun(const std::string& run_id, const std::string& decision,
                                 const std::optional<std::string>& accepted_template_id, int64_t now) = 0;
  // Moves a pending run to running, claimed by `owner` with a lease until now + lease_ms,
  // atomically: false when another replica claimed it first (or it is no longer pending). Fills
  // `run` with the claimed record.
  virtual Result<bool> ClaimRun(const std::string& run_id, const std::string& owner, int64_t lease_ms,
                                RunRecord* run) = 0;
  // Claims the oldest pending run, if any (concurrent claimers skip each other's locked rows).
  virtual Result<bool> ClaimNextRun(const std::string& owner, int64_t lease_ms, RunRecord* run) = 0;
  // The executing replica's heartbeat: extends the lease of a run running under `owner` to
  // now + lease_ms. False when the run no longer runs under `owner` (taken over after its lease
  // expired, or finished by another replica): the caller must stop working on it. A negative
  // lease_ms gives the lease up (a clean shutdown): the run, still running, can be taken over at once,
  // and that takeover is a handover: it does not count in RunRecord::takeovers.
  virtual Result<bool> RenewRunLease(const std::string& run_id, const std::string& owner,
                                     int64_t lease_ms) = 0;
  // Takes over a running run whose lease expired (its replica died or lost the database): claims
  // it for `owner` with a new lease and attempts + 1 (and takeovers + 1 unless its lease was given
  // up, RenewRunLease), atomically, so one replica wins. `run_id`
  // names the run, or "" for the oldest expired one. False when there is none.
  virtual Result<bool> TakeOverExpiredRun(const std::string& run_id, const std::string& owner,
                                          int64_t lease_ms, RunRecord* run) = 0;
  // Cross-replica cancellation: the flag is set by whichever replica receives the request and
  // polled by the replica executing the run.
  virtual Status RequestRunCancel(const std::string& run_id) = 0;
  virtual Result<bool> RunCancelRequested(const std::string& run_id) = 0;

  // ---- Lineage ----
  virtual Status InsertEdges(const std::vector<LineageEdge>& edges) = 0;
  // Adds (or reopens) the member_of edge of every example that names a template it has no open
  // edge to (rows an older build stored without it); the number of edges added. One statement.
  virtual Result<int64_t> AddMissingMemberships() = 0;
  // Edges whose target (upstream=true) or source (upstream=false) is any of the given nodes.
  virtual Result<std::vector<LineageEdge>> EdgesTouching(
      const std::vector<std::pair<std::string, std::string>>& nodes, bool upstream) = 0;

  // Closes open edges (sets closed_at) matched by (source, target, type); others are left alone.
  virtual Status CloseEdges(const std::vector<LineageEdge>& edges, int64_t closed_at) = 0;

  // ---- Tombstones (issue 19) ----
  // Moves the example to example_tombstones (versions, events and edges stay), logs a delete in
  // the change log so indexes drop it, all in one transaction. kNotFound when not live.
  virtual Status TombstoneExample(const std::string& id, const std::string& content_hash,
                                  const std::optional<std::string>& deleted_by) = 0;
  // TombstoneExample for each (id, content hash), all in one transaction: the first example not
  // live (kNotFound) rolls back every one (bulk delete).
  virtual Status TombstoneExamples(const std::vector<std::pair<std::string, std::string>>& ids_and_hashes,
                                   const std::optional<std::string>& deleted_by) = 0;
  // Moves a tombstoned example back (same row id, embedding kept) and logs an upsert. kNotFound
  // when there is no tombstone; kFailedPrecondition when purged; kAlreadyExists when its id or
  // client id was taken meanwhile. Returns the example with its embedding. `fits` checks it
  // against its template in the transaction (TemplateFitCheck).
  virtual Result<Example> RestoreExample(const std::string& id, const TemplateFitCheck& fits) = 0;
  Result<Example> RestoreExample(const std::string& id) { return RestoreExample(id, {}); }
  // Erases the content of a tombstoned (or live: tombstoned first) example and of its versions,
  // keeping content hashes: `version_hashes` holds each version's hashes, and a version the history
  // lacks (the current one) gets a row of its own, so every version's hashes are kept alike. In
  // the same transaction, `rewrites` are applied to every template whose inline examples contain
  // the id or that a demo edge from the example links, and to every run whose best program
  // contains the id (the copies of the content; a function left empty skips its records).
  virtual Status PurgeExample(const std::string& id, const std::string& content_hash,
                              const std::vector<PurgedVersionHashes>& version_hashes,
                              const std::optional<std::string>& deleted_by, const PurgeRewrites& rewrites) = 0;
  // A live example, or a tombstoned one with deleted_at (and purged_at, content_hash) set.
  virtual Result<Example> GetExampleIncludingDeleted(const std::string& id) = 0;
  // Deleted examples (tombstones, purged ones included), most recently deleted first by
  // (deleted_at, id), with their total: the trash the user restores from.
  virtual Result<std::pair<std::vector<Example>, int64_t>> ListDeletedExamples(int64_t offset, int64_t limit) = 0;

  // ---- Snapshots (issue 19) ----
  // Stores the snapshot and its items in one transaction; kAlreadyExists for a duplicate id.
  virtual Status InsertSnapshot(const SnapshotRecord& snapshot, const std::vector<SnapshotItem>& items) = 0;
  virtual Result<SnapshotRecord> GetSnapshot(const std::string& id) = 0;
  // Items ordered by example id.
  virtual Result<std::vector<SnapshotItem>> ListSnapshotItems(const std::string& id) = 0;
  // At most `limit` items whose example id sorts after `after_example_id` (byte order; "" for the
  // first page), ordered by example id: a snapshot read a page at a time (exports, diffs).
  virtual Result<std::vector<SnapshotItem>> ListSnapshotItemsAfter(const std::string& id,
                                                                   const std::string& after_example_id,
                                                                   int64_t limit) = 0;
  // Newest first.
  virtual Result<KeyedPage<SnapshotRecord>> ListSnapshots(int64_t offset, int64_t limit) = 0;

  // ---- Audit (issue 19) ----
  // Entries of the current thread's storage::AuditScope are appended by every write transaction
  // (audit_context.h); this appends entries in a transaction of their own.
  virtual Status AppendAudit(const std::vector<AuditRecord>& entries) = 0;
  virtual Result<std::vector<AuditRecord>> ListAudit(const AuditQuery& query) = 0;
  // Deletes entries older than `before` (retention); returns how many.
  virtual Result<int64_t> PurgeAuditBefore(int64_t before) = 0;

  // ---- One-off data backfills (recorded so they run once) ----
  virtual Result<bool> BackfillDone(const std::string& name) = 0;
  virtual Status MarkBackfillDone(const std::string& name) = 0;

  // ---- Auth ----
  virtual Status InsertToken(const ApiToken& token) = 0;
  virtual Result<std::optional<ApiToken>> FindTokenByHash(const std::string& hash) = 0;
  virtual Result<std::vector<ApiToken>> ListTokens() = 0;
  virtual Status RevokeToken(const std::string& id) = 0;
  virtual Status TouchToken(const std::string& id, int64_t when) = 0;
};

// Page-cache memory of each SQLite connection (`sqlite_cache_mb`, `sqlite_reader_cache_mb`), in
// KiB. The OS page cache holds the file as well, so these bound memory, not what can be read.
struct SqliteCacheSizes {
  int writer_kib = 16 << 10;
  int reader_kib = 4 << 10;
};
// Opens (creating if needed) the SQLite store at `path`, applying pending migrations.
Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path, int readers = 4, SqliteCacheSizes cache = {});
// Memory SQLite holds in this process (page caches, statements, schema), from sqlite3_status64.
int64_t SqliteMemoryBytes();
// Connects to PostgreSQL (`postgres://…` or `postgresql://…` URL), applying pending migrations;
// `connections` is the pool size. With `credentials`, every connection's password is their current
// secret, renewed `refresh_ahead_ms` before it expires (storage/postgres/pg_pool.h).
Result<std::unique_ptr<Store>> OpenPostgresStore(const std::string& url, int connections = 8,
                                                 std::shared_ptr<Credentials> credentials = nullptr,
                                                 int64_t refresh_ahead_ms = 0);
// True for a PostgreSQL connection URL.
bool IsPostgresUrl(const std::string& db);

}  // namespace exemplar::storage
