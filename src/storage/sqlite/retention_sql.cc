// Retention of usage evidence on SQLite: bounded prunes of retrievals and usage events (each call
// one short write transaction), and the counts the bound is checked against.
#include "storage/sqlite/sqlite_store.h"

namespace exemplar::storage {

Result<PrunedRows> SqliteStore::PruneRetrievals(int64_t before, int64_t limit, bool with_events) {
  PrunedRows n;
  EXEMPLAR_RETURN_IF_ERROR(pool_->Write([&](Conn& c) {
    n = {};
    // The ids first: one list for both deletes (two LIMIT subqueries could differ on ties).
    std::vector<std::string> ids;
    auto& q = c.Prepare("SELECT id FROM retrievals WHERE created_at < ? ORDER BY created_at LIMIT ?");
    q.bind(1, static_cast<int64_t>(before));
    q.bind(2, static_cast<int64_t>(limit));
    while (q.executeStep()) ids.push_back(q.getColumn(0).getString());
    auto& events = c.Prepare("DELETE FROM usage_events WHERE retrieval_id = ?");
    auto& rows = c.Prepare("DELETE FROM retrievals WHERE id = ?");
    for (const auto& id : ids) {
      if (with_events) {
        events.reset();
        events.bind(1, id);
        events.exec();
        n.usage_events += c.db().getChanges();
      }
      rows.reset();
      rows.bind(1, id);
      rows.exec();
      n.retrievals += c.db().getChanges();
    }
    return Status::Ok();
  }));
  return n;
}

Result<int64_t> SqliteStore::PruneUsageEvents(int64_t before, int64_t limit) {
  int64_t n = 0;
  EXEMPLAR_RETURN_IF_ERROR(pool_->Write([&](Conn& c) {
    auto& q = c.Prepare(
        "DELETE FROM usage_events WHERE id IN (SELECT id FROM usage_events WHERE created_at < ? "
        "ORDER BY created_at LIMIT ?)");
    q.bind(1, static_cast<int64_t>(before));
    q.bind(2, static_cast<int64_t>(limit));
    q.exec();
    n = c.db().getChanges();
    return Status::Ok();
  }));
  return n;
}

namespace {

// Both tables' counts and n-th newest times; `table` is one of two names written here, never input.
Result<int64_t> CountRows(ConnPool& pool, const std::string& table) {
  int64_t n = 0;
  EXEMPLAR_RETURN_IF_ERROR(pool.Read([&](Conn& c) {
    auto& q = c.Prepare("SELECT COUNT(*) FROM " + table);
    if (q.executeStep()) n = q.getColumn(0).getInt64();
    return Status::Ok();
  }));
  return n;
}

Result<std::optional<int64_t>> NthNewestTime(ConnPool& pool, const std::string& table, int64_t nth) {
  std::optional<int64_t> at;
  EXEMPLAR_RETURN_IF_ERROR(pool.Read([&](Conn& c) {
    auto& q = c.Prepare("SELECT created_at FROM " + table + " ORDER BY created_at DESC LIMIT 1 OFFSET ?");
    q.bind(1, static_cast<int64_t>(nth - 1));
    if (q.executeStep()) at = q.getColumn(0).getInt64();
    return Status::Ok();
  }));
  return at;
}

}  // namespace

Result<int64_t> SqliteStore::CountRetrievals() { return CountRows(*pool_, "retrievals"); }

Result<std::optional<int64_t>> SqliteStore::NthNewestRetrievalTime(int64_t nth) {
  return NthNewestTime(*pool_, "retrievals", nth);
}

Result<int64_t> SqliteStore::CountUsageEvents() { return CountRows(*pool_, "usage_events"); }

Result<std::optional<int64_t>> SqliteStore::NthNewestUsageEventTime(int64_t nth) {
  return NthNewestTime(*pool_, "usage_events", nth);
}

}  // namespace exemplar::storage
