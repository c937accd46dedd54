// Skinny products on a GPU (matmul_skinny.cu): a side of at most 8 rows (or columns) against a
// long operand, read once at memory speed where cuBLAS's gemv and gemm are slow for such
// shapes. The GPU counterpart of the CPU's skinny kernels (kernels/matmul.cc). matmul.cu asks
// here first and keeps cuBLAS (or its tiled kernel) for every other product.
//
// Plain C++ (no CUDA headers), so the binding may include it; cuda_stub.cc has no kernels.
#pragma once
#include <cstdint>

#include "../kernels/fused_ops.h"
#include "../kernels/matmul.h"

namespace rv {
namespace cuda {

// Queues C = A·B (a checked product; C contiguous at `out`, on `device`) on the skinny kernels
// and returns true when the shape and layout suit them; returns false, queuing nothing,
// otherwise. T is float or double, the product's dtype. Errors name `what`.
template <typename T>
bool skinny_product(int device, const matmul::Product& p, T* out, const char* what);

// Queues fusedProducts' one pass (kernels/fused_products.cc) when both checked products suit the
// skinny kernels over the same long operand X: Z = `first` (X's rows against a small side) at z,
// the program of Z and `inputs` at each element (i, s) (i a row of X: the inputs' strides assume
// that Z's offset moves by zi along i), and `second` (those values times X's rows, summed) at
// out, reading X once, with the bits the two products and the program give run one by one.
// Returns false, queuing nothing, otherwise.
template <typename T>
bool skinny_pair(int device, const matmul::Product& first, T* z, int64_t zi, const matmul::Product& second, T* out,
                 const fused::Program& program, const fused::ProgramInputs& inputs, const char* what);

// Products run on the GPU's skinny kernels since start (0 in a build without CUDA).
int64_t skinny_products();

}  // namespace cuda
}  // namespace rv
