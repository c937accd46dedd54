// Binary elementwise kernels and where(). Inputs arrive in one common dtype (the op table
// promotes them); comparisons write bool; int32 arithmetic wraps instead of overflowing.
#include <cstdint>

#include "../kernel.h"
#include "binary_ops.h"
#include "elementwise.h"

namespace rv {
namespace {

using namespace ops;  // the scalar functors and checks (binary_ops.h)

template <typename Op, Domain kDomain>
Tensor arithmetic(const KernelCall& c) {
  Tensor out = arithmetic_output(c);
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
  Tensor out = comparison_output(c);
  dispatch_all(c.input(0).dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    map2<uint8_t, T, T>(out, c.input(0), c.input(1), Op{});
  });
  return out;
}

template <typename Op>
Tensor logical(const KernelCall& c) {
  Tensor out = logical_output(c);
  map2<uint8_t, uint8_t, uint8_t>(out, c.input(0), c.input(1), Op{});
  return out;
}

Tensor where_kernel(const KernelCall& c) {
  Tensor out = where_output(c);
  const Tensor &a = c.input(1), &b = c.input(2);
  dispatch_all(a.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    map3<T, uint8_t, T, T>(out, c.input(0), a, b, Where<T>{});
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
