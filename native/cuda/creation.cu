// Creation kernels on a GPU: fill, arange, linspace, eye. The same checks and per-element
// formulas as the CPU kernels (native/kernels/creation.cc, layout.h), so values match bitwise.
#include <limits>

#include "../convert.h"
#include "../kernels/layout.h"
#include "common.cuh"

namespace rv {
namespace {

// convert_value<T, double> (convert.h) on the device, rule for rule: that header's functions
// are host-only. Float to int32 saturates and NaN becomes 0; anything to bool is v != 0.
template <typename T>
__device__ T from_double(double v) {
  if constexpr (std::is_same_v<T, uint8_t>) {
    return v != 0.0;
  } else if constexpr (std::is_same_v<T, int32_t>) {
    if (!(v == v)) return 0;
    if (v >= 2147483647.0) return std::numeric_limits<int32_t>::max();
    if (v <= -2147483648.0) return std::numeric_limits<int32_t>::min();
    return int32_t(v);
  } else {
    return T(v);  // round to nearest, as on the CPU
  }
}

// out[i] = value(i) converted to T. The grid-stride counter is 64-bit (no wrap-around near
// 2^32); value gets the index as Index, uint32_t when it fits (cheaper division in eye).
template <typename T, typename Index, typename F>
__global__ void generate_kernel(int64_t n, T* __restrict__ out, F value) {
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    out[i] = from_double<T>(value(Index(i)));
  }
}

template <typename T>
__global__ void fill_kernel(int64_t n, T* __restrict__ out, T value) {
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    out[i] = value;
  }
}

template <typename F>
void generate(const Tensor& out, F value, const char* what) {
  const int64_t n = out.numel();
  if (n == 0) return;
  cudaStream_t s = cuda::stream(out.device());
  dispatch_all(out.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if (n <= int64_t(UINT32_MAX)) {
      generate_kernel<T, uint32_t><<<cuda::blocks_for(n), cuda::kBlock, 0, s>>>(n, out.ptr<T>(), value);
    } else {
      generate_kernel<T, int64_t><<<cuda::blocks_for(n), cuda::kBlock, 0, s>>>(n, out.ptr<T>(), value);
    }
  });
  cuda::check_launch(what);
}

Tensor fill_gpu(const KernelCall& c) {
  c.expect_inputs(0);
  Tensor out = c.make_output();
  const double v = c.attr(0);
  const int64_t n = out.numel();
  if (n == 0) return out;
  dispatch_all(out.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    // Converted once on the host, as the CPU kernel does.
    fill_kernel<T><<<cuda::blocks_for(n), cuda::kBlock, 0, cuda::stream(c.device)>>>(n, out.ptr<T>(),
                                                                                     convert_value<T, double>(v));
  });
  cuda::check_launch(c.name);
  return out;
}

Tensor arange_gpu(const KernelCall& c) {
  c.expect_inputs(0);
  Tensor out = c.make_output();
  generate(out, arange_value(c), c.name);
  return out;
}

Tensor linspace_gpu(const KernelCall& c) {
  c.expect_inputs(0);
  Tensor out = c.make_output();
  generate(out, linspace_value(c, out.numel()), c.name);
  return out;
}

Tensor eye_gpu(const KernelCall& c) {
  c.expect_inputs(0);
  const EyeValue value = eye_value(c);
  Tensor out = c.make_output();
  generate(out, value, c.name);
  return out;
}

CudaKernelRegistrar cuda_registrations[] = {
    {"fill", fill_gpu},
    {"arange", arange_gpu},
    {"linspace", linspace_gpu},
    {"eye", eye_gpu},
};

}  // namespace
}  // namespace rv
