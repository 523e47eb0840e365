// Test seam of JsonReader (common/json_util.h): when an observer is set, every
// JsonReader::RejectUnknownKeys reports its location (loc base, e.g. {"body", "filter"}) and every
// key the reader knows — the keys that body object may hold. The OpenAPI conformance test checks
// each route's body schema against these. Set it before serving; it must be thread-safe. Unset
// (the default) it costs one atomic load.
#pragma once

#include <string>
#include <vector>

namespace exemplar {

using JsonKeyObserver = void (*)(const std::vector<std::string>& base, const std::vector<std::string>& known);
void SetJsonKeyObserver(JsonKeyObserver observer);

}  // namespace exemplar
