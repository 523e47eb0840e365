// Import and export of examples as JSONL, JSON arrays and CSV (RFC 4180).
#pragma once

#include <string>
#include <vector>

#include "common/json_util.h"
#include "storage/records.h"

namespace exemplar::service {

enum class ExampleFormat { kJsonl, kJsonArray, kCsv };

// Parses an import body into one JSON object per record. In CSV, a text cell (not input,
// expected_output, capability_tags, search_keys, quality_score) starting with an apostrophe loses
// that one apostrophe (see ExampleToCsvRow). A record that cannot be parsed becomes
// an error entry (record index, message) and is not returned; `max_records` bounds the work.
struct ParsedImport {
  std::vector<Json> records;
  std::vector<size_t> record_index;             // position of each record in the input
  std::vector<std::pair<size_t, std::string>> errors;
  size_t total = 0;
};
Result<ParsedImport> ParseImport(const std::string& body, ExampleFormat format, size_t max_records);

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
