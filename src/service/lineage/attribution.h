// Attribution (SPEC §2.2, §4.7 trace_to_training_data): every example and source template
// upstream of a template version, how it reached the version, and each example's measured
// contribution from the optimization runs that used it.
#pragma once

#include <string>

#include "common/json_util.h"
#include "service/lineage/lineage.h"
#include "service/lineage/provenance.h"
#include "storage/store.h"

namespace exemplar::service {

class Attribution {
 public:
  Attribution(storage::Store& store, Lineage& lineage) : store_(store), lineage_(lineage), provenance_(store) {}

  // {template_id, examples:[{example_id, label, domain, contribution, evidence_trials, runs:[…],
  //  path:[{type,id,edge}]}], templates:[{template_id, name, version, relation, path}],
  //  runs:[{run_id, status, best_score}], inline_examples:[{index, example_id, version, relation,
  //  match, stored}]} (match: how the inline example was linked, ExampleMatcher::Match::how). Examples (each with the version that fed it and `relation`: demo_of, member_of,
  //  used_in, …) are ordered by contribution, best first; closed edges are not followed.
  Result<Json> ForTemplate(const std::string& template_id, int max_depth = 20);

 private:
  storage::Store& store_;
  Lineage& lineage_;
  Provenance provenance_;
};

}  // namespace exemplar::service
