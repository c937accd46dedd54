// Branch-free float32 exp that compilers vectorise (std::exp calls are never vectorised
// without -ffast-math). Computed in double, so results are correctly rounded to float in
// all but rare halfway cases, with overflow to inf and gradual underflow handled by the
// final double-to-float rounding.
#pragma once
#include <cstdint>
#include <cstring>

namespace rv {

inline float exp_f32(float xf) {
  double x = xf;
  x = x > 89.0 ? 89.0 : x;
  x = x < -104.0 ? -104.0 : x;  // NaN passes both
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
  return float(p * scale);
}

}  // namespace rv
