#include "service/templates/template_family.h"

#include <algorithm>
#include <set>

namespace exemplar::service {

Result<std::vector<std::string>> TemplateLineIds(storage::Store& store, const Template& t) {
  std::vector<std::string> ids = {t.id};
  std::optional<std::string> parent = t.parent_template_id;
  // A parent chain is short; the cap only guards against a cycle written by hand.
  constexpr size_t kMaxDepth = 1000;
  while (parent && ids.size() < kMaxDepth && std::find(ids.begin(), ids.end(), *parent) == ids.end()) {
    auto p = store.GetTemplate(*parent);
    if (p.status().IsNotFound()) break;
    EXEMPLAR_RETURN_IF_ERROR(p.status());
    ids.push_back(p->id);
    parent = p->parent_template_id;
  }
  return ids;
}

Result<std::vector<Example>> TemplateLineExamples(storage::Store& store, const Template& t, storage::ExampleFilter filter,
                                                  size_t limit) {
  EXEMPLAR_ASSIGN_OR_RETURN(auto line, TemplateLineIds(store, t));
  std::vector<Example> out;
  std::set<std::string> seen;
  constexpr int64_t kPage = 500;
  for (const std::string& id : line) {
    filter.databit_id = id;
    for (int64_t offset = 0; out.size() < limit; offset += kPage) {
      EXEMPLAR_ASSIGN_OR_RETURN(auto page, store.ListExamples(filter, storage::ExampleSortKey::kCreatedAt, false, offset, kPage));
      for (auto& e : page.examples) {
        if (seen.insert(e.id).second) out.push_back(std::move(e));
      }
      if (static_cast<int64_t>(page.examples.size()) < kPage) break;
    }
  }
  if (out.size() > limit) out.resize(limit);
  return out;
}

}  // namespace exemplar::service
