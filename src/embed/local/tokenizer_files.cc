#include "embed/local/tokenizer_files.h"

#include <fstream>
#include <limits>

#include "embed/local/model_files.h"
#include "embed/local/unigram_tokenizer.h"
#include "embed/local/wordpiece_tokenizer.h"

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
Result<Vocab> ReadWordPieceJson(const Json& j, const std::string& file, TokenizerOptions* o) {
  const Json& model = j.at("model");
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
                                        "' is not supported (WordPiece tokenizers: BertNormalizer only)");
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
                                      "' is not supported (WordPiece tokenizers: BertPreTokenizer only)");
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

Status ReadModelMaxLength(const Json& cfg, const std::string& file, int64_t* model_max_length) {
  // Often a huge placeholder (1e30) meaning "no limit"; the model's positions cap it later.
  EXEMPLAR_ASSIGN_OR_RETURN(double max_len, NumberField(cfg, "model_max_length", 0, file));
  if (max_len < 0) return Status::InvalidArgument(file + ": model_max_length must be positive");
  *model_max_length = max_len >= 1e15 ? std::numeric_limits<int32_t>::max() : static_cast<int64_t>(max_len);
  return Status::Ok();
}

Status ApplyTokenizerConfig(const Json& cfg, const std::string& file, TokenizerOptions* o) {
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
  return Status::Ok();
}

constexpr const char* kPostProcessors =
    "TemplateProcessing with the single template \"CLS $A SEP\", BertProcessing, RobertaProcessing, or a "
    "Sequence holding one of them";

// The framing tokens of the post_processor, if it names them (`*found`).
Status ReadPostProcessor(const Json& p, const std::string& file, std::string* cls, std::string* sep, bool* found) {
  if (p.is_null()) return Status::Ok();
  EXEMPLAR_ASSIGN_OR_RETURN(std::string type, StringField(p, "type", "", file));
  if (type == "Sequence" && p.contains("processors") && p.at("processors").is_array()) {
    for (const Json& item : p.at("processors")) EXEMPLAR_RETURN_IF_ERROR(ReadPostProcessor(item, file, cls, sep, found));
    return Status::Ok();
  }
  if (type == "ByteLevel") return Status::Ok();  // offsets only
  if (type == "BertProcessing" || type == "RobertaProcessing") {
    auto token = [&](const char* key, std::string* out) {
      const Json& t = p.contains(key) ? p.at(key) : kNull;
      if (!t.is_array() || t.empty() || !t[0].is_string()) return false;
      *out = t[0].get<std::string>();
      return true;
    };
    if (!token("cls", cls) || !token("sep", sep)) {
      return Status::InvalidArgument(file + ": post_processor " + type + " needs cls and sep [token, id] pairs");
    }
    *found = true;
    return Status::Ok();
  }
  if (type == "TemplateProcessing") {
    const Json& single = p.contains("single") ? p.at("single") : kNull;
    if (single.is_null()) return Status::Ok();
    auto special = [](const Json& item, std::string* out) {
      if (!item.is_object() || !item.contains("SpecialToken") || !item.at("SpecialToken").contains("id") ||
          !item.at("SpecialToken").at("id").is_string()) {
        return false;
      }
      *out = item.at("SpecialToken").at("id").get<std::string>();
      return true;
    };
    if (single.is_array() && single.size() == 3 && special(single[0], cls) && single[1].is_object() &&
        single[1].contains("Sequence") && special(single[2], sep)) {
      *found = true;
      return Status::Ok();
    }
    return Status::FailedPrecondition(file + ": post_processor TemplateProcessing single template " + single.dump() +
                                      " is not supported (" + kPostProcessors + ")");
  }
  return Status::FailedPrecondition(file + ": post_processor '" + type + "' is not supported (" + kPostProcessors + ")");
}

// added_tokens marked special: kept whole when written in the text.
std::vector<std::string> AddedSpecials(const Json& j) {
  std::vector<std::string> out;
  const Json& added = j.contains("added_tokens") ? j.at("added_tokens") : kNull;
  if (!added.is_array()) return out;
  for (const Json& t : added) {
    if (t.is_object() && t.value("special", false) && t.contains("content") && t.at("content").is_string()) {
      out.push_back(t.at("content").get<std::string>());
    }
  }
  return out;
}

}  // namespace

Result<LoadedTokenizer> LoadTokenizer(const std::filesystem::path& dir, bool lowercase_input) {
  const auto json_path = dir / "tokenizer.json";
  const std::string json_file = json_path.string();
  Json tj;
  std::string type = "WordPiece";
  if (FileExists(json_path)) {
    EXEMPLAR_ASSIGN_OR_RETURN(tj, ReadJsonFile(json_path));
    if (!tj.is_object() || !tj.contains("model") || !tj.at("model").is_object()) {
      return Status::InvalidArgument(json_file + ": no model section");
    }
    EXEMPLAR_ASSIGN_OR_RETURN(type, StringField(tj.at("model"), "type", "", json_file));
  } else if (!FileExists(dir / "vocab.txt")) {
    return Status::FailedPrecondition("model dir " + dir.string() + " has neither tokenizer.json nor vocab.txt");
  }
  if (type != "WordPiece" && type != "Unigram") {
    return Status::FailedPrecondition(json_file + ": tokenizer model '" + type +
                                      "' is not supported (WordPiece as in BERT and MPNet, or SentencePiece "
                                      "Unigram as in XLM-RoBERTa)");
  }
  Json cfg;
  const auto cfg_path = dir / "tokenizer_config.json";
  const std::string cfg_file = cfg_path.string();
  int64_t model_max_length = 0;
  if (FileExists(cfg_path)) {
    EXEMPLAR_ASSIGN_OR_RETURN(cfg, ReadJsonFile(cfg_path));
    if (!cfg.is_object()) return Status::InvalidArgument(cfg_file + " must be an object");
    EXEMPLAR_RETURN_IF_ERROR(ReadModelMaxLength(cfg, cfg_file, &model_max_length));
  }
  std::string cls, sep;
  bool framed = false;
  if (!tj.is_null()) {
    EXEMPLAR_RETURN_IF_ERROR(
        ReadPostProcessor(tj.contains("post_processor") ? tj.at("post_processor") : kNull, json_file, &cls, &sep, &framed));
  }

  if (type == "Unigram") {
    UnigramOptions o;
    o.lowercase_input = lowercase_input;
    std::vector<std::pair<std::string, double>> vocab;
    EXEMPLAR_RETURN_IF_ERROR(ReadUnigramJson(tj, json_file, &vocab, &o));
    if (!cfg.is_null()) {
      EXEMPLAR_RETURN_IF_ERROR(ReadSpecialToken(cfg, "cls_token", cfg_file, &o.cls_token));
      EXEMPLAR_RETURN_IF_ERROR(ReadSpecialToken(cfg, "sep_token", cfg_file, &o.sep_token));
    }
    if (framed) {
      o.cls_token = cls;
      o.sep_token = sep;
    }
    o.specials = AddedSpecials(tj);
    EXEMPLAR_ASSIGN_OR_RETURN(UnigramTokenizer t, UnigramTokenizer::Create(std::move(vocab), std::move(o)));
    return LoadedTokenizer{std::make_unique<UnigramTokenizer>(std::move(t)), model_max_length};
  }

  TokenizerOptions options;
  options.lowercase_input = lowercase_input;
  Vocab vocab;
  if (!tj.is_null()) {
    EXEMPLAR_ASSIGN_OR_RETURN(vocab, ReadWordPieceJson(tj, json_file, &options));
    options.added_specials = AddedSpecials(tj);
  } else {
    EXEMPLAR_ASSIGN_OR_RETURN(vocab, ReadVocabTxt(dir / "vocab.txt"));
  }
  if (!cfg.is_null()) EXEMPLAR_RETURN_IF_ERROR(ApplyTokenizerConfig(cfg, cfg_file, &options));
  if (framed) {
    options.cls_token = cls;
    options.sep_token = sep;
  }
  EXEMPLAR_ASSIGN_OR_RETURN(WordPieceTokenizer tokenizer,
                            WordPieceTokenizer::Create(std::move(vocab), std::move(options)));
  return LoadedTokenizer{std::make_unique<WordPieceTokenizer>(std::move(tokenizer)), model_max_length};
}

}  // namespace exemplar::embed::local
