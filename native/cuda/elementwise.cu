// GPU versions of the unary and binary elementwise kernels and where(): the CPU kernels'
// checks and scalar functors (kernels/unary_ops.h, kernels/binary_ops.h) over cuda::map, so
// both devices compute each element with one definition.
#include "../kernels/binary_ops.h"
#include "../kernels/unary_ops.h"
#include "common.cuh"

namespace rv {
namespace {

using namespace ops;

// Op on one element type T (the functors' operator() are templates or overload sets).
template <typename Op, typename T> struct Unary {
  __device__ T operator()(T x) const { return Op{}(x); }
};
template <typename Op, typename Out, typename T> struct Binary {
  __device__ Out operator()(T a, T b) const { return Op{}(a, b); }
};

// ---------------------------------------------------------------------------------------------
// Unary

template <typename Op>
Tensor float_unary_gpu(const KernelCall& c) {
  Tensor out = same_dtype_unary_output(c);
  const Tensor& x = c.input(0);
  dispatch_float(x.dtype, c.name, [&](auto tag) {
    using T = typename decltype(tag)::type;
    cuda::map<T, T>(out, Unary<Op, T>{}, c.name, x);
  });
  return out;
}

template <typename Op>
Tensor numeric_unary_gpu(const KernelCall& c) {
  Tensor out = same_dtype_unary_output(c);
  const Tensor& x = c.input(0);
  dispatch_numeric(x.dtype, c.name, [&](auto tag) {
    using T = typename decltype(tag)::type;
    cuda::map<T, T>(out, Unary<Op, T>{}, c.name, x);
  });
  return out;
}

template <bool kFinite>
Tensor float_predicate_gpu(const KernelCall& c) {
  Tensor out = predicate_output(c);
  const Tensor& x = c.input(0);
  dispatch_all(x.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    cuda::map<uint8_t, T>(out, FloatPredicate<kFinite, T>{}, c.name, x);
  });
  return out;
}

Tensor cast_gpu(const KernelCall& c) {
  Tensor out = cast_output(c);
  const Tensor& x = c.input(0);
  dispatch_all(out.dtype, [&](auto out_tag) {
    using To = typename decltype(out_tag)::type;
    dispatch_all(x.dtype, [&](auto in_tag) {
      using From = typename decltype(in_tag)::type;
      cuda::map<To, From>(out, Cast<To, From>{}, c.name, x);
    });
  });
  return out;
}

Tensor logical_not_gpu(const KernelCall& c) {
  Tensor out = logical_not_output(c);
  cuda::map<uint8_t, uint8_t>(out, LogicalNot{}, c.name, c.input(0));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Binary and where

template <typename Op, Domain kDomain>
Tensor arithmetic_gpu(const KernelCall& c) {
  Tensor out = arithmetic_output(c);
  auto body = [&](auto tag) {
    using T = typename decltype(tag)::type;
    cuda::map<T, T, T>(out, Binary<Op, T, T>{}, c.name, c.input(0), c.input(1));
  };
  if constexpr (kDomain == Domain::Float) dispatch_float(out.dtype, c.name, body);
  else dispatch_numeric(out.dtype, c.name, body);
  return out;
}

template <typename Op>
Tensor comparison_gpu(const KernelCall& c) {
  Tensor out = comparison_output(c);
  dispatch_all(c.input(0).dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    cuda::map<uint8_t, T, T>(out, Binary<Op, uint8_t, T>{}, c.name, c.input(0), c.input(1));
  });
  return out;
}

template <typename Op>
Tensor logical_gpu(const KernelCall& c) {
  Tensor out = logical_output(c);
  cuda::map<uint8_t, uint8_t, uint8_t>(out, Op{}, c.name, c.input(0), c.input(1));
  return out;
}

Tensor where_gpu(const KernelCall& c) {
  Tensor out = where_output(c);
  const Tensor &a = c.input(1), &b = c.input(2);
  dispatch_all(a.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    cuda::map<T, uint8_t, T, T>(out, Where<T>{}, c.name, c.input(0), a, b);
  });
  return out;
}

CudaKernelRegistrar cuda_registrations[] = {
    {"neg", numeric_unary_gpu<Neg>},
    {"abs", numeric_unary_gpu<Abs>},
    {"sign", numeric_unary_gpu<Sign>},
    {"square", numeric_unary_gpu<Square>},
    {"exp", float_unary_gpu<Exp>},
    {"expm1", float_unary_gpu<Expm1>},
    {"log", float_unary_gpu<Log>},
    {"log1p", float_unary_gpu<Log1p>},
    {"sqrt", float_unary_gpu<Sqrt>},
    {"rsqrt", float_unary_gpu<Rsqrt>},
    {"reciprocal", float_unary_gpu<Reciprocal>},
    {"sigmoid", float_unary_gpu<Sigmoid>},
    {"logSigmoid", float_unary_gpu<LogSigmoid>},
    {"softplus", float_unary_gpu<Softplus>},
    {"tanh", float_unary_gpu<Tanh>},
    {"sin", float_unary_gpu<Sin>},
    {"cos", float_unary_gpu<Cos>},
    {"floor", float_unary_gpu<Floor>},
    {"ceil", float_unary_gpu<Ceil>},
    {"round", float_unary_gpu<Round>},
    {"isFinite", float_predicate_gpu<true>},
    {"isNaN", float_predicate_gpu<false>},
    {"cast", cast_gpu},
    {"logicalNot", logical_not_gpu},
    {"add", arithmetic_gpu<Add, Domain::Numeric>},
    {"sub", arithmetic_gpu<Sub, Domain::Numeric>},
    {"mul", arithmetic_gpu<Mul, Domain::Numeric>},
    {"div", arithmetic_gpu<Div, Domain::Float>},
    {"pow", arithmetic_gpu<Pow, Domain::Numeric>},
    {"maximum", arithmetic_gpu<Maximum, Domain::Numeric>},
    {"minimum", arithmetic_gpu<Minimum, Domain::Numeric>},
    {"squaredDifference", arithmetic_gpu<SquaredDifference, Domain::Numeric>},
    {"atan2", arithmetic_gpu<Atan2, Domain::Float>},
    {"equal", comparison_gpu<Equal>},
    {"notEqual", comparison_gpu<NotEqual>},
    {"less", comparison_gpu<Less>},
    {"lessEqual", comparison_gpu<LessEqual>},
    {"greater", comparison_gpu<Greater>},
    {"greaterEqual", comparison_gpu<GreaterEqual>},
    {"logicalAnd", logical_gpu<LogicalAnd>},
    {"logicalOr", logical_gpu<LogicalOr>},
    {"logicalXor", logical_gpu<LogicalXor>},
    {"where", where_gpu},
};

}  // namespace
}  // namespace rv
