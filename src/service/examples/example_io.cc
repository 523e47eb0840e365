#include "service/examples/example_io.h"

#include <algorithm>
#include <optional>
#include <set>
#include <string_view>

#include "common/field_loc.h"
#include "common/utf8.h"
#include "service/examples/example_json.h"

namespace exemplar::service {
namespace {

std::string CsvEscape(const std::string& s) {
  // An empty string is written quoted: an empty cell is a null, so "" and null stay apart.
  if (s.empty()) return "\"\"";
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += "\"\"";
    else out += c;
  }
  return out + "\"";
}

// Columns holding JSON values (objects, lists, numbers) rather than plain text.
bool IsJsonColumn(const std::string& col) {
  return col == "input" || col == "expected_output" || col == "capability_tags" ||
         col == "search_keys" || col == "quality_score";
}

// CSV injection (OWASP): a spreadsheet runs a cell starting with = + - or @ as a formula
// (=HYPERLINK(…), @SUM(…), -2+3+cmd|…), and some strip a leading TAB or CR before looking. Such a
// text cell is written after an apostrophe, which spreadsheets take as "this is text" and do not
// show. A text cell starting with an apostrophe gets one too, and import strips exactly one from a
// text cell that starts with it, so every string comes back as it was. JSON columns start with
// { [ " or a digit and are left alone (a number such as -0.5 is no formula).
constexpr char kTextMark = '\'';

bool NeedsTextMark(const std::string& s) {
  return !s.empty() && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r' ||
                        s[0] == kTextMark);
}

}  // namespace

const std::vector<std::string>& CsvColumns() {
  static const std::vector<std::string> kColumns = {
      "example_id", "client_id", "input", "expected_output", "explanation", "databit_id",
      "domain", "function_name", "difficulty", "capability_tags", "search_keys", "source",
      "attribution_notes", "quality_score"};
  return kColumns;
}

std::string CsvHeader() {
  std::string out;
  for (const auto& c : CsvColumns()) out += (out.empty() ? "" : ",") + c;
  return out + "\r\n";
}

std::string ExampleToCsvRow(const Example& e) {
  Json j = ExampleToJson(e);
  std::string out;
  bool first = true;
  for (const auto& c : CsvColumns()) {
    if (!first) out += ",";
    first = false;
    const Json& v = j[c];
    if (v.is_null()) continue;
    if (!v.is_string()) {
      out += CsvEscape(DumpJson(v));
      continue;
    }
    const std::string& text = v.get_ref<const std::string&>();
    out += CsvEscape(!IsJsonColumn(c) && NeedsTextMark(text) ? kTextMark + text : text);
  }
  return out + "\r\n";
}

std::string ExampleToJsonl(const Example& e) { return DumpJson(ExampleToJson(e)) + "\n"; }

namespace {
// ParseCsv, also telling which fields were written quoted (`quoted_out`, when given, parallels the rows).
Result<std::vector<std::vector<std::string>>> ParseCsvFields(const std::string& text,
                                                             std::vector<std::vector<bool>>* quoted_out) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::vector<bool> row_quoted;
  std::string field;
  bool quoted = false, field_started = false, was_quoted = false;
  size_t i = 0;
  if (text.rfind("\xEF\xBB\xBF", 0) == 0) i = 3;  // UTF-8 byte order mark
  for (; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field += '"';
          ++i;
        } else {
          quoted = false;
        }
      } else {
        field += c;
      }
    } else if (c == '"' && field.empty()) {
      quoted = true;
      field_started = true;
      was_quoted = true;
    } else if (c == ',') {
      row.push_back(std::move(field));
      row_quoted.push_back(was_quoted);
      field.clear();
      field_started = was_quoted = false;
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      row.push_back(std::move(field));
      row_quoted.push_back(was_quoted);
      field.clear();
      field_started = was_quoted = false;
      if (!(row.size() == 1 && row[0].empty() && !row_quoted[0])) {
        rows.push_back(std::move(row));
        if (quoted_out) quoted_out->push_back(row_quoted);
      }
      row.clear();
      row_quoted.clear();
    } else {
      field += c;
      field_started = true;
    }
  }
  if (quoted) return Status::InvalidArgument("CSV: unterminated quoted field");
  if (field_started || !field.empty() || !row.empty()) {
    row.push_back(std::move(field));
    row_quoted.push_back(was_quoted);
    rows.push_back(std::move(row));
    if (quoted_out) quoted_out->push_back(row_quoted);
  }
  return rows;
}
}  // namespace

Result<std::vector<std::vector<std::string>>> ParseCsv(const std::string& text) { return ParseCsvFields(text, nullptr); }

namespace {

std::string_view Trim(std::string_view s) {
  const size_t first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t\r\n") - first + 1);
}

// The members of the JSON list or object `v` (valid JSON, trimmed, starting with [ or {): each
// member's value text, and for an object its key's text (quotes included). A scan of the bytes,
// so that each record of a JSON-array import is parsed, and refused, on its own.
std::vector<std::pair<std::string_view, std::string_view>> Members(std::string_view v) {
  std::vector<std::pair<std::string_view, std::string_view>> out;
  const bool object = v.front() == '{';
  auto add = [&](size_t begin, size_t end) {
    std::string_view member = Trim(v.substr(begin, end - begin));
    if (member.empty()) return;  // [] or {}
    if (!object) {
      out.emplace_back(std::string_view(), member);
      return;
    }
    size_t close = 1;  // the key's closing quote
    for (bool escape = false; close < member.size(); ++close) {
      if (escape) escape = false;
      else if (member[close] == '\\') escape = true;
      else if (member[close] == '"') break;
    }
    std::string_view rest = Trim(member.substr(close + 1));
    out.emplace_back(member.substr(0, close + 1), Trim(rest.substr(1)));  // past the ':'
  };
  int depth = 0;
  bool in_string = false, escape = false;
  size_t start = 1;
  for (size_t i = 0; i < v.size(); ++i) {
    const char c = v[i];
    if (in_string) {
      if (escape) escape = false;
      else if (c == '\\') escape = true;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      if (--depth == 0) add(start, i);
    } else if (c == ',' && depth == 1) {
      add(start, i);
      start = i + 1;
    }
  }
  return out;
}

// A record refused while parsing, from the Status of ParseJsonBody / CheckJsonLimits (whose loc
// starts at "body", the record's top) or a message; `field` is where in the record it was read
// from (a CSV column).
BatchItemError RecordError(size_t index, const std::string& label, const Status& st,
                           const std::vector<std::string>& field = {}) {
  std::vector<std::string> loc = {"body", std::to_string(index)};
  loc.insert(loc.end(), field.begin(), field.end());
  std::string msg = st.message(), type = st.code() == Code::kMalformed ? "value_error.json" : "value_error";
  if (!st.field_errors().empty()) {
    const FieldError& fe = st.field_errors().front();
    loc.insert(loc.end(), fe.loc.begin() + std::min<size_t>(1, fe.loc.size()), fe.loc.end());
    msg = fe.msg;
    type = fe.type;
  }
  return {index, RecordErrorText(label, msg, loc, 2), std::move(loc), std::move(type)};
}

}  // namespace

std::string RecordErrorText(const std::string& label, const std::string& msg, const std::vector<std::string>& loc,
                            size_t record_loc_size) {
  std::string out = label.empty() ? msg : label + ": " + msg;
  if (loc.size() > record_loc_size) out += " at " + LocPartText(loc.back());
  return out;
}

Result<ParsedImport> ParseImport(const std::string& body, ExampleFormat format, size_t max_records) {
  ParsedImport out;
  auto add = [&](size_t index, Json record, std::string label) {
    out.records.push_back(std::move(record));
    out.record_index.push_back(index);
    out.labels.push_back(std::move(label));
  };
  auto too_many = [&] { return Status::InvalidArgument("more than " + std::to_string(max_records) + " records"); };
  if (format == ExampleFormat::kJsonArray) {
    // Only a body that is no JSON at all, or no list of records, is refused as a whole; each
    // record is parsed on its own, so one too long, too deep or with a NUL fails alone, as in JSONL.
    if (!Json::accept(body)) {
      EXEMPLAR_RETURN_IF_ERROR(ParseJsonBody(body).status());
      return Status::Malformed("malformed JSON");
    }
    std::string_view list = Trim(body);
    if (list.front() == '{') {
      std::string_view found;
      for (const auto& [key, value] : Members(list)) {
        if (Json::parse(std::string(key), nullptr, false) != "examples") continue;
        if (!found.empty()) {
          return Status::Invalid({{{"body"}, "the key 'examples' appears twice in one object",
                                   "value_error.duplicate_key"}});
        }
        found = value;
      }
      list = found;
    }
    if (list.empty() || list.front() != '[') return Status::InvalidArgument("expected a JSON array of examples");
    const auto items = Members(list);
    if (items.size() > max_records) return too_many();
    out.total = items.size();
    for (size_t i = 0; i < items.size(); ++i) {
      std::string label = "item " + std::to_string(i + 1);
      auto j = ParseJsonBody(std::string(items[i].second));
      if (!j.ok()) out.errors.push_back(RecordError(i, label, j.status()));
      else add(i, std::move(j).value(), std::move(label));
    }
    return out;
  }
  if (format == ExampleFormat::kJsonl) {
    size_t pos = 0, line_no = 0, index = 0;
    while (pos < body.size()) {
      size_t end = body.find('\n', pos);
      if (end == std::string::npos) end = body.size();
      std::string line = body.substr(pos, end - pos);
      pos = end + 1;
      ++line_no;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.find_first_not_of(" \t") == std::string::npos) continue;
      if (index >= max_records) return too_many();
      std::string label = "line " + std::to_string(line_no);  // the file's line, blank ones counted
      auto j = ParseJsonBody(line);
      if (!j.ok()) out.errors.push_back(RecordError(index, label, j.status()));
      else add(index, std::move(j).value(), std::move(label));
      ++index;
    }
    out.total = index;
    return out;
  }
  std::vector<std::vector<bool>> quoted;
  EXEMPLAR_ASSIGN_OR_RETURN(auto rows, ParseCsvFields(body, &quoted));
  if (rows.empty()) return out;
  const auto& header = rows[0];
  std::set<std::string> columns;
  for (const auto& name : header) {
    if (!IsUtf8(name)) return Status::InvalidArgument("CSV header is not valid UTF-8");
    // A repeated column would leave one of its cells unread: refused as JSON refuses a repeated key.
    if (!columns.insert(name).second) {
      return Status::Invalid({{{"body"}, "the column '" + name.substr(0, 200) + "' appears twice in the CSV header",
                               "value_error.csv.duplicate_column"}});
    }
  }
  if (rows.size() - 1 > max_records) return too_many();
  out.total = rows.size() - 1;
  for (size_t r = 1; r < rows.size(); ++r) {
    const size_t index = r - 1;
    // As a spreadsheet numbers it: the header is row 1 (blank lines are not rows).
    std::string label = "row " + std::to_string(r + 1);
    if (rows[r].size() != header.size()) {
      out.errors.push_back(RecordError(index, label,
                                       Status::InvalidArgument("expected " + std::to_string(header.size()) +
                                                               " fields, got " + std::to_string(rows[r].size()))));
      continue;
    }
    Json record = Json::object();
    std::optional<BatchItemError> err;
    for (size_t c = 0; c < header.size() && !err; ++c) {
      const std::string& value = rows[r][c];
      if (value.empty()) {
        // An empty cell is null (absent); a quoted one ("") is the empty string, as export writes it.
        if (quoted[r][c] && !IsJsonColumn(header[c])) record[header[c]] = "";
        continue;
      }
      if (!IsUtf8(value)) {
        err = RecordError(index, label, Status::InvalidArgument("not valid UTF-8"), {header[c]});
        break;
      }
      if (IsJsonColumn(header[c])) {
        // Parsed as a JSON body is (a repeated key, too deep, a NUL, an integer beyond 64 bits are
        // refused), so a record reads the same in CSV as in JSONL.
        auto parsed = ParseJsonBody(value);
        if (!parsed.ok() && parsed.status().code() != Code::kMalformed) {
          err = RecordError(index, label, parsed.status(), {header[c]});
          break;
        }
        Json v = parsed.ok() ? std::move(parsed).value() : Json(Json::value_t::discarded);
        if (v.is_discarded() && (header[c] == "capability_tags" || header[c] == "search_keys")) {
          // Also accept "a;b;c" lists, as spreadsheets write them.
          v = Json::array();
          size_t start = 0;
          while (start <= value.size()) {
            size_t semi = value.find(';', start);
            if (semi == std::string::npos) semi = value.size();
            if (semi > start) v.push_back(value.substr(start, semi - start));
            start = semi + 1;
          }
        }
        if (v.is_discarded()) {
          err = RecordError(index, label, parsed.status(), {header[c]});
          break;
        }
        record[header[c]] = std::move(v);
      } else {
        // The apostrophe export puts before a text that a spreadsheet would run (or that starts
        // with one): exactly one is removed.
        record[header[c]] = value[0] == kTextMark ? value.substr(1) : value;
      }
    }
    if (!err) {
      // The same limits and string policy (no NUL) as a JSON body.
      Status limits = CheckJsonLimits(record, JsonLimits{}, {"body"});
      if (!limits.ok()) err = RecordError(index, label, limits);
    }
    if (err) out.errors.push_back(std::move(*err));
    else add(index, std::move(record), std::move(label));
  }
  return out;
}

}  // namespace exemplar::service
