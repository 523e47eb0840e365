#include "embed/local/unigram_tokenizer.h"

#include <algorithm>
#include <limits>

#include "embed/local/unicode_text.h"

namespace exemplar::embed::local {
namespace {

constexpr double kUnkPenalty = 10.0;

// Byte length of the UTF-8 sequence starting with `lead` (1 for a stray continuation byte).
size_t Utf8Length(unsigned char lead) {
  if (lead >= 0xF0) return 4;
  if (lead >= 0xE0) return 3;
  if (lead >= 0xC0) return 2;
  return 1;
}

void ReplaceAll(std::u32string* s, const std::u32string& from, const std::u32string& to) {
  if (from.empty()) return;
  std::u32string out;
  size_t i = 0;
  for (size_t hit; (hit = s->find(from, i)) != std::u32string::npos; i = hit + from.size()) {
    out.append(*s, i, hit - i);
    out += to;
  }
  out.append(*s, i);
  *s = std::move(out);
}

}  // namespace

Result<UnigramTokenizer> UnigramTokenizer::Create(std::vector<std::pair<std::string, double>> vocab,
                                                  UnigramOptions options) {
  if (options.unk_id < 0 || static_cast<size_t>(options.unk_id) >= vocab.size()) {
    return Status::InvalidArgument("Unigram unk_id " + std::to_string(options.unk_id) +
                                   " is outside the vocabulary of " + std::to_string(vocab.size()) + " pieces");
  }
  std::unordered_map<std::string, int32_t> ids;
  double min_score = std::numeric_limits<double>::infinity();
  size_t max_bytes = 0;
  for (size_t i = 0; i < vocab.size(); ++i) {
    ids[vocab[i].first] = static_cast<int32_t>(i);  // as Hugging Face: a repeated piece keeps its last id
    min_score = std::min(min_score, vocab[i].second);
    max_bytes = std::max(max_bytes, vocab[i].first.size());
  }
  auto find = [&](const std::string& t) { auto it = ids.find(t); return it == ids.end() ? -1 : it->second; };
  const int32_t cls = find(options.cls_token), sep = find(options.sep_token);
  if (cls < 0 || sep < 0) {
    return Status::InvalidArgument("tokenizer vocabulary has no '" + (cls < 0 ? options.cls_token : options.sep_token) +
                                   "' token");
  }
  std::vector<std::pair<std::string, int32_t>> specials;
  for (const std::string& t : options.specials) {
    if (find(t) >= 0) specials.emplace_back(t, find(t));
  }
  UnigramTokenizer tok(std::move(specials), cls, sep, static_cast<int32_t>(vocab.size()), std::move(options));
  tok.ids_ = std::move(ids);
  tok.scores_.reserve(vocab.size());
  for (const auto& [piece, score] : vocab) tok.scores_.push_back(score);
  tok.min_score_ = min_score;
  tok.max_piece_bytes_ = max_bytes;
  return tok;
}

std::u32string UnigramTokenizer::Normalized(std::u32string_view text) const {
  std::u32string s(text);
  for (const NormalizerStep& step : options_.normalizers) {
    switch (step.kind) {
      case NormalizerStep::kNfc: s = Normalize(s, NormalForm::kNfc); break;
      case NormalizerStep::kNfd: s = Normalize(s, NormalForm::kNfd); break;
      case NormalizerStep::kNfkc: s = Normalize(s, NormalForm::kNfkc); break;
      case NormalizerStep::kNfkd: s = Normalize(s, NormalForm::kNfkd); break;
      case NormalizerStep::kPrecompiled:
        if (step.charsmap && !step.charsmap->identity()) s = DecodeUtf8(step.charsmap->Normalize(EncodeUtf8(s)));
        break;
      case NormalizerStep::kLowercase: s = ToLower(s); break;
      case NormalizerStep::kStrip: {
        size_t b = 0, e = s.size();
        while (step.left && b < e && IsUnicodeWhitespace(s[b])) ++b;
        while (step.right && e > b && IsUnicodeWhitespace(s[e - 1])) --e;
        s = s.substr(b, e - b);
        break;
      }
      case NormalizerStep::kReplace: ReplaceAll(&s, step.from, step.to); break;
      case NormalizerStep::kCollapseSpaces: {
        std::u32string out;
        for (size_t i = 0; i < s.size();) {
          size_t j = i;
          while (j < s.size() && s[j] == ' ') ++j;
          if (j - i >= 2) {
            out += step.to;
            i = j;
          } else {
            out.push_back(s[i++]);
          }
        }
        s = std::move(out);
        break;
      }
    }
  }
  return s;
}

void UnigramTokenizer::TokenizeSegment(std::u32string_view text, bool first, std::vector<int32_t>* out) const {
  std::u32string s = Normalized(text);
  if (s.empty()) return;
  const char32_t mark = options_.replacement;
  std::replace(s.begin(), s.end(), U' ', mark);
  bool prepend = options_.prepend == UnigramOptions::Prepend::kAlways ||
                 (options_.prepend == UnigramOptions::Prepend::kFirst && first);
  if (prepend && s.front() != mark) s.insert(s.begin(), mark);
  size_t start = 0;
  for (size_t i = 1; i <= s.size(); ++i) {
    if (i == s.size() || (options_.split && s[i] == mark)) {
      Viterbi(EncodeUtf8(std::u32string_view(s).substr(start, i - start)), out);
      start = i;
    }
  }
}

void UnigramTokenizer::Viterbi(const std::string& piece, std::vector<int32_t>* out) const {
  const size_t n = piece.size();
  struct Node {
    double score = 0;
    int64_t start = -1;  // -1: not reached yet
    int32_t id = -1;
  };
  std::vector<Node> best(n + 1);
  const double unk_score = min_score_ - kUnkPenalty;
  std::string candidate;
  for (size_t at = 0; at < n;) {
    const size_t mblen = std::min(Utf8Length(static_cast<unsigned char>(piece[at])), n - at);
    const double base = best[at].score;
    bool single = false;
    for (size_t len = 1; len <= std::min(max_piece_bytes_, n - at); ++len) {
      candidate.assign(piece, at, len);
      auto it = ids_.find(candidate);
      if (it == ids_.end()) continue;
      Node& target = best[at + len];
      const double score = base + scores_[static_cast<size_t>(it->second)];
      if (target.start < 0 || score > target.score) target = {score, static_cast<int64_t>(at), it->second};
      single |= len == mblen;
    }
    if (!single) {
      Node& target = best[at + mblen];
      const double score = base + unk_score;
      if (target.start < 0 || score > target.score) target = {score, static_cast<int64_t>(at), options_.unk_id};
    }
    at += mblen;
  }
  // Backtrack; consecutive unknown pieces fuse into one token.
  std::vector<std::pair<size_t, size_t>> spans;  // [begin, end) of each token, last first
  std::vector<bool> unk;
  for (size_t end = n; end > 0;) {
    const Node& node = best[end];
    const size_t begin = static_cast<size_t>(node.start);
    const bool is_unk = node.id == options_.unk_id;
    if (is_unk && !unk.empty() && unk.back()) {
      spans.back().first = begin;
    } else {
      spans.emplace_back(begin, end);
      unk.push_back(is_unk);
    }
    end = begin;
  }
  for (size_t k = spans.size(); k-- > 0;) {
    if (!unk[k]) {
      out->push_back(best[spans[k].second].id);
      continue;
    }
    auto it = ids_.find(piece.substr(spans[k].first, spans[k].second - spans[k].first));
    out->push_back(it == ids_.end() ? options_.unk_id : it->second);
  }
}

}  // namespace exemplar::embed::local
