// Optimization runs and their trials.
#include "common/time.h"
#include "storage/list_sql.h"
#include "storage/sqlite/row_mapping.h"
#include "storage/sqlite/sqlite_store.h"

namespace exemplar::storage {
namespace {

RunRecord ReadRun(SQLite::Statement& q) {
  RunRecord r;
  int i = 0;
  r.id = q.getColumn(i++).getString();
  r.template_id = q.getColumn(i++).getString();
  r.status = q.getColumn(i++).getString();
  r.config_json = q.getColumn(i++).getString();
  r.progress_json = q.getColumn(i++).getString();
  r.best_score = OptDouble(q.getColumn(i++));
  r.best_program_json = OptString(q.getColumn(i++));
  r.contributions_json = OptString(q.getColumn(i++));
  r.error = OptString(q.getColumn(i++));
  r.decision = OptString(q.getColumn(i++));
  r.accepted_template_id = OptString(q.getColumn(i++));
  r.synced_at = OptInt(q.getColumn(i++));
  r.claimed_by = OptString(q.getColumn(i++));
  r.created_by = OptString(q.getColumn(i++));
  r.created_at = q.getColumn(i++).getInt64();
  r.started_at = OptInt(q.getColumn(i++));
  r.completed_at = OptInt(q.getColumn(i++));
  r.updated_at = q.getColumn(i++).getInt64();
  r.lease_expires_at = OptInt(q.getColumn(i++));
  r.attempts = q.getColumn(i++).getInt64();
  r.takeovers = q.getColumn(i++).getInt64();
  return r;
}

int BindRunBody(SQLite::Statement& q, int i, const RunRecord& r) {
  q.bind(i++, r.template_id);
  q.bind(i++, r.status);
  q.bind(i++, r.config_json);
  q.bind(i++, r.progress_json);
  BindOpt(q, i++, r.best_score);
  BindOpt(q, i++, r.best_program_json);
  BindOpt(q, i++, r.contributions_json);
  BindOpt(q, i++, r.error);
  BindOpt(q, i++, r.decision);
  BindOpt(q, i++, r.accepted_template_id);
  BindOpt(q, i++, r.synced_at);
  BindOpt(q, i++, r.claimed_by);
  BindOpt(q, i++, r.created_by);
  q.bind(i++, static_cast<int64_t>(r.created_at));
  BindOpt(q, i++, r.started_at);
  BindOpt(q, i++, r.completed_at);
  q.bind(i++, static_cast<int64_t>(r.updated_at ? r.updated_at : NowMillis()));
  return i;
}

void InsertRunRow(Conn& c, const RunRecord& r) {
  auto& q = c.Prepare(std::string("INSERT INTO dspy_runs(") + kRunColumns + ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
  q.bind(1, r.id);
  BindRunBody(q, 2, r);
  q.exec();
}

}  // namespace

Status SqliteStore::InsertRun(const RunRecord& r) {
  return pool_->Write([&](Conn& c) {
    InsertRunRow(c, r);
    return Status::Ok();
  });
}

Result<bool> SqliteStore::InsertRunUnderCap(const RunRecord& r, int64_t cap, int64_t* unfinished,
                                            const SnapshotToStore* data) {
  bool capped = false;
  // One writer: no other launch can insert between the count and the insert.
  Status st = pool_->Write([&](Conn& c) -> Status {
    auto& q = c.Prepare("SELECT count(*) FROM dspy_runs WHERE created_by = ? AND status IN ('pending', 'running')");
    BindOpt(q, 1, r.created_by);
    *unfinished = q.executeStep() ? q.getColumn(0).getInt64() : 0;
    if (*unfinished >= cap) {
      capped = true;  // rolled back, so the request's audit entry is not written for nothing done
      return Status::FailedPrecondition("the creator's runs are at the cap");
    }
    if (data) {
      InsertSnapshotRows(c, data->record, data->items);
      if (data->audit) AppendAuditRow(c, *data->audit);
    }
    InsertRunRow(c, r);
    return Status::Ok();
  });
  if (capped) return false;
  EXEMPLAR_RETURN_IF_ERROR(st);
  return true;
}

Result<RunRecord> SqliteStore::GetRun(const std::string& id) {
  std::optional<RunRecord> out;
  EXEMPLAR_RETURN_IF_ERROR(pool_->Read([&](Conn& c) {
    auto& q = c.Prepare(std::string("SELECT ") + kRunReadColumns + " FROM dspy_runs WHERE id = ?");
    q.bind(1, id);
    if (q.executeStep()) out = ReadRun(q);
    return Status::Ok();
  }));
  if (!out) return Status::NotFound("Run not found");
  return std::move(*out);
}

Status SqliteStore::UpdateRun(const RunRecord& r) {
  return pool_->Write([&](Conn& c) {
    auto& q = c.Prepare(
        "UPDATE dspy_runs SET template_id=?, status=?, config=?, progress=?, best_score=?, "
        "best_program=?, contributions=?, error=?, decision=?, accepted_template_id=?, synced_at=?, "
        "claimed_by=COALESCE(claimed_by, ?), created_by=?, created_at=?, started_at=?, completed_at=?, updated_at=? "
        "WHERE id=?");
    int i = BindRunBody(q, 1, r);
    q.bind(i, r.id);
    q.exec();
    if (c.db().getChanges() == 0) return Status::NotFound("Run not found");
    return Status::Ok();
  });
}

Result<KeyedPage<RunRecord>> SqliteStore::ListRuns(const RunListQuery& query) {
  KeyedList list{"dspy_runs", kRunReadColumns, "created_at", {}, std::nullopt};
  if (query.template_id) list.equals.push_back({"template_id", *query.template_id});
  if (query.status) list.equals.push_back({"status", *query.status});
  Result<KeyedPage<RunRecord>> page = Status::Internal("list not run");
  EXEMPLAR_RETURN_IF_ERROR(pool_->Read([&](Conn& c) {
    std::function<Status(const SqlStatement&, std::vector<RunRecord>*)> select =
        [&](const SqlStatement& st, std::vector<RunRecord>* out) {
          auto& q = c.Prepare(st.sql);
          BindValues(q, st.values);
          while (q.executeStep()) out->push_back(ReadRun(q));
          return Status::Ok();
        };
    CountFn count = [&](const SqlStatement& st) -> Result<int64_t> {
      auto& q = c.Prepare(st.sql);
      BindValues(q, st.values);
      return q.executeStep() ? q.getColumn(0).getInt64() : 0;
    };
    page = ListKeyedWith<RunRecord>(Dialect::kSqlite, list, query.offset, query.limit, query.after, select,
                                    count, [](const RunRecord& r) { return KeyCursor{r.created_at, r.id}; });
    return page.status();
  }));
  return page;
}

Status SqliteStore::InsertTrial(const TrialRecord& t) {
  return pool_->Write([&](Conn& c) {
    auto& q = c.Prepare(
        "INSERT OR REPLACE INTO dspy_trials(run_id, trial_index, candidate, instruction, demo_ids, "
        "score, metrics, lm_calls, created_at) VALUES (?,?,?,?,?,?,?,?,?)");
    q.bind(1, t.run_id);
    q.bind(2, static_cast<int64_t>(t.trial_index));
    q.bind(3, t.candidate);
    BindOpt(q, 4, t.instruction);
    q.bind(5, EncodeStringList(t.demo_ids));
    q.bind(6, t.score);
    q.bind(7, t.metrics_json);
    q.bind(8, static_cast<int64_t>(t.lm_calls));
    q.bind(9, static_cast<int64_t>(t.created_at ? t.created_at : NowMillis()));
    q.exec();
    return Status::Ok();
  });
}

Result<std::vector<TrialRecord>> SqliteStore::ListTrials(const std::string& run_id) {
  std::vector<TrialRecord> out;
  EXEMPLAR_RETURN_IF_ERROR(pool_->Read([&](Conn& c) {
    auto& q = c.Prepare(
        "SELECT run_id, trial_index, candidate, instruction, demo_ids, score, metrics, lm_calls, "
        "created_at FROM dspy_trials WHERE run_id = ? ORDER BY trial_index");
    q.bind(1, run_id);
    while (q.executeStep()) {
      TrialRecord t;
      t.run_id = q.getColumn(0).getString();
      t.trial_index = q.getColumn(1).getInt64();
      t.candidate = q.getColumn(2).getString();
      t.instruction = OptString(q.getColumn(3));
      t.demo_ids = DecodeStringList(q.getColumn(4).getString());
      t.score = q.getColumn(5).getDouble();
      t.metrics_json = q.getColumn(6).getString();
      t.lm_calls = q.getColumn(7).getInt64();
      t.created_at = q.getColumn(8).getInt64();
      out.push_back(std::move(t));
    }
    return Status::Ok();
  }));
  return out;
}

Status SqliteStore::SyncRun(const std::string& run_id, const std::vector<UsageEvent>& events) {
  return pool_->Write([&](Conn& c) {
    int64_t now = NowMillis();
    auto& q = c.Prepare(
        "UPDATE dspy_runs SET synced_at = ?, updated_at = ? WHERE id = ? AND synced_at IS NULL AND "
        "status = 'completed'");
    q.bind(1, static_cast<int64_t>(now));
    q.bind(2, static_cast<int64_t>(now));
    q.bind(3, run_id);
    q.exec();
    if (c.db().getChanges() == 0) {
      auto& s = c.Prepare("SELECT status, synced_at FROM dspy_runs WHERE id = ?");
      s.bind(1, run_id);
      if (!s.executeStep()) return Status::NotFound("Run not found");
      if (!s.getColumn(1).isNull()) return Status::AlreadyExists("run was already synced");
      return Status::FailedPrecondition("run is " + s.getColumn(0).getString() + ", not completed");
    }
    for (const auto& e : events) ApplyUsageEvent(c, e, now);
    return Status::Ok();
  });
}

Result<bool> ClaimRunDecision(Conn& c, const std::string& run_id, const std::string& decision,
                              const std::optional<std::string>& accepted_template_id, int64_t now) {
  const char* allowed = RunDecisionStatuses(decision);
  if (!allowed) return Status::InvalidArgument("unknown run decision " + decision);
  auto& q = c.Prepare(std::string("UPDATE dspy_runs SET decision = ?, accepted_template_id = ?, updated_at = ? "
                                  "WHERE id = ? AND decision IS NULL AND status IN ") + allowed);
  q.bind(1, decision);
  BindOpt(q, 2, accepted_template_id);
  q.bind(3, static_cast<int64_t>(now));
  q.bind(4, run_id);
  q.exec();
  if (c.db().getChanges() > 0) return true;
  auto& s = c.Prepare("SELECT 1 FROM dspy_runs WHERE id = ?");
  s.bind(1, run_id);
  if (!s.executeStep()) return Status::NotFound("Run not found");
  return false;
}

Result<bool> SqliteStore::DecideRun(const std::string& run_id, const std::string& decision,
                                    const std::optional<std::string>& accepted_template_id, int64_t now) {
  bool lost = false;
  Status st = pool_->Write([&](Conn& c) -> Status {
    EXEMPLAR_ASSIGN_OR_RETURN(bool won, ClaimRunDecision(c, run_id, decision, accepted_template_id, now));
    if (!won) {
      lost = true;  // rolled back, so the request's audit entry is not written for nothing done
      return Status::FailedPrecondition("the run's decision is taken");
    }
    return Status::Ok();
  });
  if (lost) return false;
  EXEMPLAR_RETURN_IF_ERROR(st);
  return true;
}

Result<bool> SqliteStore::ClaimRun(const std::string& run_id, const std::string& owner, int64_t lease_ms,
                                   RunRecord* run) {
  bool claimed = false;
  EXEMPLAR_RETURN_IF_ERROR(pool_->Write([&](Conn& c) {
    int64_t now = NowMillis();
    auto& q = c.Prepare(std::string(
        "UPDATE dspy_runs SET status = 'running', claimed_by = ?1, started_at = ?2, updated_at = ?2, "
        "lease_expires_at = ?3 WHERE id = ?4 AND status = 'pending' RETURNING ") + kRunReadColumns);
    q.bind(1, owner);
    q.bind(2, static_cast<int64_t>(now));
    q.bind(3, static_cast<int64_t>(now + lease_ms));
    q.bind(4, run_id);
    if (q.executeStep()) {
      *run = ReadRun(q);
      claimed = true;
    }
    return Status::Ok();
  }));
  return claimed;
}

Result<bool> SqliteStore::ClaimNextRun(const std::string& owner, int64_t lease_ms, RunRecord* run) {
  bool claimed = false;
  EXEMPLAR_RETURN_IF_ERROR(pool_->Write([&](Conn& c) {
    int64_t now = NowMillis();
    // One writer: the inner SELECT and the UPDATE cannot interleave with another claim.
    auto& q = c.Prepare(std::string(
        "UPDATE dspy_runs SET status = 'running', claimed_by = ?1, started_at = ?2, updated_at = ?2, "
        "lease_expires_at = ?3 WHERE id = (SELECT id FROM dspy_runs WHERE status = 'pending' "
        "ORDER BY created_at, id LIMIT 1) RETURNING ") + kRunReadColumns);
    q.bind(1, owner);
    q.bind(2, static_cast<int64_t>(now));
    q.bind(3, static_cast<int64_t>(now + lease_ms));
    if (q.executeStep()) {
      *run = ReadRun(q);
      claimed = true;
    }
    return Status::Ok();
  }));
  return claimed;
}

Result<bool> SqliteStore::RenewRunLease(const std::string& run_id, const std::string& owner,
                                        int64_t lease_ms) {
  bool renewed = false;
  EXEMPLAR_RETURN_IF_ERROR(pool_->Write([&](Conn& c) {
    // A lease given up (negative lease_ms) is marked so, for the takeover not to count it.
    auto& q = c.Prepare(
        "UPDATE dspy_runs SET lease_expires_at = ?, lease_released = ? WHERE id = ? AND claimed_by = ? AND "
        "status = 'running'");
    q.bind(1, static_cast<int64_t>(NowMillis() + lease_ms));
    q.bind(2, lease_ms < 0 ? 1 : 0);
    q.bind(3, run_id);
    q.bind(4, owner);
    q.exec();
    renewed = c.db().getChanges() > 0;
    return Status::Ok();
  }));
  return renewed;
}

Result<bool> SqliteStore::TakeOverExpiredRun(const std::string& run_id, const std::string& owner,
                                             int64_t lease_ms, RunRecord* run) {
  bool taken = false;
  EXEMPLAR_RETURN_IF_ERROR(pool_->Write([&](Conn& c) {
    int64_t now = NowMillis();
    auto& q = c.Prepare(std::string(
        "UPDATE dspy_runs SET claimed_by = ?1, lease_expires_at = ?2, attempts = attempts + 1, "
        "takeovers = takeovers + 1 - lease_released, lease_released = 0, updated_at = ?3 "
        "WHERE id = (SELECT id FROM dspy_runs WHERE status = 'running' AND "
        "lease_expires_at < ?3 AND (?4 = '' OR id = ?4) ORDER BY created_at, id LIMIT 1) "
        "RETURNING ") + kRunReadColumns);
    q.bind(1, owner);
    q.bind(2, static_cast<int64_t>(now + lease_ms));
    q.bind(3, static_cast<int64_t>(now));
    q.bind(4, run_id);
    if (q.executeStep()) {
      *run = ReadRun(q);
      taken = true;
    }
    return Status::Ok();
  }));
  return taken;
}

Status SqliteStore::RequestRunCancel(const std::string& run_id) {
  return pool_->Write([&](Conn& c) {
    auto& q = c.Prepare(
        "UPDATE dspy_runs SET cancel_requested_at = COALESCE(cancel_requested_at, ?) WHERE id = ?");
    q.bind(1, static_cast<int64_t>(NowMillis()));
    q.bind(2, run_id);
    q.exec();
    if (c.db().getChanges() == 0) return Status::NotFound("Run not found");
    return Status::Ok();
  });
}

Result<bool> SqliteStore::RunCancelRequested(const std::string& run_id) {
  bool requested = false;
  EXEMPLAR_RETURN_IF_ERROR(pool_->Read([&](Conn& c) {
    auto& q = c.Prepare("SELECT cancel_requested_at IS NOT NULL FROM dspy_runs WHERE id = ?");
    q.bind(1, run_id);
    if (q.executeStep()) requested = q.getColumn(0).getInt() != 0;
    return Status::Ok();
  }));
  return requested;
}

}  // namespace exemplar::storage
