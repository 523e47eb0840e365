// Usage events, retrievals and their aggregation. Counters change in the same transaction as the
// event rows, so concurrent outcomes are counted exactly.
#include <nlohmann/json.hpp>

#include "common/time.h"
#include "storage/dialect.h"
#include "storage/list_sql.h"
#include "storage/sqlite/row_mapping.h"
#include "storage/sqlite/sqlite_store.h"

namespace exemplar::storage {
// Applies one event: counters first (which also proves the example exists), then the event row.
void ApplyUsageEvent(Conn& c, const UsageEvent& e, int64_t now) {
  int64_t at = e.created_at ? e.created_at : now;
  int64_t uses = (e.kind == "retrieved" || e.kind == "tracked") ? 1 : 0;
  auto& u = c.Prepare(
      "UPDATE examples SET usage_count = usage_count + ?1, success_count = success_count + ?2, "
      "failure_count = failure_count + ?3, effectiveness_score = CASE WHEN success_count + ?2 + "
      "failure_count + ?3 > 0 THEN (success_count + ?2 + 1.0) / (success_count + ?2 + "
      "failure_count + ?3 + 2.0) ELSE NULL END, last_used_at = CASE WHEN ?4 = 1 THEN "
      "MAX(COALESCE(last_used_at, 0), ?5) ELSE last_used_at END WHERE id = ?6 RETURNING row_id");
  u.bind(1, static_cast<int64_t>(uses));
  u.bind(2, e.success_delta);
  u.bind(3, e.failure_delta);
  u.bind(4, static_cast<int64_t>(uses > 0 || e.kind == "outcome" ? 1 : 0));
  u.bind(5, static_cast<int64_t>(at));
  u.bind(6, e.example_id);
  if (!u.executeStep()) return;  // the example is gone; its events go with it
  int64_t row_id = u.getColumn(0).getInt64();
  u.reset();
  auto& q = c.Prepare(
      "INSERT INTO usage_events(example_id, kind, outcome, success_delta, failure_delta, context, "
      "model_id, run_id, retrieval_id, confidence, created_at, actor) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)");
  int i = 1;
  q.bind(i++, e.example_id);
  q.bind(i++, e.kind);
  BindOpt(q, i++, e.outcome);
  q.bind(i++, e.success_delta);
  q.bind(i++, e.failure_delta);
  BindOpt(q, i++, e.context);
  BindOpt(q, i++, e.model_id);
  BindOpt(q, i++, e.run_id);
  BindOpt(q, i++, e.retrieval_id);
  BindOpt(q, i++, e.confidence);
  q.bind(i++, static_cast<int64_t>(at));
  BindOpt(q, i++, e.actor);
  q.exec();
  if (e.success_delta != 0 || e.failure_delta != 0) AppendChange(c, "example", e.example_id, row_id, "upsert", now);
}

Status SqliteStore::RecordUsage(const std::vector<UsageEvent>& events) {
  return pool_->Write([&](Conn& c) {
    int64_t now = NowMillis();
    for (const auto& e : events) ApplyUsageEvent(c, e, now);
    return Status::Ok();
  });
}

Status SqliteStore::RecordRetrieval(const Retrieval& r, const std::vector<UsageEvent>& events) {
  return pool_->Write([&](Conn& c) {
    int64_t now = NowMillis();
    auto& q = c.Prepare(
        "INSERT INTO retrievals(id, example_ids, query, created_at, exploration, seed, ranking, agent_id, "
        "session_id, request, actor) VALUES (?,?,?,?,?,?,?,?,?,?,?)");
    q.bind(1, r.id);
    q.bind(2, EncodeStringList(r.example_ids));
    BindOpt(q, 3, r.query);
    q.bind(4, static_cast<int64_t>(r.created_at ? r.created_at : now));
    BindOpt(q, 5, r.exploration);
    BindOpt(q, 6, r.seed);
    BindOpt(q, 7, r.ranking_json);
    BindOpt(q, 8, r.agent_id);
    BindOpt(q, 9, r.session_id);
    BindOpt(q, 10, r.request_json);
    BindOpt(q, 11, r.actor);
    q.exec();
    for (const auto& e : events) ApplyUsageEvent(c, e, now);
    return Status::Ok();
  });
}

Result<Retrieval> SqliteStore::GetRetrieval(const std::string& id) {
  std::optional<Retrieval> out;
  EXEMPLAR_RETURN_IF_ERROR(pool_->Read([&](Conn& c) {
    auto& q = c.Prepare(
        "SELECT id, example_ids, query, created_at, outcome, exploration, seed, ranking, example_outcomes, "
        "agent_id, session_id, request, actor, outcome_actor FROM retrievals WHERE id = ?");
    q.bind(1, id);
    if (q.executeStep()) {
      Retrieval r;
      r.id = q.getColumn(0).getString();
      r.example_ids = DecodeStringList(q.getColumn(1).getString());
      r.query = OptString(q.getColumn(2));
      r.created_at = q.getColumn(3).getInt64();
      r.outcome = OptString(q.getColumn(4));
      r.exploration = OptString(q.getColumn(5));
      if (!q.getColumn(6).isNull()) r.seed = q.getColumn(6).getInt64();
      r.ranking_json = OptString(q.getColumn(7));
      r.example_outcomes_json = OptString(q.getColumn(8));
      r.agent_id = OptString(q.getColumn(9));
      r.session_id = OptString(q.getColumn(10));
      r.request_json = OptString(q.getColumn(11));
      r.actor = OptString(q.getColumn(12));
      r.outcome_actor = OptString(q.getColumn(13));
      out = std::move(r);
    }
    return Status::Ok();
  }));
  if (!out) return Status::NotFound("Retrieval not found");
  return std::move(*out);
}

Status SqliteStore::RecordRetrievalOutcome(const std::string& retrieval_id, const std::string& outcome,
                                           const std::string& example_outcomes_json,
                                           const std::optional<std::string>& actor,
                                           const std::vector<UsageEvent>& events) {
  return pool_->Write([&](Conn& c) {
    int64_t now = NowMillis();
    auto& q = c.Prepare(
        "UPDATE retrievals SET outcome = ?, outcome_at = ?, example_outcomes = ?, outcome_actor = ? "
        "WHERE id = ? AND outcome IS NULL");
    q.bind(1, outcome);
    q.bind(2, static_cast<int64_t>(now));
    q.bind(3, example_outcomes_json);
    BindOpt(q, 4, actor);
    q.bind(5, retrieval_id);
    q.exec();
    if (c.db().getChanges() == 0) {
      auto& e = c.Prepare("SELECT 1 FROM retrievals WHERE id = ?");
      e.bind(1, retrieval_id);
      if (!e.executeStep()) return Status::NotFound("Retrieval not found");
      return Status::AlreadyExists("an outcome was already recorded for this retrieval");
    }
    for (const auto& ev : events) ApplyUsageEvent(c, ev, now);
    return Status::Ok();
  });
}

Result<std::vector<UsageEvent>> SqliteStore::ListUsageEvents(const UsageEventQuery& uq) {
  std::vector<UsageEvent> out;
  EXEMPLAR_RETURN_IF_ERROR(pool_->Read([&](Conn& c) {
    SqlStatement st = UsageEventListSql(Dialect::kSqlite, uq);
    auto& q = c.Prepare(st.sql);
    BindValues(q, st.values);
    while (q.executeStep()) {
      UsageEvent e;
      int i = 0;
      e.id = q.getColumn(i++).getInt64();
      e.example_id = q.getColumn(i++).getString();
      e.kind = q.getColumn(i++).getString();
      e.outcome = OptString(q.getColumn(i++));
      e.success_delta = q.getColumn(i++).getDouble();
      e.failure_delta = q.getColumn(i++).getDouble();
      e.context = OptString(q.getColumn(i++));
      e.model_id = OptString(q.getColumn(i++));
      e.run_id = OptString(q.getColumn(i++));
      e.retrieval_id = OptString(q.getColumn(i++));
      if (!q.getColumn(i).isNull()) e.confidence = q.getColumn(i).getDouble();
      ++i;
      e.created_at = q.getColumn(i++).getInt64();
      e.actor = OptString(q.getColumn(i++));
      out.push_back(std::move(e));
    }
    return Status::Ok();
  }));
  return out;
}

Result<std::vector<UsageAggregate>> SqliteStore::AggregateUsage(
    const std::string& group, int64_t from, int64_t to, const std::optional<std::string>& domain,
    const std::optional<std::string>& function_name) {
  EXEMPLAR_ASSIGN_OR_RETURN(std::string sql, AggregateUsageSql(Dialect::kSqlite, group, domain.has_value(),
                                                               function_name.has_value()));
  std::vector<UsageAggregate> out;
  EXEMPLAR_RETURN_IF_ERROR(pool_->Read([&](Conn& c) {
    auto& q = c.Prepare(sql);
    int i = 1;
    q.bind(i++, static_cast<int64_t>(from));
    q.bind(i++, static_cast<int64_t>(to));
    if (domain) q.bind(i++, *domain);
    if (function_name) q.bind(i++, *function_name);
    while (q.executeStep()) {
      out.push_back({q.getColumn(0).getString(), q.getColumn(1).getInt64(),
                     q.getColumn(2).getDouble(), q.getColumn(3).getDouble(),
                     q.getColumn(4).getInt64()});
    }
    return Status::Ok();
  }));
  return out;
}

Result<UsageAggregate> SqliteStore::ExampleUsage(const std::string& example_id, int64_t from,
                                                 int64_t to) {
  UsageAggregate out;
  out.key = example_id;
  EXEMPLAR_RETURN_IF_ERROR(pool_->Read([&](Conn& c) {
    auto& q = c.Prepare(
        "SELECT COALESCE(SUM(CASE WHEN kind IN ('retrieved','tracked') THEN 1 ELSE 0 END), 0), "
        "COALESCE(SUM(success_delta), 0), COALESCE(SUM(failure_delta), 0), "
        "COALESCE(SUM(CASE WHEN success_delta + failure_delta > 0 THEN 1 ELSE 0 END), 0) "
        "FROM usage_events WHERE example_id = ? AND created_at >= ? AND created_at < ?");
    q.bind(1, example_id);
    q.bind(2, static_cast<int64_t>(from));
    q.bind(3, static_cast<int64_t>(to));
    if (q.executeStep()) {
      out.uses = q.getColumn(0).getInt64();
      out.successes = q.getColumn(1).getDouble();
      out.failures = q.getColumn(2).getDouble();
      out.outcome_events = q.getColumn(3).getInt64();
    }
    return Status::Ok();
  }));
  return out;
}

}  // namespace exemplar::storage
