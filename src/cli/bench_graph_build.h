// `exemplar bench`: how fast the HNSW graph takes in a backlog with one inserter thread and with
// one per core (issue 24, item 1), measured in one run on the bench's own vectors.
#pragma once

#include <cstdint>

#include "common/json_util.h"
#include "embed/embedder.h"
#include "index/vector_index.h"

namespace exemplar::cli {

// The first `n` bench examples, embedded by `embedder`, upserted into a fresh index shaped like
// `shape` (dim, M, ef_construction, storage) with graph insertion paused; then the time until the
// graph holds them all, once with insert_threads 1 and once with one per core (the bench thread
// only waits). Returns {graph_build_n, graph_drain_1_thread_per_s, graph_drain_all_threads_per_s,
// graph_drain_threads, graph_drain_ratio, graph_drain_cpu_ratio (CPU seconds per vector, all
// threads ÷ one: 1.0 means parallel insertion costs no extra work)}.
Json MeasureGraphBuild(embed::Embedder& embedder, const index::VectorIndexOptions& shape, int64_t n);

}  // namespace exemplar::cli
