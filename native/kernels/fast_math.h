// Scalar math the CPU and GPU kernels share, where the bits must agree: a multiply-add with
// two roundings, and a branch-free float32 exp that compilers vectorise (std::exp calls are
// never vectorised without -ffast-math). The exp is computed in double, so results are
// correctly rounded to float in all but rare halfway cases, with overflow to inf and gradual
// underflow handled by the final double-to-float rounding.
#pragma once
#include <cstdint>
#include <cstring>
#include <limits>

#include "../device.h"

namespace rv {

// a + b c rounded twice, as the CPU's baseline-ISA code computes it: device code would contract
// it into one fused multiply-add, and the last bit would differ from the CPU's, so the GPU says
// which roundings it wants.
RV_HD inline double add_mul(double a, double b, double c) {
#ifdef __CUDA_ARCH__
  return __dadd_rn(a, __dmul_rn(b, c));
#else
  return a + b * c;
#endif
}

// e^x in double for x already clamped to [-104, 89] (the float32 range), branch-free.
RV_HD inline double exp_clamped_f64(double x) {
  const double inv_ln2 = 1.4426950408889634;
  const double ln2 = 0.6931471805599453;
  const double shifter = 6755399441055744.0;  // 1.5 * 2^52: rounds to an integer in the low bits
  double t = x * inv_ln2 + shifter;
  double k = t - shifter;
  uint64_t bits;
  std::memcpy(&bits, &t, sizeof bits);
  double r = x - k * ln2;  // |r| <= ln2/2
  // e^r by Taylor series to r^7: truncation below 1e-8 relative on |r| <= 0.347.
  double p = 1.0 + r * (1.0 + r * (1.0 / 2 + r * (1.0 / 6 + r * (1.0 / 24 + r * (1.0 / 120 + r * (1.0 / 720 + r * (1.0 / 5040)))))));
  // t's low mantissa bits hold 2^51 + k; adding the bias and shifting leaves (k + 1023) << 52 = 2^k.
  uint64_t scale_bits = (bits + 1023) << 52;
  double scale;
  std::memcpy(&scale, &scale_bits, sizeof scale);
  return p * scale;
}

RV_HD inline float exp_f32(float xf) {
  double x = xf;
  x = x > 89.0 ? 89.0 : x;
  x = x < -104.0 ? -104.0 : x;  // NaN passes both
  return float(exp_clamped_f64(x));
}

// 2·atanh(s) for |s| <= 1/3 by its series 2s(1 + s²/3 + ... + s²⁰/21), branch-free: the core of
// log_positive (|s| <= 0.1716, relative error below 1e-18) and of the float32 log(1 + e^-a) of
// the cross-entropy kernels (s <= 1/3, within 2e-12).
RV_HD inline double twice_atanh_small(double s) {
  double z = s * s;
  double p = 1.0 / 21;
  p = p * z + 1.0 / 19;
  p = p * z + 1.0 / 17;
  p = p * z + 1.0 / 15;
  p = p * z + 1.0 / 13;
  p = p * z + 1.0 / 11;
  p = p * z + 1.0 / 9;
  p = p * z + 1.0 / 7;
  p = p * z + 1.0 / 5;
  p = p * z + 1.0 / 3;
  return 2.0 * s + 2.0 * s * z * p;
}

// Natural log of a positive, normal, finite double; within about 1 ulp. Branch-free so loops
// over it vectorise (std::log calls never do).
RV_HD inline double log_positive(double x) {
  uint64_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  // The exponent through 32-bit integers: int64 -> double conversions do not vectorise before AVX-512.
  int32_t e = int32_t(uint32_t(bits >> 32) >> 20) - 1023;
  uint64_t mbits = (bits & 0x000FFFFFFFFFFFFFull) | 0x3FF0000000000000ull;
  double m;
  std::memcpy(&m, &mbits, sizeof m);  // x = m * 2^e, m in [1, 2)
  bool high = m > 1.4142135623730951;  // move m into [sqrt(1/2), sqrt(2)]
  m = high ? 0.5 * m : m;
  double k = double(e + (high ? 1 : 0));
  // log m = 2 atanh(s), s = (m - 1)/(m + 1), |s| <= 0.1716: the series in s^2 to s^20
  // leaves a relative error below 1e-18.
  double s = (m - 1.0) / (m + 1.0);
  // ln 2 split in two (fdlibm's constants), so k * ln2_hi is exact.
  const double ln2_hi = 6.93147180369123816490e-01;
  const double ln2_lo = 1.90821492927058770002e-10;
  return k * ln2_hi + (twice_atanh_small(s) + k * ln2_lo);
}


// log(1 + x) for float32, vectorisable: 1 + x in double is exact for |x| >= 2^-29, and below
// that Goldberg's correction log(u)·x/(u − 1) restores full accuracy. x = −1 gives −inf,
// x < −1 NaN, +inf inf, NaN NaN.
RV_HD inline float log1p_f32(float xf) {
  double x = xf;
  double u = 1.0 + x;
  double safe = u > 0.0 && u < 1e300 ? u : 1.0;
  double d = safe - 1.0;
  double l = log_positive(safe);
  double r = d == 0.0 ? x : l * (x / d);
  r = u == 0.0 ? -std::numeric_limits<double>::infinity() : r;
  r = u < 0.0 || x != x ? std::numeric_limits<double>::quiet_NaN() : r;
  r = u >= 1e300 ? double(xf) : r;  // +inf
  return float(r);
}

// log(1 + e^x) for float32 in one pass of double arithmetic, vectorisable: max(x, 0) +
// log1p(e^−|x|).
RV_HD inline float softplus_f32(float xf) {
  double x = xf;
  double ax = x < 0.0 ? -x : x;
  double e = exp_clamped_f64(ax > 104.0 ? -104.0 : -ax);  // in [e^-104, 1]
  // Small e: the series e − e²/2 + e³/3 (error below e⁴/4 < 2^-50); else log(1 + e), whose
  // rounding of 1 + e costs at most 2^-52/e < 2^-40 relative. No division either way.
  double series = e * (1.0 - e * (0.5 - e * (1.0 / 3)));
  double r = e < 0x1p-12 ? series : log_positive(1.0 + e);
  double out = (x > 0.0 ? x : 0.0) + r;
  return float(x != x ? x : out);
}

}  // namespace rv
