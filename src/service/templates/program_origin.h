// What a template version keeps of the DSPy program it was made from (an accepted run's best
// program, or a program imported with import-dspy), read from records the store already holds
// rather than a column of its own: the run → version `produced` edge and the run's config
// (`module`), or the `dspy_program` → version `imported_as` edge, whose node id names the module
// ("ChainOfThought:<content hash>"). A version copied from such a version (POST .../version)
// keeps the program's module; so the export of either is the module that was accepted or
// imported, not a Predict of the template (review s18 P1-1), with the program's demos, none
// when it has none (P1-2), and its instructions as they are (P2-2).
#pragma once

#include <optional>
#include <string>

#include "common/status.h"
#include "service/templates/dspy/export_options.h"
#include "service/templates/dspy/signature.h"
#include "storage/store.h"

namespace exemplar::service {

// The lineage node of an imported program (dspy_import.cc) and the id it gets for a module.
inline constexpr const char* kProgramNode = "dspy_program";
inline constexpr const char* kImportedAs = "imported_as";
std::string ProgramNodeId(dspy::ModuleKind module, const std::string& content_hash);

struct ProgramOrigin {
  // The module of the nearest version up the line (the version itself first) that a run or an
  // import made; nullopt for a plain template's line, and for programs imported before the module
  // was recorded.
  std::optional<dspy::ModuleKind> module;
  // Whether a version of the line came from a program: an empty demo set is then the program's
  // own (a zero-shot candidate won, or the imported program had none), not a template without
  // examples.
  bool from_program = false;
  // The prompt_template is a program's instructions, shown literally by DSPy: exported and
  // optimized as stored (inspect.cleandoc only), without rendering {field} as `field` (P2-2). True
  // for a version whose prompt a run or an import set, and for versions that kept such a prompt.
  bool literal_instructions = false;
};

// The program node `t`'s own origin is carried as when its template leaves the store (`exemplar
// export --templates`, restored by Templates::Restore as an `imported_as` edge): an imported
// program's node as it is; for a run's result, a node naming the run's module and id
// ("ChainOfThought:run-<run id>"), since the run itself stays behind. nullopt for a version no run
// or import made (a version copied from one inherits its origin through its parent).
Result<std::optional<std::string>> OwnProgramNode(storage::Store& store, const Template& t);

// Whether `node` is a program node as this store writes one: "<Module>:<content hash>" (a module
// DSPy has, 64 hex digits), "<Module>:run-<run id>", or a legacy node (the content hash alone).
bool IsProgramNodeId(const std::string& node);

// Walks `t`'s line upwards (at most 64 versions).
Result<ProgramOrigin> FindProgramOrigin(storage::Store& store, const Template& t);

// The signature as exports, imports and runs use it: BuildSignature with the version's
// instructions literal when they are a program's.
Result<dspy::SignatureSpec> VersionSignature(storage::Store& store, const Template& t,
                                             const std::vector<Example>& examples = {});

}  // namespace exemplar::service
