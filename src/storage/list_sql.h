// List queries of examples, templates and runs, written once for both dialects: the statement
// text, and the paging algorithm over it (offset pages and keyset cursors), so each store only
// executes statements. Every list is ordered by (sort value, unique key) in one direction, so
// both the first page and "the rows after this cursor" are one range of one index
// (migrations/003_list_indexes.sql); a test reads the query plans of these statements.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "storage/dialect.h"
#include "storage/store.h"

namespace exemplar::storage {

struct SqlStatement {
  std::string sql;
  std::vector<SqlValue> values;  // parameters 1..n, in order
};

// Examples sorted by a nullable column are listed in two legs: rows with a value (by value, then
// row_id), then rows without one (by row_id), each in the requested direction. Each leg is a
// range of an index on (column, row_id). Non-nullable sort columns have only the first leg.
enum class ListLeg { kValues, kNulls };

// SELECT kExampleColumns plus the sort column (last) of one leg: the filter's matches after
// `q.after` (when the cursor lies in this leg or before it), in list order, `limit` rows after
// skipping `offset`.
SqlStatement ExampleListSql(Dialect d, const ExampleListQuery& q, ListLeg leg, int64_t limit,
                            int64_t offset);
// The statement of the first page of the default list (GET /examples): sort by effectiveness,
// descending, no filter, first leg. For plan checks.
SqlStatement DefaultExampleListSql(Dialect d);

struct ListedExample {
  Example example;
  std::optional<double> sort_value;  // the sort column of the row (the statement's last column)
};
// Executes a statement on the store's connection, appending rows / returning COUNT(*).
using SelectExamplesFn = std::function<Status(const SqlStatement&, std::vector<ListedExample>*)>;
using CountFn = std::function<Result<int64_t>(const SqlStatement&)>;

// One page of examples: the legs it needs, `total`, and `next` when more rows follow.
Result<ExamplePage> ListExamplesWith(Dialect d, const ExampleListQuery& q,
                                     const SelectExamplesFn& select, const CountFn& count);

// A list newest first by (time column, id): templates by updated_at, runs by created_at.
struct KeyedList {
  const char* table;
  const char* columns;      // the store's column list (kTemplateColumns, kRunColumns)
  const char* time_column;
  std::vector<std::pair<const char*, std::string>> equals;  // column = value filters
  std::optional<std::string> search;  // templates: name or description contains (ignoring case)
};
// SELECT columns of the list (after `after` when set), `limit` rows after skipping `offset`;
// with count_only, the COUNT(*) of all matches instead.
SqlStatement KeyedListSql(Dialect d, const KeyedList& l, const std::optional<KeyCursor>& after,
                          int64_t limit, int64_t offset, bool count_only = false);

// One keyed page: fetches one row more than asked to tell whether `next` is due.
template <typename T>
Result<KeyedPage<T>> ListKeyedWith(Dialect d, const KeyedList& l, int64_t offset, int64_t limit,
                                   const std::optional<KeyCursor>& after,
                                   const std::function<Status(const SqlStatement&, std::vector<T>*)>& select,
                                   const CountFn& count,
                                   const std::function<KeyCursor(const T&)>& key_of) {
  KeyedPage<T> page;
  EXEMPLAR_ASSIGN_OR_RETURN(page.total, count(KeyedListSql(d, l, std::nullopt, 0, 0, true)));
  EXEMPLAR_RETURN_IF_ERROR(select(KeyedListSql(d, l, after, limit + 1, after ? 0 : offset), &page.items));
  if (static_cast<int64_t>(page.items.size()) > limit) {
    page.items.resize(static_cast<size_t>(limit));
    page.next = key_of(page.items.back());
  }
  return page;
}

// SELECT id, example_id, kind, outcome, success_delta, failure_delta, context, model_id, run_id,
// retrieval_id, confidence, created_at, actor FROM usage_events: one example's events matching `q`,
// newest first (a range of the index on (example_id, id), migrations/013_usage_actor.sql).
SqlStatement UsageEventListSql(Dialect d, const UsageEventQuery& q);

}  // namespace exemplar::storage
