// Reductions on a GPU (sum, prod, mean, max, min, any, all, logSumExp) and softmax/logSoftmax
// along one axis: the GPU side of kernels/reduce.cc, with its reducers (reduce.h), argument
// checks and [A, R, B] plan, so the rules (double accumulation of float sums, NaN-propagating
// max/min, int32 wrap-around, logSumExp of -inf rows) are the CPU's. The plan copies an input
// whose reduced axes are not one run of a dense layout (a GPU copy, cheap beside the reduction).
#include "reduce.cuh"

namespace rv {
namespace {

using namespace reduction;
using cuda::red::Finish;

enum class Domain { Numeric, Float, Bool };

template <template <typename> class Red, Domain kDomain>
Tensor reduce_gpu(const KernelCall& c) {
  c.expect_inputs(1);
  if constexpr (kDomain == Domain::Bool) c.expect_dtype(0, DType::Bool);
  const Tensor& x = c.input(0);
  const uint32_t mask = read_reduction(c, x);
  Tensor out = c.make_output();
  if (out.numel() == 0) return out;
  const Plan plan = plan_reduction(x, mask, c.name);
  auto body = [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* xs = reinterpret_cast<const T*>(plan.base);
    cuda::red::reduce<Red<T>, T>(xs, Finish<Red<T>, T, T>{out.ptr<T>(), plan.R, plan.B}, plan.A, plan.R, plan.B,
                                 c.device, c.name);
  };
  if constexpr (kDomain == Domain::Float) dispatch_float(x.dtype, c.name, body);
  else if constexpr (kDomain == Domain::Bool) body(Tag<uint8_t>{});
  else dispatch_numeric(x.dtype, c.name, body);
  return out;
}

Tensor one_dim(DType dtype, int64_t n, const char* what, int device) {
  Dims d;
  d.push_back(n, what);
  return empty_tensor(dtype, d, what, device);
}

// e^(x - m) for x < m (so x - m <= 0, never NaN): the CPU's exp_shifted(x, m) before its last
// rounding. Float32: x - m rounded to float is the CPU's float(double(x) - double(m)) (the
// difference of two floats is exact in double), clamped below at -104 as exp_f32 clamps it, and
// exp_clamped_f64's double is kept: one conversion an element instead of four, and no double
// compare (the CPU rounds the term to float; that rounding is all that differs).
template <typename T> __device__ __forceinline__ double exp_below(T x, T m) {
  if constexpr (std::is_same_v<T, float>) return exp_clamped_f64(double(fmaxf(x - m, -104.0f)));
  else return exp(x - m);
}

// log Σ exp(x) in one pass over x (the CPU takes two: the maximum, then the sum): the accumulator
// keeps the running maximum m (an element, so a T) and s = Σ exp(x - m), rescaled when m grows.
// The terms are exp_below(x, m), the CPU's exp_shifted(x, m) against the running maximum, so
// results differ from the CPU's by roundings only; a maximum of -inf, +inf or NaN is the answer
// itself, as on the CPU. An element below the maximum, nearly all of them, costs one float
// compare and one exp_below; ties, a new maximum and NaN take the branch.
template <typename T> struct OnlineLogSumExp {
  struct Acc {
    T m;
    double s;
  };
  static constexpr bool kShift = false;
  static __device__ Acc init() { return {T(-INFINITY), 0.0}; }
  static __device__ Acc step(Acc a, T x, T) {
    if (x < a.m) return {a.m, a.s + exp_below(x, a.m)};  // +inf maximum: exp_below gives ~0
    if (a.m != a.m) return a;
    if (x != x) return {x, double(x)};                                    // NaN wins, as the maximum's
    if (x == a.m) return {a.m, a.s + 1.0};                                // also +inf or -inf twice
    return {x, a.m == T(-INFINITY) ? 1.0 : a.s * exp_below(a.m, x) + 1.0};  // x > a.m
  }
  static __device__ Acc combine(Acc a, Acc b) {
    if (a.m != a.m) return a;
    if (b.m != b.m) return b;
    if (a.m < b.m) {
      const Acc t = a;
      a = b;
      b = t;
    }
    return {a.m, a.s + (b.m == a.m ? b.s : b.s * exp_below(b.m, a.m))};
  }
  static __device__ T finish(Acc a, int64_t, T) { return isfinite(a.m) ? T(double(a.m) + log(a.s)) : a.m; }
};

Tensor log_sum_exp_gpu(const KernelCall& c) {
  c.expect_inputs(1);
  const Tensor& x = c.input(0);
  const uint32_t mask = read_reduction(c, x);
  Tensor out = c.make_output();
  if (out.numel() == 0) return out;
  const Plan plan = plan_reduction(x, mask, c.name);
  dispatch_float(x.dtype, c.name, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* xs = reinterpret_cast<const T*>(plan.base);
    using Red = OnlineLogSumExp<T>;
    cuda::red::reduce<Red, T>(xs, Finish<Red, T, T>{out.ptr<T>(), plan.R, plan.B},
                              plan.A, plan.R, plan.B, c.device, c.name);
  });
  return out;
}

// ---- softmax / logSoftmax along one axis, with the CPU's formulas: m the maximum, s = Σ
// exp_shifted(x, m) in double (for long rows and inner axes, OnlineLogSumExp's terms against the
// running maximum); softmax = T(double(T(exp_shifted(x, m))) * (1 / s)) (the CPU stores the exps in the
// output first), logSoftmax = T((double(x) - double(m)) - log s). A row whose maximum is -inf,
// +inf or NaN gives NaN through the same arithmetic.

template <bool kLog, typename T>
__device__ __forceinline__ T softmax_value(T x, T m, double k) {
  if constexpr (kLog) return T((double(x) - double(m)) - k);
  else return T(double(T(exp_shifted(x, m))) * k);
}

// Every lane of each group of G gets the combination of the group's values.
template <int G, typename V, typename F>
__device__ __forceinline__ V group_all(V v, F combine) {
#pragma unroll
  for (int off = G / 2; off > 0; off /= 2) v = combine(v, cuda::red::shfl_xor(v, off, G));
  return v;
}

// Rows up to kWarpRow long (inner == 1): G lanes per row, all three steps fused, so the row is
// read from memory once (the second and third reads hit the cache).
template <int G, bool kLog, typename T>
__global__ void __launch_bounds__(cuda::kBlock) softmax_rows(const T* __restrict__ x, T* __restrict__ out,
                                                            int64_t A, int64_t R) {
  constexpr int kGroups = cuda::kBlock / G;
  const int lane = int(threadIdx.x) % G, group = int(threadIdx.x) / G;
  for (int64_t first = int64_t(blockIdx.x) * kGroups; first < A; first += int64_t(gridDim.x) * kGroups) {
    const int64_t a = first + group;
    const bool valid = a < A;
    const T* xr = x + (valid ? a : 0) * R;
    T m = Max<T>::init();
    if (valid) {
#pragma unroll 4
      for (int64_t r = lane; r < R; r += G) m = Max<T>::step(m, xr[r], T(0));
    }
    m = group_all<G>(m, [](T p, T q) { return Max<T>::combine(p, q); });
    double s = 0;
    if (valid) {
#pragma unroll 4
      for (int64_t r = lane; r < R; r += G) s += exp_shifted(xr[r], m);
    }
    s = group_all<G>(s, [](double p, double q) { return p + q; });
    if (valid) {
      const double k = kLog ? log(s) : 1.0 / s;
      T* orow = out + a * R;
#pragma unroll 4
      for (int64_t r = lane; r < R; r += G) orow[r] = softmax_value<kLog>(xr[r], m, k);
    }
  }
}

// The per-output maximum m and constant of the last step, log s (logSoftmax) or 1 / s (softmax),
// from OnlineLogSumExp's accumulator. A maximum of -inf, +inf or NaN gives NaN, as the CPU's
// arithmetic does (its s = Σ exp(x - m) is then NaN).
template <bool kLog, typename T> struct ScaleSink {
  T* m;
  double* k;
  int64_t B;
  __device__ __forceinline__ void put(int64_t a, int64_t b, int64_t, typename OnlineLogSumExp<T>::Acc acc) const {
    m[a * B + b] = T(acc.m);
    k[a * B + b] = isfinite(acc.m) ? (kLog ? log(acc.s) : 1.0 / acc.s) : double(NAN);
  }
};

constexpr int64_t kApplyChunk = 4096;  // elements of a slab per block item in softmax_apply

// out = softmax_value(x, m[a, b], k[a, b]) over [A, R, B]: block items are runs of a slab, so
// the column b of position q = r * B + b is tracked by additions instead of divisions.
template <bool kLog, typename T>
__global__ void __launch_bounds__(cuda::kBlock) softmax_apply(const T* __restrict__ x, T* __restrict__ out,
                                                             const T* __restrict__ m, const double* __restrict__ k,
                                                             int64_t A, int64_t R, int64_t B, int64_t chunks) {
  const int64_t slab = R * B, bstep = cuda::kBlock % B;
  for (int64_t item = blockIdx.x; item < A * chunks; item += gridDim.x) {
    const int64_t a = item / chunks, c = item - a * chunks;
    const int64_t end = min(slab, (c + 1) * kApplyChunk);
    int64_t q = c * kApplyChunk + threadIdx.x, b = q % B;
    const T* xa = x + a * slab;
    T* oa = out + a * slab;
    const T* ma = m + a * B;
    const double* ka = k + a * B;
#pragma unroll 4
    for (; q < end; q += cuda::kBlock) {
      oa[q] = softmax_value<kLog>(xa[q], ma[b], ka[b]);
      b += bstep;
      if (b >= B) b -= B;
    }
  }
}

template <bool kLog, typename T>
void softmax_run(const T* x, T* out, int64_t A, int64_t R, int64_t B, int device, const char* what) {
  cudaStream_t st = cuda::stream(device);
  if (B == 1 && R <= cuda::red::kWarpRow) {
    const int G = cuda::red::lanes_for(R);
    const unsigned grid =
        unsigned(std::max<int64_t>(1, std::min(cuda::ceil_div(A, cuda::kBlock / G), cuda::kMaxGrid)));
    switch (G) {
      case 1: softmax_rows<1, kLog><<<grid, cuda::kBlock, 0, st>>>(x, out, A, R); break;
      case 2: softmax_rows<2, kLog><<<grid, cuda::kBlock, 0, st>>>(x, out, A, R); break;
      case 4: softmax_rows<4, kLog><<<grid, cuda::kBlock, 0, st>>>(x, out, A, R); break;
      case 8: softmax_rows<8, kLog><<<grid, cuda::kBlock, 0, st>>>(x, out, A, R); break;
      case 16: softmax_rows<16, kLog><<<grid, cuda::kBlock, 0, st>>>(x, out, A, R); break;
      default: softmax_rows<32, kLog><<<grid, cuda::kBlock, 0, st>>>(x, out, A, R); break;
    }
    cuda::check_launch(what);
    return;
  }
  // Long rows or inner > 1: the maximum and the scale in one pass of the reduction kernels (all
  // of the GPU, coalesced for any B), then one elementwise pass.
  Tensor max = one_dim(std::is_same_v<T, float> ? DType::Float32 : DType::Float64, A * B, what, device);
  Tensor scale = one_dim(DType::Float64, A * B, what, device);
  const T* m = max.ptr<T>();
  cuda::red::reduce<OnlineLogSumExp<T>, T>(x, ScaleSink<kLog, T>{max.ptr<T>(), scale.ptr<double>(), B},
                                           A, R, B, device, what);
  const int64_t chunks = cuda::ceil_div(R * B, kApplyChunk);
  const unsigned grid = unsigned(std::min(A * chunks, cuda::kMaxGrid));
  softmax_apply<kLog><<<grid, cuda::kBlock, 0, st>>>(x, out, m, scale.ptr<double>(), A, R, B, chunks);
  cuda::check_launch(what);
}

template <bool kLog>
Tensor softmax_gpu(const KernelCall& c) {
  c.expect_inputs(1);
  const Tensor& x = c.input(0);
  const int axis = c.axis_attr(0, x);
  c.expect_output_like(x);
  Tensor out = c.make_output();
  if (out.numel() == 0) return out;
  AxisView v = axis_view(x, axis, c.name);
  dispatch_float(x.dtype, c.name, [&](auto tag) {
    using T = typename decltype(tag)::type;
    softmax_run<kLog, T>(v.x.ptr<T>(), out.ptr<T>(), v.outer, v.length, v.inner, c.device, c.name);
  });
  return out;
}

CudaKernelRegistrar cuda_registrations[] = {
    {"sum", reduce_gpu<Sum, Domain::Numeric>},
    {"prod", reduce_gpu<Prod, Domain::Numeric>},
    {"mean", reduce_gpu<Mean, Domain::Float>},
    {"max", reduce_gpu<Max, Domain::Numeric>},
    {"min", reduce_gpu<Min, Domain::Numeric>},
    {"any", reduce_gpu<Any, Domain::Bool>},
    {"all", reduce_gpu<All, Domain::Bool>},
    {"logSumExp", log_sum_exp_gpu},
    {"softmax", softmax_gpu<false>},
    {"logSoftmax", softmax_gpu<true>},
};

}  // namespace
}  // namespace rv
