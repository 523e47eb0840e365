// The opaque `cursor` of list routes: a keyset position (the last row of a page) encoded as
// base64url JSON. Clients pass back `next_cursor` as it came; a cursor that does not decode, or
// that was made for another list or sort, is a 422 at loc ["query", "cursor"].
#pragma once

#include <string>

#include "api/http.h"
#include "common/json_util.h"
#include "common/status.h"
#include "storage/store.h"

namespace exemplar::api {

std::string EncodeExampleCursor(const storage::ExampleCursor& c, storage::ExampleSortKey sort, bool desc);
Result<storage::ExampleCursor> DecodeExampleCursor(const std::string& text, storage::ExampleSortKey sort,
                                                   bool desc);

// `list` names the list the cursor belongs to ("templates", "runs").
std::string EncodeKeyCursor(const std::string& list, const storage::KeyCursor& c);
Result<storage::KeyCursor> DecodeKeyCursor(const std::string& text, const std::string& list);

// `page` and `cursor` are two ways to say where a list starts: both at once is a 422 at `page`
// (the cursor would win, and the answer would echo a page number it is not).
void CheckPageOrCursor(const Request& req, Validation& v);
// The `page` a list answers: the number asked for, or null for a page reached by cursor.
Json PageField(const Request& req, int64_t page);

}  // namespace exemplar::api
