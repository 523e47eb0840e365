// UnigramTokenizer: a SentencePiece Unigram tokenizer as Hugging Face's tokenizers library runs it
// from tokenizer.json (XLM-RoBERTa: multilingual-e5-*, paraphrase-multilingual-*).
//
// Tokenize(text) (see Tokenizer for special tokens, lowercase_input and Encode), per segment:
//   1. Normalizers in order: NFC/NFD/NFKC/NFKD, Lowercase, Strip, Replace (a literal string, or
//      the regex " {2,}"), and Precompiled: SentencePiece's compiled charsmap (XLM-RoBERTa:
//      nmt_nfkc), decoded and applied exactly as tokenizers does (PrecompiledCharsmap).
//   2. Metaspace: ' ' becomes the replacement ("▁"), which is prepended when the segment does not
//      start with it (prepend_scheme "always", or "first" for the segment that starts the text;
//      legacy add_prefix_space = always); with split, the segment is split before every "▁".
//   3. Per piece: the Viterbi segmentation maximising the sum of piece scores over the UTF-8
//      bytes; a character no single piece covers is the unknown piece with score
//      min_score − 10, and consecutive unknowns fuse into one token (looked up, else unk_id).
//
// Immutable after construction; thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/json_util.h"
#include "common/status.h"
#include "embed/local/precompiled_charsmap.h"
#include "embed/local/tokenizer.h"

namespace exemplar::embed::local {

struct NormalizerStep {
  enum Kind { kNfc, kNfd, kNfkc, kNfkd, kPrecompiled, kLowercase, kStrip, kReplace, kCollapseSpaces };
  Kind kind = kNfkc;
  bool left = false, right = false;  // kStrip
  std::u32string from, to;           // kReplace: literal; kCollapseSpaces: `to` replaces runs of ≥ 2 spaces
  std::shared_ptr<const PrecompiledCharsmap> charsmap;  // kPrecompiled (null: the identity)
};

struct UnigramOptions {
  std::vector<NormalizerStep> normalizers;
  char32_t replacement = U'\u2581';
  enum class Prepend { kAlways, kFirst, kNever } prepend = Prepend::kAlways;
  bool split = true;
  int32_t unk_id = -1;
  std::string cls_token = "<s>", sep_token = "</s>";
  std::vector<std::string> specials;  // literal special tokens (added_tokens with special: true)
  bool lowercase_input = false;
};

class UnigramTokenizer : public Tokenizer {
 public:
  // `vocab`: [piece, score] in id order. Errors: kInvalidArgument when unk_id is outside the
  // vocabulary or the cls/sep token is not in it.
  static Result<UnigramTokenizer> Create(std::vector<std::pair<std::string, double>> vocab, UnigramOptions options);

 protected:
  void TokenizeSegment(std::u32string_view text, bool first, std::vector<int32_t>* out) const override;

 private:
  UnigramTokenizer(std::vector<std::pair<std::string, int32_t>> specials, int32_t cls, int32_t sep, int32_t limit,
                   UnigramOptions options)
      : Tokenizer(std::move(specials), cls, sep, limit, options.lowercase_input), options_(std::move(options)) {}
  std::u32string Normalized(std::u32string_view text) const;
  void Viterbi(const std::string& piece, std::vector<int32_t>* out) const;

  UnigramOptions options_;
  std::unordered_map<std::string, int32_t> ids_;
  std::vector<double> scores_;
  double min_score_ = 0;
  size_t max_piece_bytes_ = 0;
};

// Reads tokenizer.json's Unigram model (vocab, unk_id), normalizer and pre_tokenizer into `vocab`
// and `options` (unigram_files.cc). Errors: kFailedPrecondition naming an unsupported normalizer,
// pre-tokenizer or option (byte_fallback); kInvalidArgument for malformed sections (including a
// malformed precompiled_charsmap).
Status ReadUnigramJson(const Json& tokenizer_json, const std::string& file,
                       std::vector<std::pair<std::string, double>>* vocab, UnigramOptions* options);

}  // namespace exemplar::embed::local
