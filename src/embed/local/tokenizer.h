// Tokenizer: what every tokenizer of a local model shares — literal special tokens, the
// [CLS]/<s> … [SEP]/</s> framing and truncation. Subclasses (WordPieceTokenizer,
// UnigramTokenizer) tokenize the text between special tokens.
//
// Tokenize(text):
//   1. With lowercase_input (sentence-transformers' do_lower_case), the whole text is lowercased.
//   2. Special tokens written literally in the text ("[SEP]", "</s>", case-sensitive) are kept
//      whole, as Hugging Face's added-token split does; the longest match wins. Their lstrip /
//      rstrip flags (XLM-RoBERTa's <mask> eats the space before it) are not applied.
//   3. Every other segment goes to TokenizeSegment.
// Encode(text, max_length) = cls + Tokenize(text) truncated to max_length − 2 + sep.
//
// Immutable after construction; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace exemplar::embed::local {

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;

  // Token ids of `text` without the framing tokens and without truncation.
  std::vector<int32_t> Tokenize(std::string_view text) const;
  // cls … sep, at most max_length ids (REQUIRES: max_length >= 2).
  std::vector<int32_t> Encode(std::string_view text, int max_length) const;

  // 1 + the largest id (ids index the embedding matrix).
  int32_t id_limit() const { return id_limit_; }
  int32_t cls_id() const { return cls_id_; }
  int32_t sep_id() const { return sep_id_; }

 protected:
  // `specials`: literal special tokens and their ids (empty strings ignored).
  Tokenizer(std::vector<std::pair<std::string, int32_t>> specials, int32_t cls_id, int32_t sep_id,
            int32_t id_limit, bool lowercase_input);
  // Appends the ids of a segment free of special tokens; `first` is true for the segment that
  // starts the text.
  virtual void TokenizeSegment(std::u32string_view text, bool first, std::vector<int32_t>* out) const = 0;

 private:
  std::vector<std::pair<std::u32string, int32_t>> specials_;  // longest first
  int32_t cls_id_, sep_id_, id_limit_;
  bool lowercase_input_;
};

}  // namespace exemplar::embed::local
