// Random-number kernels with a fixed number of words per element (uniform, normal,
// exponential, bernoulli: "blocked", G elements per Philox block) and the continuous rejection
// samplers (truncated normal, gamma, beta), plus the raw Philox op behind key derivation and the
// known-answer tests. Counter layouts and determinism: random.h.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "../kernel.h"
#include "../thread_pool.h"
#include "random.h"

namespace rv {
namespace {

using namespace random;

// ---------------------------------------------------------------------------------------------
// Blocked draws: the standard values of the elements of one batch of kBatch Philox blocks
// (philox_batch), written in element order. Multiversioned loops over the batch's words, so the
// uniform conversion, log and sin/cos vectorise.
//
// Draws are generated a whole batch at a time, batches aligned to multiples of kBatch blocks:
// every block is then always computed at the same position of the same vectorised loop,
// whatever range a thread asks for. (A vector body and its scalar remainder may round
// differently, as with contracted multiply-adds, so a block must never move between them when
// the chunking changes.)

enum class Standard { Uniform24, Uniform53, Normal32, Normal53, Exponential53 };

int elements_per_block(Standard kind) {
  return kind == Standard::Uniform24 || kind == Standard::Normal32 ? 4 : 2;
}

constexpr int64_t kBatchElements = 4 * kBatch;  // scratch size: kBatch blocks of up to 4 elements

RV_MULTIVERSION void uniform24_from(const PhiloxWords& w, double* __restrict out) {
  for (int64_t i = 0; i < kBatch; i++) {
    // 24 bits each: exactly the float32 values k * 2^-24.
    out[4 * i + 0] = double(int32_t(w.w0[i] >> 8)) * 0x1p-24;
    out[4 * i + 1] = double(int32_t(w.w1[i] >> 8)) * 0x1p-24;
    out[4 * i + 2] = double(int32_t(w.w2[i] >> 8)) * 0x1p-24;
    out[4 * i + 3] = double(int32_t(w.w3[i] >> 8)) * 0x1p-24;
  }
}

RV_MULTIVERSION void uniform53_from(const PhiloxWords& w, double* __restrict out) {
  for (int64_t i = 0; i < kBatch; i++) {
    out[2 * i + 0] = uniform53(w.w0[i], w.w1[i]);
    out[2 * i + 1] = uniform53(w.w2[i], w.w3[i]);
  }
}

// Box–Muller on two pairs of 32-bit uniforms: radius uniforms in (0, 1] with 32 bits, so the
// tails reach 6.6 standard deviations (more than float32 draws need in practice).
RV_MULTIVERSION void normal32_from(const PhiloxWords& w, double* __restrict out) {
  for (int64_t i = 0; i < kBatch; i++) {
    double r0 = std::sqrt(-2.0 * log_positive((u32_to_double(w.w0[i]) + 1.0) * 0x1p-32));
    double r1 = std::sqrt(-2.0 * log_positive((u32_to_double(w.w2[i]) + 1.0) * 0x1p-32));
    double s0, c0, s1, c1;
    sincos_2pi(u32_to_double(w.w1[i]) * 0x1p-32, s0, c0);
    sincos_2pi(u32_to_double(w.w3[i]) * 0x1p-32, s1, c1);
    out[4 * i + 0] = r0 * c0;
    out[4 * i + 1] = r0 * s0;
    out[4 * i + 2] = r1 * c1;
    out[4 * i + 3] = r1 * s1;
  }
}

// -log of a uniform on (0, 1]: a standard exponential.
RV_MULTIVERSION void exponential53_from(const PhiloxWords& w, double* __restrict out) {
  for (int64_t i = 0; i < kBatch; i++) {
    out[2 * i + 0] = -log_positive(uniform53_open0(w.w0[i], w.w1[i]));
    out[2 * i + 1] = -log_positive(uniform53_open0(w.w2[i], w.w3[i]));
  }
}

// 64 random bits per element, for integer uniforms.
void bits64_from(const PhiloxWords& w, uint64_t* __restrict out) {
  for (int64_t i = 0; i < kBatch; i++) {
    out[2 * i + 0] = (uint64_t(w.w0[i]) << 32) | w.w1[i];
    out[2 * i + 1] = (uint64_t(w.w2[i]) << 32) | w.w3[i];
  }
}

// The standard draws of batch q's elements (kBatch * G of them), into scratch.
void fill_batch(Standard kind, Key key, uint64_t q, double* scratch) {
  PhiloxWords words;
  philox_batch(key, q * uint64_t(kBatch), 0, philox::kTagBlocked, words);
  switch (kind) {
    case Standard::Uniform24: uniform24_from(words, scratch); break;
    case Standard::Uniform53: uniform53_from(words, scratch); break;
    case Standard::Normal32: normal32_from(words, scratch); break;
    case Standard::Normal53: normal53_from(words, scratch); break;
    case Standard::Exponential53: exponential53_from(words, scratch); break;
  }
}

// Calls visit(first, last, draws) for consecutive pieces of [begin, end) that lie in one batch,
// draws pointing at element `first`'s value in the batch's scratch.
template <typename Fill, typename Visit>
void for_each_batch(int64_t per_batch, int64_t begin, int64_t end, Fill fill, Visit visit) {
  for (int64_t first = begin; first < end;) {
    const int64_t q = first / per_batch;
    const int64_t last = std::min(end, (q + 1) * per_batch);
    visit(first, last, fill(uint64_t(q)) + (first - q * per_batch));
    first = last;
  }
}

// out[i] = g(standard draw of element i, params at i). `g` is called as g(z, a, b) with the
// parameters as doubles; when every parameter is one value for the whole row, the row is a
// plain loop the compiler vectorises.
template <typename T, typename P, typename G>
void sample_blocked(const KernelCall& c, const Tensor& out, Standard kind, Key key, const G& g) {
  StridedLoop loop = params_loop(c, out);
  const int np = int(c.num_inputs());
  if (np > 2) throw c.fail("too many parameters");
  const int64_t per_batch = kBatch * elements_per_block(kind);
  parallel_for(loop.numel(), 8192, [&](int64_t begin, int64_t end) {
    double scratch[kBatchElements];
    auto fill = [&](uint64_t q) -> const double* {
      fill_batch(kind, key, q, scratch);
      return scratch;
    };
    for_each_batch(per_batch, begin, end, fill, [&](int64_t first, int64_t last, const double* z) {
      auto row = [&](char** p, const int64_t* st, int64_t n) {
        const bool uniform_params = (np < 1 || st[1] == 0) && (np < 2 || st[2] == 0);
        if (st[0] == int64_t(sizeof(T)) && uniform_params) {
          T* __restrict o = reinterpret_cast<T*>(p[0]);
          const double a = np >= 1 ? double(*reinterpret_cast<const P*>(p[1])) : 0.0;
          const double b = np >= 2 ? double(*reinterpret_cast<const P*>(p[2])) : 0.0;
          for (int64_t j = 0; j < n; j++) o[j] = g(z[j], a, b);
        } else {
          for (int64_t j = 0; j < n; j++) {
            const double a = np >= 1 ? double(*reinterpret_cast<const P*>(p[1] + j * st[1])) : 0.0;
            const double b = np >= 2 ? double(*reinterpret_cast<const P*>(p[2] + j * st[2])) : 0.0;
            *reinterpret_cast<T*>(p[0] + j * st[0]) = g(z[j], a, b);
          }
        }
        z += n;
      };
      loop.run_range(row, first, last);
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Kernels. Inputs are the parameter tensors (broadcast to the output by the op's shape rule);
// attrs[0..3] the key and stream (random.h).

// philox: raw blocks. attrs: key k0, k1, then counter c0..c3; the output [n, 4] int32 holds
// blocks with counters (c0, c1) + b (as one 64-bit number), c2, c3 for b < n.
Tensor philox_kernel(const KernelCall& c) {
  c.expect_inputs(0);
  if (c.out_dtype != DType::Int32 || c.out_shape.n != 2 || c.out_shape[1] != 4) {
    throw c.fail("output must be [n, 4] int32, got " + c.out_shape.to_string() + " " + dtype_name(c.out_dtype));
  }
  uint32_t w[6];
  for (size_t i = 0; i < 6; i++) w[i] = uint32_t(c.attr_int(i, 0, 0xFFFFFFFFLL));
  Key key{w[0], w[1]};
  const uint64_t base = uint64_t(w[2]) | (uint64_t(w[3]) << 32);
  Tensor out = c.make_output();
  uint32_t* o = out.ptr<uint32_t>();
  parallel_for(c.out_shape[0], 4096, [&](int64_t begin, int64_t end) {
    for (int64_t b = begin; b < end; b++) {
      uint64_t ctr = base + uint64_t(b);
      philox::Block blk = philox::block(key, uint32_t(ctr), uint32_t(ctr >> 32), w[4], w[5]);
      std::memcpy(o + 4 * b, blk.w, sizeof blk.w);
    }
  });
  return out;
}

// The largest T below x (finite x), by stepping its bit pattern: branch-free, so the
// uniform's row loop still vectorises (std::nextafter is a call per element).
template <typename T> T next_below(T x) {
  using U = std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>;
  U bits;
  std::memcpy(&bits, &x, sizeof bits);
  const U sign = U(1) << (8 * sizeof(T) - 1);
  U down = x > T(0) ? bits - 1 : (x < T(0) ? bits + 1 : (sign | 1));  // zero: the negative subnormal
  T out;
  std::memcpy(&out, &down, sizeof out);
  return out;
}

// randomUniform(minval, maxval). Floats: lo + (hi - lo) u, u with 24 (float32) or 53 bits,
// kept below hi after rounding. int32: lo + floor(u64 (hi - lo) / 2^64) on 64 random bits
// (bias below 2^-32); its bounds must be integers with lo < hi, checked before drawing.
Tensor uniform_kernel(const KernelCall& c) {
  c.expect_inputs(2);
  Key key = call_key(c);
  Tensor out = c.make_output();
  if (c.out_dtype == DType::Int32) {
    StridedLoop loop = params_loop(c, out);
    dispatch_float(param_dtype(c), c.name, [&](auto p_tag) {
      using P = typename decltype(p_tag)::type;
      // Validate every (lo, hi) pair first: kernels cannot throw from the pool.
      bool ok = true;
      auto check = [&](char** p, const int64_t* st, int64_t n) {
        for (int64_t j = 0; j < n; j++) {
          double lo = double(*reinterpret_cast<const P*>(p[1] + j * st[1]));
          double hi = double(*reinterpret_cast<const P*>(p[2] + j * st[2]));
          if (!(lo >= -2147483648.0 && hi <= 2147483647.0 && lo < hi) || std::floor(lo) != lo || std::floor(hi) != hi) ok = false;
        }
      };
      loop.run_range(check, 0, loop.numel());
      if (!ok) throw c.fail("int32 bounds must be integers in the int32 range with minval < maxval");
      parallel_for(loop.numel(), 8192, [&](int64_t begin, int64_t end) {
        uint64_t bits[2 * kBatch];
        auto fill = [&](uint64_t q) -> const uint64_t* {
          PhiloxWords words;
          philox_batch(key, q * uint64_t(kBatch), 0, philox::kTagBlocked, words);
          bits64_from(words, bits);
          return bits;
        };
        for_each_batch(2 * kBatch, begin, end, fill, [&](int64_t first, int64_t last, const uint64_t* z) {
          auto row = [&](char** p, const int64_t* st, int64_t n) {
            for (int64_t j = 0; j < n; j++) {
              int64_t lo = int64_t(*reinterpret_cast<const P*>(p[1] + j * st[1]));
              int64_t hi = int64_t(*reinterpret_cast<const P*>(p[2] + j * st[2]));
              uint64_t range = uint64_t(hi - lo);  // in [1, 2^32)
              uint64_t x = z[j];
              // floor(x * range / 2^64), exactly, from 32-bit halves.
              uint64_t high = ((x >> 32) * range + (((x & 0xFFFFFFFFull) * range) >> 32)) >> 32;
              *reinterpret_cast<int32_t*>(p[0] + j * st[0]) = int32_t(lo + int64_t(high));
            }
            z += n;
          };
          loop.run_range(row, first, last);
        });
      });
    });
    return out;
  }
  dispatch_sampler(c, false, [&](auto out_tag, auto p_tag) {
    using T = typename decltype(out_tag)::type;
    using P = typename decltype(p_tag)::type;
    const Standard kind = std::is_same_v<T, float> ? Standard::Uniform24 : Standard::Uniform53;
    // Rounding can carry lo + (hi - lo) u up to hi; such values step down to the float below.
    sample_blocked<T, P>(c, out, kind, key, [](double u, double lo, double hi) {
      T v = T(lo + (hi - lo) * u);
      return (v >= T(hi) && lo < hi && std::isfinite(hi)) ? next_below(T(hi)) : v;
    });
  });
  return out;
}

// randomNormal(mean, stdDev): mean + stdDev z, z by Box–Muller (4 per block in float32, 2 in
// float64).
Tensor normal_kernel(const KernelCall& c) {
  return sampler_kernel(c, 2, false, [&](auto out_tag, auto p_tag, const Tensor& out, Key key) {
    using T = typename decltype(out_tag)::type;
    using P = typename decltype(p_tag)::type;
    const Standard kind = std::is_same_v<T, float> ? Standard::Normal32 : Standard::Normal53;
    sample_blocked<T, P>(c, out, kind, key, [](double z, double mean, double sd) { return T(mean + sd * z); });
  });
}

// randomExponential(rate): E / rate with E = -log U; rate <= 0 or NaN gives NaN.
Tensor exponential_kernel(const KernelCall& c) {
  return sampler_kernel(c, 1, false, [&](auto out_tag, auto p_tag, const Tensor& out, Key key) {
    using T = typename decltype(out_tag)::type;
    using P = typename decltype(p_tag)::type;
    sample_blocked<T, P>(c, out, Standard::Exponential53, key,
                         [](double e, double rate, double) { return T(rate > 0.0 ? e / rate : kNaN); });
  });
}

// randomBernoulli(probs): 1 where u < p (53-bit u); p outside [0, 1] or NaN gives NaN (-1 for int32).
Tensor bernoulli_kernel(const KernelCall& c) {
  return sampler_kernel(c, 1, true, [&](auto out_tag, auto p_tag, const Tensor& out, Key key) {
    using T = typename decltype(out_tag)::type;
    using P = typename decltype(p_tag)::type;
    sample_blocked<T, P>(c, out, Standard::Uniform53, key, [](double u, double p, double) {
      if constexpr (std::is_same_v<T, int32_t>) {
        return (p >= 0.0 && p <= 1.0) ? int32_t(u < p) : int32_t(-1);
      } else {
        return (p >= 0.0 && p <= 1.0) ? T(u < p) : T(kNaN);
      }
    });
  });
}

// truncatedNormal(mean, stdDev): standard normals redrawn until |z| <= 2 (TensorFlow's
// definition), each element from its own stream.
Tensor truncated_normal_kernel(const KernelCall& c) {
  auto draw = [](const ElementStreams& streams, const double* p) {
    Stream s = streams.stream();
    double z;
    do z = s.normal();
    while (std::fabs(z) > 2.0);
    return p[0] + p[1] * z;
  };
  return per_element_sampler(c, 2, false, draw, 4096, 1, 1, true);
}

// randomGamma(alpha, beta): Gamma(alpha) / beta, beta a rate. alpha < 1 is drawn in log space
// and divided in log space, so results underflow only where the value itself is below the
// dtype's smallest number. alpha or beta not positive and finite gives NaN.
Tensor gamma_kernel(const KernelCall& c) {
  auto draw = [gamma = GammaSampler()](const ElementStreams& streams, const double* p) mutable {
    const double alpha = p[0], rate = p[1];
    if (!(rate > 0.0) || !std::isfinite(rate)) return kNaN;
    Stream s = streams.stream();
    if (alpha >= 1.0) return gamma(alpha, s, false) / rate;
    return std::exp(gamma(alpha, s, true) - std::log(rate));
  };
  return per_element_sampler(c, 2, false, draw, 1024, 1, 2, true);
}

// randomBeta(concentration1, concentration0): X / (X + Y) with X ~ Gamma(c1), Y ~ Gamma(c0) on
// sub-streams 0 and 1. When either concentration is below 1, from the logs: sigmoid(log X -
// log Y), so tiny concentrations give values near 0 and 1 rather than 0/0.
Tensor beta_kernel(const KernelCall& c) {
  auto draw = [gx = GammaSampler(), gy = GammaSampler()](const ElementStreams& streams, const double* p) mutable {
    const double a = p[0], b = p[1];
    Stream sx = streams.stream(0), sy = streams.stream(1);
    if (a >= 1.0 && b >= 1.0) {
      double x = gx(a, sx, false), y = gy(b, sy, false);
      return x / (x + y);
    }
    double t = gx(a, sx, true) - gy(b, sy, true);  // NaN for invalid a or b
    return t >= 0.0 ? 1.0 / (1.0 + std::exp(-t)) : std::exp(t) / (1.0 + std::exp(t));
  };
  return per_element_sampler(c, 2, false, draw, 1024, 2, 2, true);
}

KernelRegistrar registrations[] = {
    {"philox", philox_kernel},
    {"randomUniform", uniform_kernel},
    {"randomNormal", normal_kernel},
    {"randomExponential", exponential_kernel},
    {"randomBernoulli", bernoulli_kernel},
    {"truncatedNormal", truncated_normal_kernel},
    {"randomGamma", gamma_kernel},
    {"randomBeta", beta_kernel},
};

}  // namespace
}  // namespace rv
