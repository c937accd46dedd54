// cuBLAS, opened at run time with dlopen: the addon never links it, so it loads (and runs on
// the CPU) where no CUDA library is installed. No cuBLAS header is needed either: the few entry
// points used are declared in cublas.cu from the library's documented C ABI.
//
// Where it is looked for, first match wins: RANDVAR_CUDA_LIB_PATH (a folder, or the library
// file itself); the CUDA toolkit ($CUDA_HOME, $CUDA_PATH, /usr/local/cuda, /usr/local/cuda-*);
// the folders of NVIDIA's pip wheels (nvidia/cublas/lib, nvidia/cu13/lib) under every Python
// prefix in sight (virtualenv, conda, ~/.local, /usr/local, /usr, and the prefix of each PATH
// entry); then the plain sonames libcublas.so.13, .so.12 and .so through the loader's own search.
//
// Plain C++ (no CUDA headers), so the binding may include it. cuda_stub.cc has no cuBLAS.
#pragma once
#include <cstdint>
#include <string>

#include "../tensor.h"

namespace rv {
namespace cuda {

// The cuBLAS file in use, loading it on the first call; null when none could be loaded.
const char* cublas_path();
// Why cuBLAS could not be loaded: the candidates tried and their errors (empty once loaded).
std::string cublas_error();
// cuBLAS's version as "major.minor.patch" (empty when not loaded).
std::string cublas_version();

// C = A·B for contiguous row-major float32 or float64 matrices A [m, k], B [k, n], C [m, n] on
// one GPU, straight into cuBLAS with nothing in between: the reference the matMul benchmark
// measures against. Throws an Error when cuBLAS cannot be loaded or the arguments do not fit.
void gemm_direct(const Tensor& c, const Tensor& a, const Tensor& b);

// ---- For the GPU kernels (matmul.cu, linalg.cu) -----------------------------------------------
// Column-major BLAS calls on the device's stream (cuda::stream), one cuBLAS handle per device.
// Sizes and leading dimensions must fit in an int (fits_int); a failure throws an Error naming
// `what` and the cuBLAS status.

// Whether cuBLAS is loaded (loading it on the first call). Kernels with a fallback ask this.
bool cublas_available();
// Throws an Error naming `what` with cublas_error() unless cuBLAS is loaded.
void require_cublas(const char* what);
inline bool fits_int(int64_t v) { return v >= 0 && v <= int64_t(2147483647); }

// The enum values of cublasOperation_t, cublasFillMode_t and cublasSideMode_t.
enum class Op { N = 0, T = 1 };
enum class Fill { Lower = 0, Upper = 1 };
enum class Side { Left = 0, Right = 1 };

// C (m x n) = alpha op(A) op(B) + beta C.
template <typename T>
void gemm(int device, Op op_a, Op op_b, int64_t m, int64_t n, int64_t k, T alpha, const T* a, int64_t lda, const T* b,
          int64_t ldb, T beta, T* c, int64_t ldc, const char* what);
// `batches` products, operand i of product p at x + p·stride_x (a stride of 0 repeats one).
template <typename T>
void gemm_strided_batched(int device, Op op_a, Op op_b, int64_t m, int64_t n, int64_t k, T alpha, const T* a,
                          int64_t lda, int64_t stride_a, const T* b, int64_t ldb, int64_t stride_b, T beta, T* c,
                          int64_t ldc, int64_t stride_c, int64_t batches, const char* what);
// Solves op(A) X = alpha B (Left) or X op(A) = alpha B (Right) in place of B (m x n); A is
// triangular (its `fill` triangle is read), with a non-unit diagonal.
template <typename T>
void trsm(int device, Side side, Fill fill, Op op_a, int64_t m, int64_t n, T alpha, const T* a, int64_t lda, T* b,
          int64_t ldb, const char* what);
// The `fill` triangle of C (n x n) = alpha op(A) op(A)ᵀ + beta C, with op(A) n x k.
template <typename T>
void syrk(int device, Fill fill, Op op_a, int64_t n, int64_t k, T alpha, const T* a, int64_t lda, T beta, T* c,
          int64_t ldc, const char* what);

}  // namespace cuda
}  // namespace rv
