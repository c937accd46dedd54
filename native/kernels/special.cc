// Special-function kernels: the scalar functions of special_math.h mapped over broadcast,
// strided float32 and float64 tensors. float32 computes in double and rounds once, so its
// results are within an ulp. The op table casts every input to the one float dtype first.
// The functors and checks are in special_ops.h, shared with the GPU kernels.
#include <cstdint>

#include "../kernel.h"
#include "elementwise.h"
#include "special_ops.h"

namespace rv {
namespace {

using namespace ops;

// Parallel chunks for functions costing tens of nanoseconds an element (erf, xlogy) and for
// those costing up to microseconds (the incomplete gamma and beta functions, the inverses).
constexpr int64_t kCheapGrain = 4096;
constexpr int64_t kCostlyGrain = 256;

template <typename Op> constexpr int64_t grain() { return Op::kCostly ? kCostlyGrain : kCheapGrain; }

template <typename Op>
Tensor unary(const KernelCall& c) {
  Tensor out = special_output(c, 1);
  const Tensor& x = c.input(0);
  dispatch_float(x.dtype, c.name, [&](auto tag) {
    using T = typename decltype(tag)::type;
    map1<T, T>(out, x, ViaDouble<Op, T>{}, nullptr, grain<Op>());
  });
  return out;
}

template <typename Op>
Tensor binary(const KernelCall& c) {
  Tensor out = special_output(c, 2);
  dispatch_float(out.dtype, c.name, [&](auto tag) {
    using T = typename decltype(tag)::type;
    map2<T, T, T>(out, c.input(0), c.input(1), ViaDouble<Op, T>{}, grain<Op>());
  });
  return out;
}

template <typename Op>
Tensor ternary(const KernelCall& c) {
  Tensor out = special_output(c, 3);
  dispatch_float(out.dtype, c.name, [&](auto tag) {
    using T = typename decltype(tag)::type;
    map3<T, T, T, T>(out, c.input(0), c.input(1), c.input(2), ViaDouble<Op, T>{}, grain<Op>());
  });
  return out;
}

KernelRegistrar registrations[] = {
    {"lgamma", unary<Lgamma>},
    {"digamma", unary<Digamma>},
    {"erf", unary<Erf>},
    {"erfc", unary<Erfc>},
    {"erfinv", unary<Erfinv>},
    {"ndtri", unary<Ndtri>},
    {"log1mexp", unary<Log1mexp>},
    {"log1pexp", unary<Log1pexp>},
    {"besselI0e", unary<BesselI0e>},
    {"besselI1e", unary<BesselI1e>},
    {"betaln", binary<Betaln>},
    {"igamma", binary<Igamma>},
    {"igammac", binary<Igammac>},
    {"xlogy", binary<Xlogy>},
    {"xlog1py", binary<Xlog1py>},
    {"betainc", ternary<Betainc>},
};

}  // namespace
}  // namespace rv
