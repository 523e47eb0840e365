// Import and export of examples as JSONL, JSON arrays and CSV (RFC 4180).
#pragma once

#include <string>
#include <vector>

#include "common/json_util.h"
#include "storage/records.h"

namespace exemplar::service {

enum class ExampleFormat { kJsonl, kJsonArray, kCsv };

// Parses an import body into one JSON object per record. A record that cannot be parsed becomes
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
std::string ExampleToCsvRow(const Example& e);
std::string ExampleToJsonl(const Example& e);

// Splits CSV text into rows of fields. kInvalidArgument on an unterminated quote.
Result<std::vector<std::vector<std::string>>> ParseCsv(const std::string& text);

}  // namespace exemplar::service
