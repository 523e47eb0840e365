// Provenance edges for every template version and example (issue 19), beside the edges that
// optimization runs create:
//   demo_of / bootstrapped_from  example → template version embedding it inline (with the
//                                example's version); an inline example names its `example_id`,
//                                or is matched by content (ExampleMatcher) among the examples the
//                                version embeds by id, those of the template, its ancestors and
//                                the templates they derive from
//   member_of                    example → the template its databit_id names; closed (closed_at)
//                                when the example moves to another template. Written by the store
//                                with the example row (Store::InsertExamples, UpdateExample), so
//                                a failed write leaves neither (review s22)
//   derived_from, version_of     template → template
// Edges that no longer hold are closed, not erased, so history stays traceable. Backfill() adds
// the edges for data written before these existed, once (recorded in `backfills`).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/json_util.h"
#include "service/lineage/example_matcher.h"
#include "storage/store.h"

namespace exemplar::service {

class Provenance {
 public:
  explicit Provenance(storage::Store& store) : store_(store) {}

  // Adds the template's inline-example and derived_from edges and closes those of examples no
  // longer inline or sources no longer derived from. With derived_from false the derived_from
  // edges are left alone: the caller wrote them with the template row (Store::UpdateTemplate), and
  // a sync that runs late, after a newer edit's, must not undo them.
  Status SyncTemplate(const Template& t, bool derived_from = true);
  // Edges for existing data, once (idempotent: edges are stored once, a second run adds nothing).
  Status Backfill(bool force = false);

  // The demo_of / bootstrapped_from edges of the template's inline examples (each example once).
  Result<std::vector<LineageEdge>> InlineExampleEdges(const Template& t);
  // An inline example's stored example: the edge to it and how it was found (ExampleMatcher::Match).
  struct InlineMatch {
    LineageEdge edge;
    std::string how;
  };
  // Per inline example, in order: the stored example it is, if any.
  Result<std::vector<std::optional<InlineMatch>>> MatchInlineExamples(const Template& t);

 private:
  storage::Store& store_;
};

}  // namespace exemplar::service
