#include "api/metrics.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
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

std::string FormatSampleValue(const std::variant<int64_t, double>& v) {
  if (const int64_t* i = std::get_if<int64_t>(&v)) return std::to_string(*i);
  return FormatMetricValue(std::get<double>(v));
}

MetricFamily OneSample(std::string name, std::string type, std::string help, std::variant<int64_t, double> value) {
  return {std::move(name), std::move(type), std::move(help), {{"", value}}};
}

}  // namespace

MetricFamily Gauge(std::string name, std::string help, std::variant<int64_t, double> value) {
  return OneSample(std::move(name), "gauge", std::move(help), value);
}

MetricFamily Counter(std::string name, std::string help, std::variant<int64_t, double> value) {
  return OneSample(std::move(name), "counter", std::move(help), value);
}

std::string FormatMetricValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  // A stream's default 6 digits turn 9717230 into 9.71723e+06 and hide increments of a large
  // counter; 17 always read back exactly, fewer keep common values (0.1) short.
  char buf[40];
  for (int digits = 15; digits <= 17; ++digits) {
    std::snprintf(buf, sizeof(buf), "%.*g", digits, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  return buf;
}

void Metrics::Observe(const std::string& method, const std::string& route, int status, double seconds) {
  std::lock_guard lock(mu_);
  Series& s = series_[{MethodLabel(method), route, status}];
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) ++s.buckets[i];
  }
  ++s.count;
  s.sum += seconds;
}

std::string Metrics::Render(const std::vector<MetricFamily>& families) const {
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
      out << "exemplar_http_request_duration_seconds_bucket{" << labels << ",le=\"" << FormatMetricValue(kBuckets[i]) << "\"} "
          << s.buckets[i] << "\n";
    }
    out << "exemplar_http_request_duration_seconds_bucket{" << labels << ",le=\"+Inf\"} " << s.count << "\n"
        << "exemplar_http_request_duration_seconds_sum{" << labels << "} " << FormatMetricValue(s.sum) << "\n"
        << "exemplar_http_request_duration_seconds_count{" << labels << "} " << s.count << "\n";
  }
  for (const MetricFamily& f : families) {
    out << "# HELP " << f.name << " " << f.help << "\n# TYPE " << f.name << " " << f.type << "\n";
    for (const MetricFamily::Sample& s : f.samples) {
      out << f.name;
      if (!s.labels.empty()) out << "{" << s.labels << "}";
      out << " " << FormatSampleValue(s.value) << "\n";
    }
  }
  return out.str();
}

}  // namespace exemplar::api
