// Python emission: literals are ASCII, compile, and evaluate back to exactly the input.
#include "service/templates/dspy/python.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "testing/dspy/dspy_test_util.h"
#include "service/templates/dspy/text.h"

namespace exemplar::dspy {
namespace {

using testing::IsAscii;
using testing::MakeTempDir;
using testing::RunPython;

const std::vector<std::string>& AdversarialStrings() {
  static const std::vector<std::string> kStrings = {
      "",
      "plain",
      "say \"hi\"",
      "triple \"\"\" quotes ''' and '",
      "ends with a backslash \\",
      "ends with a quote \"",
      "\\\" escaped-looking \\n \\u1234 \\N{BULLET}",
      "line1\nline2\r\nline3\ttabbed",
      std::string("nul\0byte", 8),
      "\x01\x1f\x7f controls",
      "caf\xc3\xa9 \xe4\xb8\xad\xe6\x96\x87 \xf0\x9f\x9a\x80",  // café 中文 🚀
      "\xe2\x80\xa8 line separator \xc2\x85 next line",
      "{braces} %s %(x)s f\"{x}\"",
  };
  return kStrings;
}

TEST(PyStringLiteral, EscapesEverythingNonPrintableAsAscii) {
  EXPECT_EQ(PyStringLiteral("a\"b\\c"), R"("a\"b\\c")");
  EXPECT_EQ(PyStringLiteral("x\ny\rz\tw"), R"("x\ny\rz\tw")");
  EXPECT_EQ(PyStringLiteral(std::string("\0\x1f\x7f", 3)), R"("\x00\x1f\x7f")");
  EXPECT_EQ(PyStringLiteral("caf\xc3\xa9"), R"("caf\u00e9")");
  EXPECT_EQ(PyStringLiteral("\xf0\x9f\x9a\x80"), R"("\U0001f680")");
  EXPECT_EQ(PyStringLiteral("bad \xff byte"), R"("bad \ufffd byte")");
  for (const std::string& s : AdversarialStrings()) EXPECT_TRUE(IsAscii(PyStringLiteral(s))) << s;
}

TEST(PyDocstring, SingleLineAndMultiLineForms) {
  EXPECT_EQ(PyDocstring("Answer.", "    "), "    \"Answer.\"\n");
  EXPECT_EQ(PyDocstring("a\nb", "    "), "    (\n        \"a\\n\"\n        \"b\"\n    )\n");
  EXPECT_EQ(PyDocstring("", "  "), "  \"\"\n");
}

TEST(JsonToPython, RendersEveryJsonType) {
  Json v = Json::parse(R"({"b": [1, -2, 3.5, true, false, null], "a": {"x": "y"}})");
  EXPECT_EQ(JsonToPython(v), R"({"a": {"x": "y"}, "b": [1, -2, 3.5, True, False, None]})");
  EXPECT_EQ(JsonToPython(Json(3.0)), "3.0");
  EXPECT_EQ(JsonToPython(Json(1e300)), "1e+300");
  EXPECT_EQ(JsonToPython(Json(std::numeric_limits<double>::quiet_NaN())), "float(\"nan\")");
  EXPECT_EQ(JsonToPython(Json(-std::numeric_limits<double>::infinity())), "float(\"-inf\")");
  EXPECT_EQ(JsonToPython(Json(18446744073709551615ULL)), "18446744073709551615");
}

TEST(Identifiers, KeywordsAndAsciiIdentifiers) {
  for (const char* kw : {"class", "def", "None", "True", "lambda", "async", "await", "nonlocal"}) {
    EXPECT_TRUE(IsPythonKeyword(kw)) << kw;
  }
  for (const char* soft : {"match", "case", "type", "_", "print"}) EXPECT_FALSE(IsPythonKeyword(soft)) << soft;
  EXPECT_TRUE(IsAsciiIdentifier("a_b9"));
  EXPECT_TRUE(IsAsciiIdentifier("_x"));
  EXPECT_FALSE(IsAsciiIdentifier("9a"));
  EXPECT_FALSE(IsAsciiIdentifier("a-b"));
  EXPECT_FALSE(IsAsciiIdentifier("caf\xc3\xa9"));
  EXPECT_FALSE(IsAsciiIdentifier(""));
}

TEST(PythonRoundTrip, LiteralsEvaluateToTheOriginalStrings) {
  EXEMPLAR_REQUIRE_PYTHON();
  auto dir = MakeTempDir("literals");
  std::string src = "import json\nvalues = [\n";
  for (const std::string& s : AdversarialStrings()) src += "    " + PyStringLiteral(s) + ",\n";
  src += "]\n\n\nclass WithDoc:\n";
  src += PyDocstring(AdversarialStrings()[7], "    ");
  src += "    x = 1\n\n\nclass WithDoc2:\n" + PyDocstring(AdversarialStrings()[4], "    ");
  src += "\n\nvalues.append(WithDoc.__doc__)\nvalues.append(WithDoc2.__doc__)\n";
  src += "print(json.dumps(values, ensure_ascii=True))\n";
  ASSERT_TRUE(IsAscii(src));
  testing::WriteFile(dir / "literals.py", src);
  auto run = RunPython(dir, "literals.py");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  Json got = Json::parse(run.output);
  ASSERT_EQ(got.size(), AdversarialStrings().size() + 2);
  for (size_t i = 0; i < AdversarialStrings().size(); ++i) {
    EXPECT_EQ(got[i].get<std::string>(), AdversarialStrings()[i]) << i;
  }
  EXPECT_EQ(got[AdversarialStrings().size()].get<std::string>(), AdversarialStrings()[7]);
  EXPECT_EQ(got[AdversarialStrings().size() + 1].get<std::string>(), AdversarialStrings()[4]);
}

TEST(PythonRoundTrip, JsonValuesSurviveIncludingFloats) {
  EXEMPLAR_REQUIRE_PYTHON();
  auto dir = MakeTempDir("json");
  Json value = Json::parse(R"({
    "floats": [0.1, 1e-7, 1.7976931348623157e308, -0.0, 3.0, 2.5e-300, 123456789.123456789, 5e-324],
    "ints": [0, -1, 9007199254740993, 18446744073709551615],
    "nested": {"k\"ey": [true, false, null, {"\u00e9": "\u4e2d\u6587 \ud83d\ude80"}]},
    "empty": [{}, [], ""]
  })");
  std::string src = "import json\nvalue = " + JsonToPython(value) + "\nprint(json.dumps(value))\n";
  ASSERT_TRUE(IsAscii(src));
  testing::WriteFile(dir / "values.py", src);
  auto run = RunPython(dir, "values.py");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  Json got = Json::parse(run.output);
  EXPECT_EQ(got, value) << run.output;
  EXPECT_TRUE(std::signbit(got["floats"][3].get<double>()));
}

TEST(CleanDoc, MatchesInspectCleandoc) {
  EXEMPLAR_REQUIRE_PYTHON();
  std::vector<std::string> docs = {
      "Answer.",
      "  leading spaces\n    indented\n      more\n    back",
      "\n\n  first blank lines\n  body\n\n\n",
      "tabs\tinside\n\tindented with a tab\n    four spaces",
      "mixed \xc2\xa0nbsp\n\xe3\x80\x80ideographic space line",
      "only first\n   \n      \n  x",
      "trailing spaces   \n  kept?   ",
      "\r\ncarriage\r\n  returns",
      "\n  a\n    b\n      c",
      "",
      "   ",
      "caf\xc3\xa9\t\xe4\xb8\xad\tx\n\t\xf0\x9f\x9a\x80",
  };
  auto dir = MakeTempDir("cleandoc");
  Json input = docs;
  testing::WriteFile(dir / "docs.json", input.dump());
  testing::WriteFile(dir / "cleandoc.py",
                     "import inspect, json\n"
                     "docs = json.load(open('docs.json', encoding='utf-8'))\n"
                     "print(json.dumps([inspect.cleandoc(d) for d in docs]))\n");
  auto run = RunPython(dir, "cleandoc.py");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  Json expected = Json::parse(run.output);
  for (size_t i = 0; i < docs.size(); ++i) {
    EXPECT_EQ(CleanDoc(docs[i]), expected[i].get<std::string>()) << "doc " << i;
    std::string stable = StableCleanDoc(docs[i]);
    EXPECT_EQ(CleanDoc(stable), stable) << "fixed point " << i;
  }
}

TEST(Text, PyStripAndUtf8) {
  EXPECT_EQ(PyStrip(" \t\xc2\xa0x y\xe3\x80\x80\n"), "x y");
  EXPECT_EQ(EncodeUtf8(DecodeUtf8("a\xc3\xa9\xf0\x9f\x9a\x80")), "a\xc3\xa9\xf0\x9f\x9a\x80");
  EXPECT_EQ(DecodeUtf8("\xed\xa0\x80"), std::u32string(U"\uFFFD\uFFFD\uFFFD"));  // surrogate
  EXPECT_EQ(DecodeUtf8("\xc0\xaf"), std::u32string(U"\uFFFD\uFFFD"));          // overlong
}

}  // namespace
}  // namespace exemplar::dspy
