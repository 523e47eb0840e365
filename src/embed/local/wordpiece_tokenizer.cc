#include "embed/local/wordpiece_tokenizer.h"

#include <algorithm>

#include "embed/local/unicode_text.h"

namespace exemplar::embed::local {

Result<WordPieceTokenizer> WordPieceTokenizer::Create(std::unordered_map<std::string, int32_t> vocab,
                                                      TokenizerOptions options) {
  for (const std::string* t : {&options.unk_token, &options.cls_token, &options.sep_token}) {
    if (!vocab.count(*t)) return Status::InvalidArgument("tokenizer vocabulary has no '" + *t + "' token");
  }
  return WordPieceTokenizer(std::move(vocab), std::move(options));
}

WordPieceTokenizer::WordPieceTokenizer(std::unordered_map<std::string, int32_t> vocab, TokenizerOptions options)
    : vocab_(std::move(vocab)), options_(std::move(options)) {
  unk_id_ = Id(options_.unk_token);
  cls_id_ = Id(options_.cls_token);
  sep_id_ = Id(options_.sep_token);
  for (const auto& [token, id] : vocab_) id_limit_ = std::max(id_limit_, id + 1);
  for (const std::string* t : {&options_.unk_token, &options_.cls_token, &options_.sep_token,
                               &options_.pad_token, &options_.mask_token}) {
    int32_t id = Id(*t);
    if (id >= 0 && !t->empty()) specials_.emplace_back(DecodeUtf8(*t), id);
  }
  std::sort(specials_.begin(), specials_.end(),
            [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
}

int32_t WordPieceTokenizer::Id(const std::string& token) const {
  auto it = vocab_.find(token);
  return it == vocab_.end() ? -1 : it->second;
}

std::vector<int32_t> WordPieceTokenizer::Tokenize(std::string_view text) const {
  std::u32string chars = DecodeUtf8(text);
  if (options_.lowercase_input) chars = ToLower(chars);
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
    TokenizeSegment(std::u32string_view(chars).substr(start, i - start), &out);
    out.push_back(hit->second);
    i += hit->first.size();
    start = i;
  }
  TokenizeSegment(std::u32string_view(chars).substr(start), &out);
  return out;
}

std::vector<int32_t> WordPieceTokenizer::Encode(std::string_view text, int max_length) const {
  std::vector<int32_t> pieces = Tokenize(text);
  size_t keep = std::min(pieces.size(), static_cast<size_t>(std::max(0, max_length - 2)));
  std::vector<int32_t> ids;
  ids.reserve(keep + 2);
  ids.push_back(cls_id_);
  ids.insert(ids.end(), pieces.begin(), pieces.begin() + static_cast<std::ptrdiff_t>(keep));
  ids.push_back(sep_id_);
  return ids;
}

void WordPieceTokenizer::TokenizeSegment(std::u32string_view text, std::vector<int32_t>* out) const {
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
