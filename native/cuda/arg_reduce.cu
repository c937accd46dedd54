// argMax and argMin along one axis on a GPU, as int32 indices: the reduction kernels
// (reduce.cuh) with a reducer over (value, index) pairs. The pair kept is the best by reduce.h's
// better() (the CPU's rule: NaN is the extreme), ties going to the lower index; that choice is
// the same whatever order pairs meet in, so the parallel result is the CPU's first occurrence.
#include <cstdint>
#include <limits>

#include "reduce.cuh"

namespace rv {
namespace {

using namespace reduction;

template <typename T> struct ArgAcc {
  T value;
  int32_t index;  // R <= int32's maximum (read_arg_axis); the maximum itself marks "no element yet"
};

template <bool kMax, typename T> struct ArgBest {
  using Acc = ArgAcc<T>;
  static constexpr bool kShift = false;
  static constexpr bool kIndexed = true;  // step takes the row index (reduce.cuh's Elements)
  __device__ static Acc init() {
    return {kMax ? Max<T>::init() : Min<T>::init(), std::numeric_limits<int32_t>::max()};
  }
  __device__ static Acc combine(Acc p, Acc q) {
    if (better<kMax>(q.value, p.value)) return q;
    if (better<kMax>(p.value, q.value)) return p;
    return q.index < p.index ? q : p;  // equal (or both NaN): the first occurrence
  }
  __device__ static Acc step(Acc acc, T x, int64_t r) { return combine(acc, Acc{x, int32_t(r)}); }
  __device__ static int32_t finish(Acc acc, int64_t, T) { return acc.index; }
};

template <bool kMax>
Tensor arg_gpu(const KernelCall& c) {
  c.expect_inputs(1);
  const Tensor& x = c.input(0);
  const int axis = read_arg_axis(c, x);
  Tensor out = c.make_output();
  if (out.numel() == 0) return out;
  AxisView v = axis_view(x, axis, c.name);
  dispatch_numeric(x.dtype, c.name, [&](auto tag) {
    using T = typename decltype(tag)::type;
    using Red = ArgBest<kMax, T>;
    cuda::red::reduce<Red, T>(v.x.ptr<T>(), cuda::red::Finish<Red, T, int32_t>{out.ptr<int32_t>(), v.length, v.inner},
                              v.outer, v.length, v.inner, c.device, c.name);
  });
  return out;
}

CudaKernelRegistrar cuda_registrations[] = {
    {"argMax", arg_gpu<true>},
    {"argMin", arg_gpu<false>},
};

}  // namespace
}  // namespace rv
