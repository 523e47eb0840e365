// Connection-level measurements of `exemplar bench` (issue 16): cheap-request latency while many
// connections are held open (conn_flood), many clients connecting at once (burst), and the
// process's resident memory.
#pragma once

#include <string>
#include <vector>

#include "common/json_util.h"

namespace exemplar::cli {

struct FloodOptions {
  int idle = 2000;      // connections that send nothing
  int slowloris = 500;  // connections sending a request head one byte per second
  int sse = 200;        // open event streams on `sse_path`
  int requests = 2000;  // cheap requests measured while they are held
};

// Opens the held connections, then sends `requests` cheap requests (alternately GET /healthz and
// GET `get_paths`[i]) from 2 keep-alive clients. Returns {p50_ms, p99_ms, max_ms, errors, held}.
Json MeasureConnFlood(int port, const std::string& sse_path, const std::vector<std::string>& get_paths,
                      const FloodOptions& options);

// `clients` threads connect at the same moment and each POSTs `body` to `path` (one request per
// connection). Returns {clients, resets, errors, seconds}: resets are connections refused, reset or
// closed before a complete response; errors are responses that are not 2xx.
Json MeasureBurst(int port, int clients, const std::string& path, const std::string& body);

// The p-th quantile (0..1) of `v`, nearest rank; 0 when empty. Shared by every bench figure.
double Percentile(std::vector<double> v, double p);

// Resident set size of this process in MB (/proc/self/statm).
double ResidentMb();
// The part of it that is `field` of /proc/self/status ("RssAnon": heap and stacks; "RssFile":
// mapped files such as SQLite's memory-mapped database), in MB.
double ResidentPartMb(const std::string& field);

}  // namespace exemplar::cli
