// Request body schemas shared by the OpenAPI route declarations (api/openapi_routes.cc), defined
// in api/openapi_bodies.cc.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "api/openapi.h"

namespace exemplar::api::bodies {

inline constexpr size_t kShort = 1024;      // service::kMaxShortString
inline constexpr size_t kLong = 64 * 1024;  // SPEC §3: strings ≤ 64 KiB
// The example list's and metadata search's sort keys.
inline const std::vector<std::string> kSortKeys = {"effectiveness_score", "quality_score", "usage_count",
                                                   "created_at", "updated_at"};

// The list filters (service::ParseFilterFields); `content` adds input.<field> / output.<field>
// filters and the PII filter.
Json FilterProps(bool content);
// The value of one content filter: a scalar, a list of them, {"in": [...]} or {"eq": x}.
Json ContentFilterValue();
// The list filters as an object (with the content filters' key pattern when `content`).
Json Filter(bool content);
Json TemplateBody(bool creating);
Json ExportDspyBody();
// The original plan's keys its alias paths accept (api/original_keys.h), each marked deprecated;
// merge them into the current body's properties with WithOriginalKeys.
Json OriginalRetrieveKeys();
Json OriginalOutcomeKeys();
Json OriginalExportKeys();
Json WithOriginalKeys(Json body, const Json& original_keys);
Json RunLaunchBody();
// {ids, filter, dry_run} of the bulk routes.
Json SelectionProps();
// POST /examples (required: input, expected_output) and PUT /examples/{id} (every field optional,
// identity fields checked against the example's own).
Json ExampleCreate();
Json ExampleUpdate();
// POST /examples/search: the filters, the query, its mode, k, blending, exploration and MMR.
Json SearchProps();
Json SearchBody();
// POST /examples/retrieve: the search body with `query` instead of query_text, and the retrieval's
// own defaults and output options.
Json RetrieveBody();
Json OutcomeBody();

}  // namespace exemplar::api::bodies
