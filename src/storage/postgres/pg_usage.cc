// Usage events, retrievals and their aggregation on PostgreSQL. Counters change in the same
// transaction as the event rows, so concurrent outcomes are counted exactly.
#include "common/time.h"
#include "storage/columns.h"
#include "storage/dialect.h"
#include "storage/list_sql.h"
#include "storage/postgres/pg_store.h"

namespace exemplar::storage {

void PgStore::ApplyUsageEvent(pqxx::transaction_base& tx, const UsageEvent& e, int64_t now) {
  int64_t at = e.created_at ? e.created_at : now;
  int64_t uses = (e.kind == "retrieved" || e.kind == "tracked") ? 1 : 0;
  bool touches_last_used = uses > 0 || e.kind == "outcome";
  // Counters first (which also proves the example exists), then the event row.
  auto row = PgParams()
                 .Int(uses).Real(e.success_delta).Real(e.failure_delta)
                 .Int(touches_last_used ? 1 : 0).Int(at).Text(e.example_id)
                 .Exec(tx,
                       "UPDATE examples SET usage_count = usage_count + $1, success_count = "
                       "success_count + $2, failure_count = failure_count + $3, effectiveness_score "
                       "= CASE WHEN success_count + $2 + failure_count + $3 > 0 THEN (success_count "
                       "+ $2 + 1.0) / (success_count + $2 + failure_count + $3 + 2.0) ELSE NULL "
                       "END, last_used_at = CASE WHEN $4::bigint = 1 THEN GREATEST(COALESCE("
                       "last_used_at, 0), $5::bigint) ELSE last_used_at END WHERE id = $6 "
                       "RETURNING row_id");
  if (row.empty()) return;  // the example is gone; its events go with it
  PgParams()
      .Text(e.example_id).Text(e.kind).Text(e.outcome).Real(e.success_delta).Real(e.failure_delta)
      .Text(e.context).Text(e.model_id).Text(e.run_id).Text(e.retrieval_id).Real(e.confidence).Int(at)
      .Text(e.actor)
      .Exec(tx,
            "INSERT INTO usage_events(example_id, kind, outcome, success_delta, failure_delta, "
            "context, model_id, run_id, retrieval_id, confidence, created_at, actor) VALUES (" +
                PgPlaceholders(1, 12) + ")");
  if (e.success_delta != 0 || e.failure_delta != 0) {
    AppendChange(tx, e.example_id, row[0][0].as<int64_t>(), "upsert", now);
  }
}

Status PgStore::RecordUsage(const std::vector<UsageEvent>& events) {
  return pool_->Write(
      [&](pqxx::transaction_base& tx) {
        int64_t now = NowMillis();
        for (const auto& e : events) ApplyUsageEvent(tx, e, now);
        return Status::Ok();
      },
      true);
}

Status PgStore::RecordRetrieval(const Retrieval& r, const std::vector<UsageEvent>& events) {
  return pool_->Write(
      [&](pqxx::transaction_base& tx) {
        int64_t now = NowMillis();
        PgParams().Text(r.id).Text(EncodeStringList(r.example_ids)).Text(r.query)
            .Int(r.created_at ? r.created_at : now).Text(r.exploration).Int(r.seed).Text(r.ranking_json)
            .Text(r.agent_id).Text(r.session_id).Text(r.request_json).Text(r.actor)
            .Exec(tx,
                  "INSERT INTO retrievals(id, example_ids, query, created_at, exploration, seed, ranking, agent_id, "
                  "session_id, request, actor) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)");
        for (const auto& e : events) ApplyUsageEvent(tx, e, now);
        return Status::Ok();
      },
      true);
}

Result<Retrieval> PgStore::GetRetrieval(const std::string& id) {
  std::optional<Retrieval> out;
  EXEMPLAR_RETURN_IF_ERROR(pool_->Read([&](pqxx::transaction_base& tx) {
    auto rows = PgParams().Text(id).Exec(
        tx,
        "SELECT id, example_ids, query, created_at, outcome, exploration, seed, ranking, example_outcomes, "
        "agent_id, session_id, request, actor, outcome_actor FROM retrievals WHERE id = $1");
    if (!rows.empty()) {
      const auto& r = rows[0];
      out = Retrieval{r[0].as<std::string>(), DecodeStringList(r[1].as<std::string>()),
                      PgOptText(r[2]), r[3].as<int64_t>(), PgOptText(r[4]),
                      PgOptText(r[5]), PgOptInt(r[6]), PgOptText(r[7]), PgOptText(r[8]),
                      PgOptText(r[9]), PgOptText(r[10]), PgOptText(r[11]), PgOptText(r[12]),
                      PgOptText(r[13])};
    }
    return Status::Ok();
  }));
  if (!out) return Status::NotFound("Retrieval not found");
  return std::move(*out);
}

Status PgStore::RecordRetrievalOutcome(const std::string& retrieval_id, const std::string& outcome,
                                       const std::string& example_outcomes_json,
                                       const std::optional<std::string>& actor,
                                       const std::vector<UsageEvent>& events) {
  return pool_->Write(
      [&](pqxx::transaction_base& tx) {
        int64_t now = NowMillis();
        auto r = PgParams().Text(outcome).Int(now).Text(example_outcomes_json).Text(actor).Text(retrieval_id).Exec(
            tx,
            "UPDATE retrievals SET outcome = $1, outcome_at = $2, example_outcomes = $3, outcome_actor = $4 "
            "WHERE id = $5 AND outcome IS NULL");
        if (r.affected_rows() == 0) {
          if (PgParams().Text(retrieval_id).Exec(tx, "SELECT 1 FROM retrievals WHERE id = $1").empty()) {
            return Status::NotFound("Retrieval not found");
          }
          return Status::AlreadyExists("an outcome was already recorded for this retrieval");
        }
        for (const auto& ev : events) ApplyUsageEvent(tx, ev, now);
        return Status::Ok();
      },
      true);
}

Result<std::vector<UsageEvent>> PgStore::ListUsageEvents(const UsageEventQuery& q) {
  std::vector<UsageEvent> out;
  EXEMPLAR_RETURN_IF_ERROR(pool_->Read([&](pqxx::transaction_base& tx) {
    SqlStatement st = UsageEventListSql(Dialect::kPostgres, q);
    PgParams p;
    PgAddValues(p, st.values);
    for (const auto& r : p.Exec(tx, st.sql)) {
      UsageEvent e;
      e.id = r[0].as<int64_t>();
      e.example_id = r[1].as<std::string>();
      e.kind = r[2].as<std::string>();
      e.outcome = PgOptText(r[3]);
      e.success_delta = r[4].as<double>();
      e.failure_delta = r[5].as<double>();
      e.context = PgOptText(r[6]);
      e.model_id = PgOptText(r[7]);
      e.run_id = PgOptText(r[8]);
      e.retrieval_id = PgOptText(r[9]);
      e.confidence = PgOptReal(r[10]);
      e.created_at = r[11].as<int64_t>();
      e.actor = PgOptText(r[12]);
      out.push_back(std::move(e));
    }
    return Status::Ok();
  }));
  return out;
}

Result<std::vector<UsageAggregate>> PgStore::AggregateUsage(
    const std::string& group, int64_t from, int64_t to, const std::optional<std::string>& domain,
    const std::optional<std::string>& function_name) {
  EXEMPLAR_ASSIGN_OR_RETURN(std::string sql, AggregateUsageSql(Dialect::kPostgres, group, domain.has_value(),
                                                               function_name.has_value()));
  PgParams p;
  p.Int(from).Int(to);
  if (domain) p.Text(*domain);
  if (function_name) p.Text(*function_name);
  std::vector<UsageAggregate> out;
  EXEMPLAR_RETURN_IF_ERROR(pool_->Read([&](pqxx::transaction_base& tx) {
    for (const auto& r : p.Exec(tx, sql)) {
      out.push_back({r[0].as<std::string>(), r[1].as<int64_t>(), r[2].as<double>(),
                     r[3].as<double>(), r[4].as<int64_t>()});
    }
    return Status::Ok();
  }));
  return out;
}

Result<UsageAggregate> PgStore::ExampleUsage(const std::string& example_id, int64_t from, int64_t to) {
  UsageAggregate out;
  out.key = example_id;
  EXEMPLAR_RETURN_IF_ERROR(pool_->Read([&](pqxx::transaction_base& tx) {
    auto r = PgParams().Text(example_id).Int(from).Int(to).Exec(
        tx,
        "SELECT COALESCE(SUM(CASE WHEN kind IN ('retrieved','tracked') THEN 1 ELSE 0 END), 0), "
        "COALESCE(SUM(success_delta), 0), COALESCE(SUM(failure_delta), 0), "
        "COALESCE(SUM(CASE WHEN success_delta + failure_delta > 0 THEN 1 ELSE 0 END), 0) "
        "FROM usage_events WHERE example_id = $1 AND created_at >= $2 AND created_at < $3")[0];
    out.uses = r[0].as<int64_t>();
    out.successes = r[1].as<double>();
    out.failures = r[2].as<double>();
    out.outcome_events = r[3].as<int64_t>();
    return Status::Ok();
  }));
  return out;
}

}  // namespace exemplar::storage
