// Homogeneous example stores for the relevance floor tests (issue #18): what a team's few-shot
// store usually looks like — one task, one domain, the same field names on every example — with
// queries a user would send (keyword-ish questions, paraphrases, a new review or ticket) and
// off-topic and punctuation-only queries that must find nothing. The off-topic queries are not
// the calibration's probe texts (service/search/relevance_floor.cc), so the tests do not grade
// the probes on themselves.
#pragma once

#include <string>
#include <vector>

#include "common/json_util.h"

namespace exemplar::testing {

struct HomogeneousStore {
  std::string name;
  Json examples;                      // request bodies for POST /examples/batch
  std::vector<std::string> legit;      // queries with relevant examples in the store
  std::vector<std::string> off_topic;  // none: punctuation, noise, keywords of other domains
  // None either, measured, not asserted: whole sentences, whose function words ("the", "of the",
  // "is") match the store's under the lexical hash embedder, so they reach about what short legit
  // keyword queries reach, and "Jupiter moons", which reaches 0.201 in the review store, above
  // its (unchanged, background) floor 0.191 (bench/README.md, "Relevance floor").
  std::vector<std::string> off_topic_sentences;
};

// 240 product reviews, input {"review": ...}, output {"sentiment": positive|negative}.
HomogeneousStore SentimentStore();
// 240 support tickets for one CRM product, input {"product", "channel", "ticket"}, output
// {"category", "priority"}.
HomogeneousStore TicketStore();

}  // namespace exemplar::testing
