// Reductions on a GPU over a dense [A, R, B] block (reduce.h's Plan; or an AxisView): every
// output (a, b) reduces x[a, 0:R, b] with one of reduce.h's reducers. Used by reduce.cu (sum,
// ..., logSumExp, softmax), arg_reduce.cu (argMax/argMin, a reducer over (value, index)) and
// scan.cu (the run totals of long scans).
//
// Three kernels, picked by the shape:
//   rows (B == 1): G lanes per row, G a power of two up to a warp for rows up to kWarpRow,
//     combined by warp shuffles; longer rows take a whole block each (rows_block_kernel), its
//     threads folding 16-byte vectors of the row (one load each where aligned), combined by
//     shuffles and shared memory. Long rows of few outputs split into runs (below), so a full
//     reduction uses every SM.
//   cols (B > 1): a block covers 32 adjacent outputs (reading each row of them coalesced) and
//     splits the rows between its 8 warps, combined through shared memory. Narrow rows (B < 32)
//     are folded: the block reads its slab of R * B contiguous elements in runs of P = B * (32 /
//     B), lane k holding column k % B, so a warp still reads 128 contiguous bytes.
//   wide (B > 1, many outputs, or small slabs): a thread per output walks its column.
// When the outputs alone cannot fill the GPU (a full reduction, a sum over the leading axis of
// [581012, 55]), R is split into S runs of L rows: a first pass writes S partial accumulators
// per output, further passes (the same kernels, combining partials) reduce those until one is
// left. Grids are capped at the blocks the GPU holds at once, each block looping over runs, so
// many short runs keep every SM streaming to the end. Runs, lane assignments and combination
// trees are fixed by the shape alone (never by the grid), and there are no atomics, so a
// result is the same bits on every run and every GPU (cols_vec_kernel, taken only by aligned
// data, has an order of its own: there the order is the shape's and the alignment's).
#pragma once
#include <algorithm>
#include <cstring>
#include <type_traits>

#include "../kernels/reduce.h"
#include "common.cuh"

namespace rv {
namespace cuda {
namespace red {

using reduction::Plan;

constexpr int kWarps = kBlock / 32;
// Runs a split aims at: several per block the GPU holds at once (an H100 holds ~660-1056), so
// the last round of runs leaves little idle. A constant, not the device's count: partials must
// not depend on the GPU.
constexpr int64_t kTargetRuns = 4096;
constexpr int64_t kRunElems = 16384;  // elements per run (a block's share), at least, when R splits
constexpr int64_t kVecRunElems = 4 * kRunElems;  // the same for cols_vec_kernel (16-byte loads)
constexpr int64_t kPartialRunElems = 2048;       // the same for cols passes over partials
// scan.cu's splits aim at this many blocks.
constexpr int64_t kTargetBlocks = 1024;
constexpr int64_t kWarpRow = 4096;    // rows up to this long take a warp (or fewer lanes), longer a block
constexpr int64_t kWideOutputs = int64_t(1) << 18;  // outputs that occupy the GPU with a thread each
constexpr int kUnroll = 8;                          // independent loads in flight per thread

// ---- Shuffles of any accumulator: 32-bit words (double, (value, index) pairs), bytes widened.

template <typename V, typename F>
__device__ __forceinline__ V shuffle_words(V v, F f) {
  if constexpr (sizeof(V) < 4) {
    static_assert(std::is_integral_v<V>, "small accumulators are integers");
    return V(f(unsigned(v)));
  } else {
    static_assert(sizeof(V) % 4 == 0, "accumulators are whole 32-bit words");
    constexpr int kWords = int(sizeof(V) / 4);
    unsigned w[kWords];
    memcpy(w, &v, sizeof(V));
#pragma unroll
    for (int k = 0; k < kWords; k++) w[k] = f(w[k]);
    V r;
    memcpy(&r, w, sizeof(V));
    return r;
  }
}

template <typename V> __device__ __forceinline__ V shfl_down(V v, unsigned delta, int width) {
  return shuffle_words(v, [&](unsigned u) { return __shfl_down_sync(kFullMask, u, delta, width); });
}
template <typename V> __device__ __forceinline__ V shfl_up(V v, unsigned delta, int width) {
  return shuffle_words(v, [&](unsigned u) { return __shfl_up_sync(kFullMask, u, delta, width); });
}
template <typename V> __device__ __forceinline__ V shfl_xor(V v, int mask, int width) {
  return shuffle_words(v, [&](unsigned u) { return __shfl_xor_sync(kFullMask, u, mask, width); });
}
template <typename V> __device__ __forceinline__ V shfl_idx(V v, int lane, int width) {
  return shuffle_words(v, [&](unsigned u) { return __shfl_sync(kFullMask, u, lane, width); });
}

// Combines the values of each group of G lanes (G <= 32, a power of two; every lane of the warp
// calls it): the result is in the group's first lane.
template <int G, class Red, typename Acc>
__device__ __forceinline__ Acc group_reduce(Acc acc) {
#pragma unroll
  for (int off = G / 2; off > 0; off /= 2) acc = Red::combine(acc, shfl_down(acc, off, G));
  return acc;
}

// Combines the block's values (every thread calls it); the result is in thread 0. `sm` holds
// kWarps accumulators; the block is synchronised on return, so sm may be reused.
template <class Red, typename Acc>
__device__ __forceinline__ Acc block_reduce(Acc acc, Acc* sm) {
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  acc = group_reduce<32, Red>(acc);
  if (lane == 0) sm[warp] = acc;
  __syncthreads();
  if (warp == 0) {
    acc = lane < kWarps ? sm[lane] : Red::init();
    acc = group_reduce<kWarps, Red>(acc);
  }
  __syncthreads();
  return acc;
}

// ---- Sources: what a pass reads. load(i) reads position i; apply folds one value in, given its
// row index r (argMax/argMin use it). No GPU reducer takes reduce.h's shift: logSumExp and
// softmax accumulate a running maximum instead (reduce.cu's OnlineLogSumExp).

// Reducers whose step takes the row index instead of a shift (arg_reduce.cu's).
template <class Red, class = void> struct IsIndexed : std::false_type {};
template <class Red> struct IsIndexed<Red, std::void_t<decltype(Red::kIndexed)>> : std::bool_constant<Red::kIndexed> {};

// The input elements.
template <class Red, typename T> struct Elements {
  using Acc = typename Red::Acc;
  using In = T;
  const T* x;
  __device__ __forceinline__ T load(int64_t i) const { return x[i]; }
  __device__ __forceinline__ static Acc apply(Acc acc, T v, int64_t r) {
    if constexpr (IsIndexed<Red>::value) return Red::step(acc, v, r);
    else return Red::step(acc, v, T(0));
  }
};

// Partial accumulators of a first pass, laid out [A, S, B].
template <class Red, typename T> struct Partials {
  using Acc = typename Red::Acc;
  using In = Acc;
  const Acc* p;
  __device__ __forceinline__ Acc load(int64_t i) const { return p[i]; }
  __device__ __forceinline__ static Acc apply(Acc acc, Acc v, int64_t) { return Red::combine(acc, v); }
};

// ---- Sinks: where an output's accumulator goes (a, b the output, s the run).

// out[a * B + b] = finish(acc): n is the full reduced length (mean divides by it).
template <class Red, typename T, typename Out> struct Finish {
  Out* out;
  int64_t n, B;
  __device__ __forceinline__ void put(int64_t a, int64_t b, int64_t, typename Red::Acc acc) const {
    out[a * B + b] = Out(Red::finish(acc, n, T(0)));
  }
};

// The partial accumulator of run s, at [a, s, b] of an [A, S, B] array.
template <typename Acc> struct Spill {
  Acc* p;
  int64_t S, B;
  __device__ __forceinline__ void put(int64_t a, int64_t b, int64_t s, Acc acc) const { p[(a * S + s) * B + b] = acc; }
};

// Folds positions pos, pos + step, ... (< end) into acc; r, r + rstep, ... are their rows.
// Loads go kUnroll at a time ahead of the (dependent) accumulation, to keep memory busy.
template <class Src>
__device__ __forceinline__ typename Src::Acc run(const Src& src, typename Src::Acc acc, int64_t pos, int64_t end,
                                                 int64_t step, int64_t r, int64_t rstep) {
  for (; pos + (kUnroll - 1) * step < end; pos += kUnroll * step, r += kUnroll * rstep) {
    typename Src::In v[kUnroll];
#pragma unroll
    for (int k = 0; k < kUnroll; k++) v[k] = src.load(pos + k * step);
#pragma unroll
    for (int k = 0; k < kUnroll; k++) acc = Src::apply(acc, v[k], r + k * rstep);
  }
  for (; pos < end; pos += step, r += rstep) acc = Src::apply(acc, src.load(pos), r);
  return acc;
}

// ---- Kernels. Item loops are uniform across a block (shuffles and barriers inside are safe).

// B == 1, short rows: item (a, s) reduces x[a, s*L : min(R, s*L + L)] with G lanes (G <= a warp;
// longer rows take rows_block_kernel).
template <int G, class Red, class Src, class Sink>
__global__ void __launch_bounds__(kBlock) rows_kernel(Src src, Sink sink, int64_t A, int64_t R, int64_t S, int64_t L) {
  static_assert(G <= 32, "a group is at most a warp");
  using Acc = typename Red::Acc;
  constexpr int kGroups = kBlock / G;
  const int lane = int(threadIdx.x) % G, group = int(threadIdx.x) / G;
  const int64_t items = A * S;
  for (int64_t first = int64_t(blockIdx.x) * kGroups; first < items; first += int64_t(gridDim.x) * kGroups) {
    const int64_t item = first + group;
    const bool valid = item < items;
    int64_t a = 0, s = 0;
    Acc acc = Red::init();
    if (valid) {
      a = item / S;
      s = item - a * S;
      const int64_t start = s * L, end = min(R, start + L), row = a * R;
      acc = run(src, acc, row + start + lane, row + end, G, start + lane, G);
    }
    acc = group_reduce<G, Red>(acc);
    if (valid && lane == 0) sink.put(a, 0, s, acc);
  }
}

// The array a source reads position by position, where it is one (the input elements, the
// partials of a pass): rows_block_kernel loads it 16 bytes at a time where aligned. Computed
// sources (fused.cu's ProgramValues) have none.
template <class Src> __host__ __device__ __forceinline__ const typename Src::In* raw_data(const Src&) { return nullptr; }
template <class Red, typename T> __host__ __device__ __forceinline__ const T* raw_data(const Elements<Red, T>& s) {
  return s.x;
}
template <class Red, typename T>
__host__ __device__ __forceinline__ const typename Red::Acc* raw_data(const Partials<Red, T>& s) {
  return s.p;
}

// Values of In per 16-byte vector: 16 / sizeof(In), or 1 for types of other sizes.
template <typename In> constexpr int kVec = (sizeof(In) <= 16 && 16 % sizeof(In) == 0) ? int(16 / sizeof(In)) : 1;
template <typename In> constexpr bool kVecLoadable = sizeof(In) * kVec<In> == 16;
constexpr int kVecUnroll = 4;  // 16-byte loads in flight per thread in rows_block_kernel: 64 bytes

// V values of a source from position q: one 16-byte load (kLoad16; q is then 16-byte aligned in
// `data`), or V loads through src.load.
template <bool kLoad16, class Src, int V>
__device__ __forceinline__ Lanes<typename Src::In, V> load_values(const Src& src, const typename Src::In* data, int64_t q) {
  using In = typename Src::In;
  if constexpr (kLoad16) {
    return *reinterpret_cast<const Lanes<In, V>*>(data + q);
  } else {
    Lanes<In, V> r;
#pragma unroll
    for (int j = 0; j < V; j++) r.v[j] = src.load(q + j);
    return r;
  }
}

// Folds full vectors v, v + kBlock, ... (< full) of a run starting at position `base` (row
// index `r0`) into acc, kVecUnroll vectors' loads ahead of their accumulation, each vector's
// values in order.
template <bool kLoad16, class Src>
__device__ __forceinline__ typename Src::Acc run_vectors(const Src& src, const typename Src::In* data,
                                                         typename Src::Acc acc, int64_t v, int64_t full,
                                                         int64_t base, int64_t r0) {
  using In = typename Src::In;
  constexpr int V = kVec<In>;
  for (; v + (kVecUnroll - 1) * kBlock < full; v += kVecUnroll * kBlock) {
    Lanes<In, V> in[kVecUnroll];
#pragma unroll
    for (int k = 0; k < kVecUnroll; k++) in[k] = load_values<kLoad16, Src, V>(src, data, base + (v + k * kBlock) * V);
#pragma unroll
    for (int k = 0; k < kVecUnroll; k++) {
#pragma unroll
      for (int j = 0; j < V; j++) acc = Src::apply(acc, in[k].v[j], r0 + (v + k * kBlock) * V + j);
    }
  }
  for (; v < full; v += kBlock) {
    const Lanes<In, V> in = load_values<kLoad16, Src, V>(src, data, base + v * V);
#pragma unroll
    for (int j = 0; j < V; j++) acc = Src::apply(acc, in.v[j], r0 + v * V + j);
  }
  return acc;
}

// B == 1, rows longer than kWarpRow (or their runs): block item (a, s) reduces the run
// x[a, s*L : min(R, s*L + L)]. The run is cut into vectors of V = kVec<In> consecutive values
// (16 bytes), the last one short when V does not divide the run; thread t folds vectors t,
// t + kBlock, ... in order, each vector's values in order, and the threads combine by
// block_reduce. That order is the shape's alone: a run starting on a 16-byte boundary of a
// source with an array is read with 16-byte loads, any other (a computed source, an unaligned
// row) with V loads a vector, for the same bits.
template <class Red, class Src, class Sink>
__global__ void __launch_bounds__(kBlock) rows_block_kernel(Src src, Sink sink, int64_t A, int64_t R, int64_t S,
                                                            int64_t L) {
  using Acc = typename Red::Acc;
  using In = typename Src::In;
  constexpr int V = kVec<In>;
  __shared__ Acc sm[kWarps];
  const In* data = raw_data(src);
  const int t = int(threadIdx.x);
  for (int64_t item = blockIdx.x; item < A * S; item += gridDim.x) {
    const int64_t a = item / S, s = item - a * S;
    const int64_t start = s * L, n = min(R, start + L) - start;
    const int64_t base = a * R + start, full = n / V;
    Acc acc = Red::init();
    if constexpr (kVecLoadable<In>) {
      if (data != nullptr && reinterpret_cast<uintptr_t>(data + base) % 16 == 0) {
        acc = run_vectors<true>(src, data, acc, t, full, base, start);
      } else {
        acc = run_vectors<false>(src, data, acc, t, full, base, start);
      }
    } else {
      acc = run_vectors<false>(src, data, acc, t, full, base, start);
    }
    // The short last vector: the next of its thread's vectors.
    if (full * V < n && t == int(full % kBlock)) {
      for (int64_t q = full * V; q < n; q++) acc = Src::apply(acc, src.load(base + q), start + q);
    }
    acc = block_reduce<Red>(acc, sm);
    if (t == 0) sink.put(a, 0, s, acc);
  }
}

// B > 1: block item (s, t) covers run s of 32 adjacent outputs of slab a (or, folded, all B
// outputs of slab a), warp w taking rows w, w + 8, ... of the run; `tiles` items t per slab.
// (A 1-D grid: with the runs along a second grid dimension the same work ran at half speed.)
template <class Red, class Src, class Sink>
__global__ void __launch_bounds__(kBlock) cols_kernel(Src src, Sink sink, int64_t A, int64_t R, int64_t B, int64_t S,
                                                      int64_t L, int64_t tiles, int64_t P, bool fold) {
  using Acc = typename Red::Acc;
  __shared__ Acc sm[kWarps][32];
  const int tx = threadIdx.x & 31, ty = threadIdx.x >> 5;
  const int64_t per_run = A * tiles;
  // Rows advanced per step of P positions: P / B (folded, P = B * (32 / B)) or 1 (P = B).
  const int64_t rows_per_p = P / B;
  for (int64_t blk = blockIdx.x; blk < per_run * S; blk += gridDim.x) {
    const int64_t s = blk / per_run, item = blk - s * per_run;
    const int64_t r0 = s * L, r1 = min(R, r0 + L);
    const int64_t a = item / tiles, tile = item - a * tiles;
    const int64_t lane_off = fold ? tx : tile * 32 + tx;  // the lane's first position in a row run
    const bool active = fold ? tx < P : lane_off < B;
    Acc acc = Red::init();
    if (active) {
      const int64_t slab = a * R * B;
      // Position q = r * B + its column; folded, lane tx starts at row r0 + tx / B.
      const int64_t r = r0 + (fold ? tx / B : 0) + rows_per_p * ty;
      acc = run(src, acc, slab + r0 * B + lane_off + P * ty, slab + r1 * B, P * kWarps, r, rows_per_p * kWarps);
    }
    sm[ty][tx] = acc;
    __syncthreads();
#pragma unroll
    for (int h = kWarps / 2; h > 0; h /= 2) {
      if (ty < h) sm[ty][tx] = Red::combine(sm[ty][tx], sm[ty + h][tx]);
      __syncthreads();
    }
    if (ty == 0) {
      if (fold) {
        if (tx < B) {
          Acc v = sm[0][tx];
          for (int64_t k = tx + B; k < P; k += B) v = Red::combine(v, sm[0][k]);
          sink.put(a, tx, s, v);
        }
      } else if (active) {
        sink.put(a, lane_off, s, sm[0][tx]);
      }
    }
    __syncthreads();  // sm is rewritten by the next item
  }
}

// B > 1, rows of 128 to 512 bytes (B = 32, 64, 128 float32 or 16, 32, 64 float64), on aligned
// data: each lane loads 16-byte vectors (V elements of one row) and keeps V accumulators, so a
// warp reads 512 contiguous bytes per load, 32 / K rows of K lanes each. Block item s covers
// rows [s L, s L + L) of slab a, warp w taking rows w·(32/K), +8·(32/K), ...; lanes of one column
// vector combine by shuffles, the warps through shared memory, in an order fixed by the shape.
template <typename T> constexpr int kVecElems = int(16 / sizeof(T));

template <class Red, typename T, class Sink>
__global__ void __launch_bounds__(kBlock) cols_vec_kernel(const T* __restrict__ x, Sink sink, int64_t A, int64_t R,
                                                          int64_t B, int64_t S, int64_t L) {
  using Acc = typename Red::Acc;
  constexpr int V = kVecElems<T>;
  __shared__ Acc sm[kWarps][32][V];
  const int tx = threadIdx.x & 31, ty = threadIdx.x >> 5;
  const int K = int(B / V);          // lanes per row (8, 16 or 32)
  const int rows_per_warp = 32 / K;  // rows one load of the warp covers
  const int c = tx % K;              // the lane's column vector
  const int64_t step = int64_t(rows_per_warp) * kWarps;
  for (int64_t item = blockIdx.x; item < A * S; item += gridDim.x) {
    const int64_t a = item / S, s = item - a * S;
    const int64_t r0 = s * L, r1 = min(R, r0 + L);
    Acc acc[V];
#pragma unroll
    for (int v = 0; v < V; v++) acc[v] = Red::init();
    const Lanes<T, V>* rows = reinterpret_cast<const Lanes<T, V>*>(x + a * R * B);
    int64_t r = r0 + int64_t(ty) * rows_per_warp + tx / K;
    // U vector loads in flight, then their accumulation (half as many for wide accumulators,
    // OnlineLogSumExp's, whose V of them already fill the registers).
    constexpr int U = sizeof(Acc) > 8 ? kUnroll / 2 : kUnroll;
    for (; r + (U - 1) * step < r1; r += U * step) {
      Lanes<T, V> in[U];
#pragma unroll
      for (int k = 0; k < U; k++) in[k] = rows[(r + k * step) * K + c];
#pragma unroll
      for (int k = 0; k < U; k++) {
#pragma unroll
        for (int v = 0; v < V; v++) acc[v] = Red::step(acc[v], in[k].v[v], T(0));
      }
    }
    for (; r < r1; r += step) {
      const Lanes<T, V> in = rows[r * K + c];
#pragma unroll
      for (int v = 0; v < V; v++) acc[v] = Red::step(acc[v], in.v[v], T(0));
    }
    // Lanes c, c + K, c + 2K, ... hold the same columns: fold them into lane c.
    for (int off = 16; off >= K; off /= 2) {
#pragma unroll
      for (int v = 0; v < V; v++) acc[v] = Red::combine(acc[v], shfl_down(acc[v], unsigned(off), 32));
    }
    if (tx < K) {
#pragma unroll
      for (int v = 0; v < V; v++) sm[ty][tx][v] = acc[v];
    }
    __syncthreads();
    if (ty == 0 && tx < K) {
#pragma unroll
      for (int v = 0; v < V; v++) {
        Acc total = sm[0][tx][v];
        for (int w = 1; w < kWarps; w++) total = Red::combine(total, sm[w][tx][v]);
        sink.put(a, int64_t(tx) * V + v, s, total);
      }
    }
    __syncthreads();  // sm is rewritten by the next item
  }
}

// Whether cols_vec_kernel takes [A, R, B] of T at x: a plain reducer (no row index),
// float32 or float64, rows of 8, 16 or 32 vectors, 16-byte aligned.
template <class Red, typename T>
bool vector_cols(const T* x, int64_t B) {
  if constexpr (IsIndexed<Red>::value || !std::is_floating_point_v<T>) {
    return false;
  } else {
    const int64_t K = B * int64_t(sizeof(T)) / 16;
    return B * int64_t(sizeof(T)) % 16 == 0 && (K == 8 || K == 16 || K == 32) && reinterpret_cast<uintptr_t>(x) % 16 == 0;
  }
}

// B > 1: a thread per output (a, b) walks x[a, :, b] (coalesced across b when B is wide).
template <class Red, class Src, class Sink>
__global__ void __launch_bounds__(kBlock) wide_kernel(Src src, Sink sink, int64_t A, int64_t R, int64_t B) {
  const int64_t outputs = A * B;
  for (int64_t o = int64_t(blockIdx.x) * kBlock + threadIdx.x; o < outputs; o += int64_t(gridDim.x) * kBlock) {
    const int64_t a = o / B, b = o - a * B, base = a * R * B + b;
    sink.put(a, b, 0, run(src, Red::init(), base, base + R * B, B, 0, 1));
  }
}

// ---- Host side.

struct Pass {
  enum Kind { Rows, Cols, Wide } kind = Rows;
  int64_t S = 1, L = 0;  // runs per output and rows per run
  int G = 1;             // Rows: lanes per row
  bool fold = false;     // Cols: narrow rows folded
  int64_t P = 0, tiles = 1;
};

// Lanes for a row of n: a block beyond kWarpRow, else the fewest (a power of two, at most a warp)
// that give each lane at most 4 elements (a warp for longer rows): short rows keep lanes busy.
inline int lanes_for(int64_t n) {
  if (n > kWarpRow) return kBlock;
  int g = 1;
  while (g < 32 && int64_t(g) * 4 < n) g *= 2;
  return g;
}

// The pass for runs of L rows (S = ceil(R / L) of them): Rows or Cols (Wide has one run).
inline Pass pass_with_runs(int64_t R, int64_t B, int64_t L) {
  Pass p;
  p.L = L;
  p.S = R == 0 ? 1 : ceil_div(R, L);
  if (B == 1) {
    p.kind = Pass::Rows;
    p.G = lanes_for(L);
    return p;
  }
  p.kind = Pass::Cols;
  p.fold = B < 32;
  p.P = p.fold ? B * (32 / B) : B;
  p.tiles = p.fold ? 1 : ceil_div(B, 32);
  return p;
}

// A pass reducing [A, R, B] (elements, or partials of an earlier pass); with `split`, R is cut
// into runs when the outputs alone leave the GPU mostly idle and the rows are long enough.
// `col_run` is the least elements of a cols block-run: kRunElems for the elements, fewer for
// partials (few, and still in L2: many blocks of one or two round trips each do better).
inline Pass plan_pass(int64_t A, int64_t R, int64_t B, bool split, int64_t col_run = kRunElems) {
  if (B == 1) {
    int64_t L = R;
    if (split && A < kTargetRuns && R >= 2 * kRunElems) {
      const int64_t S = std::min(ceil_div(R, kRunElems), ceil_div(kTargetRuns, A));
      // A multiple of 16 values: runs of an aligned row start on 16-byte boundaries.
      L = ceil_div(ceil_div(R, S), 16) * 16;
    }
    return pass_with_runs(R, B, L);
  }
  const bool wide = B >= 32 ? (A * B >= kWideOutputs || R < kWarps) : R * B < 1024;
  if (wide) {
    Pass p;
    p.kind = Pass::Wide;
    p.L = R;
    return p;
  }
  Pass p = pass_with_runs(R, B, R);
  const int64_t items = A * p.tiles;
  const int64_t min_rows = ceil_div(col_run, p.fold ? B : 32);  // col_run elements a block-run
  if (split && items < kTargetRuns && R >= 2 * min_rows) {
    const int64_t S = std::min(ceil_div(kTargetRuns, items), R / min_rows);
    p = pass_with_runs(R, B, ceil_div(R, S));
  }
  return p;
}

template <int G, class Red, class Src, class Sink>
void launch_rows(const Pass& p, const Src& src, const Sink& sink, int64_t A, int64_t R, int device, const char* what) {
  constexpr auto kernel = rows_kernel<G, Red, Src, Sink>;
  const unsigned grid = grid_for<kernel>(ceil_div(A * p.S, kBlock / G), device, what);
  kernel<<<grid, kBlock, 0, stream(device)>>>(src, sink, A, R, p.S, p.L);
}

template <class Red, class Src, class Sink>
void launch(const Pass& p, const Src& src, const Sink& sink, int64_t A, int64_t R, int64_t B, int device,
            const char* what) {
  if (p.kind == Pass::Rows) {
    switch (p.G) {
      case 1: launch_rows<1, Red>(p, src, sink, A, R, device, what); break;
      case 2: launch_rows<2, Red>(p, src, sink, A, R, device, what); break;
      case 4: launch_rows<4, Red>(p, src, sink, A, R, device, what); break;
      case 8: launch_rows<8, Red>(p, src, sink, A, R, device, what); break;
      case 16: launch_rows<16, Red>(p, src, sink, A, R, device, what); break;
      case 32: launch_rows<32, Red>(p, src, sink, A, R, device, what); break;
      default: {
        constexpr auto kernel = rows_block_kernel<Red, Src, Sink>;
        kernel<<<grid_for<kernel>(A * p.S, device, what), kBlock, 0, stream(device)>>>(src, sink, A, R, p.S, p.L);
        break;
      }
    }
  } else if (p.kind == Pass::Cols) {
    constexpr auto kernel = cols_kernel<Red, Src, Sink>;
    const unsigned grid = grid_for<kernel>(A * p.tiles * p.S, device, what);
    kernel<<<grid, kBlock, 0, stream(device)>>>(src, sink, A, R, B, p.S, p.L, p.tiles, p.P, p.fold);
  } else {
    wide_kernel<Red><<<blocks_for(A * B), kBlock, 0, stream(device)>>>(src, sink, A, R, B);
  }
  check_launch(what);
}

// Device scratch of `bytes` (a float64 tensor, so 8-byte aligned). Freed when the Tensor goes
// while kernels using it may still be queued: safe, as the caching allocator hands the block
// out again only to work queued later on the same (the device's one) stream.
inline Tensor scratch(int64_t bytes, int device, const char* what) {
  Dims d;
  d.push_back(std::max<int64_t>(1, ceil_div(bytes, 8)), what);
  return empty_tensor(DType::Float64, d, what, device);
}

// Reduces an [A, R, B] block of values read from `src` (Elements of an array, or values computed
// as they are read) into `sink`: one pass, or, when R is split, passes over the partials until
// one per output is left. `x`, when src reads that plain array, lets wide rows take
// cols_vec_kernel.
template <class Red, typename T, class Src, class Sink>
void reduce_src(const Src& src, const T* x, const Sink& sink, int64_t A, int64_t R, int64_t B, int device,
                const char* what) {
  static_assert(!Red::kShift, "GPU reductions take no shift (see Sources above)");
  using Acc = typename Red::Acc;
  Pass p = plan_pass(A, R, B, true);
  const bool vec = x != nullptr && p.kind == Pass::Cols && vector_cols<Red>(x, B);
  if (vec) {
    // Runs of kVecRunElems elements: each lane moves 16 bytes a load, so 4x the scalar run.
    const int64_t min_rows = ceil_div(kVecRunElems, B);
    p.S = std::max<int64_t>(1, std::min(ceil_div(kTargetRuns, A), R / min_rows));
    p.L = ceil_div(R, p.S);
    p.S = ceil_div(R, p.L);
  }
  auto first = [&](const auto& sink_) {
    if (vec) {
      constexpr auto kernel = cols_vec_kernel<Red, T, std::decay_t<decltype(sink_)>>;
      kernel<<<grid_for<kernel>(A * p.S, device, what), kBlock, 0, stream(device)>>>(x, sink_, A, R, B, p.S, p.L);
      check_launch(what);
    } else {
      launch<Red>(p, src, sink_, A, R, B, device, what);
    }
  };
  if (p.S == 1) {
    first(sink);
    return;
  }
  Tensor hold = scratch(A * p.S * B * int64_t(sizeof(Acc)), device, what);
  Acc* partial = reinterpret_cast<Acc*>(hold.data());
  first(Spill<Acc>{partial, p.S, B});
  // Each pass leaves fewer runs (a split needs at least two runs' worth of rows), so this ends.
  for (int64_t n = p.S;;) {
    Pass q = plan_pass(A, n, B, true, kPartialRunElems);
    // Partials of a row: a block rather than a warp once they are many (latency, not bandwidth).
    if (q.kind == Pass::Rows && q.G < kBlock && n > 1024) q.G = kBlock;
    const Partials<Red, T> ps{partial};
    if (q.S == 1) {
      launch<Red>(q, ps, sink, A, n, B, device, what);
      return;
    }
    Tensor next = scratch(A * q.S * B * int64_t(sizeof(Acc)), device, what);
    Acc* np = reinterpret_cast<Acc*>(next.data());
    launch<Red>(q, ps, Spill<Acc>{np, q.S, B}, A, n, B, device, what);
    hold = next;  // the previous buffer is released: see scratch()
    partial = np;
    n = q.S;
  }
}

// Reduces the dense [A, R, B] block x.
template <class Red, typename T, class Sink>
void reduce(const T* x, const Sink& sink, int64_t A, int64_t R, int64_t B, int device, const char* what) {
  reduce_src<Red, T>(Elements<Red, T>{x}, x, sink, A, R, B, device, what);
}

}  // namespace red
}  // namespace cuda
}  // namespace rv
