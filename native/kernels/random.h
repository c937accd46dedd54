// Shared pieces of the random-number kernels (random.cc, random_discrete.cc): the call's key,
// counter layouts, uniform conversions, vectorisable log and sin/cos for Box–Muller, a
// per-element stream for rejection samplers, the samplers themselves, and the loops that run
// a sampler over an output whose parameters broadcast to it.
//
// Determinism: every output element's value is a function of (key, its flat index in the
// output) alone. Fixed-size draws ("blocked": uniform, normal, exponential, bernoulli,
// categorical) take the words of Philox block floor(i / G) (G elements per block); rejection
// samplers give element i its own stream of blocks (counter (i, j, 1 + sub)), so the number
// of draws one element rejects never shifts another's. Neither depends on how parallel_for
// splits the range, so results are the same on any thread count.
//
// Speed: Philox blocks are computed a batch of 64 consecutive counters at a time with SIMD
// (philox_batch.cc). Blocked draws take whole aligned batches; rejection samplers get the
// first blocks of each element's stream from batches too (and, when they start with a normal,
// block 0 already as a vectorised Box–Muller pair), falling back to scalar Philox only for
// the rare elements that need more. Which path produces an element's words depends on the
// element alone, so this changes speed, not values.
//
// GPU: native/cuda/random*.cu run the same scalar functions (RV_HD below: conversions, Stream,
// samplers, per-element transforms), one element or one blocked Philox block per thread, with
// scalar Philox in place of the batches. The batch machinery (PhiloxWords, the `ready` blocks,
// precomputed first pairs) is a CPU speed-up and stays CPU-only.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>

#include "../kernel.h"
#include "../philox.h"
#include "../strided_loop.h"
#include "elementwise.h"
#include "fast_math.h"

namespace rv {
namespace random {

using philox::Key;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// attrs[0..1]: the key's words; attrs[2..3]: the stream number's words (low, high).
inline Key call_key(const KernelCall& c) {
  Key key{uint32_t(c.attr_int(0, 0, 0xFFFFFFFFLL)), uint32_t(c.attr_int(1, 0, 0xFFFFFFFFLL))};
  uint64_t stream = uint64_t(c.attr_int(2, 0, 0xFFFFFFFFLL)) | (uint64_t(c.attr_int(3, 0, 0xFFFFFFFFLL)) << 32);
  return philox::fold(key, stream);
}

// uint32 to double through the signed conversion (vectorises without AVX-512).
RV_HD inline double u32_to_double(uint32_t x) { return double(int32_t(x ^ 0x80000000u)) + 2147483648.0; }

// A uniform on [0, 1) from 53 bits of (hi, lo).
RV_HD inline double uniform53(uint32_t hi, uint32_t lo) {
  return (u32_to_double(hi) * 2097152.0 + double(int32_t(lo >> 11))) * 0x1p-53;
}
// A uniform on (0, 1] from 53 bits: never 0, so its log is finite.
RV_HD inline double uniform53_open0(uint32_t hi, uint32_t lo) { return 1.0 - uniform53(hi, lo); }

// sin and cos of 2*pi*u for u in [0, 1): exact quarter-turn reduction (u is a dyadic
// rational), then Taylor polynomials on [-pi/4, pi/4] (truncation below 1e-19).
RV_HD inline void sincos_2pi(double u, double& sin_out, double& cos_out) {
  double v = 4.0 * u;
  int32_t q = int32_t(v + 0.5);  // nearest quarter turn, 0..4
  double f = v - double(q);      // in [-0.5, 0.5], exact
  double a = f * 1.5707963267948966;
  double a2 = a * a;
  // sin a = a - a^3 sp(a^2), cos a = 1 - a^2 cp(a^2), coefficients 1/n! with alternating signs.
  double sp = -1.0 / 355687428096000.0;  // -1/17!
  sp = sp * a2 + 1.0 / 1307674368000.0;
  sp = sp * a2 - 1.0 / 6227020800.0;
  sp = sp * a2 + 1.0 / 39916800.0;
  sp = sp * a2 - 1.0 / 362880.0;
  sp = sp * a2 + 1.0 / 5040.0;
  sp = sp * a2 - 1.0 / 120.0;
  sp = sp * a2 + 1.0 / 6.0;
  double sa = a - a * a2 * sp;
  double cp = 1.0 / 6402373705728000.0;  // 1/18!
  cp = cp * a2 - 1.0 / 20922789888000.0;
  cp = cp * a2 + 1.0 / 87178291200.0;
  cp = cp * a2 - 1.0 / 479001600.0;
  cp = cp * a2 + 1.0 / 3628800.0;
  cp = cp * a2 - 1.0 / 40320.0;
  cp = cp * a2 + 1.0 / 720.0;
  cp = cp * a2 - 1.0 / 24.0;
  cp = cp * a2 + 1.0 / 2.0;
  double ca = 1.0 - a2 * cp;
  int32_t quadrant = q & 3;
  double s = (quadrant & 1) ? ca : sa;
  double c = (quadrant & 1) ? sa : ca;
  sin_out = (quadrant >= 2) ? -s : s;
  cos_out = (quadrant == 1 || quadrant == 2) ? -c : c;
}

// ---------------------------------------------------------------------------------------------
// Blocked draws: the standard values of one Philox block's elements (G per block: element
// G b + j of an output takes block b of counter (b, 0, kTagBlocked)). The CPU runs these over a
// batch of blocks in vectorised loops (random.cc, philox_batch.cc), a GPU thread on one block.

// float32 uniforms: 24 bits of one word each, exactly the float32 values k 2^-24 (G = 4).
RV_HD inline double uniform24(uint32_t w) { return double(int32_t(w >> 8)) * 0x1p-24; }

// float32 normals (G = 4): Box–Muller on two 32-bit uniforms, the radius's in (0, 1], so the
// tails reach 6.6 standard deviations (more than float32 draws need in practice). z0 = r cos,
// z1 = r sin; words (w0, w1) give elements 4b, 4b + 1 and (w2, w3) elements 4b + 2, 4b + 3.
RV_HD inline void normal32_pair(uint32_t radius, uint32_t angle, double& z0, double& z1) {
  double r = std::sqrt(-2.0 * log_positive((u32_to_double(radius) + 1.0) * 0x1p-32));
  double s, c;
  sincos_2pi(u32_to_double(angle) * 0x1p-32, s, c);
  z0 = r * c;
  z1 = r * s;
}

// float64 normals (G = 2): Box–Muller on 53-bit uniforms, tails to 8.6 standard deviations;
// the radius from (w0, w1), the angle from (w2, w3); z0 = r cos is element 2b, z1 = r sin 2b + 1.
RV_HD inline void normal53_pair(uint32_t w0, uint32_t w1, uint32_t w2, uint32_t w3, double& z0, double& z1) {
  double r = std::sqrt(-2.0 * log_positive(uniform53_open0(w0, w1)));
  double s, c;
  sincos_2pi(uniform53(w2, w3), s, c);
  z0 = r * c;
  z1 = r * s;
}

// A standard exponential, -log of a uniform on (0, 1] (G = 2: (w0, w1), then (w2, w3)).
RV_HD inline double exponential53(uint32_t hi, uint32_t lo) { return -log_positive(uniform53_open0(hi, lo)); }

// 64 random bits (G = 2), for integer uniforms.
RV_HD inline uint64_t bits64(uint32_t hi, uint32_t lo) { return (uint64_t(hi) << 32) | lo; }

// The largest T below x (finite x), by stepping its bit pattern: branch-free, so the
// uniform's row loop still vectorises (std::nextafter is a call per element).
template <typename T> RV_HD inline T next_below(T x) {
  using U = std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>;
  U bits;
  std::memcpy(&bits, &x, sizeof bits);
  const U sign = U(1) << (8 * sizeof(T) - 1);
  U down = x > T(0) ? bits - 1 : (x < T(0) ? bits + 1 : (sign | 1));  // zero: the negative subnormal
  T out;
  std::memcpy(&out, &down, sizeof out);
  return out;
}

// The elementwise transforms of the blocked kernels (random.cc), from a standard draw and the
// element's parameters as doubles.

// randomUniform float: lo + (hi - lo) u in T; rounding can carry it up to hi, which steps down
// to the T below hi.
template <typename T> RV_HD inline T uniform_value(double u, double lo, double hi) {
  T v = T(add_mul(lo, hi - lo, u));
  return (v >= T(hi) && lo < hi && std::isfinite(hi)) ? next_below(T(hi)) : v;
}

// Whether randomUniform's int32 bounds are valid: integers in the int32 range with lo < hi.
RV_HD inline bool uniform_int_bounds_ok(double lo, double hi) {
  return lo >= -2147483648.0 && hi <= 2147483647.0 && lo < hi && std::floor(lo) == lo && std::floor(hi) == hi;
}

// randomUniform int32: lo + floor(x (hi - lo) / 2^64) on 64 random bits x, exactly, from
// 32-bit halves (bias below 2^-32); bounds already checked by uniform_int_bounds_ok.
RV_HD inline int32_t uniform_int(uint64_t x, int64_t lo, int64_t hi) {
  uint64_t range = uint64_t(hi - lo);  // in [1, 2^32)
  uint64_t high = ((x >> 32) * range + (((x & 0xFFFFFFFFull) * range) >> 32)) >> 32;
  return int32_t(lo + int64_t(high));
}

// randomNormal: mean + sd z.
template <typename T> RV_HD inline T normal_value(double z, double mean, double sd) { return T(add_mul(mean, sd, z)); }

// randomExponential: E / rate; rate <= 0 or NaN gives NaN.
template <typename T> RV_HD inline T exponential_value(double e, double rate) {
  return T(rate > 0.0 ? e / rate : kNaN);
}

// randomBernoulli: 1 where u < p (53-bit u); p outside [0, 1] or NaN gives NaN (-1 for int32).
template <typename T> RV_HD inline T bernoulli_value(double u, double p) {
  if constexpr (std::is_same_v<T, int32_t>) {
    return (p >= 0.0 && p <= 1.0) ? int32_t(u < p) : int32_t(-1);
  } else {
    return (p >= 0.0 && p <= 1.0) ? T(u < p) : T(kNaN);
  }
}

// ---------------------------------------------------------------------------------------------
// Batches: the blocks with counters (g0 + i as one 64-bit number, c2, c3) for i < kBatch, words
// stored by position (philox_batch.cc; SIMD where available, the same words on every path).

constexpr int64_t kBatch = 64;

struct PhiloxWords {
  uint32_t w0[kBatch], w1[kBatch], w2[kBatch], w3[kBatch];
};

void philox_batch(Key key, uint64_t g0, uint32_t c2, uint32_t c3, PhiloxWords& out);

// Box–Muller on each block of a batch: out[2i], out[2i + 1] = r cos, r sin from the 53-bit
// uniforms (w0, w1) (radius, on (0, 1]) and (w2, w3) (angle). Vectorised (philox_batch.cc).
void normal53_from(const PhiloxWords& w, double* out);

// ---------------------------------------------------------------------------------------------
// Per-element streams, for samplers that draw a variable number of words.

class Stream {
 public:
  // Sub-stream `sub` of element `index` (a sampler that needs two independent draws per
  // element, as beta's two gammas, uses sub-streams 0 and 1). With `first_normal`, a normal()
  // drawn before any other value takes block 0 as one Box–Muller pair (normal53_pair, the
  // vectorisable form), later ones the library's log, sin and cos.
  // CPU speed-ups, not changing values: the first `ready` blocks may come precomputed, as lane
  // `lane` of batches ready[0], ready[1]... (the same words the stream would compute, a batch at
  // a time), and `first_pair` as normal53_pair of block 0, computed in a vectorised batch.
  RV_HD Stream(Key key, uint64_t index, uint32_t sub = 0, bool first_normal = false, const PhiloxWords* ready = nullptr,
               int64_t lane = 0, uint32_t ready_blocks = 0, const double* first_pair = nullptr)
      : key_(key), c0_(uint32_t(index)), c1_(uint32_t(index >> 32)), c3_(philox::kTagElementStream + sub),
        ready_(ready), lane_(lane), ready_blocks_(ready ? ready_blocks : 0), first_pair_(first_pair),
        first_normal_(first_normal) {}

  RV_HD uint32_t next32() {
    if (used_ == 4) refill();
    return buf_[used_++];
  }
  // Uniform on [0, 1) from 53 bits.
  RV_HD double uniform() {
    uint32_t hi = next32();
    return uniform53(hi, next32());
  }
  // Uniform on (0, 1].
  RV_HD double uniform_open0() { return 1.0 - uniform(); }
  // Standard normal by Box–Muller; the pair's second value is kept for the next call. One
  // element at a time, the library's log, sin and cos are faster than the polynomials above
  // (whose long dependency chains only pay off across vector lanes).
  RV_HD double normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    if (first_normal_ && j_ == 0 && used_ == 4) {  // block 0 as one Box–Muller pair
      j_ = 1;
      double z0;
      if (first_pair_ != nullptr) {
        z0 = first_pair_[0];
        spare_ = first_pair_[1];
      } else {
        philox::Block b = philox::block(key_, c0_, c1_, 0, c3_);
        normal53_pair(b.w[0], b.w[1], b.w[2], b.w[3], z0, spare_);
      }
      has_spare_ = true;
      return z0;
    }
    double r = std::sqrt(-2.0 * std::log(uniform_open0()));
    double theta = 6.283185307179586 * uniform();
    double s = std::sin(theta), c = std::cos(theta);
    spare_ = r * s;
    has_spare_ = true;
    return r * c;
  }

 private:
  RV_HD void refill() {
    if (j_ < ready_blocks_) {
      const PhiloxWords& w = ready_[j_++];
      buf_[0] = w.w0[lane_];
      buf_[1] = w.w1[lane_];
      buf_[2] = w.w2[lane_];
      buf_[3] = w.w3[lane_];
    } else {
      philox::Block b = philox::block(key_, c0_, c1_, j_++, c3_);
      buf_[0] = b.w[0];
      buf_[1] = b.w[1];
      buf_[2] = b.w[2];
      buf_[3] = b.w[3];
    }
    used_ = 0;
  }
  Key key_;
  uint32_t c0_, c1_, c3_;
  const PhiloxWords* ready_;
  int64_t lane_;
  uint32_t ready_blocks_;
  const double* first_pair_;
  bool first_normal_;
  uint32_t j_ = 0;
  uint32_t buf_[4] = {};
  int used_ = 4;
  bool has_spare_ = false;
  double spare_ = 0;
};

// ---------------------------------------------------------------------------------------------
// log k! for the discrete samplers' acceptance tests, written as
//   log k! = (k + 1/2) log(k + 1) - (k + 1) + log(2 pi)/2 + delta(k)
// (Stirling's formula for Gamma(k + 1)), so that differences of log-factorials of large,
// nearby arguments can be formed without cancelling terms of size k log k. delta is the
// Stirling series for k >= 16 and a table below. (A local copy: the special-function kernels
// are written separately, and only these forms are needed here.)

constexpr double kHalfLog2Pi = 0.91893853320467274178;

RV_HD inline double stirling_delta(double k) {
  // delta(i) = log i! - ((i + 1/2) log(i + 1) - (i + 1) + log(2 pi)/2) for i < 16, as the CPU
  // formerly computed it at load time with glibc's log (summing log 1 ... log i): these are
  // those doubles, so that draws stay as they were. (A function-local table: nvcc warns when an
  // RV_HD function indexes a namespace-scope __device__ array on the host side.)
  static constexpr double table[16] = {
      0x1.4c071bcda0a58p-4, 0x1.52a9b923ea65p-5, 0x1.c579a268d804p-6, 0x1.54a2662fd79p-6,
      0x1.10b4e513fcc8p-6,  0x1.c6b167bebep-7,   0x1.85d4d612e4ap-7,  0x1.552805e7b34p-7,
      0x1.2f4871b12a8p-7,   0x1.10f9d4c0744p-7,  0x1.f0593088018p-8,  0x1.c7018733aap-8,
      0x1.a40514701p-8,     0x1.86076c002ep-8,   0x1.6c08f6f195p-8,   0x1.5549f7dd11p-8,
  };
  if (k < 16) return table[k > 0.0 ? int(k) : 0];
  double r = 1.0 / (k + 1.0), r2 = r * r;
  // 1/(12x) - 1/(360x^3) + 1/(1260x^5) - 1/(1680x^7); the next term is below 1e-14 here.
  return r * (1.0 / 12 - r2 * (1.0 / 360 - r2 * (1.0 / 1260 - r2 * (1.0 / 1680))));
}

// log a! - log b! for integers a, b >= 0.
RV_HD inline double log_factorial_diff(double a, double b) {
  return (a + 0.5) * std::log1p((a - b) / (b + 1.0)) + (a - b) * (std::log(b + 1.0) - 1.0) + stirling_delta(a) -
         stirling_delta(b);
}

// ---------------------------------------------------------------------------------------------
// Samplers. Each takes its parameters as doubles and its element's stream, and returns NaN for
// parameters outside the distribution's domain.

// Gamma(alpha, 1) draws: Marsaglia and Tsang (2000), "A simple method for generating gamma
// variables", for alpha >= 1; for alpha < 1, Gamma(alpha + 1) * U^(1/alpha), formed in log
// space: log G + log(U)/alpha. For tiny alpha (0.01) that log is routinely below -700, where
// the value itself underflows even in float64, so callers that combine draws (beta) take the
// log. The constants d and c depend on alpha alone and are kept while alpha repeats.
struct GammaSampler {
  double alpha = -1;  // the shape d and c are for (-1: none yet)
  double d = 0, c = 0;

  // One Marsaglia–Tsang draw for shape alpha' = d + 1/3 >= 1.
  RV_HD double marsaglia_tsang(Stream& s) const {
    for (;;) {
      double x, v;
      do {
        x = s.normal();
        v = 1.0 + c * x;
      } while (v <= 0.0);
      v = v * v * v;
      double u = s.uniform();
      double x2 = x * x;
      if (u < 1.0 - 0.0331 * x2 * x2) return d * v;
      if (std::log(u) < 0.5 * x2 + d * (1.0 - v + std::log(v))) return d * v;
    }
  }

  // A Gamma(shape, 1) draw, or its log when `log_space`; NaN unless shape is positive and finite.
  RV_HD double operator()(double shape, Stream& s, bool log_space) {
    if (!(shape > 0.0) || !std::isfinite(shape)) return kNaN;
    if (!(shape == alpha)) {
      alpha = shape;
      d = (shape >= 1.0 ? shape : shape + 1.0) - 1.0 / 3.0;
      c = 1.0 / std::sqrt(9.0 * d);
    }
    double g = marsaglia_tsang(s);
    if (alpha >= 1.0) return log_space ? std::log(g) : g;
    double log_value = std::log(g) + std::log(s.uniform_open0()) / alpha;
    return log_space ? log_value : std::exp(log_value);
  }
};

// Poisson(lam): inversion by sequential search for lam < 10 (one uniform), otherwise the
// transformed rejection method PTRS of Hörmann (1993), "The transformed rejection method for
// generating Poisson random variables". The set-up depends on lam alone, so a sampler keeps it
// while lam repeats.
struct PoissonSampler {
  double lam = -1;  // the rate the constants below are for (-1: none yet)
  double p0 = 0;    // inversion: e^-lam
  double b = 0, a = 0, v_r = 0, log_inv_alpha = 0;  // PTRS

  RV_HD void set(double rate) {
    lam = rate;
    if (!(rate >= 0.0) || !std::isfinite(rate)) return;
    if (rate < 10.0) {
      p0 = std::exp(-rate);
      return;
    }
    b = 0.931 + 2.53 * std::sqrt(rate);
    a = -0.059 + 0.02483 * b;
    v_r = 0.9277 - 3.6224 / (b - 2.0);
    log_inv_alpha = std::log(1.1239 + 1.1328 / (b - 3.4));
  }

  RV_HD double operator()(double rate, Stream& s) {
    if (!(rate >= 0.0) || !std::isfinite(rate)) return kNaN;
    if (rate == 0.0) return 0.0;
    if (!(rate == lam)) set(rate);
    if (lam < 10.0) {
      for (;;) {
        double u = s.uniform(), p = p0, cdf = p0;
        double k = 0;
        // P(k > 100) < 1e-60 for lam < 10: reaching it means rounding kept cdf below u; draw again.
        while (u >= cdf && k < 100) {
          k += 1;
          p *= lam / k;
          cdf += p;
        }
        if (k < 100) return k;
      }
    }
    for (;;) {
      double u = s.uniform() - 0.5;
      double v = s.uniform();
      double us = 0.5 - std::fabs(u);
      double k = std::floor((2.0 * a / us + b) * u + lam + 0.43);
      if (us >= 0.07 && v <= v_r) return k;
      if (k < 0.0 || (us < 0.013 && v > us)) continue;
      // log of the pmf at k: -lam + k log lam - log k!, in the Stirling form (no cancellation).
      double log_pmf = k * std::log1p((lam - k - 1.0) / (k + 1.0)) - 0.5 * std::log(k + 1.0) + (k + 1.0 - lam) -
                       kHalfLog2Pi - stirling_delta(k);
      if (std::log(v) + log_inv_alpha - std::log(a / (us * us) + b) <= log_pmf) return k;
    }
  }
};

// Binomial(n, p): inversion when n min(p, 1-p) < 10, otherwise BTRS, the transformed rejection
// method of Hörmann (1993), "The generation of binomial random variates". Set-up kept while
// (n, p) repeat, as Poisson's.
struct BinomialSampler {
  double n = -1, p = -1;  // the parameters the constants below are for
  bool flip = false, inversion = false;
  double pp = 0, q = 0;
  double ratio = 0, a_inv = 0, r0 = 0;                                    // inversion
  double b = 0, a = 0, c = 0, v_r = 0, alpha = 0, log_ratio = 0, m = 0;  // BTRS

  RV_HD void set(double trials, double prob) {
    n = trials;
    p = prob;
    flip = p > 0.5;  // sample the rarer outcome
    pp = flip ? 1.0 - p : p;
    q = 1.0 - pp;
    inversion = n * pp < 10.0;
    if (inversion) {
      ratio = pp / q;
      a_inv = (n + 1.0) * ratio;
      r0 = std::exp(n * std::log1p(-pp));
      return;
    }
    const double spq = std::sqrt(n * pp * q);
    b = 1.15 + 2.53 * spq;
    a = -0.0873 + 0.0248 * b + 0.01 * pp;
    c = n * pp + 0.5;
    v_r = 0.92 - 4.2 / b;
    alpha = (2.83 + 5.1 / b) * spq;
    log_ratio = std::log(pp / q);
    m = std::floor((n + 1.0) * pp);
  }

  RV_HD double operator()(double trials, double prob, Stream& s) {
    if (!(trials >= 0.0) || !std::isfinite(trials) || std::floor(trials) != trials || !(prob >= 0.0 && prob <= 1.0)) {
      return kNaN;
    }
    if (trials == 0.0 || prob == 0.0) return 0.0;
    if (prob == 1.0) return trials;
    if (!(trials == n && prob == p)) set(trials, prob);
    double k;
    if (inversion) {
      for (;;) {
        double u = s.uniform(), r = r0;
        k = 0;
        while (u >= r && k <= n && k < 200) {  // P(k >= 200) < 1e-150 here; a rounding runaway redraws
          u -= r;
          k += 1;
          r *= a_inv / k - ratio;
        }
        if (k <= n && k < 200) break;
      }
    } else {
      for (;;) {
        double u = s.uniform() - 0.5;
        double v = s.uniform();
        double us = 0.5 - std::fabs(u);
        k = std::floor((2.0 * a / us + b) * u + c);
        if (k < 0.0 || k > n) continue;
        if (us >= 0.07 && v <= v_r) break;
        // log(pmf(k) / pmf(m)), as differences of log-factorials of nearby arguments.
        double bound = log_factorial_diff(m, k) + log_factorial_diff(n - m, n - k) + (k - m) * log_ratio;
        if (std::log(v * alpha / (a / (us * us) + b)) <= bound) break;
      }
    }
    return flip ? n - k : k;
  }
};

// ---------------------------------------------------------------------------------------------
// Per-element draws: what the rejection-sampling kernels run on every element, on the CPU
// (sample_per_element below) and on a GPU (native/cuda/random.cuh).

constexpr int kMaxParams = 3;

// A sampler's double result stored in the output dtype; int32 outputs (counts) write -1 where
// the parameters were invalid (NaN) and saturate above the int32 range.
template <typename T> RV_HD inline T store(double v) {
  if constexpr (std::is_same_v<T, int32_t>) {
    if (v != v) return -1;
    return v >= 2147483647.0 ? 2147483647 : int32_t(v);
  } else {
    return T(v);
  }
}

// The streams of one element: stream(sub) gives sub-stream `sub`. On the CPU its first blocks
// (and block 0's Box–Muller pair) may come precomputed; on a GPU `ready` and `pairs` are null.
struct ElementStreams {
  Key key;
  uint64_t index;
  const PhiloxWords* ready;  // [sub][block] batches, `blocks` per sub-stream, or null
  int64_t lane;
  uint32_t blocks;
  const double* pairs;  // [sub][2 * kBatch]: block 0 as Box–Muller pairs, or null
  bool first_normals;   // a first normal() takes block 0 as one pair (Stream)
  RV_HD Stream stream(uint32_t sub = 0) const {
    return Stream(key, index, sub, first_normals, ready ? ready + sub * blocks : nullptr, lane, blocks,
                  pairs ? pairs + sub * 2 * kBatch + 2 * lane : nullptr);
  }
};

// Each draw is a functor f(streams, params) -> double (params: the element's parameters as
// doubles) that may keep its sampler's set-up while parameters repeat, with its kernel's shape:
// kInputs parameters, int32 output allowed (kAllowInt), kSubs sub-streams per element, and
// whether its first draw is a normal (kFirstNormals: block 0 taken as a Box–Muller pair).

// truncatedNormal(mean, stdDev): standard normals redrawn until |z| <= 2 (TensorFlow's
// definition), each element from its own stream.
struct TruncatedNormalDraw {
  static constexpr size_t kInputs = 2;
  static constexpr bool kAllowInt = false;
  static constexpr uint32_t kSubs = 1;
  static constexpr bool kFirstNormals = true;
  RV_HD double operator()(const ElementStreams& streams, const double* p) {
    Stream s = streams.stream();
    double z;
    do z = s.normal();
    while (std::fabs(z) > 2.0);
    return add_mul(p[0], p[1], z);
  }
};

// randomGamma(alpha, beta): Gamma(alpha) / beta, beta a rate. alpha < 1 is drawn in log space
// and divided in log space, so results underflow only where the value itself is below the
// dtype's smallest number. alpha or beta not positive and finite gives NaN.
struct GammaDraw {
  static constexpr size_t kInputs = 2;
  static constexpr bool kAllowInt = false;
  static constexpr uint32_t kSubs = 1;
  static constexpr bool kFirstNormals = true;
  GammaSampler gamma;
  RV_HD double operator()(const ElementStreams& streams, const double* p) {
    const double alpha = p[0], rate = p[1];
    if (!(rate > 0.0) || !std::isfinite(rate)) return kNaN;
    Stream s = streams.stream();
    if (alpha >= 1.0) return gamma(alpha, s, false) / rate;
    return std::exp(gamma(alpha, s, true) - std::log(rate));
  }
};

// randomBeta(concentration1, concentration0): X / (X + Y) with X ~ Gamma(c1), Y ~ Gamma(c0) on
// sub-streams 0 and 1. When either concentration is below 1, from the logs: sigmoid(log X -
// log Y), so tiny concentrations give values near 0 and 1 rather than 0/0.
struct BetaDraw {
  static constexpr size_t kInputs = 2;
  static constexpr bool kAllowInt = false;
  static constexpr uint32_t kSubs = 2;
  static constexpr bool kFirstNormals = true;
  GammaSampler gx, gy;
  RV_HD double operator()(const ElementStreams& streams, const double* p) {
    const double a = p[0], b = p[1];
    Stream sx = streams.stream(0), sy = streams.stream(1);
    if (a >= 1.0 && b >= 1.0) {
      double x = gx(a, sx, false), y = gy(b, sy, false);
      return x / (x + y);
    }
    double t = gx(a, sx, true) - gy(b, sy, true);  // NaN for invalid a or b
    return t >= 0.0 ? 1.0 / (1.0 + std::exp(-t)) : std::exp(t) / (1.0 + std::exp(t));
  }
};

// randomPoisson(lam); lam negative, infinite or NaN gives NaN (-1 for int32).
struct PoissonDraw {
  static constexpr size_t kInputs = 1;
  static constexpr bool kAllowInt = true;
  static constexpr uint32_t kSubs = 1;
  static constexpr bool kFirstNormals = false;
  PoissonSampler sampler;
  RV_HD double operator()(const ElementStreams& streams, const double* p) {
    Stream s = streams.stream();
    return sampler(p[0], s);
  }
};

// randomBinomial(counts, probs); counts not a non-negative integer, or probs outside [0, 1],
// gives NaN (-1 for int32).
struct BinomialDraw {
  static constexpr size_t kInputs = 2;
  static constexpr bool kAllowInt = true;
  static constexpr uint32_t kSubs = 1;
  static constexpr bool kFirstNormals = false;
  BinomialSampler sampler;
  RV_HD double operator()(const ElementStreams& streams, const double* p) {
    Stream s = streams.stream();
    return sampler(p[0], p[1], s);
  }
};

// ---------------------------------------------------------------------------------------------
// Categorical and multinomial rows (random_discrete.cc; the GPU's random_discrete.cu).

// The cumulative weights of one row of k classes (softmax weights exp(x - max) for logits; the
// values themselves when `normalized`), summed in order into cdf; false where the row has no
// valid distribution (a negative or NaN weight, or a total that is not positive and finite).
template <typename P>
RV_HD inline bool row_cdf(const P* row, int64_t k, bool normalized, double* cdf) {
  double shift = 0;
  if (!normalized) {
    shift = -std::numeric_limits<double>::infinity();
    for (int64_t j = 0; j < k; j++) {
      const double v = double(row[j]);
      shift = shift < v ? v : shift;  // std::max(shift, v): NaN logits leave it
    }
  }
  double total = 0;
  bool ok = normalized || std::isfinite(shift);
  for (int64_t j = 0; j < k; j++) {
    double w = normalized ? double(row[j]) : std::exp(double(row[j]) - shift);
    if (!(w >= 0.0)) ok = false;  // NaN logits, negative probabilities
    total += w;
    cdf[j] = total;
  }
  return ok && total > 0.0 && std::isfinite(total);
}

// The class a uniform u picks from a valid row's cdf (k >= 1, non-decreasing): the first
// class whose cumulative weight exceeds u * total, so zero-weight classes are never chosen; when
// u * total rounds up to the total, the last class with positive weight (the first to reach it).
RV_HD inline int32_t categorical_pick(const double* cdf, int64_t k, double u) {
  const double total = cdf[k - 1];
  const double target = u * total;
  // Binary searches for the first index whose value is > target (std::upper_bound), then >= total
  // (std::lower_bound): on a sorted row both are the unique partition point.
  int64_t lo = 0, hi = k;
  while (lo < hi) {
    int64_t mid = lo + (hi - lo) / 2;
    if (target < cdf[mid]) hi = mid; else lo = mid + 1;
  }
  if (lo == k) {
    lo = 0;
    hi = k;
    while (lo < hi) {
      int64_t mid = lo + (hi - lo) / 2;
      if (cdf[mid] < total) lo = mid + 1; else hi = mid;
    }
  }
  return int32_t(lo);
}

// One row of randomMultinomial: n trials over k classes of weights p, by sequential conditional
// binomials, class j ~ Binomial(remaining, p_j / (p_j + ... + p_last)) on sub-stream j of row
// `row`. `rest` is scratch for k + 1 doubles. A negative, NaN or all-zero weight, or an n that
// is not a non-negative integer, gives NaN in every class (-1 for int32).
template <typename T, typename P>
RV_HD inline void multinomial_row(Key key, uint64_t row, double n, const P* p, int64_t k, double* rest,
                                  BinomialSampler& binomial, T* out) {
  bool ok = n >= 0.0 && std::isfinite(n) && std::floor(n) == n;
  rest[k] = 0;
  for (int64_t j = k - 1; j >= 0; j--) {
    double pj = double(p[j]);
    if (!(pj >= 0.0)) ok = false;
    rest[j] = rest[j + 1] + pj;
  }
  ok = ok && rest[0] > 0.0 && std::isfinite(rest[0]);
  double remaining = n;
  for (int64_t j = 0; j < k; j++) {
    double x;
    if (!ok) {
      x = kNaN;
    } else if (j == k - 1 || remaining == 0.0) {
      x = j == k - 1 ? remaining : 0.0;
    } else {
      const double ratio = double(p[j]) / rest[j];
      double q = rest[j] > 0.0 ? (ratio < 1.0 ? ratio : 1.0) : 0.0;  // std::min(1.0, ratio)
      Stream s(key, row, uint32_t(j));
      x = binomial(remaining, q, s);
    }
    if (ok) remaining -= x;
    out[j] = store<T>(x);
  }
}

// ---------------------------------------------------------------------------------------------
// Kernel plumbing.

// The parameter inputs' common dtype: float32 or float64 (float64 when there are none).
inline DType param_dtype(const KernelCall& c) {
  if (c.num_inputs() == 0) return DType::Float64;
  DType d = c.input(0).dtype;
  for (size_t i = 0; i < c.num_inputs(); i++) {
    if (c.input(i).dtype != d || !is_float(d)) throw c.fail("parameters must all be float32 or all float64");
  }
  return d;
}

// Calls fn(Tag<Out>{}, Tag<P>{}) for the output dtype (float32, float64, and int32 when
// `allow_int`) and the parameters' dtype.
template <typename Fn>
void dispatch_sampler(const KernelCall& c, bool allow_int, Fn&& fn) {
  DType p = param_dtype(c);
  auto with_out = [&](auto out_tag) {
    dispatch_float(p, c.name, [&](auto p_tag) { fn(out_tag, p_tag); });
  };
  switch (c.out_dtype) {
    case DType::Float32: with_out(Tag<float>{}); return;
    case DType::Float64: with_out(Tag<double>{}); return;
    case DType::Int32:
      if (allow_int) {
        with_out(Tag<int32_t>{});
        return;
      }
      break;
    default: break;
  }
  throw c.fail(std::string("dtype ") + dtype_name(c.out_dtype) + " is not supported");
}

// A loop over the output and up to three parameters that broadcast to it.
inline StridedLoop params_loop(const KernelCall& c, const Tensor& out) {
  switch (c.num_inputs()) {
    case 0: return StridedLoop(out.shape, {&out}, c.name);
    case 1: return StridedLoop(out.shape, {&out, &c.input(0)}, c.name);
    case 2: return StridedLoop(out.shape, {&out, &c.input(0), &c.input(1)}, c.name);
    case 3: return StridedLoop(out.shape, {&out, &c.input(0), &c.input(1), &c.input(2)}, c.name);
    default: throw c.fail("too many parameters");
  }
}

constexpr int kMaxReadyBlocks = 4;

// out[i] = f(streams of element i, params at i) for every flat output index i, f returning a
// double. The first `blocks` blocks of sub-streams 0..subs-1 are computed a batch of kBatch
// elements at a time (SIMD; scalar Philox is latency-bound at about 20 ns a block), which is
// most of what a rejection sampler's first attempt needs; with `first_normals`, block 0 also
// as a vectorised Box–Muller pair, for samplers whose first draw is a normal. Which of these
// an element's values come from depends on the element alone, never on the chunking.
template <typename T, typename P, typename F>
void sample_per_element(const KernelCall& c, const Tensor& out, Key key, const F& f, int64_t grain, uint32_t subs = 1,
                        uint32_t blocks = 1, bool first_normals = false) {
  if (subs * blocks > kMaxReadyBlocks || subs > 2 || blocks < 1) throw c.fail("bad stream precomputation");
  StridedLoop loop = params_loop(c, out);
  const int np = int(c.num_inputs());
  parallel_for(loop.numel(), grain, [&](int64_t begin, int64_t end) {
    F local = f;  // per chunk: samplers may keep set-up that depends on the parameters alone
    PhiloxWords ready[kMaxReadyBlocks];
    double pairs[2 * 2 * kBatch];
    for (int64_t first = begin; first < end;) {
      const int64_t batch = first / kBatch;
      const int64_t last = std::min(end, (batch + 1) * kBatch);
      for (uint32_t sub = 0; sub < subs; sub++) {
        for (uint32_t j = 0; j < blocks; j++) {
          philox_batch(key, uint64_t(batch * kBatch), j, philox::kTagElementStream + sub, ready[sub * blocks + j]);
        }
        if (first_normals) normal53_from(ready[sub * blocks], pairs + sub * 2 * kBatch);
      }
      int64_t index = first;
      auto row = [&](char** p, const int64_t* st, int64_t n) {
        double params[kMaxParams] = {0, 0, 0};
        for (int64_t j = 0; j < n; j++) {
          for (int k = 0; k < np; k++) params[k] = double(*reinterpret_cast<const P*>(p[1 + k] + j * st[1 + k]));
          const int64_t i = index + j;
          ElementStreams streams{key,   uint64_t(i), ready, i - batch * kBatch, blocks, first_normals ? pairs : nullptr,
                                 first_normals};
          *reinterpret_cast<T*>(p[0] + j * st[0]) = store<T>(local(streams, params));
        }
        index += n;
      };
      loop.run_range(row, first, last);
      first = last;
    }
  });
}

// The frame of every sampler kernel: `inputs` parameter tensors checked, the key read, the
// output made, and body(out_tag, p_tag, out, key) run for the output and parameter dtypes
// (int32 outputs only when `allow_int`).
template <typename Body>
Tensor sampler_kernel(const KernelCall& c, size_t inputs, bool allow_int, const Body& body) {
  c.expect_inputs(inputs);
  Key key = call_key(c);
  Tensor out = c.make_output();
  dispatch_sampler(c, allow_int, [&](auto out_tag, auto p_tag) { body(out_tag, p_tag, out, key); });
  return out;
}

// A whole per-element sampler kernel: Draw (above) run on every element through
// sample_per_element, its first `blocks` blocks per sub-stream precomputed.
template <typename Draw>
Tensor per_element_sampler(const KernelCall& c, int64_t grain, uint32_t blocks) {
  return sampler_kernel(c, Draw::kInputs, Draw::kAllowInt, [&](auto out_tag, auto p_tag, const Tensor& out, Key key) {
    using T = typename decltype(out_tag)::type;
    using P = typename decltype(p_tag)::type;
    sample_per_element<T, P>(c, out, key, Draw(), grain, Draw::kSubs, blocks, Draw::kFirstNormals);
  });
}

// philox (raw blocks): attrs key k0, k1, then counter c0..c3; the output [n, 4] int32 holds
// the blocks with counters (c0, c1) + b (as one 64-bit number), c2, c3 for b < n.
struct PhiloxCall {
  Key key;
  uint64_t base;
  uint32_t c2, c3;
};

inline PhiloxCall philox_call(const KernelCall& c) {
  c.expect_inputs(0);
  if (c.out_dtype != DType::Int32 || c.out_shape.n != 2 || c.out_shape[1] != 4) {
    throw c.fail("output must be [n, 4] int32, got " + c.out_shape.to_string() + " " + dtype_name(c.out_dtype));
  }
  uint32_t w[6];
  for (size_t i = 0; i < 6; i++) w[i] = uint32_t(c.attr_int(i, 0, 0xFFFFFFFFLL));
  return {Key{w[0], w[1]}, uint64_t(w[2]) | (uint64_t(w[3]) << 32), w[4], w[5]};
}

// multinomial (categorical draws): logits [rows, k] or [k] to int32 [rows, samples] or
// [samples]; attrs[4]: normalized. Checked here for both devices.
struct CategoricalCall {
  int64_t rows, k, samples;
  bool normalized;
};

inline CategoricalCall categorical_call(const KernelCall& c) {
  c.expect_inputs(1);
  const bool normalized = c.attr_int(4, 0, 1) == 1;
  const Tensor& logits = c.input(0);
  if (logits.rank() < 1 || logits.rank() > 2) throw c.fail("logits must have rank 1 or 2, got " + logits.shape.to_string());
  const int64_t k = logits.shape[logits.rank() - 1];
  const int64_t rows = logits.rank() == 2 ? logits.shape[0] : 1;
  if (k < 1) throw c.fail("logits must have at least one class");
  if (c.out_dtype != DType::Int32 || c.out_shape.n != logits.rank() || (logits.rank() == 2 && c.out_shape[0] != rows)) {
    throw c.fail("output must be int32 of shape [rows, samples], got " + c.out_shape.to_string());
  }
  return {rows, k, c.out_shape[c.out_shape.n - 1], normalized};
}

// randomMultinomial's inputs as contiguous [rows, k] probabilities and [rows] totals in the
// parameters' dtype, on the call's device: totalCount (broadcast to the output without its
// last axis, [..., 1] shaped by the op) and probs (broadcast to the output), both checked.
struct MultinomialCall {
  Tensor totals, probs;
  int64_t rows, k;
};

inline MultinomialCall multinomial_call(const KernelCall& c, const Tensor& out) {
  c.expect_inputs(2);
  if (c.out_shape.n < 1) throw c.fail("output must have a class axis");
  const int64_t k = c.out_shape[c.out_shape.n - 1];
  const int64_t rows = k == 0 ? 0 : out.numel() / k;
  // Walk both inputs as [rows, k] through broadcast views: totalCount with a size-1 class axis.
  Dims count_shape = c.out_shape;
  count_shape[count_shape.n - 1] = 1;
  const Tensor& total_in = c.input(0);
  Dims total_shape = total_in.shape, total_strides = total_in.strides;
  total_shape.push_back(1, c.name);
  total_strides.push_back(0, c.name);
  Tensor total_view = make_view(total_in, total_shape, total_strides, total_in.offset);
  check_broadcast(total_view.shape, count_shape, c.name, "totalCount");
  check_broadcast(c.input(1).shape, c.out_shape, c.name, "probs");
  Tensor totals = empty_tensor(param_dtype(c), count_shape, c.name, c.device);
  copy_into(totals, total_view);
  Tensor probs = empty_tensor(param_dtype(c), c.out_shape, c.name, c.device);
  copy_into(probs, c.input(1));
  return {totals, probs, rows, k};
}

}  // namespace random
}  // namespace rv
