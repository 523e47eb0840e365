// Retention of usage evidence on PostgreSQL: bounded prunes of retrievals and usage events (each
// call one short transaction). Replicas prune at once harmlessly: the rows a prune deletes are
// locked with SKIP LOCKED, so two prunes take disjoint batches and never wait on each other.
#include "storage/postgres/pg_store.h"

namespace exemplar::storage {

Result<PrunedRows> PgStore::PruneRetrievals(int64_t before, int64_t limit, bool with_events) {
  PrunedRows n;
  EXEMPLAR_RETURN_IF_ERROR(pool_->Write([&](pqxx::transaction_base& tx) {
    // `doomed` is referenced twice, so it is evaluated once: both deletes see the same ids. A
    // retrieval whose outcome is being recorded is locked by that update and skipped; an outcome
    // arriving after the prune finds no retrieval (kNotFound) and writes no events.
    auto row = PgParams().Int(before).Int(limit).Int(with_events ? 1 : 0).Exec(
        tx,
        "WITH doomed AS (SELECT id FROM retrievals WHERE created_at < $1 ORDER BY created_at LIMIT $2 "
        "FOR UPDATE SKIP LOCKED), "
        "gone_events AS (DELETE FROM usage_events WHERE $3::bigint = 1 AND retrieval_id IN (SELECT id FROM doomed) "
        "RETURNING 1), "
        "gone AS (DELETE FROM retrievals WHERE id IN (SELECT id FROM doomed) RETURNING 1) "
        "SELECT (SELECT COUNT(*) FROM gone), (SELECT COUNT(*) FROM gone_events)")[0];
    n.retrievals = row[0].as<int64_t>();
    n.usage_events = row[1].as<int64_t>();
    return Status::Ok();
  }));
  return n;
}

Result<int64_t> PgStore::PruneUsageEvents(int64_t before, int64_t limit) {
  int64_t n = 0;
  EXEMPLAR_RETURN_IF_ERROR(pool_->Write([&](pqxx::transaction_base& tx) {
    n = PgParams().Int(before).Int(limit).Exec(
        tx,
        "DELETE FROM usage_events WHERE id IN (SELECT id FROM usage_events WHERE created_at < $1 "
        "ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED)").affected_rows();
    return Status::Ok();
  }));
  return n;
}

namespace {

// Both tables' counts and n-th newest times; `table` is one of two names written here, never input.
Result<int64_t> CountRows(PgPool& pool, const std::string& table) {
  int64_t n = 0;
  EXEMPLAR_RETURN_IF_ERROR(pool.Read([&](pqxx::transaction_base& tx) {
    n = tx.exec1("SELECT COUNT(*) FROM " + table)[0].as<int64_t>();
    return Status::Ok();
  }));
  return n;
}

Result<std::optional<int64_t>> NthNewestTime(PgPool& pool, const std::string& table, int64_t nth) {
  std::optional<int64_t> at;
  EXEMPLAR_RETURN_IF_ERROR(pool.Read([&](pqxx::transaction_base& tx) {
    auto rows = PgParams().Int(nth - 1).Exec(
        tx, "SELECT created_at FROM " + table + " ORDER BY created_at DESC LIMIT 1 OFFSET $1");
    if (!rows.empty()) at = rows[0][0].as<int64_t>();
    return Status::Ok();
  }));
  return at;
}

}  // namespace

Result<int64_t> PgStore::CountRetrievals() { return CountRows(*pool_, "retrievals"); }

Result<std::optional<int64_t>> PgStore::NthNewestRetrievalTime(int64_t nth) {
  return NthNewestTime(*pool_, "retrievals", nth);
}

Result<int64_t> PgStore::CountUsageEvents() { return CountRows(*pool_, "usage_events"); }

Result<std::optional<int64_t>> PgStore::NthNewestUsageEventTime(int64_t nth) {
  return NthNewestTime(*pool_, "usage_events", nth);
}

}  // namespace exemplar::storage
