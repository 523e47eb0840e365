// The notebook export: a Jupyter notebook (nbformat 4.5) holding the python_module code split
// into cells — a markdown introduction, then setup (imports + LM), signature, program, data,
// metric and run (optimizer or evaluation) code cells. Cells have stable ids, empty metadata,
// `source` as a list of lines, and code cells `outputs: []`, `execution_count: null`.
#pragma once

#include <string>

#include "service/templates/dspy/python_module.h"

namespace exemplar::dspy {

std::string RenderNotebook(const ExportContext& ctx, const PythonSections& sections);

}  // namespace exemplar::dspy
