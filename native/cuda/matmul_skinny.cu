// Skinny products on a GPU: a small side of c <= 8 rows (or columns) against a long operand L
// whose rows are `width` contiguous values `stride` apart (width up to about a thousand). Such a
// product does at most 8 multiply-adds per value of L, so its cost is one read of L; these
// kernels read it once, in tiles, at close to memory bandwidth. Two forms (the CPU's "dots" and
// "axpys", kernels/matmul.cc):
//
//   rows:    the inner axis runs along L's rows, out[i, s] = Σ_q L[i, q] S[s, q] (X·β, X·B,
//            W·Xᵀ). A block per tile of rows; G lanes per row, each with c accumulators, S
//            held in shared memory as one c-vector per q; the G lanes combine by shuffles.
//            Rows are independent, so every value comes out the same however the grid runs.
//   columns: the inner axis is L's long one, out[q, s] = Σ_i L[i, q] R[i, s] (Xᵀ·r, Xᵀ·R,
//            r·X). A block per run of rows: a thread per column q (and row group), its c
//            accumulators fed from the run's tiles; the row groups combine in shared memory in
//            a fixed order and each run writes its K·c partial sums to scratch; a second kernel
//            adds each output's partials in run order. Runs, tiles and lane assignments are
//            fixed by the shape alone and nothing is added atomically, so the result is the
//            same bits on every run (and every GPU).
//
// Tiles: a tile is the contiguous span of memory from its first row's start to its last row's
// end (gaps between rows included, so rows must not be much longer than `width` apart), copied
// into shared memory with asynchronous 16-byte copies (cp.async) from the first 16-byte
// boundary on, the elements before that boundary and after the last whole vector one by one:
// any alignment of L works, and nothing outside the span is read. A block has two tile buffers:
// while it reads one tile, its next arrives in the other (the rows form's grid is at most the
// blocks the device holds at once, so a block takes several tiles). The small side and R may
// have any strides (they are read element by element: 1/width of the traffic). Sums are in the
// operands' dtype, as in BLAS and the CPU's kernels.
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <string>
#include <type_traits>

#include "common.cuh"
#include "matmul_skinny.h"
#include "program_eval.cuh"

namespace rv {
namespace cuda {
namespace {

using matmul::Operand;

constexpr int kMaxSmall = 8;                    // rows (or columns) of the small side, at most
constexpr int64_t kMinLong = 1024;              // the long dimension, at least
constexpr int64_t kTileBytes = 16384;           // bytes of L a tile holds, at most
constexpr int kLoads = int(kTileBytes / 16 / kBlock);  // 16-byte loads per thread per tile
constexpr int kMinTileRows = 4;                 // rows a tile must hold
constexpr int kMaxColumnTileRows = 256;         // columns form: rows per tile, at most (R's share)
constexpr int kMaxColumnsPerThread = 2;         // columns form: width <= kBlock * this
constexpr int kMinBlocksPerSM = 4;              // registers capped so that this many blocks fit an SM
constexpr int64_t kMaxRuns = 2048;              // columns form: runs (partial sums per output), about at most
constexpr int64_t kMinRunTiles = 2;             // columns form: tiles per run, at least

template <typename T> constexpr int kVec = int(16 / sizeof(T));
template <typename T> constexpr int kTileElems = int(kTileBytes / int64_t(sizeof(T)));
// A tile's buffer in shared memory (kTileElems + kVec values: 16 bytes of room for the head);
// two of them per block, one filled while the other is read.
template <typename T> constexpr int kBufferElems = kTileElems<T> + kVec<T>;
constexpr int64_t kBufferBytes = kTileBytes + 16;

__host__ __device__ inline int64_t round16(int64_t bytes) { return (bytes + 15) / 16 * 16; }

// The long operand: element (i, q) at x[i * stride + q], rows [0, rows), q in [0, width).
template <typename T>
struct LongOperand {
  const T* x;
  int64_t rows;
  int width;
  int64_t stride;
  int tile_rows;  // rows per tile (set by the launch)
};

// The small side (or R): element (s, q) at p[s * s_stride + q * q_stride], s in [0, c), q along
// the long operand's axis that the product sums over (rows form) or runs along (columns form).
template <typename T>
struct SmallOperand {
  const T* p;
  int64_t s_stride, q_stride;
};

// Asynchronous global -> shared copies (cp.async, sm_80 on) of kBytes (4, 8 or 16; dst and src
// aligned to it): queued by copy_async, grouped by copy_commit (a group per tile), awaited by
// copy_wait<N> (every group of this thread's but the N most recent complete); the block
// synchronises after the wait before reading what other threads copied. Before sm_80, a plain
// copy (complete at once).
template <int kBytes>
__device__ __forceinline__ void copy_async(void* dst, const void* src) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
  const unsigned d = unsigned(__cvta_generic_to_shared(dst));
  if constexpr (kBytes == 16) {
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16;\n" ::"r"(d), "l"(src) : "memory");
  } else {
    asm volatile("cp.async.ca.shared.global [%0], [%1], %2;\n" ::"r"(d), "l"(src), "n"(kBytes) : "memory");
  }
#else
  if constexpr (kBytes == 16) *static_cast<uint4*>(dst) = *static_cast<const uint4*>(src);
  else if constexpr (kBytes == 8) *static_cast<uint2*>(dst) = *static_cast<const uint2*>(src);
  else *static_cast<unsigned*>(dst) = *static_cast<const unsigned*>(src);
#endif
}

__device__ __forceinline__ void copy_commit() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
  asm volatile("cp.async.commit_group;\n" ::: "memory");
#endif
}

template <int N>
__device__ __forceinline__ void copy_wait() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
  asm volatile("cp.async.wait_group %0;\n" ::"n"(N) : "memory");
#endif
}

// Starts copying x[e0, e1) (at most kTileElems values) into shared memory s (16-byte aligned,
// room for kTileElems + kVec values); returns the index of x[e0] in s (x[e] is at
// s[first + e - e0]). Every thread of the block calls it; the copies are the calling thread's
// and join its next copy_commit group: the caller waits for that group and synchronises before
// reading s. The values before x's first 16-byte boundary in the span (head) and after its last
// whole vector (tail) are copied one by one; nothing outside the span is read.
template <typename T>
__device__ __forceinline__ int load_tile(const T* __restrict__ x, int64_t e0, int64_t e1, T* s) {
  constexpr int V = kVec<T>;
  const int n = int(e1 - e0);
  const int misaligned = int((reinterpret_cast<uintptr_t>(x + e0) / sizeof(T)) % V);
  const int head = min(n, (V - misaligned) % V);  // values before the first 16-byte boundary
  const int vectors = (n - head) / V;
  const int tail = n - head - vectors * V;
  const T* aligned = x + e0 + head;
  const Lanes<T, V>* src = reinterpret_cast<const Lanes<T, V>*>(aligned);
  Lanes<T, V>* dst = reinterpret_cast<Lanes<T, V>*>(s) + 1;  // vectors from s[V] on
  const int t = int(threadIdx.x);
#pragma unroll
  for (int k = 0; k < kLoads; k++) {
    if (t + k * kBlock < vectors) copy_async<16>(dst + t + k * kBlock, src + t + k * kBlock);
  }
  if (t < head) copy_async<int(sizeof(T))>(s + V - head + t, x + e0 + t);
  if (t < tail) copy_async<int(sizeof(T))>(s + V + vectors * V + t, aligned + vectors * V + t);
  return V - head;
}

// ---- Pieces the kernels share (each kernel's bits are these pieces', so the one-pass kernel
// below gives the two forms' bits).

// The small side as one C-vector per q in shared memory (zero-padded past c).
template <typename T, int C>
__device__ __forceinline__ void load_small(T* small_values, const SmallOperand<T>& w, int width, int c) {
  for (int i = int(threadIdx.x); i < width * C; i += kBlock) {
    const int q = i / C, s = i % C;
    small_values[i] = s < c ? w.p[s * w.s_stride + q * w.q_stride] : T(0);
  }
}

// The rows form's sums for one row of a tile (`row` of `rows`, at tile + row * stride): `lanes`
// lanes a row, lane l taking the values q = l, l + lanes, ...; then a butterfly, after which every
// lane holds the sums (each step adds two values either way round). Every lane of the warp calls
// it, for the shuffles.
template <typename T, int C>
__device__ __forceinline__ void row_sums(T (&acc)[C], const T* tile, int row, int rows, int stride, const Lanes<T, C>* small,
                                         int width, int lane, int lanes) {
#pragma unroll
  for (int s = 0; s < C; s++) acc[s] = T(0);
  if (row < rows) {
    const T* values = tile + row * stride;
    for (int q = lane; q < width; q += lanes) {
      const T v = values[q];
      const Lanes<T, C> b = small[q];
#pragma unroll
      for (int s = 0; s < C; s++) acc[s] += v * b.v[s];
    }
  }
  for (int off = lanes / 2; off > 0; off /= 2) {
#pragma unroll
    for (int s = 0; s < C; s++) acc[s] += __shfl_xor_sync(kFullMask, acc[s], off, lanes);
  }
}

// The columns form's threads: rows of at most kBlock values (kColumns 1) take kBlock / width row
// groups, thread (g, q) taking column q of rows g, g + groups, ...; wider rows (kColumns
// kMaxColumnsPerThread) one group, thread t taking columns t, t + kBlock, ...
struct ColumnThreads {
  int groups, group, q0;
  bool active;
  __device__ explicit ColumnThreads(int width) {
    const bool narrow = width <= kBlock;
    groups = narrow ? kBlock / width : 1;
    group = narrow ? int(threadIdx.x) / width : 0;
    q0 = narrow ? int(threadIdx.x) % width : int(threadIdx.x);
    active = group < groups;
  }
};

// The columns form's sums over a tile's rows (at tile + row * stride) with their coefficients.
template <typename T, int C, int kColumns>
__device__ __forceinline__ void column_sums(T (&acc)[kColumns][C], const ColumnThreads& th, const Lanes<T, C>* coefficients,
                                            const T* tile, int rows, int stride, int width) {
  if (!th.active) return;
#pragma unroll 2
  for (int row = th.group; row < rows; row += th.groups) {
    const Lanes<T, C> k = coefficients[row];
    const T* values = tile + row * stride;
#pragma unroll
    for (int j = 0; j < kColumns; j++) {
      const int q = th.q0 + j * kBlock;
      if (q < width) {
        const T v = values[q];
#pragma unroll
        for (int s = 0; s < C; s++) acc[j][s] += v * k.v[s];
      }
    }
  }
}

// A run's sums, put(q, s, value) for q < width, s < c: row groups added in order 0, 1, ...
// through `scratch` (groups * width * C <= kBlock * C values; every thread calls it).
template <typename T, int C, int kColumns, class Put>
__device__ __forceinline__ void put_column_sums(const T (&acc)[kColumns][C], const ColumnThreads& th, T* scratch, int width, int c,
                                                Put put) {
  if (th.groups > 1) {
    if (th.active) {
#pragma unroll
      for (int s = 0; s < C; s++) scratch[(th.group * width + th.q0) * C + s] = acc[0][s];
    }
    __syncthreads();
    for (int o = int(threadIdx.x); o < width * c; o += kBlock) {
      const int q = o / c, s = o % c;
      T total = scratch[q * C + s];
      for (int g = 1; g < th.groups; g++) total += scratch[(g * width + q) * C + s];
      put(q, s, total);
    }
    __syncthreads();  // the next run's tile overwrites the scratch
  } else if (th.active) {
#pragma unroll
    for (int j = 0; j < kColumns; j++) {
      const int q = th.q0 + j * kBlock;
#pragma unroll
      for (int s = 0; s < C; s++) {
        if (q < width && s < c) put(q, s, acc[j][s]);
      }
    }
  }
}

// The columns form's runs u = blockIdx.x, + gridDim.x, ... of run_tiles tiles each, in two stages:
// while a tile is read from buffers buf, the run's next arrives in the others. issue(r0, rows,
// buf) starts the copies of the tile of rows [r0, r0 + rows) into buffers buf and returns its
// `first`; read(acc, r0, rows, buf, first) reads it once every thread's copies are in; done(acc,
// run) takes the run's sums (no copy is in flight then: the last group is empty).
template <typename T, int C, int kColumns, class Issue, class Read, class Done>
__device__ __forceinline__ void column_runs(const LongOperand<T>& x, int64_t run_tiles, int64_t runs, Issue issue, Read read,
                                            Done done) {
  const int64_t run_rows = run_tiles * x.tile_rows;
  for (int64_t run = blockIdx.x; run < runs; run += gridDim.x) {
    T acc[kColumns][C];
#pragma unroll
    for (int j = 0; j < kColumns; j++) {
#pragma unroll
      for (int s = 0; s < C; s++) acc[j][s] = T(0);
    }
    const int64_t end = min(x.rows, (run + 1) * run_rows);
    int buf = 0;
    int first = issue(run * run_rows, int(min(int64_t(x.tile_rows), end - run * run_rows)), 0);
    copy_commit();
    for (int64_t r0 = run * run_rows; r0 < end; r0 += x.tile_rows) {
      const int rows = int(min(int64_t(x.tile_rows), end - r0));
      const int64_t r1 = r0 + x.tile_rows;
      const int next_first = r1 < end ? issue(r1, int(min(int64_t(x.tile_rows), end - r1)), buf ^ 1) : 0;
      copy_commit();     // (an empty group after the run's last tile)
      copy_wait<1>();    // this thread's copies of this tile are done
      __syncthreads();   // everyone's are
      read(acc, r0, rows, buf, first);
      __syncthreads();   // the copy of the tile after next overwrites these buffers
      buf ^= 1;
      first = next_first;
    }
    done(acc, run);
  }
}

// Rows form, C = c rounded up to 1, 2, 4 or 8 (the small side zero-padded): tiles t = blockIdx.x,
// + gridDim.x, ... of x.tile_rows rows; groups of `lanes` threads take a row each (row_sums).
// out[i, s] at out[i * out_long + s * out_small]. Registers capped for one more block an SM where
// C <= 4 (at most 48 a thread: none spill).
template <typename T, int C>
__global__ void __launch_bounds__(kBlock, C <= 4 ? kMinBlocksPerSM + 1 : kMinBlocksPerSM)
    skinny_rows_kernel(LongOperand<T> x, SmallOperand<T> w, int c, int lanes, T* __restrict__ out, int64_t out_long,
                       int64_t out_small) {
  extern __shared__ __align__(16) unsigned char smem[];
  // The small side as one C-vector per q, then two tile buffers.
  const Lanes<T, C>* small = reinterpret_cast<const Lanes<T, C>*>(smem);
  T* tile = reinterpret_cast<T*>(smem + round16(int64_t(x.width) * C * int64_t(sizeof(T))));
  const int group = int(threadIdx.x) / lanes, lane = int(threadIdx.x) % lanes, groups = kBlock / lanes;
  const int64_t tiles = ceil_div(x.rows, x.tile_rows);
  // Tile t's copy starts into buffer `buf`; returns its `first`.
  auto issue = [&](int64_t t, int buf) {
    const int64_t r0 = t * x.tile_rows;
    const int rows = int(min(int64_t(x.tile_rows), x.rows - r0));
    return load_tile(x.x, r0 * x.stride, (r0 + rows - 1) * x.stride + x.width, tile + buf * kBufferElems<T>);
  };
  // Two stages: while tile t is read from buffer buf, tile t + gridDim.x arrives in the other.
  int buf = 0;
  int first = blockIdx.x < tiles ? issue(blockIdx.x, 0) : 0;
  copy_commit();
  load_small<T, C>(reinterpret_cast<T*>(smem), w, x.width, c);  // while the first tile arrives
  for (int64_t t = blockIdx.x; t < tiles; t += gridDim.x) {
    const int64_t r0 = t * x.tile_rows;
    const int rows = int(min(int64_t(x.tile_rows), x.rows - r0));
    const int next_first = t + gridDim.x < tiles ? issue(t + gridDim.x, buf ^ 1) : 0;
    copy_commit();     // (an empty group after the last tile)
    copy_wait<1>();    // this thread's copies of tile t are done
    __syncthreads();   // everyone's are (and, the first time, the small side is in place)
    const T* current = tile + buf * kBufferElems<T> + first;
    for (int base = 0; base < rows; base += groups) {
      const int r = base + group;
      T acc[C];
      row_sums<T, C>(acc, current, r, rows, int(x.stride), small, x.width, lane, lanes);
      if (r < rows) {
        const int64_t i = r0 + r;
#pragma unroll
        for (int s = 0; s < C; s++) {
          if (s < c && s % lanes == lane) out[i * out_long + s * out_small] = acc[s];
        }
      }
    }
    __syncthreads();  // the copy of tile t + 2 gridDim.x overwrites this buffer
    buf ^= 1;
    first = next_first;
  }
  copy_wait<0>();
}

// Columns form, C as above: runs u = blockIdx.x, + gridDim.x, ... of run_tiles tiles each, their
// rows summed by the column threads (ColumnThreads). out[q, s] goes to out[q * out_width + s *
// out_small] (one run) or partial[(q c + s) runs + u].
template <typename T, int C, int kColumns>
__global__ void __launch_bounds__(kBlock, kMinBlocksPerSM)
    skinny_columns_kernel(LongOperand<T> x, SmallOperand<T> r, int c, int64_t run_tiles, int64_t runs,
                          T* __restrict__ out, int64_t out_width, int64_t out_small, T* __restrict__ partial) {
  extern __shared__ __align__(16) unsigned char smem[];
  // Two buffers of R's rows of a tile as C-vectors, then two tile buffers (the first reused to
  // combine the row groups).
  const int64_t coefficient_bytes = round16(int64_t(x.tile_rows) * C * int64_t(sizeof(T)));
  T* tile = reinterpret_cast<T*>(smem + 2 * coefficient_bytes);
  const ColumnThreads th(x.width);
  // The copy of the tile of rows [r0, r0 + rows) and R's rows of it starts into buffers `buf`;
  // returns its `first`.
  auto issue = [&](int64_t r0, int rows, int buf) {
    const int first = load_tile(x.x, r0 * x.stride, (r0 + rows - 1) * x.stride + x.width, tile + buf * kBufferElems<T>);
    T* coefficient_values = reinterpret_cast<T*>(smem + buf * coefficient_bytes);
    for (int i = int(threadIdx.x); i < rows * C; i += kBlock) {
      const int row = i / C, s = i % C;
      if (s < c) copy_async<int(sizeof(T))>(coefficient_values + i, r.p + ((r0 + row) * r.q_stride + s * r.s_stride));
      else coefficient_values[i] = T(0);
    }
    return first;
  };
  column_runs<T, C, kColumns>(
      x, run_tiles, runs, issue,
      [&](T(&acc)[kColumns][C], int64_t, int rows, int buf, int first) {
        const Lanes<T, C>* coefficients = reinterpret_cast<const Lanes<T, C>*>(smem + buf * coefficient_bytes);
        column_sums<T, C, kColumns>(acc, th, coefficients, tile + buf * kBufferElems<T> + first, rows, int(x.stride), x.width);
      },
      [&](const T(&acc)[kColumns][C], int64_t run) {
        // The first tile buffer is scratch.
        put_column_sums<T, C, kColumns>(acc, th, tile, x.width, c, [&](int q, int s, T value) {
          if (runs == 1) out[q * out_width + s * out_small] = value;
          else partial[(int64_t(q) * c + s) * runs + run] = value;
        });
      });
}

// Output o = q c + s of the columns form: the sum of its `runs` partials, in an order fixed by
// `runs` alone (thread t adds runs t, t + kBlock, ...; then a fixed tree across the block).
template <typename T>
__global__ void __launch_bounds__(kBlock) skinny_partials_kernel(const T* __restrict__ partial, int64_t runs, int c,
                                                                 int64_t outputs, T* __restrict__ out,
                                                                 int64_t out_width, int64_t out_small) {
  __shared__ T warp_sums[kBlock / 32];
  const int lane = int(threadIdx.x) & 31, warp = int(threadIdx.x) >> 5;
  for (int64_t o = blockIdx.x; o < outputs; o += gridDim.x) {
    const T* p = partial + o * runs;
    T acc = T(0);
    for (int64_t u = threadIdx.x; u < runs; u += kBlock) acc += p[u];
    for (int off = 16; off > 0; off /= 2) acc += __shfl_down_sync(kFullMask, acc, off);
    if (lane == 0) warp_sums[warp] = acc;
    __syncthreads();
    if (threadIdx.x == 0) {
      T total = warp_sums[0];
      for (int w = 1; w < kBlock / 32; w++) total += warp_sums[w];
      const int64_t q = o / c, s = o - q * c;
      out[q * out_width + s * out_small] = total;
    }
    __syncthreads();  // warp_sums is rewritten for the next output
  }
}

// ---- Both forms in one pass over L (fusedProducts: kernels/fused_products.cc).
//
// Z = the rows form's product of L's rows and the small side W; G = a program of Z (and other
// inputs) at each element; out = the columns form's sums of G times L's rows. The columns form's
// runs and tiles over L; in each tile, first each row against W as the rows form computes it
// (`lanes` lanes a row, the same loop and butterfly: Z's bits), written to Z and, through the
// program, to the tile's coefficients in shared memory, where the columns form would have copied
// them from G; then the columns form's sums over the same tile. L is read from memory once.
template <typename T, int C, int kColumns>
__global__ void __launch_bounds__(kBlock, kMinBlocksPerSM)
    skinny_pair_kernel(LongOperand<T> x, SmallOperand<T> w, int c, int lanes, T* __restrict__ z, int64_t z_long,
                       int64_t z_small, const __grid_constant__ fused::Program program,
                       const __grid_constant__ fused::ProgramInputs inputs, int64_t run_tiles, int64_t runs,
                       T* __restrict__ out, int64_t out_width, int64_t out_small, T* __restrict__ partial) {
  extern __shared__ __align__(16) unsigned char smem[];
  // W as one C-vector per q, then a tile's coefficients as C-vectors, then two tile buffers (the
  // first reused to combine the row groups).
  const int64_t small_bytes = round16(int64_t(x.width) * C * int64_t(sizeof(T)));
  const int64_t coefficient_bytes = round16(int64_t(x.tile_rows) * C * int64_t(sizeof(T)));
  const Lanes<T, C>* small = reinterpret_cast<const Lanes<T, C>*>(smem);
  T* coefficient_values = reinterpret_cast<T*>(smem + small_bytes);
  const Lanes<T, C>* coefficients = reinterpret_cast<const Lanes<T, C>*>(coefficient_values);
  T* tile = reinterpret_cast<T*>(smem + small_bytes + coefficient_bytes);
  const int row_group = int(threadIdx.x) / lanes, lane = int(threadIdx.x) % lanes, row_groups = kBlock / lanes;
  const ColumnThreads th(x.width);
  auto issue = [&](int64_t r0, int rows, int buf) {
    return load_tile(x.x, r0 * x.stride, (r0 + rows - 1) * x.stride + x.width, tile + buf * kBufferElems<T>);
  };
  load_small<T, C>(reinterpret_cast<T*>(smem), w, x.width, c);  // in place by the first tile's synchronisation
  column_runs<T, C, kColumns>(
      x, run_tiles, runs, issue,
      [&](T(&acc)[kColumns][C], int64_t r0, int rows, int buf, int first) {
        const T* current = tile + buf * kBufferElems<T> + first;
        // Z's rows of this tile as the rows form computes them, and their coefficients.
        for (int base = 0; base < rows; base += row_groups) {
          const int row = base + row_group;
          T dot[C];
          row_sums<T, C>(dot, current, row, rows, int(x.stride), small, x.width, lane, lanes);
          if (row < rows) {
            const int64_t i = r0 + row;
#pragma unroll
            for (int s = 0; s < C; s++) {
              if (s % lanes != lane) continue;
              T coefficient = T(0);
              if (s < c) {
                z[i * z_long + s * z_small] = dot[s];
                coefficient = program_at<T>(program, inputs, dot[s], i, s);
              }
              coefficient_values[row * C + s] = coefficient;
            }
          }
        }
        __syncthreads();  // the coefficients are in place (the next tile's are written after column_runs' synchronisation)
        column_sums<T, C, kColumns>(acc, th, coefficients, current, rows, int(x.stride), x.width);
      },
      [&](const T(&acc)[kColumns][C], int64_t run) {
        put_column_sums<T, C, kColumns>(acc, th, tile, x.width, c, [&](int q, int s, T value) {
          if (runs == 1) out[q * out_width + s * out_small] = value;
          else partial[(int64_t(q) * c + s) * runs + run] = value;
        });
      });
}

// ---- Host side.

std::atomic<int64_t> products_run{0};

// Rows of `width` values `stride` apart that fit in a tile.
template <typename T>
int max_tile_rows(int64_t width, int64_t stride) {
  return int((kTileElems<T> - width) / stride + 1);
}

// Rows of `width` values at unit stride (`unit`), `stride` apart, that tiles take: at least two
// values, gaps at most one row long (a tile reads them), kMinTileRows rows in a tile.
template <typename T>
bool tiles_take(int64_t width, int64_t stride, int64_t unit, int64_t max_width) {
  return width >= 2 && width <= max_width && unit == 1 && stride >= width && stride <= 2 * width &&
         max_tile_rows<T>(width, stride) >= kMinTileRows;
}

// Calls f with the smallest supported small-side width (1, 2, 4 or 8) that holds c.
template <typename F> void by_width(int c, F&& f) {
  if (c <= 1) f(std::integral_constant<int, 1>{});
  else if (c <= 2) f(std::integral_constant<int, 2>{});
  else if (c <= 4) f(std::integral_constant<int, 4>{});
  else f(std::integral_constant<int, 8>{});
}

// Whether the columns form takes rows wider than kBlock for C: kMaxColumnsPerThread columns of C
// accumulators per thread in registers (not for double C = 8: they spill).
template <typename T, int C> constexpr bool kWideColumns = kMaxColumnsPerThread * C * sizeof(T) <= 64;

// The most values per row the columns form takes.
template <typename T>
int64_t max_columns_width(int c) {
  bool wide = false;
  by_width(c, [&](auto C) { wide = kWideColumns<T, decltype(C)::value>; });
  return int64_t(kBlock) * (wide ? kMaxColumnsPerThread : 1);
}

// The most values per row the rows form takes: its small side (width C-vectors) fits in a tile's bytes.
template <typename T>
int64_t max_rows_width(int c) {
  int64_t padded = 0;
  by_width(c, [&](auto C) { padded = decltype(C)::value; });
  return kTileBytes / (padded * int64_t(sizeof(T)));
}

// The rows form's lanes per row: the fewest (a power of two, at most a warp) that give each at
// most 8 values.
inline int row_lanes(int width) {
  int lanes = 1;
  while (lanes < 32 && lanes * 8 < width) lanes *= 2;
  return lanes;
}

// The columns form's tiles (rows each) and runs (of run_tiles tiles) over x, fixed by the shape.
struct ColumnRuns {
  int tile_rows;
  int64_t run_tiles, runs;
};
template <typename T> ColumnRuns column_runs(const LongOperand<T>& x) {
  const int groups = x.width <= kBlock ? kBlock / x.width : 1;
  int rows = std::min(kMaxColumnTileRows, max_tile_rows<T>(x.width, x.stride));
  if (rows >= groups) rows = rows / groups * groups;
  const int64_t tiles = ceil_div(x.rows, rows);
  const int64_t run_tiles = std::max(kMinRunTiles, ceil_div(tiles, kMaxRuns));
  return {rows, run_tiles, ceil_div(tiles, run_tiles)};
}

// The columns form's partial sums, one per output and run, when there are several runs: freed
// when the returned tensor goes while the kernels may still be queued, which is safe (the caching
// allocator hands a block out again only to work queued later on the device's one stream).
template <typename T> Tensor column_partials(int device, int64_t outputs, int64_t runs, const char* what) {
  if (runs == 1) return Tensor();
  Dims d;
  d.push_back(outputs * runs, what);
  return empty_tensor(sizeof(T) == 4 ? DType::Float32 : DType::Float64, d, what, device);
}

// Adds each output's partials (none with one run: the kernel wrote the outputs).
template <typename T>
void add_partials(int device, const Tensor& partial, int64_t runs, int c, int64_t outputs, T* out, int64_t out_width,
                  int64_t out_small, const char* what) {
  if (runs == 1) return;
  skinny_partials_kernel<T><<<unsigned(std::min(outputs, kMaxGrid)), kBlock, 0, stream(device)>>>(
      partial.ptr<T>(), runs, c, outputs, out, out_width, out_small);
  check_launch(what);
}

template <typename T, int C>
void launch_rows(int device, LongOperand<T> x, SmallOperand<T> w, int c, T* out, int64_t out_long, int64_t out_small,
                 const char* what) {
  const int lanes = row_lanes(x.width);
  const int groups = kBlock / lanes;
  int rows = max_tile_rows<T>(x.width, x.stride);
  if (rows >= groups) rows = rows / groups * groups;  // every group a row in each round
  x.tile_rows = rows;
  const int64_t tiles = ceil_div(x.rows, rows);
  const size_t smem = size_t(round16(int64_t(x.width) * C * int64_t(sizeof(T))) + 2 * kBufferBytes);
  // At most the blocks the device holds at once, each taking the same number of tiles (a block
  // copies its next tile while it reads one); only the speed depends on the grid.
  constexpr auto kKernel = skinny_rows_kernel<T, C>;
  const unsigned grid = grid_for<kKernel>(tiles, device, what, kBlock, smem);
  kKernel<<<grid, kBlock, smem, stream(device)>>>(x, w, c, lanes, out, out_long, out_small);
  check_launch(what);
}

template <typename T, int C>
void launch_columns(int device, LongOperand<T> x, SmallOperand<T> r, int c, T* out, int64_t out_width,
                    int64_t out_small, const char* what) {
  if (x.width > max_columns_width<T>(C)) throw Error(std::string(what) + ": skinny columns form given rows too wide");
  const ColumnRuns plan = column_runs(x);
  const int rows = plan.tile_rows;
  const int64_t run_tiles = plan.run_tiles, runs = plan.runs;
  x.tile_rows = rows;
  const int64_t outputs = int64_t(x.width) * c;
  const Tensor hold = column_partials<T>(device, outputs, runs, what);
  T* partial = runs > 1 ? hold.ptr<T>() : nullptr;
  const size_t smem = size_t(2 * round16(int64_t(rows) * C * int64_t(sizeof(T))) + 2 * kBufferBytes);
  const unsigned grid = unsigned(std::min(runs, kMaxGrid));
  cudaStream_t s = stream(device);
  if constexpr (kWideColumns<T, C>) {
    if (x.width > kBlock) {
      allow_dynamic_shared<skinny_columns_kernel<T, C, kMaxColumnsPerThread>>(device, smem, what);
      skinny_columns_kernel<T, C, kMaxColumnsPerThread><<<grid, kBlock, smem, s>>>(
          x, r, c, run_tiles, runs, out, out_width, out_small, partial);
      check_launch(what);
    }
  }
  if (x.width <= kBlock) {
    allow_dynamic_shared<skinny_columns_kernel<T, C, 1>>(device, smem, what);
    skinny_columns_kernel<T, C, 1><<<grid, kBlock, smem, s>>>(x, r, c, run_tiles, runs, out, out_width,
                                                                           out_small, partial);
    check_launch(what);
  }
  add_partials<T>(device, hold, runs, c, outputs, out, out_width, out_small, what);
}

template <typename T>
void rows_form(int device, const LongOperand<T>& x, const SmallOperand<T>& w, int c, T* out, int64_t out_long,
               int64_t out_small, const char* what) {
  by_width(c, [&](auto C) { launch_rows<T, decltype(C)::value>(device, x, w, c, out, out_long, out_small, what); });
}

template <typename T>
void columns_form(int device, const LongOperand<T>& x, const SmallOperand<T>& r, int c, T* out, int64_t out_width,
                  int64_t out_small, const char* what) {
  by_width(c, [&](auto C) { launch_columns<T, decltype(C)::value>(device, x, r, c, out, out_width, out_small, what); });
}

// A product as the rows form takes it: out[i, s] at out[i * out_long + s * out_small].
template <typename T> struct RowsForm {
  LongOperand<T> x;
  SmallOperand<T> w;
  int c;
  int64_t out_long, out_small;
};

// A product as the columns form takes it: out[q, s] at out[q * out_width + s * out_small], R's
// coefficient for row i and s at r.p[i * r.q_stride + s * r.s_stride].
template <typename T> struct ColumnsForm {
  LongOperand<T> x;
  SmallOperand<T> r;
  int c;
  int64_t out_width, out_small;
};

// C [m, n] is contiguous: element (i, j) at i n + j.
template <typename T> bool rows_form_of(const matmul::Product& p, RowsForm<T>& f) {
  const Operand& a = p.a;
  const Operand& b = p.b;
  const T* pa = a.t.ptr<T>();
  const T* pb = b.t.ptr<T>();
  if (p.batches != 1) return false;
  if (p.n <= kMaxSmall && p.m >= kMinLong && tiles_take<T>(p.k, a.rs, a.cs, max_rows_width<T>(int(p.n)))) {
    // X·B: the rows of A against the columns of B.
    f = {{pa, p.m, int(p.k), a.rs, 0}, {pb, b.cs, b.rs}, int(p.n), p.n, 1};
    return true;
  }
  if (p.m <= kMaxSmall && p.n >= kMinLong && tiles_take<T>(p.k, b.cs, b.rs, max_rows_width<T>(int(p.m)))) {
    // W·Xᵀ: B's columns (the rows of the X it transposes) against the rows of A.
    f = {{pb, p.n, int(p.k), b.cs, 0}, {pa, a.rs, a.cs}, int(p.m), 1, p.n};
    return true;
  }
  return false;
}

template <typename T> bool columns_form_of(const matmul::Product& p, ColumnsForm<T>& f) {
  const Operand& a = p.a;
  const Operand& b = p.b;
  const T* pa = a.t.ptr<T>();
  const T* pb = b.t.ptr<T>();
  if (p.batches != 1) return false;
  if (p.n <= kMaxSmall && p.k >= kMinLong && tiles_take<T>(p.m, a.cs, a.rs, max_columns_width<T>(int(p.n)))) {
    // Xᵀ·R: A's columns are the rows of the X it transposes, scaled by the rows of B.
    f = {{pa, p.k, int(p.m), a.cs, 0}, {pb, b.cs, b.rs}, int(p.n), p.n, 1};
    return true;
  }
  if (p.m <= kMaxSmall && p.k >= kMinLong && tiles_take<T>(p.n, b.rs, b.cs, max_columns_width<T>(int(p.m)))) {
    // R·X: the rows of B scaled by the columns of A.
    f = {{pb, p.k, int(p.n), b.rs, 0}, {pa, a.rs, a.cs}, int(p.m), 1, p.n};
    return true;
  }
  return false;
}

// Z = the rows form of `first` and out = the columns form of `second` over the same long
// operand, in one pass (skinny_pair_kernel), the coefficients from the program.
template <typename T, int C>
void launch_pair(int device, const RowsForm<T>& first, T* z, const ColumnsForm<T>& second, T* out,
                 const fused::Program& program, const fused::ProgramInputs& inputs, const char* what) {
  // As launch_columns: wider rows have no kernel here (skinny_pair's forms rule them out).
  if (second.x.width > max_columns_width<T>(C)) throw Error(std::string(what) + ": skinny pair given rows too wide");
  LongOperand<T> x = second.x;
  const ColumnRuns plan = column_runs(x);
  x.tile_rows = plan.tile_rows;
  const int c = second.c;
  const int64_t outputs = int64_t(x.width) * c;
  const Tensor hold = column_partials<T>(device, outputs, plan.runs, what);
  T* partial = plan.runs > 1 ? hold.ptr<T>() : nullptr;
  const size_t smem = size_t(round16(int64_t(x.width) * C * int64_t(sizeof(T))) +
                             round16(int64_t(plan.tile_rows) * C * int64_t(sizeof(T))) + 2 * kBufferBytes);
  const unsigned grid = unsigned(std::min(plan.runs, kMaxGrid));
  const int lanes = row_lanes(x.width);
  auto launch = [&](auto kernel) {
    kernel<<<grid, kBlock, smem, stream(device)>>>(x, first.w, c, lanes, z, first.out_long, first.out_small, program, inputs,
                                                  plan.run_tiles, plan.runs, out, second.out_width, second.out_small, partial);
    check_launch(what);
  };
  if constexpr (kWideColumns<T, C>) {
    if (x.width > kBlock) {
      allow_dynamic_shared<skinny_pair_kernel<T, C, kMaxColumnsPerThread>>(device, smem, what);
      launch(skinny_pair_kernel<T, C, kMaxColumnsPerThread>);
    }
  }
  if (x.width <= kBlock) {
    allow_dynamic_shared<skinny_pair_kernel<T, C, 1>>(device, smem, what);
    launch(skinny_pair_kernel<T, C, 1>);
  }
  add_partials<T>(device, hold, plan.runs, c, outputs, out, second.out_width, second.out_small, what);
}

}  // namespace

template <typename T>
bool skinny_product(int device, const matmul::Product& p, T* out, const char* what) {
  RowsForm<T> rows;
  ColumnsForm<T> columns;
  if (rows_form_of(p, rows)) {
    rows_form<T>(device, rows.x, rows.w, rows.c, out, rows.out_long, rows.out_small, what);
  } else if (columns_form_of(p, columns)) {
    columns_form<T>(device, columns.x, columns.r, columns.c, out, columns.out_width, columns.out_small, what);
  } else {
    return false;
  }
  products_run.fetch_add(1, std::memory_order_relaxed);
  return true;
}

template <typename T>
bool skinny_pair(int device, const matmul::Product& first, T* z, int64_t zi, const matmul::Product& second, T* out,
                 const fused::Program& program, const fused::ProgramInputs& inputs, const char* what) {
  RowsForm<T> rows;
  ColumnsForm<T> columns;
  if (!rows_form_of(first, rows) || !columns_form_of(second, columns) || rows.out_long != zi) return false;
  // One long operand, read the same way; the second's coefficient (i, s) where the first writes (i, s).
  const LongOperand<T>& a = rows.x;
  const LongOperand<T>& b = columns.x;
  if (a.x != b.x || a.rows != b.rows || a.width != b.width || a.stride != b.stride || rows.c != columns.c) return false;
  if (columns.r.q_stride != rows.out_long || (rows.c > 1 && columns.r.s_stride != rows.out_small)) return false;
  by_width(rows.c, [&](auto C) { launch_pair<T, decltype(C)::value>(device, rows, z, columns, out, program, inputs, what); });
  products_run.fetch_add(2, std::memory_order_relaxed);
  return true;
}

template bool skinny_product<float>(int, const matmul::Product&, float*, const char*);
template bool skinny_product<double>(int, const matmul::Product&, double*, const char*);
template bool skinny_pair<float>(int, const matmul::Product&, float*, int64_t, const matmul::Product&, float*,
                                 const fused::Program&, const fused::ProgramInputs&, const char*);
template bool skinny_pair<double>(int, const matmul::Product&, double*, int64_t, const matmul::Product&, double*,
                                  const fused::Program&, const fused::ProgramInputs&, const char*);

int64_t skinny_products() { return products_run.load(std::memory_order_relaxed); }

}  // namespace cuda
}  // namespace rv
