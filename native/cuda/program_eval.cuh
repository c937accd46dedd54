// A fused program (kernels/fused_ops.h) evaluated one element at a time on the GPU, with every
// opcode the CPU runs, the ternary cross-entropy gradient included: fusedProducts' elementwise
// step (cuda/fused_products.cu). Each instruction is the functor (or kernels/cross_entropy.h
// function) of the op's own GPU kernel, so the bits are those of the ops run one by one. The
// fused kernel's compiled form (fused.cuh) is faster on large tensors; this one serves the few
// values per row of a product.
#pragma once
#include "../kernels/cross_entropy.h"
#include "../kernels/fused_ops.h"
#include "common.cuh"

namespace rv {
namespace cuda {

// Instruction `op` on registers x, y and z (as many as it reads).
template <typename T> __device__ __forceinline__ T apply_instruction(int op, T x, T y, T z) {
  using namespace ops;
  switch (op) {
#define RV_EVAL_UNARY_CASE(NAME, OP) \
  case fused::op_##NAME: return OP{}(x);
    RV_FUSED_UNARY_OPS(RV_EVAL_UNARY_CASE)
#undef RV_EVAL_UNARY_CASE
#define RV_EVAL_BINARY_CASE(NAME, OP) \
  case fused::op_##NAME: return OP{}(x, y);
    RV_FUSED_BINARY_OPS(RV_EVAL_BINARY_CASE)
#undef RV_EVAL_BINARY_CASE
    case fused::op_logLikelihood: return xent::log_likelihood<T>(x, T(1), y, 1.0);
    case fused::op_crossEntropy: return xent::log_likelihood<T>(x, T(1), y, -1.0);
    case fused::op_logLikelihoodGrad: return xent::log_likelihood_grad<T>(x, y, T(1), z, 1.0);
    case fused::op_crossEntropyGrad: return xent::log_likelihood_grad<T>(x, y, T(1), z, -1.0);
    default: return x;  // fused::parse admits no other opcode
  }
}

// The program's value with its inputs in r[0, p.inputs); r has room for every register.
template <typename T> __device__ __forceinline__ T run_program(const fused::Program& p, T* r) {
  for (int j = 0; j < p.instructions; j++) r[p.inputs + j] = apply_instruction<T>(p.op[j], r[p.a[j]], r[p.b[j]], r[p.c[j]]);
  return r[p.inputs + p.instructions - 1];
}

// The program at element (i, s), register 0 being `first`, the others from `in` (fused_ops.h).
template <typename T>
__device__ __forceinline__ T program_at(const fused::Program& p, const fused::ProgramInputs& in, T first, int64_t i, int64_t s) {
  T r[fused::kMaxRegisters];
  r[0] = first;
  for (int k = 0; k < in.count; k++) r[k + 1] = static_cast<const T*>(in.p[k])[i * in.along_i[k] + s * in.along_s[k]];
  return run_program<T>(p, r);
}

}  // namespace cuda
}  // namespace rv
