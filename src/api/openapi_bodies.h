// Request body schemas shared by the OpenAPI route declarations (api/openapi_routes.cc), defined
// in api/openapi_bodies.cc.
#pragma once

#include <cstddef>

#include "api/openapi.h"

namespace exemplar::api::bodies {

inline constexpr size_t kShort = 1024;      // service::kMaxShortString
inline constexpr size_t kLong = 64 * 1024;  // SPEC §3: strings ≤ 64 KiB

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

}  // namespace exemplar::api::bodies
