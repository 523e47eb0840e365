// DSPy's ChatAdapter (reference/dspy.md §7) for a dspy::SignatureSpec: the messages DSPy 3.3
// sends for a Predict with demos, and the parsing of `[[ ## field ## ]]` replies. Rendering is
// byte-for-byte DSPy's for the types a template can declare (str, int, float, bool, list, dict),
// so a program optimized here prompts the same way after export.
//
// The signature's `instructions` are the objective; callers that optimize instructions pass a
// copy of the spec with other instructions (DSPy's `with_instructions`).
#pragma once

#include <string>
#include <vector>

#include "common/json_util.h"
#include "lm/lm.h"
#include "service/templates/dspy/signature.h"

namespace exemplar::lm {

// Demo text before an incomplete demo's fields, and the text of its missing outputs.
inline constexpr const char* kIncompleteDemoPrefix =
    "This is an example of the task, though some input or output fields are not supplied.";
inline constexpr const char* kMissingFieldMessage = "Not supplied for this particular example. ";

// The signature of dspy.ChainOfThought(spec): an output `reasoning` (str, desc "${reasoning}",
// prefix "Reasoning:") before the other outputs.
dspy::SignatureSpec WithReasoning(const dspy::SignatureSpec& spec);

// field description + "\n" + field structure + "\n" + task description.
std::string FormatSystemMessage(const dspy::SignatureSpec& spec);

// `prefix`, then "[[ ## name ## ]]\nvalue" for each input field present in `values` (signature
// order), joined by blank lines and stripped. `main_request` appends the "Respond with the
// corresponding output fields, ..." instruction.
std::string FormatUserMessage(const dspy::SignatureSpec& spec, const Json& values,
                              const std::string& prefix, bool main_request);

// "[[ ## name ## ]]\nvalue" for every output field (`missing` when absent), then
// "\n\n[[ ## completed ## ]]\n".
std::string FormatAssistantMessage(const dspy::SignatureSpec& spec, const Json& values,
                                   const std::string& missing);

// User/assistant pairs for demos (JSON objects of field name -> value; other keys ignored).
// Complete demos (every field present and not null) come after incomplete ones (>= 1 input and
// >= 1 output present); demos with neither are dropped.
std::vector<ChatMessage> FormatDemos(const dspy::SignatureSpec& spec, const std::vector<Json>& demos);

// [system, demo pairs..., user(inputs)].
std::vector<ChatMessage> FormatChat(const dspy::SignatureSpec& spec, const std::vector<Json>& demos,
                                    const Json& inputs);

// The outputs of a reply as a JSON object {output name: typed value}.
// ChatAdapter parsing first: lines whose stripped text starts with "[[ ## name ## ]]" open a
// section, the first section of each output field wins, values are stripped and typed with
// ParseFieldValue. When that fails (a missing output or a bad value), a JSON object in the reply
// carrying every output key is accepted instead (JSONAdapter's parse; the LM is not called
// again). Errors: kInvalidArgument "AdapterParseError: ..." naming the missing fields.
Result<Json> ParseChatReply(const dspy::SignatureSpec& spec, const std::string& completion);

// The sections of a ChatAdapter-formatted text: (name, stripped text) in order; text before the
// first marker has an empty name. Used by the parser and by OfflineLm.
std::vector<std::pair<std::string, std::string>> SplitSections(const std::string& text);

}  // namespace exemplar::lm
