// SQL dialects: every difference between SQLite and PostgreSQL that the stores need lives here —
// the DDL translation of the shared migrations, parameter placeholders and the few functions
// whose spelling differs. Statement text elsewhere is otherwise standard SQL.
#pragma once

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "storage/store.h"

namespace exemplar::storage {

enum class Dialect { kSqlite, kPostgres };

// Rewrites a migration written in the portable SQLite form (see migrations/001_init.sql) for the
// dialect: INTEGER → BIGINT, INTEGER PRIMARY KEY [AUTOINCREMENT] → BIGSERIAL PRIMARY KEY,
// REAL → DOUBLE PRECISION, BLOB → BYTEA, json_valid(c) → a jsonb cast check. Identity for SQLite.
std::string TranslateDdl(std::string_view sql, Dialect d);

// The n-th (1-based) statement parameter: ?n or $n.
std::string Param(Dialect d, int n);
// A row source yielding the elements of a JSON array of strings in `column` as `value`.
std::string JsonArrayValues(Dialect d, const std::string& column);
// The UTC day (YYYY-MM-DD) of an epoch-millisecond expression.
std::string UtcDay(Dialect d, const std::string& millis_expr);
// Case-insensitive "haystack contains needle" for two text expressions.
std::string ContainsIgnoreCase(Dialect d, const std::string& haystack, const std::string& needle);
// Case-sensitive "haystack contains needle" for two text expressions (no LIKE wildcards).
std::string Contains(Dialect d, const std::string& haystack, const std::string& needle);

// A statement parameter value: text, real or integer.
using SqlValue = std::variant<std::string, double, int64_t>;

// A WHERE clause for an example filter, with its values in parameter order.
struct FilterSql {
  std::string where;  // "" or " WHERE …"
  std::vector<SqlValue> values;
};
// Parameters are numbered from `first_param`.
FilterSql ExampleFilterSql(const ExampleFilter& f, Dialect d, int first_param = 1);

// The usage aggregation of Store::AggregateUsage: parameters are from, to, then the domain and the
// function name when asked for. kInvalidArgument for an unknown group.
Result<std::string> AggregateUsageSql(Dialect d, const std::string& group, bool by_domain,
                                      bool by_function);

// ORDER BY column for a sort key (a closed set; nothing from the request reaches SQL text).
const char* SortColumn(ExampleSortKey k);
// Whether the sort column holds integers (epoch millis, counts) rather than reals.
bool SortColumnInteger(ExampleSortKey k);
// A parameter compared with a column of the given SQL type ("bigint", "double precision"):
// PostgreSQL gets an explicit cast, which row-value comparisons need.
std::string TypedParam(Dialect d, int n, const char* pg_type);

}  // namespace exemplar::storage
