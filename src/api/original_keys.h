// The original plan's request keys on its alias paths (deprecated): old clients send the
// original's body keys (`max_examples`, `format_style`, `feedback_notes`, ...) to the paths the
// original served. Each key maps to the current key with the same meaning, or, with no
// counterpart, is read by the alias handler itself. Only the alias paths accept them; the current
// routes keep refusing them as unknown keys.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "api/http.h"
#include "common/json_util.h"

namespace exemplar::api {

struct OriginalKey {
  std::string name;     // the original's key, e.g. "max_examples"
  std::string current;  // the current key with its meaning, e.g. "k"; empty: none (the handler reads it)
};

// An alias body split in two: the current keys, and the original's own.
struct OriginalBody {
  Json current = Json::object();   // the body with each mapped original key renamed to its current key
  Json original = Json::object();  // every original key the caller sent (null ones left out)
  std::map<std::string, std::string> sent_as;  // current key -> the original key that supplied it
};

// Splits `body` (an object). A mapped key given together with its current key is a 422 naming
// both unless the two values are equal.
OriginalBody SplitOriginalKeys(const Json& body, const std::vector<OriginalKey>& keys, Validation& v);

// Marks the mapped keys known to `r` (a reader of OriginalBody::original): they were read by the
// current parser under their current names. The handler reads the unmapped ones with `r`, then
// calls r.RejectUnknownKeys() (which finds none unknown: `original` holds only original keys).
void MarkMappedKeys(JsonReader& r, const std::vector<OriginalKey>& keys);

// A 422 whose locations name a current key the caller supplied through an original key names
// the key the caller sent instead (["body", "k"] -> ["body", "max_examples"]).
Status NameSentKeys(const Status& st, const OriginalBody& b);

// The original's keys of each alias body.
const std::vector<OriginalKey>& AgentRetrieveKeys();  // POST /api/v1/agents/examples/retrieve
const std::vector<OriginalKey>& AgentOutcomeKeys();   // POST /api/v1/agents/examples/outcome
const std::vector<OriginalKey>& DspyExportKeys();     // POST /api/v1/dspy/templates/{id}/export

// The DSPy export alias: reads the original's keys (databit_id must name the path's template;
// include_examples false exports no demos; include_metrics true is what every export does, false
// is a 422), then hands the body in current keys to `inner`, the current route's handler.
Handler WithOriginalExportKeys(Handler inner);

}  // namespace exemplar::api
