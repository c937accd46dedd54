// Special-function kernels: the scalar functions of special_math.h mapped over broadcast,
// strided float32 and float64 tensors. float32 computes in double and rounds once, so its
// results are within an ulp. The op table casts every input to the one float dtype first.
#include <cstdint>
#include <string>

#include "../kernel.h"
#include "../special_math.h"
#include "elementwise.h"

namespace rv {
namespace {

// Parallel chunks for functions costing tens of nanoseconds an element (erf, xlogy) and for
// those costing up to microseconds (the incomplete gamma and beta functions, the inverses).
constexpr int64_t kCheapGrain = 4096;
constexpr int64_t kCostlyGrain = 256;

void expect_float_inputs(const KernelCall& c, size_t n) {
  c.expect_inputs(n);
  const DType d = c.input(0).dtype;
  for (size_t i = 1; i < n; i++) {
    if (c.input(i).dtype != d) {
      throw c.fail(std::string("inputs have dtypes ") + dtype_name(d) + " and " + dtype_name(c.input(i).dtype) +
                   "; the op table must cast them to one float dtype first");
    }
  }
  if (c.out_dtype != d) throw c.fail("output dtype must equal the input dtype");
}

template <double (*F)(double), int64_t kGrain>
Tensor unary(const KernelCall& c) {
  expect_float_inputs(c, 1);
  const Tensor& x = c.input(0);
  c.expect_output_like(x);
  Tensor out = c.make_output();
  dispatch_float(x.dtype, c.name, [&](auto tag) {
    using T = typename decltype(tag)::type;
    map1<T, T>(out, x, [](T v) { return T(F(double(v))); }, nullptr, kGrain);
  });
  return out;
}

template <double (*F)(double, double), int64_t kGrain>
Tensor binary(const KernelCall& c) {
  expect_float_inputs(c, 2);
  Tensor out = c.make_output();
  dispatch_float(out.dtype, c.name, [&](auto tag) {
    using T = typename decltype(tag)::type;
    map2<T, T, T>(out, c.input(0), c.input(1), [](T u, T v) { return T(F(double(u), double(v))); }, kGrain);
  });
  return out;
}

template <double (*F)(double, double, double), int64_t kGrain>
Tensor ternary(const KernelCall& c) {
  expect_float_inputs(c, 3);
  Tensor out = c.make_output();
  dispatch_float(out.dtype, c.name, [&](auto tag) {
    using T = typename decltype(tag)::type;
    map3<T, T, T, T>(out, c.input(0), c.input(1), c.input(2),
                     [](T u, T v, T w) { return T(F(double(u), double(v), double(w))); }, kGrain);
  });
  return out;
}

namespace sp = special;

KernelRegistrar registrations[] = {
    {"lgamma", unary<sp::lgamma, kCheapGrain>},
    {"digamma", unary<sp::digamma, kCheapGrain>},
    {"erf", unary<sp::erf, kCheapGrain>},
    {"erfc", unary<sp::erfc, kCheapGrain>},
    {"erfinv", unary<sp::erfinv, kCostlyGrain>},
    {"ndtri", unary<sp::ndtri, kCostlyGrain>},
    {"log1mexp", unary<sp::log1mexp, kCheapGrain>},
    {"log1pexp", unary<sp::log1pexp, kCheapGrain>},
    {"besselI0e", unary<sp::bessel_i0e, kCheapGrain>},
    {"besselI1e", unary<sp::bessel_i1e, kCheapGrain>},
    {"betaln", binary<sp::betaln, kCostlyGrain>},
    {"igamma", binary<sp::igamma, kCostlyGrain>},
    {"igammac", binary<sp::igammac, kCostlyGrain>},
    {"xlogy", binary<sp::xlogy, kCheapGrain>},
    {"xlog1py", binary<sp::xlog1py, kCheapGrain>},
    {"betainc", ternary<sp::betainc, kCostlyGrain>},
};

}  // namespace
}  // namespace rv
