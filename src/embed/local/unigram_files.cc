// ReadUnigramJson: the Unigram sections of tokenizer.json.
#include "embed/local/model_files.h"
#include "embed/local/unicode_text.h"
#include "embed/local/unigram_tokenizer.h"

namespace exemplar::embed::local {
namespace {

const Json kNull;

const Json& Section(const Json& j, const char* key) { return j.is_object() && j.contains(key) ? j.at(key) : kNull; }

Status Unsupported(const std::string& file, const std::string& what, const char* supported) {
  return Status::FailedPrecondition(file + ": " + what + " is not supported (" + supported + ")");
}

constexpr const char* kNormalizers =
    "Unigram tokenizers: normalizers NFC, NFD, NFKC, NFKD, Lowercase, Strip, Replace of a string or of the "
    "regex \" {2,}\", Precompiled (a SentencePiece charsmap), or a Sequence of them";

Status ReadNormalizer(const Json& n, const std::string& file, std::vector<NormalizerStep>* steps) {
  if (n.is_null()) return Status::Ok();
  EXEMPLAR_ASSIGN_OR_RETURN(std::string type, StringField(n, "type", "", file));
  NormalizerStep step;
  if (type == "Sequence") {
    const Json& list = Section(n, "normalizers");
    if (!list.is_array()) return Status::InvalidArgument(file + ": normalizer Sequence needs a normalizers list");
    for (const Json& item : list) EXEMPLAR_RETURN_IF_ERROR(ReadNormalizer(item, file, steps));
    return Status::Ok();
  } else if (type == "NFC") {
    step.kind = NormalizerStep::kNfc;
  } else if (type == "NFD") {
    step.kind = NormalizerStep::kNfd;
  } else if (type == "NFKC") {
    step.kind = NormalizerStep::kNfkc;
  } else if (type == "NFKD") {
    step.kind = NormalizerStep::kNfkd;
  } else if (type == "Precompiled") {
    step.kind = NormalizerStep::kPrecompiled;
    const Json& map = Section(n, "precompiled_charsmap");
    if (!map.is_string() && !map.is_null()) {
      return Status::InvalidArgument(file + ": normalizer Precompiled needs precompiled_charsmap as a base64 string");
    }
    if (map.is_string()) {  // null or "": no rules
      auto charsmap = PrecompiledCharsmap::FromBase64(map.get<std::string>());
      if (!charsmap.ok()) {
        return Status::InvalidArgument(file + ": normalizer Precompiled: " + charsmap.status().message());
      }
      step.charsmap = std::make_shared<const PrecompiledCharsmap>(std::move(*charsmap));
    }
  } else if (type == "Lowercase") {
    step.kind = NormalizerStep::kLowercase;
  } else if (type == "Strip") {
    step.kind = NormalizerStep::kStrip;
    EXEMPLAR_ASSIGN_OR_RETURN(step.left, BoolField(n, "strip_left", true, file));
    EXEMPLAR_ASSIGN_OR_RETURN(step.right, BoolField(n, "strip_right", true, file));
  } else if (type == "Replace") {
    const Json& pattern = Section(n, "pattern");
    EXEMPLAR_ASSIGN_OR_RETURN(std::string content, StringField(n, "content", "", file));
    step.to = DecodeUtf8(content);
    if (pattern.is_object() && pattern.contains("String") && pattern.at("String").is_string()) {
      step.kind = NormalizerStep::kReplace;
      step.from = DecodeUtf8(pattern.at("String").get<std::string>());
    } else if (pattern.is_object() && pattern.contains("Regex") && pattern.at("Regex") == " {2,}") {
      step.kind = NormalizerStep::kCollapseSpaces;
    } else {
      return Unsupported(file, "normalizer Replace with pattern " + pattern.dump(), kNormalizers);
    }
  } else {
    return Unsupported(file, "normalizer '" + type + "'", kNormalizers);
  }
  steps->push_back(std::move(step));
  return Status::Ok();
}

constexpr const char* kPreTokenizers = "Unigram tokenizers: pre_tokenizer Metaspace, alone or as the only one of a Sequence";

Status ReadMetaspace(const Json& p, const std::string& file, UnigramOptions* o) {
  EXEMPLAR_ASSIGN_OR_RETURN(std::string type, StringField(p, "type", "", file));
  if (type == "Sequence") {
    const Json& list = Section(p, "pretokenizers");
    if (list.is_array() && list.size() == 1) return ReadMetaspace(list[0], file, o);
    return Unsupported(file, "pre_tokenizer Sequence " + list.dump(), kPreTokenizers);
  }
  if (type != "Metaspace") return Unsupported(file, "pre_tokenizer '" + type + "'", kPreTokenizers);
  EXEMPLAR_ASSIGN_OR_RETURN(std::string replacement, StringField(p, "replacement", "\u2581", file));
  std::u32string r = DecodeUtf8(replacement);
  if (r.size() != 1) return Status::InvalidArgument(file + ": Metaspace replacement must be one character");
  o->replacement = r[0];
  EXEMPLAR_ASSIGN_OR_RETURN(bool add_prefix, BoolField(p, "add_prefix_space", true, file));
  EXEMPLAR_ASSIGN_OR_RETURN(std::string scheme, StringField(p, "prepend_scheme", add_prefix ? "always" : "never", file));
  if (scheme == "always") {
    o->prepend = UnigramOptions::Prepend::kAlways;
  } else if (scheme == "first") {
    o->prepend = UnigramOptions::Prepend::kFirst;
  } else if (scheme == "never") {
    o->prepend = UnigramOptions::Prepend::kNever;
  } else {
    return Unsupported(file, "Metaspace prepend_scheme '" + scheme + "'", "always, first, never");
  }
  EXEMPLAR_ASSIGN_OR_RETURN(o->split, BoolField(p, "split", true, file));
  return Status::Ok();
}

}  // namespace

Status ReadUnigramJson(const Json& j, const std::string& file, std::vector<std::pair<std::string, double>>* vocab,
                       UnigramOptions* o) {
  const Json& model = Section(j, "model");
  EXEMPLAR_ASSIGN_OR_RETURN(bool byte_fallback, BoolField(model, "byte_fallback", false, file));
  if (byte_fallback) return Unsupported(file, "Unigram byte_fallback", "Unigram without byte fallback");
  EXEMPLAR_ASSIGN_OR_RETURN(int64_t unk_id, IntField(model, "unk_id", -1, file));
  if (unk_id < 0) return Status::InvalidArgument(file + ": the Unigram model needs an unk_id");
  o->unk_id = static_cast<int32_t>(std::min<int64_t>(unk_id, 1 << 30));
  const Json& pieces = Section(model, "vocab");
  if (!pieces.is_array() || pieces.empty()) {
    return Status::InvalidArgument(file + ": model.vocab must be a non-empty list of [piece, score]");
  }
  vocab->clear();
  vocab->reserve(pieces.size());
  for (const Json& p : pieces) {
    if (!p.is_array() || p.size() != 2 || !p[0].is_string() || !p[1].is_number()) {
      return Status::InvalidArgument(file + ": model.vocab entry " + p.dump() + " is not [piece, score]");
    }
    vocab->emplace_back(p[0].get<std::string>(), p[1].get<double>());
  }
  EXEMPLAR_RETURN_IF_ERROR(ReadNormalizer(Section(j, "normalizer"), file, &o->normalizers));
  const Json& pre = Section(j, "pre_tokenizer");
  if (pre.is_null()) return Unsupported(file, "a Unigram tokenizer without pre_tokenizer", kPreTokenizers);
  return ReadMetaspace(pre, file, o);
}

}  // namespace exemplar::embed::local
