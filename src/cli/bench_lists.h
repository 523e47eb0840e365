// List and export measurements of `exemplar bench` (issue 16): the latency of one page of
// GET /examples at the start of the list and deep in it (by cursor), and the time and memory of a
// whole-store streamed export and of a large snapshot's export.
#pragma once

#include "common/json_util.h"

namespace exemplar::cli {

// Measures `requests` first pages and `requests` pages about half-way through the store (reached
// by walking the cursor chain), each page_size 50. Returns {first_page_p50_ms, first_page_p99_ms,
// deep_page_p50_ms, deep_page_p99_ms, deep_page_offset}.
Json MeasureLists(int port, int requests);

// Streams GET /examples/export to the end while sampling this process's RSS every 10 ms. Returns
// {seconds, bytes, rows, rss_before_mb, rss_peak_mb}.
Json MeasureExport(int port);

// Freezes a snapshot of one domain of the bench corpus (half of its `n` examples; one function
// name, 1%, when half would pass the 100,000 a snapshot holds), then streams its jsonl export to
// the end while sampling RSS as MeasureExport does. Returns {filter, freeze_s, seconds, bytes,
// rows, rss_before_mb, rss_peak_mb} or {error}.
Json MeasureSnapshotExport(int port, int64_t n);

}  // namespace exemplar::cli
