// matMul (and dot) and outer on a GPU: same attrs, checks and semantics as kernels/matmul.cc.
//
// Products go to cuBLAS (cublas.h). cuBLAS is column-major and we are row-major: row-major
// C = A·B is column-major Cᵀ = Bᵀ·Aᵀ, so every call passes B first and A second, and a matrix
// that is row-major as it lies is "not transposed" for cuBLAS; no operand is ever transposed
// by a copy. Each operand is taken as it lies when its matrices are a plain (possibly
// transposed) 2-D layout with a leading dimension; batches run as one strided-batched call over
// the batch dimensions that share a constant stride (0 for a broadcast operand), looping here
// over any others. Only operands cuBLAS cannot describe (overlapping rows, negative or zero
// strides inside a matrix) are copied dense first, as the CPU kernel does for its BLAS.
//
// Without cuBLAS, or past its int sizes, a tiled kernel of our own computes the product from
// any strides (slow next to cuBLAS, but correct).
//
// First, though, a product of a small side (at most 8 rows or columns) and a long operand whose
// rows are contiguous goes to the skinny kernels (matmul_skinny.cu), which read the long operand
// once at memory speed where cuBLAS's gemv and gemm do not: X·β and Xᵀ·r of a linear model.
#include <algorithm>
#include <cstdint>
#include <string>

#include "../kernels/matmul.h"
#include "common.cuh"
#include "cublas.h"
#include "matmul_skinny.h"

namespace rv {
namespace {

using matmul::Operand;

// How the swapped column-major call sees a rows x cols operand with strides (rs, cs): row-major
// with leading dimension rs is Op::N, column-major with leading dimension cs is Op::T. Not ok
// when neither describes it, or the leading dimension exceeds an int. (The rules of the CPU
// kernel's blas_layout, with cuBLAS's names.)
struct Layout {
  bool ok = false;
  cuda::Op op = cuda::Op::N;
  int64_t ld = 1;
};

Layout layout(int64_t rows, int64_t cols, int64_t rs, int64_t cs) {
  if ((cols == 1 || cs == 1) && (rows == 1 || rs >= std::max<int64_t>(1, cols))) {
    const int64_t ld = rows == 1 ? std::max<int64_t>(1, cols) : rs;
    if (cuda::fits_int(ld)) return {true, cuda::Op::N, ld};
  }
  if ((rows == 1 || rs == 1) && (cols == 1 || cs >= std::max<int64_t>(1, rows))) {
    const int64_t ld = cols == 1 ? std::max<int64_t>(1, rows) : cs;
    if (cuda::fits_int(ld)) return {true, cuda::Op::T, ld};
  }
  return {};
}

// The operand with its matrices copied into dense row-major order on its GPU; batch dimensions
// that broadcast (stride 0) stay unexpanded. (The CPU kernel's densified.)
Operand densified(const Operand& o, bool transpose, bool is_a, const char* what) {
  Dims shape = o.t.shape, strides = o.t.strides;
  for (int d = 0; d < o.batch_rank; d++) {
    if (strides[d] == 0) shape[d] = 1;
  }
  Tensor dense = empty_tensor(o.t.dtype, shape, what, o.t.device());
  copy_into(dense, make_view(o.t, shape, strides, o.t.offset));
  return matmul::describe(dense, transpose, is_a);
}

// The batch of products split into an inner group of `count` products at constant strides
// (one strided-batched call) and outer dimensions looped over here.
struct BatchPlan {
  int64_t count = 1, sa = 0, sb = 0, sc = 0;
  int outer = 0;
  int64_t dims[kMaxRank] = {}, oa[kMaxRank] = {}, ob[kMaxRank] = {}, oc[kMaxRank] = {};
};

BatchPlan plan_batches(const Operand& a, const Operand& b, const Dims& batch, int64_t m, int64_t n) {
  BatchPlan p;
  int64_t sc = m * n;  // C is contiguous: its stride along dimension d
  bool grouping = true, started = false;
  int64_t rest_dims[kMaxRank], rest_a[kMaxRank], rest_b[kMaxRank], rest_c[kMaxRank];
  int rest = 0;
  for (int d = batch.n - 1; d >= 0; d--) {
    const int64_t size = batch[d], sa = a.batch_stride(batch, d), sb = b.batch_stride(batch, d);
    if (size != 1) {
      if (grouping && !started) {
        p.count = size, p.sa = sa, p.sb = sb, p.sc = sc;
        started = true;
      } else if (grouping && sa == p.sa * p.count && sb == p.sb * p.count && sc == p.sc * p.count) {
        p.count *= size;
      } else {
        grouping = false;
        rest_dims[rest] = size, rest_a[rest] = sa, rest_b[rest] = sb, rest_c[rest] = sc;
        rest++;
      }
    }
    sc *= size;
  }
  // Outer dimensions, outermost first.
  for (int i = 0; i < rest; i++) {
    const int j = rest - 1 - i;
    p.dims[i] = rest_dims[j], p.oa[i] = rest_a[j], p.ob[i] = rest_b[j], p.oc[i] = rest_c[j];
  }
  p.outer = rest;
  return p;
}

template <typename T>
void blas_products(int device, const Operand& a, const Operand& b, const Dims& batch, int64_t m, int64_t n, int64_t k,
                   T* out, const char* what) {
  Layout la = layout(m, k, a.rs, a.cs), lb = layout(k, n, b.rs, b.cs);
  BatchPlan plan = plan_batches(a, b, batch, m, n);
  // Every matrix of a batch of A's meets one B, and A's rows continue from one matrix to the
  // next: the whole batch is one product of count·m rows (as the CPU kernel folds it).
  if (plan.outer == 0 && plan.count > 1 && plan.sb == 0 && (m == 1 || plan.sa == m * a.rs) &&
      cuda::fits_int(plan.count * m)) {
    const Layout folded = layout(plan.count * m, k, m == 1 ? plan.sa : a.rs, a.cs);
    if (folded.ok) {
      la = folded;
      m *= plan.count;
      plan.count = 1;
    }
  }
  const T* pa = a.t.ptr<T>();
  const T* pb = b.t.ptr<T>();
  int64_t outer_total = 1;
  for (int i = 0; i < plan.outer; i++) outer_total *= plan.dims[i];
  for (int64_t f = 0; f < outer_total; f++) {
    int64_t offa = 0, offb = 0, offc = 0, rem = f;
    for (int i = plan.outer - 1; i >= 0; i--) {
      const int64_t idx = rem % plan.dims[i];
      rem /= plan.dims[i];
      offa += idx * plan.oa[i], offb += idx * plan.ob[i], offc += idx * plan.oc[i];
    }
    // Column-major Cᵀ (n x m) = op(B-side) · op(A-side).
    if (plan.count == 1) {
      cuda::gemm<T>(device, lb.op, la.op, n, m, k, T(1), pb + offb, lb.ld, pa + offa, la.ld, T(0), out + offc, n, what);
    } else {
      cuda::gemm_strided_batched<T>(device, lb.op, la.op, n, m, k, T(1), pb + offb, lb.ld, plan.sb, pa + offa, la.ld,
                                    plan.sa, T(0), out + offc, n, plan.sc, plan.count, what);
    }
  }
}

// ---- The fallback: a tiled product from any strides --------------------------------------------

// Element offsets of each product's A and B in the batch (right-aligned batch strides, 0 where
// an operand broadcasts); C is contiguous.
struct BatchGeometry {
  int n = 0;
  int64_t dims[kMaxRank] = {}, sa[kMaxRank] = {}, sb[kMaxRank] = {};
  __device__ void offsets(int64_t flat, int64_t& oa, int64_t& ob) const {
    oa = 0, ob = 0;
    for (int d = n - 1; d >= 0; d--) {
      const int64_t i = flat % dims[d];
      flat /= dims[d];
      oa += i * sa[d], ob += i * sb[d];
    }
  }
};

constexpr int kTile = 32, kTileRows = 8;  // a 32 x 32 tile of C per block of 32 x 8 threads

// C[batch] (m x n) = A·B, accumulating over k in ascending order in T (as the CPU's kernels).
template <typename T>
__global__ void gemm_tiled(BatchGeometry g, const T* __restrict__ a, const T* __restrict__ b, T* __restrict__ c,
                           int64_t m, int64_t n, int64_t k, int64_t ars, int64_t acs, int64_t brs, int64_t bcs,
                           int64_t row0, int64_t batch0) {
  __shared__ T as[kTile][kTile + 1];
  __shared__ T bs[kTile][kTile + 1];
  const int64_t batch = batch0 + blockIdx.z;
  int64_t oa, ob;
  g.offsets(batch, oa, ob);
  a += oa, b += ob, c += batch * m * n;
  const int tx = threadIdx.x, ty = threadIdx.y;
  const int64_t i0 = row0 + int64_t(blockIdx.y) * kTile, j0 = int64_t(blockIdx.x) * kTile;
  T acc[kTile / kTileRows] = {};
  for (int64_t p0 = 0; p0 < k; p0 += kTile) {
#pragma unroll
    for (int r = 0; r < kTile / kTileRows; r++) {
      const int row = ty + r * kTileRows;
      const int64_t i = i0 + row, pa = p0 + tx, pb = p0 + row, j = j0 + tx;
      as[row][tx] = i < m && pa < k ? a[i * ars + pa * acs] : T(0);
      bs[row][tx] = pb < k && j < n ? b[pb * brs + j * bcs] : T(0);
    }
    __syncthreads();
#pragma unroll 8
    for (int q = 0; q < kTile; q++) {
      const T bv = bs[q][tx];
#pragma unroll
      for (int r = 0; r < kTile / kTileRows; r++) acc[r] += as[ty + r * kTileRows][q] * bv;
    }
    __syncthreads();
  }
#pragma unroll
  for (int r = 0; r < kTile / kTileRows; r++) {
    const int64_t i = i0 + ty + r * kTileRows, j = j0 + tx;
    if (i < m && j < n) c[i * n + j] = acc[r];
  }
}

template <typename T>
void tiled_products(int device, const Operand& a, const Operand& b, const Dims& batch, int64_t batches, int64_t m,
                    int64_t n, int64_t k, T* out, const char* what) {
  BatchGeometry g;
  g.n = batch.n;
  for (int d = 0; d < batch.n; d++) g.dims[d] = batch[d], g.sa[d] = a.batch_stride(batch, d), g.sb[d] = b.batch_stride(batch, d);
  cudaStream_t s = cuda::stream(device);
  constexpr int64_t kMaxGrid = 65535;  // grid y and z
  const int64_t row_tiles = (m + kTile - 1) / kTile;
  const dim3 block(kTile, kTileRows);
  for (int64_t z0 = 0; z0 < batches; z0 += kMaxGrid) {
    for (int64_t y0 = 0; y0 < row_tiles; y0 += kMaxGrid) {
      const dim3 grid(unsigned((n + kTile - 1) / kTile), unsigned(std::min(kMaxGrid, row_tiles - y0)),
                      unsigned(std::min(kMaxGrid, batches - z0)));
      gemm_tiled<T><<<grid, block, 0, s>>>(g, a.t.ptr<T>(), b.t.ptr<T>(), out, m, n, k, a.rs, a.cs, b.rs, b.cs, y0 * kTile, z0);
      cuda::check_launch(what);
    }
  }
}

template <typename T>
void products(const KernelCall& c, matmul::Product& p, T* out) {
  if (cuda::skinny_product<T>(c.device, p, out, c.name)) return;
  Operand& a = p.a;
  Operand& b = p.b;
  bool blas = cuda::cublas_available() && cuda::fits_int(p.m) && cuda::fits_int(p.n) && cuda::fits_int(p.k);
  if (blas) {
    // Every matrix of an operand has the same strides: copy, once, what cuBLAS cannot take.
    if (!layout(p.m, p.k, a.rs, a.cs).ok) a = densified(a, p.trans_a, true, c.name);
    if (!layout(p.k, p.n, b.rs, b.cs).ok) b = densified(b, p.trans_b, false, c.name);
    blas = layout(p.m, p.k, a.rs, a.cs).ok && layout(p.k, p.n, b.rs, b.cs).ok;
  }
  if (blas) blas_products<T>(c.device, a, b, p.batch, p.m, p.n, p.k, out, c.name);
  else tiled_products<T>(c.device, a, b, p.batch, p.batches, p.m, p.n, p.k, out, c.name);
}

Tensor matmul_gpu(const KernelCall& c) {
  matmul::Product p = matmul::check_matmul(c);
  Tensor out = c.make_output();
  if (out.numel() == 0) return out;
  if (p.k == 0) {
    // The empty sum: +0 is all zero bits.
    cuda::check(cudaMemsetAsync(out.data(), 0, size_t(out.numel()) * itemsize(out.dtype), cuda::stream(c.device)), c.name);
    return out;
  }
  if (out.dtype == DType::Float32) products<float>(c, p, out.ptr<float>());
  else products<double>(c, p, out.ptr<double>());
  return out;
}

template <typename T> struct Multiply {
  __device__ T operator()(T x, T y) const { return x * y; }
};

// outer(a, b)[i, j] = a[i] · b[j]: an elementwise product of a column and a row (bitwise the
// CPU's result).
Tensor outer_gpu(const KernelCall& c) {
  matmul::OuterOperands v = matmul::outer_operands(c);
  Tensor out = c.make_output();
  if (out.dtype == DType::Float32) cuda::map<float, float, float>(out, Multiply<float>(), c.name, v.column, v.row);
  else cuda::map<double, double, double>(out, Multiply<double>(), c.name, v.column, v.row);
  return out;
}

CudaKernelRegistrar cuda_registrations[] = {
    {"matMul", matmul_gpu},
    {"outer", outer_gpu},
};

}  // namespace
}  // namespace rv
