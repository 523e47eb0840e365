#include "storage/dialect.h"

#include <algorithm>
#include <regex>

namespace exemplar::storage {

std::string TranslateDdl(std::string_view sql, Dialect d) {
  std::string out(sql);
  if (d == Dialect::kSqlite) return out;
  struct Rule {
    std::regex pattern;
    const char* replacement;
  };
  static const std::vector<Rule> kRules = [] {
    auto icase = std::regex::ECMAScript | std::regex::icase;
    return std::vector<Rule>{
        {std::regex(R"(\bINTEGER\s+PRIMARY\s+KEY(\s+AUTOINCREMENT)?)", icase), "BIGSERIAL PRIMARY KEY"},
        {std::regex(R"(\bINTEGER\b)", icase), "BIGINT"},
        {std::regex(R"(\bREAL\b)", icase), "DOUBLE PRECISION"},
        {std::regex(R"(\bBLOB\b)", icase), "BYTEA"},
        {std::regex(R"(\bjson_valid\((\w+)\))", icase), "($1::jsonb IS NOT NULL)"},
    };
  }();
  for (const auto& rule : kRules) out = std::regex_replace(out, rule.pattern, rule.replacement);
  return out;
}

std::string Param(Dialect d, int n) {
  return (d == Dialect::kSqlite ? "?" : "$") + std::to_string(n);
}

std::string JsonArrayValues(Dialect d, const std::string& column) {
  if (d == Dialect::kSqlite) return "json_each(" + column + ")";
  return "json_array_elements_text(" + column + "::json) AS j(value)";
}

std::string UtcDay(Dialect d, const std::string& millis_expr) {
  if (d == Dialect::kSqlite) return "strftime('%Y-%m-%d', " + millis_expr + " / 1000, 'unixepoch')";
  return "to_char(to_timestamp(" + millis_expr + " / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD')";
}

std::string ContainsIgnoreCase(Dialect d, const std::string& haystack, const std::string& needle) {
  const char* fn = d == Dialect::kSqlite ? "instr" : "strpos";
  return std::string(fn) + "(lower(" + haystack + "), lower(" + needle + ")) > 0";
}

std::string Contains(Dialect d, const std::string& haystack, const std::string& needle) {
  const char* fn = d == Dialect::kSqlite ? "instr" : "strpos";
  return std::string(fn) + "(" + haystack + ", " + needle + ") > 0";
}

FilterSql ExampleFilterSql(const ExampleFilter& f, Dialect d, int first_param) {
  FilterSql out;
  int next = first_param;
  auto add = [&](const std::string& frag) { out.where += (out.where.empty() ? " WHERE " : " AND ") + frag; };
  auto param = [&](SqlValue v) {
    out.values.push_back(std::move(v));
    return Param(d, next++);
  };
  auto list = [&](const std::vector<std::string>& values) {
    std::string s;
    for (const auto& v : values) s += (s.empty() ? "" : ",") + param(v);
    return s;
  };
  auto equals = [&](const char* column, const std::optional<std::string>& v) {
    if (v) add(std::string(column) + " = " + param(*v));
  };
  equals("databit_id", f.databit_id);
  equals("domain", f.domain);
  equals("function_name", f.function_name);
  equals("difficulty", f.difficulty);
  equals("source", f.source);
  const std::string tags = JsonArrayValues(d, "examples.capability_tags");
  if (!f.tags_any.empty()) add("EXISTS (SELECT 1 FROM " + tags + " WHERE value IN (" + list(f.tags_any) + "))");
  if (!f.tags_all.empty()) {
    // One subquery for all of them: an EXISTS per tag nested 1,000 deep was past SQLite's
    // expression depth (a 500 for capability_tags_all of 999 tags).
    std::vector<std::string> all = f.tags_all;
    std::sort(all.begin(), all.end());
    all.erase(std::unique(all.begin(), all.end()), all.end());
    add("(SELECT COUNT(DISTINCT value) FROM " + tags + " WHERE value IN (" + list(all) + ")) = " +
        std::to_string(all.size()));
  }
  if (!f.ids.empty()) add("id IN (" + list(f.ids) + ")");
  if (f.row_ids) {
    // The in-memory resolution of content and PII filters: one JSON array parameter, however many.
    if (f.row_ids->empty()) {
      add("1 = 0");
    } else {
      std::string arr = "[";
      for (size_t i = 0; i < f.row_ids->size(); ++i) arr += (i ? "," : "") + std::to_string((*f.row_ids)[i]);
      arr += "]";
      std::string p = param(arr);
      add(d == Dialect::kSqlite ? "row_id IN (SELECT CAST(value AS INTEGER) FROM json_each(" + p + "))"
                                : "row_id IN (SELECT value::bigint FROM json_array_elements_text(" + p +
                                      "::json) AS j(value))");
    }
  }
  if (f.min_quality_score) add("quality_score >= " + param(*f.min_quality_score));
  if (f.min_effectiveness_score) add("effectiveness_score >= " + param(*f.min_effectiveness_score));
  return out;
}

Result<std::string> AggregateUsageSql(Dialect d, const std::string& group, bool by_domain,
                                      bool by_function) {
  std::string key;
  if (group == "example") key = "e.example_id";
  else if (group == "domain") key = "x.domain";
  else if (group == "function") key = "COALESCE(x.function_name, '')";
  else if (group == "day") key = UtcDay(d, "e.created_at");
  else return Status::InvalidArgument("unknown aggregation group");
  std::string sql = "SELECT " + key +
                    ", SUM(CASE WHEN e.kind IN ('retrieved','tracked') THEN 1 ELSE 0 END), "
                    "SUM(e.success_delta), SUM(e.failure_delta), "
                    "SUM(CASE WHEN e.success_delta + e.failure_delta > 0 THEN 1 ELSE 0 END) "
                    "FROM usage_events e JOIN examples x ON x.id = e.example_id "
                    "WHERE e.created_at >= " + Param(d, 1) + " AND e.created_at < " + Param(d, 2);
  int next = 3;
  if (by_domain) sql += " AND x.domain = " + Param(d, next++);
  if (by_function) sql += " AND x.function_name = " + Param(d, next++);
  return sql + " GROUP BY 1 ORDER BY 1";
}

const char* SortColumn(ExampleSortKey k) {
  switch (k) {
    case ExampleSortKey::kEffectiveness: return "effectiveness_score";
    case ExampleSortKey::kQuality: return "quality_score";
    case ExampleSortKey::kUsage: return "usage_count";
    case ExampleSortKey::kCreatedAt: return "created_at";
    case ExampleSortKey::kUpdatedAt: return "updated_at";
  }
  return "created_at";
}

bool SortKeyNullable(ExampleSortKey k) {
  return k == ExampleSortKey::kEffectiveness || k == ExampleSortKey::kQuality;
}

bool SortColumnInteger(ExampleSortKey k) {
  return k == ExampleSortKey::kUsage || k == ExampleSortKey::kCreatedAt || k == ExampleSortKey::kUpdatedAt;
}

std::string TypedParam(Dialect d, int n, const char* pg_type) {
  if (d == Dialect::kSqlite) return Param(d, n);
  return Param(d, n) + "::" + pg_type;
}

}  // namespace exemplar::storage
