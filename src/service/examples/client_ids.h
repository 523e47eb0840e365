// A client id (or a client-chosen example id) names one example's content: sending it again with
// the same input and expected output is an idempotent retry, with other content a conflict.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "storage/records.h"
#include "storage/store.h"

namespace exemplar::service {

struct ClientIdCheck {
  // Items whose client id names other content (a stored example's, or an earlier item's of the
  // same batch): (item index, why).
  std::vector<std::pair<size_t, std::string>> conflicts;
  // Per item: its client id names a stored example with the same content (an idempotent repeat).
  std::vector<bool> stored;
};

// Checks the items of a create batch (null: already refused); `positions` numbers the items as
// the caller sent them.
Result<ClientIdCheck> CheckClientIds(storage::Store& store, const std::vector<const Example*>& items,
                                     const std::vector<size_t>& positions);

}  // namespace exemplar::service
