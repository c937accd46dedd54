// Binary elementwise kernels and where(). Inputs arrive in one common dtype (the op table
// promotes them); comparisons write bool; int32 arithmetic wraps instead of overflowing.
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "../kernel.h"
#include "elementwise.h"

namespace rv {
namespace {

template <typename T> inline T wrap_add(T a, T b) {
  if constexpr (std::is_same_v<T, int32_t>) return int32_t(uint32_t(a) + uint32_t(b));
  else return a + b;
}
template <typename T> inline T wrap_sub(T a, T b) {
  if constexpr (std::is_same_v<T, int32_t>) return int32_t(uint32_t(a) - uint32_t(b));
  else return a - b;
}
template <typename T> inline T wrap_mul(T a, T b) {
  if constexpr (std::is_same_v<T, int32_t>) return int32_t(uint32_t(a) * uint32_t(b));
  else return a * b;
}

// Integer power by squaring; negative exponents truncate toward zero as integer division would.
inline int32_t int_pow(int32_t base, int32_t exponent) {
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

struct Add { template <typename T> T operator()(T a, T b) const { return wrap_add(a, b); } };
struct Sub { template <typename T> T operator()(T a, T b) const { return wrap_sub(a, b); } };
struct Mul { template <typename T> T operator()(T a, T b) const { return wrap_mul(a, b); } };
struct Div { template <typename T> T operator()(T a, T b) const { return a / b; } };
struct Pow {
  template <typename T> T operator()(T a, T b) const {
    if constexpr (std::is_same_v<T, int32_t>) return int_pow(a, b);
    else return std::pow(a, b);
  }
};
// NaN in either input gives NaN, as NumPy's maximum/minimum.
struct Maximum { template <typename T> T operator()(T a, T b) const { return (a > b || a != a) ? a : b; } };
struct Minimum { template <typename T> T operator()(T a, T b) const { return (a < b || a != a) ? a : b; } };
struct SquaredDifference {
  template <typename T> T operator()(T a, T b) const { T d = wrap_sub(a, b); return wrap_mul(d, d); }
};
struct Atan2 { template <typename T> T operator()(T a, T b) const { return std::atan2(a, b); } };

struct Equal { template <typename T> uint8_t operator()(T a, T b) const { return a == b; } };
struct NotEqual { template <typename T> uint8_t operator()(T a, T b) const { return a != b; } };
struct Less { template <typename T> uint8_t operator()(T a, T b) const { return a < b; } };
struct LessEqual { template <typename T> uint8_t operator()(T a, T b) const { return a <= b; } };
struct Greater { template <typename T> uint8_t operator()(T a, T b) const { return a > b; } };
struct GreaterEqual { template <typename T> uint8_t operator()(T a, T b) const { return a >= b; } };

struct LogicalAnd { uint8_t operator()(uint8_t a, uint8_t b) const { return a & b; } };
struct LogicalOr { uint8_t operator()(uint8_t a, uint8_t b) const { return a | b; } };
struct LogicalXor { uint8_t operator()(uint8_t a, uint8_t b) const { return a ^ b; } };

void expect_same_dtype(const KernelCall& c) {
  c.expect_inputs(2);
  if (c.input(0).dtype != c.input(1).dtype) {
    throw c.fail(std::string("inputs have dtypes ") + dtype_name(c.input(0).dtype) + " and " +
                 dtype_name(c.input(1).dtype) + "; the op table must promote them first");
  }
}

enum class Domain { Numeric, Float };

template <typename Op, Domain kDomain>
Tensor arithmetic(const KernelCall& c) {
  expect_same_dtype(c);
  Tensor out = c.make_output();
  if (out.dtype != c.input(0).dtype) throw c.fail("output dtype must equal the input dtype");
  auto body = [&](auto tag) {
    using T = typename decltype(tag)::type;
    map2<T, T, T>(out, c.input(0), c.input(1), Op{});
  };
  if constexpr (kDomain == Domain::Float) dispatch_float(out.dtype, c.name, body);
  else dispatch_numeric(out.dtype, c.name, body);
  return out;
}

template <typename Op>
Tensor comparison(const KernelCall& c) {
  expect_same_dtype(c);
  Tensor out = empty_tensor(DType::Bool, c.out_shape, c.name);
  dispatch_all(c.input(0).dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    map2<uint8_t, T, T>(out, c.input(0), c.input(1), Op{});
  });
  return out;
}

template <typename Op>
Tensor logical(const KernelCall& c) {
  c.expect_inputs(2);
  c.expect_dtype(0, DType::Bool);
  c.expect_dtype(1, DType::Bool);
  Tensor out = empty_tensor(DType::Bool, c.out_shape, c.name);
  map2<uint8_t, uint8_t, uint8_t>(out, c.input(0), c.input(1), Op{});
  return out;
}

Tensor where_kernel(const KernelCall& c) {
  c.expect_inputs(3);
  c.expect_dtype(0, DType::Bool);
  const Tensor &a = c.input(1), &b = c.input(2);
  if (a.dtype != b.dtype) throw c.fail("the two branches must have the same dtype");
  Tensor out = empty_tensor(a.dtype, c.out_shape, c.name);
  dispatch_all(a.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    map3<T, uint8_t, T, T>(out, c.input(0), a, b, [](uint8_t cond, T x, T y) { return cond ? x : y; });
  });
  return out;
}

KernelRegistrar registrations[] = {
    {"add", arithmetic<Add, Domain::Numeric>},
    {"sub", arithmetic<Sub, Domain::Numeric>},
    {"mul", arithmetic<Mul, Domain::Numeric>},
    {"div", arithmetic<Div, Domain::Float>},
    {"pow", arithmetic<Pow, Domain::Numeric>},
    {"maximum", arithmetic<Maximum, Domain::Numeric>},
    {"minimum", arithmetic<Minimum, Domain::Numeric>},
    {"squaredDifference", arithmetic<SquaredDifference, Domain::Numeric>},
    {"atan2", arithmetic<Atan2, Domain::Float>},
    {"equal", comparison<Equal>},
    {"notEqual", comparison<NotEqual>},
    {"less", comparison<Less>},
    {"lessEqual", comparison<LessEqual>},
    {"greater", comparison<Greater>},
    {"greaterEqual", comparison<GreaterEqual>},
    {"logicalAnd", logical<LogicalAnd>},
    {"logicalOr", logical<LogicalOr>},
    {"logicalXor", logical<LogicalXor>},
    {"where", where_kernel},
};

}  // namespace
}  // namespace rv
