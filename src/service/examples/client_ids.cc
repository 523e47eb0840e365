#include "service/examples/client_ids.h"

#include <optional>
#include <unordered_map>

#include "common/json_util.h"

namespace exemplar::service {
namespace {

// The content a client id stands for: input and expected output, compared as JSON values.
bool SameContent(const Example& a, const Example& b) {
  auto value = [](const std::string& text) { return Json::parse(text, nullptr, false); };
  return value(a.input_json) == value(b.input_json) && value(a.expected_output_json) == value(b.expected_output_json);
}

// Why the item may not be stored when its id or client id still belongs to a deleted example (in
// the trash; restoring it would then collide), else nothing. A purge frees the client id (it is
// cleared with the content), never the id: lineage and history still name it.
Result<std::optional<std::string>> NamesADeletedExample(storage::Store& store, const Example& e, const std::string& named) {
  auto deleted = store.GetExampleIncludingDeleted(e.id);
  if (deleted.ok()) {
    if (deleted->purged_at) return std::optional<std::string>("example_id '" + e.id + "' names a purged example; send a new example_id");
    return std::optional<std::string>("example_id '" + e.id + "' names a deleted example; restore it (POST /examples/" + e.id +
                                      "/restore) or send a new example_id");
  }
  if (deleted.status().code() != Code::kNotFound) return deleted.status();
  if (!e.client_id) return std::optional<std::string>();
  EXEMPLAR_ASSIGN_OR_RETURN(std::optional<std::string> holder, store.FindDeletedExampleByClientId(*e.client_id));
  if (!holder) return std::optional<std::string>();
  return std::optional<std::string>(named + " names deleted example " + *holder + "; restore it (POST /examples/" + *holder +
                                    "/restore) or send a new client_id");
}

}  // namespace

Result<ClientIdCheck> CheckClientIds(storage::Store& store, const std::vector<const Example*>& items,
                                     const std::vector<size_t>& positions) {
  ClientIdCheck out;
  out.stored.assign(items.size(), false);
  std::unordered_map<std::string, size_t> first_of;  // key → first item naming it
  // Whether any example is deleted: asked once per batch, so a store without tombstones pays no
  // per-item lookups for them.
  std::optional<bool> any_deleted;
  for (size_t i = 0; i < items.size(); ++i) {
    if (!items[i]) continue;
    const Example& e = *items[i];
    // The key: the client id, else the example id (a generated one names nothing stored).
    const bool by_client_id = e.client_id.has_value();
    const std::string& key = by_client_id ? *e.client_id : e.id;
    const std::string named = (by_client_id ? "client_id '" : "example_id '") + key + "'";
    auto [it, first] = first_of.emplace(key, i);
    if (!first) {
      if (!SameContent(*items[it->second], e)) {
        out.conflicts.emplace_back(i, named + " repeats item " + std::to_string(positions[it->second]) +
                                          " of this request with other content");
      } else {
        out.stored[i] = out.stored[it->second];
      }
      continue;
    }
    std::optional<Example> existing;
    if (by_client_id) {
      EXEMPLAR_ASSIGN_OR_RETURN(existing, store.FindExampleByClientId(key));
    }
    if (!existing && (!by_client_id || key == e.id)) {
      auto by_id = store.GetExample(e.id);
      if (by_id.ok()) existing = std::move(*by_id);
      else if (by_id.status().code() != Code::kNotFound) return by_id.status();
    }
    if (!existing) {
      if (!any_deleted) {
        EXEMPLAR_ASSIGN_OR_RETURN(auto trash, store.ListDeletedExamples(0, 1));
        any_deleted = !trash.first.empty();
      }
      if (!*any_deleted) continue;
      EXEMPLAR_ASSIGN_OR_RETURN(std::optional<std::string> refused, NamesADeletedExample(store, e, named));
      if (refused) out.conflicts.emplace_back(i, std::move(*refused));
      continue;
    }
    if (SameContent(*existing, e)) {
      out.stored[i] = true;
    } else {
      out.conflicts.emplace_back(i, named + " already names example " + existing->id +
                                        " with other content; send a new " + (by_client_id ? "client_id" : "example_id") +
                                        ", or PUT /examples/" + existing->id + " to change it");
    }
  }
  return out;
}

}  // namespace exemplar::service
