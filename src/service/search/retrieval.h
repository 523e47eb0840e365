// Retrieval for prompts, the agent hook (SPEC §4.2): search, format the examples for a prompt
// (xml, markdown, json, chat) within a token budget, record the retrieval, and credit a later
// outcome to every example it returned, exactly once.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/json_util.h"
#include "service/effectiveness/effectiveness.h"
#include "service/search/search.h"
#include "service/search/usage_retention.h"

namespace exemplar::service {

enum class PromptFormat { kXml, kMarkdown, kJson, kChat };

struct RetrieveRequest {
  SearchRequest search;   // query_text set from `query` (objects are flattened)
  std::string query_raw;  // the query as given (stored with the retrieval)
  PromptFormat format = PromptFormat::kXml;
  std::optional<int64_t> token_budget;
  // Mask personal data (service/quality/pii.h) in the returned examples and the prompt section:
  // an agent whose prompts leave the organisation can still use examples that hold some.
  bool redact = false;
  Json body;  // the body as parsed (current keys), recorded with the retrieval for a replay
  // The caller as the original plan's agent path names it (set by that path; kept with the record).
  std::optional<std::string> agent_id;
  std::optional<std::string> session_id;
  // Who is asking, as the audit log names an actor (the API sets it from the authenticated
  // caller); kept with the retrieval and its events.
  std::optional<std::string> actor;
};

// Parses the retrieve body; 422 field errors into v.
RetrieveRequest ParseRetrieveRequest(const Json& body, Validation& v);

// Renders examples for a prompt; content is escaped for its format.
std::string FormatExamples(const std::vector<Example>& examples, PromptFormat format);
Json ChatMessages(const std::vector<Example>& examples);
// A rough token estimate (4 characters per token, the usual rule of thumb for English text).
int64_t EstimateTokens(const std::string& text);

class Retrieval {
 public:
  // `retention` (may be null: nothing is pruned) is told of each recorded retrieval and words the
  // 404 of a retrieval the store does not hold.
  Retrieval(storage::Store& store, Search& search, Effectiveness& effectiveness,
            UsageRetention* retention = nullptr)
      : store_(store), search_(search), effectiveness_(effectiveness), retention_(retention) {}

  // Ranks relevant examples with the request's exploration policy (default Thompson sampling,
  // seeded per retrieval) and records the retrieval with its seed and why each example was
  // chosen. Nothing relevant: no examples, an empty formatted_prompt, metadata.no_match true.
  Result<Json> Retrieve(const RetrieveRequest& req);
  // A recorded retrieval: its examples, outcome, policy, seed and ranking reasons. kNotFound (its
  // message says retention may have pruned it) for an id the store does not hold.
  Result<Json> Get(const std::string& retrieval_id);
  // Credits the retrieval's examples with `outcome`, except those `example_outcomes` names (an
  // agent that can tell which example helped or misled it), which get their own outcome;
  // "unknown" credits an example nothing. The answer reports what was stored: per example its
  // outcome and deltas (example_credits), the credited ids (evidence added), the others (unknown,
  // or deleted since the retrieval) and the sums of the deltas. kNotFound for an unknown retrieval
  // (one pruned by retention included, even while its outcome is being recorded: nothing is
  // credited then), kAlreadyExists (409) for a second outcome, 422 for a named example the
  // retrieval did not return. `actor`, who reports it, is kept with the retrieval and the
  // outcome's events.
  Result<Json> Outcome(const std::string& retrieval_id, const std::string& outcome,
                       const std::map<std::string, std::string>& example_outcomes,
                       std::optional<double> confidence, std::optional<std::string> notes,
                       std::optional<std::string> actor);

 private:
  // The stored retrieval; a kNotFound worded by Missing.
  Result<storage::Retrieval> Find(const std::string& retrieval_id);
  // kNotFound with the retention's message (a retrieval may have been pruned); others unchanged.
  Status Missing(const Status& st) const;

  storage::Store& store_;
  Search& search_;
  Effectiveness& effectiveness_;
  UsageRetention* retention_;
};

}  // namespace exemplar::service
