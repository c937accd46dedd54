// fusedProducts' calls, checked the same way for the CPU kernel (kernels/fused_products.cc) and
// the GPU one (cuda/fused_products.cu). The op, its attributes and its output are described in
// fused_products.cc.
#pragma once
#include <cstdint>
#include <vector>

#include "../kernel.h"
#include "../rounding.h"
#include "fused_ops.h"
#include "matmul.h"

namespace rv {
namespace products {

constexpr int64_t kAlign = 16;  // values: R starts at a multiple of 64 bytes (float32)

// Where R starts in the output: Z's `values` rounded up to kAlign.
inline int64_t padded(int64_t values) { return round_up(values, kAlign); }
constexpr size_t kFixedAttrs = 6;  // [transposeA, transposeB, xIsB] for each product

// A checked call, with its output made on the call's device: Z and R as views of it, G (Z's
// shape) a tensor of its own, and the three steps' calls. Not copyable: the calls point at its
// tensors.
struct Call {
  explicit Call(const KernelCall& c);  // throws c.fail(...) naming what is wrong
  Call(const Call&) = delete;
  Call& operator=(const Call&) = delete;

  Tensor g, out, z, r;
  KernelCall first_call, second_call, program_call;  // Z = first, G = program, R = second
  matmul::Product first, second;
  fused::Program program;
  std::vector<const Tensor*> others;  // the program's inputs after Z (its registers 1...)
};

// The element strides of t (broadcast to Z's shape, t's rank at most Z's) along Z's rows axis i
// and its small axis s, where Z's own strides are zi along i and zs along s.
void broadcast_along(const Tensor& t, const Tensor& z, int64_t zi, int64_t& along_i, int64_t& along_s);

// The program's other inputs (registers 1...) with their strides along i and s, Z's offset moving
// by zi along i: what the CPU's rows and the GPU's kernels read them by.
fused::ProgramInputs program_inputs(const Call& call, int64_t zi);

}  // namespace products
}  // namespace rv
