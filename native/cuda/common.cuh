// What every GPU kernel file uses: the device's stream, error checks, launch sizes, and the
// elementwise map over any strides and broadcasting (the GPU side of strided_loop.h).
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

#include "../device.h"
#include "../error.h"
#include "../kernel.h"
#include "../strided_loop.h"
#include "../tensor.h"

namespace rv {
namespace cuda {

// Throws an Error "what: CUDA error NAME: text" unless e is cudaSuccess.
void check(cudaError_t e, const char* what);
// Checks the last kernel launch (bad configuration, missing image for this GPU).
void check_launch(const char* what);
// The device's one stream (made current on this thread); every kernel and copy is queued on it.
cudaStream_t stream(int device);

constexpr int kBlock = 256;

// Blocks for n elements at `per_thread` each, capped so grid-stride loops cover the rest.
inline unsigned blocks_for(int64_t n, int per_thread = 1) {
  int64_t b = (n + int64_t(kBlock) * per_thread - 1) / (int64_t(kBlock) * per_thread);
  if (b < 1) b = 1;
  if (b > 65535 * 8) b = 65535 * 8;
  return unsigned(b);
}

// Byte offsets of N operands at a linear element index, from StridedLoop's merged layout.
// Index is uint32_t when every size fits (fast division), else int64_t.
template <int N, typename Index>
struct Indexer {
  int ndim;
  Index dims[kMaxRank];
  int64_t strides[N][kMaxRank];
  char* base[N];

  __device__ void offsets(Index linear, char* (&p)[N]) const {
#pragma unroll
    for (int k = 0; k < N; k++) p[k] = base[k];
    for (int d = ndim - 1; d >= 0; d--) {
      Index i = linear % dims[d];
      linear /= dims[d];
#pragma unroll
      for (int k = 0; k < N; k++) p[k] += int64_t(i) * strides[k][d];
    }
  }
};

template <int N, typename Index>
Indexer<N, Index> make_indexer(const StridedLoop& loop) {
  Indexer<N, Index> ix;
  ix.ndim = loop.ndim();
  for (int d = 0; d < loop.ndim(); d++) {
    ix.dims[d] = Index(loop.dim(d));
    for (int k = 0; k < N; k++) ix.strides[k][d] = loop.stride(k, d);
  }
  for (int k = 0; k < N; k++) ix.base[k] = loop.base(k);
  return ix;
}

// out[i] = f(in0[i], ...) over contiguous operands of one shape: 4 elements per thread.
template <typename Out, typename F, typename... In>
__global__ void map_contiguous(int64_t n, Out* __restrict__ out, F f, const In* __restrict__... in) {
  int64_t stride = int64_t(gridDim.x) * blockDim.x * 4;
  for (int64_t base = (int64_t(blockIdx.x) * blockDim.x) * 4 + threadIdx.x; base < n; base += stride) {
#pragma unroll
    for (int j = 0; j < 4; j++) {
      int64_t i = base + int64_t(j) * blockDim.x;
      if (i < n) out[i] = f(in[i]...);
    }
  }
}

template <typename Out, typename Index, typename F, typename... In, size_t... K>
__device__ void map_strided_at(const Indexer<sizeof...(In) + 1, Index>& ix, Index i, F& f,
                               std::index_sequence<K...>) {
  char* p[sizeof...(In) + 1];
  ix.offsets(i, p);
  *reinterpret_cast<Out*>(p[0]) = f(*reinterpret_cast<const In*>(p[K + 1])...);
}

template <typename Out, typename Index, typename F, typename... In>
__global__ void map_strided(Index n, Indexer<sizeof...(In) + 1, Index> ix, F f) {
  for (Index i = Index(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += Index(gridDim.x) * blockDim.x) {
    map_strided_at<Out, Index, F, In...>(ix, i, f, std::index_sequence_for<In...>{});
  }
}

inline bool same_contiguous(const Tensor& out, const Tensor& t) {
  if (!t.is_contiguous() || t.rank() != out.rank()) return false;
  for (int d = 0; d < t.rank(); d++) {
    if (t.shape[d] != out.shape[d]) return false;
  }
  return true;
}

// One tensor per element type of a map's inputs.
template <typename T> using TensorFor = const Tensor&;

// out = f(in...) elementwise on out's device; the inputs broadcast to out's shape and may have
// any strides. f is a functor or __device__ lambda taking In... and returning Out.
template <typename Out, typename... In, typename F>
void map(const Tensor& out, F f, const char* what, TensorFor<In>... in) {
  int64_t n = out.numel();
  if (n == 0) return;
  cudaStream_t s = stream(out.device());
  bool flat = out.is_contiguous() && (same_contiguous(out, in) && ...);
  if (flat) {
    map_contiguous<Out, F, In...><<<blocks_for(n, 4), kBlock, 0, s>>>(n, out.ptr<Out>(), f, in.template ptr<In>()...);
  } else {
    StridedLoop loop(out.shape, {&out, &in...}, what);
    if (n <= int64_t(UINT32_MAX)) {
      auto ix = make_indexer<sizeof...(In) + 1, uint32_t>(loop);
      map_strided<Out, uint32_t, F, In...><<<blocks_for(n), kBlock, 0, s>>>(uint32_t(n), ix, f);
    } else {
      auto ix = make_indexer<sizeof...(In) + 1, int64_t>(loop);
      map_strided<Out, int64_t, F, In...><<<blocks_for(n), kBlock, 0, s>>>(n, ix, f);
    }
  }
  check_launch(what);
}

}  // namespace cuda
}  // namespace rv
