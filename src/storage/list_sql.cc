#include "storage/list_sql.h"

#include <cmath>

#include "storage/columns.h"

namespace exemplar::storage {
namespace {

// Appends conditions and parameters to a statement under construction.
class Builder {
 public:
  Builder(Dialect d, SqlStatement* s, std::string where) : d_(d), s_(s), where_(std::move(where)) {}
  void Where(const std::string& condition) {
    where_ += (where_.empty() ? " WHERE " : " AND ") + condition;
  }
  std::string Param(const SqlValue& v, const char* pg_type) {
    s_->values.push_back(v);
    return TypedParam(d_, static_cast<int>(s_->values.size()), pg_type);
  }
  const std::string& where() const { return where_; }

 private:
  Dialect d_;
  SqlStatement* s_;
  std::string where_;
};

SqlStatement ExampleCountSql(Dialect d, const ExampleFilter& f, const char* extra_condition) {
  FilterSql w = ExampleFilterSql(f, d);
  SqlStatement s;
  s.values = std::move(w.values);
  Builder b(d, &s, w.where);
  if (extra_condition) b.Where(extra_condition);
  s.sql = "SELECT COUNT(*) FROM examples" + b.where();
  return s;
}

}  // namespace

SqlStatement ExampleListSql(Dialect d, const ExampleListQuery& q, ListLeg leg, int64_t limit,
                            int64_t offset) {
  FilterSql w = ExampleFilterSql(q.filter, d);
  SqlStatement s;
  s.values = std::move(w.values);
  Builder b(d, &s, w.where);
  const std::string col = SortColumn(q.sort);
  const std::string dir = q.desc ? " DESC" : " ASC";
  const char* cmp = q.desc ? " < " : " > ";
  std::string order;
  if (leg == ListLeg::kValues) {
    if (SortKeyNullable(q.sort)) b.Where(col + " IS NOT NULL");
    if (q.after && q.after->value) {
      // A row value comparison is one range of the index on (column, row_id).
      std::string value = SortColumnInteger(q.sort)
                              ? b.Param(static_cast<int64_t>(std::llround(*q.after->value)), "bigint")
                              : b.Param(*q.after->value, "double precision");
      std::string row = b.Param(q.after->row_id, "bigint");
      b.Where("(" + col + ", row_id)" + cmp + "(" + value + ", " + row + ")");
    }
    order = col + dir + ", row_id" + dir;
  } else {
    b.Where(col + " IS NULL");
    if (q.after && !q.after->value) b.Where("row_id" + std::string(cmp) + b.Param(q.after->row_id, "bigint"));
    order = "row_id" + dir;
  }
  std::string lim = b.Param(limit, "bigint");
  std::string off = b.Param(offset, "bigint");
  s.sql = std::string("SELECT ") + kExampleColumns + ", " + col + " FROM examples" + b.where() +
          " ORDER BY " + order + " LIMIT " + lim + " OFFSET " + off;
  return s;
}

SqlStatement DefaultExampleListSql(Dialect d) {
  return ExampleListSql(d, ExampleListQuery{}, ListLeg::kValues, 21, 0);
}

Result<ExamplePage> ListExamplesWith(Dialect d, const ExampleListQuery& q,
                                     const SelectExamplesFn& select, const CountFn& count) {
  const bool nullable = SortKeyNullable(q.sort);
  const bool cursor_in_nulls = q.after && !q.after->value;
  if (cursor_in_nulls && !nullable) return Status::InvalidArgument("cursor does not fit the sort");
  ExamplePage page;
  if (q.count_total) {
    EXEMPLAR_ASSIGN_OR_RETURN(page.total, count(ExampleCountSql(d, q.filter, nullptr)));
  }
  const int64_t want = q.limit + 1;  // one more tells whether a next page exists
  const int64_t offset = q.after ? 0 : q.offset;
  std::vector<ListedExample> rows;
  if (!cursor_in_nulls) {
    EXEMPLAR_RETURN_IF_ERROR(select(ExampleListSql(d, q, ListLeg::kValues, want, offset), &rows));
  }
  if (nullable && static_cast<int64_t>(rows.size()) < want) {
    int64_t null_offset = 0;
    if (offset > 0 && rows.empty()) {
      // The offset skipped every row with a value; the rest of it applies to the null leg.
      std::string not_null = std::string(SortColumn(q.sort)) + " IS NOT NULL";
      EXEMPLAR_ASSIGN_OR_RETURN(int64_t with_values, count(ExampleCountSql(d, q.filter, not_null.c_str())));
      null_offset = std::max<int64_t>(0, offset - with_values);
    }
    int64_t rest = want - static_cast<int64_t>(rows.size());
    EXEMPLAR_RETURN_IF_ERROR(select(ExampleListSql(d, q, ListLeg::kNulls, rest, null_offset), &rows));
  }
  if (static_cast<int64_t>(rows.size()) > q.limit) {
    rows.resize(static_cast<size_t>(q.limit));
    page.next = ExampleCursor{rows.back().sort_value, rows.back().example.row_id};
  }
  page.examples.reserve(rows.size());
  for (auto& r : rows) page.examples.push_back(std::move(r.example));
  return page;
}

SqlStatement KeyedListSql(Dialect d, const KeyedList& l, const std::optional<KeyCursor>& after,
                          int64_t limit, int64_t offset, bool count_only) {
  SqlStatement s;
  Builder b(d, &s, "");
  for (const auto& [column, value] : l.equals) b.Where(std::string(column) + " = " + b.Param(value, "text"));
  if (l.search) {
    std::string p = b.Param(*l.search, "text");
    b.Where("(" + ContainsIgnoreCase(d, "name", p) + " OR " +
            ContainsIgnoreCase(d, "COALESCE(description, '')", p) + ")");
  }
  const std::string time = l.time_column;
  if (count_only) {
    s.sql = std::string("SELECT COUNT(*) FROM ") + l.table + b.where();
    return s;
  }
  if (after) {
    std::string value = b.Param(after->value, "bigint");
    std::string id = b.Param(after->id, "text");
    b.Where("(" + time + ", id) < (" + value + ", " + id + ")");
  }
  std::string lim = b.Param(limit, "bigint");
  std::string off = b.Param(offset, "bigint");
  s.sql = std::string("SELECT ") + l.columns + " FROM " + l.table + b.where() + " ORDER BY " + time +
          " DESC, id DESC LIMIT " + lim + " OFFSET " + off;
  return s;
}

SqlStatement UsageEventListSql(Dialect d, const UsageEventQuery& q) {
  SqlStatement st;
  st.sql =
      "SELECT id, example_id, kind, outcome, success_delta, failure_delta, context, model_id, run_id, "
      "retrieval_id, confidence, created_at, actor FROM usage_events";
  std::string where;
  auto add = [&](const std::string& frag, const SqlValue& v) {
    st.values.push_back(v);
    where += (where.empty() ? " WHERE " : " AND ") + frag + Param(d, static_cast<int>(st.values.size()));
  };
  add("example_id = ", q.example_id);
  if (q.actor) add("actor = ", *q.actor);
  if (q.before_id) add("id < ", *q.before_id);
  st.values.emplace_back(std::in_place_type<int64_t>, q.limit);
  st.sql += where + " ORDER BY id DESC LIMIT " + Param(d, static_cast<int>(st.values.size()));
  return st;
}

}  // namespace exemplar::storage
