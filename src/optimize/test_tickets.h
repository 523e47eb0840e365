// Test-only: a small synthetic classification task (support tickets of four categories) for the
// optimizer tests.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "optimize/optimizer.h"
#include "optimize/py_random.h"

namespace exemplar::optimize {

inline dspy::SignatureSpec TicketSpec() {
  dspy::SignatureSpec spec;
  spec.instructions = "Classify the support ticket into a category.";
  dspy::SignatureField in, out;
  in.name = "ticket";
  in.python_type = "str";
  in.desc = "${ticket}";
  in.prefix = "Ticket:";
  out.name = "category";
  out.python_type = "str";
  out.desc = "one of billing, bug, account, shipping";
  out.prefix = "Category:";
  spec.inputs = {in};
  spec.outputs = {out};
  return spec;
}

// 40 tickets of 4 classes; tickets of a class share keywords.
inline std::vector<DataPoint> Tickets() {
  const std::vector<std::pair<std::string, std::vector<std::string>>> classes = {
      {"billing", {"invoice", "charge", "refund", "payment", "card", "bill"}},
      {"bug", {"crash", "error", "freeze", "button", "screen", "broken"}},
      {"account", {"password", "login", "email", "username", "reset", "profile"}},
      {"shipping", {"package", "delivery", "tracking", "courier", "address", "arrived"}},
  };
  const std::vector<std::string> filler = {"my", "please", "help", "today", "again", "still", "urgent", "thanks"};
  PyRandom rng(7);
  std::vector<DataPoint> points;
  for (int i = 0; i < 40; ++i) {
    const auto& [label, words] = classes[i % classes.size()];
    std::vector<std::string> tokens;
    for (size_t k : rng.SampleIndices(words.size(), 3)) tokens.push_back(words[k]);
    for (size_t k : rng.SampleIndices(filler.size(), 2)) tokens.push_back(filler[k]);
    rng.Shuffle(tokens);
    std::string text;
    for (const std::string& t : tokens) text += (text.empty() ? "" : " ") + t;
    DataPoint p;
    p.example_id = "ex" + std::to_string(i);
    p.inputs = {{"ticket", text}};
    p.outputs = {{"category", label}};
    points.push_back(std::move(p));
  }
  return points;
}

}  // namespace exemplar::optimize
