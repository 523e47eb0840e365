// Fuzzes import (POST /examples/import, `exemplar import`): CSV (RFC 4180), JSONL and JSON-array
// bodies through ParseImport, each record through the create validation. Checks that every
// record handed on is valid JSON text (so no invalid UTF-8 reaches the store), that the counts
// add up, and that a valid example survives export as a CSV row and import again.
// Input: the format ("csv", "jsonl" or "json") on the first line, the body after it.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "service/examples/example_io.h"
#include "service/examples/example_json.h"

namespace exemplar {
namespace {

void Fail(const char* what, const std::string& input) {
  std::fprintf(stderr, "import invariant broken: %s\ninput:\n%s\n", what, input.c_str());
  std::abort();
}

// Text columns keep "" (a quoted empty field) and null (an empty field) apart.
bool SameText(const std::optional<std::string>& a, const std::optional<std::string>& b) { return a == b; }

void CheckCsvRoundTrip(const Example& e, const std::string& input) {
  auto parsed = service::ParseImport(service::CsvHeader() + service::ExampleToCsvRow(e), service::ExampleFormat::kCsv, 10);
  if (!parsed.ok() || parsed->records.size() != 1) Fail("an exported CSV row does not import", input);
  Validation v;
  Example back = service::ExampleFromCreateJson(parsed->records[0], v, {"body"});
  if (!v.ok()) Fail("an exported CSV row is not a valid example", input);
  if (back.id != e.id || back.input_json != e.input_json || back.expected_output_json != e.expected_output_json ||
      back.domain != e.domain || back.difficulty != e.difficulty || back.source != e.source ||
      back.capability_tags != e.capability_tags || back.search_keys != e.search_keys ||
      back.quality_score != e.quality_score || !SameText(back.explanation, e.explanation) ||
      !SameText(back.function_name, e.function_name) || !SameText(back.databit_id, e.databit_id) ||
      !SameText(back.attribution_notes, e.attribution_notes)) {
    Fail("an example changed through CSV export and import", input);
  }
}

}  // namespace
}  // namespace exemplar

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace exemplar;
  std::string input(reinterpret_cast<const char*>(data), size);
  size_t nl = input.find('\n');
  if (nl == std::string::npos) return 0;
  std::string name = input.substr(0, nl);
  service::ExampleFormat format;
  if (name == "csv") format = service::ExampleFormat::kCsv;
  else if (name == "jsonl") format = service::ExampleFormat::kJsonl;
  else if (name == "json") format = service::ExampleFormat::kJsonArray;
  else return 0;
  auto parsed = service::ParseImport(input.substr(nl + 1), format, 200);
  if (!parsed.ok()) return 0;
  if (parsed->records.size() != parsed->record_index.size() ||
      parsed->records.size() + parsed->errors.size() != parsed->total) {
    Fail("record counts do not add up", input);
  }
  for (const Json& record : parsed->records) {
    if (Json::parse(DumpJson(record), nullptr, false) != record) Fail("a record is not valid JSON text (UTF-8)", input);
    Validation v;
    Example e = service::ExampleFromCreateJson(record, v, {"body"});
    if (v.ok()) CheckCsvRoundTrip(e, input);
  }
  return 0;
}
