// Unary elementwise kernels. The op table casts inputs to the kernel's dtype first: math
// functions see float32/float64, sign-like ops also int32; predicates and cast any dtype.
#include <cstdint>
#include <type_traits>

#include "../kernel.h"
#include "elementwise.h"
#include "unary_ops.h"
#include "unary_rows.h"

namespace rv {

using namespace ops;  // the scalar functors (unary_ops.h)

// Contiguous float32 rows compiled for each ISA (the library targets the baseline): the
// branch-free double-based math of fast_math.h vectorises only with AVX2 / AVX-512.
#define RV_F32_ROWS(NAME, OP)                                                                   \
  RV_MULTIVERSION void NAME(float* __restrict o, const float* __restrict a, int64_t n) {        \
    for (int64_t i = 0; i < n; i++) o[i] = OP{}(a[i]);                                         \
  }
RV_F32_ROWS(exp_f32_rows, Exp)
RV_F32_ROWS(log1p_f32_rows, Log1p)
RV_F32_ROWS(softplus_f32_rows, Softplus)
RV_F32_ROWS(log_sigmoid_f32_rows, LogSigmoid)
RV_F32_ROWS(sigmoid_f32_rows, Sigmoid)
#undef RV_F32_ROWS

namespace {

template <typename Op>
Tensor float_unary(const KernelCall& c) {
  Tensor out = same_dtype_unary_output(c);
  const Tensor& x = c.input(0);
  dispatch_float(x.dtype, c.name, [&](auto tag) {
    using T = typename decltype(tag)::type;
    map1<T, T>(out, x, Op{}, contiguous_rows<Op, T>());
  });
  return out;
}

template <typename Op>
Tensor numeric_unary(const KernelCall& c) {
  Tensor out = same_dtype_unary_output(c);
  const Tensor& x = c.input(0);
  dispatch_numeric(x.dtype, c.name, [&](auto tag) {
    using T = typename decltype(tag)::type;
    map1<T, T>(out, x, Op{});
  });
  return out;
}

template <bool kFinite>
Tensor float_predicate(const KernelCall& c) {
  Tensor out = predicate_output(c);
  const Tensor& x = c.input(0);
  dispatch_all(x.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    map1<uint8_t, T>(out, x, FloatPredicate<kFinite, T>{});
  });
  return out;
}

Tensor cast_kernel(const KernelCall& c) {
  Tensor out = cast_output(c);
  const Tensor& x = c.input(0);
  dispatch_all(out.dtype, [&](auto out_tag) {
    using To = typename decltype(out_tag)::type;
    dispatch_all(x.dtype, [&](auto in_tag) {
      using From = typename decltype(in_tag)::type;
      map1<To, From>(out, x, Cast<To, From>{});
    });
  });
  return out;
}

Tensor logical_not_kernel(const KernelCall& c) {
  Tensor out = logical_not_output(c);
  map1<uint8_t, uint8_t>(out, c.input(0), LogicalNot{});
  return out;
}

KernelRegistrar registrations[] = {
    {"neg", numeric_unary<Neg>},
    {"abs", numeric_unary<Abs>},
    {"sign", numeric_unary<Sign>},
    {"square", numeric_unary<Square>},
    {"exp", float_unary<Exp>},
    {"expm1", float_unary<Expm1>},
    {"log", float_unary<Log>},
    {"log1p", float_unary<Log1p>},
    {"sqrt", float_unary<Sqrt>},
    {"rsqrt", float_unary<Rsqrt>},
    {"reciprocal", float_unary<Reciprocal>},
    {"sigmoid", float_unary<Sigmoid>},
    {"logSigmoid", float_unary<LogSigmoid>},
    {"softplus", float_unary<Softplus>},
    {"tanh", float_unary<Tanh>},
    {"sin", float_unary<Sin>},
    {"cos", float_unary<Cos>},
    {"floor", float_unary<Floor>},
    {"ceil", float_unary<Ceil>},
    {"round", float_unary<Round>},
    {"isFinite", float_predicate<true>},
    {"isNaN", float_predicate<false>},
    {"cast", cast_kernel},
    {"logicalNot", logical_not_kernel},
};

}  // namespace
}  // namespace rv
