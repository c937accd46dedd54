// cumsum and cumprod along one axis on a GPU, inclusive or exclusive, forward or reversed: the
// GPU side of kernels/scan.cc, with its steps (reduce.h's CumSum/CumProd: float32 accumulates
// in double, int32 wraps) and argument checks. The input is viewed as a dense [A, R, B] block
// (axis_view copies it first if needed).
//   B == 1, R <= kGroupRow: G lanes per row scan it G elements at a time (warp shuffles).
//   B == 1, longer rows: a block per run of a row scans tiles of 2048 elements (warp scans,
//     then the warps' totals through shared memory).
//   B > 1: a thread per column carries its running value down the rows (coalesced across b).
// When the rows alone cannot fill the GPU, R is cut into runs: the reduction kernels
// (reduce.cuh) compute each run's total, then each run starts from the combination of the
// totals before it (after it, reversed). Integer results are exact; float results differ from
// the CPU's sequential sums only by the rounding of the double accumulator.
#include "reduce.cuh"

namespace rv {
namespace {

using namespace reduction;
using cuda::kBlock;
using cuda::ceil_div;
using cuda::kMaxGrid;
using cuda::red::kWarps;

constexpr int64_t kGroupRow = 2048;       // rows up to this long: one group of lanes each
constexpr int64_t kRunRows = 16384;       // B == 1: elements per run, at least, when a row splits
constexpr int64_t kColThreads = 1 << 17;  // B > 1: columns x runs that occupy the GPU
constexpr int64_t kColRun = 64;           // B > 1: rows per run, at least, when columns split

// The run totals of a reduction: the sum or product reducer (same accumulator and step).
template <class Op> struct TotalOf;
template <typename T> struct TotalOf<CumSum<T>> { using type = Sum<T>; };
template <typename T> struct TotalOf<CumProd<T>> { using type = Prod<T>; };

// Inclusive scan of the lanes of each group of G (every lane of the warp calls it).
template <int G, class Op, typename Acc>
__device__ __forceinline__ Acc group_scan(Acc v, int lane) {
#pragma unroll
  for (int off = 1; off < G; off *= 2) {
    Acc y = cuda::red::shfl_up(v, off, G);
    if (lane >= off) v = Op::combine(y, v);
  }
  return v;
}

// B == 1, short rows: G lanes per row, G elements per step (kSteps steps loaded at once).
template <int G, class Op, typename T, bool kExcl, bool kRev>
__global__ void __launch_bounds__(kBlock) scan_rows_group(const T* __restrict__ x, T* __restrict__ out, int64_t A,
                                                          int64_t R) {
  using Acc = typename Op::Acc;
  constexpr int kGroups = kBlock / G, kSteps = 4;
  const int lane = int(threadIdx.x) % G, group = int(threadIdx.x) / G;
  for (int64_t first = int64_t(blockIdx.x) * kGroups; first < A; first += int64_t(gridDim.x) * kGroups) {
    const int64_t a = first + group;
    const bool valid = a < A;
    const T* xr = x + (valid ? a : 0) * R;
    T* orow = out + (valid ? a : 0) * R;
    Acc carry = Op::init();
    for (int64_t j0 = 0; j0 < R; j0 += int64_t(G) * kSteps) {
      T v[kSteps];
#pragma unroll
      for (int k = 0; k < kSteps; k++) {
        const int64_t j = j0 + k * G + lane;
        if (valid && j < R) v[k] = xr[kRev ? R - 1 - j : j];
      }
#pragma unroll
      for (int k = 0; k < kSteps; k++) {
        const int64_t j = j0 + k * G + lane;
        const bool in = valid && j < R;
        const Acc inc = group_scan<G, Op>(in ? Op::step(Op::init(), v[k]) : Op::init(), lane);
        const Acc before = cuda::red::shfl_up(inc, 1, G);
        const Acc incl = Op::combine(carry, inc);
        if (in) orow[kRev ? R - 1 - j : j] = T(kExcl ? (lane == 0 ? carry : Op::combine(carry, before)) : incl);
        carry = cuda::red::shfl_idx(incl, G - 1, G);
      }
    }
  }
}

// B == 1, long rows: block per (row a, run s). The run starts from the combination of the
// totals of the runs before it in scan order (`totals`, [A, S]; null when S == 1), then tiles of
// kBlock * 8 elements: warp w scans 8 steps of 32 at [w * 256, w * 256 + 256) of the tile, the
// warps' totals go through shared memory.
template <class Op, typename T, bool kExcl, bool kRev>
__global__ void __launch_bounds__(kBlock) scan_rows_block(const T* __restrict__ x, T* __restrict__ out,
                                                          const typename Op::Acc* __restrict__ totals, int64_t A,
                                                          int64_t R, int64_t S, int64_t L) {
  using Acc = typename Op::Acc;
  constexpr int kSteps = 8;
  constexpr int64_t kTile = int64_t(kBlock) * kSteps;
  __shared__ Acc sm[kWarps];
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  for (int64_t item = blockIdx.x; item < A * S; item += gridDim.x) {
    const int64_t a = item / S, s = item - a * S;
    const int64_t start = s * L, n = min(R, start + L) - start;
    const T* xr = x + a * R;
    T* orow = out + a * R;
    // Logical position j (scan order) -> index in the row.
    auto at = [=](int64_t j) { return kRev ? start + n - 1 - j : start + j; };
    Acc run = Op::init();
    if (totals) {
      const int64_t lo = kRev ? s + 1 : 0, hi = kRev ? S : s;
      Acc acc = Op::init();
      for (int64_t k = lo + threadIdx.x; k < hi; k += kBlock) acc = Op::combine(acc, totals[a * S + k]);
      acc = cuda::red::block_reduce<Op>(acc, sm);
      if (threadIdx.x == 0) sm[0] = acc;
      __syncthreads();
      run = sm[0];
      __syncthreads();
    }
    for (int64_t t0 = 0; t0 < n; t0 += kTile) {
      const int64_t w0 = t0 + int64_t(warp) * (32 * kSteps);
      T v[kSteps];
#pragma unroll
      for (int k = 0; k < kSteps; k++) {
        const int64_t j = w0 + 32 * k + lane;
        if (j < n) v[k] = xr[at(j)];
      }
      Acc res[kSteps];  // inclusive or exclusive scan within the warp's 256
      Acc wrun = Op::init();
#pragma unroll
      for (int k = 0; k < kSteps; k++) {
        const int64_t j = w0 + 32 * k + lane;
        const Acc inc = group_scan<32, Op>(j < n ? Op::step(Op::init(), v[k]) : Op::init(), lane);
        const Acc before = cuda::red::shfl_up(inc, 1, 32);
        const Acc incl = Op::combine(wrun, inc);
        res[k] = kExcl ? (lane == 0 ? wrun : Op::combine(wrun, before)) : incl;
        wrun = cuda::red::shfl_idx(incl, 31, 32);
      }
      if (lane == 0) sm[warp] = wrun;
      __syncthreads();
      Acc base = run;
      for (int w = 0; w < warp; w++) base = Op::combine(base, sm[w]);
      // The tile's total, combined in the same order by every thread (identical bits).
      Acc next = base;
      for (int w = warp; w < kWarps; w++) next = Op::combine(next, sm[w]);
#pragma unroll
      for (int k = 0; k < kSteps; k++) {
        const int64_t j = w0 + 32 * k + lane;
        if (j < n) orow[at(j)] = T(Op::combine(base, res[k]));
      }
      run = next;
      __syncthreads();  // sm is rewritten by the next tile
    }
  }
}

// B > 1: thread per (a, s, b) carries column b of run s down its rows, starting from carry[(a *
// S + s) * B + b] (null when S == 1).
template <class Op, typename T, bool kExcl, bool kRev>
__global__ void __launch_bounds__(kBlock) scan_cols(const T* __restrict__ x, T* __restrict__ out,
                                                    const typename Op::Acc* __restrict__ carry, int64_t A, int64_t R,
                                                    int64_t B, int64_t S, int64_t L) {
  using Acc = typename Op::Acc;
  constexpr int kAhead = 4;
  const int64_t threads = A * S * B;
  for (int64_t t = int64_t(blockIdx.x) * kBlock + threadIdx.x; t < threads; t += int64_t(gridDim.x) * kBlock) {
    const int64_t b = t % B, as = t / B, s = as % S, a = as / S;
    const int64_t start = s * L, n = min(R, start + L) - start;
    const int64_t col = a * R * B + b;
    auto at = [=](int64_t k) { return col + (kRev ? start + n - 1 - k : start + k) * B; };
    Acc acc = carry ? carry[t] : Op::init();
    int64_t k = 0;
    for (; k + kAhead <= n; k += kAhead) {
      T v[kAhead];
#pragma unroll
      for (int u = 0; u < kAhead; u++) v[u] = x[at(k + u)];
#pragma unroll
      for (int u = 0; u < kAhead; u++) {
        if constexpr (kExcl) {
          out[at(k + u)] = T(acc);
          acc = Op::step(acc, v[u]);
        } else {
          acc = Op::step(acc, v[u]);
          out[at(k + u)] = T(acc);
        }
      }
    }
    for (; k < n; k++) {
      const T v = x[at(k)];
      if constexpr (kExcl) {
        out[at(k)] = T(acc);
        acc = Op::step(acc, v);
      } else {
        acc = Op::step(acc, v);
        out[at(k)] = T(acc);
      }
    }
  }
}

// B > 1: turns the run totals [A, S, B] into each run's starting value, in place: the
// combination of the runs before it (after it, reversed). A thread per column.
template <class Op, bool kRev>
__global__ void __launch_bounds__(kBlock) scan_carries(typename Op::Acc* p, int64_t A, int64_t S, int64_t B) {
  using Acc = typename Op::Acc;
  constexpr int kAhead = 8;
  for (int64_t t = int64_t(blockIdx.x) * kBlock + threadIdx.x; t < A * B; t += int64_t(gridDim.x) * kBlock) {
    const int64_t a = t / B, b = t - a * B;
    auto at = [=](int64_t k) { return (a * S + (kRev ? S - 1 - k : k)) * B + b; };
    Acc acc = Op::init();
    for (int64_t k0 = 0; k0 < S; k0 += kAhead) {
      const int m = int(min(int64_t(kAhead), S - k0));
      Acc v[kAhead];
#pragma unroll
      for (int u = 0; u < kAhead; u++) {
        if (u < m) v[u] = p[at(k0 + u)];
      }
#pragma unroll
      for (int u = 0; u < kAhead; u++) {
        if (u < m) {
          p[at(k0 + u)] = acc;
          acc = Op::combine(acc, v[u]);
        }
      }
    }
  }
}

template <class Op, typename T, bool kExcl, bool kRev>
void scan_run(const T* x, T* out, int64_t A, int64_t R, int64_t B, int device, const char* what) {
  using Acc = typename Op::Acc;
  using Total = typename TotalOf<Op>::type;
  static_assert(std::is_same_v<Acc, typename Total::Acc>, "run totals use the scan's accumulator");
  cudaStream_t st = cuda::stream(device);
  if (B == 1 && R <= kGroupRow) {
    const int G = std::min(cuda::red::lanes_for(R), 32);
    const unsigned grid = unsigned(std::max<int64_t>(1, std::min(ceil_div(A, kBlock / G), kMaxGrid)));
    switch (G) {
      case 1: scan_rows_group<1, Op, T, kExcl, kRev><<<grid, kBlock, 0, st>>>(x, out, A, R); break;
      case 2: scan_rows_group<2, Op, T, kExcl, kRev><<<grid, kBlock, 0, st>>>(x, out, A, R); break;
      case 4: scan_rows_group<4, Op, T, kExcl, kRev><<<grid, kBlock, 0, st>>>(x, out, A, R); break;
      case 8: scan_rows_group<8, Op, T, kExcl, kRev><<<grid, kBlock, 0, st>>>(x, out, A, R); break;
      case 16: scan_rows_group<16, Op, T, kExcl, kRev><<<grid, kBlock, 0, st>>>(x, out, A, R); break;
      default: scan_rows_group<32, Op, T, kExcl, kRev><<<grid, kBlock, 0, st>>>(x, out, A, R); break;
    }
    cuda::check_launch(what);
    return;
  }
  // Runs: fixed by the shape alone, so results do not depend on the GPU.
  int64_t S = 1;
  if (B == 1) {
    if (A < cuda::red::kTargetBlocks && R >= 2 * kRunRows) {
      S = std::min(ceil_div(R, kRunRows), ceil_div(cuda::red::kTargetBlocks, A));
    }
  } else if (A * B < kColThreads && R >= 2 * kColRun) {
    S = std::min({ceil_div(kColThreads, A * B), R / kColRun, cuda::red::kTargetBlocks});
  }
  const int64_t L = ceil_div(R, S);
  S = ceil_div(R, L);
  Tensor hold;
  Acc* totals = nullptr;
  if (S > 1) {
    hold = cuda::red::scratch(A * S * B * int64_t(sizeof(Acc)), device, what);
    totals = reinterpret_cast<Acc*>(hold.data());
    cuda::red::launch<Total>(cuda::red::pass_with_runs(R, B, L), cuda::red::Elements<Total, T>{x},
                             cuda::red::Spill<Acc>{totals, S, B}, A, R, B, device, what);
    if (B > 1) {
      scan_carries<Op, kRev><<<cuda::blocks_for(A * B), kBlock, 0, st>>>(totals, A, S, B);
      cuda::check_launch(what);
    }
  }
  if (B == 1) {
    const unsigned grid = unsigned(std::min(A * S, kMaxGrid));
    scan_rows_block<Op, T, kExcl, kRev><<<grid, kBlock, 0, st>>>(x, out, totals, A, R, S, L);
  } else {
    scan_cols<Op, T, kExcl, kRev><<<cuda::blocks_for(A * S * B), kBlock, 0, st>>>(x, out, totals, A, R, B, S, L);
  }
  cuda::check_launch(what);
}

template <template <typename> class Op>
Tensor scan_gpu(const KernelCall& c) {
  c.expect_inputs(1);
  const Tensor& x = c.input(0);
  const ScanAttrs attrs = read_scan(c, x);
  Tensor out = c.make_output();
  if (out.numel() == 0) return out;
  AxisView v = axis_view(x, attrs.axis, c.name);
  dispatch_numeric(x.dtype, c.name, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* xs = v.x.ptr<T>();
    T* o = out.ptr<T>();
    auto go = [&](auto excl, auto rev) {
      scan_run<Op<T>, T, decltype(excl)::value, decltype(rev)::value>(xs, o, v.outer, v.length, v.inner, c.device,
                                                                       c.name);
    };
    if (attrs.exclusive) {
      if (attrs.reverse) go(std::true_type{}, std::true_type{});
      else go(std::true_type{}, std::false_type{});
    } else {
      if (attrs.reverse) go(std::false_type{}, std::true_type{});
      else go(std::false_type{}, std::false_type{});
    }
  });
  return out;
}

CudaKernelRegistrar cuda_registrations[] = {
    {"cumsum", scan_gpu<CumSum>},
    {"cumprod", scan_gpu<CumProd>},
};

}  // namespace
}  // namespace rv
