// The audit log (issue 19): every write — examples, templates, runs, tokens, snapshots — appends
// who, when and what in the same transaction as the change (storage/audit_context.h explains the
// mechanism). This is the service side: describing the change, reading the log, retention.
//
// For a new write path (e.g. a bulk route):
//   1. A route in api/ is audited automatically: routes.cc opens a storage::AuditScope with the
//      actor, the route and its path ids before the handler runs.
//   2. Before the first Store write, call audit::Describe("example", ids, diff) to name what
//      changes (a bulk route: every id it touches, and {"filter": …, "set": …} as the diff).
//   3. Nothing else: the first write transaction on the thread appends the entry and commits it
//      with the change. Outside a request (a CLI command) open a storage::AuditScope first.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/json_util.h"
#include "common/sha256.h"
#include "storage/audit_context.h"
#include "storage/store.h"

namespace exemplar::service::audit {

// Names the entity, ids and a compact diff of the current thread's audit entry (no-op without a
// scope). Ids are added to those the scope already holds (path ids), without duplicates. The
// first call names the entity; a later call only adds its ids and its diff (under its entity).
void Describe(const std::string& entity, const std::vector<std::string>& ids, const Json& diff = Json::object());

// The current thread's request changed nothing and leaves no entry (a bulk edit's dry run: it
// only shows what a real one would select); no-op without a scope. Call it only where nothing
// is written afterwards on this thread: a later write would then not carry the entry either.
void NotRecorded();

// The entities entries name: what a write route changes (api/routes.cc names it after the route's
// first path segment: examples → example, dspy-runs → run) and the command line's token changes.
const std::vector<std::string>& Entities();

// The fields of an example whose values never enter the audit log (they may hold personal data
// that a purge must be able to erase): a diff records only their hashes.
const std::set<std::string>& ContentFields();

// {field: {"from": a, "to": b}} for every top-level field that differs between two wire objects
// (`ignored` left out); content fields as {"from_hash", "to_hash"}.
Json Diff(const Json& before, const Json& after, const std::set<std::string>& ignored = {});

// SHA-256 (hex) of the canonical JSON of an example's content: input, expected_output, explanation.
std::string ContentHash(const std::string& input_json, const std::string& expected_output_json,
                        const std::optional<std::string>& explanation);

Json AuditToJson(const AuditRecord& r);

// Reading and retention.
class AuditLog {
 public:
  // retention_days <= 0 keeps entries forever.
  AuditLog(storage::Store& store, int retention_days) : store_(store), retention_days_(retention_days) {}
  ~AuditLog() { StopRetention(); }

  Result<std::vector<AuditRecord>> List(const storage::AuditQuery& query) { return store_.ListAudit(query); }
  // Deletes entries older than the retention period; returns how many.
  Result<int64_t> PurgeExpired();
  // Purges now and then every `every` on a thread, until StopRetention.
  void StartRetention(std::chrono::milliseconds every);
  void StopRetention();
  int retention_days() const { return retention_days_; }

 private:
  storage::Store& store_;
  int retention_days_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace exemplar::service::audit
