// fusedProducts on a GPU (the op: kernels/fused_products.cc): the same checks, then one pass
// over X on the skinny kernels (matmul_skinny.h skinny_pair) where both products suit them, else
// Z and R on the matMul kernels and the program between them in a kernel of its own; either way
// the bits of the three steps run one by one. Not yet run on a GPU: graph_products.cc fuses
// products on a GPU only with RANDVAR_GPU_FUSED_PRODUCTS=1 (test/cuda.test.ts checks the bits).
#include "../kernels/fused_products.h"
#include "common.cuh"
#include "matmul_skinny.h"
#include "program_eval.cuh"

namespace rv {
namespace {

// G = the program at every element of Z (contiguous, seen as [rows, cols]): element (a, b) at
// offset a * cols + b of both, the other inputs' strides along a and b in `in`.
template <typename T>
__global__ void __launch_bounds__(cuda::kBlock) program_kernel(const __grid_constant__ fused::Program p,
                                                               const __grid_constant__ fused::ProgramInputs in, const T* __restrict__ z,
                                                               T* __restrict__ g, int64_t n, int64_t cols) {
  for (int64_t o = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; o < n; o += int64_t(gridDim.x) * blockDim.x) {
    const int64_t a = o / cols;
    g[o] = cuda::program_at<T>(p, in, z[o], a, o - a * cols);
  }
}

// Z's stride along X's rows in the one pass: 1 where Z is [c, n] or [n], c where it is [n, c].
int64_t rows_stride(const Tensor& z, int64_t rows) {
  return z.rank() == 2 && z.shape[0] == rows && z.shape[1] != rows ? z.shape[1] : 1;
}

Tensor fused_products_gpu(const KernelCall& c) {
  const products::Call call(c);
  if (call.out.numel() == 0) return call.out;
  const Tensor& z = call.z;
  const bool one_pass = dispatch_float(call.out.dtype, c.name, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const int64_t zi = rows_stride(z, call.first.m >= call.first.n ? call.first.m : call.first.n);
    return cuda::skinny_pair<T>(c.device, call.first, z.ptr<T>(), zi, call.second, call.r.ptr<T>(), call.program,
                                products::program_inputs(call, zi), c.name);
  });
  if (one_pass) return call.out;
  static const Kernel matmul_gpu = cuda_kernel(kernel_index("matMul"));
  copy_into(z, matmul_gpu(call.first_call));
  dispatch_float(call.out.dtype, c.name, [&](auto tag) {
    using T = typename decltype(tag)::type;
    // Element (a, b) of Z at a * cols + b: as an i that moves by whole rows.
    const int64_t cols = z.shape[z.rank() - 1], n = z.numel();
    program_kernel<T><<<cuda::blocks_for(n), cuda::kBlock, 0, cuda::stream(c.device)>>>(
        call.program, products::program_inputs(call, cols), z.ptr<T>(), call.g.ptr<T>(), n, cols);
    cuda::check_launch(c.name);
  });
  copy_into(call.r, matmul_gpu(call.second_call));
  return call.out;
}

CudaKernelRegistrar cuda_registrations[] = {{"fusedProducts", fused_products_gpu}};

}  // namespace
}  // namespace rv
