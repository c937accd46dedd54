// Reductions over any set of axes (sum, prod, mean, max, min, any, all, logSumExp) and the
// fused softmax and logSoftmax over one axis.
//
// A reduction first plans the input as a dense block [A, R, B]: A and B the kept elements
// before and after the reduced ones, R the reduced ones. A contiguous input (or a transposed,
// or reversed-along-reduced-axes one) whose reduced axes form one run in memory needs no copy;
// any other layout is copied once into [kept..., reduced...] order (B = 1). Then:
//   B == 1: each output reduces one contiguous row, with many independent accumulators so the
//           compiler vectorises; long rows split into fixed-size chunks whose partials combine
//           in order, so results do not depend on the thread count.
//   B  > 1: rows of the input are accumulated into a tile of outputs, walking memory
//           contiguously instead of striding down columns (narrow rows, B < 64, as one run
//           folded over a multiple of B lanes); long R splits into fixed blocks of rows.
// The hottest loops (float sums, max/min, exp-sums) are compiled for several instruction sets
// (reduce.h). float32 sums, products and means accumulate in double; int32 sums and products
// wrap. Partials are fixed by the shape alone, so results do not depend on the thread count.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <vector>

#include "../kernel.h"
#include "../thread_pool.h"
#include "reduce.h"

namespace rv {
namespace {

using namespace reduction;

constexpr int64_t kChunk = 1 << 15;  // elements per partial along a long row (fixed: determinism)
constexpr int64_t kGrain = 1 << 15;  // elements per parallel task, at least
constexpr int64_t kTile = 512;       // outputs accumulated together when B > 1
constexpr int64_t kBlock = 1 << 16;  // elements per partial tile when B > 1 and R is long

// out[a] = reduce(x[a, 0:R]) for a dense [A, R] block.
template <class Red, typename T>
void reduce_rows(const T* x, int64_t A, int64_t R, T* out, const T* shift) {
  using Acc = typename Red::Acc;
  auto shift_of = [shift](int64_t a) { return Red::kShift ? shift[a] : T(0); };
  if (R <= kChunk) {
    int64_t grain = std::max<int64_t>(1, kGrain / std::max<int64_t>(R, 1));
    parallel_for(A, grain, [&](int64_t begin, int64_t end) {
      for (int64_t a = begin; a < end; a++) {
        T s = shift_of(a);
        out[a] = Red::finish(reduce_row<Red>(x + a * R, R, s), R, s);
      }
    });
    return;
  }
  const int64_t chunks = (R + kChunk - 1) / kChunk;
  std::vector<Acc> partial(size_t(A * chunks));
  parallel_for(A * chunks, 1, [&](int64_t begin, int64_t end) {
    for (int64_t item = begin; item < end; item++) {
      int64_t a = item / chunks, start = (item % chunks) * kChunk;
      partial[size_t(item)] = reduce_row<Red>(x + a * R + start, std::min(kChunk, R - start), shift_of(a));
    }
  });
  for (int64_t a = 0; a < A; a++) {
    Acc acc = partial[size_t(a * chunks)];
    for (int64_t k = 1; k < chunks; k++) acc = Red::combine(acc, partial[size_t(a * chunks + k)]);
    out[a] = Red::finish(acc, R, shift_of(a));
  }
}

// acc[j] (j < w) accumulates p[r * stride + j] for r < rows, in order of r; then the first
// `tail` lanes take one more partial row. Four rows per pass: a quarter of the accumulator
// traffic. `shift` is per lane (logSumExp only).
template <class Red, typename T>
RV_REDUCE_INLINE void accumulate_rows_impl(const T* p, int64_t stride, int64_t w, int64_t rows, int64_t tail, const T* shift,
                                    typename Red::Acc* __restrict acc) {
  auto shift_at = [shift](int64_t j) { return Red::kShift ? shift[j] : T(0); };
  for (int64_t j = 0; j < w; j++) acc[j] = Red::init();
  int64_t r = 0;
  for (; r + 4 <= rows; r += 4) {
    const T* __restrict q0 = p + r * stride;
    const T* __restrict q1 = q0 + stride;
    const T* __restrict q2 = q1 + stride;
    const T* __restrict q3 = q2 + stride;
    for (int64_t j = 0; j < w; j++) {
      T sj = shift_at(j);
      acc[j] = Red::step(Red::step(Red::step(Red::step(acc[j], q0[j], sj), q1[j], sj), q2[j], sj), q3[j], sj);
    }
  }
  for (; r < rows; r++) {
    const T* __restrict q = p + r * stride;
    for (int64_t j = 0; j < w; j++) acc[j] = Red::step(acc[j], q[j], shift_at(j));
  }
  const T* __restrict q = p + rows * stride;
  for (int64_t j = 0; j < tail; j++) acc[j] = Red::step(acc[j], q[j], shift_at(j));
}

// Sums over leading axes (a bias gradient, a batch mean), compiled for several ISAs.
RV_MULTIVERSION void sum_f32_columns(const float* p, int64_t stride, int64_t w, int64_t rows, int64_t tail, double* acc) {
  accumulate_rows_impl<Sum<float>>(p, stride, w, rows, tail, static_cast<const float*>(nullptr), acc);
}
RV_MULTIVERSION void sum_f64_columns(const double* p, int64_t stride, int64_t w, int64_t rows, int64_t tail, double* acc) {
  accumulate_rows_impl<Sum<double>>(p, stride, w, rows, tail, static_cast<const double*>(nullptr), acc);
}

template <class Red, typename T>
void accumulate_rows(const T* p, int64_t stride, int64_t w, int64_t rows, int64_t tail, const T* shift,
                     typename Red::Acc* __restrict acc) {
  if constexpr (std::is_same_v<Red, Sum<float>> || std::is_same_v<Red, Mean<float>>) {
    sum_f32_columns(p, stride, w, rows, tail, acc);
  } else if constexpr (std::is_same_v<Red, Sum<double>> || std::is_same_v<Red, Mean<double>>) {
    sum_f64_columns(p, stride, w, rows, tail, acc);
  } else {
    accumulate_rows_impl<Red>(p, stride, w, rows, tail, shift, acc);
  }
}

// Narrow rows (B < kLanes) are reduced as one contiguous run with L = a multiple of B lanes,
// so the inner loop is long enough to vectorise; lane k holds column k % B.
constexpr int64_t kLanes = 64;

// Accumulates rows [r0, r1) of x[a, :, b0:b0+w] (row stride B) into acc[0:w].
template <class Red, typename T>
void accumulate_tile(const T* x, int64_t R, int64_t B, int64_t a, int64_t b0, int64_t w, int64_t r0, int64_t r1,
                     const T* shift, typename Red::Acc* __restrict acc) {
  using Acc = typename Red::Acc;
  const T* s = Red::kShift ? shift + a * B + b0 : nullptr;
  const T* p = x + (a * R + r0) * B + b0;
  if (w == B && B < kLanes) {
    const int64_t L = B * ((kLanes + B - 1) / B), len = (r1 - r0) * B;
    Acc lanes[2 * kLanes];
    T lane_shift[2 * kLanes];
    if constexpr (Red::kShift) {
      for (int64_t k = 0; k < L; k++) lane_shift[k] = s[k % B];
    }
    accumulate_rows<Red>(p, L, L, len / L, len % L, lane_shift, lanes);
    for (int64_t j = 0; j < B; j++) {
      Acc v = lanes[j];
      for (int64_t k = j + B; k < L; k += B) v = Red::combine(v, lanes[k]);
      acc[j] = v;
    }
    return;
  }
  accumulate_rows<Red>(p, B, w, r1 - r0, 0, s, acc);
}

// out[a, b] = reduce over r of x[a, r, b] for a dense [A, R, B] block, B > 1.
template <class Red, typename T>
void reduce_columns(const T* x, int64_t A, int64_t R, int64_t B, T* out, const T* shift) {
  using Acc = typename Red::Acc;
  const int64_t tile = std::min(B, kTile);
  const int64_t tiles = (B + tile - 1) / tile;
  auto shift_of = [shift](int64_t i) { return Red::kShift ? shift[i] : T(0); };
  // Rows per partial: fixed by the shape alone, so results do not depend on the thread count.
  const int64_t block_rows = std::max<int64_t>(16, kBlock / tile);
  if (R <= block_rows) {
    int64_t grain = std::max<int64_t>(1, kGrain / (tile * std::max<int64_t>(R, 1)));
    parallel_for(A * tiles, grain, [&](int64_t begin, int64_t end) {
      Acc acc[kTile];
      for (int64_t item = begin; item < end; item++) {
        int64_t a = item / tiles, b0 = (item % tiles) * tile, w = std::min(tile, B - b0);
        accumulate_tile<Red>(x, R, B, a, b0, w, 0, R, shift, acc);
        T* o = out + a * B + b0;
        for (int64_t j = 0; j < w; j++) o[j] = Red::finish(acc[j], R, shift_of(a * B + b0 + j));
      }
    });
    return;
  }
  // Long R: fixed blocks of rows give partial tiles, combined in order.
  const int64_t blocks = (R + block_rows - 1) / block_rows;
  std::vector<Acc> partial(size_t(A * tiles * blocks * tile));
  int64_t grain = std::max<int64_t>(1, kGrain / (tile * block_rows));
  parallel_for(A * tiles * blocks, grain, [&](int64_t begin, int64_t end) {
    for (int64_t item = begin; item < end; item++) {
      int64_t block = item % blocks, at = item / blocks;
      int64_t a = at / tiles, b0 = (at % tiles) * tile, w = std::min(tile, B - b0);
      int64_t r0 = block * block_rows, r1 = std::min(R, r0 + block_rows);
      accumulate_tile<Red>(x, R, B, a, b0, w, r0, r1, shift, partial.data() + item * tile);
    }
  });
  parallel_for(A * tiles, std::max<int64_t>(1, kGrain / (tile * blocks)), [&](int64_t begin, int64_t end) {
    for (int64_t at = begin; at < end; at++) {
      int64_t a = at / tiles, b0 = (at % tiles) * tile, w = std::min(tile, B - b0);
      Acc* first = partial.data() + at * blocks * tile;
      for (int64_t block = 1; block < blocks; block++) {
        const Acc* p = first + block * tile;
        for (int64_t j = 0; j < w; j++) first[j] = Red::combine(first[j], p[j]);
      }
      T* o = out + a * B + b0;
      for (int64_t j = 0; j < w; j++) o[j] = Red::finish(first[j], R, shift_of(a * B + b0 + j));
    }
  });
}

}  // namespace

// plan_reduction and read_reduction are the GPU kernels' too (reduce.h).
namespace reduction {

Plan plan_reduction(const Tensor& x, uint32_t mask, const char* what) {
  Plan plan;
  if (x.numel() == 0) {
    plan.R = 0;
    for (int d = 0; d < x.rank(); d++) {
      if (!(mask >> d & 1)) plan.A *= x.shape[d];
    }
    return plan;
  }
  struct Dim {
    int64_t size, stride;
    bool reduced;
    int axis;
  };
  Dim dims[kMaxRank];
  int n = 0;
  int64_t offset = 0;
  bool direct = true;
  for (int d = 0; d < x.rank(); d++) {
    if (x.shape[d] == 1) continue;
    Dim dim{x.shape[d], x.strides[d], bool(mask >> d & 1), d};
    // Reversing a reduced axis does not change the result.
    if (dim.stride < 0 && dim.reduced) {
      offset += (dim.size - 1) * dim.stride;
      dim.stride = -dim.stride;
    }
    if (dim.stride <= 0) direct = false;
    dims[n++] = dim;
  }
  if (direct) {
    // Memory order: strides descending (insertion sort keeps ties stable).
    for (int i = 1; i < n; i++) {
      Dim d = dims[i];
      int j = i;
      for (; j > 0 && dims[j - 1].stride < d.stride; j--) dims[j] = dims[j - 1];
      dims[j] = d;
    }
    int64_t expected = 1;
    for (int i = n - 1; i >= 0 && direct; i--) {
      direct = dims[i].stride == expected;
      expected *= dims[i].size;
    }
    // Kept axes must be in logical order (so the output is written contiguously), and the
    // reduced axes one run: the pattern kept*, reduced*, kept*.
    int last_kept = -1, phase = 0;  // 0: before the reduced run, 1: inside, 2: after
    int64_t A = 1, R = 1, B = 1;
    for (int i = 0; i < n && direct; i++) {
      if (dims[i].reduced) {
        if (phase == 2) direct = false;
        phase = 1;
        R *= dims[i].size;
      } else {
        if (dims[i].axis < last_kept) direct = false;
        last_kept = dims[i].axis;
        if (phase == 1) phase = 2;
        (phase == 0 ? A : B) *= dims[i].size;
      }
    }
    if (direct) {
      plan.base = x.data() + offset * int64_t(itemsize(x.dtype));
      plan.A = A;
      plan.R = R;
      plan.B = B;
      return plan;
    }
  }
  // Copy once into [kept..., reduced...] order.
  Dims shape, strides;
  int64_t A = 1, R = 1;
  for (int pass = 0; pass < 2; pass++) {
    for (int d = 0; d < x.rank(); d++) {
      bool reduced = mask >> d & 1;
      if (reduced != (pass == 1)) continue;
      shape.push_back(x.shape[d], what);
      strides.push_back(x.strides[d], what);
      (reduced ? R : A) *= x.shape[d];
    }
  }
  plan.hold = empty_tensor(x.dtype, shape, what, x.device());
  copy_into(plan.hold, make_view(x, shape, strides, x.offset));
  plan.base = plan.hold.data();
  plan.A = A;
  plan.R = R;
  plan.B = 1;
  return plan;
}

}  // namespace reduction

namespace {

template <class Red, typename T>
void run_plan(const Plan& p, T* out, const T* shift) {
  const T* x = reinterpret_cast<const T*>(p.base);
  if (p.B == 1) reduce_rows<Red>(x, p.A, p.R, out, shift);
  else reduce_columns<Red>(x, p.A, p.R, p.B, out, shift);
}

}  // namespace

namespace reduction {

uint32_t read_reduction(const KernelCall& c, const Tensor& x) {
  bool keep = c.attr_int(0, 0, 1) == 1;
  uint32_t mask = 0;
  for (size_t i = 1; i < c.attrs.size(); i++) {
    int64_t axis = c.attr_int(i, 0, std::max(0, x.rank() - 1));
    if (x.rank() == 0) throw c.fail("a scalar has no axis to reduce");
    if (mask >> axis & 1) throw c.fail("axis " + std::to_string(axis) + " is repeated");
    mask |= uint32_t(1) << axis;
  }
  Dims expected;
  for (int d = 0; d < x.rank(); d++) {
    if (!(mask >> d & 1)) expected.push_back(x.shape[d], c.name);
    else if (keep) expected.push_back(1, c.name);
  }
  bool same = expected.n == c.out_shape.n;
  for (int d = 0; same && d < expected.n; d++) same = expected[d] == c.out_shape[d];
  if (!same) {
    throw c.fail("output shape " + c.out_shape.to_string() + " does not match input shape " + x.shape.to_string() +
                 " reduced as given (expected " + expected.to_string() + ")");
  }
  if (c.out_dtype != x.dtype) throw c.fail("output dtype must equal the input dtype");
  return mask;
}

}  // namespace reduction

namespace {

enum class Domain { Numeric, Float, Bool };

template <template <typename> class Red, Domain kDomain>
Tensor reduce_kernel(const KernelCall& c) {
  c.expect_inputs(1);
  if constexpr (kDomain == Domain::Bool) c.expect_dtype(0, DType::Bool);
  const Tensor& x = c.input(0);
  uint32_t mask = read_reduction(c, x);
  Tensor out = c.make_output();
  if (out.numel() == 0) return out;
  Plan plan = plan_reduction(x, mask, c.name);
  auto body = [&](auto tag) {
    using T = typename decltype(tag)::type;
    run_plan<Red<T>>(plan, out.ptr<T>(), static_cast<const T*>(nullptr));
  };
  if constexpr (kDomain == Domain::Float) dispatch_float(x.dtype, c.name, body);
  else if constexpr (kDomain == Domain::Bool) body(Tag<uint8_t>{});
  else dispatch_numeric(x.dtype, c.name, body);
  return out;
}

Tensor log_sum_exp_kernel(const KernelCall& c) {
  c.expect_inputs(1);
  const Tensor& x = c.input(0);
  uint32_t mask = read_reduction(c, x);
  Tensor out = c.make_output();
  if (out.numel() == 0) return out;
  Plan plan = plan_reduction(x, mask, c.name);
  dispatch_float(x.dtype, c.name, [&](auto tag) {
    using T = typename decltype(tag)::type;
    std::vector<T> max(size_t(out.numel()));
    run_plan<Max<T>>(plan, max.data(), static_cast<const T*>(nullptr));
    run_plan<LogSumExp<T>>(plan, out.ptr<T>(), max.data());
  });
  return out;
}

// softmax / logSoftmax along one axis, fused: the maximum, Σ exp(x - max), then the output.
// A row whose maximum is -inf (every entry -inf), +inf or NaN gives NaN; -inf entries in an
// otherwise finite row give exactly 0 (softmax) and -inf (logSoftmax).
// e[j] = exp(x[j] - m[j]) for float32, compiled for several ISAs.
RV_MULTIVERSION void exp_shifted_f32_columns(float* __restrict e, const float* __restrict x, const float* __restrict m,
                                             int64_t w) {
  for (int64_t j = 0; j < w; j++) e[j] = exp_f32(float(double(x[j]) - double(m[j])));
}

// One contiguous row.
template <bool kLog, typename T>
void softmax_row(const T* x, T* out, int64_t n) {
  const T m = reduce_row<Max<T>>(x, n, T(0));
  double sum;
  if constexpr (std::is_same_v<T, float>) {
    sum = detail::exp_sum_f32_row(kLog ? nullptr : out, x, n, m);
  } else {
    sum = 0;
    for (int64_t r = 0; r < n; r++) {
      double e = exp_shifted(x[r], m);
      if constexpr (!kLog) out[r] = e;
      sum += e;
    }
  }
  if constexpr (kLog) {
    const double ls = std::log(sum);
    for (int64_t r = 0; r < n; r++) out[r] = T((double(x[r]) - double(m)) - ls);
  } else {
    const double inv = 1.0 / sum;
    for (int64_t r = 0; r < n; r++) out[r] = T(double(out[r]) * inv);
  }
}

template <bool kLog, typename T>
void softmax_rows(const T* x, T* out, int64_t A, int64_t R, int64_t B) {
  const int64_t tile = std::min(B, kTile);
  const int64_t tiles = (B + tile - 1) / tile;
  int64_t grain = std::max<int64_t>(1, kGrain / std::max<int64_t>(R * tile, 1));
  parallel_for(A * tiles, grain, [&](int64_t begin, int64_t end) {
    T m[kTile];
    double s[kTile];
    float buf[kTile];
    for (int64_t item = begin; item < end; item++) {
      int64_t a = item / tiles, b0 = (item % tiles) * tile, w = std::min(tile, B - b0);
      const T* xa = x + a * R * B + b0;
      T* oa = out + a * R * B + b0;
      if (B == 1) {
        softmax_row<kLog>(xa, oa, R);
        continue;
      }
      for (int64_t j = 0; j < w; j++) m[j] = Max<T>::init(), s[j] = 0;
      for (int64_t r = 0; r < R; r++) {
        const T* row = xa + r * B;
        for (int64_t j = 0; j < w; j++) m[j] = Max<T>::step(m[j], row[j], T(0));
      }
      for (int64_t r = 0; r < R; r++) {
        const T* row = xa + r * B;
        T* orow = oa + r * B;
        if constexpr (std::is_same_v<T, float>) {
          // Vectorised: exps into the output row (or a buffer), then added to the sums.
          float* e = kLog ? buf : orow;
          exp_shifted_f32_columns(e, row, m, w);
          for (int64_t j = 0; j < w; j++) s[j] += double(e[j]);
        } else {
          for (int64_t j = 0; j < w; j++) {
            double e = exp_shifted(row[j], m[j]);
            if constexpr (!kLog) orow[j] = T(e);
            s[j] += e;
          }
        }
      }
      if constexpr (kLog) {
        for (int64_t j = 0; j < w; j++) s[j] = std::log(s[j]);
        for (int64_t r = 0; r < R; r++) {
          const T* row = xa + r * B;
          T* orow = oa + r * B;
          for (int64_t j = 0; j < w; j++) orow[j] = T((double(row[j]) - double(m[j])) - s[j]);
        }
      } else {
        for (int64_t j = 0; j < w; j++) s[j] = 1.0 / s[j];
        for (int64_t r = 0; r < R; r++) {
          T* orow = oa + r * B;
          for (int64_t j = 0; j < w; j++) orow[j] = T(double(orow[j]) * s[j]);
        }
      }
    }
  });
}

template <bool kLog>
Tensor softmax_kernel(const KernelCall& c) {
  c.expect_inputs(1);
  const Tensor& x = c.input(0);
  int axis = c.axis_attr(0, x);
  c.expect_output_like(x);
  Tensor out = c.make_output();
  if (out.numel() == 0) return out;
  AxisView v = axis_view(x, axis, c.name);
  dispatch_float(x.dtype, c.name, [&](auto tag) {
    using T = typename decltype(tag)::type;
    softmax_rows<kLog, T>(v.x.ptr<T>(), out.ptr<T>(), v.outer, v.length, v.inner);
  });
  return out;
}

KernelRegistrar registrations[] = {
    {"sum", reduce_kernel<Sum, Domain::Numeric>},
    {"prod", reduce_kernel<Prod, Domain::Numeric>},
    {"mean", reduce_kernel<Mean, Domain::Float>},
    {"max", reduce_kernel<Max, Domain::Numeric>},
    {"min", reduce_kernel<Min, Domain::Numeric>},
    {"any", reduce_kernel<Any, Domain::Bool>},
    {"all", reduce_kernel<All, Domain::Bool>},
    {"logSumExp", log_sum_exp_kernel},
    {"softmax", softmax_kernel<false>},
    {"logSoftmax", softmax_kernel<true>},
};

}  // namespace
}  // namespace rv
