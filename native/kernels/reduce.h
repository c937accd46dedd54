// Reducers and the contiguous-row reduction shared by reduce.cc (reductions, softmax) and
// arg_reduce.cc (argMax/argMin find the extreme with the same vectorised row maximum). The
// reducers, the scan steps, the argMax/argMin comparison and the argument checks are also the
// GPU kernels' (native/cuda/reduce.cuh, reduce.cu, arg_reduce.cu, scan.cu): one definition of
// each rule for both devices. The vectorised CPU rows are left out of the CUDA compilation.
//
// A reducer is a struct with: Acc (the accumulator type), init(), step(acc, x, shift),
// combine(acc, acc) and finish(acc, count, shift) -> T. Only logSumExp uses the shift (the
// row maximum it subtracts); the others ignore it.
#pragma once
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "../device.h"
#include "../kernel.h"
#include "elementwise.h"  // RV_MULTIVERSION
#include "fast_math.h"

namespace rv {
// A namespace of their own: these generic names (Sum, Max, ...) must not collide with another
// file's definitions in namespace rv.
namespace reduction {

template <typename T> constexpr bool kIsFloat = std::is_floating_point_v<T>;
// Sums and products: double for floats, wrapping uint32 for int32.
template <typename T> using WideAcc = std::conditional_t<kIsFloat<T>, double, uint32_t>;

template <typename T> struct Sum {
  using Acc = WideAcc<T>;
  static constexpr bool kShift = false;
  static RV_HD Acc init() { return Acc(0); }
  static RV_HD Acc step(Acc a, T x, T) { return a + Acc(x); }
  static RV_HD Acc combine(Acc a, Acc b) { return a + b; }
  static RV_HD T finish(Acc a, int64_t, T) { return T(a); }  // int32: modular, as every supported compiler
};

template <typename T> struct Prod {
  using Acc = WideAcc<T>;
  static constexpr bool kShift = false;
  static RV_HD Acc init() { return Acc(1); }
  static RV_HD Acc step(Acc a, T x, T) { return a * Acc(x); }
  static RV_HD Acc combine(Acc a, Acc b) { return a * b; }
  static RV_HD T finish(Acc a, int64_t, T) { return T(a); }
};

template <typename T> struct Mean {
  static_assert(kIsFloat<T>, "mean is computed in floating point");
  using Acc = double;
  static constexpr bool kShift = false;
  static RV_HD Acc init() { return 0.0; }
  static RV_HD Acc step(Acc a, T x, T) { return a + Acc(x); }
  static RV_HD Acc combine(Acc a, Acc b) { return a + b; }
  static RV_HD T finish(Acc a, int64_t n, T) { return T(a / double(n)); }  // 0/0: NaN when empty
};

// NaN wins: once the accumulator is NaN it stays NaN.
template <typename T> struct Max {
  using Acc = T;
  static constexpr bool kShift = false;
  static RV_HD Acc init() {
    if constexpr (kIsFloat<T>) return -std::numeric_limits<T>::infinity();
    else return std::numeric_limits<T>::min();
  }
  static RV_HD Acc step(Acc a, T x, T) {
    if constexpr (kIsFloat<T>) return (x > a || x != x) ? x : a;
    else return x > a ? x : a;
  }
  static RV_HD Acc combine(Acc a, Acc b) { return step(a, b, T(0)); }
  static RV_HD T finish(Acc a, int64_t, T) { return a; }
};

template <typename T> struct Min {
  using Acc = T;
  static constexpr bool kShift = false;
  static RV_HD Acc init() {
    if constexpr (kIsFloat<T>) return std::numeric_limits<T>::infinity();
    else return std::numeric_limits<T>::max();
  }
  static RV_HD Acc step(Acc a, T x, T) {
    if constexpr (kIsFloat<T>) return (x < a || x != x) ? x : a;
    else return x < a ? x : a;
  }
  static RV_HD Acc combine(Acc a, Acc b) { return step(a, b, T(0)); }
  static RV_HD T finish(Acc a, int64_t, T) { return a; }
};

template <typename T> struct Any {
  static_assert(std::is_same_v<T, uint8_t>, "any reduces bool");
  using Acc = uint8_t;
  static constexpr bool kShift = false;
  static RV_HD Acc init() { return 0; }
  static RV_HD Acc step(Acc a, uint8_t x, uint8_t) { return a | x; }
  static RV_HD Acc combine(Acc a, Acc b) { return a | b; }
  static RV_HD uint8_t finish(Acc a, int64_t, uint8_t) { return a; }
};

template <typename T> struct All {
  static_assert(std::is_same_v<T, uint8_t>, "all reduces bool");
  using Acc = uint8_t;
  static constexpr bool kShift = false;
  static RV_HD Acc init() { return 1; }
  static RV_HD Acc step(Acc a, uint8_t x, uint8_t) { return a & x; }
  static RV_HD Acc combine(Acc a, Acc b) { return a & b; }
  static RV_HD uint8_t finish(Acc a, int64_t, uint8_t) { return a; }
};

// exp(x - m) in double precision of the difference (x - m of two floats is exact in double).
template <typename T> RV_HD inline double exp_shifted(T x, T m) {
  if constexpr (std::is_same_v<T, float>) return double(exp_f32(float(double(x) - double(m))));
  else return std::exp(x - m);
}

// log Σ exp(x - m) + m with m the maximum: exact for huge inputs. A maximum of -inf (every
// input -inf, or none), +inf or NaN is the answer itself.
template <typename T> struct LogSumExp {
  static_assert(kIsFloat<T>, "logSumExp is computed in floating point");
  using Acc = double;
  static constexpr bool kShift = true;
  static RV_HD Acc init() { return 0.0; }
  static RV_HD Acc step(Acc a, T x, T m) { return a + exp_shifted(x, m); }
  static RV_HD Acc combine(Acc a, Acc b) { return a + b; }
  static RV_HD T finish(Acc a, int64_t, T m) { return std::isfinite(m) ? T(double(m) + std::log(a)) : m; }
};

// Whether x replaces the current best of argMax (kMax) or argMin: strictly better, so ties
// keep the earlier index; NaN counts as the extreme, so the first NaN wins (as NumPy).
template <bool kMax, typename T> RV_HD inline bool better(T x, T best) {
  if constexpr (std::is_floating_point_v<T>) {
    if (best != best) return false;
    if (x != x) return true;
  }
  return kMax ? x > best : x < best;
}

// Steps of cumsum and cumprod (scan.cc): the sum and product accumulators; combine joins the
// totals of two consecutive runs (the GPU scans split rows into runs).
template <typename T> struct CumSum {
  using Acc = WideAcc<T>;
  static RV_HD Acc init() { return Acc(0); }
  static RV_HD Acc step(Acc a, T x) { return a + Acc(x); }
  static RV_HD Acc combine(Acc a, Acc b) { return a + b; }
};

template <typename T> struct CumProd {
  using Acc = WideAcc<T>;
  static RV_HD Acc init() { return Acc(1); }
  static RV_HD Acc step(Acc a, T x) { return a * Acc(x); }
  static RV_HD Acc combine(Acc a, Acc b) { return a * b; }
};

// The input of a reduction as a dense [A, R, B] block starting at `base` (on the input's
// device): A and B the kept elements before and after the reduced ones, R the reduced ones.
// `hold` keeps a copy alive when the layout needed one.
struct Plan {
  Tensor hold;
  const char* base = nullptr;
  int64_t A = 1, R = 1, B = 1;
};
// reduce.cc: the plan of x reduced over the axes in `mask` (a copy only when the reduced axes
// are not one run of a dense layout).
Plan plan_reduction(const Tensor& x, uint32_t mask, const char* what);
// reduce.cc: attributes [keepDims, ...axes], axes distinct and in range; checks the output
// shape and dtype against them. Returns the reduced axes as a bit mask.
uint32_t read_reduction(const KernelCall& c, const Tensor& x);
// arg_reduce.cc: the axis attribute of argMax/argMin, with the output shape and dtype, and
// the axis length (at least 1, at most int32's maximum) checked.
int read_arg_axis(const KernelCall& c, const Tensor& x);
// scan.cc: attributes [axis, exclusive, reverse] of cumsum/cumprod; the output must be like x.
struct ScanAttrs {
  int axis;
  bool exclusive, reverse;
};
ScanAttrs read_scan(const KernelCall& c, const Tensor& x);

#ifndef __CUDACC__  // the vectorised CPU rows below are host code only

#if defined(__GNUC__) || defined(__clang__)
#define RV_REDUCE_INLINE inline __attribute__((always_inline))
#else
#define RV_REDUCE_INLINE inline
#endif

namespace detail {

// Any reducer over n contiguous elements, with 16 independent accumulators (the compiler
// vectorises the unrolled body; the accumulators also hide the add latency).
template <class Red, typename T>
RV_REDUCE_INLINE typename Red::Acc generic_row(const T* __restrict p, int64_t n, T shift) {
  using Acc = typename Red::Acc;
  constexpr int K = 16;
  Acc acc[K];
  for (int k = 0; k < K; k++) acc[k] = Red::init();
  int64_t i = 0;
  for (; i + K <= n; i += K) {
    for (int k = 0; k < K; k++) acc[k] = Red::step(acc[k], p[i + k], shift);
  }
  for (; i < n; i++) acc[0] = Red::step(acc[0], p[i], shift);
  for (int w = K / 2; w > 0; w /= 2) {
    for (int k = 0; k < w; k++) acc[k] = Red::combine(acc[k], acc[k + w]);
  }
  return acc[0];
}

// Float maximum (kMax) or minimum: a plain comparison, which vectorises, with NaNs tracked
// separately; a row holding a NaN is rescanned with the NaN-propagating step.
template <bool kMax, typename T>
RV_REDUCE_INLINE T extreme_row(const T* __restrict p, int64_t n) {
  using Red = std::conditional_t<kMax, Max<T>, Min<T>>;
  constexpr int K = 32;
  T acc[K], nan[K];
  for (int k = 0; k < K; k++) acc[k] = Red::init(), nan[k] = T(0);
  int64_t i = 0;
  for (; i + K <= n; i += K) {
    const T* q = p + i;
    for (int k = 0; k < K; k++) {
      T x = q[k];
      acc[k] = (kMax ? acc[k] < x : x < acc[k]) ? x : acc[k];
      nan[k] = x != x ? x : nan[k];
    }
  }
  bool has_nan = false;
  for (int k = 0; k < K; k++) has_nan |= nan[k] != nan[k];
  if (has_nan) return generic_row<Red>(p, n, T(0));
  T a = acc[0];
  for (int k = 1; k < K; k++) a = Red::combine(a, acc[k]);
  for (; i < n; i++) a = Red::step(a, p[i], T(0));
  return a;
}

// The hot rows, compiled for several instruction sets (the templates above are inlined into
// each clone, so each is vectorised for its ISA).
RV_MULTIVERSION static double sum_f32_row(const float* p, int64_t n) { return generic_row<Sum<float>>(p, n, 0.0f); }
RV_MULTIVERSION static double sum_f64_row(const double* p, int64_t n) { return generic_row<Sum<double>>(p, n, 0.0); }
RV_MULTIVERSION static float max_f32_row(const float* p, int64_t n) { return extreme_row<true>(p, n); }
RV_MULTIVERSION static float min_f32_row(const float* p, int64_t n) { return extreme_row<false>(p, n); }
RV_MULTIVERSION static double max_f64_row(const double* p, int64_t n) { return extreme_row<true>(p, n); }
RV_MULTIVERSION static double min_f64_row(const double* p, int64_t n) { return extreme_row<false>(p, n); }

// Σ exp(x - m) over a float32 row, in double; with `out`, also stores each exp(x - m) there.
// Exps go through a small buffer so both loops are plain and vectorise.
RV_MULTIVERSION static double exp_sum_f32_row(float* out, const float* x, int64_t n, float m) {
  constexpr int64_t kBuf = 256;
  float buf[kBuf];
  double total = 0;
  const double md = m;
  for (int64_t i0 = 0; i0 < n; i0 += kBuf) {
    const int64_t len = n - i0 < kBuf ? n - i0 : kBuf;
    float* __restrict dst = out ? out + i0 : buf;
    const float* __restrict src = x + i0;
    for (int64_t i = 0; i < len; i++) dst[i] = exp_f32(float(double(src[i]) - md));
    total += generic_row<Sum<float>>(dst, len, 0.0f);
  }
  return total;
}

}  // namespace detail

// Reduces n contiguous elements (n may be 0: the reducer's init()).
template <class Red, typename T>
typename Red::Acc reduce_row(const T* p, int64_t n, T shift) {
  if constexpr (std::is_same_v<Red, Sum<float>> || std::is_same_v<Red, Mean<float>>) {
    return detail::sum_f32_row(p, n);
  } else if constexpr (std::is_same_v<Red, Sum<double>> || std::is_same_v<Red, Mean<double>>) {
    return detail::sum_f64_row(p, n);
  } else if constexpr (std::is_same_v<Red, Max<float>>) {
    return detail::max_f32_row(p, n);
  } else if constexpr (std::is_same_v<Red, Min<float>>) {
    return detail::min_f32_row(p, n);
  } else if constexpr (std::is_same_v<Red, Max<double>>) {
    return detail::max_f64_row(p, n);
  } else if constexpr (std::is_same_v<Red, Min<double>>) {
    return detail::min_f64_row(p, n);
  } else if constexpr (std::is_same_v<Red, LogSumExp<float>>) {
    return detail::exp_sum_f32_row(nullptr, p, n, shift);
  } else {
    return detail::generic_row<Red>(p, n, shift);
  }
}

#endif  // __CUDACC__

}  // namespace reduction
}  // namespace rv
