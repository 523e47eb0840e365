#include "service/lineage/snapshots.h"

#include <map>
#include <optional>
#include <set>

#include "common/ids.h"
#include "common/time.h"
#include "service/audit/audit.h"
#include "service/lineage/snapshot_export.h"

namespace exemplar::service {
namespace {

// The example's content and metadata at an older version, from its history snapshot (wire form).
std::optional<Example> FromVersionSnapshot(const Example& current, const Json& w) {
  if (!w.is_object() || w.value("purged", false) || !w.contains("input")) return std::nullopt;
  Example e = current;
  e.input_json = DumpJson(w["input"]);
  e.expected_output_json = DumpJson(w.value("expected_output", Json::object()));
  auto opt = [&](const char* k) -> std::optional<std::string> {
    if (w.contains(k) && w[k].is_string()) return w[k].get<std::string>();
    return std::nullopt;
  };
  e.explanation = opt("explanation");
  e.databit_id = opt("databit_id");
  e.function_name = opt("function_name");
  e.domain = opt("domain").value_or(e.domain);
  e.difficulty = opt("difficulty").value_or(e.difficulty);
  e.source = opt("source").value_or(e.source);
  e.capability_tags.clear();
  for (const auto& t : w.value("capability_tags", Json::array())) {
    if (t.is_string()) e.capability_tags.push_back(t.get<std::string>());
  }
  e.version = w.value("version", current.version);
  return e;
}

Json Opt(const std::optional<std::string>& s) { return s ? Json(*s) : Json(nullptr); }

}  // namespace

Json SnapshotToJson(const SnapshotRecord& s) {
  return {{"snapshot_id", s.id},
          {"name", s.name},
          {"template_id", Opt(s.template_id)},
          {"selection", Json::parse(s.selection_json, nullptr, false)},
          {"item_count", s.item_count},
          {"created_by", Opt(s.created_by)},
          {"created_at", FormatRfc3339(s.created_at)}};
}

storage::SnapshotToStore Snapshots::Prepare(const std::string& name, const Json& selection,
                                            const std::vector<Example>& examples,
                                            const std::optional<std::string>& template_id,
                                            const std::optional<std::string>& user) {
  storage::SnapshotToStore out;
  SnapshotRecord& s = out.record;
  s.id = NewUuid();
  s.name = name;
  s.template_id = template_id;
  s.selection_json = DumpJson(selection);
  s.created_by = user;
  s.created_at = NowMillis();
  std::map<std::string, SnapshotItem> items;  // by id: one row per example, ordered
  for (const auto& e : examples) {
    items[e.id] = {e.id, e.version, audit::ContentHash(e.input_json, e.expected_output_json, e.explanation)};
  }
  for (auto& [id, it] : items) out.items.push_back(std::move(it));
  s.item_count = static_cast<int64_t>(out.items.size());
  const Json diff = {{"name", name}, {"item_count", s.item_count}};
  // A snapshot frozen for another write (a run's data at launch) gets an entry of its own, so
  // that GET /audit?entity=snapshot finds it; the outer entry (the run's) names it as well.
  if (storage::AuditScope* outer = storage::AuditScope::Current();
      outer && outer->described() && outer->entry().entity != "snapshot") {
    AuditRecord entry;
    entry.actor = outer->entry().actor;
    entry.action = outer->entry().action;
    entry.request_id = outer->entry().request_id;
    entry.entity = "snapshot";
    entry.entity_ids = {s.id};
    entry.diff_json = DumpJson(diff);
    out.audit = std::move(entry);
  }
  audit::Describe("snapshot", {s.id}, diff);
  return out;
}

Result<SnapshotRecord> Snapshots::CreateFrom(const std::string& name, const Json& selection,
                                             const std::vector<Example>& examples,
                                             const std::optional<std::string>& template_id,
                                             const std::optional<std::string>& user) {
  storage::SnapshotToStore s = Prepare(name, selection, examples, template_id, user);
  // The snapshot's own entry (frozen for another write) commits with the snapshot, the outer
  // one with the outer change.
  std::optional<storage::AuditScope> own;
  if (s.audit) {
    own.emplace(std::move(*s.audit));
    own->set_described();
  }
  EXEMPLAR_RETURN_IF_ERROR(store_.InsertSnapshot(s.record, s.items));
  return s.record;
}

Result<SnapshotRecord> Snapshots::Create(const std::string& name, const Json& selection,
                                         const storage::ExampleFilter& filter, const std::vector<std::string>& ids,
                                         const std::optional<std::string>& template_id,
                                         const std::optional<std::string>& user) {
  std::vector<Example> examples;
  if (!ids.empty()) {
    for (size_t i = 0; i < ids.size(); ++i) {
      auto e = store_.GetExample(ids[i]);
      if (e.status().IsNotFound()) {
        return Status::Invalid({{{"body", "example_ids", std::to_string(i)}, "example " + ids[i] + " does not exist",
                                 "value_error.not_found"}});
      }
      EXEMPLAR_RETURN_IF_ERROR(e.status());
      examples.push_back(std::move(e).value());
    }
  } else {
    for (int64_t offset = 0;; offset += 1000) {
      EXEMPLAR_ASSIGN_OR_RETURN(auto page, store_.ListExamples(filter, storage::ExampleSortKey::kCreatedAt, false,
                                                               offset, 1000));
      for (auto& e : page.examples) examples.push_back(std::move(e));
      if (static_cast<int64_t>(examples.size()) > kMaxItems) {
        return Status::Invalid({{{"body", "filter"}, "matches more than 100000 examples; narrow the filter",
                                 "value_error.too_many"}});
      }
      if (page.examples.size() < 1000) break;
    }
  }
  return CreateFrom(name, selection, examples, template_id, user);
}

Result<std::vector<SnapshotItem>> Snapshots::Items(const std::string& id) {
  EXEMPLAR_RETURN_IF_ERROR(store_.GetSnapshot(id).status());
  return store_.ListSnapshotItems(id);
}

Result<std::vector<FrozenExample>> Snapshots::Materialize(const std::string& id) {
  EXEMPLAR_ASSIGN_OR_RETURN(auto items, Items(id));
  return MaterializeItems(store_, items.begin(), items.end());
}

Result<std::vector<FrozenExample>> MaterializeItems(storage::Store& store, std::vector<SnapshotItem>::const_iterator begin,
                                                    std::vector<SnapshotItem>::const_iterator end) {
  std::vector<FrozenExample> out;
  out.reserve(static_cast<size_t>(end - begin));
  for (auto item = begin; item != end; ++item) {
    FrozenExample f{*item, std::nullopt};
    auto e = store.GetExampleIncludingDeleted(item->example_id);
    if (e.ok() && !e->purged_at) {
      if (e->version == item->version) {
        f.example = std::move(e).value();
      } else {
        EXEMPLAR_ASSIGN_OR_RETURN(auto versions, store.ListExampleVersions(item->example_id));
        for (const auto& v : versions) {
          if (v.version == item->version) f.example = FromVersionSnapshot(*e, Json::parse(v.snapshot_json, nullptr, false));
        }
      }
    } else if (!e.ok() && !e.status().IsNotFound()) {
      return e.status();
    }
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace exemplar::service
