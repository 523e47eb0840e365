// Import and export of examples as JSONL, JSON arrays and CSV (RFC 4180).
#pragma once

#include <string>
#include <vector>

#include "common/json_util.h"
#include "service/examples/examples.h"
#include "storage/records.h"

namespace exemplar::service {

enum class ExampleFormat { kJsonl, kJsonArray, kCsv };

// Parses an import body into one JSON object per record. In CSV, a text cell (not input,
// expected_output, capability_tags, search_keys, quality_score) starting with an apostrophe loses
// that one apostrophe (see ExampleToCsvRow); a repeated header column refuses the whole body.
// A record that cannot be parsed (not JSON, a repeated key, too deep, a string too long or with
// a NUL, a CSV row of the wrong width) becomes an error and is not returned: in every format the
// same error, with `index` the record's 0-based position among the records, `loc`
// ["body", index, field…], and a message starting with the record's label. Only a body that is no
// JSON at all (a JSON array import), or holds more than `max_records` records, is refused whole.
struct ParsedImport {
  std::vector<Json> records;
  std::vector<size_t> record_index;  // position of each record in the input, 0-based
  // Where each record is, 1-based as the file shows it (and as the web import page names it):
  // "line 3" (JSONL: the file's line, blank lines counted), "item 2" (JSON array), "row 5" (CSV: as
  // a spreadsheet numbers it, the header being row 1).
  std::vector<std::string> labels;
  std::vector<BatchItemError> errors;
  size_t total = 0;
};
Result<ParsedImport> ParseImport(const std::string& body, ExampleFormat format, size_t max_records);

// A record's error message: "<label>: <msg>", then " at <field>" when `loc` names a field inside
// the record (longer than `record_loc_size`, the loc of the record itself).
std::string RecordErrorText(const std::string& label, const std::string& msg, const std::vector<std::string>& loc,
                            size_t record_loc_size);

// CSV columns used by import and export, in order.
const std::vector<std::string>& CsvColumns();
std::string CsvHeader();
// One example as a CSV row. A text cell that a spreadsheet would run as a formula (starting with
// = + - @ TAB or CR), or that starts with an apostrophe, is written after an apostrophe; a CSV
// import (ParseImport) removes one leading apostrophe from every text cell, so the row imports
// back to the same example.
std::string ExampleToCsvRow(const Example& e);
std::string ExampleToJsonl(const Example& e);

// Splits CSV text into rows of fields. kInvalidArgument on an unterminated quote.
Result<std::vector<std::vector<std::string>>> ParseCsv(const std::string& text);

}  // namespace exemplar::service
