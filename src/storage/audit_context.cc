#include "storage/audit_context.h"

#include "common/time.h"

namespace exemplar::storage {
namespace {
thread_local AuditScope* current_scope = nullptr;
}  // namespace

AuditScope::AuditScope(AuditRecord entry) : entry_(std::move(entry)), previous_(current_scope) {
  current_scope = this;
}

AuditScope::~AuditScope() { current_scope = previous_; }

AuditScope* AuditScope::Current() { return current_scope; }

std::optional<AuditRecord> AuditScope::Pending() const {
  if (written_ || held_ > 0) return std::nullopt;
  AuditRecord r = entry_;
  if (!r.at) r.at = NowMillis();
  return r;
}

AuditHold::AuditHold() : scope_(current_scope) {
  if (scope_) ++scope_->held_;
}

AuditHold::~AuditHold() {
  if (scope_) --scope_->held_;
}

std::optional<AuditRecord> PendingAudit() {
  return current_scope ? current_scope->Pending() : std::nullopt;
}

void MarkAuditWritten() {
  if (current_scope) current_scope->MarkWritten();
}

}  // namespace exemplar::storage
