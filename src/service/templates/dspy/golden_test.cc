// Golden files: one template exported in every format, compared byte for byte with
// tests/data/dspy/. Regenerate with EXEMPLAR_UPDATE_GOLDEN=1 after an intended change and review
// the diff.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "testing/dspy/dspy_test_util.h"
#include "service/templates/dspy/export.h"

#ifndef EXEMPLAR_DSPY_GOLDEN_DIR
#error "EXEMPLAR_DSPY_GOLDEN_DIR must point at tests/data/dspy"
#endif

namespace exemplar::dspy {
namespace {

void CheckGolden(const std::string& name, ExportOptions o) {
  o.generated_by = "exemplar (golden test)";
  auto r = Export(testing::TriageTemplate(), testing::TriageExamples(), o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  std::filesystem::path path = std::filesystem::path(EXEMPLAR_DSPY_GOLDEN_DIR) / name;
  const char* update = std::getenv("EXEMPLAR_UPDATE_GOLDEN");
  if (update && std::string(update) == "1") {
    testing::WriteFile(path, r->content);
    GTEST_SKIP() << "updated " << path;
  }
  ASSERT_TRUE(std::filesystem::exists(path)) << path << " is missing; run with EXEMPLAR_UPDATE_GOLDEN=1";
  std::string golden = testing::ReadFile(path);
  EXPECT_EQ(r->content, golden) << "export differs from " << path
                                << " (EXEMPLAR_UPDATE_GOLDEN=1 regenerates it)";
}

TEST(Golden, PythonModuleChainOfThoughtWithMipro) {
  ExportOptions o;
  o.module = ModuleKind::kChainOfThought;
  o.metric = MetricKind::kF1;
  o.include_optimizer = true;
  o.optimizer = {{"type", "MIPROv2"}, {"auto", "medium"}};
  CheckGolden("support_ticket_triage_dspy.py", o);
}

TEST(Golden, ProgramStateChainOfThought) {
  ExportOptions o;
  o.format = ExportFormat::kProgramState;
  o.module = ModuleKind::kChainOfThought;
  CheckGolden("support_ticket_triage_program.json", o);
}

TEST(Golden, DatasetJsonl) {
  ExportOptions o;
  o.format = ExportFormat::kDatasetJsonl;
  CheckGolden("support_ticket_triage_dataset.jsonl", o);
}

TEST(Golden, JsonConfig) {
  ExportOptions o;
  o.format = ExportFormat::kJsonConfig;
  o.include_optimizer = true;
  o.optimizer = {{"type", "BootstrapFewShot"}};
  o.metric = MetricKind::kJsonFields;
  CheckGolden("support_ticket_triage_dspy_config.json", o);
}

TEST(Golden, NotebookPredictEvaluate) {
  ExportOptions o;
  o.format = ExportFormat::kNotebook;
  o.metric = MetricKind::kNumericClose;
  CheckGolden("support_ticket_triage_dspy.ipynb", o);
}

}  // namespace
}  // namespace exemplar::dspy
