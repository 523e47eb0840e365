#include "service/search/retrieval.h"

#include <algorithm>

#include "common/ids.h"
#include "common/time.h"
#include "index/text.h"
#include "service/examples/example_json.h"
#include "service/quality/pii.h"
#include "service/templates/template_family.h"

namespace exemplar::service {
namespace {

// How much effectiveness counts against relevance among relevant candidates. With exploration
// an example's bad luck is not final, so evidence can weigh this much (the agent simulation in
// bench/README.md measures 0.2 and 0.5).
constexpr double kRetrievalEffectivenessWeight = 0.5;

Json Opt(const std::optional<double>& d) { return d ? Json(*d) : Json(nullptr); }

// Escapes element text: & < > only. Quotes need escaping inside attribute values, and the one
// attribute written here is a number; escaping them turned every JSON quote a model reads into
// &quot;. Without '<' no value can close or open an element, "</input>" included.
std::string XmlText(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      default: out += c;
    }
  }
  return out;
}

// The values of a JSON query, without its keys, one per line: what an object query is about. A
// null or a boolean asks about nothing ("null" and "false" would count as words).
void AppendValues(const Json& j, std::string* out) {
  if (j.is_object() || j.is_array()) {
    for (const auto& x : j) AppendValues(x, out);
    return;
  }
  if (j.is_null() || j.is_boolean()) return;
  if (!out->empty()) out->push_back('\n');
  out->append(j.is_string() ? j.get<std::string>() : DumpJson(j));
}

// A Markdown code fence longer than any backtick run inside the content, so it cannot be closed early.
std::string Fence(const std::string& content) {
  size_t longest = 0, run = 0;
  for (char c : content) {
    run = c == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  return std::string(std::max<size_t>(3, longest + 1), '`');
}

std::string Pretty(const std::string& json_text) {
  return DumpJson(Json::parse(json_text, nullptr, false), 2);
}

std::string FormatOne(const Example& e, size_t n, PromptFormat format) {
  std::string input = Pretty(e.input_json), output = Pretty(e.expected_output_json);
  switch (format) {
    case PromptFormat::kXml: {
      std::string s = "<example index=\"" + std::to_string(n) + "\">\n<input>" + XmlText(input) +
                      "</input>\n<expected_output>" + XmlText(output) + "</expected_output>\n";
      if (e.explanation) s += "<explanation>" + XmlText(*e.explanation) + "</explanation>\n";
      return s + "</example>\n";
    }
    case PromptFormat::kMarkdown: {
      std::string fi = Fence(input), fo = Fence(output);
      std::string s = "### Example " + std::to_string(n) + "\n\n**Input:**\n" + fi + "json\n" + input +
                      "\n" + fi + "\n\n**Expected output:**\n" + fo + "json\n" + output + "\n" + fo + "\n";
      if (e.explanation) {
        std::string fe = Fence(*e.explanation);
        s += "\n**Explanation:**\n" + fe + "text\n" + *e.explanation + "\n" + fe + "\n";
      }
      return s + "\n";
    }
    default:
      return "";
  }
}

// The outcome credited to each example: null before an outcome; an outcome recorded before
// per-example outcomes existed credited every example with the retrieval's.
Json ExampleOutcomes(const storage::Retrieval& r) {
  if (r.example_outcomes_json) {
    Json j = Json::parse(*r.example_outcomes_json, nullptr, false);
    if (j.is_object()) return j;
  }
  if (!r.outcome) return nullptr;
  Json all = Json::object();
  for (const auto& id : r.example_ids) all[id] = *r.outcome;
  return all;
}

// Whether `stored` already holds this outcome, example by example (an example not named in
// `example_outcomes` takes `outcome`); else the 409 says what it holds.
Status SameOutcome(const storage::Retrieval& stored, const std::string& outcome,
                   const std::map<std::string, std::string>& example_outcomes) {
  bool same = stored.outcome == outcome;
  const Json per_example = ExampleOutcomes(stored);
  for (const auto& [id, value] : per_example.items()) {
    auto own = example_outcomes.find(id);
    same = same && value == (own == example_outcomes.end() ? outcome : own->second);
  }
  if (same) return Status::Ok();
  return Status::AlreadyExists("this retrieval already has an outcome (" + stored.outcome.value_or("") +
                               (per_example.size() > 0 ? ", per example: " + per_example.dump() : std::string()) +
                               "); a retrieval takes one outcome, and sending the same one again is a no-op");
}

}  // namespace

int64_t EstimateTokens(const std::string& text) { return static_cast<int64_t>((text.size() + 3) / 4); }

Json ChatMessages(const std::vector<Example>& examples) {
  Json msgs = Json::array();
  for (const auto& e : examples) {
    msgs.push_back({{"role", "user"}, {"content", DumpJson(Json::parse(e.input_json, nullptr, false))}});
    msgs.push_back({{"role", "assistant"},
                    {"content", DumpJson(Json::parse(e.expected_output_json, nullptr, false))}});
  }
  return msgs;
}

std::string FormatExamples(const std::vector<Example>& examples, PromptFormat format) {
  if (examples.empty()) return "";  // nothing relevant: no prompt section at all, not an empty one
  if (format == PromptFormat::kJson) {
    Json arr = Json::array();
    for (const auto& e : examples) {
      arr.push_back({{"input", Json::parse(e.input_json, nullptr, false)},
                     {"expected_output", Json::parse(e.expected_output_json, nullptr, false)},
                     {"explanation", e.explanation ? Json(*e.explanation) : Json(nullptr)}});
    }
    return DumpJson(arr, 2);
  }
  if (format == PromptFormat::kChat) return DumpJson(ChatMessages(examples), 2);
  if (examples.empty()) return "";  // nothing relevant: no prompt section at all, not an empty one
  std::string out = format == PromptFormat::kXml ? "<examples>\n" : "";
  for (size_t i = 0; i < examples.size(); ++i) out += FormatOne(examples[i], i + 1, format);
  if (format == PromptFormat::kXml) out += "</examples>\n";
  return out;
}

RetrieveRequest ParseRetrieveRequest(const Json& body, Validation& v) {
  RetrieveRequest req;
  req.body = body;
  if (!body.is_object()) {
    v.Add({"body"}, "must be a JSON object", "type_error.dict");
    return req;
  }
  // Reuse the search parser for filters, k, mode and mmr (k defaults to 5 here).
  Json search_body = body;
  search_body.erase("query");
  search_body.erase("format");
  search_body.erase("token_budget");
  search_body.erase("min_effectiveness");
  search_body.erase("redact");
  // The retrieval hook weighs evidence unless told otherwise.
  if (!body.contains("effectiveness_weight")) search_body["effectiveness_weight"] = kRetrievalEffectivenessWeight;
  JsonReader r(body, v);
  std::optional<std::string> query_content;
  if (body.contains("query_text")) {  // the search's name for it; here it would be overwritten
    v.Add(r.Loc("query_text"), "unknown field; did you mean `query`?", "value_error.extra");
  }
  if (!body.contains("query") || body["query"].is_null()) {
    v.Add(r.Loc("query"), "field required", "value_error.missing");
  } else if (body["query"].is_string()) {
    req.query_raw = body["query"].get<std::string>();
    if (req.query_raw.size() > 64 * 1024) v.Add(r.Loc("query"), "longer than 65536 bytes", "value_error.too_long");
    search_body["query_text"] = req.query_raw;
  } else if (body["query"].is_object()) {
    req.query_raw = DumpJson(body["query"]);
    // Embedded and matched as examples are ("key: value" lines), but about something only
    // through its values: {"text": "???"} has no content word, as "???" has none.
    std::string flat = index::FlattenJson(body["query"]);
    if (flat.size() > 64 * 1024) {  // named as the caller sent it, not as the search's query_text
      v.Add(r.Loc("query"), "longer than 65536 bytes (its fields together, as \"key: value\" lines)",
            "value_error.too_long");
      flat.clear();
    }
    search_body["query_text"] = std::move(flat);
    query_content.emplace();
    AppendValues(body["query"], &*query_content);
  } else {
    v.Add(r.Loc("query"), "must be a string or a JSON object", "type_error");
  }
  if (!search_body.contains("mode")) search_body["mode"] = "auto";
  req.search = ParseSearchRequest(search_body, v, 5);
  req.search.query_content = std::move(query_content);
  if (auto m = r.Number("min_effectiveness", 0.0, 1.0)) {
    // New examples rank with the prior: they pass a threshold the prior passes.
    req.search.filter.min_effectiveness_score = *m;
    req.search.filter.missing_effectiveness_as = 0.5;
  }
  // An agent's retrievals explore, each with its own seed (recorded, so it can be replayed).
  if (!req.search.exploration) req.search.exploration = kDefaultRetrievalExploration;
  if (!req.search.seed) req.search.seed = NewSeed();
  if (auto f = r.Enum("format", {"xml", "markdown", "json", "chat"})) {
    req.format = *f == "markdown" ? PromptFormat::kMarkdown
                 : *f == "json"   ? PromptFormat::kJson
                 : *f == "chat"   ? PromptFormat::kChat
                                  : PromptFormat::kXml;
  }
  req.token_budget = r.Int("token_budget", 1, 1'000'000);
  req.redact = r.Bool("redact").value_or(false);
  return req;
}

Result<Json> Retrieval::Retrieve(const RetrieveRequest& req) {
  SearchRequest scoped = req.search;
  if (scoped.filter.databit_id) {
    // An agent pinned to the version it deploys retrieves that version's examples: those of its
    // line (they name the root template), not only the few that name the version itself.
    auto t = store_.GetTemplate(*scoped.filter.databit_id);
    if (!t.ok() && !t.status().IsNotFound()) return t.status();
    if (t.ok() && t->parent_template_id) {
      EXEMPLAR_ASSIGN_OR_RETURN(scoped.databit_line, TemplateLineIds(store_, *t));
    }
  }
  EXEMPLAR_ASSIGN_OR_RETURN(SearchResponse found, search_.Run(scoped));
  std::vector<Example> chosen;
  Json items = Json::array(), ranking = Json::array();
  int64_t tokens = 0, left_out = 0;
  PromptFormat fmt = req.format;
  for (auto& hit : found.results) {
    if (req.redact) hit.example = RedactExample(std::move(hit.example));
    // The budget packs in rank order: an example that does not fit is left out and the next ones
    // are still tried (stopping there emptied the prompt when a long example ranked first). Each
    // costs the estimate of its own section, as if alone, so the sum never undercounts the prompt.
    int64_t cost = EstimateTokens(FormatExamples({hit.example}, fmt));
    if (req.token_budget && tokens + cost > *req.token_budget) {
      ++left_out;
      continue;
    }
    tokens += cost;
    Json item = ExampleToJson(hit.example);
    item["similarity_score"] = hit.similarity_score ? Json(*hit.similarity_score) : Json(nullptr);
    item["match_type"] = hit.match_type;
    // Why it was chosen: its relevance, and what the exploration policy blended for it.
    item["why"] = {{"relevance", Opt(hit.scores.relevance)},
                   {"vector", Opt(hit.scores.vector)},
                   {"keyword", Opt(hit.scores.keyword)},
                   {"effectiveness", Opt(hit.scores.effectiveness)},
                   {"effectiveness_used", Opt(hit.scores.effectiveness_used)},
                   {"rank_score", hit.rank_score}};
    ranking.push_back({{"example_id", hit.example.id}, {"why", item["why"]}});
    items.push_back(std::move(item));
    chosen.push_back(std::move(hit.example));
  }
  storage::Retrieval record;
  record.id = NewUuid();
  record.query = req.query_raw;
  if (found.exploration) record.exploration = ExplorationName(*found.exploration);
  if (found.seed) record.seed = static_cast<int64_t>(*found.seed);
  record.ranking_json = DumpJson(ranking);
  // The request, with the policy and seed it ran with: POSTing it again replays this retrieval.
  Json request = req.body.is_object() ? req.body : Json::object();
  request["exploration"] = found.exploration ? Json(ExplorationName(*found.exploration)) : Json("none");
  if (found.seed) request["seed"] = *found.seed;
  record.request_json = DumpJson(request);
  record.agent_id = req.agent_id;
  record.session_id = req.session_id;
  record.actor = req.actor;
  std::vector<UsageEvent> events;
  for (const auto& e : chosen) {
    record.example_ids.push_back(e.id);
    UsageEvent ev;
    ev.example_id = e.id;
    ev.kind = "retrieved";
    ev.retrieval_id = record.id;
    ev.actor = req.actor;
    events.push_back(std::move(ev));
  }
  EXEMPLAR_RETURN_IF_ERROR(store_.RecordRetrieval(record, events));
  if (retention_) {
    retention_->NoteRetrieval();
    retention_->NoteUsageEvents(static_cast<int64_t>(events.size()));
  }
  std::string formatted = FormatExamples(chosen, fmt);
  return Json{{"retrieval_id", record.id},
              {"examples", std::move(items)},
              {"formatted_prompt", formatted},
              {"messages", fmt == PromptFormat::kChat ? ChatMessages(chosen) : Json(nullptr)},
              {"metadata",
               {{"search_type", found.search_type},
                {"no_match", found.no_match},
                {"relevance_floor", Opt(found.relevance_floor)},
                {"exploration", found.exploration ? Json(ExplorationName(*found.exploration)) : Json(nullptr)},
                {"seed", found.seed ? Json(*found.seed) : Json(nullptr)},
                {"k_requested", req.search.k},
                {"returned", chosen.size()},
                {"token_estimate", EstimateTokens(formatted)},
                {"token_budget", req.token_budget ? Json(*req.token_budget) : Json(nullptr)},
                {"truncated_by_budget", left_out > 0},
                {"left_out_by_budget", left_out},
                {"took_ms", found.took_ms}}}};
}

Status Retrieval::Missing(const Status& st) const {
  if (!st.IsNotFound() || !retention_) return st;
  return Status::NotFound(retention_->NotFoundMessage());
}

Result<storage::Retrieval> Retrieval::Find(const std::string& retrieval_id) {
  auto r = store_.GetRetrieval(retrieval_id);
  if (!r.ok()) return Missing(r.status());
  return r;
}

Result<Json> Retrieval::Get(const std::string& retrieval_id) {
  EXEMPLAR_ASSIGN_OR_RETURN(storage::Retrieval r, Find(retrieval_id));
  Json ranking = r.ranking_json ? Json::parse(*r.ranking_json, nullptr, false) : Json::array();
  return Json{{"retrieval_id", r.id},
              {"query", r.query ? Json(*r.query) : Json(nullptr)},
              {"example_ids", r.example_ids},
              {"created_at", FormatRfc3339(r.created_at)},
              {"outcome", r.outcome ? Json(*r.outcome) : Json(nullptr)},
              {"example_outcomes", ExampleOutcomes(r)},
              {"exploration", r.exploration ? Json(*r.exploration) : Json(nullptr)},
              {"seed", r.seed ? Json(*r.seed) : Json(nullptr)},
              {"ranking", ranking.is_array() ? ranking : Json::array()},
              {"agent_id", r.agent_id ? Json(*r.agent_id) : Json(nullptr)},
              {"session_id", r.session_id ? Json(*r.session_id) : Json(nullptr)},
              {"actor", r.actor ? Json(*r.actor) : Json(nullptr)},
              {"outcome_actor", r.outcome_actor ? Json(*r.outcome_actor) : Json(nullptr)},
              {"request", r.request_json ? Json::parse(*r.request_json, nullptr, false) : Json(nullptr)}};
}

Result<Json> Retrieval::Outcome(const std::string& retrieval_id, const std::string& outcome,
                                const std::map<std::string, std::string>& example_outcomes,
                                std::optional<double> confidence, std::optional<std::string> notes,
                                std::optional<std::string> actor) {
  EXEMPLAR_ASSIGN_OR_RETURN(storage::Retrieval r, Find(retrieval_id));
  std::vector<FieldError> strangers;
  for (const auto& [id, _] : example_outcomes) {
    if (std::find(r.example_ids.begin(), r.example_ids.end(), id) == r.example_ids.end()) {
      strangers.push_back({{"body", "example_outcomes", id}, "not an example this retrieval returned",
                           "value_error.not_retrieved"});
    }
  }
  if (!strangers.empty()) return Status::Invalid(std::move(strangers));
  // An example deleted since the retrieval has no counters left to credit.
  std::vector<std::string> present, gone;
  for (const auto& id : r.example_ids) {
    auto e = store_.GetExample(id);
    if (e.ok()) {
      present.push_back(id);
    } else if (e.status().code() == Code::kNotFound) {
      gone.push_back(id);
    } else {
      return e.status();
    }
  }
  // The response says what was stored, example by example: an `unknown` outcome is recorded but
  // adds no evidence, so that example is not credited, and the totals are the sums of the deltas
  // stored (the reviewer saw success_delta 1.0 for a failure, an unknown and a partial).
  Json credited = Json::object();
  Json example_credits = Json::array();
  std::vector<std::string> credited_ids;
  double success_total = 0, failure_total = 0;
  std::vector<UsageEvent> events;
  for (const auto& id : present) {
    auto own = example_outcomes.find(id);
    const std::string& this_outcome = own == example_outcomes.end() ? outcome : own->second;
    auto [es, ef] = OutcomeEvidence(this_outcome);
    credited[id] = this_outcome;
    example_credits.push_back(
        {{"example_id", id}, {"outcome", this_outcome}, {"success_delta", es}, {"failure_delta", ef}});
    if (es + ef > 0) credited_ids.push_back(id);
    success_total += es;
    failure_total += ef;
    UsageEvent ev;
    ev.example_id = id;
    ev.kind = "outcome";
    ev.outcome = this_outcome;
    ev.success_delta = es;
    ev.failure_delta = ef;
    ev.retrieval_id = retrieval_id;
    ev.confidence = confidence;
    ev.context = notes;
    ev.actor = actor;
    events.push_back(std::move(ev));
  }
  // A retry of the same outcome (an agent that timed out and sent it again) answers as the first
  // did and adds nothing; another outcome for a retrieval that has one is a 409 naming it.
  bool replay = r.outcome.has_value();
  if (!replay) {
    Status st = effectiveness_.Commit(
        [&] { return store_.RecordRetrievalOutcome(retrieval_id, outcome, credited.dump(), actor, events); }, present);
    if (st.code() == Code::kAlreadyExists) {  // another request recorded one meanwhile
      EXEMPLAR_ASSIGN_OR_RETURN(r, Find(retrieval_id));
      replay = r.outcome.has_value();
    }
    // Pruned since it was read: the store wrote nothing, so nothing is credited.
    if (!replay) EXEMPLAR_RETURN_IF_ERROR(Missing(st));
    if (!replay && retention_) retention_->NoteUsageEvents(static_cast<int64_t>(events.size()));
  }
  if (replay) EXEMPLAR_RETURN_IF_ERROR(SameOutcome(r, outcome, example_outcomes));
  // Not credited, in retrieval order: an `unknown` outcome, or deleted since the retrieval.
  std::vector<std::string> not_credited;
  for (const auto& id : r.example_ids) {
    if (std::find(credited_ids.begin(), credited_ids.end(), id) == credited_ids.end()) not_credited.push_back(id);
  }
  return Json{{"retrieval_id", retrieval_id},
              {"outcome", outcome},
              {"examples_credited", credited_ids.size()},
              {"credited_example_ids", credited_ids},
              {"not_credited_example_ids", not_credited},
              {"deleted_example_ids", gone},
              {"example_outcomes", credited},
              {"example_credits", example_credits},
              {"success_delta", success_total},
              {"failure_delta", failure_total},
              {"already_recorded", replay}};
}

}  // namespace exemplar::service
