// Dot-product kernels for the exact scan. Internal to the index library. Built as function clones
// (x86-64-v3 with AVX2+FMA, and a baseline x86-64 version) picked at load time, so the binary
// runs on any x86-64 and uses wide vectors where the CPU has them.
#pragma once

#include <cstddef>

namespace exemplar::index {

// Σ a[i]·b[i] over i < dim. Every score in the index comes from this one kernel, so the exact
// scan and the re-scoring of HNSW hits agree bit for bit.
float Dot(const float* a, const float* b, size_t dim);

// Scales v to unit L2 norm in place; leaves an all-zero vector unchanged. Returns the old norm
// (NaN or infinity when v holds one; v is then left as it was).
float NormalizeInPlace(float* v, size_t dim);

}  // namespace exemplar::index
