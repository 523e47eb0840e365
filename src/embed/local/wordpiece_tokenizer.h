// WordPieceTokenizer: BERT's tokenizer (BasicTokenizer + WordPiece), as Hugging Face's BertTokenizer
// and BertTokenizerFast compute it for sentence-transformers.
//
// Tokenize(text) (see Tokenizer for special tokens, lowercase_input and Encode):
//   Each segment between special tokens: clean (drop U+0000, U+FFFD and control/format characters; whitespace
//      becomes ' '), put spaces around CJK ideographs, split on whitespace; per word lowercase and
//      strip accents as configured, then split off every punctuation character.
//   WordPiece per word: greedy longest match from the left, later pieces with the "##" prefix;
//      a word longer than max_chars_per_word code points, or with a part no piece matches, is one
//      [UNK].
// Encode frames with cls_token … sep_token ([CLS] … [SEP]; <s> … </s> for MPNet).
//
// Immutable after construction; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "embed/local/tokenizer.h"

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
  std::vector<std::string> added_specials;  // tokenizer.json's special added_tokens, kept whole too
};

class WordPieceTokenizer : public Tokenizer {
 public:
  // Errors: kInvalidArgument when the unknown, CLS or SEP token is not in `vocab`.
  static Result<WordPieceTokenizer> Create(std::unordered_map<std::string, int32_t> vocab,
                                           TokenizerOptions options);

  // The id of `token`, or -1.
  int32_t Id(const std::string& token) const;
  const TokenizerOptions& options() const { return options_; }

 protected:
  void TokenizeSegment(std::u32string_view text, bool first, std::vector<int32_t>* out) const override;

 private:
  WordPieceTokenizer(std::unordered_map<std::string, int32_t> vocab, TokenizerOptions options,
                     std::vector<std::pair<std::string, int32_t>> specials, int32_t id_limit);
  void WordPiece(std::u32string_view word, std::vector<int32_t>* out) const;

  std::unordered_map<std::string, int32_t> vocab_;
  TokenizerOptions options_;
  int32_t unk_id_ = -1;
};

}  // namespace exemplar::embed::local
