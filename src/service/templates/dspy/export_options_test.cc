// Export options: request parsing and optimizer configurations (names, DSPy defaults, ranges).
#include <gtest/gtest.h>

#include "testing/dspy/dspy_test_util.h"
#include "service/templates/dspy/export.h"
#include "service/templates/dspy/optimizer_config.h"

namespace exemplar::dspy {
namespace {

TEST(Export, InvalidOptimizerConfigIsRejected) {
  auto loc_of = [](const Json& cfg) {
    ExportOptions o;
    o.optimizer = cfg;
    auto r = Export(testing::TriageTemplate(), {}, o);
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << cfg.dump();
    return r.ok() || r.status().field_errors().empty() ? std::vector<std::string>{}
                                                        : r.status().field_errors()[0].loc;
  };
  using Loc = std::vector<std::string>;
  EXPECT_EQ(loc_of({{"type", "COPRO"}}), (Loc{"body", "optimizer", "type"}));
  EXPECT_EQ(loc_of({{"kind", "BootstrapFewShot"}}), (Loc{"body", "optimizer", "type"}));
  EXPECT_EQ(loc_of(Json("BootstrapFewShot")), (Loc{"body", "optimizer"}));
  EXPECT_EQ(loc_of({{"type", "BootstrapFewShot"}, {"max_round", 2}}), (Loc{"body", "optimizer", "max_round"}));
  EXPECT_EQ(loc_of({{"type", "BootstrapFewShot"}, {"max_rounds", 0}}), (Loc{"body", "optimizer", "max_rounds"}));
  EXPECT_EQ(loc_of({{"type", "BootstrapFewShot"}, {"max_rounds", 1.5}}), (Loc{"body", "optimizer", "max_rounds"}));
  EXPECT_EQ(loc_of({{"type", "BootstrapFewShot"}, {"max_rounds", true}}), (Loc{"body", "optimizer", "max_rounds"}));
  EXPECT_EQ(loc_of({{"type", "LabeledFewShot"}, {"sample", "yes"}}), (Loc{"body", "optimizer", "sample"}));
  EXPECT_EQ(loc_of({{"type", "MIPROv2"}, {"auto", "extreme"}}), (Loc{"body", "optimizer", "auto"}));
  EXPECT_EQ(loc_of({{"type", "MIPROv2"}, {"num_trials", 5}}), (Loc{"body", "optimizer", "auto"}));
  EXPECT_EQ(loc_of({{"type", "MIPROv2"}, {"auto", nullptr}}), (Loc{"body", "optimizer", "auto"}));
  EXPECT_EQ(loc_of({{"type", "KNNFewShot"}, {"embedder_model", ""}}), (Loc{"body", "optimizer", "embedder_model"}));
}

TEST(OptimizerConfig, FillsDspyDefaults) {
  auto bfs = NormalizeOptimizerConfig({{"type", "BootstrapFewShot"}, {"max_labeled_demos", 8.0}});
  ASSERT_TRUE(bfs.ok());
  EXPECT_EQ(bfs->ToJson(), Json::parse(R"({"type": "BootstrapFewShot", "max_bootstrapped_demos": 4,
      "max_labeled_demos": 8, "max_rounds": 1, "metric_threshold": null, "max_errors": null})"));
  EXPECT_TRUE(bfs->ToJson()["max_labeled_demos"].is_number_integer());
  auto mipro = NormalizeOptimizerConfig({{"type", "MIPRO"}});
  ASSERT_TRUE(mipro.ok());
  EXPECT_EQ(mipro->type, "MIPROv2");
  EXPECT_EQ(mipro->Get("auto"), "light");
  EXPECT_EQ(mipro->Get("seed"), 9);
  EXPECT_EQ(mipro->Get("max_labeled_demos"), 4);
  EXPECT_EQ(mipro->Get("minibatch_size"), 35);
  auto rs = NormalizeOptimizerConfig({{"type", "BootstrapFewShotWithRandomSearch"}});
  ASSERT_TRUE(rs.ok());
  EXPECT_EQ(rs->Get("num_candidate_programs"), 16);
  EXPECT_EQ(rs->Get("max_labeled_demos"), 16);
  auto lfs = NormalizeOptimizerConfig({{"type", "LabeledFewShot"}});
  ASSERT_TRUE(lfs.ok());
  EXPECT_EQ(lfs->Get("k"), 16);
  EXPECT_EQ(OptimizerTypes().size(), 5u);
}

TEST(ExportOptions, ParsesRequestBodies) {
  auto o = ParseExportOptions(Json::parse(R"({"format": "notebook", "module": "ChainOfThought",
      "metric": "f1", "include_optimizer": true, "optimizer": {"type": "KNNFewShot"},
      "lm_model": "openai/gpt-4o", "demos_as_program_state": false, "max_examples": 5})"));
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->format, ExportFormat::kNotebook);
  EXPECT_EQ(o->module, ModuleKind::kChainOfThought);
  EXPECT_EQ(o->metric, MetricKind::kF1);
  EXPECT_TRUE(o->include_optimizer);
  EXPECT_FALSE(o->demos_as_program_state);
  EXPECT_EQ(o->lm_model, "openai/gpt-4o");
  auto defaults = ParseExportOptions(Json::object());
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->format, ExportFormat::kPythonModule);
  auto bad = ParseExportOptions(Json::parse(R"({"format": "yaml", "module": "ReAct",
      "optimizer": {"type": "GEPA"}})"));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().field_errors().size(), 3u);
}

}  // namespace
}  // namespace exemplar::dspy
