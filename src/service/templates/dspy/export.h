// DSPy export of a template and chosen examples (SPEC §4.4): python_module, program_state,
// dataset_jsonl, json_config or notebook. Pure: no storage, no clock, no I/O; the same inputs
// give byte-identical output.
//
// Formats:
//  - python_module (<stem>_dspy.py, text/x-python): provenance header, the signature class, a
//    dspy.Module program (`self.predict = dspy.Predict|ChainOfThought(Sig)`), `trainset` of
//    dspy.Example(...).with_inputs(...), `build_program()` (when demos_as_program_state), the
//    metric, and under `if __name__ == "__main__":` dspy.configure(lm=dspy.LM(...)) followed by
//    the optimizer compile + save (include_optimizer) or a zero-shot dspy.Evaluate.
//  - program_state (<stem>_program.json, application/json): see program_state.h.
//  - dataset_jsonl (<stem>_dataset.jsonl, application/x-ndjson): one JSON object per example
//    holding exactly the signature's field names (inputs, then outputs, signature order; keys
//    the signature lacks are dropped). No header line, so every line loads with
//    `dspy.Example(**row).with_inputs(*input_names)`; input names are in json_config
//    (signature.input_fields) and in the python module's INPUT_FIELDS. (A field named `base`
//    collides with dspy.Example's first parameter: `dspy.Example(row)` works for every row.)
//  - json_config (<stem>_dspy_config.json, application/json): signature JSON, module, predictor
//    names, metric, LM, optimizer config (normalized, defaults filled), example ids, findings.
//  - notebook (<stem>_dspy.ipynb, application/x-ipynb+json): see notebook.h.
#pragma once

#include <vector>

#include "common/status.h"
#include "service/templates/dspy/export_options.h"
#include "storage/records.h"

namespace exemplar::dspy {

// Exports `t` with `chosen` (already selected and ordered, see select.h).
// Errors (kInvalidArgument, field errors):
//  - the optimizer config is invalid (loc {"body", "optimizer", ...});
//  - the signature has error findings, or the module cannot use it (ChainOfThought adds an output
//    field `reasoning`, so no template field may be named so): loc {"template", <field>}.
// Warnings (signature, example payloads, optimizer needs) are returned in Artifact::findings.
// `augmented` (empty, or one flag per chosen example) marks bootstrapped demos.
Result<Artifact> Export(const Template& t, const std::vector<Example>& chosen,
                        const ExportOptions& options, const std::vector<bool>& augmented = {});

}  // namespace exemplar::dspy
