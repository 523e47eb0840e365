#include "embed/local/wordpiece_tokenizer.h"

#include <algorithm>

#include "embed/local/unicode_text.h"

namespace exemplar::embed::local {

Result<WordPieceTokenizer> WordPieceTokenizer::Create(std::unordered_map<std::string, int32_t> vocab,
                                                      TokenizerOptions options) {
  for (const std::string* t : {&options.unk_token, &options.cls_token, &options.sep_token}) {
    if (!vocab.count(*t)) return Status::InvalidArgument("tokenizer vocabulary has no '" + *t + "' token");
  }
  int32_t id_limit = 0;
  for (const auto& [token, id] : vocab) id_limit = std::max(id_limit, id + 1);
  std::vector<std::pair<std::string, int32_t>> specials;
  std::vector<std::string> names = {options.unk_token, options.cls_token, options.sep_token, options.pad_token,
                                    options.mask_token};
  names.insert(names.end(), options.added_specials.begin(), options.added_specials.end());
  for (const std::string& t : names) {
    auto it = vocab.find(t);
    if (it != vocab.end()) specials.emplace_back(t, it->second);
  }
  return WordPieceTokenizer(std::move(vocab), std::move(options), std::move(specials), id_limit);
}

WordPieceTokenizer::WordPieceTokenizer(std::unordered_map<std::string, int32_t> vocab, TokenizerOptions options,
                                       std::vector<std::pair<std::string, int32_t>> specials, int32_t id_limit)
    : Tokenizer(std::move(specials), vocab.at(options.cls_token), vocab.at(options.sep_token), id_limit,
                options.lowercase_input),
      vocab_(std::move(vocab)),
      options_(std::move(options)) {
  unk_id_ = Id(options_.unk_token);
}

int32_t WordPieceTokenizer::Id(const std::string& token) const {
  auto it = vocab_.find(token);
  return it == vocab_.end() ? -1 : it->second;
}

void WordPieceTokenizer::TokenizeSegment(std::u32string_view text, bool /*first*/, std::vector<int32_t>* out) const {
  // Clean and split CJK into a space-separated string, then handle word by word.
  std::u32string cleaned;
  cleaned.reserve(text.size());
  for (char32_t c : text) {
    if (options_.clean_text) {
      if (c == 0 || c == 0xFFFD || IsControl(c)) continue;
      if (IsWhitespace(c)) c = ' ';
    }
    bool cjk = options_.split_cjk && IsCjk(c);
    if (cjk) cleaned.push_back(' ');
    cleaned.push_back(c);
    if (cjk) cleaned.push_back(' ');
  }
  size_t i = 0;
  while (i < cleaned.size()) {
    if (IsWhitespace(cleaned[i])) {
      ++i;
      continue;
    }
    size_t end = i;
    while (end < cleaned.size() && !IsWhitespace(cleaned[end])) ++end;
    std::u32string word = cleaned.substr(i, end - i);
    i = end;
    if (options_.lowercase) word = ToLower(word);
    if (options_.strip_accents) word = StripAccents(word);
    size_t piece_start = 0;
    for (size_t k = 0; k <= word.size(); ++k) {
      bool punct = k < word.size() && IsPunctuation(word[k]);
      if (k == word.size() || punct) {
        if (k > piece_start) WordPiece(std::u32string_view(word).substr(piece_start, k - piece_start), out);
        if (punct) WordPiece(std::u32string_view(word).substr(k, 1), out);
        piece_start = k + 1;
      }
    }
  }
}

void WordPieceTokenizer::WordPiece(std::u32string_view word, std::vector<int32_t>* out) const {
  if (static_cast<int>(word.size()) > options_.max_chars_per_word) {
    out->push_back(unk_id_);
    return;
  }
  // Byte offset of each code point, so candidate pieces are substrings of one UTF-8 string.
  std::string utf8;
  std::vector<size_t> offsets;
  offsets.reserve(word.size() + 1);
  for (char32_t c : word) {
    offsets.push_back(utf8.size());
    AppendUtf8(c, &utf8);
  }
  offsets.push_back(utf8.size());
  size_t first = out->size();
  std::string candidate;
  for (size_t start = 0; start < word.size();) {
    int32_t id = -1;
    size_t end = word.size();
    for (; end > start; --end) {
      candidate.assign(start > 0 ? options_.continuing_prefix : "");
      candidate.append(utf8, offsets[start], offsets[end] - offsets[start]);
      id = Id(candidate);
      if (id >= 0) break;
    }
    if (id < 0) {
      out->resize(first);
      out->push_back(unk_id_);
      return;
    }
    out->push_back(id);
    start = end;
  }
}

}  // namespace exemplar::embed::local
