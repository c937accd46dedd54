// Linear-algebra kernels, batched over leading dimensions: cholesky, logDet,
// triangularSolve, choleskySolve, choleskyInverse, logMatrixDeterminant (LU with partial
// pivoting), matrixDiag, matrixDiagPart (a view), matrixSetDiag and bandPart.
//
// Each kernel checks the output shape against its inputs before writing. Inputs may be any
// view: factorisations copy into their contiguous output first; solves read the matrix through
// its strides (a transposed or reversed matrix costs nothing). The arithmetic is in
// linalg_blocked.cc. Matrices of a batch run in parallel when there are enough of them;
// a single large matrix parallelises inside.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

#include "../kernel.h"
#include "../thread_pool.h"
#include "linalg.h"

namespace rv {
namespace {

using linalg::BatchOffsets;
using linalg::Mat;

std::string shape_of(const Tensor& t) { return t.shape.to_string(); }

// Throws unless x is a batch of square matrices [..., n, n].
void expect_square(const KernelCall& c, const Tensor& x, const char* arg) {
  if (x.rank() < 2) throw c.fail(std::string(arg) + " must have rank >= 2, got shape " + shape_of(x));
  if (x.shape[x.rank() - 1] != x.shape[x.rank() - 2]) {
    throw c.fail(std::string(arg) + " must be square in its last two dimensions, got shape " + shape_of(x));
  }
}

void expect_out_shape(const KernelCall& c, const Dims& expected) {
  bool same = expected.n == c.out_shape.n;
  for (int d = 0; same && d < expected.n; d++) same = expected[d] == c.out_shape[d];
  if (!same) throw c.fail("output shape " + c.out_shape.to_string() + " does not match the inputs (expected " + expected.to_string() + ")");
}

void expect_float_output(const KernelCall& c, DType d) {
  if (!is_float(d)) throw c.fail(std::string("dtype ") + dtype_name(d) + " is not supported (float32 or float64 expected)");
  if (c.out_dtype != d) throw c.fail("output dtype must equal the input dtype");
}

// The first `lead` dimensions of x.
Dims leading(const Tensor& x, int lead, const char* what) {
  Dims d;
  for (int i = 0; i < lead; i++) d.push_back(x.shape[i], what);
  return d;
}

int64_t count(const Dims& d) {
  int64_t n = 1;
  for (int i = 0; i < d.n; i++) n *= d[i];
  return n;
}

// Broadcasts two batch shapes (NumPy rules); throws naming both arguments.
Dims broadcast_batch(const KernelCall& c, const Dims& a, const char* an, const Dims& b, const char* bn) {
  int rank = std::max(a.n, b.n);
  Dims out = Dims::of_rank(rank, c.name);
  for (int i = 0; i < rank; i++) {
    int ia = i - (rank - a.n), ib = i - (rank - b.n);
    int64_t da = ia >= 0 ? a[ia] : 1, db = ib >= 0 ? b[ib] : 1;
    if (da != db && da != 1 && db != 1) {
      throw c.fail(std::string("batch shapes do not broadcast: ") + an + " batch " + a.to_string() + ", " + bn + " batch " +
                   b.to_string());
    }
    out[i] = da == 1 ? db : da;
  }
  return out;
}

// A batch multi-index, for error messages: "[1, 2]".
std::string batch_index(const Dims& batch, int64_t flat) {
  std::vector<int64_t> idx(size_t(batch.n));
  for (int d = batch.n - 1; d >= 0; d--) {
    idx[size_t(d)] = flat % batch[d];
    flat /= batch[d];
  }
  std::string s = "[";
  for (size_t i = 0; i < idx.size(); i++) s += (i ? ", " : "") + std::to_string(idx[i]);
  return s + "]";
}

// Grain for a parallel loop over matrices of `flops` each and `elements` entries. Small
// matrices cost far more than their flops (copies, scalar code, per-matrix setup): measured at
// about 120 ns for an 8 x 8 Cholesky, which the element and fixed terms approximate in flops.
int64_t batch_grain(double flops, double elements) {
  const double cost = flops + 64 * elements + 2048;
  return std::max<int64_t>(1, int64_t(linalg::kParallelFlops / cost));
}

// ---- cholesky, logDet --------------------------------------------------------------------------

struct Failure {
  int64_t pivot = -1;
  double value = 0;
};

// Factors every matrix of `out` (a contiguous [batch, n, n] copy of the input) in place and
// zeroes the upper triangles. Returns each matrix's failure (pivot -1: none).
template <typename T>
std::vector<Failure> factor_all(Tensor& out, int64_t batch, int64_t n) {
  std::vector<Failure> failures(static_cast<size_t>(batch));
  T* base = out.ptr<T>();
  parallel_for(batch, batch_grain(double(n) * n * n / 3, double(n) * n), [&](int64_t begin, int64_t end) {
    for (int64_t b = begin; b < end; b++) {
      T* a = base + b * n * n;
      T pivot = 0;
      int64_t f = linalg::cholesky_in_place(n, a, n, &pivot);
      failures[size_t(b)] = {f, double(pivot)};
      for (int64_t i = 0; i < n; i++) std::fill(a + i * n + i + 1, a + (i + 1) * n, T(0));
    }
  });
  return failures;
}

// attrs: [nanOnFailure]. Without it, a matrix that is not positive definite is an error;
// with it, that matrix's factor is all NaN.
Tensor cholesky_kernel(const KernelCall& c) {
  const linalg::SquareCall s = linalg::check_cholesky(c);
  const Tensor& x = c.input(0);
  const bool nan_on_failure = s.nan_on_failure;
  Tensor out = c.make_output();
  if (out.numel() == 0) return out;
  copy_into(out, x);
  const int64_t n = s.n;
  const Dims& batch = s.batch;
  const int64_t nb = s.count;
  dispatch_float(x.dtype, c.name, [&](auto tag) {
    using T = typename decltype(tag)::type;
    std::vector<Failure> failures = factor_all<T>(out, nb, n);
    for (int64_t b = 0; b < nb; b++) {
      const Failure& f = failures[size_t(b)];
      if (f.pivot < 0) continue;
      if (!nan_on_failure) throw c.fail(linalg::not_positive_definite(c, x, batch, b, f.pivot, f.value));
      T* a = out.ptr<T>() + b * n * n;
      std::fill(a, a + n * n, std::numeric_limits<T>::quiet_NaN());
    }
  });
  return out;
}

// log det x = 2 Σ log L(i, i) for positive definite x. attrs: [nanOnFailure].
Tensor log_det_kernel(const KernelCall& c) {
  const linalg::SquareCall s = linalg::check_log_det(c);
  const Tensor& x = c.input(0);
  const Dims& batch = s.batch;
  const bool nan_on_failure = s.nan_on_failure;
  Tensor out = c.make_output();
  const int64_t nb = s.count, n = s.n;
  if (nb == 0) return out;
  Tensor work = empty_tensor(x.dtype, x.shape, c.name);
  if (n > 0) copy_into(work, x);
  dispatch_float(x.dtype, c.name, [&](auto tag) {
    using T = typename decltype(tag)::type;
    std::vector<Failure> failures = factor_all<T>(work, nb, n);
    for (int64_t b = 0; b < nb; b++) {
      const Failure& f = failures[size_t(b)];
      if (f.pivot >= 0) {
        if (!nan_on_failure) throw c.fail(linalg::not_positive_definite(c, x, batch, b, f.pivot, f.value));
        out.ptr<T>()[b] = std::numeric_limits<T>::quiet_NaN();
        continue;
      }
      const T* l = work.ptr<T>() + b * n * n;
      double s = 0;
      for (int64_t i = 0; i < n; i++) s += std::log(double(l[i * n + i]));
      out.ptr<T>()[b] = T(2 * s);
    }
  });
  return out;
}

// ---- triangularSolve, choleskySolve ----------------------------------------------------------

enum class SolveKind { Triangular, Cholesky };

// matrix [..., M, M], rhs [..., M, K] -> [broadcast batch..., M, K].
// triangularSolve attrs: [lower, adjoint]; choleskySolve: none (matrix is a lower factor L,
// and the result solves L Lᵀ X = rhs).
template <SolveKind kKind>
Tensor solve_kernel(const KernelCall& c) {
  const linalg::SolveCall s = linalg::check_solve(c, kKind == SolveKind::Cholesky);
  const Tensor& m = c.input(0);
  const Tensor& rhs = c.input(1);
  const int64_t M = s.M, K = s.K;
  const bool lower = s.lower, adjoint = s.adjoint;
  const Dims& batch = s.batch;
  Tensor out = c.make_output();
  if (out.numel() == 0) return out;
  copy_into(out, rhs);
  const BatchOffsets moff(batch, m, 2);
  const int64_t nb = s.count;
  const int64_t rs = m.strides[m.rank() - 2], cs = m.strides[m.rank() - 1];
  dispatch_float(m.dtype, c.name, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const double flops = double(M) * M * K * (kKind == SolveKind::Cholesky ? 2 : 1);
    parallel_for(nb, batch_grain(flops, double(M) * (M + K)), [&](int64_t begin, int64_t end) {
      for (int64_t b = begin; b < end; b++) {
        Mat<T> t{m.ptr<T>() + moff(b), rs, cs};
        T* x = out.ptr<T>() + b * M * K;
        if (kKind == SolveKind::Cholesky) {
          linalg::triangular_solve_in_place(M, K, t, true, x, K);
          linalg::triangular_solve_in_place(M, K, t.t(), false, x, K);
        } else if (adjoint) {
          linalg::triangular_solve_in_place(M, K, t.t(), !lower, x, K);
        } else {
          linalg::triangular_solve_in_place(M, K, t, lower, x, K);
        }
      }
    });
  });
  return out;
}

// ---- choleskyInverse --------------------------------------------------------------------------

// chol [..., n, n] (lower factor L) -> (L Lᵀ)⁻¹, exactly symmetric.
Tensor cholesky_inverse_kernel(const KernelCall& c) {
  const linalg::SquareCall s = linalg::check_cholesky_inverse(c);
  const Tensor& l = c.input(0);
  Tensor out = c.make_output();
  if (out.numel() == 0) return out;
  const int64_t n = s.n;
  const Dims& batch = s.batch;
  const BatchOffsets loff(batch, l, 2);
  const int64_t rs = l.strides[l.rank() - 2], cs = l.strides[l.rank() - 1];
  dispatch_float(l.dtype, c.name, [&](auto tag) {
    using T = typename decltype(tag)::type;
    parallel_for(s.count, batch_grain(2.0 * n * n * n, 2.0 * n * n), [&](int64_t begin, int64_t end) {
      std::vector<T> work(size_t(n * n));
      for (int64_t b = begin; b < end; b++) {
        linalg::cholesky_inverse(n, Mat<T>{l.ptr<T>() + loff(b), rs, cs}, out.ptr<T>() + b * n * n, n, work.data());
      }
    });
  });
  return out;
}

// ---- logMatrixDeterminant ---------------------------------------------------------------------

// sign and log |det| of one n x n matrix (contiguous, overwritten) by LU with partial pivoting.
// Singular: sign 0, log |det| = -inf. A NaN anywhere: both NaN.
template <typename T>
void sign_log_det(int64_t n, T* a, T* sign_out, T* log_out) {
  double sign = 1, log_abs = 0;
  for (int64_t k = 0; k < n; k++) {
    int64_t p = k;
    T best = std::fabs(a[k * n + k]);
    bool nan = best != best;
    for (int64_t i = k + 1; i < n; i++) {
      T v = std::fabs(a[i * n + k]);
      nan |= v != v;
      if (v > best) best = v, p = i;
    }
    if (nan) {
      *sign_out = *log_out = std::numeric_limits<T>::quiet_NaN();
      return;
    }
    if (best == T(0)) {
      *sign_out = 0;
      *log_out = -std::numeric_limits<T>::infinity();
      return;
    }
    if (p != k) {
      std::swap_ranges(a + k * n + k, a + (k + 1) * n, a + p * n + k);
      sign = -sign;
    }
    const T* rk = a + k * n;
    const T piv = rk[k];
    if (piv < 0) sign = -sign;
    log_abs += std::log(double(std::fabs(piv)));
    for (int64_t i = k + 1; i < n; i++) {
      T* ri = a + i * n;
      const T f = ri[k] / piv;
      for (int64_t j = k + 1; j < n; j++) ri[j] -= f * rk[j];
    }
  }
  *sign_out = T(sign);
  *log_out = T(log_abs);
}

// x [..., n, n] -> [..., 2]: (sign, log |det|) of each matrix.
Tensor log_matrix_determinant_kernel(const KernelCall& c) {
  const linalg::SquareCall s = linalg::check_log_matrix_determinant(c);
  const Tensor& x = c.input(0);
  Tensor out = c.make_output();
  const int64_t nb = s.count, n = s.n;
  if (nb == 0) return out;
  Tensor xc = contiguous(x, c.name);
  dispatch_float(x.dtype, c.name, [&](auto tag) {
    using T = typename decltype(tag)::type;
    parallel_for(nb, batch_grain(2.0 * n * n * n / 3, double(n) * n), [&](int64_t begin, int64_t end) {
      std::vector<T> work(size_t(n * n));
      for (int64_t b = begin; b < end; b++) {
        std::copy(xc.ptr<T>() + b * n * n, xc.ptr<T>() + (b + 1) * n * n, work.begin());
        sign_log_det(n, work.data(), out.ptr<T>() + 2 * b, out.ptr<T>() + 2 * b + 1);
      }
    });
  });
  return out;
}

// ---- diagonals and bands ------------------------------------------------------------------------

using linalg::diagonal_view;

// x [..., m, n] -> its main diagonals [..., min(m, n)], a view sharing x's storage.
Tensor matrix_diag_part_kernel(const KernelCall& c) {
  c.expect_inputs(1);
  const Tensor& x = c.input(0);
  if (x.rank() < 2) throw c.fail("x must have rank >= 2, got shape " + shape_of(x));
  Tensor view = diagonal_view(x, c.name);
  expect_out_shape(c, view.shape);
  if (c.out_dtype != x.dtype) throw c.fail("output dtype must equal the input dtype");
  return view;
}

// diagonal [..., n] -> [..., n, n] with zeros off the diagonal.
Tensor matrix_diag_kernel(const KernelCall& c) {
  linalg::check_matrix_diag(c);
  const Tensor& d = c.input(0);
  Tensor out = c.make_output();
  if (out.numel() == 0) return out;
  std::fill(out.data(), out.data() + out.numel() * int64_t(itemsize(out.dtype)), char(0));
  copy_into(diagonal_view(out, c.name), d);
  return out;
}

// x [..., m, n], diagonal [..., min(m, n)] -> x with its diagonals replaced (batches broadcast).
Tensor matrix_set_diag_kernel(const KernelCall& c) {
  c.expect_inputs(2);
  const Tensor& x = c.input(0);
  const Tensor& d = c.input(1);
  if (x.rank() < 2) throw c.fail("x must have rank >= 2, got shape " + shape_of(x));
  if (d.rank() < 1) throw c.fail("diagonal must have rank >= 1, got a scalar");
  const int64_t m = x.shape[x.rank() - 2], n = x.shape[x.rank() - 1], k = std::min(m, n);
  if (d.shape[d.rank() - 1] != k) {
    throw c.fail("diagonal " + shape_of(d) + " must have " + std::to_string(k) + " entries in its last dimension for x " + shape_of(x));
  }
  if (x.dtype != d.dtype || c.out_dtype != x.dtype) throw c.fail("x, diagonal and the output must have one dtype");
  Dims expected = broadcast_batch(c, leading(x, x.rank() - 2, c.name), "x", leading(d, d.rank() - 1, c.name), "diagonal");
  expected.push_back(m, c.name);
  expected.push_back(n, c.name);
  expect_out_shape(c, expected);
  Tensor out = c.make_output();
  if (out.numel() == 0) return out;
  copy_into(out, x);
  copy_into(diagonal_view(out, c.name), d);
  return out;
}

// x [..., m, n] with entries outside the band zeroed: kept where (numLower < 0 or i - j <=
// numLower) and (numUpper < 0 or j - i <= numUpper). attrs: [numLower, numUpper].
Tensor band_part_kernel(const KernelCall& c) {
  const linalg::Band band = linalg::check_band_part(c);
  const Tensor& x = c.input(0);
  const int64_t lo = band.lower, hi = band.upper;
  Tensor out = c.make_output();
  if (out.numel() == 0) return out;
  copy_into(out, x);
  const int64_t m = x.shape[x.rank() - 2], n = x.shape[x.rank() - 1];
  const int64_t rows = out.numel() / n;
  const size_t item = itemsize(out.dtype);
  char* base = out.data();
  parallel_for(rows, std::max<int64_t>(1, 32768 / n), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; r++) {
      const int64_t i = r % m;
      // Kept columns: [i - lo, i + hi] clipped to [0, n).
      const int64_t keep0 = lo < 0 ? 0 : std::max<int64_t>(0, i - lo);
      const int64_t keep1 = hi < 0 ? n : std::min<int64_t>(n, i + hi + 1);
      char* row = base + size_t(r * n) * item;
      if (keep0 >= keep1) {
        std::fill(row, row + n * item, char(0));
        continue;
      }
      std::fill(row, row + keep0 * item, char(0));
      std::fill(row + keep1 * item, row + n * item, char(0));
    }
  });
  return out;
}

KernelRegistrar registrations[] = {
    {"cholesky", cholesky_kernel},
    {"logDet", log_det_kernel},
    {"triangularSolve", solve_kernel<SolveKind::Triangular>},
    {"choleskySolve", solve_kernel<SolveKind::Cholesky>},
    {"choleskyInverse", cholesky_inverse_kernel},
    {"logMatrixDeterminant", log_matrix_determinant_kernel},
    {"matrixDiag", matrix_diag_kernel},
    {"matrixDiagPart", matrix_diag_part_kernel},
    {"matrixSetDiag", matrix_set_diag_kernel},
    {"bandPart", band_part_kernel},
};

// These two only make views and call copy_into, which runs on the tensors' device: the same
// functions serve GPU tensors (the other kernels have GPU versions in cuda/linalg.cu).
CudaKernelRegistrar cuda_registrations[] = {
    {"matrixDiagPart", matrix_diag_part_kernel},
    {"matrixSetDiag", matrix_set_diag_kernel},
};

}  // namespace

// ---- The checks shared with the GPU kernels (linalg.h) ------------------------------------------

namespace linalg {

namespace {
SquareCall square_call(const KernelCall& c, const Tensor& x) {
  SquareCall s;
  s.n = x.shape[x.rank() - 1];
  s.batch = leading(x, x.rank() - 2, c.name);
  s.count = count(s.batch);
  return s;
}
}  // namespace

SquareCall check_cholesky(const KernelCall& c) {
  c.expect_inputs(1);
  const Tensor& x = c.input(0);
  expect_square(c, x, "x");
  expect_float_output(c, x.dtype);
  c.expect_output_like(x);
  SquareCall s = square_call(c, x);
  s.nan_on_failure = c.attr_int(0, 0, 1) == 1;
  return s;
}

SquareCall check_log_det(const KernelCall& c) {
  c.expect_inputs(1);
  const Tensor& x = c.input(0);
  expect_square(c, x, "x");
  expect_float_output(c, x.dtype);
  SquareCall s = square_call(c, x);
  expect_out_shape(c, s.batch);
  s.nan_on_failure = c.attr_int(0, 0, 1) == 1;
  return s;
}

SquareCall check_cholesky_inverse(const KernelCall& c) {
  c.expect_inputs(1);
  const Tensor& l = c.input(0);
  expect_square(c, l, "chol");
  expect_float_output(c, l.dtype);
  c.expect_output_like(l);
  return square_call(c, l);
}

SquareCall check_log_matrix_determinant(const KernelCall& c) {
  c.expect_inputs(1);
  const Tensor& x = c.input(0);
  expect_square(c, x, "x");
  expect_float_output(c, x.dtype);
  SquareCall s = square_call(c, x);
  Dims expected = s.batch;
  expected.push_back(2, c.name);
  expect_out_shape(c, expected);
  return s;
}

SolveCall check_solve(const KernelCall& c, bool cholesky) {
  c.expect_inputs(2);
  const Tensor& m = c.input(0);
  const Tensor& rhs = c.input(1);
  const char* mname = cholesky ? "chol" : "matrix";
  expect_square(c, m, mname);
  if (rhs.rank() < 2) throw c.fail("rhs must have rank >= 2, got shape " + shape_of(rhs));
  SolveCall s;
  s.M = m.shape[m.rank() - 1], s.K = rhs.shape[rhs.rank() - 1];
  if (rhs.shape[rhs.rank() - 2] != s.M) {
    throw c.fail(std::string("rhs ") + shape_of(rhs) + " must have " + std::to_string(s.M) + " rows to match " + mname + " " +
                 shape_of(m));
  }
  if (m.dtype != rhs.dtype) throw c.fail("matrix and rhs must have one dtype");
  expect_float_output(c, m.dtype);
  if (!cholesky) {
    s.lower = c.attr_int(0, 0, 1) == 1;
    s.adjoint = c.attr_int(1, 0, 1) == 1;
  }
  s.batch = broadcast_batch(c, leading(m, m.rank() - 2, c.name), mname, leading(rhs, rhs.rank() - 2, c.name), "rhs");
  Dims expected = s.batch;
  expected.push_back(s.M, c.name);
  expected.push_back(s.K, c.name);
  expect_out_shape(c, expected);
  s.count = count(s.batch);
  return s;
}

void check_matrix_diag(const KernelCall& c) {
  c.expect_inputs(1);
  const Tensor& d = c.input(0);
  if (d.rank() < 1) throw c.fail("diagonal must have rank >= 1, got a scalar");
  Dims expected = d.shape;
  expected.push_back(d.shape[d.rank() - 1], c.name);
  expect_out_shape(c, expected);
  if (c.out_dtype != d.dtype) throw c.fail("output dtype must equal the input dtype");
}

Band check_band_part(const KernelCall& c) {
  c.expect_inputs(1);
  const Tensor& x = c.input(0);
  if (x.rank() < 2) throw c.fail("x must have rank >= 2, got shape " + shape_of(x));
  c.expect_output_like(x);
  constexpr int64_t kBig = int64_t(1) << 53;
  return {c.attr_int(0, -kBig, kBig), c.attr_int(1, -kBig, kBig)};
}

std::string not_positive_definite(const KernelCall& c, const Tensor& x, const Dims& batch, int64_t b, int64_t pivot,
                                  double value) {
  int64_t n = x.shape[x.rank() - 1];
  std::string where = batch.n == 0 ? "x " + shape_of(x) : "the matrix at batch index " + batch_index(batch, b) + " of x " + shape_of(x);
  char text[64];
  std::snprintf(text, sizeof text, "%.6g", value);
  return where + " is not positive definite: pivot " + std::to_string(pivot) + " of " + std::to_string(n) + " is " +
         text + " (the leading minor of order " + std::to_string(pivot + 1) + " is not positive)";
}

// The main diagonal of the matrices of x [..., m, n] as a view [..., min(m, n)].
Tensor diagonal_view(const Tensor& x, const char* what) {
  const int r = x.rank();
  Dims shape = leading(x, r - 2, what), strides;
  for (int i = 0; i < r - 2; i++) strides.push_back(x.strides[i], what);
  shape.push_back(std::min(x.shape[r - 2], x.shape[r - 1]), what);
  strides.push_back(x.strides[r - 2] + x.strides[r - 1], what);
  return make_view(x, shape, strides, x.offset);
}

}  // namespace linalg
}  // namespace rv
