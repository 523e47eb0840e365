// How DSPy's adapters spell values and types (dspy/adapters/utils.py), for the fields of a
// dspy::SignatureSpec whose python_type is one of str | int | float | bool | list | dict.
#pragma once

#include <string>

#include "common/json_util.h"
#include "common/status.h"
#include "service/templates/dspy/signature.h"

namespace exemplar::lm {

// Python's str(v) of the JSON value: strings as is, True/False/None, ints, float repr.
// Objects and arrays as PyJsonDumps.
std::string PyStr(const Json& value);

// Python's json.dumps(v, ensure_ascii=False): ", " and ": " separators, non-ASCII kept.
// Object keys come out in nlohmann's (sorted) order, not the original insertion order.
std::string PyJsonDumps(const Json& value);

// format_field_value: a list in a `str` field becomes "«item»" (one), "[1] «a»\n[2] «b»" (many)
// or "N/A" (none); objects and arrays become PyJsonDumps; everything else PyStr.
std::string FormatFieldValue(const dspy::SignatureField& field, const Json& value);

// get_annotation_name: the field's Python type name ("str", "int", "list", ...).
std::string AnnotationName(const dspy::SignatureField& field);

// translate_field_type for an output field: "{name}" plus, for non-str types, 8 spaces and
// "# note: the value you produce must be ..." (True or False / a single int value / a single
// float value / adhere to the JSON schema: {...}). Input fields and str outputs: "{name}".
std::string TranslateFieldType(const dspy::SignatureField& field, bool is_output);

// parse_value: the text of an output section as the field's type. str: the text as is.
// int/float/bool/list/dict: JSON (with light repair of Python literals: True/False/None and
// single-quoted strings), then a lax check like pydantic's ("5" and 5.0 are ints, "yes" is a
// bool). Errors: kInvalidArgument naming the field and the expected type.
Result<Json> ParseFieldValue(const dspy::SignatureField& field, const std::string& text);

// The same check for a value that is already JSON (JSONAdapter replies): strings are parsed as
// above, str fields take PyStr of non-string values.
Result<Json> CoerceFieldValue(const dspy::SignatureField& field, const Json& value);

}  // namespace exemplar::lm
