#include "cli/bench_lists.h"

#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "cli/bench_connections.h"

namespace exemplar::cli {
namespace {

using Clock = std::chrono::steady_clock;

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

// GET `path`, timing it; the page's next_cursor goes to *next (empty at the end).
bool TimedPage(httplib::Client& c, const std::string& path, std::vector<double>* ms, std::string* next) {
  auto t0 = Clock::now();
  auto r = c.Get(path.c_str());
  if (ms) ms->push_back(Ms(Clock::now() - t0));
  if (!r || r->status != 200) return false;
  if (next) {
    Json page = Json::parse(r->body, nullptr, false);
    *next = page.is_object() && page.value("next_cursor", Json()).is_string() ? page["next_cursor"].get<std::string>()
                                                                               : "";
  }
  return true;
}

}  // namespace

Json MeasureLists(int port, int requests) {
  httplib::Client c("127.0.0.1", port);
  c.set_keep_alive(true);
  c.set_tcp_nodelay(true);
  const std::string base = "/api/v1/examples?page_size=";
  std::vector<double> first, deep;
  for (int i = 0; i < requests; ++i) {
    if (!TimedPage(c, base + "50", &first, nullptr)) return {{"error", "first page failed"}};
  }
  // Walk to the middle in pages of 100 (the largest page), then time the page found there.
  auto total_r = c.Get((base + "1").c_str());
  Json total_page = total_r && total_r->status == 200 ? Json::parse(total_r->body, nullptr, false) : Json();
  int64_t total = total_page.is_object() ? total_page.value("total", int64_t{0}) : 0;
  std::string cursor;
  int64_t offset = 0;
  while (offset + 100 <= total / 2) {
    std::string path = base + "100" + (cursor.empty() ? "" : "&cursor=" + cursor);
    if (!TimedPage(c, path, nullptr, &cursor) || cursor.empty()) break;
    offset += 100;
  }
  const std::string deep_path = base + "50" + (cursor.empty() ? "" : "&cursor=" + cursor);
  for (int i = 0; i < requests; ++i) {
    if (!TimedPage(c, deep_path, &deep, nullptr)) return {{"error", "deep page failed"}};
  }
  return {{"first_page_p50_ms", Percentile(first, 0.5)}, {"first_page_p99_ms", Percentile(first, 0.99)},
          {"deep_page_p50_ms", Percentile(deep, 0.5)},   {"deep_page_p99_ms", Percentile(deep, 0.99)},
          {"deep_page_offset", offset}};
}

namespace {

// Streams GET `path` to the end while sampling this process's RSS every 10 ms.
Json MeasureStreamedGet(int port, const std::string& path) {
  double before = ResidentMb();
  std::atomic<bool> done{false};
  std::atomic<double> peak{before};
  std::thread sampler([&] {
    while (!done.load()) {
      double now = ResidentMb();
      if (now > peak.load()) peak.store(now);
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  });
  httplib::Client c("127.0.0.1", port);
  c.set_read_timeout(600, 0);
  int64_t bytes = 0, rows = 0;
  auto t0 = Clock::now();
  auto r = c.Get(path.c_str(), [&](const char* data, size_t len) {
    bytes += static_cast<int64_t>(len);
    rows += std::count(data, data + len, '\n');
    return true;
  });
  double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  done.store(true);
  sampler.join();
  if (!r || r->status != 200) return {{"error", "GET " + path + " failed"}};
  return {{"seconds", seconds}, {"bytes", bytes}, {"rows", rows}, {"rss_before_mb", before}, {"rss_peak_mb", peak.load()}};
}

}  // namespace

Json MeasureExport(int port) { return MeasureStreamedGet(port, "/api/v1/examples/export"); }

Json MeasureSnapshotExport(int port, int64_t n) {
  httplib::Client c("127.0.0.1", port);
  c.set_read_timeout(600, 0);
  const Json filter = n / 2 <= 100000 ? Json{{"domain", "defect_detection"}} : Json{{"function_name", "fn_0"}};
  auto t0 = Clock::now();
  auto frozen = c.Post("/api/v1/snapshots", Json{{"name", "bench"}, {"filter", filter}}.dump(), "application/json");
  const double freeze_s = std::chrono::duration<double>(Clock::now() - t0).count();
  if (!frozen || frozen->status != 201) {
    return {{"error", "snapshot freeze failed: " + (frozen ? frozen->body.substr(0, 200) : std::string("no answer"))}};
  }
  const std::string id = Json::parse(frozen->body, nullptr, false).value("snapshot_id", "");
  // The freeze holds the matching examples at once; once it has returned, freed memory goes back
  // to the OS after a second of quiet (memory_release_mb), so the export starts from a settled RSS.
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  Json out = MeasureStreamedGet(port, "/api/v1/snapshots/" + id + "/export?format=jsonl");
  out["filter"] = filter;
  out["freeze_s"] = freeze_s;
  return out;
}

}  // namespace exemplar::cli
