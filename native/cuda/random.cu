// GPU versions of random.cc's kernels: philox, the blocked draws (randomUniform, randomNormal,
// randomExponential, randomBernoulli) and the continuous rejection samplers (truncatedNormal,
// randomGamma, randomBeta). Same counters, conversions and samplers as the CPU (random.h,
// random.cuh), so the same key gives the same draws: bit for bit where the arithmetic is exact
// (Philox words, uniforms, integer uniforms, Bernoulli), within rounding where it goes through
// log, sin or cos (normals, exponentials, gamma, beta).
#include "random.cuh"

namespace rv {
namespace {

using philox::Key;
namespace rng = cuda::rng;

// ---------------------------------------------------------------------------------------------
// philox: raw blocks, one thread per block.

__global__ void philox_blocks(int64_t n, random::PhiloxCall pc, uint32_t* out) {
  for (int64_t b = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; b < n; b += int64_t(gridDim.x) * blockDim.x) {
    const uint64_t ctr = pc.base + uint64_t(b);
    const philox::Block w = philox::block(pc.key, uint32_t(ctr), uint32_t(ctr >> 32), pc.c2, pc.c3);
#pragma unroll
    for (int j = 0; j < 4; j++) out[4 * b + j] = w.w[j];
  }
}

Tensor philox_gpu(const KernelCall& c) {
  const random::PhiloxCall pc = random::philox_call(c);
  Tensor out = c.make_output();
  const int64_t n = c.out_shape[0];
  if (n == 0) return out;
  philox_blocks<<<cuda::blocks_for(n), cuda::kBlock, 0, cuda::stream(c.device)>>>(n, pc, out.ptr<uint32_t>());
  cuda::check_launch(c.name);
  return out;
}

// ---------------------------------------------------------------------------------------------
// The blocked draws' elementwise transforms (random.h), as functors for rng::run_blocked.

template <typename T> struct UniformValue {
  __device__ T operator()(double u, double lo, double hi) const { return random::uniform_value<T>(u, lo, hi); }
};
struct UniformIntValue {
  __device__ int32_t operator()(uint64_t x, double lo, double hi) const {
    return random::uniform_int(x, int64_t(lo), int64_t(hi));
  }
};
template <typename T> struct NormalValue {
  __device__ T operator()(double z, double mean, double sd) const { return random::normal_value<T>(z, mean, sd); }
};
template <typename T> struct ExponentialValue {
  __device__ T operator()(double e, double rate, double) const { return random::exponential_value<T>(e, rate); }
};
template <typename T> struct BernoulliValue {
  __device__ T operator()(double u, double p, double) const { return random::bernoulli_value<T>(u, p); }
};

// Sets *bad where an element's int32 bounds are invalid (every writer writes 1).
template <typename P, typename Index>
__global__ void check_int_bounds(Index n, cuda::Indexer<3, Index> ix, int32_t* bad) {
  for (Index i = Index(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += Index(gridDim.x) * blockDim.x) {
    char* p[3];
    ix.offsets(i, p);
    const double lo = double(*reinterpret_cast<const P*>(p[1])), hi = double(*reinterpret_cast<const P*>(p[2]));
    if (!random::uniform_int_bounds_ok(lo, hi)) *bad = 1;
  }
}

// Whether every (lo, hi) pair of an int32 uniform is valid. The CPU checks them all before
// drawing and throws; the GPU must do the same, so this reads one flag back: the one
// synchronisation in these kernels, for int32 uniforms only.
template <typename P>
bool int_bounds_ok(const KernelCall& c, const Tensor& out) {
  StridedLoop loop = random::params_loop(c, out);
  const int64_t n = loop.numel();
  if (n == 0) return true;
  Dims one = Dims::of_rank(1, c.name);
  one[0] = 1;
  Tensor flag = empty_tensor(DType::Int32, one, c.name, c.device);
  cudaStream_t s = cuda::stream(c.device);
  cuda::check(cudaMemsetAsync(flag.data(), 0, sizeof(int32_t), s), c.name);
  if (rng::fits_u32(n)) {
    check_int_bounds<P><<<cuda::blocks_for(n), cuda::kBlock, 0, s>>>(uint32_t(n), cuda::make_indexer<3, uint32_t>(loop),
                                                                     flag.ptr<int32_t>());
  } else {
    check_int_bounds<P><<<cuda::blocks_for(n), cuda::kBlock, 0, s>>>(n, cuda::make_indexer<3, int64_t>(loop),
                                                                     flag.ptr<int32_t>());
  }
  cuda::check_launch(c.name);
  int32_t bad = 0;
  cuda::copy_bytes(&bad, kCpu, flag.data(), c.device, sizeof bad, c.name);
  return bad == 0;
}

Tensor uniform_gpu(const KernelCall& c) {
  c.expect_inputs(2);
  Key key = random::call_key(c);
  Tensor out = c.make_output();
  if (c.out_dtype == DType::Int32) {
    dispatch_float(random::param_dtype(c), c.name, [&](auto p_tag) {
      using P = typename decltype(p_tag)::type;
      if (!int_bounds_ok<P>(c, out)) throw c.fail("int32 bounds must be integers in the int32 range with minval < maxval");
      rng::run_blocked<int32_t, P, 2>(c, out, key, rng::Bits64(), UniformIntValue());
    });
    return out;
  }
  random::dispatch_sampler(c, false, [&](auto out_tag, auto p_tag) {
    using T = typename decltype(out_tag)::type;
    using P = typename decltype(p_tag)::type;
    if constexpr (std::is_same_v<T, float>) {
      rng::run_blocked<T, P, 2>(c, out, key, rng::Uniform24(), UniformValue<T>());
    } else {
      rng::run_blocked<T, P, 2>(c, out, key, rng::Uniform53(), UniformValue<T>());
    }
  });
  return out;
}

// randomNormal: 4 per block in float32, 2 in float64, as the CPU.
Tensor normal_gpu(const KernelCall& c) {
  return random::sampler_kernel(c, 2, false, [&](auto out_tag, auto p_tag, const Tensor& out, Key key) {
    using T = typename decltype(out_tag)::type;
    using P = typename decltype(p_tag)::type;
    if constexpr (std::is_same_v<T, float>) {
      rng::run_blocked<T, P, 2>(c, out, key, rng::Normal32(), NormalValue<T>());
    } else {
      rng::run_blocked<T, P, 2>(c, out, key, rng::Normal53(), NormalValue<T>());
    }
  });
}

Tensor exponential_gpu(const KernelCall& c) {
  return random::sampler_kernel(c, 1, false, [&](auto out_tag, auto p_tag, const Tensor& out, Key key) {
    using T = typename decltype(out_tag)::type;
    using P = typename decltype(p_tag)::type;
    rng::run_blocked<T, P, 1>(c, out, key, rng::Exponential53(), ExponentialValue<T>());
  });
}

Tensor bernoulli_gpu(const KernelCall& c) {
  return random::sampler_kernel(c, 1, true, [&](auto out_tag, auto p_tag, const Tensor& out, Key key) {
    using T = typename decltype(out_tag)::type;
    using P = typename decltype(p_tag)::type;
    rng::run_blocked<T, P, 1>(c, out, key, rng::Uniform53(), BernoulliValue<T>());
  });
}

Tensor truncated_normal_gpu(const KernelCall& c) { return rng::per_element_sampler<random::TruncatedNormalDraw>(c); }
Tensor gamma_gpu(const KernelCall& c) { return rng::per_element_sampler<random::GammaDraw>(c); }
Tensor beta_gpu(const KernelCall& c) { return rng::per_element_sampler<random::BetaDraw>(c); }

CudaKernelRegistrar cuda_registrations[] = {
    {"philox", philox_gpu},
    {"randomUniform", uniform_gpu},
    {"randomNormal", normal_gpu},
    {"randomExponential", exponential_gpu},
    {"randomBernoulli", bernoulli_gpu},
    {"truncatedNormal", truncated_normal_gpu},
    {"randomGamma", gamma_gpu},
    {"randomBeta", beta_gpu},
};

}  // namespace
}  // namespace rv
