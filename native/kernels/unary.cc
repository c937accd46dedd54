// Unary elementwise kernels. The op table casts inputs to the kernel's dtype first: math
// functions see float32/float64, sign-like ops also int32; predicates and cast any dtype.
#include <cmath>
#include <cstdint>
#include <limits>

#include "../convert.h"
#include "../kernel.h"
#include "elementwise.h"
#include "fast_math.h"

namespace rv {
namespace {

template <typename T> inline T exp_of(T x) { return std::exp(x); }
template <> inline float exp_of<float>(float x) { return exp_f32(x); }
template <typename T> inline T log1p_of(T x) { return std::log1p(x); }
template <> inline float log1p_of<float>(float x) { return log1p_f32(x); }

// log(1 + exp(x)) without overflow: exact for large |x|.
template <typename T> inline T softplus_of(T x) {
  T m = x > T(0) ? x : T(0);
  return m + std::log1p(std::exp(-std::fabs(x)));
}
template <> inline float softplus_of<float>(float x) { return softplus_f32(x); }

#define RV_FLOAT_OP(NAME, EXPR)                                          \
  struct NAME {                                                          \
    template <typename T> T operator()(T x) const { return EXPR; }      \
  };

RV_FLOAT_OP(Exp, exp_of<T>(x))
RV_FLOAT_OP(Expm1, std::expm1(x))
RV_FLOAT_OP(Log, std::log(x))
RV_FLOAT_OP(Log1p, log1p_of<T>(x))
RV_FLOAT_OP(Sqrt, std::sqrt(x))
RV_FLOAT_OP(Rsqrt, T(1) / std::sqrt(x))
RV_FLOAT_OP(Reciprocal, T(1) / x)
RV_FLOAT_OP(Softplus, softplus_of<T>(x))
RV_FLOAT_OP(LogSigmoid, -softplus_of<T>(-x))
RV_FLOAT_OP(Tanh, std::tanh(x))
RV_FLOAT_OP(Sin, std::sin(x))
RV_FLOAT_OP(Cos, std::cos(x))
RV_FLOAT_OP(Floor, std::floor(x))
RV_FLOAT_OP(Ceil, std::ceil(x))
RV_FLOAT_OP(Round, std::nearbyint(x))  // halves to even, as TensorFlow
#undef RV_FLOAT_OP

struct Sigmoid {
  // Never exp of a large positive number, so never inf/inf.
  template <typename T> T operator()(T x) const {
    T e = exp_of<T>(-std::fabs(x));
    return x >= T(0) ? T(1) / (T(1) + e) : e / (T(1) + e);
  }
};

// Ops defined on int32 as well as floats.
struct Neg {
  float operator()(float x) const { return -x; }
  double operator()(double x) const { return -x; }
  int32_t operator()(int32_t x) const { return int32_t(0u - uint32_t(x)); }  // wraps, no UB
};
struct Abs {
  float operator()(float x) const { return std::fabs(x); }
  double operator()(double x) const { return std::fabs(x); }
  int32_t operator()(int32_t x) const { return x < 0 ? int32_t(0u - uint32_t(x)) : x; }
};
struct Sign {
  template <typename T> T operator()(T x) const {
    if constexpr (std::is_floating_point_v<T>) {
      if (x != x) return x;
    }
    return T((x > T(0)) - (x < T(0)));
  }
};
struct Square {
  float operator()(float x) const { return x * x; }
  double operator()(double x) const { return x * x; }
  int32_t operator()(int32_t x) const { return int32_t(uint32_t(x) * uint32_t(x)); }
};

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

// A vectorised contiguous routine for (Op, T), where one exists.
template <typename Op, typename T> constexpr void (*contiguous_rows())(T*, const T*, int64_t) {
  if constexpr (!std::is_same_v<T, float>) return nullptr;
  else if constexpr (std::is_same_v<Op, Exp>) return exp_f32_rows;
  else if constexpr (std::is_same_v<Op, Log1p>) return log1p_f32_rows;
  else if constexpr (std::is_same_v<Op, Softplus>) return softplus_f32_rows;
  else if constexpr (std::is_same_v<Op, LogSigmoid>) return log_sigmoid_f32_rows;
  else if constexpr (std::is_same_v<Op, Sigmoid>) return sigmoid_f32_rows;
  else return nullptr;
}

template <typename Op>
Tensor float_unary(const KernelCall& c) {
  c.expect_inputs(1);
  const Tensor& x = c.input(0);
  Tensor out = c.make_output();
  if (out.dtype != x.dtype) throw c.fail("output dtype must equal the input dtype");
  dispatch_float(x.dtype, c.name, [&](auto tag) {
    using T = typename decltype(tag)::type;
    map1<T, T>(out, x, Op{}, contiguous_rows<Op, T>());
  });
  return out;
}

template <typename Op>
Tensor numeric_unary(const KernelCall& c) {
  c.expect_inputs(1);
  const Tensor& x = c.input(0);
  Tensor out = c.make_output();
  if (out.dtype != x.dtype) throw c.fail("output dtype must equal the input dtype");
  dispatch_numeric(x.dtype, c.name, [&](auto tag) {
    using T = typename decltype(tag)::type;
    map1<T, T>(out, x, Op{});
  });
  return out;
}

template <bool kFinite>
Tensor float_predicate(const KernelCall& c) {
  c.expect_inputs(1);
  const Tensor& x = c.input(0);
  Tensor out = empty_tensor(DType::Bool, c.out_shape, c.name);
  dispatch_all(x.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    map1<uint8_t, T>(out, x, [](T v) -> uint8_t {
      if constexpr (std::is_floating_point_v<T>) {
        return kFinite ? std::isfinite(v) : std::isnan(v);
      }
      (void)v;
      return kFinite ? 1 : 0;  // integers and booleans: always finite, never NaN
    });
  });
  return out;
}

Tensor cast_kernel(const KernelCall& c) {
  c.expect_inputs(1);
  const Tensor& x = c.input(0);
  Tensor out = c.make_output();
  dispatch_all(out.dtype, [&](auto out_tag) {
    using To = typename decltype(out_tag)::type;
    dispatch_all(x.dtype, [&](auto in_tag) {
      using From = typename decltype(in_tag)::type;
      map1<To, From>(out, x, [](From v) { return convert_value<To, From>(v); });
    });
  });
  return out;
}

Tensor logical_not_kernel(const KernelCall& c) {
  c.expect_inputs(1);
  c.expect_dtype(0, DType::Bool);
  Tensor out = empty_tensor(DType::Bool, c.out_shape, c.name);
  map1<uint8_t, uint8_t>(out, c.input(0), [](uint8_t v) -> uint8_t { return v ? 0 : 1; });
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
