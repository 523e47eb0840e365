#include "lm/chat_adapter.h"

#include <optional>

#include "lm/value_format.h"
#include "service/templates/dspy/text.h"

namespace exemplar::lm {
namespace {

std::string Join(const std::vector<std::string>& parts, const std::string& sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += sep;
    out += parts[i];
  }
  return out;
}

// Python's str.splitlines() for the separators instructions realistically contain.
std::vector<std::string> SplitLines(const std::string& s) {
  std::vector<std::string> lines;
  std::string cur;
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    bool brk = c == '\n' || c == '\r' || c == '\v' || c == '\f' || (c >= 0x1c && c <= 0x1e);
    size_t skip = 0;
    if (c == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x85) {
      brk = true;
      skip = 1;  // U+0085
    } else if (c == 0xE2 && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
               (static_cast<unsigned char>(s[i + 2]) == 0xA8 ||
                static_cast<unsigned char>(s[i + 2]) == 0xA9)) {
      brk = true;
      skip = 2;  // U+2028, U+2029
    }
    if (!brk) {
      cur += s[i];
      continue;
    }
    if (c == '\r' && i + 1 < s.size() && s[i + 1] == '\n') skip = 1;
    i += skip;
    lines.push_back(std::move(cur));
    cur.clear();
  }
  if (!cur.empty()) lines.push_back(std::move(cur));
  return lines;
}

// textwrap.dedent: removes the longest common run of leading spaces/tabs of the non-blank
// lines; whitespace-only lines become empty.
std::string Dedent(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (true) {
    size_t nl = text.find('\n', start);
    lines.push_back(text.substr(start, nl == std::string::npos ? std::string::npos : nl - start));
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  std::optional<std::string> margin;
  for (std::string& line : lines) {
    size_t indent = line.find_first_not_of(" \t");
    if (indent == std::string::npos) {
      line.clear();
      continue;
    }
    std::string lead = line.substr(0, indent);
    if (!margin) {
      margin = lead;
    } else {
      size_t k = 0;
      while (k < margin->size() && k < lead.size() && (*margin)[k] == lead[k]) ++k;
      margin->resize(k);
    }
  }
  std::string out;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (i > 0) out += "\n";
    const std::string& line = lines[i];
    out += (margin && line.size() >= margin->size()) ? line.substr(margin->size()) : line;
  }
  return out;
}

std::string FieldDescriptions(const std::vector<dspy::SignatureField>& fields) {
  std::vector<std::string> lines;
  for (size_t i = 0; i < fields.size(); ++i) {
    const dspy::SignatureField& f = fields[i];
    std::string desc = f.desc == "${" + f.name + "}" ? "" : f.desc;
    lines.push_back(std::to_string(i + 1) + ". `" + f.name + "` (" + AnnotationName(f) + "): " + desc);
  }
  return dspy::PyStrip(Join(lines, "\n"));
}

std::string FieldStructureBlock(const std::vector<dspy::SignatureField>& fields, bool is_output) {
  std::vector<std::string> parts;
  for (const dspy::SignatureField& f : fields) {
    parts.push_back("[[ ## " + f.name + " ## ]]\n" + TranslateFieldType(f, is_output));
  }
  return dspy::PyStrip(Join(parts, "\n\n"));
}

bool Present(const Json& values, const std::string& name) {
  return values.is_object() && values.contains(name);
}

}  // namespace

dspy::SignatureSpec WithReasoning(const dspy::SignatureSpec& spec) {
  dspy::SignatureSpec out = spec;
  dspy::SignatureField reasoning;
  reasoning.name = "reasoning";
  reasoning.schema_type = "string";
  reasoning.python_type = "str";
  reasoning.desc = "${reasoning}";
  reasoning.prefix = "Reasoning:";
  out.outputs.insert(out.outputs.begin(), std::move(reasoning));
  return out;
}

std::string FormatSystemMessage(const dspy::SignatureSpec& spec) {
  std::string description = "Your input fields are:\n" + FieldDescriptions(spec.inputs) +
                            "\nYour output fields are:\n" + FieldDescriptions(spec.outputs);
  std::string structure = dspy::PyStrip(Join(
      {"All interactions will be structured in the following way, with the appropriate values "
       "filled in.",
       FieldStructureBlock(spec.inputs, false), FieldStructureBlock(spec.outputs, true),
       "[[ ## completed ## ]]\n"},
      "\n\n"));
  std::string task = "In adhering to this structure, your objective is: ";
  for (const std::string& line : SplitLines(Dedent(spec.instructions))) {
    task += "\n        " + line;
  }
  return description + "\n" + structure + "\n" + task;
}

std::string FormatUserMessage(const dspy::SignatureSpec& spec, const Json& values,
                              const std::string& prefix, bool main_request) {
  std::vector<std::string> parts = {prefix};
  for (const dspy::SignatureField& f : spec.inputs) {
    if (Present(values, f.name)) {
      parts.push_back("[[ ## " + f.name + " ## ]]\n" + FormatFieldValue(f, values[f.name]));
    }
  }
  if (main_request) {
    std::vector<std::string> fields;
    for (const dspy::SignatureField& f : spec.outputs) {
      std::string type = AnnotationName(f);
      fields.push_back("`[[ ## " + f.name + " ## ]]`" +
                       (type == "str" ? "" : " (must be formatted as a valid Python " + type + ")"));
    }
    parts.push_back("Respond with the corresponding output fields, starting with the field " +
                    Join(fields, ", then ") +
                    ", and then ending with the marker for `[[ ## completed ## ]]`.");
  }
  parts.push_back("");
  return dspy::PyStrip(Join(parts, "\n\n"));
}

std::string FormatAssistantMessage(const dspy::SignatureSpec& spec, const Json& values,
                                   const std::string& missing) {
  std::vector<std::string> parts;
  for (const dspy::SignatureField& f : spec.outputs) {
    Json value = Present(values, f.name) ? values[f.name] : Json(missing);
    parts.push_back("[[ ## " + f.name + " ## ]]\n" + FormatFieldValue(f, value));
  }
  return dspy::PyStrip(Join(parts, "\n\n")) + "\n\n[[ ## completed ## ]]\n";
}

std::vector<ChatMessage> FormatDemos(const dspy::SignatureSpec& spec, const std::vector<Json>& demos) {
  std::vector<const Json*> complete, incomplete;
  for (const Json& demo : demos) {
    bool all = true, any_in = false, any_out = false;
    for (const auto* fields : {&spec.inputs, &spec.outputs}) {
      for (const dspy::SignatureField& f : *fields) {
        bool has = Present(demo, f.name);
        if (!has || demo[f.name].is_null()) all = false;
        if (has && fields == &spec.inputs) any_in = true;
        if (has && fields == &spec.outputs) any_out = true;
      }
    }
    if (all) {
      complete.push_back(&demo);
    } else if (any_in && any_out) {
      incomplete.push_back(&demo);
    }
  }
  std::vector<ChatMessage> messages;
  for (const Json* demo : incomplete) {
    messages.push_back({"user", FormatUserMessage(spec, *demo, kIncompleteDemoPrefix, false)});
    messages.push_back({"assistant", FormatAssistantMessage(spec, *demo, kMissingFieldMessage)});
  }
  for (const Json* demo : complete) {
    messages.push_back({"user", FormatUserMessage(spec, *demo, "", false)});
    messages.push_back({"assistant", FormatAssistantMessage(spec, *demo, kMissingFieldMessage)});
  }
  return messages;
}

std::vector<ChatMessage> FormatChat(const dspy::SignatureSpec& spec, const std::vector<Json>& demos,
                                    const Json& inputs) {
  std::vector<ChatMessage> messages = {{"system", FormatSystemMessage(spec)}};
  for (ChatMessage& m : FormatDemos(spec, demos)) messages.push_back(std::move(m));
  messages.push_back({"user", FormatUserMessage(spec, inputs, "", true)});
  return messages;
}

}  // namespace exemplar::lm
