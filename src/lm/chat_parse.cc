// ParseChatReply and SplitSections of chat_adapter.h.
#include <cctype>
#include <optional>
#include <set>

#include "lm/chat_adapter.h"
#include "lm/value_format.h"
#include "service/templates/dspy/text.h"

namespace exemplar::lm {
namespace {

bool IsWordByte(unsigned char c) { return std::isalnum(c) || c == '_' || c >= 0x80; }

// When `line` starts with "[[ ## name ## ]]": the name, and *rest = the text after the marker.
bool MatchHeader(const std::string& line, std::string* name, std::string* rest) {
  static const std::string kOpen = "[[ ## ", kClose = " ## ]]";
  if (line.rfind(kOpen, 0) != 0) return false;
  size_t i = kOpen.size();
  while (i < line.size() && IsWordByte(static_cast<unsigned char>(line[i]))) ++i;
  if (i == kOpen.size() || line.compare(i, kClose.size(), kClose) != 0) return false;
  *name = line.substr(kOpen.size(), i - kOpen.size());
  *rest = line.substr(i + kClose.size());
  return true;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start <= text.size()) {
    size_t nl = text.find('\n', start);
    std::string line = text.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (nl == std::string::npos) {
      if (!line.empty()) lines.push_back(std::move(line));
      break;
    }
    lines.push_back(std::move(line));
    start = nl + 1;
  }
  return lines;
}

std::string NameList(const std::vector<std::string>& names) {
  std::string out = "[";
  for (size_t i = 0; i < names.size(); ++i) out += (i ? ", " : "") + names[i];
  return out + "]";
}

// The end of the balanced {...} starting at `open`, or npos.
size_t MatchBrace(const std::string& s, size_t open) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = open; i < s.size(); ++i) {
    char c = s[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    else if (c == '{') ++depth;
    else if (c == '}' && --depth == 0) return i;
  }
  return std::string::npos;
}

// The reply as a JSON object: the whole text, else the first balanced {...} that parses.
std::optional<Json> FindJsonObject(const std::string& completion) {
  Json whole = Json::parse(completion, nullptr, /*allow_exceptions=*/false);
  if (whole.is_object()) return whole;
  for (size_t open = completion.find('{'); open != std::string::npos;
       open = completion.find('{', open + 1)) {
    size_t close = MatchBrace(completion, open);
    if (close == std::string::npos) continue;
    Json j = Json::parse(completion.substr(open, close - open + 1), nullptr, false);
    if (j.is_object()) return j;
  }
  return std::nullopt;
}

Result<Json> ParseJsonReply(const dspy::SignatureSpec& spec, const std::string& completion) {
  std::optional<Json> obj = FindJsonObject(completion);
  if (!obj) return Status::InvalidArgument("the reply holds no JSON object");
  Json out = Json::object();
  std::vector<std::string> missing;
  for (const dspy::SignatureField& f : spec.outputs) {
    auto it = obj->find(f.name);
    if (it == obj->end()) {
      missing.push_back(f.name);
      continue;
    }
    EXEMPLAR_ASSIGN_OR_RETURN(out[f.name], CoerceFieldValue(f, *it));
  }
  if (!missing.empty()) return Status::InvalidArgument("the JSON object lacks " + NameList(missing));
  return out;
}

Result<Json> ParseMarkers(const dspy::SignatureSpec& spec, const std::string& completion) {
  Json out = Json::object();
  for (const auto& [name, text] : SplitSections(completion)) {
    if (name.empty() || out.contains(name)) continue;
    for (const dspy::SignatureField& f : spec.outputs) {
      if (f.name != name) continue;
      EXEMPLAR_ASSIGN_OR_RETURN(out[name], ParseFieldValue(f, text));
    }
  }
  std::vector<std::string> expected, actual;
  for (const dspy::SignatureField& f : spec.outputs) {
    expected.push_back(f.name);
    if (out.contains(f.name)) actual.push_back(f.name);
  }
  if (actual.size() != expected.size()) {
    return Status::InvalidArgument("Expected to find output fields in the LM response: " +
                                   NameList(expected) +
                                   ". Actual output fields parsed from the LM response: " +
                                   NameList(actual) + ".");
  }
  return out;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> SplitSections(const std::string& text) {
  std::vector<std::pair<std::string, std::vector<std::string>>> sections = {{"", {}}};
  for (const std::string& line : Lines(text)) {
    std::string name, rest;
    if (MatchHeader(dspy::PyStrip(line), &name, &rest)) {
      rest = dspy::PyStrip(rest);
      sections.push_back({name, {}});
      if (!rest.empty()) sections.back().second.push_back(rest);
    } else {
      sections.back().second.push_back(line);
    }
  }
  std::vector<std::pair<std::string, std::string>> out;
  for (auto& [name, lines] : sections) {
    std::string joined;
    for (size_t i = 0; i < lines.size(); ++i) joined += (i ? "\n" : "") + lines[i];
    out.emplace_back(name, dspy::PyStrip(joined));
  }
  return out;
}

Result<Json> ParseChatReply(const dspy::SignatureSpec& spec, const std::string& completion) {
  Result<Json> chat = ParseMarkers(spec, completion);
  if (chat.ok()) return chat;
  Result<Json> json = ParseJsonReply(spec, completion);
  if (json.ok()) return json;
  return Status::InvalidArgument("AdapterParseError: ChatAdapter failed to parse the LM response. " +
                                 chat.status().message() +
                                 " (JSON fallback: " + json.status().message() + ")");
}

}  // namespace exemplar::lm
