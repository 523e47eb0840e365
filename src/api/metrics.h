// Prometheus metrics (text exposition format 0.0.4): the HTTP layer's request counts and latency
// histograms by method, route template and status, plus the families a scrape adds (index sizes,
// memory, runs). Thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <variant>
#include <vector>

namespace exemplar::api {

// One metric family besides the HTTP layer's: every family is rendered with its HELP and TYPE.
struct MetricFamily {
  struct Sample {
    std::string labels;  // `status="running"` (without braces), or empty
    // Integers print as integers (byte counts past 2^53 stay exact); doubles print with as many
    // digits as they need to read back the same.
    std::variant<int64_t, double> value;
  };
  std::string name;
  std::string type;  // "gauge" | "counter"
  std::string help;
  std::vector<Sample> samples;
};

// A family of one unlabelled sample.
MetricFamily Gauge(std::string name, std::string help, std::variant<int64_t, double> value);
MetricFamily Counter(std::string name, std::string help, std::variant<int64_t, double> value);

// A double as the text format writes it: the shortest of 15..17 significant digits that reads
// back the same value; NaN, +Inf, -Inf.
std::string FormatMetricValue(double v);

class Metrics {
 public:
  void Observe(const std::string& method, const std::string& route, int status, double seconds);
  // Text exposition format: the HTTP families, then `families`.
  std::string Render(const std::vector<MetricFamily>& families) const;

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
