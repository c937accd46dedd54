// The linear-algebra kernels on a GPU: cholesky, logDet, triangularSolve, choleskySolve,
// choleskyInverse, logMatrixDeterminant, matrixDiag and bandPart, with the checks and
// semantics of kernels/linalg.cc (shared through linalg.h). matrixDiagPart and matrixSetDiag
// need no GPU code: linalg.cc registers its own functions for the GPU too.
//
// Small and batched problems run one thread block per matrix: a right-looking Cholesky (in
// shared memory when the matrix fits), substitution by columns, LU with partial pivoting. A
// large matrix in a small batch goes to cuBLAS instead: a blocked right-looking Cholesky (a
// 64 x 64 diagonal block factored here, the panel by trsm, the trailing matrix by syrk), trsm
// for the solves, syrk for the inverse's product. (logMatrixDeterminant has no such path: its
// LU stays one block per matrix, fine for batches but slow for one large matrix: ~240 ms for
// 1024 x 1024 on an H100. A blocked LU through cuBLAS, or cuSOLVER's getrf, would fix that.)
//
// Results agree with the CPU's within rounding (sums run in another order); the failure rules
// are the CPU's: the first pivot that is not positive (NaN included) fails a Cholesky, and
// without nanOnFailure that is an error naming the matrix, the pivot and its value.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "../kernels/linalg.h"
#include "common.cuh"
#include "cublas.h"

namespace rv {
namespace {

using linalg::BatchOffsets;

// Scratch memory on a GPU from the caching allocator; its reuse is ordered by the one stream.
class DeviceBuffer {
 public:
  DeviceBuffer(size_t bytes, const char* what, int device) : block_(allocate(std::max<size_t>(bytes, 64), what, device)) {}
  ~DeviceBuffer() { release(block_); }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  template <typename T> T* as() const { return static_cast<T*>(block_.data); }

 private:
  Block block_;
};

// A matrix's failed Cholesky: the first bad pivot (-1: none) and its value.
struct Failure {
  long long pivot;
  double value;
};

int multiprocessors(int device) {
  static int count[kMaxDevices] = {};
  if (!count[device]) {
    int v = 0;
    cuda::check(cudaDeviceGetAttribute(&v, cudaDevAttrMultiProcessorCount, device), "linalg");
    count[device] = std::max(1, v);
  }
  return count[device];
}

// Threads per block for one matrix of order n: whole warps, more for larger matrices.
int threads_for(int64_t n) { return n <= 16 ? 32 : n <= 32 ? 64 : n <= 64 ? 128 : 256; }

// Blocks for a grid-stride loop over `count` matrices.
unsigned grid_for(int64_t count) { return unsigned(std::min<int64_t>(std::max<int64_t>(count, 1), 65535 * 16)); }

constexpr size_t kSharedBytes = 48 * 1024;  // dynamic shared memory a block may take without opting in

template <typename T> __device__ T quiet_nan() { return std::numeric_limits<T>::quiet_NaN(); }

// x + 0 rounded as written (never contracted or folded): turns -0 into +0 and leaves the rest.
__device__ inline float plus_zero(float x) { return __fadd_rn(x, 0.0f); }
__device__ inline double plus_zero(double x) { return __dadd_rn(x, 0.0); }
// a - b·c with the product rounded on its own, as the CPU's scalar loops compute it.
__device__ inline float sub_product(float a, float b, float c) { return __fsub_rn(a, __fmul_rn(b, c)); }
__device__ inline double sub_product(double a, double b, double c) { return __dsub_rn(a, __dmul_rn(b, c)); }

// ---- cholesky, logDet ------------------------------------------------------------------------

// Right-looking Cholesky of the n x n matrix at a (row stride lda) by every thread of the block:
// reads and writes the lower triangle only. col: n values of scratch for the current column.
// Returns -1, or the first pivot that is not positive (NaN included) with its value in *pivot;
// every thread returns the same. (a and col never overlap: __restrict__ lets the update's loads
// run ahead of its stores.)
template <typename T>
__device__ int64_t block_cholesky(T* __restrict__ a, int64_t lda, int64_t n, T* __restrict__ col, T* pivot) {
  const int tid = threadIdx.x, threads = blockDim.x, lane = tid % 32, warp = tid / 32, warps = threads / 32;
  for (int64_t j = 0; j < n; j++) {
    const T d = a[j * lda + j];  // every thread reads the same value: the branch is uniform
    if (!(d > T(0))) {
      *pivot = d;
      return j;
    }
    __syncthreads();  // every thread has read d before it is replaced
    const T ljj = sqrt(d);
    const T inv = T(1) / ljj;  // scaling by the reciprocal, as the CPU (and LAPACK's potf2)
    if (tid == 0) a[j * lda + j] = ljj;
    for (int64_t i = j + 1 + tid; i < n; i += threads) {
      const T v = a[i * lda + j] * inv;
      a[i * lda + j] = v;
      col[i] = v;
    }
    __syncthreads();
    // A22 -= l21 l21ᵀ on the lower triangle: a warp per row, its lanes along the row.
    for (int64_t i = j + 1 + warp; i < n; i += warps) {
      const T lij = col[i];
      T* row = a + i * lda;
#pragma unroll 4
      for (int64_t k = j + 1 + lane; k <= i; k += 32) row[k] -= lij * col[k];
    }
    __syncthreads();
  }
  return -1;
}

// What a finished factorisation leaves (cholesky): the factor in x with zeros above the
// diagonal, or all NaN for a failed matrix under nanOnFailure (a failure without it throws, so
// x is then never read). logDet: log_det[b] = 2 Σ log L(i, i) summed in double, in order.
template <typename T>
__device__ void finish_matrix(T* x, const T* a, int64_t lda, int64_t n, bool failed, bool nan_on_failure, T* log_det,
                              int64_t b) {
  if (log_det) {
    if (threadIdx.x == 0) {
      double s = 0;
      if (!failed) {
        for (int64_t i = 0; i < n; i++) s += log(double(a[i * lda + i]));
      }
      log_det[b] = failed ? quiet_nan<T>() : T(2 * s);
    }
    return;
  }
  for (int64_t idx = threadIdx.x; idx < n * n; idx += blockDim.x) {
    const int64_t i = idx / n, j = idx % n;
    x[idx] = failed ? (nan_on_failure ? quiet_nan<T>() : T(0)) : j <= i ? a[i * lda + j] : T(0);
  }
}

// One block per matrix of base [count, n, n] (contiguous, factored in place): in shared memory
// when `in_shared` (row stride n + 1, so a column's entries fall in different banks), else in
// place with the column scratch in shared memory or, for very large n, at col_scratch.
template <typename T>
__global__ void cholesky_blocks(T* base, int64_t n, int64_t count, bool in_shared, T* col_scratch, Failure* failures,
                                bool nan_on_failure, T* log_det) {
  extern __shared__ double shared_words[];
  T* shared = reinterpret_cast<T*>(shared_words);
  for (int64_t b = blockIdx.x; b < count; b += gridDim.x) {
    T* x = base + b * n * n;
    T* a = x;
    int64_t lda = n;
    T* col = col_scratch ? col_scratch + int64_t(blockIdx.x) * n : shared;
    if (in_shared) {
      a = shared, lda = n + 1, col = shared + n * (n + 1);
      for (int64_t idx = threadIdx.x; idx < n * n; idx += blockDim.x) {
        const int64_t i = idx / n, j = idx % n;
        if (j <= i) a[i * lda + j] = x[idx];
      }
      __syncthreads();
    }
    T pivot = 0;
    const int64_t f = block_cholesky(a, lda, n, col, &pivot);
    __syncthreads();
    if (threadIdx.x == 0) failures[b] = {f, double(pivot)};
    finish_matrix(x, a, lda, n, f >= 0, nan_on_failure, log_det, b);
    __syncthreads();  // before the next matrix reuses the shared memory
  }
}

// The blocked path's diagonal step: factors the kb x kb block at a (row stride lda, kb <= 64)
// in shared memory, unless the matrix already failed; a failure is recorded at pivot k0 + j.
template <typename T>
__global__ void cholesky_diagonal_block(T* a, int64_t lda, int64_t kb, int64_t k0, Failure* failure) {
  extern __shared__ double shared_words[];
  if (failure->pivot >= 0) return;  // an earlier block failed: keep the first pivot
  T* s = reinterpret_cast<T*>(shared_words);
  const int64_t lds = kb + 1;
  T* col = s + kb * lds;
  for (int64_t idx = threadIdx.x; idx < kb * kb; idx += blockDim.x) {
    const int64_t i = idx / kb, j = idx % kb;
    if (j <= i) s[i * lds + j] = a[i * lda + j];
  }
  __syncthreads();
  T pivot = 0;
  const int64_t f = block_cholesky(s, lds, kb, col, &pivot);
  __syncthreads();
  for (int64_t idx = threadIdx.x; idx < kb * kb; idx += blockDim.x) {
    const int64_t i = idx / kb, j = idx % kb;
    if (j <= i) a[i * lda + j] = s[i * lds + j];
  }
  if (f >= 0 && threadIdx.x == 0) *failure = {k0 + f, double(pivot)};
}

template <typename T>
__global__ void cholesky_finish(T* base, int64_t n, int64_t count, const Failure* failures, bool nan_on_failure,
                                T* log_det) {
  for (int64_t b = blockIdx.x; b < count; b += gridDim.x) {
    T* x = base + b * n * n;
    finish_matrix(x, x, n, n, failures[b].pivot >= 0, nan_on_failure, log_det, b);
  }
}

constexpr int64_t kPanel = 64;  // the blocked path's block size

// Whether a batch of `count` Cholesky factorisations of order n runs faster blocked through
// cuBLAS, one matrix after another, than one thread block per matrix. Measured on an H100
// (float64; float32 is about twice as fast both ways): a block does ~3e9 multiply-adds per
// second (a barrier per column), blocks on different SMs run side by side; the blocked path
// costs ~130 µs per 64-column step plus its multiply-adds at ~5e12 per second.
bool prefer_blocked(int device, int64_t count, int64_t n) {
  if (n < 128 || !cuda::cublas_available() || !cuda::fits_int(n)) return false;
  const double madds = double(n) * double(n) * double(n) / 3;
  const double per_block = madds / 3e9;
  const double blocks = std::max(per_block, double(count) * per_block / multiprocessors(device));
  const double library = double(count) * (double((n + kPanel - 1) / kPanel) * 130e-6 + madds / 5e12);
  return library < blocks;
}

// Factors base [count, n, n] (a contiguous copy of the input) in place; finishes each matrix
// for cholesky (log_det null) or writes log_det [count]; records failures[count].
template <typename T>
void factor(int device, T* base, int64_t n, int64_t count, bool nan_on_failure, T* log_det, Failure* failures,
            const char* what) {
  cudaStream_t s = cuda::stream(device);
  if (!prefer_blocked(device, count, n)) {
    const size_t in_shared_bytes = size_t(n * (n + 1) + n) * sizeof(T);
    const bool in_shared = in_shared_bytes <= kSharedBytes;
    const bool col_shared = size_t(n) * sizeof(T) <= kSharedBytes;
    const unsigned grid = grid_for(count);
    std::unique_ptr<DeviceBuffer> col;
    if (!in_shared && !col_shared) col.reset(new DeviceBuffer(size_t(grid) * size_t(n) * sizeof(T), what, device));
    const size_t shared = in_shared ? in_shared_bytes : col_shared ? size_t(n) * sizeof(T) : 0;
    cholesky_blocks<T><<<grid, threads_for(n), shared, s>>>(base, n, count, in_shared, col ? col->as<T>() : nullptr,
                                                            failures, nan_on_failure, log_det);
    cuda::check_launch(what);
    return;
  }
  // Row-major L Lᵀ = A is column-major Uᵀ U = A with U = Lᵀ (the same memory): per block of 64
  // columns, factor the diagonal block, then solve the panel U12 = U11⁻ᵀ A12 (trsm) and update
  // the trailing matrix A22 -= U12ᵀ U12 (syrk); "upper" in cuBLAS's view is our lower triangle.
  cuda::check(cudaMemsetAsync(failures, 0xff, size_t(count) * sizeof(Failure), s), what);  // pivot -1: none yet
  const size_t diag_shared = size_t(kPanel * (kPanel + 1) + kPanel) * sizeof(T);
  for (int64_t b = 0; b < count; b++) {
    T* a = base + b * n * n;
    for (int64_t k0 = 0; k0 < n; k0 += kPanel) {
      const int64_t kb = std::min(kPanel, n - k0), n2 = n - k0 - kb;
      T* diag = a + k0 * n + k0;
      cholesky_diagonal_block<T><<<1, threads_for(kb), diag_shared, s>>>(diag, n, kb, k0, failures + b);
      cuda::check_launch(what);
      if (n2 == 0) continue;
      // A failed matrix goes on with garbage, which its NaN fill or the error discards.
      cuda::trsm<T>(device, cuda::Side::Left, cuda::Fill::Upper, cuda::Op::T, kb, n2, T(1), diag, n, diag + kb * n, n, what);
      cuda::syrk<T>(device, cuda::Fill::Upper, cuda::Op::T, n2, kb, T(-1), diag + kb * n, n, T(1), diag + kb * n + kb, n, what);
    }
  }
  cholesky_finish<T><<<grid_for(count), 256, 0, s>>>(base, n, count, failures, nan_on_failure, log_det);
  cuda::check_launch(what);
}

// Without nanOnFailure, a failed matrix is an error: the failures must come back to the host,
// which waits for the factorisation (unavoidable: the op either returns or throws).
void throw_first_failure(const KernelCall& c, const Tensor& x, const Dims& batch, int64_t count, const Failure* failures) {
  std::vector<Failure> host(static_cast<size_t>(count));
  cuda::copy_bytes(host.data(), kCpu, failures, c.device, size_t(count) * sizeof(Failure), c.name);
  for (int64_t b = 0; b < count; b++) {
    const Failure& f = host[size_t(b)];
    if (f.pivot >= 0) throw c.fail(linalg::not_positive_definite(c, x, batch, b, f.pivot, f.value));
  }
}

// Factors `matrices` (a contiguous copy of x) for cholesky (log_det undefined) or logDet.
void factor_call(const KernelCall& c, const linalg::SquareCall& s, Tensor& matrices, Tensor* log_det) {
  DeviceBuffer failures(size_t(s.count) * sizeof(Failure), c.name, c.device);
  Failure* f = failures.as<Failure>();
  if (matrices.dtype == DType::Float32) {
    factor<float>(c.device, matrices.ptr<float>(), s.n, s.count, s.nan_on_failure, log_det ? log_det->ptr<float>() : nullptr, f, c.name);
  } else {
    factor<double>(c.device, matrices.ptr<double>(), s.n, s.count, s.nan_on_failure, log_det ? log_det->ptr<double>() : nullptr, f,
                   c.name);
  }
  if (!s.nan_on_failure) throw_first_failure(c, c.input(0), s.batch, s.count, f);
}

Tensor cholesky_gpu(const KernelCall& c) {
  const linalg::SquareCall s = linalg::check_cholesky(c);
  Tensor out = c.make_output();
  if (out.numel() == 0) return out;
  copy_into(out, c.input(0));
  factor_call(c, s, out, nullptr);
  return out;
}

Tensor log_det_gpu(const KernelCall& c) {
  const linalg::SquareCall s = linalg::check_log_det(c);
  const Tensor& x = c.input(0);
  Tensor out = c.make_output();
  if (s.count == 0) return out;
  if (s.n == 0) {
    // log det of a 0 x 0 matrix: 0 (all zero bits).
    cuda::check(cudaMemsetAsync(out.data(), 0, size_t(s.count) * itemsize(out.dtype), cuda::stream(c.device)), c.name);
    return out;
  }
  Tensor work = empty_tensor(x.dtype, x.shape, c.name, c.device);
  copy_into(work, x);
  factor_call(c, s, work, &out);
  return out;
}

// ---- triangularSolve, choleskySolve ----------------------------------------------------------

// T X = B in place for every matrix of x [count, M, K] (contiguous), T lower or upper with
// element (i, j) of matrix b at t + toff(b) + i·rs + j·cs (any strides; only its triangle is
// read). One block per matrix and chunk of w columns, by columns of T: x[p] /= T(p, p), then
// x[i] -= T(i, p) x[p] for the rows after p, in the order of substitution.
template <typename T>
__global__ void solve_blocks(const T* t, BatchOffsets toff, int64_t rs, int64_t cs, bool lower, T* x, int64_t M,
                             int64_t K, int64_t w, int64_t count) {
  const int64_t c0 = int64_t(blockIdx.y) * w;
  const uint32_t width = uint32_t(std::min(w, K - c0));
  const uint32_t tid = threadIdx.x, threads = blockDim.x;
  for (int64_t b = blockIdx.x; b < count; b += gridDim.x) {
    const T* tb = t + toff(b);
    T* xb = x + b * M * K + c0;
    for (int64_t step = 0; step < M; step++) {
      const int64_t p = lower ? step : M - 1 - step;
      T* xp = xb + p * K;
      const T d = tb[p * rs + p * cs];
      for (uint32_t col = tid; col < width; col += threads) xp[col] = xp[col] / d;
      __syncthreads();
      const int64_t first = lower ? p + 1 : 0;
      const uint32_t total = uint32_t(lower ? M - 1 - p : p) * width;
      for (uint32_t idx = tid; idx < total; idx += threads) {
        const int64_t i = first + idx / width;
        const uint32_t col = idx % width;
        xb[i * K + col] -= tb[i * rs + p * cs] * xp[col];
      }
      __syncthreads();
    }
  }
}

// Solves T X = B in place for x [count, M, K] (contiguous), T the matrices of m [..., M, M]
// (its batch broadcasts to `batch`), transposed or not, lower or upper (after any transpose).
template <typename T>
void solve(int device, const Tensor& m, const Dims& batch, int64_t count, bool transposed, bool lower, T* x, int64_t M,
           int64_t K, const char* what) {
  cudaStream_t s = cuda::stream(device);
  if (M > (int64_t(1) << 23)) {
    throw Error(std::string(what) + ": matrices of " + std::to_string(M) + " rows are beyond this kernel");
  }
  const int64_t mrs = m.strides[m.rank() - 2], mcs = m.strides[m.rank() - 1];
  int64_t rs = transposed ? mcs : mrs, cs = transposed ? mrs : mcs;
  // Column chunks: up to 256 columns per block, and few enough chunks for the grid.
  const int64_t w = std::max<int64_t>(std::min<int64_t>(K, 256), (K + 65534) / 65535);
  const int64_t chunks = (K + w - 1) / w;
  // cuBLAS (one call per matrix) when the blocks below would leave most of the GPU idle, or a
  // matrix is so large that a call's overhead does not count.
  const bool few_blocks = count * chunks < multiprocessors(device);
  const bool heavy = double(M) * double(M) * double(K) >= 1e9 && count <= 256;
  if (M >= 256 && cuda::fits_int(K) && (few_blocks || heavy) && cuda::cublas_available()) {
    // cuBLAS needs T as a plain layout: row-major (cs = 1) or column-major (rs = 1) with a
    // leading dimension of at least M; otherwise a contiguous copy.
    Tensor tm = m;
    bool row_major = cs == 1 && rs >= M && cuda::fits_int(rs);
    bool col_major = !row_major && rs == 1 && cs >= M && cuda::fits_int(cs);
    if (!row_major && !col_major) {
      tm = contiguous(m, what);
      rs = transposed ? 1 : M, cs = transposed ? M : 1;
      row_major = !transposed, col_major = transposed;
    }
    const BatchOffsets toff(batch, tm, 2);
    const T* base = tm.ptr<T>();
    // Row-major X (M x K) is column-major Xᵀ (K x M, ld K): T X = B is Xᵀ Tᵀ = Bᵀ, solved from
    // the right. Row-major T (ld rs) is column-major Tᵀ, whose upper triangle is T's lower one,
    // used as it is; column-major T (ld cs) is T itself, transposed by the call.
    for (int64_t b = 0; b < count; b++) {
      if (row_major) {
        cuda::trsm<T>(device, cuda::Side::Right, lower ? cuda::Fill::Upper : cuda::Fill::Lower, cuda::Op::N, K, M, T(1),
                      base + toff(b), rs, x + b * M * K, K, what);
      } else {
        cuda::trsm<T>(device, cuda::Side::Right, lower ? cuda::Fill::Lower : cuda::Fill::Upper, cuda::Op::T, K, M, T(1),
                      base + toff(b), cs, x + b * M * K, K, what);
      }
    }
    return;
  }
  const BatchOffsets toff(batch, m, 2);
  const int threads = int(std::min<int64_t>(256, std::max<int64_t>(32, (M * w + 31) / 32 * 32)));
  const dim3 grid(grid_for(count), unsigned(chunks));
  solve_blocks<T><<<grid, threads, 0, s>>>(m.ptr<T>(), toff, rs, cs, lower, x, M, K, w, count);
  cuda::check_launch(what);
}

template <typename T>
void solve_all(const KernelCall& c, const linalg::SolveCall& s, bool cholesky, T* x) {
  const Tensor& m = c.input(0);
  if (cholesky) {
    // L Lᵀ X = B: L Y = B, then Lᵀ X = Y.
    solve<T>(c.device, m, s.batch, s.count, false, true, x, s.M, s.K, c.name);
    solve<T>(c.device, m, s.batch, s.count, true, false, x, s.M, s.K, c.name);
  } else if (s.adjoint) {
    solve<T>(c.device, m, s.batch, s.count, true, !s.lower, x, s.M, s.K, c.name);
  } else {
    solve<T>(c.device, m, s.batch, s.count, false, s.lower, x, s.M, s.K, c.name);
  }
}

template <bool kCholesky>
Tensor solve_gpu(const KernelCall& c) {
  const linalg::SolveCall s = linalg::check_solve(c, kCholesky);
  Tensor out = c.make_output();
  if (out.numel() == 0) return out;
  copy_into(out, c.input(1));
  if (out.dtype == DType::Float32) solve_all<float>(c, s, kCholesky, out.ptr<float>());
  else solve_all<double>(c, s, kCholesky, out.ptr<double>());
  return out;
}

// ---- choleskyInverse --------------------------------------------------------------------------

template <typename T>
__global__ void set_identity(T* x, int64_t n, int64_t total) {
  for (int64_t idx = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; idx < total; idx += int64_t(gridDim.x) * blockDim.x) {
    const int64_t e = idx % (n * n);
    x[idx] = e / n == e % n ? T(1) : T(0);
  }
}

constexpr int kGramTile = 16;

// out[b] = W[b]ᵀ W[b] for W [count, n, n]: the lower triangle summed over every p in order,
// written to both triangles (exactly symmetric), with -0 made +0 as the CPU's 0 - (0 - s) does.
template <typename T>
__global__ void gram_lower(const T* __restrict__ w, T* __restrict__ out, int64_t n) {
  if (blockIdx.x > blockIdx.y) return;  // a tile wholly above the diagonal
  __shared__ T wi[kGramTile][kGramTile + 1];
  __shared__ T wj[kGramTile][kGramTile + 1];
  const int64_t b = blockIdx.z;
  w += b * n * n, out += b * n * n;
  const int tx = threadIdx.x, ty = threadIdx.y;
  const int64_t i0 = int64_t(blockIdx.y) * kGramTile, j0 = int64_t(blockIdx.x) * kGramTile;
  T acc = 0;
  for (int64_t p0 = 0; p0 < n; p0 += kGramTile) {
    const int64_t p = p0 + ty;
    wi[ty][tx] = p < n && i0 + tx < n ? w[p * n + i0 + tx] : T(0);
    wj[ty][tx] = p < n && j0 + tx < n ? w[p * n + j0 + tx] : T(0);
    __syncthreads();
#pragma unroll
    for (int q = 0; q < kGramTile; q++) acc += wi[q][ty] * wj[q][tx];
    __syncthreads();
  }
  const int64_t i = i0 + ty, j = j0 + tx;
  if (i < n && j <= i) {
    const T v = plus_zero(acc);
    out[i * n + j] = v;
    out[j * n + i] = v;
  }
}

// The lower triangle of out [count, n, n] copied to the upper one, -0 made +0.
template <typename T>
__global__ void mirror_lower(T* out, int64_t n, int64_t total) {
  for (int64_t idx = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; idx < total; idx += int64_t(gridDim.x) * blockDim.x) {
    const int64_t e = idx % (n * n), i = e / n, j = e % n;
    if (j > i) continue;
    T* m = out + (idx - e);
    const T v = plus_zero(m[i * n + j]);
    m[i * n + j] = v;
    m[j * n + i] = v;
  }
}

// (L Lᵀ)⁻¹ = L⁻ᵀ L⁻¹: W = L⁻¹ by solving L W = I, then out = Wᵀ W.
template <typename T>
void cholesky_inverse(const KernelCall& c, const linalg::SquareCall& s, T* out) {
  const Tensor& l = c.input(0);
  const int64_t n = s.n, count = s.count, total = count * n * n;
  cudaStream_t st = cuda::stream(c.device);
  Tensor work = empty_tensor(l.dtype, c.out_shape, c.name, c.device);
  T* w = work.ptr<T>();
  set_identity<T><<<cuda::blocks_for(total), cuda::kBlock, 0, st>>>(w, n, total);
  cuda::check_launch(c.name);
  solve<T>(c.device, l, s.batch, count, false, true, w, n, n, c.name);
  if (n >= 256 && cuda::fits_int(n) && cuda::cublas_available()) {
    // Column-major, W is Wᵀ: syrk's A Aᵀ with A = that view is Wᵀ W; its upper triangle is our lower.
    for (int64_t b = 0; b < count; b++) {
      cuda::syrk<T>(c.device, cuda::Fill::Upper, cuda::Op::N, n, n, T(1), w + b * n * n, n, T(0), out + b * n * n, n, c.name);
    }
    mirror_lower<T><<<cuda::blocks_for(total), cuda::kBlock, 0, st>>>(out, n, total);
    cuda::check_launch(c.name);
    return;
  }
  const int64_t tiles = (n + kGramTile - 1) / kGramTile;
  if (tiles > 65535) throw c.fail("matrices of order " + std::to_string(n) + " are beyond this kernel");
  for (int64_t b0 = 0; b0 < count; b0 += 65535) {
    const dim3 grid(unsigned(tiles), unsigned(tiles), unsigned(std::min<int64_t>(65535, count - b0)));
    gram_lower<T><<<grid, dim3(kGramTile, kGramTile), 0, st>>>(w + b0 * n * n, out + b0 * n * n, n);
    cuda::check_launch(c.name);
  }
}

Tensor cholesky_inverse_gpu(const KernelCall& c) {
  const linalg::SquareCall s = linalg::check_cholesky_inverse(c);
  Tensor out = c.make_output();
  if (out.numel() == 0) return out;
  if (out.dtype == DType::Float32) cholesky_inverse<float>(c, s, out.ptr<float>());
  else cholesky_inverse<double>(c, s, out.ptr<double>());
  return out;
}

// ---- logMatrixDeterminant ---------------------------------------------------------------------

// sign and log |det| of each matrix of a [count, n, n] (contiguous, overwritten) by LU with
// partial pivoting, one block per matrix, step for step as the CPU's sign_log_det: the first
// row of largest |value| pivots; a NaN in the pivot column makes both NaN; a zero pivot column
// gives sign 0 and -inf. Products are rounded apart from the subtraction, as on the CPU. The
// pivot row is copied to shared memory when `row_in_shared` (n values), so the update's loads
// come from there and never wait on its stores.
template <typename T>
__global__ void sign_log_det(T* a, int64_t n, int64_t count, bool row_in_shared, T* out) {
  extern __shared__ double shared_words[];
  T* pivot_row = reinterpret_cast<T*>(shared_words);
  __shared__ T best_value[256];
  __shared__ int64_t best_row[256];
  __shared__ int nan_seen[256];
  const int tid = threadIdx.x, threads = blockDim.x, lane = tid % 32, warp = tid / 32, warps = threads / 32;
  for (int64_t b = blockIdx.x; b < count; b += gridDim.x) {
    T* m = a + b * n * n;
    double sign = 1, log_abs = 0;  // kept by thread 0
    bool done = false;
    for (int64_t k = 0; k < n && !done; k++) {
      // The pivot: each thread's first largest, then the first of those.
      T best = -1;
      int64_t row = -1;
      int nan = 0;
      for (int64_t i = k + tid; i < n; i += threads) {
        const T v = fabs(m[i * n + k]);
        if (v != v) nan = 1;
        if (v > best) best = v, row = i;
      }
      best_value[tid] = best, best_row[tid] = row, nan_seen[tid] = nan;
      __syncthreads();
      for (int half = threads / 2; half > 0; half /= 2) {
        if (tid < half) {
          const T v = best_value[tid + half];
          const int64_t r = best_row[tid + half];
          if (r >= 0 && (best_row[tid] < 0 || v > best_value[tid] || (v == best_value[tid] && r < best_row[tid]))) {
            best_value[tid] = v, best_row[tid] = r;
          }
          nan_seen[tid] |= nan_seen[tid + half];
        }
        __syncthreads();
      }
      const T pivot_abs = best_value[0];
      const int64_t p = best_row[0];
      const bool any_nan = nan_seen[0] != 0;
      __syncthreads();  // everyone has read the reduction before the next step overwrites it
      if (any_nan) {
        if (tid == 0) out[2 * b] = out[2 * b + 1] = quiet_nan<T>();
        done = true;
        break;
      }
      if (p < 0 || pivot_abs == T(0)) {
        if (tid == 0) out[2 * b] = T(0), out[2 * b + 1] = -std::numeric_limits<T>::infinity();
        done = true;
        break;
      }
      if (p != k) {
        for (int64_t j = k + tid; j < n; j += threads) {
          const T t = m[k * n + j];
          m[k * n + j] = m[p * n + j];
          m[p * n + j] = t;
        }
        if (tid == 0) sign = -sign;
      }
      __syncthreads();
      const T piv = m[k * n + k];
      if (tid == 0) {
        if (piv < 0) sign = -sign;
        log_abs += log(double(fabs(piv)));
      }
      const T* rk = m + k * n;
      if (row_in_shared) {
        for (int64_t j = k + 1 + tid; j < n; j += threads) pivot_row[j] = rk[j];
        __syncthreads();
        rk = pivot_row;
      }
      for (int64_t i = k + 1 + warp; i < n; i += warps) {
        T* ri = m + i * n;
        const T f = ri[k] / piv;
#pragma unroll 4
        for (int64_t j = k + 1 + lane; j < n; j += 32) ri[j] = sub_product(ri[j], f, rk[j]);
      }
      __syncthreads();
    }
    if (!done && tid == 0) out[2 * b] = T(sign), out[2 * b + 1] = T(log_abs);
    __syncthreads();
  }
}

template <typename T>
void launch_sign_log_det(const KernelCall& c, const linalg::SquareCall& s, Tensor& work, Tensor& out) {
  // (The kernel's own shared arrays take 5 KB of the 48.)
  const bool row_in_shared = size_t(s.n) * sizeof(T) <= kSharedBytes - 8 * 1024;
  sign_log_det<T><<<grid_for(s.count), threads_for(s.n), row_in_shared ? size_t(s.n) * sizeof(T) : 0, cuda::stream(c.device)>>>(
      work.ptr<T>(), s.n, s.count, row_in_shared, out.ptr<T>());
  cuda::check_launch(c.name);
}

Tensor log_matrix_determinant_gpu(const KernelCall& c) {
  const linalg::SquareCall s = linalg::check_log_matrix_determinant(c);
  const Tensor& x = c.input(0);
  Tensor out = c.make_output();
  if (s.count == 0) return out;
  Tensor work = empty_tensor(x.dtype, x.shape, c.name, c.device);
  copy_into(work, x);
  if (x.dtype == DType::Float32) launch_sign_log_det<float>(c, s, work, out);
  else launch_sign_log_det<double>(c, s, work, out);
  return out;
}

// ---- matrixDiag, bandPart ---------------------------------------------------------------------

Tensor matrix_diag_gpu(const KernelCall& c) {
  linalg::check_matrix_diag(c);
  Tensor out = c.make_output();
  if (out.numel() == 0) return out;
  cuda::check(cudaMemsetAsync(out.data(), 0, size_t(out.numel()) * itemsize(out.dtype), cuda::stream(c.device)), c.name);
  copy_into(linalg::diagonal_view(out, c.name), c.input(0));
  return out;
}

// Zeroes the entries of x [..., m, n] (contiguous) outside the band: kept where (lower < 0 or
// i - j <= lower) and (upper < 0 or j - i <= upper). Any dtype: entries move as bits.
template <typename E>
__global__ void zero_outside_band(E* x, int64_t m, int64_t n, int64_t lower, int64_t upper, int64_t total) {
  for (int64_t idx = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; idx < total; idx += int64_t(gridDim.x) * blockDim.x) {
    const int64_t j = idx % n, i = (idx / n) % m;
    const bool keep = (lower < 0 || i - j <= lower) && (upper < 0 || j - i <= upper);
    if (!keep) x[idx] = E(0);
  }
}

template <typename E>
void launch_band(const KernelCall& c, Tensor& out, int64_t m, int64_t n, const linalg::Band& band) {
  const int64_t total = out.numel();
  zero_outside_band<E><<<cuda::blocks_for(total), cuda::kBlock, 0, cuda::stream(c.device)>>>(out.ptr<E>(), m, n, band.lower,
                                                                                             band.upper, total);
  cuda::check_launch(c.name);
}

Tensor band_part_gpu(const KernelCall& c) {
  const linalg::Band band = linalg::check_band_part(c);
  const Tensor& x = c.input(0);
  Tensor out = c.make_output();
  const int64_t total = out.numel();
  if (total == 0) return out;
  copy_into(out, x);
  const int64_t m = x.shape[x.rank() - 2], n = x.shape[x.rank() - 1];
  switch (itemsize(out.dtype)) {
    case 1: launch_band<uint8_t>(c, out, m, n, band); break;
    case 4: launch_band<uint32_t>(c, out, m, n, band); break;
    default: launch_band<uint64_t>(c, out, m, n, band); break;
  }
  return out;
}

CudaKernelRegistrar cuda_registrations[] = {
    {"cholesky", cholesky_gpu},
    {"logDet", log_det_gpu},
    {"triangularSolve", solve_gpu<false>},
    {"choleskySolve", solve_gpu<true>},
    {"choleskyInverse", cholesky_inverse_gpu},
    {"logMatrixDeterminant", log_matrix_determinant_gpu},
    {"matrixDiag", matrix_diag_gpu},
    {"bandPart", band_part_gpu},
};

}  // namespace
}  // namespace rv
