// A Template mapped to a DSPy signature (SPEC §4.4, reference/dspy.md §1): class name, fields
// with Python types, DSPy descriptions and prefixes, instructions, and validation findings.
//
// Field-name policy (ValidateFieldName, also used by the template API for its 422s):
//  - ASCII identifiers only ([A-Za-z][A-Za-z0-9_]*), at most kMaxFieldNameLength characters;
//  - no leading underscore (pydantic makes such attributes private, DSPy then rejects them);
//  - no hard Python keyword (keyword.kwlist). The soft keywords `match`, `case` and `type` are
//    allowed: they are valid attribute, field and keyword-argument names (`_` is rejected by
//    the underscore rule);
//  - not a DSPy-reserved name (instructions, signature, fields, input_fields, output_fields,
//    model_config, model_dump, model_validate) nor another existing pydantic BaseModel `model_*`
//    member (pydantic raises NameError for those);
//  - not a keyword DSPy's calls take for themselves, so the value would never reach the prompt:
//    `self`, `instance` (Module.__call__ and its with_callbacks wrapper), `demos`, `config`, `lm`,
//    `new_signature` (dspy.Predict's privileged inputs).
//    `prediction` (popped only for an OpenAI predicted-output value) is a warning;
//  - not `dspy`, `str`, `int`, `float`, `bool`, `list`, `dict`: the generated class body refers
//    to these names, and a field of that name would shadow them for the fields after it.
// Names that only trigger pydantic or dspy.Example warnings (json, schema, copy, items, other
// `model_*` names, ...) are accepted and reported as warning findings.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/json_util.h"
#include "service/templates/dspy/finding.h"
#include "storage/records.h"

namespace exemplar::dspy {

inline constexpr size_t kMaxFieldNameLength = 100;

struct SignatureField {
  std::string name;
  std::string schema_type;  // the template's type ("string", "integer", ...)
  std::string python_type;  // str | int | float | bool | list | dict; "str" when unknown
  std::string description;  // the template's description ("" = none)
  std::string desc;         // what DSPy stores: description, or "${name}" when empty
  std::string prefix;       // DSPy's default prefix: InferPrefix(name) + ":"
  bool required = true;
  // Set when the field cannot be emitted (its first error finding). Such fields are rendered as
  // comments so that RenderSignaturePython still produces code that compiles.
  std::optional<std::string> error;
};

struct SignatureSpec {
  std::string template_id;
  std::string template_name;
  std::string template_version;
  std::string class_name;
  // What DSPy will hold as `instructions`: inspect.cleandoc(prompt_template) (its fixed point, see
  // StableCleanDoc); for an empty prompt DSPy's default "Given the fields `a`, `b`, produce the
  // fields `c`.", except a program's (literal_instructions) empty ones: DSPy loads those as "".
  std::string instructions;
  bool default_instructions = false;
  std::vector<SignatureField> inputs;
  std::vector<SignatureField> outputs;
  std::vector<Finding> findings;

  bool HasErrors() const { return dspy::HasErrors(findings); }
  // DSPy's `Signature.signature` string: "in1, in2 -> out1".
  std::string SignatureString() const;
  // The same with each field's Python type, as dspy.Signature("...") parses it back into the
  // same field types: "in1: str, in2: float -> out1: list". The untyped form makes every field str.
  std::string TypedSignatureString() const;
};

// Maps `t` to a signature and validates it. When `examples` is not empty their payloads are
// checked against the fields too (warnings, see CheckExamples in example_data.h).
// literal_instructions: prompt_template holds a DSPy program's instructions (an accepted run's, an
// imported program's; service/templates/program_origin.h), kept as they are (inspect.cleandoc
// only) instead of rendering `{field}` placeholders as `field`.
SignatureSpec BuildSignature(const Template& t, const std::vector<Example>& examples = {},
                             bool literal_instructions = false);

// The prompt_template of a version whose DSPy instructions are `instructions` (an accepted run's,
// an imported program's): the parent's own prompt when they are the parent's as DSPy holds them
// (`parent_instructions`: the parent's signature's, inspect.cleandoc'ed and, unless literal,
// `{field}` placeholders shown as `field`), so unchanged instructions keep the parent's
// placeholders; else the instructions as written.
std::optional<std::string> PromptFromInstructions(const Template& parent, const std::string& parent_instructions,
                                                  std::string instructions);

// nullopt when `name` is acceptable as a template field name, else a human message.
std::optional<std::string> ValidateFieldName(std::string_view name);

// The Python type for a template schema type, or nullopt for an unknown type.
std::optional<std::string> PythonTypeFor(std::string_view schema_type);

// DSPy's _default_instructions for the given field names.
std::string DefaultInstructions(const std::vector<std::string>& inputs,
                                const std::vector<std::string>& outputs);

// {"class_name", "signature", "instructions", "default_instructions", "input_fields": [...],
//  "output_fields": [{"name","type","schema_type","description","desc","prefix","required"}],
//  "template": {"id","name","version"}, "valid", "findings": [...]}
Json RenderSignatureJson(const SignatureSpec& spec);

// A self-contained Python snippet: `import dspy` and the signature class. Fields with errors
// become comments, so the snippet always compiles.
std::string RenderSignaturePython(const SignatureSpec& spec);

// Just the `class X(dspy.Signature): ...` block (used inside generated modules).
std::string RenderSignatureClass(const SignatureSpec& spec);

}  // namespace exemplar::dspy
