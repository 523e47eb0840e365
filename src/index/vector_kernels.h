// Dot-product kernels for the exact scan. Internal to the index library. Built as function clones
// (x86-64-v3 with AVX2+FMA, and a baseline x86-64 version) picked at load time, so the binary
// runs on any x86-64 and uses wide vectors where the CPU has them.
#pragma once

#include <cstddef>
#include <cstdint>

namespace exemplar::index {

// Σ a[i]·b[i] over i < dim. Every score in the index comes from this one kernel, so the exact
// scan and the re-scoring of HNSW hits agree bit for bit.
float Dot(const float* a, const float* b, size_t dim);

// Scales v to unit L2 norm in place; leaves an all-zero vector unchanged. Returns the old norm
// (NaN or infinity when v holds one; v is then left as it was).
float NormalizeInPlace(float* v, size_t dim);

// Compact codes of a unit vector for the HNSW graph (vector_storage f16 / int8). Graph distances
// use them; every score a caller sees is re-computed with Dot on the f32 vector.
// f16: `dim` IEEE half floats (2 bytes each), rounded to nearest.
void EncodeF16(const float* v, size_t dim, uint16_t* out);
// One value to IEEE binary16 and back (round to nearest, ties to even; overflow to infinity).
uint16_t FloatToHalf(float f);
float HalfToFloat(uint16_t h);
float DotF16(const uint16_t* a, const uint16_t* b, size_t dim);
// int8: a float scale, then `dim` signed bytes with v[i] ≈ scale · code[i] (scale = max|v[i]| / 127:
// per vector, see EncodeInt8). Int8CodeBytes(dim) = 4 + dim.
constexpr size_t Int8CodeBytes(size_t dim) { return sizeof(float) + dim; }
void EncodeInt8(const float* v, size_t dim, char* out);
float DotInt8(const char* a, const char* b, size_t dim);

}  // namespace exemplar::index
