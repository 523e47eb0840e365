// MIPROv2's grounded instruction proposer (dspy/propose/grounded_proposer.py), natively.
#include "lm/chat_adapter.h"
#include "lm/value_format.h"
#include "optimize/mipro.h"
#include "service/templates/dspy/text.h"

namespace exemplar::optimize {
namespace {

constexpr int kDemosInContext = 3;  // DSPy's BOOTSTRAPPED_FEWSHOT_EXAMPLES_IN_CONTEXT

dspy::SignatureField Str(const std::string& name, const std::string& desc, const std::string& prefix) {
  dspy::SignatureField f;
  f.name = name;
  f.schema_type = "string";
  f.python_type = "str";
  f.description = desc;
  f.desc = desc;
  f.prefix = prefix;
  return f;
}

// One LM call through the adapter; the named output, prefix-stripped.
Result<std::string> Ask(Session& s, const dspy::SignatureSpec& sig, const Json& inputs, const std::string& output,
                        double temperature, std::optional<uint64_t> rollout) {
  lm::LmRequest req;
  req.messages = lm::FormatChat(sig, {}, inputs);
  req.temperature = temperature;
  req.max_tokens = s.ctx().max_tokens;
  req.seed = rollout;
  EXEMPLAR_ASSIGN_OR_RETURN(lm::LmResponse resp, s.lm().Complete(req));
  EXEMPLAR_ASSIGN_OR_RETURN(Json parsed, lm::ParseChatReply(sig, resp.text));
  return StripPrefix(parsed[output].get<std::string>());
}

Result<std::string> DatasetSummary(Session& s, const std::vector<DataPoint>& trainset, int batch) {
  dspy::SignatureSpec describe;
  describe.instructions =
      "Given several examples from a dataset please write observations about trends that hold for "
      "most or all of the samples. Some areas you may consider in your observations: topics, "
      "content, syntax, conciceness, etc. It will be useful to make an educated guess as to the "
      "nature of the task this dataset will enable. Don't be afraid to be creative";
  describe.inputs = {Str("examples", "Sample data points from the dataset", "Examples:")};
  describe.outputs = {Str("observations", "Somethings that holds true for most or all of the data you observed",
                          "Observations:")};
  std::string examples;
  for (size_t i = 0; i < trainset.size() && static_cast<int>(i) < batch; ++i) {
    Json all = trainset[i].inputs;
    all.update(trainset[i].outputs);
    examples += "Example(" + lm::PyJsonDumps(all) + ")\n";
  }
  EXEMPLAR_ASSIGN_OR_RETURN(std::string observations,
                            Ask(s, describe, {{"examples", examples}}, "observations", 1.0, std::nullopt));
  dspy::SignatureSpec summarize;
  summarize.instructions =
      "Given a series of observations I have made about my dataset, please summarize them into a "
      "brief 2-3 sentence summary which highlights only the most important details.";
  summarize.inputs = {Str("observations", "Observations I have made about my dataset", "Observations:")};
  summarize.outputs = {Str("summary", "Two to Three sentence summary of only the most significant highlights of my observations",
                           "Summary:")};
  return Ask(s, summarize, {{"observations", observations}}, "summary", 1.0, std::nullopt);
}

// Up to kDemosInContext augmented demos from set j, then the following sets (wrapping), each as
// "{prefix} {value}" lines over all fields of the predictor's signature.
std::string TaskDemos(Session& s, const std::vector<std::vector<Demo>>& sets, size_t j) {
  if (j == 0 || sets.empty()) return "No task demos provided.";
  dspy::SignatureSpec sig = ModuleSignature(s.spec(), s.ctx().module);
  std::string out;
  int count = 0;
  for (size_t step = 0; step < sets.size() && count < kDemosInContext; ++step) {
    for (const Demo& d : sets[(j + step) % sets.size()]) {
      if (!d.augmented || count >= kDemosInContext) continue;
      std::vector<std::string> lines;
      for (const auto* fields : {&sig.inputs, &sig.outputs}) {
        for (const dspy::SignatureField& f : *fields) {
          lines.push_back(f.prefix + " " + (d.fields.contains(f.name) ? lm::PyStr(d.fields[f.name]) : "None"));
        }
      }
      for (size_t i = 0; i < lines.size(); ++i) out += (i ? "\n" : "") + lines[i];
      out += "\n\n";
      ++count;
    }
  }
  return out.find_first_not_of(" \n\t") == std::string::npos ? "No task demos provided." : out;
}

}  // namespace

const std::vector<std::string>& ProposerTips() {
  static const std::vector<std::string> kTips = {
      "",
      "Don't be afraid to be creative when creating the new instruction!",
      "Keep the instruction clear and concise.",
      "Make sure your instruction is very informative and descriptive.",
      "The instruction should include a high stakes scenario in which the LM must solve the task!",
      "Include a persona that is relevant to the task in the instruction (ie. \"You are a ...\")",
  };
  return kTips;
}

dspy::SignatureSpec ProposerSignature(bool with_dataset, bool with_demos, bool with_tip) {
  dspy::SignatureSpec sig;
  sig.class_name = "GenerateSingleModuleInstruction";
  sig.instructions =
      "Use the information below to learn about a task that we are trying to solve using calls to "
      "an LM, then generate a new instruction that will be used to prompt a Language Model to better "
      "solve the task.";
  if (with_dataset) {
    sig.inputs.push_back(Str("dataset_description", "A description of the dataset that we are using.", "DATASET SUMMARY:"));
  }
  if (with_demos) sig.inputs.push_back(Str("task_demos", "Example inputs/outputs of our module.", "TASK DEMO(S):"));
  sig.inputs.push_back(Str("basic_instruction", "Basic instruction.", "BASIC INSTRUCTION:"));
  if (with_tip) {
    sig.inputs.push_back(Str("tip", "A suggestion for how to go about generating the new instruction.", "TIP:"));
  }
  sig.outputs = {Str("proposed_instruction",
                     "Propose an instruction that will be used to prompt a Language Model to perform this task.",
                     "PROPOSED INSTRUCTION:")};
  return sig;
}

std::string StripPrefix(std::string_view text) {
  // re.sub(r"^[\*\s]*(([\w\'\-]+\s+){0,4}[\w\'\-]+):\s*", "", text).strip('"') with Python's Unicode
  // \w and \s (dspy/text.h): "Aufgabe für Sie: X" loses its label, "📌 Task: X" and "Rolle — Experte: X"
  // keep theirs (an emoji, an em dash are not \w). Word characters, spaces and ':' are disjoint,
  // so the regex has one way to match and a left-to-right scan finds it.
  const std::u32string s = dspy::DecodeUtf8(text);
  auto word_char = [](char32_t c) { return dspy::IsPyWordChar(c) || c == U'\'' || c == U'-'; };
  size_t i = 0;
  while (i < s.size() && (s[i] == U'*' || dspy::IsPyWhitespace(s[i]))) ++i;
  size_t j = i;
  int words = 0;
  bool matched = false;
  while (j < s.size() && words < 5) {
    size_t w = j;
    while (w < s.size() && word_char(s[w])) ++w;
    if (w == j) break;
    ++words;
    if (w < s.size() && s[w] == U':') {
      j = w + 1;
      matched = true;
      break;
    }
    size_t sp = w;
    while (sp < s.size() && dspy::IsPyWhitespace(s[sp])) ++sp;
    if (sp == w) break;
    j = sp;
  }
  size_t begin = 0, end = s.size();
  if (matched) {
    begin = j;
    while (begin < end && dspy::IsPyWhitespace(s[begin])) ++begin;
  }
  while (begin < end && s[begin] == U'"') ++begin;
  while (end > begin && s[end - 1] == U'"') --end;
  return dspy::EncodeUtf8(std::u32string_view(s).substr(begin, end - begin));
}

Result<std::vector<std::string>> ProposeInstructions(Session& s, const std::vector<DataPoint>& trainset,
                                                     const std::vector<std::vector<Demo>>& demo_sets,
                                                     int count, const ProposerConfig& config, PyRandom& rng) {
  std::string summary;
  bool data_aware = config.data_aware;
  if (data_aware) {
    Result<std::string> r = DatasetSummary(s, trainset, config.view_data_batch_size);
    if (!r.ok()) {
      if (s.stopped()) return s.StoppedStatus();
      s.Log("Dataset summary failed (" + r.status().message() + "); proposing without it");
      data_aware = false;
    } else {
      summary = *r;
    }
  }
  const int proposals = demo_sets.empty() ? count : std::min<int>(count, static_cast<int>(demo_sets.size()));
  std::vector<std::string> candidates = {s.spec().instructions};
  for (int j = 0; j < std::max(1, proposals); ++j) {
    std::string tip = config.tip_aware ? ProposerTips()[rng.ChoiceIndex(ProposerTips().size())] : "";
    uint64_t rollout = static_cast<uint64_t>(rng.RandInt(0, 1000000000));
    if (j == 0) continue;  // replaced by the original instructions, as in DSPy
    bool with_demos = config.fewshot_aware && !demo_sets.empty();
    dspy::SignatureSpec sig = ProposerSignature(data_aware, with_demos, !tip.empty());
    Json inputs = {{"basic_instruction", s.spec().instructions}};
    if (data_aware) inputs["dataset_description"] = summary;
    if (with_demos) inputs["task_demos"] = TaskDemos(s, demo_sets, j);
    if (!tip.empty()) inputs["tip"] = tip;
    Result<std::string> proposal = Ask(s, sig, inputs, "proposed_instruction", config.init_temperature, rollout);
    if (!proposal.ok()) {
      if (s.stopped()) return s.StoppedStatus();
      s.Log("Instruction proposal " + std::to_string(j) + " failed: " + proposal.status().message());
      continue;
    }
    // DSPy sets a proposal with Signature.with_instructions, and a signature's `instructions` are
    // inspect.cleandoc(__doc__): its prompts, and the state it saves, hold the cleandoc'ed text.
    const std::string instruction = dspy::CleanDoc(*proposal);
    if (instruction.empty()) continue;
    s.Log("Proposed instruction " + std::to_string(j) + ": " + instruction);
    candidates.push_back(instruction);
  }
  return candidates;
}

}  // namespace exemplar::optimize
