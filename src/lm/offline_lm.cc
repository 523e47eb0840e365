#include "lm/offline_lm.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <map>
#include <vector>

#include "lm/chat_adapter.h"
#include "lm/text_similarity.h"
#include "service/templates/dspy/text.h"

namespace exemplar::lm {
namespace {

struct PromptField {
  std::string name;
  std::string type;
};

struct Prompt {
  std::vector<PromptField> inputs, outputs;
  std::vector<std::pair<std::map<std::string, std::string>, std::map<std::string, std::string>>> demos;
  std::map<std::string, std::string> query;
};

// "1. `name` (type): desc" lines between `begin` and `end` of the system message.
std::vector<PromptField> ReadFieldList(const std::string& system, const std::string& begin,
                                       const std::string& end) {
  std::vector<PromptField> fields;
  size_t b = system.find(begin);
  if (b == std::string::npos) return fields;
  b += begin.size();
  size_t e = system.find(end, b);
  std::string block = system.substr(b, e == std::string::npos ? std::string::npos : e - b);
  size_t start = 0;
  while (start < block.size()) {
    size_t nl = block.find('\n', start);
    std::string line = block.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
    start = nl == std::string::npos ? block.size() : nl + 1;
    size_t dot = line.find(". `");
    if (dot == std::string::npos || dot == 0 ||
        !std::all_of(line.begin(), line.begin() + dot,
                     [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; })) {
      continue;
    }
    size_t name_end = line.find("` (", dot + 3);
    size_t type_end = line.find("):", name_end == std::string::npos ? 0 : name_end);
    if (name_end == std::string::npos || type_end == std::string::npos) continue;
    fields.push_back({line.substr(dot + 3, name_end - dot - 3),
                      line.substr(name_end + 3, type_end - name_end - 3)});
  }
  return fields;
}

std::map<std::string, std::string> Sections(const std::string& text,
                                            const std::vector<PromptField>& wanted) {
  std::map<std::string, std::string> out;
  for (const auto& [name, value] : SplitSections(text)) {
    for (const PromptField& f : wanted) {
      if (f.name == name && !out.count(name)) out[name] = value;
    }
  }
  return out;
}

bool ReadPrompt(const std::vector<ChatMessage>& messages, Prompt* p) {
  if (messages.size() < 2 || messages.front().role != "system") return false;
  const std::string& system = messages.front().content;
  p->inputs = ReadFieldList(system, "Your input fields are:\n", "\nYour output fields are:");
  p->outputs = ReadFieldList(system, "Your output fields are:\n", "\nAll interactions will be");
  if (p->outputs.empty()) return false;
  for (size_t i = 1; i + 2 < messages.size(); i += 2) {
    if (messages[i].role != "user" || messages[i + 1].role != "assistant") break;
    auto outs = Sections(messages[i + 1].content, p->outputs);
    for (auto it = outs.begin(); it != outs.end();) {
      it = dspy::PyStrip(kMissingFieldMessage) == it->second ? outs.erase(it) : std::next(it);
    }
    p->demos.emplace_back(Sections(messages[i].content, p->inputs), std::move(outs));
  }
  std::string last = messages.back().content;
  size_t respond = last.rfind("Respond with the corresponding output fields");
  if (respond != std::string::npos) last = last.substr(0, respond);
  p->query = Sections(last, p->inputs);
  return true;
}

std::string InputText(const std::vector<PromptField>& inputs,
                      const std::map<std::string, std::string>& values) {
  std::string text;
  for (const PromptField& f : inputs) {
    auto it = values.find(f.name);
    if (it != values.end()) text += f.name + ": " + it->second + "\n";
  }
  return text;
}

std::string DefaultValue(const PromptField& f) {
  if (f.name == "reasoning") return "The answer follows the most similar known example.";
  if (f.type == "int") return "0";
  if (f.type == "float") return "0.0";
  if (f.type == "bool") return "False";
  if (f.type == "list" || f.type.rfind("list[", 0) == 0) return "[]";
  if (f.type == "dict" || f.type.rfind("dict[", 0) == 0) return "{}";
  return "unknown";
}

uint64_t Hash(const std::string& s, uint64_t h = 0xcbf29ce484222325ULL) {
  for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ULL;
  return h;
}

std::string ProposeInstruction(const LmRequest& req, const Prompt& p) {
  auto get = [&](const char* name) {
    auto it = p.query.find(name);
    return it == p.query.end() ? std::string() : it->second;
  };
  std::string basic = get("basic_instruction");
  if (basic.empty()) basic = "Complete the task.";
  std::string lowered = basic;
  lowered[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(lowered[0])));
  const std::string templates[] = {
      basic + " Read every input field carefully before answering.",
      "You are a meticulous domain expert. " + basic,
      basic + " Answer concisely and use exactly the output format shown in the examples.",
      "Study the examples first, then " + lowered,
      basic + " When unsure, give the answer of the most similar example.",
      "Task: " + basic + " Be precise and add no extra commentary.",
  };
  char seed[64];
  std::snprintf(seed, sizeof(seed), "%llu|%.6g|",
                static_cast<unsigned long long>(req.seed.value_or(0)), req.temperature);
  uint64_t h = Hash(get("tip"), Hash(basic, Hash(seed)));
  return templates[h % (sizeof(templates) / sizeof(templates[0]))];
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string Answer(const LmRequest& req, const Prompt& p) {
  std::map<std::string, std::string> out;
  auto has_output = [&](const char* name) {
    for (const PromptField& f : p.outputs) {
      if (f.name == name) return true;
    }
    return false;
  };
  if (has_output("proposed_instruction")) {
    out["proposed_instruction"] = ProposeInstruction(req, p);
  } else if (has_output("score") && p.query.count("expected_output") &&
             p.query.count("predicted_output")) {
    const std::string& e = p.query.at("expected_output");
    const std::string& g = p.query.at("predicted_output");
    double s = Lower(dspy::PyStrip(e)) == Lower(dspy::PyStrip(g)) ? 1.0 : TextSimilarity(e, g);
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%.2f", s);
    out["score"] = buf;
  } else if (has_output("observations") || has_output("summary")) {
    std::string text = "The examples pair inputs with short labeled outputs of a consistent format.";
    out["observations"] = text;
    out["summary"] = text;
  } else if (!p.demos.empty()) {
    TextVector query = Vectorize(InputText(p.inputs, p.query));
    size_t best = 0;
    double best_sim = -1;
    for (size_t i = 0; i < p.demos.size(); ++i) {
      double sim = Similarity(query, Vectorize(InputText(p.inputs, p.demos[i].first)));
      if (sim > best_sim) {
        best_sim = sim;
        best = i;
      }
    }
    out = p.demos[best].second;
  }
  std::string reply;
  for (const PromptField& f : p.outputs) {
    auto it = out.find(f.name);
    reply += "[[ ## " + f.name + " ## ]]\n" + (it != out.end() ? it->second : DefaultValue(f)) + "\n\n";
  }
  return reply + "[[ ## completed ## ]]";
}

int64_t Words(const std::string& s) {
  int64_t n = 0;
  bool in_word = false;
  for (unsigned char c : s) {
    bool space = std::isspace(c);
    if (!space && !in_word) ++n;
    in_word = !space;
  }
  return n;
}

}  // namespace

Result<LmResponse> OfflineLm::Complete(const LmRequest& request) {
  if (request.cancelled && request.cancelled()) return Status::Unavailable(kCancelledMessage);
  calls_.fetch_add(1);
  Prompt prompt;
  LmResponse resp;
  resp.text = ReadPrompt(request.messages, &prompt)
                  ? Answer(request, prompt)
                  : "The offline stand-in LM only answers DSPy ChatAdapter prompts.";
  resp.choices.assign(std::max(1, request.n), resp.text);
  for (const ChatMessage& m : request.messages) resp.prompt_tokens += Words(m.content);
  resp.completion_tokens = Words(resp.text);
  return resp;
}

}  // namespace exemplar::lm
