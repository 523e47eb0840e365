#include "service/quality/input_match.h"

#include <algorithm>

#include "service/quality/content_hash.h"

namespace exemplar::service {
namespace {

constexpr uint32_t kNumberBit = 0x80000000u;

struct Tokenizer {
  std::vector<uint32_t> bag;
  uint64_t sequence = 1469598103934665603ull;

  void Add(const std::string& token, bool number) {
    const uint64_t h = HashText(token);
    bag.push_back((static_cast<uint32_t>(h) & ~kNumberBit) | (number ? kNumberBit : 0));
    for (unsigned char c : token) sequence = (sequence ^ c) * 1099511628211ull;
    sequence = (sequence ^ 0xFF) * 1099511628211ull;  // a separator no text byte of a token is
  }

  void Text(const std::string& s) {
    std::string token;
    bool number = false;
    for (unsigned char c : s) {
      const bool digit = c >= '0' && c <= '9';
      if (digit || (c >= 'a' && c <= 'z') || c >= 0x80) {
        token += static_cast<char>(c);
      } else if (c >= 'A' && c <= 'Z') {
        token += static_cast<char>(c - 'A' + 'a');
      } else {
        if (!token.empty()) Add(token, number);
        token.clear();
        number = false;
        continue;
      }
      number = number || digit;
    }
    if (!token.empty()) Add(token, number);
  }

  void Value(const Json& v) {
    if (v.is_object()) {
      for (auto it = v.begin(); it != v.end(); ++it) {  // nlohmann objects iterate in key order
        Text(it.key());
        Value(it.value());
      }
    } else if (v.is_array()) {
      for (const auto& x : v) Value(x);
    } else if (v.is_string()) {
      Text(v.get_ref<const std::string&>());
    } else if (v.is_number()) {
      Add(DumpJson(v), true);  // whole, sign and decimals included
    } else if (v.is_boolean()) {
      Add(v.get<bool>() ? "true" : "false", false);
    }  // null: no tokens, like a missing field
  }
};

std::shared_ptr<const FieldTokens> FieldOf(const Json& v, FieldPool* pool) {
  Tokenizer t;
  t.Value(v);
  if (pool) {
    auto it = pool->find(t.sequence);
    if (it != pool->end()) return it->second;
  }
  auto field = std::make_shared<FieldTokens>();
  field->sequence = t.sequence;
  std::sort(t.bag.begin(), t.bag.end());
  field->bag = std::move(t.bag);
  if (pool) pool->emplace(field->sequence, field);
  return field;
}

const FieldTokens& Empty() {
  static const FieldTokens empty = [] {
    FieldTokens f;
    f.sequence = Tokenizer{}.sequence;
    return f;
  }();
  return empty;
}

}  // namespace

InputTokens TokenizeInput(const std::string& input_json, FieldPool* pool) {
  InputTokens out;
  Json v = Json::parse(input_json, nullptr, false);
  if (!v.is_object()) {
    out.fields.emplace_back("", FieldOf(v, pool));
    return out;
  }
  for (auto it = v.begin(); it != v.end(); ++it) out.fields.emplace_back(it.key(), FieldOf(it.value(), pool));
  return out;
}

bool FieldsMatch(const FieldTokens& a, const FieldTokens& b) {
  if (a.sequence == b.sequence) return true;
  const size_t longer = std::max(a.bag.size(), b.bag.size());
  if (longer < kLongFieldTokens) return false;  // a short field: any other token is another value
  size_t common = 0;
  auto i = a.bag.begin(), j = b.bag.begin();
  while (i != a.bag.end() || j != b.bag.end()) {
    if (j == b.bag.end() || (i != a.bag.end() && *i < *j)) {
      if (*i & kNumberBit) return false;  // a number only one side has
      ++i;
    } else if (i == a.bag.end() || *j < *i) {
      if (*j & kNumberBit) return false;
      ++j;
    } else {
      ++common, ++i, ++j;
    }
  }
  const size_t both = a.bag.size() + b.bag.size() - common;
  return static_cast<double>(common) >= kLongFieldJaccard * static_cast<double>(both);
}

bool InputsMatch(const InputTokens& a, const InputTokens& b) {
  auto i = a.fields.begin(), j = b.fields.begin();
  while (i != a.fields.end() || j != b.fields.end()) {
    if (j == b.fields.end() || (i != a.fields.end() && i->first < j->first)) {
      if (!FieldsMatch(*i->second, Empty())) return false;
      ++i;
    } else if (i == a.fields.end() || j->first < i->first) {
      if (!FieldsMatch(Empty(), *j->second)) return false;
      ++j;
    } else {
      if (!FieldsMatch(*i->second, *j->second)) return false;
      ++i, ++j;
    }
  }
  return true;
}

}  // namespace exemplar::service
