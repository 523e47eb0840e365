// Test-only helpers for the DSPy library tests: temp directories, running python3, and sample
// templates/examples.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "common/json_util.h"
#include "testing/dspy/fake_dspy_py.h"
#include "storage/records.h"

namespace exemplar::dspy::testing {

// A fresh directory under ::testing::TempDir(), unique per call and process. Removed when it
// goes out of scope unless the test has failed (kept for inspection).
class ScopedTempDir {
 public:
  explicit ScopedTempDir(const std::string& tag) {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::path(::testing::TempDir()) /
            ("exemplar_dspy_" + tag + "_" + std::to_string(::getpid()) + "_" +
             std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~ScopedTempDir() {
    std::error_code ec;
    if (!::testing::Test::HasFailure()) std::filesystem::remove_all(path_, ec);
  }
  ScopedTempDir(const ScopedTempDir&) = delete;
  ScopedTempDir& operator=(const ScopedTempDir&) = delete;

  operator const std::filesystem::path&() const { return path_; }  // NOLINT: implicit by design
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }
  std::string string() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

inline ScopedTempDir MakeTempDir(const std::string& tag) { return ScopedTempDir(tag); }

inline void WriteFile(const std::filesystem::path& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
}

inline std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline bool PythonAvailable() {
  static const bool available =
      std::system("python3 -c 'import sys; sys.exit(0 if sys.version_info >= (3, 8) else 1)' "
                  ">/dev/null 2>&1") == 0;
  return available;
}

#define EXEMPLAR_REQUIRE_PYTHON()                                      \
  do {                                                                 \
    if (!::exemplar::dspy::testing::PythonAvailable()) {               \
      GTEST_SKIP() << "python3 is not available";                      \
    }                                                                  \
  } while (0)

struct PyRun {
  int exit_code = -1;
  std::string output;  // stdout + stderr
};

// Runs `python3 <args>` in `dir` (which is also put on PYTHONPATH, so a fake dspy.py there wins).
inline PyRun RunPython(const std::filesystem::path& dir, const std::string& args) {
  std::filesystem::path out = dir / "python_output.txt";
  std::string cmd = "cd '" + dir.string() + "' && PYTHONPATH='" + dir.string() +
                    "' PYTHONDONTWRITEBYTECODE=1 python3 " + args + " > '" + out.string() +
                    "' 2>&1";
  int rc = std::system(cmd.c_str());
  PyRun run;
  run.exit_code = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  run.output = ReadFile(out);
  return run;
}

// Compiles `source` (written as `filename` in `dir`) with py_compile.
inline PyRun PyCompile(const std::filesystem::path& dir, const std::string& filename,
                       const std::string& source) {
  WriteFile(dir / filename, source);
  return RunPython(dir, "-W error -m py_compile '" + filename + "'");
}

inline void WriteFakeDspy(const std::filesystem::path& dir) { WriteFile(dir / "dspy.py", kFakeDspyPy); }

inline bool IsAscii(const std::string& s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) > 0x7E || (c < 0x20 && c != '\n')) return false;
  }
  return true;
}

inline SchemaField Field(std::string name, std::string type = "string", std::string desc = "") {
  SchemaField f;
  f.name = std::move(name);
  f.type = std::move(type);
  f.description = std::move(desc);
  return f;
}

// A realistic template using every schema type.
inline Template TriageTemplate() {
  Template t;
  t.id = "6f1c2a0e-3b7d-4c55-9a0e-1d2f3a4b5c6d";
  t.name = "Support Ticket Triage";
  t.version = "1.2.0";
  t.prompt_template =
      "Classify the support ticket and decide its priority.\n"
      "Use \"billing\", \"technical\" or \"account\" as the category.";
  t.input_schema = {Field("ticket_text", "string", "The customer's message, verbatim"),
                    Field("customer_tier", "string"), Field("order_total", "number", "Order value in EUR")};
  t.output_schema = {Field("category", "string", "One of \"billing\", \"technical\", \"account\""),
                     Field("priority", "integer", "1 (urgent) to 4 (low)"),
                     Field("needs_escalation", "boolean"), Field("tags", "array", "Short labels"),
                     Field("routing", "object", "Queue and team")};
  t.temperature = 0.2;
  t.max_tokens = 512;
  return t;
}

inline Example MakeExample(std::string id, std::string input_json, std::string output_json) {
  Example e;
  e.id = std::move(id);
  e.input_json = std::move(input_json);
  e.expected_output_json = std::move(output_json);
  return e;
}

inline std::vector<Example> TriageExamples() {
  return {
      MakeExample("00000000-0000-4000-8000-000000000001",
                  R"({"ticket_text": "I was charged twice for order #1234.", "customer_tier": "gold", "order_total": 59.9})",
                  R"({"category": "billing", "priority": 2, "needs_escalation": false, "tags": ["refund", "duplicate-charge"], "routing": {"queue": "billing", "team": "payments"}})"),
      MakeExample("00000000-0000-4000-8000-000000000002",
                  R"({"ticket_text": "L'appli plante au démarrage \u2014 \"erreur 42\" \\ help!", "customer_tier": "free", "order_total": 0})",
                  R"({"category": "technical", "priority": 1, "needs_escalation": true, "tags": ["crash"], "routing": {"queue": "tech", "team": "mobile"}})"),
      MakeExample("00000000-0000-4000-8000-000000000003",
                  R"({"ticket_text": "Please delete my account.\nThanks, 李雷 🙂", "customer_tier": "silver", "order_total": 1e-7, "channel": "email"})",
                  R"({"category": "account", "priority": 3, "needs_escalation": false, "tags": [], "routing": {"queue": "accounts", "team": null}})"),
  };
}

}  // namespace exemplar::dspy::testing
