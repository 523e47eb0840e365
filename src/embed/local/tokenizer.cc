#include "embed/local/tokenizer.h"

#include <algorithm>

#include "embed/local/unicode_text.h"

namespace exemplar::embed::local {

Tokenizer::Tokenizer(std::vector<std::pair<std::string, int32_t>> specials, int32_t cls_id, int32_t sep_id,
                     int32_t id_limit, bool lowercase_input)
    : cls_id_(cls_id), sep_id_(sep_id), id_limit_(id_limit), lowercase_input_(lowercase_input) {
  for (auto& [text, id] : specials) {
    if (!text.empty() && id >= 0) specials_.emplace_back(DecodeUtf8(text), id);
  }
  std::stable_sort(specials_.begin(), specials_.end(),
                   [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
}

std::vector<int32_t> Tokenizer::Tokenize(std::string_view text) const {
  std::u32string chars = DecodeUtf8(text);
  if (lowercase_input_) chars = ToLower(chars);
  std::vector<int32_t> out;
  size_t start = 0;
  for (size_t i = 0; i < chars.size();) {
    const std::pair<std::u32string, int32_t>* hit = nullptr;
    for (const auto& s : specials_) {
      if (std::u32string_view(chars).substr(i, s.first.size()) == s.first) {
        hit = &s;
        break;
      }
    }
    if (!hit) {
      ++i;
      continue;
    }
    if (i > start) TokenizeSegment(std::u32string_view(chars).substr(start, i - start), start == 0, &out);
    out.push_back(hit->second);
    i += hit->first.size();
    start = i;
  }
  if (chars.size() > start) TokenizeSegment(std::u32string_view(chars).substr(start), start == 0, &out);
  return out;
}

std::vector<int32_t> Tokenizer::Encode(std::string_view text, int max_length) const {
  std::vector<int32_t> pieces = Tokenize(text);
  size_t keep = std::min(pieces.size(), static_cast<size_t>(std::max(0, max_length - 2)));
  std::vector<int32_t> ids;
  ids.reserve(keep + 2);
  ids.push_back(cls_id_);
  ids.insert(ids.end(), pieces.begin(), pieces.begin() + static_cast<std::ptrdiff_t>(keep));
  ids.push_back(sep_id_);
  return ids;
}

}  // namespace exemplar::embed::local
