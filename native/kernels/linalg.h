// The dense linear-algebra core shared by the linalg kernels: a packed, register-blocked
// "C -= A·B" update and the blocked factorisations and solves built on it. Everything works on
// strided matrix operands (strides in elements, any sign), so transposes and reversed views
// cost nothing. The op kernels (linalg.cc) handle batches, broadcasting and validation.
#pragma once
#include <cstdint>

namespace rv {
namespace linalg {

// A matrix operand: element (i, j) at p[i * rs + j * cs].
template <typename T>
struct Mat {
  T* p;
  int64_t rs, cs;
  T& operator()(int64_t i, int64_t j) const { return p[i * rs + j * cs]; }
  Mat block(int64_t i, int64_t j) const { return {p + i * rs + j * cs, rs, cs}; }
  Mat t() const { return {p, cs, rs}; }
  // The matrix with rows and columns in reverse order (of an n x n block): an upper
  // triangular matrix seen this way is lower triangular.
  Mat reversed(int64_t rows, int64_t cols) const { return {p + (rows - 1) * rs + (cols - 1) * cs, -rs, -cs}; }
};

// Which entries of C an update must produce; others may be overwritten with anything.
enum class Part { All, Lower, Upper };

// C[m x n] -= A[m x k] · B[k x n]. C should have a unit stride (the other may be negative);
// the fast path needs it. (A later change may send large updates to a BLAS.)
template <typename T>
void gemm_sub(int64_t m, int64_t n, int64_t k, Mat<T> a, Mat<T> b, Mat<T> c, Part part);

// In-place Cholesky factor of the n x n matrix at a (row stride lda, unit column stride):
// reads the lower triangle, leaves L there and overwrites the strict upper triangle with
// scratch. Returns -1, or the index of the first pivot that is not positive (NaN included),
// with its value in *pivot; the factor is then incomplete.
template <typename T>
int64_t cholesky_in_place(int64_t n, T* a, int64_t lda, T* pivot);

// Solves T X = B in place (X holds B on entry): T is M x M, lower triangular if `lower`
// (only that triangle is read), X is M x K with unit column stride and row stride ldx.
// Divides by T's diagonal: a zero there gives infinities or NaN, as in TensorFlow.
template <typename T>
void triangular_solve_in_place(int64_t M, int64_t K, Mat<T> t, bool lower, T* x, int64_t ldx);

// out (n x n, row stride ldo, unit column stride) = (L Lᵀ)⁻¹ for lower triangular L, exactly
// symmetric. `work` holds n * n elements.
template <typename T>
void cholesky_inverse(int64_t n, Mat<T> l, T* out, int64_t ldo, T* work);

// Each routine splits its work across the thread pool when it is large enough, and runs on the
// calling thread when called from inside a parallel loop (e.g. over a batch). kParallelFlops:
// the least work, in flops, worth a parallel task.
constexpr double kParallelFlops = 1 << 20;

}  // namespace linalg
}  // namespace rv
