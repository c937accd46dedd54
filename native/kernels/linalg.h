// The dense linear-algebra core shared by the linalg kernels: a packed, register-blocked
// "C -= A·B" update and the blocked factorisations and solves built on it. Everything works on
// strided matrix operands (strides in elements, any sign), so transposes and reversed views
// cost nothing. The op kernels (linalg.cc) handle batches, broadcasting and validation.
#pragma once
#include <cstdint>
#include <string>

#include "../device.h"
#include "../kernel.h"

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

// ---- The op kernels' checks (linalg.cc), shared with the GPU kernels (cuda/linalg.cu) ----------

// Element offset of each matrix of a batch (shape `batch`) in x, whose leading dimensions
// broadcast to it (right-aligned; a size-1 or missing dimension repeats). Passed by value to
// GPU kernels, hence RV_HD.
struct BatchOffsets {
  int n = 0;
  int64_t dims[kMaxRank] = {};
  int64_t strides[kMaxRank] = {};
  BatchOffsets(const Dims& batch, const Tensor& x, int trailing) {
    n = batch.n;
    int xb = x.rank() - trailing;
    for (int i = 0; i < n; i++) {
      dims[i] = batch[i];
      int xi = i - (n - xb);
      strides[i] = (xi >= 0 && x.shape[xi] != 1) ? x.strides[xi] : 0;
    }
  }
  RV_HD int64_t operator()(int64_t flat) const {
    int64_t off = 0;
    for (int d = n - 1; d >= 0; d--) {
      off += (flat % dims[d]) * strides[d];
      flat /= dims[d];
    }
    return off;
  }
};

// A checked call on a batch of square n x n matrices.
struct SquareCall {
  int64_t n = 0;
  Dims batch;
  int64_t count = 0;            // matrices in the batch
  bool nan_on_failure = false;  // cholesky and logDet
};

// cholesky: x [..., n, n] -> the same shape; attrs [nanOnFailure].
SquareCall check_cholesky(const KernelCall& c);
// logDet: x [..., n, n] -> [...]; attrs [nanOnFailure].
SquareCall check_log_det(const KernelCall& c);
// choleskyInverse: chol [..., n, n] -> the same shape.
SquareCall check_cholesky_inverse(const KernelCall& c);
// logMatrixDeterminant: x [..., n, n] -> [..., 2].
SquareCall check_log_matrix_determinant(const KernelCall& c);

// A checked triangularSolve or choleskySolve call: matrix [..., M, M], rhs [..., M, K] ->
// [batch..., M, K].
struct SolveCall {
  int64_t M = 0, K = 0;
  Dims batch;  // the broadcast batch shape
  int64_t count = 0;
  bool lower = true, adjoint = false;  // triangularSolve's attrs; choleskySolve: lower, no adjoint
};
SolveCall check_solve(const KernelCall& c, bool cholesky);

// matrixDiag: diagonal [..., n] -> [..., n, n].
void check_matrix_diag(const KernelCall& c);
// bandPart: x [..., m, n] -> the same shape; returns attrs [numLower, numUpper].
struct Band {
  int64_t lower, upper;
};
Band check_band_part(const KernelCall& c);

// The error for matrix b of a batch that is not positive definite (first bad pivot and its value).
std::string not_positive_definite(const KernelCall& c, const Tensor& x, const Dims& batch, int64_t b, int64_t pivot,
                                  double value);

// The main diagonal of the matrices of x [..., m, n] as a view [..., min(m, n)].
Tensor diagonal_view(const Tensor& x, const char* what);

}  // namespace linalg
}  // namespace rv
