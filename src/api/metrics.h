// Prometheus metrics of the HTTP layer: request counts and latency histograms by method, route
// template and status. Thread-safe.
#pragma once

#include <array>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

namespace exemplar::api {

class Metrics {
 public:
  void Observe(const std::string& method, const std::string& route, int status, double seconds);
  // Text exposition format; `gauges` are appended as (name{labels}, value) lines.
  std::string Render(const std::vector<std::pair<std::string, double>>& gauges) const;

 private:
  // Latency bucket bounds in seconds: sub-millisecond searches up to slow exports.
  static constexpr std::array<double, 14> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                      0.1,    0.25,  0.5,    1,     2.5,   5,     10};
  struct Series {
    std::array<uint64_t, kBuckets.size()> buckets{};
    uint64_t count = 0;
    double sum = 0;
  };
  mutable std::mutex mu_;
  std::map<std::tuple<std::string, std::string, int>, Series> series_;
};

}  // namespace exemplar::api
