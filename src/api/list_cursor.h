// The opaque `cursor` of list routes: a keyset position (the last row of a page) encoded as
// base64url JSON. Clients pass back `next_cursor` as it came; a cursor that does not decode, or
// that was made for another list or sort, is a 422 at loc ["query", "cursor"].
#pragma once

#include <string>

#include "common/status.h"
#include "storage/store.h"

namespace exemplar::api {

std::string EncodeExampleCursor(const storage::ExampleCursor& c, storage::ExampleSortKey sort, bool desc);
Result<storage::ExampleCursor> DecodeExampleCursor(const std::string& text, storage::ExampleSortKey sort,
                                                   bool desc);

// `list` names the list the cursor belongs to ("templates", "runs").
std::string EncodeKeyCursor(const std::string& list, const storage::KeyCursor& c);
Result<storage::KeyCursor> DecodeKeyCursor(const std::string& text, const std::string& list);

}  // namespace exemplar::api
