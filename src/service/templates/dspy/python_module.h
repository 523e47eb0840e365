// The Python code of a DSPy export, in sections shared by the python_module and notebook
// formats: provenance header, imports, signature class, program class, trainset, metric, LM
// setup and the run step (optimizer compile or a zero-shot evaluation).
#pragma once

#include <string>

#include "service/templates/dspy/export_context.h"

namespace exemplar::dspy {

struct PythonSections {
  std::string header;     // "# ..." provenance lines
  std::string imports;    // standard library + `import dspy`
  std::string signature;  // the dspy.Signature class
  std::string program;    // the dspy.Module class
  std::string data;       // `trainset = [...]` (+ build_program() when demos are exported)
  std::string metric;     // `def metric(example, pred, trace=None)` and helpers
  std::string lm_setup;   // top-level `dspy.configure(lm=dspy.LM(...))`
  std::string run;        // top-level statements: optimize and save, or evaluate
};

PythonSections BuildPythonSections(const ExportContext& ctx);

// header, imports, constants, signature, program, data, metric, then the LM setup and run step
// under `if __name__ == "__main__":`. Pure ASCII; ends with a single "\n".
std::string RenderPythonModule(const ExportContext& ctx, const PythonSections& sections);

}  // namespace exemplar::dspy
