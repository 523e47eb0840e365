// Bulk edits of examples (issue #20): selection by filter through the catalog, atomic updates
// versioned like single edits, and deletes through the store's single-delete path.
#include <algorithm>
#include <set>

#include "service/audit/audit.h"
#include "service/examples/example_json.h"
#include "service/examples/examples.h"

namespace exemplar::service {
namespace {

Status CheckCap(size_t n, int64_t cap) {
  if (static_cast<int64_t>(n) <= cap) return Status::Ok();
  return Status::Invalid({{{"body"},
                           "selects " + std::to_string(n) + " examples, more than the " + std::to_string(cap) +
                               " one bulk edit may change; narrow the filter",
                           "value_error.bulk.too_many"}});
}

std::vector<std::string> Unique(std::vector<std::string> ids) {
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

}  // namespace

void Examples::ResolveFilter(storage::ExampleFilter* f) const {
  if (f->content.empty() && !f->pii) return;
  auto rows = index_.catalog().Match(*f);
  std::vector<int64_t> ids;
  if (rows) ids.assign(rows->begin(), rows->end());
  f->row_ids = std::move(ids);
}

std::vector<std::string> Examples::SelectIds(const storage::ExampleFilter& f) const {
  std::vector<std::string> out;
  auto rows = index_.catalog().Match(f);
  if (!rows) return out;  // an empty filter selects nothing: bulk edits need a restriction
  out.reserve(rows->size());
  for (uint64_t r : *rows) {
    if (auto id = index_.catalog().IdOf(static_cast<int64_t>(r))) out.push_back(*id);
  }
  return out;
}

Result<BulkResult> Examples::BulkUpdate(const std::vector<std::string>& selected, const BulkSet& set, bool dry_run,
                                        int64_t cap) {
  std::vector<std::string> ids = Unique(selected);
  EXEMPLAR_RETURN_IF_ERROR(CheckCap(ids.size(), cap));
  BulkResult result;
  result.matched = static_cast<int64_t>(ids.size());
  result.dry_run = dry_run;
  result.ids = ids;
  std::vector<storage::ExampleUpdate> updates;
  updates.reserve(ids.size());
  ContentRules rules(store_);
  std::set<std::string> moved;  // into another template: checked again in the write's transaction
  Validation v;
  for (const auto& id : ids) {
    auto current = store_.GetExample(id, true);
    if (current.status().IsNotFound()) return Status::NotFound("Example " + id + " not found");
    EXEMPLAR_RETURN_IF_ERROR(current.status());
    Example next = *current;
    for (const auto& t : set.tags_add) {
      if (std::find(next.capability_tags.begin(), next.capability_tags.end(), t) == next.capability_tags.end()) {
        next.capability_tags.push_back(t);
      }
    }
    std::erase_if(next.capability_tags, [&](const std::string& t) {
      return std::find(set.tags_remove.begin(), set.tags_remove.end(), t) != set.tags_remove.end();
    });
    if (set.domain) next.domain = *set.domain;
    if (set.difficulty) next.difficulty = *set.difficulty;
    if (set.quality_score) next.quality_score = *set.quality_score;
    if (set.databit_id) next.databit_id = *set.databit_id;
    if (set.databit_id && *set.databit_id && next.databit_id != current->databit_id) {
      // Moving examples into a template: each must fit its schema (the same rules as a write).
      Validation one;
      std::vector<QualityWarning> ignored;
      EXEMPLAR_RETURN_IF_ERROR(rules.Check(next, {"body", "set", "databit_id"}, one, &ignored));
      for (const auto& fe : one.errors()) v.Add(fe.loc, "example " + id + ": " + fe.msg, fe.type);
      moved.insert(id);
    }
    if (next.capability_tags == current->capability_tags && next.domain == current->domain &&
        next.difficulty == current->difficulty && next.quality_score == current->quality_score &&
        next.databit_id == current->databit_id) {
      continue;  // already as asked: no new version (as a PUT that changes nothing)
    }
    next.version = current->version + 1;
    Example prior = *current;
    prior.embedding.clear();
    updates.push_back({std::move(next), DumpJson(ExampleToJson(prior))});
  }
  EXEMPLAR_RETURN_IF_ERROR(v.ToStatus());
  if (dry_run || ids.empty()) {
    audit::NotRecorded();  // a preview, or a selection of none, changes nothing: no audit entry
    return result;
  }
  Json changes = Json::object();
  if (!set.tags_add.empty()) changes["tags_add"] = set.tags_add;
  if (!set.tags_remove.empty()) changes["tags_remove"] = set.tags_remove;
  if (set.domain) changes["domain"] = *set.domain;
  if (set.difficulty) changes["difficulty"] = *set.difficulty;
  if (set.quality_score) changes["quality_score"] = *set.quality_score ? Json(**set.quality_score) : Json(nullptr);
  if (set.databit_id) changes["databit_id"] = *set.databit_id ? Json(**set.databit_id) : Json(nullptr);
  std::vector<std::string> changed;
  for (const auto& u : updates) changed.push_back(u.updated.id);
  Json diff = {{"bulk_update", true}, {"set", std::move(changes)}};
  if (changed.empty()) diff["unchanged"] = true;
  audit::Describe("example", changed.empty() ? ids : changed, diff);
  {
    auto lock = index_.LockWrites();
    auto recheck = rules.Recheck([](const Example&) { return std::vector<std::string>{"body", "set", "databit_id"}; });
    EXEMPLAR_RETURN_IF_ERROR(store_.UpdateExamples(updates, [&](const Example& e, const Template& t) {
      return moved.count(e.id) ? recheck(e, t) : Status::Ok();
    }));
    for (const auto& u : updates) index_.Apply(u.updated);
  }
  result.affected = static_cast<int64_t>(updates.size());
  return result;
}

Result<BulkResult> Examples::BulkDelete(const std::vector<std::string>& selected, bool dry_run, int64_t cap) {
  std::vector<std::string> ids = Unique(selected);
  EXEMPLAR_RETURN_IF_ERROR(CheckCap(ids.size(), cap));
  BulkResult result;
  result.matched = static_cast<int64_t>(ids.size());
  result.dry_run = dry_run;
  result.ids = ids;
  std::vector<int64_t> rows;
  std::vector<std::pair<std::string, std::string>> hashes;
  for (const auto& id : ids) {
    auto current = store_.GetExample(id);
    if (current.status().IsNotFound()) return Status::NotFound("Example " + id + " not found");
    EXEMPLAR_RETURN_IF_ERROR(current.status());
    rows.push_back(current->row_id);
    hashes.emplace_back(id, audit::ContentHash(current->input_json, current->expected_output_json,
                                               current->explanation));
  }
  if (dry_run || ids.empty()) {
    audit::NotRecorded();  // a preview, or a selection of none, deletes nothing: no entry
    return result;
  }
  audit::Describe("example", ids, {{"bulk_delete", true}});
  {
    auto lock = index_.LockWrites();
    // Tombstones, as the single DELETE: versions, events and lineage stay (issue 19).
    EXEMPLAR_RETURN_IF_ERROR(store_.TombstoneExamples(hashes, std::nullopt));
    for (int64_t r : rows) index_.Remove(r);
  }
  result.affected = result.matched;
  return result;
}

}  // namespace exemplar::service
