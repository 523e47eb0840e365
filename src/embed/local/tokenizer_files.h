// Loads the tokenizer of a Hugging Face model directory: WordPiece (BERT, MPNet) or SentencePiece
// Unigram (XLM-RoBERTa).
//
// tokenizer.json decides the kind by model.type ("WordPiece" or "Unigram"); without it, vocab.txt
// is a WordPiece vocabulary (one token per line, id = line number). Framing tokens: the
// post_processor's (TemplateProcessing "CLS $A SEP", BertProcessing, RobertaProcessing), else
// tokenizer_config.json's cls_token/sep_token, else [CLS]/[SEP] (WordPiece) or <s>/</s> (Unigram).
// added_tokens marked special are kept whole when written in the text.
//
// WordPiece normalisation settings, later sources winning:
//   defaults (lowercase, accents stripped when lowercasing, clean text, split CJK)
//   ← tokenizer.json's BertNormalizer (lowercase, strip_accents, clean_text, handle_chinese_chars)
//   ← tokenizer_config.json (do_lower_case, strip_accents, tokenize_chinese_chars, and the
//     unk/cls/sep/pad/mask token strings), as BertTokenizerFast applies it over tokenizer.json.
// A null strip_accents follows lowercase. Unigram: see unigram_tokenizer.h for the normalizers
// and pre-tokenizer read. `lowercase_input` is sentence-transformers' do_lower_case
// (sentence_bert_config.json), a str.lower() of the whole text before tokenizing.
//
// Errors: kFailedPrecondition when neither tokenizer.json nor vocab.txt exists, or for a tokenizer
// kind, normalizer, pre-tokenizer or post-processor not supported (named in the message with what
// is supported, e.g. a BPE model); kInvalidArgument for malformed files.
#pragma once

#include <filesystem>
#include <memory>

#include "common/status.h"
#include "embed/local/tokenizer.h"

namespace exemplar::embed::local {

struct LoadedTokenizer {
  std::unique_ptr<Tokenizer> tokenizer;
  int64_t model_max_length = 0;  // tokenizer_config.json's model_max_length; 0 when absent
};

Result<LoadedTokenizer> LoadTokenizer(const std::filesystem::path& dir, bool lowercase_input);

}  // namespace exemplar::embed::local
