#include "embed/local/tokenizer_files.h"

#include <fstream>
#include <limits>

#include "embed/local/model_files.h"

namespace exemplar::embed::local {
namespace {

const Json kNull;
using Vocab = std::unordered_map<std::string, int32_t>;

Result<Vocab> ReadVocabTxt(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::FailedPrecondition("cannot read " + path.string());
  Vocab vocab;
  std::string line;
  int32_t id = 0;
  while (std::getline(in, line)) vocab[line] = id++;  // as Hugging Face: a repeated token keeps its last id
  if (vocab.empty()) return Status::InvalidArgument(path.string() + ": empty vocabulary");
  return vocab;
}

// The tokenizer.json sections BertTokenizerFast uses: WordPiece model, BertNormalizer.
Result<Vocab> ReadTokenizerJson(const std::filesystem::path& path, TokenizerOptions* o) {
  const std::string file = path.string();
  EXEMPLAR_ASSIGN_OR_RETURN(Json j, ReadJsonFile(path));
  const Json& model = j.contains("model") ? j.at("model") : kNull;
  EXEMPLAR_ASSIGN_OR_RETURN(std::string type, StringField(model, "type", "", file));
  if (type != "WordPiece") {
    return Status::FailedPrecondition(file + ": tokenizer model '" + type +
                                      "' is not supported (only BERT WordPiece)");
  }
  EXEMPLAR_ASSIGN_OR_RETURN(o->unk_token, StringField(model, "unk_token", o->unk_token, file));
  EXEMPLAR_ASSIGN_OR_RETURN(o->continuing_prefix,
                            StringField(model, "continuing_subword_prefix", o->continuing_prefix, file));
  EXEMPLAR_ASSIGN_OR_RETURN(int64_t max_chars,
                            IntField(model, "max_input_chars_per_word", o->max_chars_per_word, file));
  o->max_chars_per_word = static_cast<int>(std::min<int64_t>(max_chars, 1 << 20));
  if (!model.contains("vocab") || !model.at("vocab").is_object() || model.at("vocab").empty()) {
    return Status::InvalidArgument(file + ": model.vocab must be a non-empty object");
  }
  Vocab vocab;
  for (const auto& [token, id] : model.at("vocab").items()) {
    if (!id.is_number_integer() || id.get<int64_t>() < 0 || id.get<int64_t>() > (1 << 30)) {
      return Status::InvalidArgument(file + ": vocabulary id of '" + token + "' is not a valid id");
    }
    vocab.emplace(token, static_cast<int32_t>(id.get<int64_t>()));
  }

  const Json& norm = j.contains("normalizer") ? j.at("normalizer") : kNull;
  if (norm.is_null()) {
    o->lowercase = o->strip_accents = o->clean_text = o->split_cjk = false;
  } else {
    EXEMPLAR_ASSIGN_OR_RETURN(std::string norm_type, StringField(norm, "type", "", file));
    if (norm_type != "BertNormalizer") {
      return Status::FailedPrecondition(file + ": normalizer '" + norm_type +
                                        "' is not supported (only BertNormalizer)");
    }
    EXEMPLAR_ASSIGN_OR_RETURN(o->lowercase, BoolField(norm, "lowercase", true, file));
    EXEMPLAR_ASSIGN_OR_RETURN(o->strip_accents, BoolField(norm, "strip_accents", o->lowercase, file));
    EXEMPLAR_ASSIGN_OR_RETURN(o->clean_text, BoolField(norm, "clean_text", true, file));
    EXEMPLAR_ASSIGN_OR_RETURN(o->split_cjk, BoolField(norm, "handle_chinese_chars", true, file));
  }
  const Json& pre = j.contains("pre_tokenizer") ? j.at("pre_tokenizer") : kNull;
  EXEMPLAR_ASSIGN_OR_RETURN(std::string pre_type, StringField(pre, "type", "", file));
  if (pre_type != "BertPreTokenizer") {
    return Status::FailedPrecondition(file + ": pre-tokenizer '" + pre_type +
                                      "' is not supported (only BertPreTokenizer)");
  }
  return vocab;
}

// A special token in tokenizer_config.json: a string or an AddedToken object {"content": …}.
Status ReadSpecialToken(const Json& cfg, const std::string& key, const std::string& file, std::string* out) {
  auto it = cfg.find(key);
  if (it == cfg.end() || it->is_null()) return Status::Ok();
  if (it->is_string()) {
    *out = it->get<std::string>();
  } else if (it->is_object() && it->contains("content") && it->at("content").is_string()) {
    *out = it->at("content").get<std::string>();
  } else {
    return Status::InvalidArgument(file + ": " + key + " must be a string");
  }
  return Status::Ok();
}

Status ApplyTokenizerConfig(const Json& cfg, const std::string& file, TokenizerOptions* o,
                            int64_t* model_max_length) {
  EXEMPLAR_ASSIGN_OR_RETURN(o->lowercase, BoolField(cfg, "do_lower_case", o->lowercase, file));
  if (cfg.contains("strip_accents")) {
    EXEMPLAR_ASSIGN_OR_RETURN(o->strip_accents, BoolField(cfg, "strip_accents", o->lowercase, file));
  } else if (cfg.contains("do_lower_case")) {
    o->strip_accents = o->lowercase;  // Hugging Face's strip_accents=None default
  }
  EXEMPLAR_ASSIGN_OR_RETURN(o->split_cjk, BoolField(cfg, "tokenize_chinese_chars", o->split_cjk, file));
  EXEMPLAR_RETURN_IF_ERROR(ReadSpecialToken(cfg, "unk_token", file, &o->unk_token));
  EXEMPLAR_RETURN_IF_ERROR(ReadSpecialToken(cfg, "cls_token", file, &o->cls_token));
  EXEMPLAR_RETURN_IF_ERROR(ReadSpecialToken(cfg, "sep_token", file, &o->sep_token));
  EXEMPLAR_RETURN_IF_ERROR(ReadSpecialToken(cfg, "pad_token", file, &o->pad_token));
  EXEMPLAR_RETURN_IF_ERROR(ReadSpecialToken(cfg, "mask_token", file, &o->mask_token));
  // Often a huge placeholder (1e30) meaning "no limit"; the model's positions cap it later.
  EXEMPLAR_ASSIGN_OR_RETURN(double max_len, NumberField(cfg, "model_max_length", 0, file));
  if (max_len < 0) return Status::InvalidArgument(file + ": model_max_length must be positive");
  *model_max_length = max_len >= 1e15 ? std::numeric_limits<int32_t>::max() : static_cast<int64_t>(max_len);
  return Status::Ok();
}

}  // namespace

Result<LoadedTokenizer> LoadTokenizer(const std::filesystem::path& dir, bool lowercase_input) {
  TokenizerOptions options;
  options.lowercase_input = lowercase_input;
  Vocab vocab;
  if (FileExists(dir / "tokenizer.json")) {
    EXEMPLAR_ASSIGN_OR_RETURN(vocab, ReadTokenizerJson(dir / "tokenizer.json", &options));
  } else if (FileExists(dir / "vocab.txt")) {
    EXEMPLAR_ASSIGN_OR_RETURN(vocab, ReadVocabTxt(dir / "vocab.txt"));
  } else {
    return Status::FailedPrecondition("model dir " + dir.string() +
                                      " has neither tokenizer.json nor vocab.txt");
  }
  int64_t model_max_length = 0;
  if (FileExists(dir / "tokenizer_config.json")) {
    EXEMPLAR_ASSIGN_OR_RETURN(Json cfg, ReadJsonFile(dir / "tokenizer_config.json"));
    if (!cfg.is_object()) return Status::InvalidArgument("tokenizer_config.json must be an object");
    EXEMPLAR_RETURN_IF_ERROR(
        ApplyTokenizerConfig(cfg, (dir / "tokenizer_config.json").string(), &options, &model_max_length));
  }
  EXEMPLAR_ASSIGN_OR_RETURN(WordPieceTokenizer tokenizer,
                            WordPieceTokenizer::Create(std::move(vocab), std::move(options)));
  return LoadedTokenizer{std::move(tokenizer), model_max_length};
}

}  // namespace exemplar::embed::local
