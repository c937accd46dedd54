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
#pragma once
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

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
inline double u32_to_double(uint32_t x) { return double(int32_t(x ^ 0x80000000u)) + 2147483648.0; }

// A uniform on [0, 1) from 53 bits of (hi, lo).
inline double uniform53(uint32_t hi, uint32_t lo) {
  return (u32_to_double(hi) * 2097152.0 + double(int32_t(lo >> 11))) * 0x1p-53;
}
// A uniform on (0, 1] from 53 bits: never 0, so its log is finite.
inline double uniform53_open0(uint32_t hi, uint32_t lo) { return 1.0 - uniform53(hi, lo); }

// sin and cos of 2*pi*u for u in [0, 1): exact quarter-turn reduction (u is a dyadic
// rational), then Taylor polynomials on [-pi/4, pi/4] (truncation below 1e-19).
inline void sincos_2pi(double u, double& sin_out, double& cos_out) {
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
  // element, as beta's two gammas, uses sub-streams 0 and 1). Its first `ready` blocks may
  // come precomputed, as lane `lane` of batches ready[0], ready[1]... (the same words the
  // stream would compute: only faster, a batch at a time).
  // `first_pair`, when given, is normal53_from of block 0: a normal() drawn first takes it.
  Stream(Key key, uint64_t index, uint32_t sub = 0, const PhiloxWords* ready = nullptr, int64_t lane = 0,
         uint32_t ready_blocks = 0, const double* first_pair = nullptr)
      : key_(key), c0_(uint32_t(index)), c1_(uint32_t(index >> 32)), c3_(philox::kTagElementStream + sub),
        ready_(ready), lane_(lane), ready_blocks_(ready ? ready_blocks : 0), first_pair_(first_pair) {}

  uint32_t next32() {
    if (used_ == 4) refill();
    return buf_[used_++];
  }
  // Uniform on [0, 1) from 53 bits.
  double uniform() {
    uint32_t hi = next32();
    return uniform53(hi, next32());
  }
  // Uniform on (0, 1].
  double uniform_open0() { return 1.0 - uniform(); }
  // Standard normal by Box–Muller; the pair's second value is kept for the next call. One
  // element at a time, the library's log, sin and cos are faster than the polynomials above
  // (whose long dependency chains only pay off across vector lanes).
  double normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    if (first_pair_ != nullptr && j_ == 0 && used_ == 4) {  // block 0 as one Box–Muller pair
      j_ = 1;
      spare_ = first_pair_[1];
      has_spare_ = true;
      return first_pair_[0];
    }
    double r = std::sqrt(-2.0 * std::log(uniform_open0()));
    double theta = 6.283185307179586 * uniform();
    double s = std::sin(theta), c = std::cos(theta);
    spare_ = r * s;
    has_spare_ = true;
    return r * c;
  }

 private:
  void refill() {
    if (j_ < ready_blocks_) {
      const PhiloxWords& w = ready_[j_++];
      buf_[0] = w.w0[lane_];
      buf_[1] = w.w1[lane_];
      buf_[2] = w.w2[lane_];
      buf_[3] = w.w3[lane_];
    } else {
      philox::Block b = philox::block(key_, c0_, c1_, j_++, c3_);
      std::memcpy(buf_, b.w, sizeof buf_);
    }
    used_ = 0;
  }
  Key key_;
  uint32_t c0_, c1_, c3_;
  const PhiloxWords* ready_;
  int64_t lane_;
  uint32_t ready_blocks_;
  const double* first_pair_;
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

inline double stirling_delta(double k) {
  static const std::array<double, 16> table = [] {
    std::array<double, 16> t{};
    double log_fact = 0;
    for (int i = 0; i < 16; i++) {
      if (i > 0) log_fact += std::log(double(i));
      double x = i + 1.0;
      t[size_t(i)] = log_fact - ((x - 0.5) * std::log(x) - x + kHalfLog2Pi);
    }
    return t;
  }();
  if (k < 16) return table[size_t(k)];
  double r = 1.0 / (k + 1.0), r2 = r * r;
  // 1/(12x) - 1/(360x^3) + 1/(1260x^5) - 1/(1680x^7); the next term is below 1e-14 here.
  return r * (1.0 / 12 - r2 * (1.0 / 360 - r2 * (1.0 / 1260 - r2 * (1.0 / 1680))));
}

// log a! - log b! for integers a, b >= 0.
inline double log_factorial_diff(double a, double b) {
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
  double marsaglia_tsang(Stream& s) const {
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
  double operator()(double shape, Stream& s, bool log_space) {
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

  void set(double rate) {
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

  double operator()(double rate, Stream& s) {
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

  void set(double trials, double prob) {
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

  double operator()(double trials, double prob, Stream& s) {
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

// A sampler's double result stored in the output dtype; int32 outputs (counts) write -1 where
// the parameters were invalid (NaN) and saturate above the int32 range.
template <typename T> inline T store(double v) {
  if constexpr (std::is_same_v<T, int32_t>) {
    if (v != v) return -1;
    return v >= 2147483647.0 ? 2147483647 : int32_t(v);
  } else {
    return T(v);
  }
}

constexpr int kMaxParams = 3;

// The streams of one element: stream(sub) gives sub-stream `sub`, with its first blocks
// precomputed when the sampler asked for them.
struct ElementStreams {
  Key key;
  uint64_t index;
  const PhiloxWords* ready;  // [sub][block] batches, `blocks` per sub-stream
  int64_t lane;
  uint32_t blocks;
  const double* pairs;  // [sub][2 * kBatch]: block 0 as Box–Muller pairs, or null
  Stream stream(uint32_t sub = 0) const {
    return Stream(key, index, sub, ready ? ready + sub * blocks : nullptr, lane, blocks,
                  pairs ? pairs + sub * 2 * kBatch + 2 * lane : nullptr);
  }
};

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
          ElementStreams streams{key, uint64_t(i), ready, i - batch * kBatch, blocks, first_normals ? pairs : nullptr};
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

// A whole per-element sampler kernel: `draw` run on every element through sample_per_element.
template <typename F>
Tensor per_element_sampler(const KernelCall& c, size_t inputs, bool allow_int, const F& draw, int64_t grain,
                           uint32_t subs = 1, uint32_t blocks = 1, bool first_normals = false) {
  return sampler_kernel(c, inputs, allow_int, [&](auto out_tag, auto p_tag, const Tensor& out, Key key) {
    using T = typename decltype(out_tag)::type;
    using P = typename decltype(p_tag)::type;
    sample_per_element<T, P>(c, out, key, draw, grain, subs, blocks, first_normals);
  });
}

}  // namespace random
}  // namespace rv
