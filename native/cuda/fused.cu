// The fused elementwise kernel on the GPU (the program: kernels/fused_ops.h): one thread per
// element runs the program in registers with the unfused kernels' functors, so one launch
// replaces one per op (what costs most in the small steps of a sampler) with the same bits.
#include "../kernels/fused_ops.h"
#include "common.cuh"

namespace rv {
namespace {

using fused::kMaxInputs;
using fused::kMaxRegisters;
using fused::Program;

template <typename T> __device__ __forceinline__ T evaluate(const Program& p, T (&r)[kMaxRegisters]) {
  for (int j = 0; j < p.instructions; j++) r[p.inputs + j] = fused::apply<T>(p.op[j], r[p.a[j]], r[p.b[j]]);
  return r[p.inputs + p.instructions - 1];
}

// Every input contiguous with the output's shape, or one element (bit k of scalar_mask).
template <typename T> struct FlatInputs {
  const T* in[kMaxInputs];
};

template <typename T>
__global__ void fused_flat(int64_t n, T* __restrict__ out, FlatInputs<T> in, unsigned scalar_mask, Program p) {
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    T r[kMaxRegisters];
    for (int k = 0; k < p.inputs; k++) r[k] = in.in[k][((scalar_mask >> k) & 1u) ? 0 : i];
    out[i] = evaluate<T>(p, r);
  }
}

template <typename T, typename Index>
__global__ void fused_strided(Index n, cuda::Indexer<kMaxOperands, Index> ix, Program p) {
  for (Index i = Index(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += Index(gridDim.x) * blockDim.x) {
    char* ptr[kMaxOperands];
    ix.offsets(i, ptr);
    T r[kMaxRegisters];
    for (int k = 0; k < p.inputs; k++) r[k] = *reinterpret_cast<const T*>(ptr[k + 1]);
    *reinterpret_cast<T*>(ptr[0]) = evaluate<T>(p, r);
  }
}

// The strided layout of `loop`'s operands; operands past its count read nothing (null, stride 0).
template <typename Index> cuda::Indexer<kMaxOperands, Index> indexer(const StridedLoop& loop, int operands) {
  cuda::Indexer<kMaxOperands, Index> ix;
  ix.ndim = loop.ndim();
  for (int d = 0; d < loop.ndim(); d++) {
    ix.dims[d] = Index(loop.dim(d));
    for (int k = 0; k < kMaxOperands; k++) ix.strides[k][d] = k < operands ? loop.stride(k, d) : 0;
  }
  for (int k = 0; k < kMaxOperands; k++) ix.base[k] = k < operands ? loop.base(k) : nullptr;
  return ix;
}

template <typename T> void launch(const KernelCall& c, const Program& p, const Tensor& out) {
  const int64_t n = out.numel();
  if (n == 0) return;
  cudaStream_t s = cuda::stream(out.device());
  bool flat = out.is_contiguous();
  unsigned scalar_mask = 0;
  FlatInputs<T> in{};
  for (int k = 0; k < p.inputs; k++) {
    const Tensor& x = c.input(size_t(k));
    cuda::check_not_disposed(x, c.name);
    if (cuda::same_contiguous(out, x)) {
      in.in[k] = x.ptr<T>();
    } else if (cuda::single_element(out, x)) {
      in.in[k] = x.ptr<T>();
      scalar_mask |= 1u << k;
    } else {
      flat = false;
    }
  }
  if (flat) {
    fused_flat<T><<<cuda::blocks_for(n), cuda::kBlock, 0, s>>>(n, out.ptr<T>(), in, scalar_mask, p);
  } else {
    const Tensor* operands[kMaxOperands] = {&out};
    for (int k = 0; k < p.inputs; k++) operands[k + 1] = &c.input(size_t(k));
    StridedLoop loop(out.shape, operands, p.inputs + 1, c.name);
    // 32-bit indices only while i + the grid-stride step cannot wrap past 2^32.
    if (n <= int64_t(INT32_MAX)) {
      fused_strided<T, uint32_t><<<cuda::blocks_for(n), cuda::kBlock, 0, s>>>(uint32_t(n), indexer<uint32_t>(loop, p.inputs + 1), p);
    } else {
      fused_strided<T, int64_t><<<cuda::blocks_for(n), cuda::kBlock, 0, s>>>(n, indexer<int64_t>(loop, p.inputs + 1), p);
    }
  }
  cuda::check_launch(c.name);
}

Tensor fused_gpu(const KernelCall& c) {
  const Program p = fused::parse(c);
  Tensor out = c.make_output();
  dispatch_float(out.dtype, c.name, [&](auto tag) { launch<typename decltype(tag)::type>(c, p, out); });
  return out;
}

CudaKernelRegistrar cuda_registration("fused", fused_gpu);

}  // namespace
}  // namespace rv
