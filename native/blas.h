// A BLAS found at run time: dlopen, never linked, so one binary runs with or without one.
// Search order: OpenBLAS, BLIS, reference libblas; RANDVAR_BLAS names another library (a path
// or soname), or `builtin` for the built-in kernel. Only cblas_sgemm/cblas_dgemm are used.
#pragma once
#include <atomic>
#include <cstdint>
#include <string>

namespace rv {

// CBLAS enum values (fixed by the CBLAS standard, passed as int like the C enums).
constexpr int kCblasRowMajor = 101;
constexpr int kCblasNoTrans = 111;
constexpr int kCblasTrans = 112;

using SgemmFn = void (*)(int order, int trans_a, int trans_b, int m, int n, int k, float alpha, const float* a,
                         int lda, const float* b, int ldb, float beta, float* c, int ldc);
using DgemmFn = void (*)(int order, int trans_a, int trans_b, int m, int n, int k, double alpha, const double* a,
                         int lda, const double* b, int ldb, double beta, double* c, int ldc);
using SgemvFn = void (*)(int order, int trans, int m, int n, float alpha, const float* a, int lda, const float* x,
                         int incx, float beta, float* y, int incy);
using DgemvFn = void (*)(int order, int trans, int m, int n, double alpha, const double* a, int lda, const double* x,
                         int incx, double beta, double* y, int incy);

struct Blas {
  std::string name;    // OpenBLAS, BLIS or BLAS
  std::string path;    // the file the library was loaded from
  std::string config;  // the library's own description, where it has one
  SgemmFn sgemm = nullptr;
  DgemmFn dgemm = nullptr;
  SgemvFn sgemv = nullptr;  // optional: matrix-vector products use gemm without them
  DgemvFn dgemv = nullptr;
  // The library's thread-count setter, where it has one: OpenBLAS takes an int, BLIS an int64.
  void (*set_threads)(int) = nullptr;
  void (*set_threads_i64)(int64_t) = nullptr;
  mutable std::atomic<int> threads_set{0};

  template <typename T> auto gemm() const {
    if constexpr (sizeof(T) == 4) return sgemm;
    else return dgemm;
  }
  template <typename T> auto gemv() const {
    if constexpr (sizeof(T) == 4) return sgemv;
    else return dgemv;
  }
  // Gives the library our pool's thread count (once per change): it threads its own calls.
  void match_threads() const;
};

// The active BLAS, or null for the built-in kernel. Loads on first use; throws an Error naming
// `what` and RANDVAR_BLAS when that variable names a library that cannot be used. Loaded
// libraries are never closed, so the pointer stays valid.
const Blas* active_blas(const char* what);

// "auto" (search), "builtin", or a library path or soname. Throws, keeping the current choice,
// if the library cannot be loaded or lacks cblas_sgemm/cblas_dgemm.
void select_blas(const char* what, const std::string& mode);

// C = A·B for dense row-major float32 (dtype 0) or float64 (dtype 1) matrices, straight into the
// active BLAS: the reference the matMul benchmark measures against. Throws if none is active.
void blas_gemm_direct(int dtype, int64_t m, int64_t n, int64_t k, const void* a, const void* b, void* c);

// Operands copied to a dense layout before a BLAS call (irregular strides), since start.
int64_t blas_operand_copies();
void count_blas_operand_copy();

// Products run on matMul's skinny kernels (a small side against a long one), since start:
// they are used whatever the BLAS.
int64_t skinny_products();
void count_skinny_product();

}  // namespace rv
