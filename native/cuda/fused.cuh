// A fused elementwise program on the GPU (kernels/fused_ops.h), element by element in
// registers: for the fused kernel (fused.cu) and as the source of a reduction (fusedSum).
#pragma once
#include "../kernels/fused_ops.h"
#include "common.cuh"

namespace rv {
namespace cuda {

// The program's value at one element, its inputs in r[0, inputs).
template <typename T> __device__ __forceinline__ T evaluate(const fused::Program& p, T (&r)[fused::kMaxRegisters]) {
  for (int j = 0; j < p.instructions; j++) r[p.inputs + j] = fused::apply<T>(p.op[j], r[p.a[j]], r[p.b[j]]);
  return r[p.inputs + p.instructions - 1];
}

// Inputs each contiguous with the output's shape, or one element (bit k of the scalar mask).
template <typename T> struct FlatInputs {
  const T* in[fused::kMaxInputs];
  unsigned scalar_mask;

  __device__ __forceinline__ T value(const fused::Program& p, int64_t i) const {
    T r[fused::kMaxRegisters];
    for (int k = 0; k < p.inputs; k++) r[k] = in[k][((scalar_mask >> k) & 1u) ? 0 : i];
    return evaluate<T>(p, r);
  }
};

// The flat inputs of c for an output of `shape`, or false when some input is neither.
template <typename T> bool flat_inputs(const KernelCall& c, const fused::Program& p, const Dims& shape, FlatInputs<T>& in) {
  Tensor like;  // same_contiguous and single_element read the shape only
  like.shape = shape;
  in = FlatInputs<T>{};
  for (int k = 0; k < p.inputs; k++) {
    const Tensor& x = c.input(size_t(k));
    check_not_disposed(x, c.name);
    in.in[k] = x.ptr<T>();
    if (single_element(like, x) && !same_contiguous(like, x)) in.scalar_mask |= 1u << k;
    else if (!same_contiguous(like, x)) return false;
  }
  return true;
}

}  // namespace cuda
}  // namespace rv
