// A run's data: the pool a launch selects (a snapshot, ids or a filter), split into trainset and
// valset, checked against the template's signature; and the warning a run carries when items of
// its snapshot were purged and are left out.
#include <algorithm>
#include <random>

#include "optimize/optimizer.h"
#include "optimize/program.h"
#include "service/runs/runs.h"
#include "service/search/search.h"
#include "service/templates/dspy/signature.h"
#include "service/templates/template_family.h"

namespace exemplar::service {

Status Runs::SelectData(const RunConfig& c, std::vector<Example>* train, std::vector<Example>* val,
                        size_t* purged) {
  std::vector<Example> pool;
  *purged = 0;
  if (!c.snapshot_id.empty()) {
    auto frozen = snapshots_.Materialize(c.snapshot_id);
    if (frozen.status().IsNotFound()) {
      return Status::Invalid({{{"body", "data", "snapshot_id"}, "snapshot " + c.snapshot_id + " does not exist",
                               "value_error.not_found"}});
    }
    EXEMPLAR_RETURN_IF_ERROR(frozen.status());
    for (auto& f : *frozen) {
      if (f.example) pool.push_back(std::move(*f.example));  // purged content cannot be trained on
      else ++*purged;
    }
  } else if (!c.example_ids.empty()) {
    for (const auto& id : c.example_ids) {
      auto e = store_.GetExample(id);
      if (!e.ok()) {
        return Status::Invalid({{{"body", "data", "example_ids"}, "example " + id + " does not exist", "value_error.not_found"}});
      }
      pool.push_back(std::move(e).value());
    }
  } else {
    storage::ExampleFilter f;
    Validation v;
    JsonReader r(c.filters, v, {"body", "data", "filters"});
    ParseFilterFields(r, &f);
    r.RejectUnknownKeys();
    EXEMPLAR_RETURN_IF_ERROR(v.ToStatus());
    if (f.databit_id) {  // the filters name a template: its examples
      EXEMPLAR_ASSIGN_OR_RETURN(auto page, store_.ListExamples(f, storage::ExampleSortKey::kCreatedAt, false, 0, c.max_examples));
      pool = std::move(page.examples);
    } else {
      // The template's examples are those of its line: a version accepted from a run has none
      // of its own (they name the root), and optimizing it again must find them.
      EXEMPLAR_ASSIGN_OR_RETURN(Template t, store_.GetTemplate(c.template_id));
      EXEMPLAR_ASSIGN_OR_RETURN(pool, TemplateLineExamples(store_, t, f, static_cast<size_t>(c.max_examples)));
    }
  }
  if (pool.size() < 2) {
    return Status::Invalid({{{"body", "data"}, "a run needs at least 2 examples (found " + std::to_string(pool.size()) +
                                                   "); add examples with databit_id = the template id (or an earlier version's) or pass example_ids",
                             "value_error.too_few"}});
  }
  std::sort(pool.begin(), pool.end(), [](const Example& a, const Example& b) { return a.id < b.id; });
  std::mt19937_64 rng(c.seed);
  std::shuffle(pool.begin(), pool.end(), rng);
  size_t n_train = std::clamp<size_t>(static_cast<size_t>(pool.size() * c.split_ratio + 0.5), 1, pool.size() - 1);
  train->assign(pool.begin(), pool.begin() + n_train);
  val->assign(pool.begin() + n_train, pool.end());
  return Status::Ok();
}

// The run skips examples that do not fit the template's signature (another template's data, say);
// when that leaves a trainset or valset empty, the launch is a 422 naming why, not a failed run.
Status CheckDataFits(const Template& t, const std::vector<Example>& train, const std::vector<Example>& val) {
  dspy::SignatureSpec spec = dspy::BuildSignature(t);
  if (spec.HasErrors()) {
    return Status::Invalid({{{"body", "template_id"},
                             "the template's signature is invalid: " + dspy::FindingsToStatus(spec.findings).message(),
                             "value_error.signature"}});
  }
  std::vector<std::string> skipped;
  for (const auto* set : {&train, &val}) {
    if (optimize::MakeDataPoints(*set, spec, &skipped).empty()) {
      return Status::Invalid({{{"body", "data"},
                               std::string("no example of the ") + (set == &train ? "trainset" : "valset") +
                                   " fits the template's signature (" + (skipped.empty() ? "" : skipped.front()) +
                                   "); select examples of this template",
                               "value_error.signature"}});
    }
  }
  return Status::Ok();
}

std::string PurgedLeftOutWarning(size_t purged, size_t items, const std::string& snapshot_id) {
  return std::to_string(purged) + " of " + std::to_string(items) + " examples of snapshot " + snapshot_id +
         " were purged (their content erased) and are left out: the run trains on the other " +
         std::to_string(items - purged);
}

void AddProgressWarnings(Json& progress, const std::vector<std::string>& warnings) {
  if (warnings.empty()) return;
  if (!progress.is_object()) progress = Json::object();
  Json& list = progress["warnings"];
  if (!list.is_array()) list = Json::array();
  for (const auto& w : warnings) {
    if (std::find(list.begin(), list.end(), Json(w)) == list.end()) list.push_back(w);
  }
}

}  // namespace exemplar::service
