// Loads the WordPiece tokenizer of a Hugging Face model directory.
//
// Vocabulary: tokenizer.json (model type WordPiece) when present, else vocab.txt (one token per
// line, id = line number). Normalisation settings, later sources winning:
//   defaults (lowercase, accents stripped when lowercasing, clean text, split CJK)
//   ← tokenizer.json's BertNormalizer (lowercase, strip_accents, clean_text, handle_chinese_chars)
//   ← tokenizer_config.json (do_lower_case, strip_accents, tokenize_chinese_chars, and the
//     unk/cls/sep/pad/mask token strings), as BertTokenizerFast applies it over tokenizer.json.
// A null strip_accents follows lowercase. `lowercase_input` is sentence-transformers'
// do_lower_case (sentence_bert_config.json), a str.lower() of the whole text before tokenizing.
//
// Errors: kFailedPrecondition when neither tokenizer.json nor vocab.txt exists, or the tokenizer
// is not a BERT WordPiece one (e.g. a SentencePiece/Unigram or BPE model); kInvalidArgument for
// malformed files.
#pragma once

#include <filesystem>

#include "embed/local/wordpiece_tokenizer.h"

namespace exemplar::embed::local {

struct LoadedTokenizer {
  WordPieceTokenizer tokenizer;
  int64_t model_max_length = 0;  // tokenizer_config.json's model_max_length; 0 when absent
};

Result<LoadedTokenizer> LoadTokenizer(const std::filesystem::path& dir, bool lowercase_input);

}  // namespace exemplar::embed::local
