// SqliteStore: the embedded Store (WAL, one writer, reader pool). Methods are split across
// sqlite_store.cc (open, change log, lineage, tokens), examples_sql.cc, usage_sql.cc and
// templates_sql.cc by the tables they touch.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "storage/sqlite/connection_pool.h"
#include "storage/store.h"

namespace exemplar::storage {

class SqliteStore final : public Store {
 public:
  explicit SqliteStore(std::unique_ptr<ConnPool> pool) : pool_(std::move(pool)) {}
  Status Migrate();

  Result<std::vector<InsertOutcome>> InsertExamples(std::vector<Example>& examples, const TemplateFitCheck& fits) override;
  using Store::InsertExamples;
  Result<Example> GetExample(const std::string& id, bool with_embedding) override;
  Result<std::vector<Example>> GetExamplesByRowIds(const std::vector<int64_t>& row_ids) override;
  Result<std::optional<Example>> FindExampleByClientId(const std::string& client_id) override;
  Result<std::optional<std::string>> FindDeletedExampleByClientId(const std::string& client_id) override;
  Status UpdateExample(const Example& updated, const std::string& prior_snapshot, const TemplateFitCheck& fits) override;
  using Store::UpdateExample;
  Status DeleteExample(const std::string& id) override;
  Status UpdateExamples(const std::vector<ExampleUpdate>& updates, const TemplateFitCheck& fits) override;
  using Store::UpdateExamples;
  Status DeleteExamples(const std::vector<std::string>& ids) override;
  using Store::ListExamples;
  Result<ExamplePage> ListExamples(const ExampleListQuery& query) override;
  Result<std::vector<ExampleVersion>> ListExampleVersions(const std::string& id) override;
  Result<ExampleVersionPage> ListExampleVersionPage(const std::string& id, int64_t offset, int64_t limit) override;
  Status ScanExamples(bool with_embeddings, const std::function<void(Example&&)>& fn) override;
  Status SetEmbeddings(const std::vector<std::pair<std::string, std::vector<float>>>& items,
                       const std::string& model) override;
  Result<int64_t> CountExamples() override;

  Result<int64_t> LatestChangeSeq() override;
  Result<std::vector<Change>> ChangesSince(int64_t seq, int64_t limit,
                                           const std::string& exclude_origin) override;
  const std::string& origin() const override { return pool_->origin(); }
  void WaitForChange(std::chrono::milliseconds timeout) override;

  Status RecordUsage(const std::vector<UsageEvent>& events) override;
  Status RecordRetrieval(const Retrieval& retrieval, const std::vector<UsageEvent>& events) override;
  Result<Retrieval> GetRetrieval(const std::string& id) override;
  Status RecordRetrievalOutcome(const std::string& retrieval_id, const std::string& outcome,
                                const std::string& example_outcomes_json, const std::optional<std::string>& actor,
                                const std::vector<UsageEvent>& events) override;
  Result<std::vector<UsageEvent>> ListUsageEvents(const UsageEventQuery& q) override;
  Result<std::vector<UsageAggregate>> AggregateUsage(
      const std::string& group, int64_t from, int64_t to, const std::optional<std::string>& domain,
      const std::optional<std::string>& function_name) override;
  Result<UsageAggregate> ExampleUsage(const std::string& example_id, int64_t from, int64_t to) override;
  Result<PrunedRows> PruneRetrievals(int64_t before, int64_t limit, bool with_events) override;
  Result<int64_t> PruneUsageEvents(int64_t before, int64_t limit) override;
  Result<int64_t> CountRetrievals() override;
  Result<std::optional<int64_t>> NthNewestRetrievalTime(int64_t nth) override;
  Result<int64_t> CountUsageEvents() override;
  Result<std::optional<int64_t>> NthNewestUsageEventTime(int64_t nth) override;

  Status InsertTemplate(const Template& t) override;
  Result<Template> GetTemplate(const std::string& id) override;
  Status UpdateTemplate(const Template& t, int64_t if_updated_at, const std::vector<LineageEdge>& open,
                        const std::vector<LineageEdge>& close, const GovernedExamples* governed) override;
  using Store::UpdateTemplate;
  Status DeleteTemplate(const std::string& id, int64_t if_updated_at) override;
  using Store::ListTemplates;
  Result<KeyedPage<Template>> ListTemplates(const TemplateListQuery& query) override;
  Result<std::vector<Template>> ListTemplatesByName(const std::string& name) override;
  Result<bool> InsertTemplateVersion(const Template& t, const std::vector<LineageEdge>& edges,
                                     const std::optional<std::string>& accepting_run_id, int64_t now) override;

  Status InsertRun(const RunRecord& run) override;
  Result<bool> InsertRunUnderCap(const RunRecord& run, int64_t cap, int64_t* unfinished,
                                 const SnapshotToStore* data) override;
  Result<RunRecord> GetRun(const std::string& id) override;
  Status UpdateRun(const RunRecord& run) override;
  using Store::ListRuns;
  Result<KeyedPage<RunRecord>> ListRuns(const RunListQuery& query) override;
  Status InsertTrial(const TrialRecord& trial) override;
  Result<std::vector<TrialRecord>> ListTrials(const std::string& run_id) override;
  Status SyncRun(const std::string& run_id, const std::vector<UsageEvent>& events) override;
  Result<bool> DecideRun(const std::string& run_id, const std::string& decision,
                         const std::optional<std::string>& accepted_template_id, int64_t now) override;
  Result<bool> ClaimRun(const std::string& run_id, const std::string& owner, int64_t lease_ms,
                        RunRecord* run) override;
  Result<bool> ClaimNextRun(const std::string& owner, int64_t lease_ms, RunRecord* run) override;
  Result<bool> RenewRunLease(const std::string& run_id, const std::string& owner, int64_t lease_ms) override;
  Result<bool> TakeOverExpiredRun(const std::string& run_id, const std::string& owner, int64_t lease_ms,
                                  RunRecord* run) override;
  Status RequestRunCancel(const std::string& run_id) override;
  Result<bool> RunCancelRequested(const std::string& run_id) override;

  Status InsertEdges(const std::vector<LineageEdge>& edges) override;
  Result<int64_t> AddMissingMemberships() override;
  Result<std::vector<LineageEdge>> EdgesTouching(
      const std::vector<std::pair<std::string, std::string>>& nodes, bool upstream) override;

  Status CloseEdges(const std::vector<LineageEdge>& edges, int64_t closed_at) override;

  Status TombstoneExample(const std::string& id, const std::string& content_hash,
                          const std::optional<std::string>& deleted_by) override;
  Status TombstoneExamples(const std::vector<std::pair<std::string, std::string>>& ids_and_hashes,
                           const std::optional<std::string>& deleted_by) override;
  Result<Example> RestoreExample(const std::string& id, const TemplateFitCheck& fits) override;
  using Store::RestoreExample;
  Status PurgeExample(const std::string& id, const std::string& content_hash,
                      const std::vector<PurgedVersionHashes>& version_hashes,
                      const std::optional<std::string>& deleted_by, const PurgeRewrites& rewrites) override;
  Result<Example> GetExampleIncludingDeleted(const std::string& id) override;
  Result<std::pair<std::vector<Example>, int64_t>> ListDeletedExamples(int64_t offset, int64_t limit) override;

  Status InsertSnapshot(const SnapshotRecord& snapshot, const std::vector<SnapshotItem>& items) override;
  Result<SnapshotRecord> GetSnapshot(const std::string& id) override;
  Result<std::vector<SnapshotItem>> ListSnapshotItems(const std::string& id) override;
  Result<std::vector<SnapshotItem>> ListSnapshotItemsAfter(const std::string& id, const std::string& after_example_id,
                                                           int64_t limit) override;
  Result<KeyedPage<SnapshotRecord>> ListSnapshots(int64_t offset, int64_t limit) override;

  Status AppendAudit(const std::vector<AuditRecord>& entries) override;
  Result<std::vector<AuditRecord>> ListAudit(const AuditQuery& query) override;
  Result<int64_t> PurgeAuditBefore(int64_t before) override;

  Result<bool> BackfillDone(const std::string& name) override;
  Status MarkBackfillDone(const std::string& name) override;

  Status InsertToken(const ApiToken& token) override;
  Result<std::optional<ApiToken>> FindTokenByHash(const std::string& hash) override;
  Result<std::vector<ApiToken>> ListTokens() override;
  Status RevokeToken(const std::string& id) override;
  Status TouchToken(const std::string& id, int64_t when) override;

 private:
  std::unique_ptr<ConnPool> pool_;
};

// Applies one usage event inside the caller's transaction (counters, event row, change log).
void ApplyUsageEvent(Conn& c, const UsageEvent& e, int64_t now);

// Inside the caller's transaction: claims a run's decision (DecideRun; false when it has one or
// its status does not allow this one, kNotFound for no such run), stores one template row, and
// stores lineage edges (an edge stored again is reopened).
Result<bool> ClaimRunDecision(Conn& c, const std::string& run_id, const std::string& decision,
                              const std::optional<std::string>& accepted_template_id, int64_t now);
void InsertTemplateRow(Conn& c, const Template& t);
// A snapshot and its items, inside the caller's transaction.
void InsertSnapshotRows(Conn& c, const SnapshotRecord& s, const std::vector<SnapshotItem>& items);
void InsertEdgeRows(Conn& c, const std::vector<LineageEdge>& edges);
// Closes the open edges matched by (source, target, type) at `closed_at`; others are left alone.
void CloseEdgeRows(Conn& c, const std::vector<LineageEdge>& edges, int64_t closed_at);

// Inside the caller's write transaction: `fits` (when set) on `e` with the template it names as
// the transaction reads it, each template read once per `read`; kFailedPrecondition
// (kTemplateDeletedMeanwhile) when that template is gone.
Status CheckTemplateFit(Conn& c, const Example& e, const TemplateFitCheck& fits, std::map<std::string, Template>& read);

// The highest row id any example ever held, live or deleted (new examples take the ones above:
// a row id is an index label for good, and a deleted example keeps its own for a restore).
int64_t HighestExampleRowId(Conn& c);

// Appends a change-log row inside the caller's transaction.
void AppendChange(Conn& c, const std::string& entity, const std::string& entity_id,
                  int64_t row_id, const std::string& op, int64_t now);

}  // namespace exemplar::storage
