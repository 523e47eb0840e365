// The compact codes' kernels (vector_storage f16 / int8): half-float conversions and the int8
// dot product, and the storage mode names. The index built on them is in vector_storage_test.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "index/vector_index.h"
#include "index/vector_kernels.h"

namespace exemplar::index {
namespace {

TEST(VectorStorage, NamesRoundTrip) {
  for (VectorStorage s : {VectorStorage::kF32, VectorStorage::kF16, VectorStorage::kInt8}) {
    EXPECT_EQ(ParseVectorStorage(VectorStorageName(s)), s);
  }
  EXPECT_FALSE(ParseVectorStorage("f64").has_value());
  EXPECT_EQ(VectorIndexOptions{}.storage, VectorStorage::kF32);
}

TEST(HalfFloat, ConversionsRoundToNearestEvenAndRoundTrip) {
  auto bits = [](float f) { return FloatToHalf(f); };
  EXPECT_EQ(bits(0.0f), 0x0000);
  EXPECT_EQ(bits(-0.0f), 0x8000);
  EXPECT_EQ(bits(1.0f), 0x3C00);
  EXPECT_EQ(bits(-2.0f), 0xC000);
  EXPECT_EQ(bits(0.1f), 0x2E66);
  EXPECT_EQ(bits(65504.0f), 0x7BFF);  // the largest half
  EXPECT_EQ(bits(65519.0f), 0x7BFF);
  EXPECT_EQ(bits(65520.0f), 0x7C00);  // halfway to the next step: rounds to infinity
  EXPECT_EQ(bits(std::numeric_limits<float>::infinity()), 0x7C00);
  const uint16_t nan = bits(std::numeric_limits<float>::quiet_NaN());
  EXPECT_EQ(nan & 0x7C00, 0x7C00);
  EXPECT_NE(nan & 0x03FF, 0);
  EXPECT_EQ(bits(std::ldexp(1.0f, -14)), 0x0400);         // the smallest normal
  EXPECT_EQ(bits(std::ldexp(1.0f, -24)), 0x0001);         // the smallest subnormal
  EXPECT_EQ(bits(std::ldexp(1.0f, -25)), 0x0000);         // a tie: to even (zero)
  EXPECT_EQ(bits(std::ldexp(1.5f, -25)), 0x0001);
  EXPECT_EQ(bits(1.0f + std::ldexp(1.0f, -11)), 0x3C00);  // ties to even
  EXPECT_EQ(bits(1.0f + 3 * std::ldexp(1.0f, -11)), 0x3C02);
  EXPECT_EQ(HalfToFloat(0x3555), 0.333251953125f);
  EXPECT_EQ(HalfToFloat(0x0001), std::ldexp(1.0f, -24));
  // Every half that is a number survives the trip through float.
  for (uint32_t h = 0; h <= 0xFFFF; ++h) {
    if ((h & 0x7C00) == 0x7C00 && (h & 0x03FF) != 0) continue;  // NaN
    ASSERT_EQ(FloatToHalf(HalfToFloat(static_cast<uint16_t>(h))), h) << std::hex << h;
  }
#if defined(__FLT16_MAX__)
  // Where the compiler has _Float16 (GCC), the conversion agrees with it on floats of every scale.
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> mant(-1.0f, 1.0f);
  std::uniform_int_distribution<int> exp(-30, 17);
  for (int i = 0; i < 200000; ++i) {
    const float f = std::ldexp(mant(rng), exp(rng));
    const _Float16 h = static_cast<_Float16>(f);
    uint16_t want;
    std::memcpy(&want, &h, sizeof want);
    ASSERT_EQ(FloatToHalf(f), want) << f;
  }
#endif
}

// DotInt8 (vectorised where the CPU has AVX2) equals the scalar sum of code products times the two
// scales, for every length (whole 16-code blocks and the rest) and at the extreme codes ±127.
TEST(Int8Codes, DotMatchesTheScalarSumAtEveryLength) {
  std::mt19937 rng(9);
  for (size_t dim : {1, 7, 15, 16, 17, 31, 32, 33, 100, 384, 385, 1536}) {
    for (int extreme = 0; extreme < 2; ++extreme) {
      std::vector<char> a(Int8CodeBytes(dim)), b(Int8CodeBytes(dim));
      const float sa = 0.0123f, sb = 0.0456f;
      std::memcpy(a.data(), &sa, sizeof sa);
      std::memcpy(b.data(), &sb, sizeof sb);
      int32_t want = 0;
      for (size_t i = 0; i < dim; ++i) {
        const int8_t x = extreme ? int8_t{127} : static_cast<int8_t>(static_cast<int>(rng() % 255) - 127);
        const int8_t y = extreme ? (i % 2 ? int8_t{127} : int8_t{-127})
                                 : static_cast<int8_t>(static_cast<int>(rng() % 255) - 127);
        a[sizeof sa + i] = static_cast<char>(x);
        b[sizeof sb + i] = static_cast<char>(y);
        want += int32_t{x} * int32_t{y};
      }
      EXPECT_EQ(DotInt8(a.data(), b.data(), dim), sa * sb * static_cast<float>(want)) << "dim " << dim;
    }
  }
}

}  // namespace
}  // namespace exemplar::index
