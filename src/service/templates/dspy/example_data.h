// Example payloads (input_json / expected_output_json) mapped onto a signature's field names.
// Input fields are read from the example's input, output fields from its expected output;
// keys the signature lacks are dropped and missing fields are omitted (both reported by
// CheckExamples as warnings).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/json_util.h"
#include "service/templates/dspy/finding.h"
#include "service/templates/dspy/signature.h"
#include "storage/records.h"

namespace exemplar::dspy {

// Insertion-ordered JSON, for files whose key order is part of their readability or fidelity.
using OrderedJson = nlohmann::ordered_json;

struct ExampleRow {
  std::string example_id;
  std::vector<std::pair<std::string, Json>> inputs;   // present input fields, signature order
  std::vector<std::pair<std::string, Json>> outputs;  // present output fields, signature order
  // A bootstrapped demo: its outputs are an LM's, marked as DSPy marks them
  // (Example(augmented=True, ...) → {"augmented": true, <fields>}).
  bool augmented = false;
};

// `extra_outputs` are output names a module adds to the signature (ChainOfThought: "reasoning"):
// they are taken from the expected output when present and placed before the other outputs.
std::vector<ExampleRow> BuildRows(const SignatureSpec& spec, const std::vector<Example>& examples,
                                  const std::vector<std::string>& extra_outputs = {});

// Aggregated warnings (each with a count and the first example id): one per signature field some
// examples lack, one per unknown key, one per payload (input / expected_output) that some
// examples have as something other than a JSON object.
std::vector<Finding> CheckExamples(const SignatureSpec& spec, const std::vector<Example>& examples,
                                   const std::vector<std::string>& extra_outputs = {});

// {field: value, ...}: inputs then outputs, signature order.
// The row as a JSON object of its fields; `with_marker` puts DSPy's "augmented": true first for
// bootstrapped demos (program state), datasets leave it out.
OrderedJson RowToJson(const ExampleRow& row, bool with_marker = false);

// The same value with object keys in nlohmann's (sorted) order, as an ordered_json.
OrderedJson ToOrdered(const Json& value);

}  // namespace exemplar::dspy
