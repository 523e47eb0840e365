// Small numeric helpers the search stages share.
#pragma once

#include <algorithm>
#include <vector>

namespace exemplar::service {

inline float Dot(const std::vector<float>& a, const std::vector<float>& b) {
  float s = 0;
  const size_t n = std::min(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) s += a[i] * b[i];
  return s;
}

inline double Clamp01(double x) { return std::max(0.0, std::min(1.0, x)); }

}  // namespace exemplar::service
