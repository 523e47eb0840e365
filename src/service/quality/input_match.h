// The content check behind near-duplicates. Candidates come from the cosine of whole-input
// vectors, but one vector per input lets a long field every example shares (a table schema, a
// context) hide a difference in a short one: "who was hired after 2017" and "…2019" with the
// same 2 KB schema scored 0.951 and were reported as the same question with different labels.
// So a candidate is a near-duplicate only when each top-level input field matches on its own:
//   - a field is its tokens: lower-cased runs of letters and digits (punctuation, case and
//     spacing aside; bytes of non-ASCII characters count as letters); a token with a digit is a
//     number; a nested value contributes its keys and values in order;
//   - a field shorter than kLongFieldTokens must hold the same tokens in the same order;
//   - a longer field must hold the same numbers, and its token multisets a Jaccard of at least
//     kLongFieldJaccard (a typo or two in a long text, not another parameter);
//   - a field only one input has counts as an empty field in the other.
// Deterministic, no embedder call: it reads the two inputs' JSON only.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/json_util.h"

namespace exemplar::service {

inline constexpr size_t kLongFieldTokens = 32;
inline constexpr double kLongFieldJaccard = 0.9;

struct FieldTokens {
  uint64_t sequence = 0;       // hash of the tokens in order
  std::vector<uint32_t> bag;   // token hashes, sorted; the top bit marks a number
};

struct InputTokens {
  // By key, ascending. Shared: a long field many inputs repeat (a schema) is held once per pool.
  std::vector<std::pair<std::string, std::shared_ptr<const FieldTokens>>> fields;
};

// Identical fields tokenised once: sequence hash → tokens (a whole-store report's cache).
using FieldPool = std::unordered_map<uint64_t, std::shared_ptr<const FieldTokens>>;

// The tokens of an input object's text (a text that is not an object is one field named "").
InputTokens TokenizeInput(const std::string& input_json, FieldPool* pool = nullptr);

bool FieldsMatch(const FieldTokens& a, const FieldTokens& b);
// Every field either input has matches (see above).
bool InputsMatch(const InputTokens& a, const InputTokens& b);

}  // namespace exemplar::service
