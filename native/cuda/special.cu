// GPU versions of the special-function kernels: special_math.h's scalar code (RV_HD, the same
// tables) through the CPU kernels' functors and checks (kernels/special_ops.h). float32 computes
// in double and rounds once, as on the CPU. The costly functions (series, continued fractions)
// get one element a thread; their loop counts vary from element to element, so a warp runs as
// long as its slowest lane.
#include "../kernels/special_ops.h"
#include "common.cuh"

namespace rv {
namespace {

using namespace ops;

// Each function compiled once, called from every kernel that maps it (float32 and float64, the
// flat and strided paths, each vector lane): inlined, those copies made this file take minutes
// to compile, and the call costs nothing next to the functions' own work.
template <typename Op, typename... A>
__device__ __noinline__ double evaluate(A... v) {
  return Op{}(v...);
}

// Op on T inputs through double, rounded once to T (ViaDouble with the call kept out of line).
template <typename Op, typename T> struct OnDevice {
  static constexpr bool kComputeBound = ViaDouble<Op, T>::kComputeBound;
  template <typename... A> __device__ T operator()(A... v) const { return T(evaluate<Op>(double(v)...)); }
};

template <typename Op>
Tensor unary_gpu(const KernelCall& c) {
  Tensor out = special_output(c, 1);
  const Tensor& x = c.input(0);
  dispatch_float(x.dtype, c.name, [&](auto tag) {
    using T = typename decltype(tag)::type;
    cuda::map<T, T>(out, OnDevice<Op, T>{}, c.name, x);
  });
  return out;
}

template <typename Op>
Tensor binary_gpu(const KernelCall& c) {
  Tensor out = special_output(c, 2);
  dispatch_float(out.dtype, c.name, [&](auto tag) {
    using T = typename decltype(tag)::type;
    cuda::map<T, T, T>(out, OnDevice<Op, T>{}, c.name, c.input(0), c.input(1));
  });
  return out;
}

template <typename Op>
Tensor ternary_gpu(const KernelCall& c) {
  Tensor out = special_output(c, 3);
  dispatch_float(out.dtype, c.name, [&](auto tag) {
    using T = typename decltype(tag)::type;
    cuda::map<T, T, T, T>(out, OnDevice<Op, T>{}, c.name, c.input(0), c.input(1), c.input(2));
  });
  return out;
}

CudaKernelRegistrar cuda_registrations[] = {
    {"lgamma", unary_gpu<Lgamma>},
    {"digamma", unary_gpu<Digamma>},
    {"erf", unary_gpu<Erf>},
    {"erfc", unary_gpu<Erfc>},
    {"erfinv", unary_gpu<Erfinv>},
    {"ndtri", unary_gpu<Ndtri>},
    {"log1mexp", unary_gpu<Log1mexp>},
    {"log1pexp", unary_gpu<Log1pexp>},
    {"besselI0e", unary_gpu<BesselI0e>},
    {"besselI1e", unary_gpu<BesselI1e>},
    {"betaln", binary_gpu<Betaln>},
    {"igamma", binary_gpu<Igamma>},
    {"igammac", binary_gpu<Igammac>},
    {"xlogy", binary_gpu<Xlogy>},
    {"xlog1py", binary_gpu<Xlog1py>},
    {"betainc", ternary_gpu<Betainc>},
};

}  // namespace
}  // namespace rv
