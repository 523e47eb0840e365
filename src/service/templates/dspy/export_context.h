// Everything the export renderers share, computed once by Export() after validation.
#pragma once

#include <string>
#include <vector>

#include "service/templates/dspy/example_data.h"
#include "service/templates/dspy/export_options.h"
#include "service/templates/dspy/optimizer_config.h"
#include "service/templates/dspy/signature.h"
#include "storage/records.h"

namespace exemplar::dspy {

struct ExportContext {
  const Template* tmpl = nullptr;      // not owned; outlives the context
  SignatureSpec spec;                  // validated: no error findings
  ExportOptions options;
  OptimizerConfig optimizer;           // normalized options.optimizer
  std::vector<ExampleRow> rows;        // the chosen examples keyed by field names
  std::vector<std::string> extra_outputs;  // outputs the module adds ("reasoning" for CoT)
  std::string lm_model;                // resolved LM model string
  std::string stem;                    // file name stem, e.g. "support_ticket_triage"

  std::string ProgramClassName() const { return spec.class_name + "Program"; }
  // Names of the program's predictors as DSPy's named_parameters() reports them for the
  // generated program class (attribute `predict`): "predict" for Predict, "predict.predict"
  // for ChainOfThought (a sub-module whose own Predict is `predict`).
  std::vector<std::string> PredictorNames() const;
  std::string ProgramStateFilename() const { return stem + "_program.json"; }
  std::string OptimizedFilename() const { return stem + "_optimized.json"; }
};

}  // namespace exemplar::dspy
