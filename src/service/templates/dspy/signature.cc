#include "service/templates/dspy/signature.h"

#include <cctype>
#include <set>
#include <utility>

#include "service/templates/dspy/example_data.h"
#include "service/templates/dspy/naming.h"
#include "service/templates/dspy/python.h"
#include "service/templates/dspy/text.h"

namespace exemplar::dspy {
namespace {

bool IsIdentStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool IsIdent(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// prompt_template may name fields as {field} (format-string style); DSPy shows instructions
// literally, so they become `field` in backticks, as DSPy's default instructions name fields.
// ${field} (DSPy's own description placeholder) and {{...}} are left alone.
std::string ResolvePlaceholders(const std::string& text, const SignatureSpec& spec, std::vector<Finding>* findings) {
  std::string out;
  std::vector<std::string> unknown;
  bool resolved = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const bool brace = text[i] == '{' && (i == 0 || (text[i - 1] != '$' && text[i - 1] != '{')) &&
                       i + 1 < text.size() && IsIdentStart(text[i + 1]);
    if (brace) {
      size_t j = i + 1;
      while (j < text.size() && IsIdent(text[j])) ++j;
      if (j < text.size() && text[j] == '}' && (j + 1 >= text.size() || text[j + 1] != '}')) {
        const std::string name = text.substr(i + 1, j - i - 1);
        bool known = false;
        for (const auto* fields : {&spec.inputs, &spec.outputs}) {
          for (const SignatureField& f : *fields) known = known || f.name == name;
        }
        if (!known) unknown.push_back(name);
        out += "`" + name + "`";
        resolved = true;
        i = j;
        continue;
      }
    }
    out += text[i];
  }
  if (resolved) {
    std::string names;
    for (const auto& n : unknown) names += (names.empty() ? "" : ", ") + n;
    findings->push_back(Warning("placeholders_rendered", std::nullopt,
                                "{field} placeholders in prompt_template are exported as `field` (DSPy shows "
                                "instructions literally)" +
                                    (names.empty() ? std::string() : "; not fields of the template: " + names)));
  }
  return out;
}

struct NameIssue {
  Severity severity;
  std::string code;
  std::string message;
};

bool In(std::string_view name, std::initializer_list<std::string_view> list) {
  for (std::string_view s : list) {
    if (s == name) return true;
  }
  return false;
}

std::string Quoted(std::string_view name) { return "`" + std::string(name) + "`"; }

// Every problem with `name` as a signature field name, errors first.
std::vector<NameIssue> ClassifyFieldName(std::string_view name) {
  std::vector<NameIssue> issues;
  auto error = [&](std::string code, std::string msg) {
    issues.push_back({Severity::kError, std::move(code), std::move(msg)});
  };
  if (name.empty()) {
    error("invalid_identifier", "field name must not be empty");
    return issues;
  }
  if (name.size() > kMaxFieldNameLength) {
    error("invalid_identifier",
          "field name is longer than " + std::to_string(kMaxFieldNameLength) + " characters");
    return issues;
  }
  std::string shown = PyCommentText(name);
  if (name[0] == '_') {
    error("leading_underscore", "field name " + shown +
                                    " starts with an underscore; pydantic treats it as private "
                                    "and DSPy rejects it");
    return issues;
  }
  if (!IsAsciiIdentifier(name)) {
    error("invalid_identifier", "field name " + shown +
                                    " is not a valid Python identifier (ASCII letters, digits and "
                                    "underscores, not starting with a digit)");
    return issues;
  }
  if (IsPythonKeyword(name)) {
    error("python_keyword", "field name " + Quoted(name) + " is a Python keyword");
    return issues;
  }
  if (In(name, {"instructions", "signature", "fields", "input_fields", "output_fields",
                "model_config", "model_dump", "model_validate"})) {
    error("reserved_name", "field name " + Quoted(name) + " is reserved by dspy.Signature");
    return issues;
  }
  if (In(name, {"model_computed_fields", "model_construct", "model_copy", "model_dump_json",
                "model_extra", "model_fields", "model_fields_set", "model_json_schema",
                "model_parametrized_name", "model_post_init", "model_rebuild",
                "model_validate_json", "model_validate_strings"})) {
    error("reserved_name", "field name " + Quoted(name) +
                               " would shadow a pydantic BaseModel member that dspy.Signature uses");
    return issues;
  }
  // The program is called with the fields as keyword arguments (program(field=value)): a name
  // that call takes for itself never reaches the prompt (DSPy 3.3 predict.py _forward_preprocess,
  // module.py __call__, utils/callback.py with_callbacks). (`base`, dspy.Example's parameter, is
  // fine: examples holding it are written as dspy.Example({...}), see python_module.cc.)
  if (In(name, {"self", "instance"})) {
    error("reserved_argument", "field name " + Quoted(name) +
                                   " is a parameter of DSPy's module call (Module.__call__(self, ...) wrapped "
                                   "by with_callbacks(instance, ...)): calling the program with it raises TypeError");
    return issues;
  }
  if (In(name, {"demos", "config", "lm", "new_signature"})) {
    error("reserved_argument", "field name " + Quoted(name) +
                                   " is a keyword dspy.Predict takes out of its inputs (signature, demos, "
                                   "config, lm; new_signature is refused): the value would never reach the prompt");
    return issues;
  }
  if (In(name, {"dspy", "str", "int", "float", "bool", "list", "dict"})) {
    error("shadows_generated_name",
          "field name " + Quoted(name) +
              " would shadow a name the generated signature class refers to (dspy or a type)");
    return issues;
  }
  if (In(name, {"copy", "json", "schema", "schema_json", "construct", "validate", "parse_obj",
                "parse_raw", "parse_file", "from_orm", "update_forward_refs"})) {
    issues.push_back({Severity::kWarning, "pydantic_shadow",
                      "field name " + Quoted(name) +
                          " shadows a pydantic BaseModel method (pydantic warns; it works)"});
  } else if (name.substr(0, 6) == "model_") {
    issues.push_back({Severity::kWarning, "protected_namespace",
                      "field name " + Quoted(name) +
                          " is in pydantic's protected `model_` namespace (pydantic < 2.10 warns)"});
  } else if (name == "prediction") {
    // Popped only when its value is {"type": "content", "content": ...} (OpenAI predicted outputs).
    issues.push_back({Severity::kWarning, "predict_prediction",
                      "field name `prediction`: dspy.Predict takes a value of the form {\"type\": \"content\", "
                      "\"content\": ...} out of its inputs as an OpenAI predicted output"});
  } else if (In(name, {"inputs", "labels", "without", "keys", "values", "items", "get", "toDict",
                       "with_inputs", "completions"})) {
    issues.push_back({Severity::kWarning, "example_attribute_shadow",
                      "field name " + Quoted(name) +
                          " is also a dspy.Example method: read it as example[" +
                          PyStringLiteral(name) + "], not as an attribute"});
  }
  return issues;
}

}  // namespace

std::optional<std::string> ValidateFieldName(std::string_view name) {
  for (const NameIssue& issue : ClassifyFieldName(name)) {
    if (issue.severity == Severity::kError) return issue.message;
  }
  return std::nullopt;
}

std::optional<std::string> PythonTypeFor(std::string_view t) {
  if (t == "string") return "str";
  if (t == "integer") return "int";
  if (t == "number") return "float";
  if (t == "boolean") return "bool";
  if (t == "array") return "list";
  if (t == "object") return "dict";
  return std::nullopt;
}

std::string DefaultInstructions(const std::vector<std::string>& inputs,
                                const std::vector<std::string>& outputs) {
  auto join = [](const std::vector<std::string>& names) {
    std::string out;
    for (size_t i = 0; i < names.size(); ++i) {
      if (i > 0) out += ", ";
      out += "`" + names[i] + "`";
    }
    return out;
  };
  return "Given the fields " + join(inputs) + ", produce the fields " + join(outputs) + ".";
}

namespace {

// "a, b" or, typed, "a: str, b: float". python_type is always one of the builtins str, int,
// float, bool, list, dict, which DSPy's string parser resolves (_parse_type_node's builtin_types).
std::string JoinFields(const std::vector<SignatureField>& fields, bool typed) {
  std::string out;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out += ", ";
    out += fields[i].name;
    if (typed) out += ": " + fields[i].python_type;
  }
  return out;
}

}  // namespace

std::string SignatureSpec::SignatureString() const {
  return JoinFields(inputs, false) + " -> " + JoinFields(outputs, false);
}

std::string SignatureSpec::TypedSignatureString() const {
  return JoinFields(inputs, true) + " -> " + JoinFields(outputs, true);
}

std::optional<std::string> PromptFromInstructions(const Template& parent, const std::string& parent_instructions,
                                                  std::string instructions) {
  if (instructions == parent_instructions) return parent.prompt_template;
  return instructions;
}

SignatureSpec BuildSignature(const Template& t, const std::vector<Example>& examples, bool literal_instructions) {
  SignatureSpec spec;
  spec.template_id = t.id;
  spec.template_name = t.name;
  spec.template_version = t.version;
  spec.class_name = ClassNameFromTemplateName(t.name);

  std::set<std::string> input_names, output_names;
  auto add_fields = [&](const std::vector<SchemaField>& schema, bool is_input) {
    std::vector<SignatureField>& dest = is_input ? spec.inputs : spec.outputs;
    std::set<std::string>& own = is_input ? input_names : output_names;
    for (const SchemaField& sf : schema) {
      SignatureField f;
      f.name = sf.name;
      f.schema_type = sf.type;
      f.description = sf.description;
      f.desc = sf.description.empty() ? "${" + sf.name + "}" : sf.description;
      f.prefix = InferPrefix(sf.name) + ":";
      f.required = sf.required;
      auto record = [&](Finding finding) {
        if (finding.severity == Severity::kError && !f.error) f.error = finding.message;
        spec.findings.push_back(std::move(finding));
      };
      for (NameIssue& issue : ClassifyFieldName(sf.name)) {
        record(Finding{issue.severity, issue.code, sf.name, issue.message});
      }
      std::string shown = PyCommentText(sf.name);
      if (own.count(sf.name)) {
        record(Error("duplicate_field", sf.name,
                     std::string(is_input ? "input" : "output") + " field " + shown +
                         " is declared more than once"));
      } else if (!is_input && input_names.count(sf.name)) {
        record(Error("duplicate_field", sf.name,
                     "field " + shown + " is both an input and an output; DSPy requires "
                                        "distinct names"));
      }
      own.insert(sf.name);
      if (auto py = PythonTypeFor(sf.type)) {
        f.python_type = *py;
      } else {
        f.python_type = "str";
        record(Error("unknown_type", sf.name,
                     "field " + shown + " has unknown type " + PyCommentText(sf.type) +
                         " (expected string, integer, number, boolean, array or object)"));
      }
      dest.push_back(std::move(f));
    }
  };
  add_fields(t.input_schema, true);
  add_fields(t.output_schema, false);
  if (spec.inputs.empty()) {
    spec.findings.push_back(Error("no_input_field", std::nullopt,
                                  "the template has no input field; a DSPy signature needs one"));
  }
  if (spec.outputs.empty()) {
    spec.findings.push_back(Error("no_output_field", std::nullopt,
                                  "the template has no output field; a DSPy signature needs one"));
  }

  // A program's instructions are shown as DSPy holds them: `{x}` in them is text, not a field.
  std::string raw = literal_instructions ? t.prompt_template.value_or("")
                                         : ResolvePlaceholders(t.prompt_template.value_or(""), spec, &spec.findings);
  if (literal_instructions && t.prompt_template && PyStrip(raw).empty()) {
    // A program's empty instructions: DSPy's load() keeps them empty (Signature.load_state sets
    // them as saved); only a signature built without instructions gets DSPy's default ones.
    spec.instructions = "";
  } else if (PyStrip(raw).empty()) {
    std::vector<std::string> in, out;
    for (const SignatureField& f : spec.inputs) in.push_back(f.name);
    for (const SignatureField& f : spec.outputs) out.push_back(f.name);
    spec.instructions = DefaultInstructions(in, out);
    spec.default_instructions = true;
  } else {
    spec.instructions = StableCleanDoc(raw);
    if (PyStrip(spec.instructions) != PyStrip(raw)) {
      spec.findings.push_back(Warning(
          "instructions_normalized", std::nullopt,
          "DSPy applies inspect.cleandoc to the instructions (tabs expanded, common indentation "
          "removed); the exported instructions differ from prompt_template accordingly"));
    }
  }
  if (t.system_prompt && !PyStrip(*t.system_prompt).empty()) {
    spec.findings.push_back(Warning(
        "system_prompt_not_exported", std::nullopt,
        "DSPy signatures have no system prompt; system_prompt is not exported (put what matters "
        "into prompt_template, which becomes the instructions)"));
  }
  if (!examples.empty()) {
    for (Finding& f : CheckExamples(spec, examples)) spec.findings.push_back(std::move(f));
  }
  return spec;
}

Json RenderSignatureJson(const SignatureSpec& spec) {
  auto fields = [](const std::vector<SignatureField>& list) {
    Json out = Json::array();
    for (const SignatureField& f : list) {
      out.push_back({{"name", f.name},
                     {"type", f.python_type},
                     {"schema_type", f.schema_type},
                     {"description", f.description},
                     {"desc", f.desc},
                     {"prefix", f.prefix},
                     {"required", f.required}});
    }
    return out;
  };
  return Json{{"class_name", spec.class_name},
              // Typed, so that dspy.Signature(<this>) gets the fields' types back.
              {"signature", spec.TypedSignatureString()},
              {"instructions", spec.instructions},
              {"default_instructions", spec.default_instructions},
              {"input_fields", fields(spec.inputs)},
              {"output_fields", fields(spec.outputs)},
              {"template",
               {{"id", spec.template_id}, {"name", spec.template_name}, {"version", spec.template_version}}},
              {"valid", !spec.HasErrors()},
              {"findings", FindingsToJson(spec.findings)}};
}

std::string RenderSignatureClass(const SignatureSpec& spec) {
  std::string out = "class " + spec.class_name + "(dspy.Signature):\n";
  out += PyDocstring(spec.instructions, "    ");
  out += "\n";
  auto emit = [&](const std::vector<SignatureField>& fields, const char* kind) {
    for (const SignatureField& f : fields) {
      if (f.error) {
        out += "    # field " + PyStringLiteral(f.name) + " omitted: " + PyCommentText(*f.error) + "\n";
        continue;
      }
      out += "    " + f.name + ": " + f.python_type + " = dspy." + kind + "(";
      if (!f.description.empty()) out += "desc=" + PyStringLiteral(f.description);
      out += ")\n";
    }
  };
  emit(spec.inputs, "InputField");
  emit(spec.outputs, "OutputField");
  return out;
}

std::string RenderSignaturePython(const SignatureSpec& spec) {
  std::string out = "import dspy\n\n\n";
  if (spec.HasErrors()) {
    out += "# This signature has validation errors; fields that cannot be emitted are comments.\n";
  }
  return out + RenderSignatureClass(spec);
}

}  // namespace exemplar::dspy
