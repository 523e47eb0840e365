#include "service/examples/examples.h"

#include <algorithm>
#include <cstdio>
#include <optional>
#include <unordered_map>

#include "common/field_loc.h"
#include "common/time.h"
#include "index/text.h"
#include "service/audit/audit.h"
#include "service/examples/client_ids.h"
#include "service/examples/example_json.h"
#include "service/quality/content_hash.h"
#include "service/quality/near_duplicates.h"
#include "service/quality/pii.h"

namespace exemplar::service {
namespace {

std::string JoinLoc(const std::vector<std::string>& loc) {
  std::string out;
  for (const auto& part : loc) out += (out.empty() ? "" : ".") + LocPartText(part);
  return out;
}

}  // namespace

Status Examples::CheckContent(Example& e, ContentRules& rules, const std::vector<std::string>& loc,
                              const WriteOptions& o, Validation& v, std::vector<QualityWarning>* warnings,
                              std::optional<std::vector<std::string>> pii_flags) {
  EXEMPLAR_RETURN_IF_ERROR(rules.Check(e, loc, v, warnings));
  e.pii_flags = pii_flags ? std::move(*pii_flags) : PiiFlags(e);
  if (e.pii_flags.empty()) return Status::Ok();
  QualityWarning w;
  w.type = "pii";
  w.kinds = e.pii_flags;
  std::string kinds;
  for (const auto& k : e.pii_flags) kinds += (kinds.empty() ? "" : ", ") + k;
  w.message = "contains personal data or secrets: " + kinds;
  warnings->push_back(std::move(w));
  if (o.reject_secrets && std::find(e.pii_flags.begin(), e.pii_flags.end(), "secret") != e.pii_flags.end()) {
    auto has_secret = [](const std::vector<std::string>& kinds) {
      return std::find(kinds.begin(), kinds.end(), "secret") != kinds.end();
    };
    std::vector<std::pair<std::string, Json>> sides = {
        {"input", Json::parse(e.input_json, nullptr, false)},
        {"expected_output", Json::parse(e.expected_output_json, nullptr, false)},
        {"explanation", e.explanation ? Json(*e.explanation) : Json(nullptr)}};
    for (const auto& [side, value] : sides) {
      if (!has_secret(PiiKindsInJson(value))) continue;
      auto l = loc;
      l.push_back(side);
      v.Add(l, "contains a secret (API key, token, private key or password); the secret policy rejects it",
            "value_error.secret");
    }
  }
  return Status::Ok();
}

Result<std::optional<std::string>> Examples::CheckDuplicates(const Example& e, const WriteOptions& o,
                                                             std::vector<QualityWarning>* warnings, bool use_vectors,
                                                             const ExampleFingerprint* fp) {
  if (o.on_duplicate == DuplicatePolicy::kAllow) return std::optional<std::string>();
  Example probe_identical;
  const Example* probe = &e;
  if (!use_vectors) {
    probe_identical = e;
    probe_identical.embedding.clear();  // identical normalised inputs only
    probe = &probe_identical;
  }
  EXEMPLAR_ASSIGN_OR_RETURN(auto found, FindNearDuplicates(index_, store_, *probe, o.duplicate_threshold, 10, fp));
  if (found.empty()) return std::optional<std::string>();
  if (o.on_duplicate == DuplicatePolicy::kReject) {
    const auto& w = found.front();
    char sim[16];
    std::snprintf(sim, sizeof sim, "%.3f", w.similarity.value_or(1.0));
    return std::optional<std::string>(
        std::string(w.type == "conflict" ? "input conflicts with example " : "input near-duplicates example ") +
        w.example_id + " (similarity " + sim + "); on_duplicate=reject refuses it");
  }
  for (auto& w : found) warnings->push_back(std::move(w));
  return std::optional<std::string>();
}

Status Examples::EmbedAll(std::vector<Example*>& items, std::vector<BatchItemError>* per_item,
                          const std::vector<size_t>& positions, std::vector<std::string>* texts) {
  if (texts->size() != items.size()) {
    texts->clear();
    texts->reserve(items.size());
    for (Example* e : items) texts->push_back(EmbeddingText(*e));
  }
  auto embedder = index_.WriteEmbedder();
  auto vectors = embedder->EmbedBatch(*texts);
  Status first_error;
  for (size_t i = 0; i < items.size(); ++i) {
    if (vectors[i].ok()) {
      items[i]->embedding = std::move(vectors[i]).value();
      items[i]->embedding_model = embedder->model();
    } else {
      if (first_error.ok()) first_error = vectors[i].status();
      if (per_item) per_item->push_back({positions[i], vectors[i].status().message()});
      items[i] = nullptr;
    }
  }
  return first_error;
}

Status Examples::KeepWriteModel(const std::vector<Example*>& items) {
  auto embedder = index_.WriteEmbedder();
  const std::string model = embedder->model();
  for (Example* e : items) {
    if (!e || e->embedding.empty() || e->embedding_model == model) continue;
    auto vec = embedder->Embed(EmbeddingText(*e));
    if (!vec.ok()) return Status::Unavailable("embedding provider failed: " + vec.status().message());
    e->embedding = std::move(vec).value();
    e->embedding_model = model;
  }
  return Status::Ok();
}

std::optional<embed::EmbedCacheStats> Examples::CacheStats() const {
  if (auto* cached = dynamic_cast<const embed::CachedEmbedder*>(&embedder_)) return cached->stats();
  return std::nullopt;
}

Result<Example> Examples::Create(Example e) {
  EXEMPLAR_ASSIGN_OR_RETURN(WriteResult r, Create(std::move(e), WriteOptions{}));
  return std::move(r.example);
}

Result<WriteResult> Examples::Create(Example e, const WriteOptions& o) {
  std::vector<Example> one{std::move(e)};
  WriteOptions single = o;
  single.indexed = false;
  auto r = Batch(std::move(one), {}, true, single);
  if (!r.ok()) return r.status();
  const std::string& id = r->created_ids.empty() ? r->existing_ids.front() : r->created_ids.front();
  WriteResult out;
  out.existing = r->created_ids.empty();
  EXEMPLAR_ASSIGN_OR_RETURN(out.example, Get(id));
  for (auto& w : r->warnings) out.warnings.push_back(std::move(w.warning));
  return out;
}

Result<Example> Examples::Get(const std::string& id) { return store_.GetExample(id); }

// Optimistic concurrency: an edit based on an older version than the stored one would overwrite
// a change its author never saw.
static Status CheckEditedVersion(const Example& current, const Json& patch, const std::vector<int64_t>& if_match) {
  if (!if_match.empty() && std::find(if_match.begin(), if_match.end(), current.version) == if_match.end()) {
    return Status::PreconditionFailed("the example is at version " + std::to_string(current.version) +
                                      "; If-Match names another version: GET it again and re-apply the edit");
  }
  const auto based_on = patch.find("version");
  if (based_on != patch.end() && based_on->is_number_integer() && based_on->get<int64_t>() != current.version) {
    return Status::FailedPrecondition("the edit is based on version " + std::to_string(based_on->get<int64_t>()) +
                                      " but the example is at version " + std::to_string(current.version) +
                                      ": it changed since it was read; GET it again and re-apply the edit");
  }
  return Status::Ok();
}

Result<WriteResult> Examples::Update(const std::string& id, const Json& patch, const WriteOptions& o) {
  // Optimistic: read, apply, write with a version check; retry when another writer won.
  for (int attempt = 0; attempt < 5; ++attempt) {
    EXEMPLAR_ASSIGN_OR_RETURN(Example current, store_.GetExample(id));
    EXEMPLAR_RETURN_IF_ERROR(CheckEditedVersion(current, patch, o.if_match));
    Example next = current;
    Validation v;
    bool input_changed = ApplyExampleUpdate(patch, &next, v);
    EXEMPLAR_RETURN_IF_ERROR(v.ToStatus());
    const Json prior_json = ExampleToJson(current);
    const Json diff = audit::Diff(prior_json, ExampleToJson(next),
                                  {"updated_at", "version", "embedding_model", "has_embedding"});
    // An update that changes nothing (an empty body, the values it already has) is no new
    // version: the history lists changes, not requests.
    if (diff.empty() && current.has_embedding()) {
      audit::Describe("example", {id}, {{"unchanged", true}});
      return WriteResult{std::move(current), {}};
    }
    // The content rules apply when content or template changed, so editing the tags of an
    // example stored before the rules existed stays possible.
    const bool output_changed = next.expected_output_json != current.expected_output_json;
    const bool content_changed = input_changed || output_changed || next.databit_id != current.databit_id ||
                                 next.explanation != current.explanation;
    std::vector<QualityWarning> warnings;
    ContentRules rules(store_);
    storage::TemplateFitCheck fits;  // the same rules in the write's transaction (a schema edit meanwhile)
    if (content_changed) {
      EXEMPLAR_RETURN_IF_ERROR(CheckContent(next, rules, o.loc, o, v, &warnings));
      EXEMPLAR_RETURN_IF_ERROR(v.ToStatus());
      fits = rules.Recheck([&](const Example&) { return o.loc; });
    }
    if (input_changed || !current.has_embedding()) {
      auto embedder = index_.WriteEmbedder();
      auto vec = embedder->Embed(EmbeddingText(next));
      if (!vec.ok()) return vec.status();
      next.embedding = std::move(vec).value();
      next.embedding_model = embedder->model();
    }
    if (input_changed || output_changed) {
      Example probe = next;
      if (probe.embedding.empty()) index_.vectors()->GetVector(static_cast<uint64_t>(current.row_id), &probe.embedding);
      EXEMPLAR_ASSIGN_OR_RETURN(auto refused, CheckDuplicates(probe, o, &warnings));
      if (refused) return Status::AlreadyExists(*refused);
    }
    next.version = current.version + 1;
    std::string prior = DumpJson(prior_json);
    audit::Describe("example", {id}, diff);
    Status st;
    {
      auto lock = index_.LockWrites();
      st = KeepWriteModel({&next});
      if (st.ok()) st = store_.UpdateExample(next, prior, fits);
      if (st.ok()) {
        if (next.embedding.empty()) {
          auto full = store_.GetExample(id, true);
          if (full.ok()) next.embedding = std::move(full->embedding);
        }
        index_.Apply(next);
      }
    }
    if (st.code() == Code::kFailedPrecondition) continue;
    EXEMPLAR_RETURN_IF_ERROR(st);
    WriteResult out;
    EXEMPLAR_ASSIGN_OR_RETURN(out.example, store_.GetExample(id));
    out.warnings = std::move(warnings);
    return out;
  }
  return Status::FailedPrecondition("example is being modified concurrently; retry");
}

Result<BatchResult> Examples::Batch(std::vector<Example> items, std::vector<BatchItemError> invalid,
                                    bool atomic, const WriteOptions& o) {
  BatchResult result;
  if (atomic && !invalid.empty()) {
    return Status::InvalidArgument("item " + std::to_string(invalid.front().index) + ": " +
                                   invalid.front().error);
  }
  result.errors = std::move(invalid);
  // Positions of the items in the request, for error reporting.
  std::vector<size_t> positions;
  {
    std::vector<bool> bad(items.size() + result.errors.size(), false);
    for (const auto& err : result.errors) {
      if (err.index < bad.size()) bad[err.index] = true;
    }
    for (size_t p = 0; positions.size() < items.size(); ++p) {
      if (!bad[p]) positions.push_back(p);
    }
  }
  // Content rules (one validator for create, batch and import) before anything is embedded.
  std::vector<ExampleFingerprint> fingerprints;  // of items, once each
  fingerprints.reserve(items.size());
  std::vector<std::string> embedding_texts;  // EmbeddingText of items, reused for the keyword index
  embedding_texts.reserve(items.size());
  // The rules are checked again in the write's transaction, against a schema edited meanwhile.
  ContentRules rules(store_);
  std::unordered_map<std::string, std::vector<std::string>> locs;  // by example id
  {
    Validation all;
    std::vector<Example> kept;
    std::vector<size_t> kept_pos;
    for (size_t i = 0; i < items.size(); ++i) {
      auto loc = o.loc;
      if (o.indexed) loc.push_back(std::to_string(positions[i]));
      Validation v;
      std::vector<QualityWarning> warnings;
      // Each side is parsed once here, for its PII flags and its content fingerprint.
      const Json in = Json::parse(items[i].input_json, nullptr, false);
      const Json out = Json::parse(items[i].expected_output_json, nullptr, false);
      EXEMPLAR_RETURN_IF_ERROR(
          CheckContent(items[i], rules, loc, o, v, &warnings, PiiFlags(in, out, items[i].explanation)));
      if (!v.ok()) {
        for (const auto& fe : v.errors()) all.Add(fe.loc, fe.msg, fe.type);
        const auto& fe = v.errors().front();
        result.errors.push_back({positions[i], fe.msg + " at " + JoinLoc(fe.loc), fe.loc, fe.type});
        continue;
      }
      for (auto& w : warnings) result.warnings.push_back({positions[i], std::move(w)});
      locs[items[i].id] = std::move(loc);
      kept.push_back(std::move(items[i]));
      kept_pos.push_back(positions[i]);
      fingerprints.push_back({FingerprintValue(in), FingerprintValue(out)});
      embedding_texts.push_back(index::FlattenJson(in));  // EmbeddingText, from the parse above
    }
    if (atomic && !all.ok()) return all.ToStatus();
    items = std::move(kept);
    positions = std::move(kept_pos);
  }
  int64_t now = NowMillis();
  std::vector<Example*> ptrs;
  for (Example& e : items) {
    e.created_at = e.updated_at = now;
    ptrs.push_back(&e);
  }
  std::vector<std::string>& texts = embedding_texts;
  Status embed_status = EmbedAll(ptrs, atomic ? nullptr : &result.errors, positions, &texts);
  if (atomic && !embed_status.ok()) {
    if (embed_status.code() == Code::kInvalidArgument) return embed_status;
    return Status::Unavailable("embedding provider failed: " + embed_status.message());
  }
  // A client id (or example id) names one example's content (client_ids.h).
  std::vector<bool> stored_already;
  {
    std::vector<const Example*> live(items.size(), nullptr);
    for (size_t i = 0; i < items.size(); ++i) live[i] = ptrs[i];
    EXEMPLAR_ASSIGN_OR_RETURN(ClientIdCheck ids, CheckClientIds(store_, live, positions));
    stored_already = std::move(ids.stored);
    for (auto& [i, refused] : ids.conflicts) {
      std::string where = o.indexed ? "item " + std::to_string(positions[i]) + ": " : "";
      if (atomic) return Status::AlreadyExists(where + refused);
      result.errors.push_back({positions[i], std::move(refused), {}, "conflict"});
      ptrs[i] = nullptr;
    }
  }
  // Near-duplicates of stored examples (vector index + identical normalised inputs) and of earlier
  // items of this batch (identical normalised inputs), under the duplicate policy.
  if (o.on_duplicate != DuplicatePolicy::kAllow) {
    std::unordered_map<uint64_t, size_t> seen;  // scope + normalised input → item
    const bool use_vectors = items.size() <= kVectorDuplicateCheckMaxItems;
    for (size_t i = 0; i < items.size(); ++i) {
      if (!ptrs[i]) continue;
      Example& e = items[i];
      if (stored_already[i]) continue;  // an idempotent repeat: stored already
      std::vector<QualityWarning> warnings;
      EXEMPLAR_ASSIGN_OR_RETURN(auto refused, CheckDuplicates(e, o, &warnings, use_vectors, &fingerprints[i]));
      uint64_t key = HashText(e.databit_id.value_or("") + "|" + e.domain) ^ fingerprints[i].input.normalized;
      auto [it, first] = seen.emplace(key, i);
      if (!first && !refused) {
        const Example& earlier = items[it->second];
        bool same_output = fingerprints[it->second].output.normalized == fingerprints[i].output.normalized;
        if (o.on_duplicate == DuplicatePolicy::kReject) {
          refused = std::string("input repeats item ") + std::to_string(positions[it->second]) +
                    " of this request; on_duplicate=reject refuses it";
        } else {
          QualityWarning w;
          w.type = same_output ? "near_duplicate" : "conflict";
          w.example_id = earlier.id;
          w.similarity = 1.0;
          w.message = "input repeats item " + std::to_string(positions[it->second]) + " of this request";
          warnings.push_back(std::move(w));
        }
      }
      if (refused) {
        std::string where = o.indexed ? "item " + std::to_string(positions[i]) + ": " : "";
        if (atomic) return Status::AlreadyExists(where + *refused);
        result.errors.push_back({positions[i], *refused, {}, "duplicate"});
        ptrs[i] = nullptr;
        continue;
      }
      for (auto& w : warnings) result.warnings.push_back({positions[i], std::move(w)});
    }
  }
  std::vector<Example> ready;
  std::vector<size_t> ready_pos;
  std::vector<bool> ready_stored;  // an idempotent repeat of a stored example: the write creates none
  std::vector<std::string> ready_keyword_texts;
  std::vector<const ExampleFingerprint*> ready_fingerprints;
  for (size_t i = 0; i < items.size(); ++i) {
    if (ptrs[i]) {
      ready_keyword_texts.push_back(KeywordText(items[i], std::move(texts[i])));
      ready.push_back(std::move(items[i]));
      ready_pos.push_back(positions[i]);
      ready_stored.push_back(stored_already[i]);
      ready_fingerprints.push_back(&fingerprints[i]);
    }
  }
  // Stores `chunk` (rows and their member_of edges, one transaction) and applies the created
  // examples to the indexes, in one batch.
  // The audit entry names the examples a write creates; a write that creates none (every item a
  // repeat of a stored one, or none left) leaves no entry (review s24 loops2 P2-5).
  auto commit = [&](std::vector<Example>& chunk, const std::vector<std::string>& keyword_texts,
                    const std::vector<const ExampleFingerprint*>& chunk_fingerprints,
                    const std::vector<bool>& chunk_stored) -> Result<std::vector<storage::InsertOutcome>> {
    std::vector<std::string> ids;
    for (size_t i = 0; i < chunk.size(); ++i) {
      if (!chunk_stored[i]) ids.push_back(chunk[i].id);
    }
    std::optional<storage::AuditHold> hold;
    if (ids.empty()) hold.emplace();
    else audit::Describe("example", ids);
    auto lock = index_.LockWrites();
    std::vector<Example*> chunk_ptrs;
    for (auto& e : chunk) chunk_ptrs.push_back(&e);
    EXEMPLAR_RETURN_IF_ERROR(KeepWriteModel(chunk_ptrs));
    auto outcomes = store_.InsertExamples(chunk, rules.Recheck([&](const Example& e) {
      auto it = locs.find(e.id);
      return it != locs.end() ? it->second : o.loc;
    }));
    if (!outcomes.ok()) return outcomes.status();
    std::vector<const Example*> created;
    std::vector<std::string> created_texts;
    std::vector<const ExampleFingerprint*> created_fingerprints;
    for (size_t i = 0; i < chunk.size(); ++i) {
      if (!(*outcomes)[i].created) continue;
      created.push_back(&chunk[i]);
      created_texts.push_back(keyword_texts[i]);
      created_fingerprints.push_back(chunk_fingerprints[i]);
    }
    index_.ApplyBatch(created, std::move(created_texts), created_fingerprints);
    return outcomes;
  };
  std::unordered_map<size_t, std::string> id_at;  // request position → the example stored for it
  auto record = [&](const std::vector<storage::InsertOutcome>& outcomes, size_t first) {
    for (size_t i = 0; i < outcomes.size(); ++i) {
      const auto& o = outcomes[i];
      if (o.created) result.created_ids.push_back(o.id);
      else result.existing_ids.push_back(o.id);
      id_at[ready_pos[first + i]] = o.id;
    }
  };
  auto outcomes = commit(ready, ready_keyword_texts, ready_fingerprints, ready_stored);
  if (outcomes.ok()) {
    record(*outcomes, 0);
  } else if (atomic) {
    return outcomes.status();
  } else {
    // Find the offending rows: store the rest one by one.
    for (size_t i = 0; i < ready.size(); ++i) {
      std::vector<Example> one{ready[i]};
      auto r = commit(one, {ready_keyword_texts[i]}, {ready_fingerprints[i]},
                      std::vector<bool>{static_cast<bool>(ready_stored[i])});
      if (r.ok()) {
        record(*r, i);
      } else if (!r.status().field_errors().empty()) {  // its template's schema changed meanwhile
        const FieldError& fe = r.status().field_errors().front();
        result.errors.push_back({ready_pos[i], fe.msg + " at " + JoinLoc(fe.loc), fe.loc, fe.type});
      } else {
        result.errors.push_back({ready_pos[i], r.status().message()});
      }
    }
  }
  // A warning links the example it is about, so a caller (the import page) can open it.
  for (auto& w : result.warnings) {
    if (auto it = id_at.find(w.index); it != id_at.end()) w.item_id = it->second;
  }
  std::sort(result.errors.begin(), result.errors.end(),
            [](const BatchItemError& a, const BatchItemError& b) { return a.index < b.index; });
  std::stable_sort(result.warnings.begin(), result.warnings.end(),
                   [](const BatchItemWarning& a, const BatchItemWarning& b) { return a.index < b.index; });
  result.created_count = static_cast<int64_t>(result.created_ids.size());
  if (result.created_count == 0) audit::NotRecorded();  // nothing written: no entry (as a seed that finds all)
  result.existing_count = static_cast<int64_t>(result.existing_ids.size());
  result.failed_count = static_cast<int64_t>(result.errors.size());
  return result;
}

Result<RegenerateResult> Examples::RegenerateEmbeddings(const std::vector<std::string>& ids) {
  std::vector<Example> todo;
  std::vector<std::string> unknown;
  for (const auto& id : ids) {
    auto e = store_.GetExample(id);
    if (e.ok()) todo.push_back(std::move(*e));
    else if (e.status().code() == Code::kNotFound) unknown.push_back(id);
    else return e.status();
  }
  if (!unknown.empty()) {
    std::string list;
    for (size_t i = 0; i < unknown.size() && i < 5; ++i) list += (i ? ", " : "") + unknown[i];
    if (unknown.size() > 5) list += ", …";
    return Status::NotFound(std::to_string(unknown.size()) + " of the example ids do not exist: " + list +
                            "; nothing was re-embedded");
  }
  std::vector<std::string> texts;
  for (const auto& e : todo) texts.push_back(EmbeddingText(e));
  auto embedder = index_.WriteEmbedder();
  auto vectors = embedder->uncached().EmbedBatch(texts);
  for (size_t i = 0; i < todo.size(); ++i) {
    if (!vectors[i].ok()) return Status::Unavailable("embedding provider failed: " + vectors[i].status().message());
    todo[i].embedding = std::move(vectors[i]).value();
    todo[i].embedding_model = embedder->model();
  }
  RegenerateResult result;
  auto lock = index_.LockWrites();
  std::vector<Example*> ptrs;
  for (auto& e : todo) ptrs.push_back(&e);
  EXEMPLAR_RETURN_IF_ERROR(KeepWriteModel(ptrs));
  std::vector<std::pair<std::string, std::vector<float>>> items;
  for (const auto& e : todo) items.emplace_back(e.id, e.embedding);
  if (!todo.empty()) {
    audit::Describe("example", ids, {{"embedding_model", *todo.front().embedding_model}});
    EXEMPLAR_RETURN_IF_ERROR(store_.SetEmbeddings(items, *todo.front().embedding_model));
  }
  std::vector<const Example*> embedded(ptrs.begin(), ptrs.end());
  index_.ApplyBatch(embedded, {});
  result.model = todo.empty() ? embedder->model() : *todo.front().embedding_model;
  result.processed = static_cast<int64_t>(todo.size());
  for (const auto& e : todo) result.ids.push_back(e.id);
  return result;
}

}  // namespace exemplar::service
