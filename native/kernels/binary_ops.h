// The scalar functions of the binary elementwise kernels and where(), and their argument
// checks, shared by the CPU kernels (binary.cc) and the GPU kernels (cuda/elementwise.cu).
// int32 arithmetic wraps (through uint32_t) instead of overflowing.
#pragma once
#include <cmath>
#include <cstdint>
#include <string>
#include <type_traits>

#include "../device.h"
#include "../kernel.h"

namespace rv {
namespace ops {

template <typename T> RV_HD inline T wrap_add(T a, T b) {
  if constexpr (std::is_same_v<T, int32_t>) return int32_t(uint32_t(a) + uint32_t(b));
  else return a + b;
}
template <typename T> RV_HD inline T wrap_sub(T a, T b) {
  if constexpr (std::is_same_v<T, int32_t>) return int32_t(uint32_t(a) - uint32_t(b));
  else return a - b;
}
template <typename T> RV_HD inline T wrap_mul(T a, T b) {
  if constexpr (std::is_same_v<T, int32_t>) return int32_t(uint32_t(a) * uint32_t(b));
  else return a * b;
}

// Integer power by squaring; negative exponents truncate toward zero as integer division would.
RV_HD inline int32_t int_pow(int32_t base, int32_t exponent) {
  if (exponent < 0) {
    if (base == 1) return 1;
    if (base == -1) return (exponent & 1) ? -1 : 1;
    return 0;
  }
  uint32_t result = 1, b = uint32_t(base);
  for (uint32_t e = uint32_t(exponent); e; e >>= 1) {
    if (e & 1) result *= b;
    b *= b;
  }
  return int32_t(result);
}

struct Add { template <typename T> RV_HD T operator()(T a, T b) const { return wrap_add(a, b); } };
struct Sub { template <typename T> RV_HD T operator()(T a, T b) const { return wrap_sub(a, b); } };
struct Mul { template <typename T> RV_HD T operator()(T a, T b) const { return wrap_mul(a, b); } };
struct Div { template <typename T> RV_HD T operator()(T a, T b) const { return a / b; } };
struct Pow {
  template <typename T> RV_HD T operator()(T a, T b) const {
    if constexpr (std::is_same_v<T, int32_t>) return int_pow(a, b);
    else return std::pow(a, b);
  }
};
// NaN in either input gives NaN, as NumPy's maximum/minimum.
struct Maximum { template <typename T> RV_HD T operator()(T a, T b) const { return (a > b || a != a) ? a : b; } };
struct Minimum { template <typename T> RV_HD T operator()(T a, T b) const { return (a < b || a != a) ? a : b; } };
struct SquaredDifference {
  template <typename T> RV_HD T operator()(T a, T b) const { T d = wrap_sub(a, b); return wrap_mul(d, d); }
};
struct Atan2 { template <typename T> RV_HD T operator()(T a, T b) const { return std::atan2(a, b); } };

struct Equal { template <typename T> RV_HD uint8_t operator()(T a, T b) const { return a == b; } };
struct NotEqual { template <typename T> RV_HD uint8_t operator()(T a, T b) const { return a != b; } };
struct Less { template <typename T> RV_HD uint8_t operator()(T a, T b) const { return a < b; } };
struct LessEqual { template <typename T> RV_HD uint8_t operator()(T a, T b) const { return a <= b; } };
struct Greater { template <typename T> RV_HD uint8_t operator()(T a, T b) const { return a > b; } };
struct GreaterEqual { template <typename T> RV_HD uint8_t operator()(T a, T b) const { return a >= b; } };

struct LogicalAnd { RV_HD uint8_t operator()(uint8_t a, uint8_t b) const { return a & b; } };
struct LogicalOr { RV_HD uint8_t operator()(uint8_t a, uint8_t b) const { return a | b; } };
struct LogicalXor { RV_HD uint8_t operator()(uint8_t a, uint8_t b) const { return a ^ b; } };

template <typename T> struct Where {
  RV_HD T operator()(uint8_t cond, T x, T y) const { return cond ? x : y; }
};

// Which dtypes an arithmetic op accepts: float32, float64 and int32, or the floats alone.
enum class Domain { Numeric, Float };

// Argument checks, each returning the kernel's output on the call's device.

inline void expect_same_dtype(const KernelCall& c) {
  c.expect_inputs(2);
  if (c.input(0).dtype != c.input(1).dtype) {
    throw c.fail(std::string("inputs have dtypes ") + dtype_name(c.input(0).dtype) + " and " +
                 dtype_name(c.input(1).dtype) + "; the op table must promote them first");
  }
}

// Arithmetic: two inputs of one dtype, output of that dtype (the domain is checked by the
// dtype dispatch that follows).
inline Tensor arithmetic_output(const KernelCall& c) {
  expect_same_dtype(c);
  Tensor out = c.make_output();
  if (out.dtype != c.input(0).dtype) throw c.fail("output dtype must equal the input dtype");
  return out;
}

// Comparisons: two inputs of one dtype, bool output.
inline Tensor comparison_output(const KernelCall& c) {
  expect_same_dtype(c);
  return empty_tensor(DType::Bool, c.out_shape, c.name, c.device);
}

// logicalAnd/Or/Xor: two bool inputs, bool output.
inline Tensor logical_output(const KernelCall& c) {
  c.expect_inputs(2);
  c.expect_dtype(0, DType::Bool);
  c.expect_dtype(1, DType::Bool);
  return empty_tensor(DType::Bool, c.out_shape, c.name, c.device);
}

// where(cond, a, b): a bool condition and two branches of one dtype, output of that dtype.
inline Tensor where_output(const KernelCall& c) {
  c.expect_inputs(3);
  c.expect_dtype(0, DType::Bool);
  const Tensor &a = c.input(1), &b = c.input(2);
  if (a.dtype != b.dtype) throw c.fail("the two branches must have the same dtype");
  return empty_tensor(a.dtype, c.out_shape, c.name, c.device);
}

}  // namespace ops
}  // namespace rv
