// WordPieceTokenizer: BERT's tokenizer (BasicTokenizer + WordPiece), as Hugging Face's BertTokenizer
// and BertTokenizerFast compute it for sentence-transformers.
//
// Tokenize(text):
//   1. Special tokens written literally in the text ("[SEP]", case-sensitive) are kept whole.
//   2. Each other segment: clean (drop U+0000, U+FFFD and control/format characters; whitespace
//      becomes ' '), put spaces around CJK ideographs, split on whitespace; per word lowercase and
//      strip accents as configured, then split off every punctuation character.
//   3. WordPiece per word: greedy longest match from the left, later pieces with the "##" prefix;
//      a word longer than max_chars_per_word code points, or with a part no piece matches, is one
//      [UNK].
// Encode(text, max_length) = [CLS] + Tokenize(text) truncated to max_length − 2 + [SEP].
//
// Immutable after construction; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/status.h"

namespace exemplar::embed::local {

struct TokenizerOptions {
  bool lowercase = true;          // BertNormalizer lowercase / do_lower_case
  bool strip_accents = true;      // NFD + drop Mn; Hugging Face's default follows lowercase
  bool clean_text = true;
  bool split_cjk = true;          // handle_chinese_chars
  bool lowercase_input = false;   // sentence-transformers do_lower_case: str.lower() of the whole text first
  int max_chars_per_word = 100;
  std::string continuing_prefix = "##";
  std::string unk_token = "[UNK]";
  std::string cls_token = "[CLS]";
  std::string sep_token = "[SEP]";
  std::string pad_token = "[PAD]";
  std::string mask_token = "[MASK]";
};

class WordPieceTokenizer {
 public:
  // Errors: kInvalidArgument when the unknown, CLS or SEP token is not in `vocab`.
  static Result<WordPieceTokenizer> Create(std::unordered_map<std::string, int32_t> vocab,
                                           TokenizerOptions options);

  // Token ids of `text` without [CLS]/[SEP] and without truncation.
  std::vector<int32_t> Tokenize(std::string_view text) const;
  // [CLS] … [SEP], at most max_length ids (REQUIRES: max_length >= 2).
  std::vector<int32_t> Encode(std::string_view text, int max_length) const;

  // The id of `token`, or -1.
  int32_t Id(const std::string& token) const;
  // 1 + the largest id (ids index the embedding matrix).
  int32_t id_limit() const { return id_limit_; }
  const TokenizerOptions& options() const { return options_; }

 private:
  WordPieceTokenizer(std::unordered_map<std::string, int32_t> vocab, TokenizerOptions options);
  void TokenizeSegment(std::u32string_view text, std::vector<int32_t>* out) const;
  void WordPiece(std::u32string_view word, std::vector<int32_t>* out) const;

  std::unordered_map<std::string, int32_t> vocab_;
  TokenizerOptions options_;
  std::vector<std::pair<std::u32string, int32_t>> specials_;  // literal special tokens, longest first
  int32_t unk_id_ = -1, cls_id_ = -1, sep_id_ = -1;
  int32_t id_limit_ = 0;
};

}  // namespace exemplar::embed::local
