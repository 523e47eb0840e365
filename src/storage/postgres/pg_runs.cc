// Templates, optimization runs and trials on PostgreSQL.
#include "common/time.h"
#include "storage/columns.h"
#include "storage/dialect.h"
#include "storage/list_sql.h"
#include "storage/postgres/pg_store.h"

namespace exemplar::storage {

void PgStore::InsertTemplateRow(pqxx::transaction_base& tx, const Template& t) {
  PgParams p;
  p.Text(t.id);
  PgAddTemplateBody(p, t);
  p.Exec(tx, std::string("INSERT INTO templates(") + kTemplateColumns + ") VALUES (" +
                 PgPlaceholders(1, static_cast<int>(p.size())) + ")");
}

Status PgStore::InsertTemplate(const Template& t) {
  EXEMPLAR_RETURN_IF_ERROR(RefuseNul(t));
  return pool_->Write([&](pqxx::transaction_base& tx) {
    InsertTemplateRow(tx, t);
    return Status::Ok();
  });
}

Result<bool> PgStore::InsertTemplateVersion(const Template& t, const std::vector<LineageEdge>& edges,
                                            const std::optional<std::string>& accepting_run_id, int64_t now) {
  EXEMPLAR_RETURN_IF_ERROR(RefuseNul(t));
  bool lost = false;
  Status st = pool_->Write([&](pqxx::transaction_base& tx) -> Status {
    if (accepting_run_id) {
      EXEMPLAR_ASSIGN_OR_RETURN(bool won, ClaimRunDecision(tx, *accepting_run_id, "accepted", t.id, now));
      if (!won) {
        lost = true;  // rolled back, so the request's audit entry is not written for nothing done
        return Status::FailedPrecondition("the run's decision is taken");
      }
    }
    InsertTemplateRow(tx, t);  // a taken (name, version) throws: the claim rolls back with it
    InsertEdgeRows(tx, edges);
    return Status::Ok();
  });
  if (lost) return false;
  EXEMPLAR_RETURN_IF_ERROR(st);
  return true;
}

Result<Template> PgStore::GetTemplate(const std::string& id) {
  std::optional<Template> out;
  EXEMPLAR_RETURN_IF_ERROR(pool_->Read([&](pqxx::transaction_base& tx) {
    auto rows = PgParams().Text(id).Exec(
        tx, std::string("SELECT ") + kTemplateColumns + " FROM templates WHERE id = $1");
    if (!rows.empty()) out = PgReadTemplate(rows[0]);
    return Status::Ok();
  }));
  if (!out) return Status::NotFound("Template not found");
  return std::move(*out);
}

namespace {

// Why a guarded template write changed no row: gone, or changed by another writer.
Status TemplateUnchanged(pqxx::transaction_base& tx, const std::string& id) {
  if (PgParams().Text(id).Exec(tx, "SELECT 1 FROM templates WHERE id = $1").empty()) {
    return Status::NotFound("Template not found");
  }
  return Status::FailedPrecondition(kTemplateChangedConcurrently);
}

}  // namespace

Status PgCheckTemplateFit(pqxx::transaction_base& tx, const Example& e, const TemplateFitCheck& fits,
                          std::map<std::string, Template>& read) {
  if (!fits || !e.databit_id) return Status::Ok();
  auto it = read.find(*e.databit_id);
  if (it == read.end()) {
    auto rows = PgParams().Text(e.databit_id).Exec(
        tx, std::string("SELECT ") + kTemplateColumns + " FROM templates WHERE id = $1 FOR KEY SHARE");
    if (rows.empty()) return Status::FailedPrecondition(kTemplateDeletedMeanwhile + *e.databit_id);
    it = read.emplace(*e.databit_id, PgReadTemplate(rows[0])).first;
  }
  return fits(e, it->second);
}

Status PgStore::UpdateTemplate(const Template& t, int64_t if_updated_at, const std::vector<LineageEdge>& open,
                               const std::vector<LineageEdge>& close, const GovernedExamples* governed) {
  EXEMPLAR_RETURN_IF_ERROR(RefuseNul(t));
  // A schema edit takes the change-log lock every example write takes first (ordered), so the
  // examples it checks are all there are until it commits (storage/template_fit.h).
  return pool_->Write([&](pqxx::transaction_base& tx) {
    PgParams p;
    PgAddTemplateBody(p, t);
    p.Text(t.id);
    p.Int(if_updated_at);
    auto r = p.Exec(tx,
                    "UPDATE templates SET name=$1, description=$2, input_schema=$3, output_schema=$4, "
                    "prompt_template=$5, system_prompt=$6, examples=$7, base_model=$8, temperature=$9, "
                    "max_tokens=$10, status=$11, version=$12, parent_template_id=$13, derived_from=$14, "
                    "created_by=$15, created_at=$16, updated_at=$17 WHERE id=$18 AND updated_at=$19");
    if (r.affected_rows() == 0) return TemplateUnchanged(tx, t.id);
    if (governed) {
      for (const auto& id : governed->template_ids) {
        auto rows = PgParams().Text(id).Exec(
            tx, std::string("SELECT ") + kExampleColumns + " FROM examples WHERE databit_id = $1 ORDER BY row_id");
        for (const auto& row : rows) governed->visit(PgReadExample(row, false));
      }
      EXEMPLAR_RETURN_IF_ERROR(governed->verdict());
    }
    InsertEdgeRows(tx, open);
    CloseEdgeRows(tx, close, t.updated_at);
    return Status::Ok();
  }, governed != nullptr);
}

Status PgStore::DeleteTemplate(const std::string& id, int64_t if_updated_at) {
  return pool_->Write([&](pqxx::transaction_base& tx) {
    // Lock the row first: an example insert holds a key-share lock on its template until it
    // commits, so this waits for it, and the DELETE below (a new statement, a fresh snapshot under
    // READ COMMITTED) then sees that example and refuses.
    if (PgParams().Text(id).Exec(tx, "SELECT 1 FROM templates WHERE id = $1 FOR UPDATE").empty()) {
      return Status::NotFound("Template not found");
    }
    auto r = PgParams().Text(id).Int(if_updated_at).Exec(
        tx,
        "DELETE FROM templates WHERE id = $1 AND updated_at = $2 "
        "AND NOT EXISTS (SELECT 1 FROM examples WHERE databit_id = $1) "
        "AND NOT EXISTS (SELECT 1 FROM templates AS child WHERE child.parent_template_id = $1)");
    if (r.affected_rows() == 0) return TemplateUnchanged(tx, id);
    PgParams().Text(id).Exec(
        tx,
        "DELETE FROM lineage_edges WHERE (source_type = 'template' AND source_id = $1) OR "
        "(target_type = 'template' AND target_id = $1)");
    return Status::Ok();
  });
}

namespace {

CountFn PgCount(pqxx::transaction_base& tx) {
  return [&tx](const SqlStatement& st) -> Result<int64_t> {
    PgParams p;
    PgAddValues(p, st.values);
    return p.Exec(tx, st.sql)[0][0].as<int64_t>();
  };
}

template <typename T>
std::function<Status(const SqlStatement&, std::vector<T>*)> PgSelect(pqxx::transaction_base& tx,
                                                                      T (*read)(const pqxx::row&)) {
  return [&tx, read](const SqlStatement& st, std::vector<T>* out) {
    PgParams p;
    PgAddValues(p, st.values);
    for (const auto& r : p.Exec(tx, st.sql)) out->push_back(read(r));
    return Status::Ok();
  };
}

}  // namespace

Result<KeyedPage<Template>> PgStore::ListTemplates(const TemplateListQuery& query) {
  KeyedList list{"templates", kTemplateColumns, "updated_at", {}, query.search};
  if (query.status) list.equals.push_back({"status", *query.status});
  Result<KeyedPage<Template>> page = Status::Internal("list not run");
  EXEMPLAR_RETURN_IF_ERROR(pool_->Read([&](pqxx::transaction_base& tx) {
    page = ListKeyedWith<Template>(Dialect::kPostgres, list, query.offset, query.limit, query.after,
                                   PgSelect<Template>(tx, &PgReadTemplate), PgCount(tx),
                                   [](const Template& t) { return KeyCursor{t.updated_at, t.id}; });
    return page.status();
  }));
  return page;
}

Result<std::vector<Template>> PgStore::ListTemplatesByName(const std::string& name) {
  std::vector<Template> out;
  EXEMPLAR_RETURN_IF_ERROR(pool_->Read([&](pqxx::transaction_base& tx) {
    auto rows = PgParams().Text(name).Exec(
        tx, std::string("SELECT ") + kTemplateColumns + " FROM templates WHERE name = $1 ORDER BY created_at, id");
    for (const auto& r : rows) out.push_back(PgReadTemplate(r));
    return Status::Ok();
  }));
  return out;
}

namespace {

void InsertRunRow(pqxx::transaction_base& tx, const RunRecord& r) {
  PgParams p;
  p.Text(r.id);
  PgAddRunBody(p, r);
  p.Exec(tx, std::string("INSERT INTO dspy_runs(") + kRunColumns + ") VALUES (" +
                 PgPlaceholders(1, static_cast<int>(p.size())) + ")");
}

}  // namespace

Status PgStore::InsertRun(const RunRecord& r) {
  return pool_->Write([&](pqxx::transaction_base& tx) {
    InsertRunRow(tx, r);
    return Status::Ok();
  });
}

Result<bool> PgStore::InsertRunUnderCap(const RunRecord& r, int64_t cap, int64_t* unfinished,
                                        const SnapshotToStore* data) {
  bool capped = false;
  Status st = pool_->Write([&](pqxx::transaction_base& tx) -> Status {
    // Launches by one creator through any replica queue here until the holder commits; the count
    // below is a new statement, so under READ COMMITTED it sees the run the holder inserted.
    PgParams().Text("dspy_runs.created_by:" + r.created_by.value_or(""))
        .Exec(tx, "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))");
    auto rows = PgParams().Text(r.created_by).Exec(
        tx, "SELECT count(*) FROM dspy_runs WHERE created_by = $1 AND status IN ('pending', 'running')");
    *unfinished = rows[0][0].as<int64_t>();
    if (*unfinished >= cap) {
      capped = true;  // rolled back, so the request's audit entry is not written for nothing done
      return Status::FailedPrecondition("the creator's runs are at the cap");
    }
    if (data) {
      InsertSnapshotRows(tx, data->record, data->items);
      if (data->audit) PgAppendAuditRow(tx, *data->audit);
    }
    InsertRunRow(tx, r);
    return Status::Ok();
  });
  if (capped) return false;
  EXEMPLAR_RETURN_IF_ERROR(st);
  return true;
}

Result<RunRecord> PgStore::GetRun(const std::string& id) {
  std::optional<RunRecord> out;
  EXEMPLAR_RETURN_IF_ERROR(pool_->Read([&](pqxx::transaction_base& tx) {
    auto rows = PgParams().Text(id).Exec(tx, std::string("SELECT ") + kRunReadColumns + " FROM dspy_runs WHERE id = $1");
    if (!rows.empty()) out = PgReadRun(rows[0]);
    return Status::Ok();
  }));
  if (!out) return Status::NotFound("Run not found");
  return std::move(*out);
}

Status PgStore::UpdateRun(const RunRecord& r) {
  return pool_->Write([&](pqxx::transaction_base& tx) {
    PgParams p;
    PgAddRunBody(p, r);
    p.Text(r.id);
    auto res = p.Exec(tx,
                      "UPDATE dspy_runs SET template_id=$1, status=$2, config=$3, progress=$4, "
                      "best_score=$5, best_program=$6, contributions=$7, error=$8, decision=$9, "
                      "accepted_template_id=$10, synced_at=$11, claimed_by=COALESCE(claimed_by, $12), created_by=$13, "
                      "created_at=$14, started_at=$15, completed_at=$16, updated_at=$17 WHERE id=$18");
    if (res.affected_rows() == 0) return Status::NotFound("Run not found");
    return Status::Ok();
  });
}

Result<KeyedPage<RunRecord>> PgStore::ListRuns(const RunListQuery& query) {
  KeyedList list{"dspy_runs", kRunReadColumns, "created_at", {}, std::nullopt};
  if (query.template_id) list.equals.push_back({"template_id", *query.template_id});
  if (query.status) list.equals.push_back({"status", *query.status});
  Result<KeyedPage<RunRecord>> page = Status::Internal("list not run");
  EXEMPLAR_RETURN_IF_ERROR(pool_->Read([&](pqxx::transaction_base& tx) {
    page = ListKeyedWith<RunRecord>(Dialect::kPostgres, list, query.offset, query.limit, query.after,
                                    PgSelect<RunRecord>(tx, &PgReadRun), PgCount(tx),
                                    [](const RunRecord& r) { return KeyCursor{r.created_at, r.id}; });
    return page.status();
  }));
  return page;
}

Status PgStore::InsertTrial(const TrialRecord& t) {
  return pool_->Write([&](pqxx::transaction_base& tx) {
    PgParams()
        .Text(t.run_id).Int(t.trial_index).Text(t.candidate).Text(t.instruction)
        .Text(EncodeStringList(t.demo_ids)).Real(t.score).Text(t.metrics_json).Int(t.lm_calls)
        .Int(t.created_at ? t.created_at : NowMillis())
        .Exec(tx,
              "INSERT INTO dspy_trials(run_id, trial_index, candidate, instruction, demo_ids, score, "
              "metrics, lm_calls, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
              "ON CONFLICT (run_id, trial_index) DO UPDATE SET candidate = EXCLUDED.candidate, "
              "instruction = EXCLUDED.instruction, demo_ids = EXCLUDED.demo_ids, score = "
              "EXCLUDED.score, metrics = EXCLUDED.metrics, lm_calls = EXCLUDED.lm_calls, "
              "created_at = EXCLUDED.created_at");
    return Status::Ok();
  });
}

Result<std::vector<TrialRecord>> PgStore::ListTrials(const std::string& run_id) {
  std::vector<TrialRecord> out;
  EXEMPLAR_RETURN_IF_ERROR(pool_->Read([&](pqxx::transaction_base& tx) {
    auto rows = PgParams().Text(run_id).Exec(
        tx,
        "SELECT run_id, trial_index, candidate, instruction, demo_ids, score, metrics, lm_calls, "
        "created_at FROM dspy_trials WHERE run_id = $1 ORDER BY trial_index");
    for (const auto& r : rows) {
      TrialRecord t;
      t.run_id = r[0].as<std::string>();
      t.trial_index = r[1].as<int64_t>();
      t.candidate = r[2].as<std::string>();
      t.instruction = PgOptText(r[3]);
      t.demo_ids = DecodeStringList(r[4].as<std::string>());
      t.score = r[5].as<double>();
      t.metrics_json = r[6].as<std::string>();
      t.lm_calls = r[7].as<int64_t>();
      t.created_at = r[8].as<int64_t>();
      out.push_back(std::move(t));
    }
    return Status::Ok();
  }));
  return out;
}

Status PgStore::SyncRun(const std::string& run_id, const std::vector<UsageEvent>& events) {
  return pool_->Write(
      [&](pqxx::transaction_base& tx) {
        int64_t now = NowMillis();
        auto r = PgParams().Int(now).Int(now).Text(run_id).Exec(
            tx,
            "UPDATE dspy_runs SET synced_at = $1, updated_at = $2 WHERE id = $3 AND synced_at IS "
            "NULL AND status = 'completed'");
        if (r.affected_rows() == 0) {
          auto s = PgParams().Text(run_id).Exec(tx, "SELECT status, synced_at FROM dspy_runs WHERE id = $1");
          if (s.empty()) return Status::NotFound("Run not found");
          if (!s[0][1].is_null()) return Status::AlreadyExists("run was already synced");
          return Status::FailedPrecondition("run is " + s[0][0].as<std::string>() + ", not completed");
        }
        for (const auto& e : events) ApplyUsageEvent(tx, e, now);
        return Status::Ok();
      },
      true);
}

Result<bool> PgStore::ClaimRunDecision(pqxx::transaction_base& tx, const std::string& run_id,
                                       const std::string& decision,
                                       const std::optional<std::string>& accepted_template_id, int64_t now) {
  const char* allowed = RunDecisionStatuses(decision);
  if (!allowed) return Status::InvalidArgument("unknown run decision " + decision);
  // Under READ COMMITTED a concurrent decider waits for the first one's row lock and then
  // re-checks `decision IS NULL` on the committed row, so it updates nothing.
  auto r = PgParams().Text(decision).Text(accepted_template_id).Int(now).Text(run_id).Exec(
      tx, std::string("UPDATE dspy_runs SET decision = $1, accepted_template_id = $2, updated_at = $3 "
                      "WHERE id = $4 AND decision IS NULL AND status IN ") + allowed);
  if (r.affected_rows() > 0) return true;
  auto s = PgParams().Text(run_id).Exec(tx, "SELECT 1 FROM dspy_runs WHERE id = $1");
  if (s.empty()) return Status::NotFound("Run not found");
  return false;
}

Result<bool> PgStore::DecideRun(const std::string& run_id, const std::string& decision,
                                const std::optional<std::string>& accepted_template_id, int64_t now) {
  bool lost = false;
  Status st = pool_->Write([&](pqxx::transaction_base& tx) -> Status {
    EXEMPLAR_ASSIGN_OR_RETURN(bool won, ClaimRunDecision(tx, run_id, decision, accepted_template_id, now));
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

Result<bool> PgStore::ClaimRun(const std::string& run_id, const std::string& owner, int64_t lease_ms,
                               RunRecord* run) {
  bool claimed = false;
  EXEMPLAR_RETURN_IF_ERROR(pool_->Write([&](pqxx::transaction_base& tx) {
    int64_t now = NowMillis();
    // The row lock taken by UPDATE makes concurrent claims of one run serialise: only the first
    // still finds it pending.
    auto rows = PgParams().Text(owner).Int(now).Int(now + lease_ms).Text(run_id).Exec(
        tx, std::string("UPDATE dspy_runs SET status = 'running', claimed_by = $1, started_at = $2, "
                        "updated_at = $2, lease_expires_at = $3 WHERE id = $4 AND status = 'pending' "
                        "RETURNING ") + kRunReadColumns);
    claimed = !rows.empty();
    if (claimed) *run = PgReadRun(rows[0]);
    return Status::Ok();
  }));
  return claimed;
}

Result<bool> PgStore::ClaimNextRun(const std::string& owner, int64_t lease_ms, RunRecord* run) {
  bool claimed = false;
  EXEMPLAR_RETURN_IF_ERROR(pool_->Write([&](pqxx::transaction_base& tx) {
    int64_t now = NowMillis();
    // SKIP LOCKED: replicas claiming at the same moment take different runs instead of waiting.
    auto rows = PgParams().Text(owner).Int(now).Int(now + lease_ms).Exec(
        tx, std::string("UPDATE dspy_runs SET status = 'running', claimed_by = $1, started_at = $2, "
                        "updated_at = $2, lease_expires_at = $3 WHERE id = (SELECT id FROM dspy_runs "
                        "WHERE status = 'pending' ORDER BY created_at, id FOR UPDATE SKIP LOCKED LIMIT 1) "
                        "RETURNING ") + kRunReadColumns);
    claimed = !rows.empty();
    if (claimed) *run = PgReadRun(rows[0]);
    return Status::Ok();
  }));
  return claimed;
}

Result<bool> PgStore::RenewRunLease(const std::string& run_id, const std::string& owner, int64_t lease_ms) {
  bool renewed = false;
  EXEMPLAR_RETURN_IF_ERROR(pool_->Write([&](pqxx::transaction_base& tx) {
    // A lease given up (negative lease_ms) is marked so, for the takeover not to count it.
    auto r = PgParams().Int(NowMillis() + lease_ms).Text(run_id).Text(owner).Int(lease_ms < 0 ? 1 : 0).Exec(
        tx, "UPDATE dspy_runs SET lease_expires_at = $1, lease_released = $4 WHERE id = $2 AND claimed_by = $3 AND "
            "status = 'running'");
    renewed = r.affected_rows() > 0;
    return Status::Ok();
  }));
  return renewed;
}

Result<bool> PgStore::TakeOverExpiredRun(const std::string& run_id, const std::string& owner, int64_t lease_ms,
                                         RunRecord* run) {
  bool taken = false;
  EXEMPLAR_RETURN_IF_ERROR(pool_->Write([&](pqxx::transaction_base& tx) {
    int64_t now = NowMillis();
    // The inner SELECT locks the expired row (skipping rows another replica is taking over); the
    // outer UPDATE re-checks the lease, so a heartbeat that landed meanwhile keeps its run.
    auto rows = PgParams().Text(owner).Int(now + lease_ms).Int(now).Text(run_id).Exec(
        tx, std::string("UPDATE dspy_runs SET claimed_by = $1, lease_expires_at = $2, attempts = attempts + 1, "
                        "takeovers = takeovers + 1 - lease_released, lease_released = 0, updated_at = $3 "
                        "WHERE id = (SELECT id FROM dspy_runs WHERE status = 'running' AND "
                        "lease_expires_at < $3 AND ($4::text = '' OR id = $4::text) ORDER BY created_at, id "
                        "FOR UPDATE SKIP LOCKED LIMIT 1) AND status = 'running' AND lease_expires_at < $3 "
                        "RETURNING ") + kRunReadColumns);
    taken = !rows.empty();
    if (taken) *run = PgReadRun(rows[0]);
    return Status::Ok();
  }));
  return taken;
}

Status PgStore::RequestRunCancel(const std::string& run_id) {
  return pool_->Write([&](pqxx::transaction_base& tx) {
    auto r = PgParams().Int(NowMillis()).Text(run_id).Exec(
        tx, "UPDATE dspy_runs SET cancel_requested_at = COALESCE(cancel_requested_at, $1) WHERE id = $2");
    if (r.affected_rows() == 0) return Status::NotFound("Run not found");
    return Status::Ok();
  });
}

Result<bool> PgStore::RunCancelRequested(const std::string& run_id) {
  bool requested = false;
  EXEMPLAR_RETURN_IF_ERROR(pool_->Read([&](pqxx::transaction_base& tx) {
    auto rows = PgParams().Text(run_id).Exec(
        tx, "SELECT cancel_requested_at IS NOT NULL FROM dspy_runs WHERE id = $1");
    if (!rows.empty()) requested = rows[0][0].as<bool>();
    return Status::Ok();
  }));
  return requested;
}

}  // namespace exemplar::storage
