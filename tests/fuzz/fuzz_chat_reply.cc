// Fuzzes the prompt-reply parser: ParseChatReply (ChatAdapter `[[ ## field ## ]]` sections with
// typed values, then the JSON-object fallback) for a signature with one output of each type, and
// SplitSections; with "prompt" the text is read back as a ChatAdapter prompt by the offline LM,
// which parses demos and inputs the same way.
// Input: "reply" or "prompt" on the first line, then the text. In a prompt, lines holding only
// "----" separate the user/assistant messages that follow the system message.
#include <cstddef>
#include <cstdint>
#include <string>

#include "lm/chat_adapter.h"
#include "lm/offline_lm.h"
#include "lm/value_format.h"

namespace exemplar {
namespace {

dspy::SignatureField Field(const std::string& name, const std::string& type) {
  dspy::SignatureField f;
  f.name = name;
  f.python_type = type;
  f.desc = "${" + name + "}";
  f.prefix = name + ":";
  return f;
}

const dspy::SignatureSpec& AllTypes() {
  static const dspy::SignatureSpec spec = [] {
    dspy::SignatureSpec s;
    s.instructions = "Answer.";
    s.inputs = {Field("question", "str"), Field("context", "list")};
    s.outputs = {Field("answer", "str"), Field("count", "int"), Field("score", "float"),
                 Field("ok", "bool"), Field("tags", "list"), Field("meta", "dict")};
    return s;
  }();
  return spec;
}

const dspy::SignatureSpec& SingleOutput() {
  static const dspy::SignatureSpec spec = [] {
    dspy::SignatureSpec s;
    s.instructions = "Classify.";
    s.inputs = {Field("text", "str")};
    s.outputs = {Field("label", "str")};
    return s;
  }();
  return spec;
}

}  // namespace
}  // namespace exemplar

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace exemplar;
  std::string input(reinterpret_cast<const char*>(data), size);
  size_t nl = input.find('\n');
  if (nl == std::string::npos) return 0;
  std::string mode = input.substr(0, nl), text = input.substr(nl + 1);
  if (mode == "reply") {
    for (const auto* spec : {&AllTypes(), &SingleOutput()}) {
      auto parsed = lm::ParseChatReply(*spec, text);
      if (parsed.ok()) (void)DumpJson(*parsed);
    }
    (void)lm::SplitSections(text);
    for (const auto& f : AllTypes().outputs) (void)lm::ParseFieldValue(f, text);
  } else if (mode == "prompt") {
    lm::LmRequest request;
    request.messages.push_back({"system", lm::FormatSystemMessage(AllTypes())});
    size_t start = 0;
    for (int i = 0; start <= text.size(); ++i) {
      size_t sep = text.find("\n----\n", start);
      std::string part = text.substr(start, sep == std::string::npos ? std::string::npos : sep - start);
      request.messages.push_back({i % 2 == 0 ? "user" : "assistant", part});
      if (sep == std::string::npos) break;
      start = sep + 6;
    }
    if (request.messages.size() % 2 == 1) request.messages.push_back({"user", ""});
    lm::OfflineLm offline;
    auto reply = offline.Complete(request);
    if (reply.ok()) (void)lm::ParseChatReply(AllTypes(), reply->text);
  }
  return 0;
}
