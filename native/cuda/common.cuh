// What every GPU kernel file uses: the device's stream, error checks, launch sizes, and the
// elementwise map over any strides and broadcasting (the GPU side of strided_loop.h).
#pragma once
#include <cuda_runtime.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>

#include "../device.h"
#include "../error.h"
#include "../kernel.h"
#include "../rounding.h"
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
constexpr int64_t kMaxGrid = 65535 * 8;      // blocks a launch takes at most: grid-stride loops cover the rest
constexpr unsigned kFullMask = 0xffffffffu;  // every lane of a warp

using ::rv::ceil_div;  // rounding.h: kernels here call it as cuda::ceil_div too

// Blocks for n elements at `per_thread` each, capped so grid-stride loops cover the rest.
inline unsigned blocks_for(int64_t n, int per_thread = 1) {
  return unsigned(std::min(std::max<int64_t>(1, ceil_div(n, int64_t(kBlock) * per_thread)), kMaxGrid));
}

// Lets kKernel take `bytes` of dynamic shared memory past the 48 KB a launch gets without asking
// (up to what the device allows a block), once per kernel and device.
template <auto kKernel>
void allow_dynamic_shared(int device, size_t bytes, const char* what) {
  static std::atomic<bool> allowed[kMaxDevices];
  if (bytes <= 48 * 1024 || allowed[device].load(std::memory_order_relaxed)) return;
  stream(device);  // the device current for the calls below
  int limit = 0;
  cudaFuncAttributes attrs;
  check(cudaDeviceGetAttribute(&limit, cudaDevAttrMaxSharedMemoryPerBlockOptin, device), what);
  check(cudaFuncGetAttributes(&attrs, kKernel), what);
  check(cudaFuncSetAttribute(kKernel, cudaFuncAttributeMaxDynamicSharedMemorySize, limit - int(attrs.sharedSizeBytes)), what);
  allowed[device].store(true, std::memory_order_relaxed);
}

// Blocks of kKernel the device holds at once (SMs x blocks per SM) at `threads` a block and
// `smem` bytes of dynamic shared memory: grids beyond it only queue. Looked up once per kernel,
// device and launch shape (8 shapes kept per device), on the device itself.
template <auto kKernel>
int64_t resident_blocks(int device, const char* what, int threads = kBlock, size_t smem = 0) {
  static std::atomic<int64_t> known[kMaxDevices][8];  // smem << 40 | threads << 24 | blocks
  const int64_t key = int64_t(smem) << 40 | int64_t(threads) << 24;
  std::atomic<int64_t>& entry = known[device][((smem >> 4) ^ (smem >> 11) ^ size_t(threads)) & 7];
  const int64_t k = entry.load(std::memory_order_relaxed);
  if (k != 0 && (k & ~int64_t(0xffffff)) == key) return k & 0xffffff;
  allow_dynamic_shared<kKernel>(device, smem, what);
  stream(device);  // the occupancy query reads the current device
  int per_sm = 0, sms = 0;
  check(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, kKernel, threads, smem), what);
  check(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device), what);
  const int64_t blocks = std::min<int64_t>(int64_t(std::max(per_sm, 1)) * std::max(sms, 1), 0xffffff);
  entry.store(key | blocks, std::memory_order_relaxed);
  return blocks;
}

// A grid for `items` equal items of work on kKernel: at most what the device holds at once, and,
// when the items take several rounds, as few blocks as take the same number of rounds, so every
// block has the same count of items and none is left streaming alone at the end (a block's loads
// in flight do not use a whole SM's share of the bandwidth). Only the speed depends on it, never
// a result: the kernels that take it loop over their items.
template <auto kKernel>
unsigned grid_for(int64_t items, int device, const char* what, int threads = kBlock, size_t smem = 0) {
  const int64_t cap = std::min(resident_blocks<kKernel>(device, what, threads, smem), kMaxGrid);
  if (items <= cap) return unsigned(std::max<int64_t>(1, items));
  return unsigned(ceil_div(items, ceil_div(items, cap)));
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

// The layout of `loop`'s first `operands` operands (all N by default); the ones past them read
// nothing (null, stride 0).
template <int N, typename Index>
Indexer<N, Index> make_indexer(const StridedLoop& loop, int operands = N) {
  Indexer<N, Index> ix;
  ix.ndim = loop.ndim();
  for (int d = 0; d < loop.ndim(); d++) {
    ix.dims[d] = Index(loop.dim(d));
    for (int k = 0; k < N; k++) ix.strides[k][d] = k < operands ? loop.stride(k, d) : 0;
  }
  for (int k = 0; k < N; k++) ix.base[k] = k < operands ? loop.base(k) : nullptr;
  return ix;
}

// The flat path: out contiguous, each input either contiguous with out's shape or a single
// element broadcast to every position (`scalar_mask` bit k for input k). Each thread handles
// V consecutive elements at a time, loaded and stored as one V-element vector (16 bytes for the
// widest type) where `aligned`; the first `head` elements (which bring every pointer to a vector
// boundary) and the last few are done one by one.
template <typename T, int V>
struct alignas(sizeof(T) * V) Lanes {
  T v[V];
};

template <typename T, int V>
RV_HD __forceinline__ Lanes<T, V> load_lanes(const T* __restrict__ p, int64_t i, bool scalar, bool aligned, int count = V) {
  Lanes<T, V> r;
  if (scalar) {
    const T x = *p;
#pragma unroll
    for (int j = 0; j < V; j++) r.v[j] = x;
  } else if (aligned) {
    r = *reinterpret_cast<const Lanes<T, V>*>(p + i);
  } else {
#pragma unroll
    for (int j = 0; j < V; j++) r.v[j] = p[i + (j < count ? j : 0)];  // lanes past count: any element
  }
  return r;
}

template <typename Out, int V, typename F, typename... In, size_t... K>
__device__ __forceinline__ void map_lanes_at(int64_t i, Out* __restrict__ out, F& f, unsigned scalar_mask, bool aligned,
                                             std::index_sequence<K...>, const In* __restrict__... in) {
  // The inputs' lanes arrive as the lambda's parameters: every load is issued before any use.
  auto apply = [&](const Lanes<In, V>&... x) {
    Lanes<Out, V> o;
#pragma unroll
    for (int j = 0; j < V; j++) o.v[j] = f(x.v[j]...);
    if (aligned) {
      *reinterpret_cast<Lanes<Out, V>*>(out + i) = o;
    } else {
#pragma unroll
      for (int j = 0; j < V; j++) out[i + j] = o.v[j];
    }
  };
  apply(load_lanes<In, V>(in, i, (scalar_mask >> K) & 1u, aligned)...);
}

template <typename Out, typename F, typename... In, size_t... K>
__device__ __forceinline__ void map_one_at(int64_t i, Out* __restrict__ out, F& f, unsigned scalar_mask,
                                           std::index_sequence<K...>, const In* __restrict__... in) {
  out[i] = f(in[((scalar_mask >> K) & 1u) ? 0 : i]...);
}

template <typename Out, int V, typename F, typename... In>
__global__ void map_flat(int64_t n, int64_t head, int64_t vectors, unsigned scalar_mask, bool aligned,
                         Out* __restrict__ out, F f, const In* __restrict__... in) {
  using Seq = std::index_sequence_for<In...>;
  const int64_t tid = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  // Head and tail: fewer than V elements each.
  const int64_t tail_start = head + vectors * V;
  if (tid < head) map_one_at<Out, F, In...>(tid, out, f, scalar_mask, Seq{}, in...);
  if (tid < n - tail_start) map_one_at<Out, F, In...>(tail_start + tid, out, f, scalar_mask, Seq{}, in...);
  const int64_t step = int64_t(gridDim.x) * blockDim.x;
  for (int64_t v = tid; v < vectors; v += step) {
    map_lanes_at<Out, V, F, In...>(head + v * V, out, f, scalar_mask, aligned, Seq{}, in...);
  }
}

// A functor may declare `static constexpr bool kComputeBound = true` (special functions): its
// loads are not the bottleneck, so the flat path gives it one element a thread.
template <typename F, typename = void>
struct IsComputeBound : std::false_type {};
template <typename F>
struct IsComputeBound<F, std::void_t<decltype(F::kComputeBound)>> : std::bool_constant<F::kComputeBound> {};

// Elements per vector: 16 bytes of the widest operand type.
template <typename F, typename Out, typename... In>
constexpr int lanes_for() {
  if (IsComputeBound<F>::value) return 1;
  size_t widest = sizeof(Out);
  ((widest = sizeof(In) > widest ? sizeof(In) : widest), ...);
  return int(16 / widest);
}

// Elements before p's first V-element boundary, or -1 when p is not even element-aligned.
template <typename T>
int64_t elements_to_boundary(const void* p, int v) {
  uintptr_t a = reinterpret_cast<uintptr_t>(p);
  if (a % sizeof(T)) return -1;
  uintptr_t bytes = uintptr_t(v) * sizeof(T);
  return int64_t((bytes - a % bytes) % bytes / sizeof(T));
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

// One element that broadcasts to out's shape (a scalar operand of a binary op).
inline bool single_element(const Tensor& out, const Tensor& t) { return t.rank() <= out.rank() && t.numel() == 1; }

// One tensor per element type of a map's inputs.
template <typename T> using TensorFor = const Tensor&;

inline void check_not_disposed(const Tensor& t, const char* what) {
  if (!t.storage) throw Error(std::string(what) + ": tensor is disposed");
}

// out = f(in...) elementwise on out's device; the inputs broadcast to out's shape and may have
// any strides. f is a functor or __device__ lambda taking In... and returning Out.
template <typename Out, typename... In, typename F>
void map(const Tensor& out, F f, const char* what, TensorFor<In>... in) {
  check_not_disposed(out, what);
  (check_not_disposed(in, what), ...);
  int64_t n = out.numel();
  if (n == 0) return;
  cudaStream_t s = stream(out.device());
  bool flat = out.is_contiguous() && ((same_contiguous(out, in) || single_element(out, in)) && ...);
  if (flat) {
    constexpr int V = lanes_for<F, Out, In...>();
    // Bit k: input k is one broadcast element. An input both single and contiguous with
    // out's shape (n == 1) may take either path.
    unsigned scalar_mask = 0, bit = 1;
    ((scalar_mask |= same_contiguous(out, in) ? 0u : bit, bit <<= 1), ...);
    // Vector loads need every streamed operand at the same distance from a V-element boundary.
    int64_t head = elements_to_boundary<Out>(out.data(), V);
    bool aligned = head >= 0;
    bit = 1;
    ((aligned = aligned && ((scalar_mask & bit) || elements_to_boundary<In>(in.data(), V) == head), bit <<= 1), ...);
    if (head > n) aligned = false;  // too short to reach a boundary: lane by lane
    if (!aligned) head = 0;
    int64_t vectors = (n - head) / V;
    // Threads for the vectors, and at least enough for the head and tail elements.
    int64_t threads = vectors > V ? vectors : V;
    map_flat<Out, V, F, In...><<<blocks_for(threads), kBlock, 0, s>>>(n, head, vectors, scalar_mask, aligned,
                                                                     out.ptr<Out>(), f, in.template ptr<In>()...);
  } else {
    StridedLoop loop(out.shape, {&out, &in...}, what);
    // 32-bit indices only while i + the grid-stride step cannot wrap past 2^32.
    if (n <= int64_t(INT32_MAX)) {
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
