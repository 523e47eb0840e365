// OfflineLm: a deterministic stand-in for a language model, for demos, tests and offline runs.
// It is NOT a model: it reads a DSPy ChatAdapter prompt back (the system message's field lists,
// the demo user/assistant pairs and the final inputs) and answers by nearest neighbour.
//
// Behaviour, by the output fields the prompt asks for:
//  - `proposed_instruction` (MIPROv2's instruction proposer): the `basic_instruction` input
//    rewritten with one of a few fixed templates, chosen by a hash of the request (seed,
//    temperature and inputs), so different rollouts give different instructions.
//  - `observations` / `summary` (dataset description): a fixed sentence naming the fields.
//  - `score` with inputs `expected_output` and `predicted_output` (an LLM judge): the lexical
//    similarity of the two texts (TextSimilarity), 1.0 when they are equal ignoring case.
//  - anything else: the demo whose input text is most similar to the query's (TextSimilarity
//    over "name: value" lines; ties go to the earlier demo) is copied: each output field takes
//    that demo's value. Without demos (or a field the demo lacks) it answers a fixed guess per
//    type: "unknown" (str), 0, 0.0, False, [], {}; `reasoning` gets a fixed sentence. So a
//    zero-shot program scores low and demos change accuracy, as they would with a real model.
// Replies are in ChatAdapter format ending with [[ ## completed ## ]]; token counts are word
// counts. Instructions do not change answers. Thread-safe; no state besides a call counter.
#pragma once

#include <atomic>
#include <string>

#include "lm/lm.h"

namespace exemplar::lm {

class OfflineLm : public Lm {
 public:
  Result<LmResponse> Complete(const LmRequest& request) override;
  std::string name() const override { return "offline"; }

  int64_t calls() const { return calls_.load(); }

 private:
  std::atomic<int64_t> calls_{0};
};

}  // namespace exemplar::lm
