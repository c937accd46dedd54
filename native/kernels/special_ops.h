// The special-function kernels' scalar functors and argument checks, shared by the CPU kernels
// (special.cc) and the GPU kernels (cuda/special.cu): each functor calls the one definition in
// special_math.h. float32 computes in double and rounds once.
#pragma once
#include <cstdint>
#include <string>

#include "../device.h"
#include "../kernel.h"
#include "../special_math.h"

namespace rv {
namespace ops {

// kCostly: up to microseconds an element (series, continued fractions, Newton steps) rather than
// tens of nanoseconds; the CPU splits such work into smaller parallel chunks, and the GPU map
// gives each element its own thread.
#define RV_SPECIAL_OP(NAME, FN, COSTLY, ...)                                                  \
  struct NAME {                                                                              \
    static constexpr bool kCostly = COSTLY;                                                  \
    RV_HD double operator()(__VA_ARGS__) const { return FN; }                                \
  };

RV_SPECIAL_OP(Lgamma, special::lgamma(x), false, double x)
RV_SPECIAL_OP(Digamma, special::digamma(x), false, double x)
RV_SPECIAL_OP(Erf, special::erf(x), false, double x)
RV_SPECIAL_OP(Erfc, special::erfc(x), false, double x)
RV_SPECIAL_OP(Erfinv, special::erfinv(x), true, double x)
RV_SPECIAL_OP(Ndtri, special::ndtri(x), true, double x)
RV_SPECIAL_OP(Log1mexp, special::log1mexp(x), false, double x)
RV_SPECIAL_OP(Log1pexp, special::log1pexp(x), false, double x)
RV_SPECIAL_OP(BesselI0e, special::bessel_i0e(x), false, double x)
RV_SPECIAL_OP(BesselI1e, special::bessel_i1e(x), false, double x)
RV_SPECIAL_OP(Betaln, special::betaln(a, b), true, double a, double b)
RV_SPECIAL_OP(Igamma, special::igamma(a, x), true, double a, double x)
RV_SPECIAL_OP(Igammac, special::igammac(a, x), true, double a, double x)
RV_SPECIAL_OP(Xlogy, special::xlogy(x, y), false, double x, double y)
RV_SPECIAL_OP(Xlog1py, special::xlog1py(x, y), false, double x, double y)
RV_SPECIAL_OP(Betainc, special::betainc(a, b, x), true, double a, double b, double x)
#undef RV_SPECIAL_OP

// Op on T inputs (float32 or float64) through double, rounded once to T.
// kComputeBound tells the GPU map that loads are not the bottleneck (one element a thread).
template <typename Op, typename T> struct ViaDouble {
  static constexpr bool kComputeBound = Op::kCostly;
  template <typename... A> RV_HD T operator()(A... v) const { return T(Op{}(double(v)...)); }
};

// n inputs of one float dtype, the output of that dtype; a unary op's output keeps its shape.
inline Tensor special_output(const KernelCall& c, size_t n) {
  c.expect_inputs(n);
  const DType d = c.input(0).dtype;
  for (size_t i = 1; i < n; i++) {
    if (c.input(i).dtype != d) {
      throw c.fail(std::string("inputs have dtypes ") + dtype_name(d) + " and " + dtype_name(c.input(i).dtype) +
                   "; the op table must cast them to one float dtype first");
    }
  }
  if (c.out_dtype != d) throw c.fail("output dtype must equal the input dtype");
  if (n == 1) c.expect_output_like(c.input(0));
  return c.make_output();
}

}  // namespace ops
}  // namespace rv
