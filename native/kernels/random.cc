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

// The per-block conversions are random.h's (uniform24, normal32_pair...), shared with the GPU.

RV_MULTIVERSION void uniform24_from(const PhiloxWords& w, double* __restrict out) {
  for (int64_t i = 0; i < kBatch; i++) {
    out[4 * i + 0] = uniform24(w.w0[i]);
    out[4 * i + 1] = uniform24(w.w1[i]);
    out[4 * i + 2] = uniform24(w.w2[i]);
    out[4 * i + 3] = uniform24(w.w3[i]);
  }
}

RV_MULTIVERSION void uniform53_from(const PhiloxWords& w, double* __restrict out) {
  for (int64_t i = 0; i < kBatch; i++) {
    out[2 * i + 0] = uniform53(w.w0[i], w.w1[i]);
    out[2 * i + 1] = uniform53(w.w2[i], w.w3[i]);
  }
}

RV_MULTIVERSION void normal32_from(const PhiloxWords& w, double* __restrict out) {
  for (int64_t i = 0; i < kBatch; i++) {
    normal32_pair(w.w0[i], w.w1[i], out[4 * i + 0], out[4 * i + 1]);
    normal32_pair(w.w2[i], w.w3[i], out[4 * i + 2], out[4 * i + 3]);
  }
}

RV_MULTIVERSION void exponential53_from(const PhiloxWords& w, double* __restrict out) {
  for (int64_t i = 0; i < kBatch; i++) {
    out[2 * i + 0] = exponential53(w.w0[i], w.w1[i]);
    out[2 * i + 1] = exponential53(w.w2[i], w.w3[i]);
  }
}

// 64 random bits per element, for integer uniforms.
void bits64_from(const PhiloxWords& w, uint64_t* __restrict out) {
  for (int64_t i = 0; i < kBatch; i++) {
    out[2 * i + 0] = bits64(w.w0[i], w.w1[i]);
    out[2 * i + 1] = bits64(w.w2[i], w.w3[i]);
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

// philox: raw blocks (philox_call, random.h).
Tensor philox_kernel(const KernelCall& c) {
  const PhiloxCall pc = philox_call(c);
  Tensor out = c.make_output();
  uint32_t* o = out.ptr<uint32_t>();
  parallel_for(c.out_shape[0], 4096, [&](int64_t begin, int64_t end) {
    for (int64_t b = begin; b < end; b++) {
      uint64_t ctr = pc.base + uint64_t(b);
      philox::Block blk = philox::block(pc.key, uint32_t(ctr), uint32_t(ctr >> 32), pc.c2, pc.c3);
      std::memcpy(o + 4 * b, blk.w, sizeof blk.w);
    }
  });
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
          if (!uniform_int_bounds_ok(lo, hi)) ok = false;
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
              *reinterpret_cast<int32_t*>(p[0] + j * st[0]) = uniform_int(z[j], lo, hi);
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
    sample_blocked<T, P>(c, out, kind, key, [](double u, double lo, double hi) { return uniform_value<T>(u, lo, hi); });
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
    sample_blocked<T, P>(c, out, kind, key, [](double z, double mean, double sd) { return normal_value<T>(z, mean, sd); });
  });
}

// randomExponential(rate): E / rate with E = -log U; rate <= 0 or NaN gives NaN.
Tensor exponential_kernel(const KernelCall& c) {
  return sampler_kernel(c, 1, false, [&](auto out_tag, auto p_tag, const Tensor& out, Key key) {
    using T = typename decltype(out_tag)::type;
    using P = typename decltype(p_tag)::type;
    sample_blocked<T, P>(c, out, Standard::Exponential53, key,
                         [](double e, double rate, double) { return exponential_value<T>(e, rate); });
  });
}

// randomBernoulli(probs): 1 where u < p (53-bit u); p outside [0, 1] or NaN gives NaN (-1 for int32).
Tensor bernoulli_kernel(const KernelCall& c) {
  return sampler_kernel(c, 1, true, [&](auto out_tag, auto p_tag, const Tensor& out, Key key) {
    using T = typename decltype(out_tag)::type;
    using P = typename decltype(p_tag)::type;
    sample_blocked<T, P>(c, out, Standard::Uniform53, key,
                         [](double u, double p, double) { return bernoulli_value<T>(u, p); });
  });
}

// The rejection samplers: their draws (truncated normal, gamma, beta) are in random.h, shared
// with the GPU; here the first blocks of each element's streams are precomputed (the gamma-based
// ones usually need two).
Tensor truncated_normal_kernel(const KernelCall& c) { return per_element_sampler<TruncatedNormalDraw>(c, 4096, 1); }
Tensor gamma_kernel(const KernelCall& c) { return per_element_sampler<GammaDraw>(c, 1024, 2); }
Tensor beta_kernel(const KernelCall& c) { return per_element_sampler<BetaDraw>(c, 1024, 2); }

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
