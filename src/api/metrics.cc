#include "api/metrics.h"

#include <sstream>

namespace exemplar::api {

namespace {

// The method label: any client can send a made-up method, and each distinct label would be a
// series kept for good, so methods outside HTTP's own are counted as "other".
const std::string& MethodLabel(const std::string& method) {
  static const std::string kKnown[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE"};
  static const std::string kOther = "other";
  for (const auto& m : kKnown) {
    if (m == method) return m;
  }
  return kOther;
}

}  // namespace

void Metrics::Observe(const std::string& method, const std::string& route, int status, double seconds) {
  std::lock_guard lock(mu_);
  Series& s = series_[{MethodLabel(method), route, status}];
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) ++s.buckets[i];
  }
  ++s.count;
  s.sum += seconds;
}

std::string Metrics::Render(const std::vector<std::pair<std::string, double>>& gauges) const {
  std::ostringstream out;
  out << "# HELP exemplar_http_requests_total HTTP requests by method, route and status.\n"
      << "# TYPE exemplar_http_requests_total counter\n";
  std::lock_guard lock(mu_);
  for (const auto& [key, s] : series_) {
    const auto& [method, route, status] = key;
    out << "exemplar_http_requests_total{method=\"" << method << "\",route=\"" << route << "\",status=\""
        << status << "\"} " << s.count << "\n";
  }
  out << "# HELP exemplar_http_request_duration_seconds HTTP request latency.\n"
      << "# TYPE exemplar_http_request_duration_seconds histogram\n";
  for (const auto& [key, s] : series_) {
    const auto& [method, route, status] = key;
    std::string labels = "method=\"" + method + "\",route=\"" + route + "\",status=\"" + std::to_string(status) + "\"";
    for (size_t i = 0; i < kBuckets.size(); ++i) {
      out << "exemplar_http_request_duration_seconds_bucket{" << labels << ",le=\"" << kBuckets[i] << "\"} "
          << s.buckets[i] << "\n";
    }
    out << "exemplar_http_request_duration_seconds_bucket{" << labels << ",le=\"+Inf\"} " << s.count << "\n"
        << "exemplar_http_request_duration_seconds_sum{" << labels << "} " << s.sum << "\n"
        << "exemplar_http_request_duration_seconds_count{" << labels << "} " << s.count << "\n";
  }
  for (const auto& [name, value] : gauges) out << name << " " << value << "\n";
  return out.str();
}

}  // namespace exemplar::api
