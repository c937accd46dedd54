// The GPU side of the random-number kernels (random.cu, random_discrete.cu): launchers that run
// native/kernels/random.h's scalar functions per thread, so every element gets the draws the
// CPU gives it. Counter layouts are the CPU's (random.h): element i of a blocked draw takes
// Philox block i / G (counter (i / G, 0, kTagBlocked)), element i of a rejection sampler its own
// streams (counters (i, j, kTagElementStream + sub)); a counter-based generator lets thread t
// compute its element's blocks directly, with scalar Philox (the CPU's SIMD batches only change
// how fast the same words come).
#pragma once
#include <cstdint>

#include "../kernels/random.h"
#include "common.cuh"

namespace rv {
namespace cuda {
namespace rng {

using philox::Key;
using random::ElementStreams;

// Grid-stride loops step an index of type Index by at most blocks_for's cap times kBlock; with
// 32-bit indices only for n <= INT32_MAX, that step can never wrap past 2^32.
inline bool fits_u32(int64_t n) { return n <= int64_t(INT32_MAX); }

// The parameters of element p (operands 1..N-1 of an Indexer) as doubles.
template <typename P, int N>
__device__ inline void load_params(char* const (&p)[N], double (&params)[random::kMaxParams]) {
#pragma unroll
  for (int k = 0; k < random::kMaxParams; k++) params[k] = 0.0;
#pragma unroll
  for (int k = 1; k < N; k++) params[k - 1] = double(*reinterpret_cast<const P*>(p[k]));
}

// ---------------------------------------------------------------------------------------------
// Blocked draws: one thread per Philox block, writing its G elements. `Standard` turns a block
// into G standard values of type Z (random.h's uniform24, normal32_pair...), `Value` an element's
// standard value and parameters into the output (random.h's uniform_value...).

struct Uniform24 {
  static constexpr int G = 4;
  using Z = double;
  __device__ void operator()(const philox::Block& w, Z (&z)[G]) const {
#pragma unroll
    for (int j = 0; j < 4; j++) z[j] = random::uniform24(w.w[j]);
  }
};

struct Uniform53 {
  static constexpr int G = 2;
  using Z = double;
  __device__ void operator()(const philox::Block& w, Z (&z)[G]) const {
    z[0] = random::uniform53(w.w[0], w.w[1]);
    z[1] = random::uniform53(w.w[2], w.w[3]);
  }
};

struct Normal32 {
  static constexpr int G = 4;
  using Z = double;
  __device__ void operator()(const philox::Block& w, Z (&z)[G]) const {
    random::normal32_pair(w.w[0], w.w[1], z[0], z[1]);
    random::normal32_pair(w.w[2], w.w[3], z[2], z[3]);
  }
};

struct Normal53 {
  static constexpr int G = 2;
  using Z = double;
  __device__ void operator()(const philox::Block& w, Z (&z)[G]) const {
    random::normal53_pair(w.w[0], w.w[1], w.w[2], w.w[3], z[0], z[1]);
  }
};

struct Exponential53 {
  static constexpr int G = 2;
  using Z = double;
  __device__ void operator()(const philox::Block& w, Z (&z)[G]) const {
    z[0] = random::exponential53(w.w[0], w.w[1]);
    z[1] = random::exponential53(w.w[2], w.w[3]);
  }
};

struct Bits64 {
  static constexpr int G = 2;
  using Z = uint64_t;
  __device__ void operator()(const philox::Block& w, Z (&z)[G]) const {
    z[0] = random::bits64(w.w[0], w.w[1]);
    z[1] = random::bits64(w.w[2], w.w[3]);
  }
};

template <typename T, typename P, int N, typename Index, typename Standard, typename Value>
__global__ void blocked_kernel(Index n, Indexer<N, Index> ix, Key key, Standard standard, Value value) {
  constexpr int G = Standard::G;
  const Index blocks = Index((int64_t(n) + G - 1) / G);
  for (Index b = Index(blockIdx.x) * blockDim.x + threadIdx.x; b < blocks; b += Index(gridDim.x) * blockDim.x) {
    const uint64_t g = uint64_t(b);
    const philox::Block w = philox::block(key, uint32_t(g), uint32_t(g >> 32), 0, philox::kTagBlocked);
    typename Standard::Z z[G];
    standard(w, z);
#pragma unroll
    for (int j = 0; j < G; j++) {
      const Index i = b * Index(G) + Index(j);
      if (i >= n) break;
      char* p[N];
      ix.offsets(i, p);
      double params[random::kMaxParams];
      load_params<P>(p, params);
      *reinterpret_cast<T*>(p[0]) = value(z[j], params[0], params[1]);
    }
  }
}

// out[i] = value(standard draw of element i, params at i) over the output and the call's
// `Inputs` parameters broadcast to it.
template <typename T, typename P, int Inputs, typename Standard, typename Value>
void run_blocked(const KernelCall& c, const Tensor& out, Key key, Standard standard, Value value) {
  static_assert(Inputs <= 2, "blocked draws take at most two parameters");
  if (int(c.num_inputs()) != Inputs) throw c.fail("wrong number of parameters");
  StridedLoop loop = random::params_loop(c, out);
  const int64_t n = loop.numel();
  if (n == 0) return;
  const unsigned grid = blocks_for((n + Standard::G - 1) / Standard::G);
  cudaStream_t s = stream(c.device);
  if (fits_u32(n)) {
    auto ix = make_indexer<Inputs + 1, uint32_t>(loop);
    blocked_kernel<T, P><<<grid, kBlock, 0, s>>>(uint32_t(n), ix, key, standard, value);
  } else {
    auto ix = make_indexer<Inputs + 1, int64_t>(loop);
    blocked_kernel<T, P><<<grid, kBlock, 0, s>>>(n, ix, key, standard, value);
  }
  check_launch(c.name);
}

// ---------------------------------------------------------------------------------------------
// Per-element draws: one thread per element, running random.h's Draw (TruncatedNormalDraw,
// GammaDraw...) on the element's streams. Each thread keeps one Draw (its sampler's set-up kept
// while parameters repeat, as a CPU chunk does: set-up depends on the parameters alone).

template <typename T, typename P, int N, typename Index, typename Draw>
__global__ void per_element_kernel(Index n, Indexer<N, Index> ix, Key key, Draw draw) {
  Draw local = draw;
  for (Index i = Index(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += Index(gridDim.x) * blockDim.x) {
    char* p[N];
    ix.offsets(i, p);
    double params[random::kMaxParams];
    load_params<P>(p, params);
    const ElementStreams streams{key, uint64_t(i), nullptr, 0, 0, nullptr, Draw::kFirstNormals};
    *reinterpret_cast<T*>(p[0]) = random::store<T>(local(streams, params));
  }
}

// A whole per-element sampler kernel on the GPU: random::per_element_sampler's frame (checks,
// key, output, dtypes) with the loop on the device.
template <typename Draw>
Tensor per_element_sampler(const KernelCall& c) {
  return random::sampler_kernel(c, Draw::kInputs, Draw::kAllowInt, [&](auto out_tag, auto p_tag, const Tensor& out, Key key) {
    using T = typename decltype(out_tag)::type;
    using P = typename decltype(p_tag)::type;
    constexpr int N = int(Draw::kInputs) + 1;
    StridedLoop loop = random::params_loop(c, out);
    const int64_t n = loop.numel();
    if (n == 0) return;
    cudaStream_t s = stream(c.device);
    if (fits_u32(n)) {
      per_element_kernel<T, P><<<blocks_for(n), kBlock, 0, s>>>(uint32_t(n), make_indexer<N, uint32_t>(loop), key, Draw());
    } else {
      per_element_kernel<T, P><<<blocks_for(n), kBlock, 0, s>>>(n, make_indexer<N, int64_t>(loop), key, Draw());
    }
    check_launch(c.name);
  });
}

}  // namespace rng
}  // namespace cuda
}  // namespace rv
