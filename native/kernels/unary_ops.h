// The scalar functions of the unary elementwise kernels and their argument checks, shared by the
// CPU kernels (unary.cc) and the GPU kernels (cuda/elementwise.cu) so both compute with one
// definition. Functors are RV_HD: under nvcc they compile for the device too.
#pragma once
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "../convert.h"
#include "../device.h"
#include "../kernel.h"
#include "fast_math.h"

namespace rv {
namespace ops {

template <typename T> RV_HD inline T exp_of(T x) { return std::exp(x); }
template <> RV_HD inline float exp_of<float>(float x) { return exp_f32(x); }
template <typename T> RV_HD inline T log1p_of(T x) { return std::log1p(x); }
template <> RV_HD inline float log1p_of<float>(float x) { return log1p_f32(x); }

// log(1 + exp(x)) without overflow: exact for large |x|.
template <typename T> RV_HD inline T softplus_of(T x) {
  T m = x > T(0) ? x : T(0);
  return m + std::log1p(std::exp(-std::fabs(x)));
}
template <> RV_HD inline float softplus_of<float>(float x) { return softplus_f32(x); }

#define RV_FLOAT_OP(NAME, EXPR)                                          \
  struct NAME {                                                          \
    template <typename T> RV_HD T operator()(T x) const { return EXPR; } \
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
  template <typename T> RV_HD T operator()(T x) const {
    T e = exp_of<T>(-std::fabs(x));
    return x >= T(0) ? T(1) / (T(1) + e) : e / (T(1) + e);
  }
};

// Ops defined on int32 as well as floats.
struct Neg {
  RV_HD float operator()(float x) const { return -x; }
  RV_HD double operator()(double x) const { return -x; }
  RV_HD int32_t operator()(int32_t x) const { return int32_t(0u - uint32_t(x)); }  // wraps, no UB
};
struct Abs {
  RV_HD float operator()(float x) const { return std::fabs(x); }
  RV_HD double operator()(double x) const { return std::fabs(x); }
  RV_HD int32_t operator()(int32_t x) const { return x < 0 ? int32_t(0u - uint32_t(x)) : x; }
};
struct Sign {
  template <typename T> RV_HD T operator()(T x) const {
    if constexpr (std::is_floating_point_v<T>) {
      if (x != x) return x;
    }
    return T((x > T(0)) - (x < T(0)));
  }
};
struct Square {
  RV_HD float operator()(float x) const { return x * x; }
  RV_HD double operator()(double x) const { return x * x; }
  RV_HD int32_t operator()(int32_t x) const { return int32_t(uint32_t(x) * uint32_t(x)); }
};

// isFinite (kFinite) or isNaN of any dtype, as bool.
template <bool kFinite, typename T> struct FloatPredicate {
  RV_HD uint8_t operator()(T v) const {
    if constexpr (std::is_floating_point_v<T>) {
      return kFinite ? std::isfinite(v) : std::isnan(v);
    }
    (void)v;
    return kFinite ? 1 : 0;  // integers and booleans: always finite, never NaN
  }
};

template <typename To, typename From> struct Cast {
  RV_HD To operator()(From v) const { return convert_value<To, From>(v); }
};

struct LogicalNot {
  RV_HD uint8_t operator()(uint8_t v) const { return v ? 0 : 1; }
};

// Argument checks, each returning the kernel's output on the call's device.

// One input, output of its dtype (the math ops and the int32-capable ones).
inline Tensor same_dtype_unary_output(const KernelCall& c) {
  c.expect_inputs(1);
  Tensor out = c.make_output();
  if (out.dtype != c.input(0).dtype) throw c.fail("output dtype must equal the input dtype");
  return out;
}

// isFinite / isNaN: any input dtype, bool output.
inline Tensor predicate_output(const KernelCall& c) {
  c.expect_inputs(1);
  return empty_tensor(DType::Bool, c.out_shape, c.name, c.device);
}

inline Tensor cast_output(const KernelCall& c) {
  c.expect_inputs(1);
  return c.make_output();
}

inline Tensor logical_not_output(const KernelCall& c) {
  c.expect_inputs(1);
  c.expect_dtype(0, DType::Bool);
  return empty_tensor(DType::Bool, c.out_shape, c.name, c.device);
}

}  // namespace ops
}  // namespace rv
