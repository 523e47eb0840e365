// AuditScope: the audit entry of the request (or command) this thread is executing, so that the
// store appends it inside the same transaction as the change it describes (issue 19).
//
// How a write path uses it:
//   - The API's route wrapper (api/routes.cc) opens a scope for every audited route with who
//     (token name / forwarded user), the route and its path ids; a CLI command opens one itself.
//   - Services describe the change before their first store write: service::audit::Describe
//     (service/audit/audit.h) sets the entity, ids and a compact diff.
//   - Every Store write transaction on this thread (SQLite ConnPool::Write, PgPool::Write)
//     appends the entry before it commits, once: the first committed write carries it. A rolled
//     back transaction leaves it pending.
//   - When the request succeeded but wrote nothing on this thread (an export, a no-op, work handed
//     to another thread), the wrapper appends the entry in a transaction of its own.
// Scopes do not nest: an inner scope replaces the outer one until it ends.
#pragma once

#include <optional>

#include "storage/records.h"

namespace exemplar::storage {

class AuditScope {
 public:
  explicit AuditScope(AuditRecord entry);
  ~AuditScope();
  AuditScope(const AuditScope&) = delete;
  AuditScope& operator=(const AuditScope&) = delete;

  // The scope of this thread, or null.
  static AuditScope* Current();

  AuditRecord& entry() { return entry_; }
  bool written() const { return written_; }
  // Whether a service already named the entity (service::audit::Describe: the first one wins).
  bool described() const { return described_; }
  void set_described() { described_ = true; }

  // For store write transactions: the entry to append, unless it was already written or is held.
  std::optional<AuditRecord> Pending() const;
  // Called after the transaction that appended the entry committed.
  void MarkWritten() { written_ = true; }

 private:
  AuditRecord entry_;
  bool written_ = false;
  bool described_ = false;
  int held_ = 0;  // open AuditHolds
  AuditScope* previous_;
  friend class AuditHold;
};

// While an AuditHold lives, write transactions on this thread do not append the pending entry: a
// write that creates nothing (an import whose records are all stored already, or all refused)
// leaves it for a later write that does, or for none. No-op without a scope.
class AuditHold {
 public:
  AuditHold();
  ~AuditHold();
  AuditHold(const AuditHold&) = delete;
  AuditHold& operator=(const AuditHold&) = delete;

 private:
  AuditScope* scope_;
};

// The pending entry of the current thread's scope, if any (what write transactions append).
std::optional<AuditRecord> PendingAudit();
// Marks the current scope's entry written (after a commit that appended it).
void MarkAuditWritten();

}  // namespace exemplar::storage
