// Philox4x32-10 on kBatch consecutive counters at once, with SIMD where the CPU has it.
//
// Compilers do vectorise the scalar rounds, but badly: the 32x32->64-bit products become full
// 64-bit multiplies (three vpmuludq and shifts each, or shift-and-add chains for the constant
// multipliers), slower than scalar code on AVX2. Here each 32-bit word sits zero-extended in a
// 64-bit lane, so one vpmuludq forms each product. Integer arithmetic: every path gives the same
// words, bit for bit. RANDVAR_RANDOM_ISA=avx512|avx2|scalar forces a path (for tests).
#include <cstdlib>
#include <cstring>

#include "random.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define RV_PHILOX_X86 1
#include <immintrin.h>
#endif

namespace rv {
namespace random {
namespace {

void batch_scalar(Key key, uint64_t g0, uint32_t c2, uint32_t c3, PhiloxWords& out) {
  for (int64_t i = 0; i < kBatch; i++) {
    const uint64_t g = g0 + uint64_t(i);
    philox::Block b = philox::block(key, uint32_t(g), uint32_t(g >> 32), c2, c3);
    out.w0[i] = b.w[0];
    out.w1[i] = b.w[1];
    out.w2[i] = b.w[2];
    out.w3[i] = b.w[3];
  }
}

#ifdef RV_PHILOX_X86
// GCC 12's AVX-512 intrinsics pass an "undefined" vector to their masked builtins, which
// -Wuninitialized reports inside the header; nothing here reads an uninitialised value.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
__attribute__((target("avx512f"))) void batch_avx512(Key key, uint64_t g0, uint32_t c2, uint32_t c3, PhiloxWords& out) {
  const __m512i low = _mm512_set1_epi64(0xFFFFFFFFll);
  const __m512i m0 = _mm512_set1_epi64(philox::kM0), m1 = _mm512_set1_epi64(philox::kM1);
  const __m512i iota = _mm512_set_epi64(7, 6, 5, 4, 3, 2, 1, 0);
  for (int64_t i = 0; i < kBatch; i += 8) {
    const __m512i g = _mm512_add_epi64(_mm512_set1_epi64(int64_t(g0 + uint64_t(i))), iota);
    __m512i x0 = _mm512_and_si512(g, low), x1 = _mm512_srli_epi64(g, 32);
    __m512i x2 = _mm512_set1_epi64(c2), x3 = _mm512_set1_epi64(c3);
    uint32_t k0 = key.k0, k1 = key.k1;
    for (int r = 0; r < 10; r++) {
      const __m512i p0 = _mm512_mul_epu32(x0, m0), p1 = _mm512_mul_epu32(x2, m1);
      const __m512i y0 = _mm512_xor_si512(_mm512_xor_si512(_mm512_srli_epi64(p1, 32), x1), _mm512_set1_epi64(k0));
      const __m512i y2 = _mm512_xor_si512(_mm512_xor_si512(_mm512_srli_epi64(p0, 32), x3), _mm512_set1_epi64(k1));
      x1 = _mm512_and_si512(p1, low);
      x3 = _mm512_and_si512(p0, low);
      x0 = y0;
      x2 = y2;
      k0 += philox::kW0;
      k1 += philox::kW1;
    }
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out.w0 + i), _mm512_cvtepi64_epi32(x0));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out.w1 + i), _mm512_cvtepi64_epi32(x1));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out.w2 + i), _mm512_cvtepi64_epi32(x2));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out.w3 + i), _mm512_cvtepi64_epi32(x3));
  }
}
#pragma GCC diagnostic pop

// The low 32 bits of four 64-bit lanes, packed.
__attribute__((target("avx2"))) inline __m128i pack_low32(__m256i x) {
  const __m256i pick = _mm256_setr_epi32(0, 2, 4, 6, 1, 3, 5, 7);
  return _mm256_castsi256_si128(_mm256_permutevar8x32_epi32(x, pick));
}

__attribute__((target("avx2"))) void batch_avx2(Key key, uint64_t g0, uint32_t c2, uint32_t c3, PhiloxWords& out) {
  const __m256i low = _mm256_set1_epi64x(0xFFFFFFFFll);
  const __m256i m0 = _mm256_set1_epi64x(philox::kM0), m1 = _mm256_set1_epi64x(philox::kM1);
  const __m256i iota = _mm256_setr_epi64x(0, 1, 2, 3);
  for (int64_t i = 0; i < kBatch; i += 4) {
    const __m256i g = _mm256_add_epi64(_mm256_set1_epi64x(int64_t(g0 + uint64_t(i))), iota);
    __m256i x0 = _mm256_and_si256(g, low), x1 = _mm256_srli_epi64(g, 32);
    __m256i x2 = _mm256_set1_epi64x(c2), x3 = _mm256_set1_epi64x(c3);
    uint32_t k0 = key.k0, k1 = key.k1;
    for (int r = 0; r < 10; r++) {
      const __m256i p0 = _mm256_mul_epu32(x0, m0), p1 = _mm256_mul_epu32(x2, m1);
      const __m256i y0 = _mm256_xor_si256(_mm256_xor_si256(_mm256_srli_epi64(p1, 32), x1), _mm256_set1_epi64x(k0));
      const __m256i y2 = _mm256_xor_si256(_mm256_xor_si256(_mm256_srli_epi64(p0, 32), x3), _mm256_set1_epi64x(k1));
      x1 = _mm256_and_si256(p1, low);
      x3 = _mm256_and_si256(p0, low);
      x0 = y0;
      x2 = y2;
      k0 += philox::kW0;
      k1 += philox::kW1;
    }
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out.w0 + i), pack_low32(x0));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out.w1 + i), pack_low32(x1));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out.w2 + i), pack_low32(x2));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out.w3 + i), pack_low32(x3));
  }
}
#endif

using BatchFn = void (*)(Key, uint64_t, uint32_t, uint32_t, PhiloxWords&);

BatchFn pick_batch() {
  const char* forced = std::getenv("RANDVAR_RANDOM_ISA");
  auto wants = [forced](const char* isa) { return forced == nullptr || std::strcmp(forced, isa) == 0; };
#ifdef RV_PHILOX_X86
  __builtin_cpu_init();
  if (wants("avx512") && __builtin_cpu_supports("avx512f")) return batch_avx512;
  if (wants("avx2") && __builtin_cpu_supports("avx2")) return batch_avx2;
#endif
  return batch_scalar;
}

const BatchFn batch_impl = pick_batch();

}  // namespace

void philox_batch(Key key, uint64_t g0, uint32_t c2, uint32_t c3, PhiloxWords& out) { batch_impl(key, g0, c2, c3, out); }

// Box–Muller on 53-bit uniforms (random.h's normal53_pair, shared with the GPU), vectorised.
RV_MULTIVERSION void normal53_from(const PhiloxWords& w, double* __restrict out) {
  for (int64_t i = 0; i < kBatch; i++) normal53_pair(w.w0[i], w.w1[i], w.w2[i], w.w3[i], out[2 * i + 0], out[2 * i + 1]);
}

}  // namespace random
}  // namespace rv
