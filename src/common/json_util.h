// JSON helpers used at the API boundary: parsing without exceptions, limit checks of SPEC §3,
// and a typed reader that turns wrong types into 422 field errors.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

namespace exemplar {

using Json = nlohmann::json;

// Limits of SPEC §3.
struct JsonLimits {
  size_t max_string_bytes = 64 * 1024;
  int max_depth = 32;
  size_t max_array_items = 1000;
};

// Parses `text`; 400 (kMalformed) when it is not JSON, 422 when it breaks a limit (depth, the
// length of a string or of an object key, a NUL) or is not valid UTF-8. List lengths are not
// checked here: a body's own lists have their own caps (ids of a snapshot, a query vector), and
// content is checked with CheckJsonLimits.
Result<Json> ParseJsonBody(const std::string& text, const JsonLimits& limits = {});

// Checks every limit of an already parsed value (content such as an example's input): nesting
// depth, string and key lengths, NUL, and the length of every list in it, however nested. The
// error's loc is `loc` followed by the path to the offending value.
Status CheckJsonLimits(const Json& value, const JsonLimits& limits, std::vector<std::string> loc);

// Serialises without throwing on invalid UTF-8 (replaces bad bytes).
std::string DumpJson(const Json& value, int indent = -1);

// Reads typed fields from a JSON object, collecting FieldErrors (loc = {"body", key}).
// Absent keys yield nullopt; explicit null yields nullopt and sets WasNull(key).
class JsonReader {
 public:
  JsonReader(const Json& obj, Validation& v, std::vector<std::string> base = {"body"})
      : obj_(obj), v_(v), base_(std::move(base)) {}

  bool Has(const std::string& key) const;
  bool IsNull(const std::string& key) const;

  std::optional<std::string> String(const std::string& key, size_t max_len = 64 * 1024);
  std::optional<int64_t> Int(const std::string& key, std::optional<int64_t> lo = std::nullopt,
                             std::optional<int64_t> hi = std::nullopt);
  std::optional<double> Number(const std::string& key, std::optional<double> lo = std::nullopt,
                               std::optional<double> hi = std::nullopt);
  std::optional<bool> Bool(const std::string& key);
  // A JSON object (dict); wrong type → "must be an object".
  std::optional<Json> Object(const std::string& key);
  std::optional<std::vector<std::string>> StringList(const std::string& key,
                                                     size_t max_items = 1000,
                                                     size_t max_len = 1024);
  // A string that must be one of `allowed`.
  std::optional<std::string> Enum(const std::string& key, const std::vector<std::string>& allowed);

  std::vector<std::string> Loc(const std::string& key) const;
  Validation& validation() { return v_; }

  // Request bodies are strict: after reading every field, this adds a 422 error for each key of
  // the object that no accessor above asked about, naming the closest known key
  // ("unknown field; did you mean `module`?"). Keys read by other means are declared with Allow.
  void RejectUnknownKeys();
  void Allow(std::initializer_list<const char*> keys);
  // Every key of the object (families of keys such as `input.<field>`), and one key's raw value
  // (null when absent or null; marks the key known).
  std::vector<std::string> Keys() const;
  const Json* Raw(const std::string& key) const { return Get(key); }

 private:
  const Json* Get(const std::string& key) const;
  const Json& obj_;
  Validation& v_;
  std::vector<std::string> base_;
  mutable std::vector<std::string> known_;  // every key an accessor asked about
};

// Edits (insertions, deletions, substitutions) that turn `a` into `b` (Levenshtein).
size_t EditDistance(const std::string& a, const std::string& b);

// The closest of `candidates` to `key` (the other route's name for the same thing, such as
// `template_id` for `databit_id`; else edit distance, or one containing the other), or "" when
// none is plausibly meant.
std::string ClosestKey(const std::string& key, const std::vector<std::string>& candidates);

}  // namespace exemplar
