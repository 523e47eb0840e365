// The program_state export: the JSON that DSPy's `program.load(path)` accepts for the generated
// program class (reference/dspy.md §4):
//   { "<predictor name>": {"traces": [], "train": [], "demos": [{field: value, ...}, ...],
//                          "signature": {"instructions": str,
//                                        "fields": [{"prefix": str, "description": str}, ...]},
//                          "lm": null},
//     "metadata": {"dependency_versions": {"python": "3.11", "dspy": "3.3.1", "cloudpickle": "3.1"}} }
// Predictor names follow named_parameters() of the generated program (ExportContext::
// PredictorNames). `fields` lists every field in signature order, inputs then outputs, with
// ChainOfThought's `reasoning` ({"prefix": "Reasoning:", "description": "${reasoning}"}, as
// DSPy >= 3.2 writes it) first among the outputs. Demos are labeled demos: the example's field
// values, no "augmented" key (that marks bootstrapped demos). 2-space indent, trailing newline,
// UTF-8 unescaped, key order as DSPy writes it.
#pragma once

#include <string>

#include "service/templates/dspy/example_data.h"
#include "service/templates/dspy/export_context.h"

namespace exemplar::dspy {

// dependency_versions we declare: DSPy only warns when they differ from the loading side.
inline constexpr const char* kStatePythonVersion = "3.11";
inline constexpr const char* kStateDspyVersion = "3.3.1";
inline constexpr const char* kStateCloudpickleVersion = "3.1";

OrderedJson BuildProgramState(const ExportContext& ctx);
std::string RenderProgramState(const ExportContext& ctx);

}  // namespace exemplar::dspy
