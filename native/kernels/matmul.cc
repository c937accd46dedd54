// matMul (with batch broadcasting and transposes; also dot) and outer.
//
// Each operand is described as a matrix (rows, cols, row stride, column stride) after its
// transpose flag, plus batch dimensions whose strides are 0 where they broadcast. A rank-1
// operand is a row (a) or a column (b), as NumPy promotes it.
//
// With a BLAS (blas.h), each matrix of the batch goes to cblas_?gemm (cblas_?gemv when one
// side is a vector) as it lies: a transposed view becomes a transpose flag, a slice a leading
// dimension; only layouts BLAS cannot describe (rows that overlap, negative or zero strides
// inside the matrix) are copied first. Large products are called from this thread, so the
// library's own threads do the work; many small ones are spread over our pool.
//
// Without one, a built-in kernel: A and B packed into panels (any strides, so never a copy
// of the operand), an MR x NR register-blocked micro-kernel over them, blocked for the caches
// and parallel over tiles of C. Matrix-vector products have their own memory-bound kernels.
// Both accumulate in the output dtype, as BLAS does.
//
// With or without a BLAS, one product with a side of at most 8 rows (or columns) against a long
// operand runs on the skinny kernels, which read the long operand once at memory speed where
// gemm would pack it (see "Skinny products" below).
#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "../allocator.h"
#include "../rounding.h"
#include "../blas.h"
#include "../kernel.h"
#include "../thread_pool.h"
#include "elementwise.h"
#include "matmul.h"

// a*b + c in the kernels below becomes one FMA where the ISA has it, as in every BLAS; the
// project compiles with -std=c++17, whose default would keep them apart. (After the includes,
// so it touches this file's functions only.)
#if defined(__clang__)
#pragma clang fp contract(fast)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=fast")
#endif

#if defined(__GNUC__)
#define RV_ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define RV_ALWAYS_INLINE inline
#endif

namespace rv {
namespace {

// A matrix in memory: element (i, j) at p[i * rs + j * cs].
template <typename T> struct MatRef {
  const T* p;
  int64_t rs, cs;
};

// ---------------------------------------------------------------------------------------------
// The built-in GEMM: C (m x n, row stride ldc) = A (m x k) · B (k x n).

#if defined(__GNUC__)
// Vectors of VB bytes (GCC/Clang vector extensions): the compiler emits the ISA's own.
template <typename T, int VB> struct VecOf {
  typedef T type __attribute__((vector_size(VB)));
};
#define RV_UNROLL _Pragma("GCC unroll 16")
#else
// Other compilers (MSVC): a plain array with the two operations the micro-kernel uses.
template <typename T, int VB> struct VecOf {
  struct type {
    T v[VB / sizeof(T)];
    type& operator+=(const type& o) {
      for (size_t i = 0; i < VB / sizeof(T); i++) v[i] += o.v[i];
      return *this;
    }
    friend type operator*(const type& x, T s) {
      type r;
      for (size_t i = 0; i < VB / sizeof(T); i++) r.v[i] = x.v[i] * s;
      return r;
    }
  };
};
#define RV_UNROLL
#endif

// An MR x NR tile of C from packed panels: a holds MR values per step of k, b NR values. The
// accumulators are NR/L vectors per row, all held in registers (MR and NR are chosen per ISA
// so they fit). `add` adds to C instead of storing; edge tiles (mr < MR or nr < NR) store
// the valid part only.
template <typename T, int VB, int MR, int NR>
RV_ALWAYS_INLINE void micro_kernel(int64_t kc, const T* __restrict a, const T* __restrict b, T* __restrict c,
                                   int64_t ldc, bool add, int64_t mr, int64_t nr) {
  using V = typename VecOf<T, VB>::type;
  constexpr int L = VB / int(sizeof(T));
  constexpr int NV = NR / L;
  static_assert(NV * L == NR, "NR must be a multiple of the vector length");
  V acc[MR][NV];
RV_UNROLL
  for (int i = 0; i < MR; i++) {
RV_UNROLL
    for (int j = 0; j < NV; j++) acc[i][j] = V{};
  }
  for (int64_t p = 0; p < kc; p++) {
    V bv[NV];
RV_UNROLL
    for (int j = 0; j < NV; j++) std::memcpy(&bv[j], b + p * NR + j * L, sizeof(V));
RV_UNROLL
    for (int i = 0; i < MR; i++) {
      const T av = a[p * MR + i];
RV_UNROLL
      for (int j = 0; j < NV; j++) acc[i][j] += bv[j] * av;
    }
  }
  if (mr == MR && nr == NR) {
RV_UNROLL
    for (int i = 0; i < MR; i++) {
RV_UNROLL
      for (int j = 0; j < NV; j++) {
        V v = acc[i][j];
        T* dst = c + i * ldc + j * L;
        if (add) {
          V old;
          std::memcpy(&old, dst, sizeof(V));
          v += old;
        }
        std::memcpy(dst, &v, sizeof(V));
      }
    }
    return;
  }
  T tile[MR][NR];
  std::memcpy(tile, acc, sizeof(tile));
  for (int64_t i = 0; i < mr; i++) {
    for (int64_t j = 0; j < nr; j++) c[i * ldc + j] = add ? c[i * ldc + j] + tile[i][j] : tile[i][j];
  }
}

// An mc x nc block of C from packed A (mc x kc, panels of MR rows) and packed B (kc x nc,
// panels of NR columns). Each B panel stays in L1 while the A panels stream past it.
template <typename T, int VB, int MR, int NR>
RV_ALWAYS_INLINE void macro_kernel(int64_t mc, int64_t nc, int64_t kc, const T* pa, const T* pb, T* c, int64_t ldc,
                                   bool add) {
  for (int64_t j = 0; j < nc; j += NR) {
    for (int64_t i = 0; i < mc; i += MR) {
      micro_kernel<T, VB, MR, NR>(kc, pa + i * kc, pb + j * kc, c + i * ldc + j, ldc, add, std::min<int64_t>(MR, mc - i),
                                  std::min<int64_t>(NR, nc - j));
    }
  }
}

template <typename T> using MacroFn = void (*)(int64_t, int64_t, int64_t, const T*, const T*, T*, int64_t, bool);

// One tile shape per instruction set: the accumulators (MR x NR/L vectors) plus one row of B
// and a broadcast of A fill the register file (32 vector registers with AVX-512, 16 with AVX2
// and SSE2). The tile fixes the packing layout, so each ISA has its own instantiation, picked
// at run time (target_clones cannot change the tile, and its avx2 clone has no FMA).
#define RV_DEFINE_MACRO(NAME, ATTR, T, VB, MR, NR)                                                              \
  ATTR void NAME(int64_t mc, int64_t nc, int64_t kc, const T* pa, const T* pb, T* c, int64_t ldc, bool add) { \
    macro_kernel<T, VB, MR, NR>(mc, nc, kc, pa, pb, c, ldc, add);                                            \
  }

#if defined(__x86_64__) && defined(__GNUC__)
#define RV_GEMM_X86 1
RV_DEFINE_MACRO(macro_f32_avx512, __attribute__((target("avx512f,avx2,fma"))), float, 64, 8, 32)
RV_DEFINE_MACRO(macro_f64_avx512, __attribute__((target("avx512f,avx2,fma"))), double, 64, 8, 16)
RV_DEFINE_MACRO(macro_f32_avx2, __attribute__((target("avx2,fma"))), float, 32, 6, 16)
RV_DEFINE_MACRO(macro_f64_avx2, __attribute__((target("avx2,fma"))), double, 32, 6, 8)
RV_DEFINE_MACRO(macro_f32_base, , float, 16, 4, 8)
RV_DEFINE_MACRO(macro_f64_base, , double, 16, 4, 4)
#else
// 128-bit vectors (NEON has 32 registers; other targets get what the compiler makes of it).
RV_DEFINE_MACRO(macro_f32_base, , float, 16, 8, 8)
RV_DEFINE_MACRO(macro_f64_base, , double, 16, 8, 4)
#endif

template <typename T> struct GemmConfig {
  MacroFn<T> macro;
  int mr, nr;
};

enum class Isa { Base, Avx2, Avx512 };

// The best kernel this CPU runs. RANDVAR_GEMM_ISA = avx2 or base picks a lesser one (never one
// the CPU lacks), so tests can check every kernel on one machine.
Isa detect_isa() {
  Isa best = Isa::Base;
#ifdef RV_GEMM_X86
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) best = Isa::Avx2;
  if (best == Isa::Avx2 && __builtin_cpu_supports("avx512f")) best = Isa::Avx512;
#endif
  const char* env = std::getenv("RANDVAR_GEMM_ISA");
  const std::string wanted = env ? env : "";
  if (wanted == "base") return Isa::Base;
  if (wanted == "avx2" && best != Isa::Base) return Isa::Avx2;
  return best;
}

template <typename T> GemmConfig<T> gemm_config() {
  static const Isa isa = detect_isa();
  constexpr bool f32 = sizeof(T) == 4;
#ifdef RV_GEMM_X86
  if (isa == Isa::Avx512) {
    if constexpr (f32) return {macro_f32_avx512, 8, 32};
    else return {macro_f64_avx512, 8, 16};
  }
  if (isa == Isa::Avx2) {
    if constexpr (f32) return {macro_f32_avx2, 6, 16};
    else return {macro_f64_avx2, 6, 8};
  }
  if constexpr (f32) return {macro_f32_base, 4, 8};
  else return {macro_f64_base, 4, 4};
#else
  (void)isa;
  if constexpr (f32) return {macro_f32_base, 8, 8};
  else return {macro_f64_base, 8, 4};
#endif
}

// Cache blocking: kc steps of k per packed panel (a B panel of kc x NR stays in L1), mc rows
// of A per tile (an mc x kc block stays in L2), nc columns of B per packed block (in L3), and
// at most kMaxRows rows of A packed at once (bounds the scratch memory).
constexpr int64_t kKC = 256;
constexpr int64_t kMC = 240;
constexpr int64_t kNC = 4096;
constexpr int64_t kMaxRows = 4096;

// Packs rows [0, mc) x steps [0, kc) of A into panels of mr rows: panel r holds, for each
// step p, its mr values (zeros past the last row).
template <typename T>
void pack_a(MatRef<T> a, int64_t mc, int64_t kc, int mr, T* out) {
  for (int64_t i0 = 0; i0 < mc; i0 += mr, out += mr * kc) {
    const int64_t rows = std::min<int64_t>(mr, mc - i0);
    const T* src = a.p + i0 * a.rs;
    if (a.rs == 1) {
      for (int64_t p = 0; p < kc; p++) {
        const T* s = src + p * a.cs;
        for (int64_t i = 0; i < rows; i++) out[p * mr + i] = s[i];
        for (int64_t i = rows; i < mr; i++) out[p * mr + i] = T(0);
      }
    } else {
      for (int64_t i = 0; i < rows; i++) {
        const T* s = src + i * a.rs;
        if (a.cs == 1) {
          for (int64_t p = 0; p < kc; p++) out[p * mr + i] = s[p];
        } else {
          for (int64_t p = 0; p < kc; p++) out[p * mr + i] = s[p * a.cs];
        }
      }
      for (int64_t i = rows; i < mr; i++) {
        for (int64_t p = 0; p < kc; p++) out[p * mr + i] = T(0);
      }
    }
  }
}

// Packs steps [0, kc) x columns [j0, j1) of B (j0, j1 multiples of nr, or j1 = nc) into panels
// of nr columns: panel q holds, for each step p, its nr values (zeros past the last column).
template <typename T>
void pack_b(MatRef<T> b, int64_t kc, int64_t nc, int nr, int64_t j0, int64_t j1, T* out) {
  for (int64_t j = j0; j < j1; j += nr) {
    T* o = out + j * kc;
    const int64_t cols = std::min<int64_t>(nr, nc - j);
    const T* src = b.p + j * b.cs;
    for (int64_t p = 0; p < kc; p++) {
      const T* s = src + p * b.rs;
      T* d = o + p * nr;
      if (b.cs == 1) {
        for (int64_t q = 0; q < cols; q++) d[q] = s[q];
      } else {
        for (int64_t q = 0; q < cols; q++) d[q] = s[q * b.cs];
      }
      for (int64_t q = cols; q < nr; q++) d[q] = T(0);
    }
  }
}

// Scratch memory from the caching allocator (aligned, reused across calls).
struct Scratch {
  Block block;
  Scratch(size_t bytes, const char* what) : block(allocate(std::max<size_t>(bytes, 64), what)) {}
  ~Scratch() { release(block); }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  template <typename T> T* as() const { return static_cast<T*>(block.data); }
};

// Runs fn(begin, end) over [0, n): across the pool when `parallel`, else inline.
template <typename Fn>
void maybe_parallel(bool parallel, int64_t n, int64_t grain, Fn&& fn) {
  if (parallel) parallel_for(n, grain, fn);
  else if (n > 0) fn(0, n);
}

template <typename T>
void gemm_packed(int64_t m, int64_t n, int64_t k, MatRef<T> a, MatRef<T> b, T* c, int64_t ldc, bool parallel,
                 const char* what) {
  const GemmConfig<T> cfg = gemm_config<T>();
  const int mr = cfg.mr, nr = cfg.nr;
  const int64_t rows_max = std::min<int64_t>(m, kMaxRows);
  const int64_t cols_max = std::min<int64_t>(n, kNC);
  const int64_t kc_max = std::min<int64_t>(k, kKC);
  Scratch sa(sizeof(T) * size_t((rows_max + mr - 1) / mr * mr) * size_t(kc_max), what);
  Scratch sb(sizeof(T) * size_t((cols_max + nr - 1) / nr * nr) * size_t(kc_max), what);
  T* pa = sa.as<T>();
  T* pb = sb.as<T>();
  const int threads = parallel ? num_threads() : 1;
  for (int64_t ib = 0; ib < m; ib += kMaxRows) {
    const int64_t mb = std::min(kMaxRows, m - ib);
    const int64_t a_panels = (mb + mr - 1) / mr;
    for (int64_t pc = 0; pc < k; pc += kKC) {
      const int64_t kc = std::min(kKC, k - pc);
      const MatRef<T> a_block{a.p + ib * a.rs + pc * a.cs, a.rs, a.cs};
      // Panels are independent: pack them in parallel (at least ~16K values per task).
      const int64_t pack_grain = std::max<int64_t>(1, 16384 / (kc * mr));
      maybe_parallel(parallel, a_panels, pack_grain, [&](int64_t begin, int64_t end) {
        const int64_t i0 = begin * mr, i1 = std::min(mb, end * mr);
        pack_a(MatRef<T>{a_block.p + i0 * a.rs, a.rs, a.cs}, i1 - i0, kc, mr, pa + i0 * kc);
      });
      for (int64_t jc = 0; jc < n; jc += kNC) {
        const int64_t nc = std::min(kNC, n - jc);
        const int64_t b_panels = (nc + nr - 1) / nr;
        const MatRef<T> b_block{b.p + pc * b.rs + jc * b.cs, b.rs, b.cs};
        maybe_parallel(parallel, b_panels, std::max<int64_t>(1, 16384 / (kc * nr)), [&](int64_t begin, int64_t end) {
          pack_b(b_block, kc, nc, nr, begin * nr, std::min(nc, end * nr), pb);
        });
        // Tiles of C: blocks of kMC rows, and enough column groups to give every thread
        // several tiles (even shares when tile costs differ at the edges).
        const int64_t row_blocks = (mb + kMC - 1) / kMC;
        int64_t col_blocks = 1;
        if (threads > 1) col_blocks = std::min(b_panels, std::max<int64_t>(1, (4 * threads + row_blocks - 1) / row_blocks));
        const int64_t panels_per_block = (b_panels + col_blocks - 1) / col_blocks;
        col_blocks = (b_panels + panels_per_block - 1) / panels_per_block;
        const bool add = pc > 0;
        T* c_block = c + ib * ldc + jc;
        const int64_t tile_flops = std::min(kMC, mb) * panels_per_block * nr * kc;
        maybe_parallel(parallel, row_blocks * col_blocks, std::max<int64_t>(1, 65536 / std::max<int64_t>(tile_flops, 1)),
                       [&](int64_t begin, int64_t end) {
                         for (int64_t t = begin; t < end; t++) {
                           const int64_t i0 = (t / col_blocks) * kMC, j0 = (t % col_blocks) * panels_per_block * nr;
                           const int64_t mc = std::min(kMC, mb - i0), ncs = std::min(panels_per_block * nr, nc - j0);
                           cfg.macro(mc, ncs, kc, pa + i0 * kc, pb + j0 * kc, c_block + i0 * ldc + j0, ldc, add);
                         }
                       });
      }
    }
  }
}

// Small products: straight loops, no packing (which would cost more than the product).
// Rows of C accumulate rows of B scaled by entries of A, in order of k.
template <typename T>
void gemm_small(int64_t m, int64_t n, int64_t k, MatRef<T> a, MatRef<T> b, T* c, int64_t ldc) {
  for (int64_t i = 0; i < m; i++) {
    T* __restrict ci = c + i * ldc;
    for (int64_t j = 0; j < n; j++) ci[j] = T(0);
    for (int64_t p = 0; p < k; p++) {
      const T aip = a.p[i * a.rs + p * a.cs];
      const T* bp = b.p + p * b.rs;
      if (b.cs == 1) {
        for (int64_t j = 0; j < n; j++) ci[j] += aip * bp[j];
      } else {
        for (int64_t j = 0; j < n; j++) ci[j] += aip * bp[j * b.cs];
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Matrix-vector products, memory-bound: y (m, contiguous) = A (m x k) · x (stride incx).

// y[i] = a[i, :] · x for rows with unit column stride and x contiguous; 16 independent
// accumulators per row so the sum vectorises.
template <typename T>
RV_ALWAYS_INLINE void gemv_rows_impl(const T* a, int64_t lda, const T* x, T* y, int64_t rows, int64_t k) {
  constexpr int kLanes = 16;
  for (int64_t i = 0; i < rows; i++) {
    const T* __restrict ai = a + i * lda;
    T acc[kLanes] = {};
    int64_t p = 0;
    for (; p + kLanes <= k; p += kLanes) {
      for (int l = 0; l < kLanes; l++) acc[l] += ai[p + l] * x[p + l];
    }
    for (int w = kLanes / 2; w >= 1; w /= 2) {
      for (int l = 0; l < w; l++) acc[l] += acc[l + w];
    }
    T s = acc[0];
    for (; p < k; p++) s += ai[p] * x[p];
    y[i] = s;
  }
}
RV_MULTIVERSION void gemv_rows_f32(const float* a, int64_t lda, const float* x, float* y, int64_t rows, int64_t k) {
  gemv_rows_impl(a, lda, x, y, rows, k);
}
RV_MULTIVERSION void gemv_rows_f64(const double* a, int64_t lda, const double* x, double* y, int64_t rows, int64_t k) {
  gemv_rows_impl(a, lda, x, y, rows, k);
}

// y[0:m] += Σ_p a[:, p] x[p] over steps [p0, p1), columns of A contiguous (stride lda apart).
template <typename T>
RV_ALWAYS_INLINE void gemv_columns_impl(const T* a, int64_t lda, const T* x, int64_t incx, T* y, int64_t m, int64_t p0,
                                        int64_t p1) {
  int64_t p = p0;
  for (; p + 4 <= p1; p += 4) {  // four columns per pass: a quarter of the traffic on y
    const T* __restrict c0 = a + p * lda;
    const T* __restrict c1 = c0 + lda;
    const T* __restrict c2 = c1 + lda;
    const T* __restrict c3 = c2 + lda;
    const T x0 = x[p * incx], x1 = x[(p + 1) * incx], x2 = x[(p + 2) * incx], x3 = x[(p + 3) * incx];
    for (int64_t i = 0; i < m; i++) y[i] += c0[i] * x0 + c1[i] * x1 + c2[i] * x2 + c3[i] * x3;
  }
  for (; p < p1; p++) {
    const T* __restrict col = a + p * lda;
    const T xp = x[p * incx];
    for (int64_t i = 0; i < m; i++) y[i] += col[i] * xp;
  }
}
RV_MULTIVERSION void gemv_columns_f32(const float* a, int64_t lda, const float* x, int64_t incx, float* y, int64_t m,
                                      int64_t p0, int64_t p1) {
  gemv_columns_impl(a, lda, x, incx, y, m, p0, p1);
}
RV_MULTIVERSION void gemv_columns_f64(const double* a, int64_t lda, const double* x, int64_t incx, double* y, int64_t m,
                                      int64_t p0, int64_t p1) {
  gemv_columns_impl(a, lda, x, incx, y, m, p0, p1);
}

template <typename T>
void gemv_rows(const T* a, int64_t lda, const T* x, T* y, int64_t rows, int64_t k) {
  if constexpr (sizeof(T) == 4) gemv_rows_f32(a, lda, x, y, rows, k);
  else gemv_rows_f64(a, lda, x, y, rows, k);
}
template <typename T>
void gemv_columns(const T* a, int64_t lda, const T* x, int64_t incx, T* y, int64_t m, int64_t p0, int64_t p1) {
  if constexpr (sizeof(T) == 4) gemv_columns_f32(a, lda, x, incx, y, m, p0, p1);
  else gemv_columns_f64(a, lda, x, incx, y, m, p0, p1);
}

// Steps of k per partial sum when columns of A are summed in parallel: fixed by the shape, so
// results do not depend on the thread count.
constexpr int64_t kGemvChunk = 8192;

// y[0:rows] = A · x for columns of A contiguous, chunk by chunk as gemv_builtin describes: the
// same sums, in the same order, as the chunk-parallel split.
template <typename T>
void gemv_columns_chunked(const T* a, int64_t lda, const T* x, int64_t incx, T* y, int64_t rows, int64_t k) {
  for (int64_t i = 0; i < rows; i++) y[i] = T(0);
  gemv_columns(a, lda, x, incx, y, rows, 0, std::min(k, kGemvChunk));
  if (k <= kGemvChunk) return;
  std::vector<T> part(static_cast<size_t>(rows));
  for (int64_t p0 = kGemvChunk; p0 < k; p0 += kGemvChunk) {
    std::fill(part.begin(), part.end(), T(0));
    gemv_columns(a, lda, x, incx, part.data(), rows, p0, std::min(k, p0 + kGemvChunk));
    for (int64_t i = 0; i < rows; i++) y[i] += part[size_t(i)];
  }
}

template <typename T>
void gemv_builtin(int64_t m, int64_t k, MatRef<T> a, const T* x, int64_t incx, T* y, bool parallel, const char* what) {
  if (a.cs == 1 || (k == 1 && a.rs != 1)) {
    // Rows of A are contiguous: one dot product per row, x made contiguous if it is not.
    std::vector<T> xs;
    if (incx != 1 && k > 1) {
      xs.resize(size_t(k));
      for (int64_t p = 0; p < k; p++) xs[size_t(p)] = x[p * incx];
      x = xs.data();
    }
    maybe_parallel(parallel, m, std::max<int64_t>(1, 32768 / std::max<int64_t>(k, 1)), [&](int64_t begin, int64_t end) {
      gemv_rows(a.p + begin * a.rs, a.rs, x, y + begin, end - begin, k);
    });
    return;
  }
  if (a.rs == 1) {
    // Columns of A are contiguous (a transposed view): y accumulates scaled columns, in fixed
    // chunks of k whose partial vectors are added in order. Many rows: split the rows across
    // threads; few: split the chunks, each into its own partial vector.
    const int64_t chunks = (k + kGemvChunk - 1) / kGemvChunk;
    if (!parallel || chunks <= 1 || m >= 1024) {
      maybe_parallel(parallel, m, std::max<int64_t>(256, 32768 / k), [&](int64_t begin, int64_t end) {
        gemv_columns_chunked(a.p + begin, a.cs, x, incx, y + begin, end - begin, k);
      });
      return;
    }
    Scratch partial(sizeof(T) * size_t(chunks) * size_t(m), what);
    T* part = partial.as<T>();
    parallel_for(chunks, 1, [&](int64_t begin, int64_t end) {
      for (int64_t ch = begin; ch < end; ch++) {
        T* py = part + ch * m;
        for (int64_t i = 0; i < m; i++) py[i] = T(0);
        gemv_columns(a.p, a.cs, x, incx, py, m, ch * kGemvChunk, std::min(k, (ch + 1) * kGemvChunk));
      }
    });
    for (int64_t i = 0; i < m; i++) y[i] = part[i];
    for (int64_t ch = 1; ch < chunks; ch++) {
      for (int64_t i = 0; i < m; i++) y[i] += part[ch * m + i];
    }
    return;
  }
  // Any other layout: plain strided loops, in order of k.
  maybe_parallel(parallel, m, std::max<int64_t>(1, 32768 / std::max<int64_t>(k, 1)), [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; i++) {
      T s = T(0);
      for (int64_t p = 0; p < k; p++) s += a.p[i * a.rs + p * a.cs] * x[p * incx];
      y[i] = s;
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Skinny products: one side has at most kSkinnyMax rows (or columns) and another dimension is
// long. Such a product does at most 8 multiply-adds per value of the long operand, so its cost
// is one read of that operand from memory; BLAS gemm and the packed kernel above copy the long
// operand into panels first and reach a small fraction of that. These kernels read it once, in
// place, each value meeting every row of the small side while it is in registers:
//
//   dots:  the inner axis runs along the long operand's rows (Z = W·Xᵀ, or X·Wᵀ), out[s, i] =
//          Σ_p S[s, p] L[i, p]. A few rows of L at a time are multiplied by every row of S
//          (packed, zero-padded to whole vectors) as vectors along p; the lanes of all those
//          accumulators are then summed together (sum_lanes). Rows are independent, so any
//          split across threads gives the same bits.
//   axpys: the inner axis is the long one (G = R·X, or Xᵀ·Rᵀ), out[s, w] = Σ_i C[s, i] L[i, w].
//          Rows of L, scaled by C, are added into a few vectors of accumulators per row of C.
//          The long axis is cut into chunks fixed by the shape, whose partial sums are added in
//          order, so the result does not depend on the number of threads.
//
// Either needs the long operand's rows contiguous along the vectors' axis; other layouts take
// the general paths. Vectors are read whole even where a row ends mid-vector (the lanes past
// it are masked or never stored); the last rows, where such a read could pass the end of the
// operand, are done by scalar loops instead. Sums are in the operands' dtype, as in BLAS.

// Thresholds (measured against the general paths, with OpenBLAS and without; bench/RESULTS.md):
constexpr int64_t kSkinnyMax = 8;              // rows (or columns) of the small side, at most
constexpr int64_t kSkinnyMinLong = 32;         // the long dimension, at least
constexpr int64_t kSkinnyMinDepth = 16;        // dots: the inner dimension, at least
constexpr int64_t kSkinnyMaxPacked = 1 << 17;  // dots: bytes of the packed small side (in L2)
constexpr int64_t kSkinnyMaxWide = 4096;       // axpys: values per row of L, at most
constexpr int64_t kSkinnyMaxVectorRow = 256;   // a small side of one: values per row of L, at most
// Work sizes:
constexpr int64_t kSkinnyBlock = 16384;        // axpys: bytes of L per block (stays in L1)
constexpr int64_t kSkinnyChunk = 1 << 15;      // axpys: values of L per partial sum, at least,
constexpr int64_t kSkinnyPartials = 1 << 22;   //        and bytes of all partials, about at most
constexpr int64_t kSkinnyGrain = 1 << 15;      // values of L per parallel task, at least
constexpr int64_t kSkinnyAhead = 8192;         // bytes between a prefetch and the rows read now

using matmul::PairRows;
using matmul::PairStep;
using matmul::Product;

#if defined(__GNUC__) && defined(__has_builtin)
#if __has_builtin(__builtin_shufflevector)
#define RV_SKINNY 1
#endif
#endif

#ifdef RV_SKINNY

// The helpers below pass vectors by value; they are always inlined into the per-ISA kernels,
// so the calling convention GCC warns about never applies. (Not popped: GCC reports it at the
// end of the file, where the templates are instantiated.)
#pragma GCC diagnostic ignored "-Wpsabi"

template <typename T> using LaneMask = std::conditional_t<sizeof(T) == 4, int32_t, int64_t>;

template <typename V, typename T> RV_ALWAYS_INLINE V load_vec(const T* p) {
  V v;
  std::memcpy(&v, p, sizeof(V));
  return v;
}

// Source lane of output lane j in one half of fold(a, b), for vectors of L lanes made of
// groups of W lanes: the output's groups of W/2 lanes are a's groups, then b's, each taking
// the first (High false) or the second half of its group.
template <int L, int W, bool High> constexpr int fold_lane(int j) {
  const int h = W / 2, g = j / h, groups = L / W;
  return (g < groups ? g * W : L + (g - groups) * W) + j % h + (High ? h : 0);
}

template <typename V, int L, int W, int... J>
RV_ALWAYS_INLINE V fold(V a, V b, std::integer_sequence<int, J...>) {
  return __builtin_shufflevector(a, b, fold_lane<L, W, false>(J)...) + __builtin_shufflevector(a, b, fold_lane<L, W, true>(J)...);
}

// out[q] = the sum of the lanes of v[q], q < Q. Vectors are folded in pairs, each group of
// lanes adding its two halves, until groups are one lane wide: about Q shuffles and adds for
// all Q sums instead of Q·log2(L). Each vector's lanes are added in the same order whatever Q
// is, so a row's result does not depend on the group it was computed in.
template <typename T, int L, int Q, int W = L, typename V>
RV_ALWAYS_INLINE void sum_lanes(V* v, T* out) {
  if constexpr (W == 1) {
RV_UNROLL
    for (int q = 0; q < Q; q++) out[q] = v[q / L][q % L];
  } else {
    constexpr int per = L / W;                  // vectors folded into each so far
    constexpr int count = (Q + per - 1) / per;  // vectors still in use
    constexpr auto lanes = std::make_integer_sequence<int, L>();
    if constexpr (count == 1) {
      v[0] = fold<V, L, W>(v[0], v[0], lanes);  // the second half of the result repeats the first
    } else {
RV_UNROLL
      for (int j = 0; 2 * j < count; j++) v[j] = fold<V, L, W>(v[2 * j], 2 * j + 1 < count ? v[2 * j + 1] : V{}, lanes);
    }
    sum_lanes<T, L, Q, W / 2>(v, out);
  }
}

// Asks for the memory kSkinnyAhead bytes past [p, p + count). With the hardware prefetcher
// alone these kernels ran at 0.75-0.8 of the bandwidth of a plain read of the same rows: they
// spend longer per byte, so its requests run out while they compute.
template <typename T> RV_ALWAYS_INLINE void prefetch_ahead(const T* p, int64_t count) {
  const char* b = reinterpret_cast<const char*>(p) + kSkinnyAhead;
  for (int64_t j = 0; j < count * int64_t(sizeof(T)); j += 64) __builtin_prefetch(b + j);
}

// out[s * os + i * oi] = Σ_p S[s, p] L[i, p] for s < ns.
template <typename T> struct Dots {
  const T* l;      // the long operand: row i at l + i * lrs, its k values contiguous
  int64_t lrs, k;
  const T* small;  // the small operand, packed: row s at small + s * kp, zeros from k to kp
  int64_t kp;
  int ns;
  T* out;
  int64_t os, oi;
  int64_t safe;    // rows [0, safe) of L may be read kp values at a time
};

// acc[r * NS + s] += L[i + r, v·L : (v+1)·L] * S[s, same]; with Masked, lanes past k are
// zeroed first (they may hold the next row's values, and 0 · inf would be NaN).
template <typename T, int VB, int NS, int RR, bool Masked, typename V, typename M>
RV_ALWAYS_INLINE void dots_step(const Dots<T>& d, int64_t i, int64_t v, const M& tail, V* acc) {
  constexpr int L = VB / int(sizeof(T));
  V x[RR];
RV_UNROLL
  for (int r = 0; r < RR; r++) {
    x[r] = load_vec<V>(d.l + (i + r) * d.lrs + v * L);
    if constexpr (Masked) x[r] = (V)((M)x[r] & tail);
  }
RV_UNROLL
  for (int s = 0; s < NS; s++) {
    const V sv = load_vec<V>(d.small + s * d.kp + v * L);
RV_UNROLL
    for (int r = 0; r < RR; r++) acc[r * NS + s] += x[r] * sv;
  }
}

// Rows [i, i + RR) of L times every row of S.
template <typename T, int VB, int NS, int RR, typename M>
RV_ALWAYS_INLINE void dots_group(const Dots<T>& d, int64_t i, const M& tail) {
  using V = typename VecOf<T, VB>::type;
  constexpr int L = VB / int(sizeof(T));
  V acc[RR * NS];
RV_UNROLL
  for (int q = 0; q < RR * NS; q++) acc[q] = V{};
  const int64_t last = d.kp / L - 1;
  for (int64_t v = 0; v < last; v++) dots_step<T, VB, NS, RR, false>(d, i, v, tail, acc);
  dots_step<T, VB, NS, RR, true>(d, i, last, tail, acc);
  T sums[RR * NS];
  sum_lanes<T, L, RR * NS>(acc, sums);
RV_UNROLL
  for (int r = 0; r < RR; r++) {
RV_UNROLL
    for (int s = 0; s < NS; s++) d.out[s * d.os + (i + r) * d.oi] = sums[r * NS + s];
  }
}

// Rows [i0, i1) of L, RR at a time: their Q accumulators fit the register file alongside what
// a step loads, and more lines at once than 8 rows' (16 rows with one small row) ran at 0.8 of
// the bandwidth of a plain read.
template <typename T, int VB, int Q, int NS>
RV_ALWAYS_INLINE void dots_rows(const Dots<T>& d, int64_t i0, int64_t i1) {
  using M = typename VecOf<LaneMask<T>, VB>::type;
  constexpr int L = VB / int(sizeof(T));
  constexpr int RR = std::clamp(Q / NS, 1, 8);
  M tail;
  for (int j = 0; j < L; j++) tail[j] = d.kp - L + j < d.k ? -1 : 0;
  const int64_t end = std::min(i1, std::max(i0, d.safe));
  int64_t i = i0;
  for (; i + RR <= end; i += RR) {
    prefetch_ahead(d.l + i * d.lrs, RR * d.lrs);
    dots_group<T, VB, NS, RR>(d, i, tail);
  }
  for (; i < end; i++) dots_group<T, VB, NS, 1>(d, i, tail);
  for (; i < i1; i++) {
    const T* row = d.l + i * d.lrs;
    for (int s = 0; s < NS; s++) {
      T acc = T(0);
      for (int64_t p = 0; p < d.k; p++) acc += d.small[s * d.kp + p] * row[p];
      d.out[s * d.os + i * d.oi] = acc;
    }
  }
}

template <typename T, int VB, int Q>
RV_ALWAYS_INLINE void dots_range(const Dots<T>& d, int64_t i0, int64_t i1) {
  switch (d.ns) {
    case 1: return dots_rows<T, VB, Q, 1>(d, i0, i1);
    case 2: return dots_rows<T, VB, Q, 2>(d, i0, i1);
    case 3: return dots_rows<T, VB, Q, 3>(d, i0, i1);
    case 4: return dots_rows<T, VB, Q, 4>(d, i0, i1);
    case 5: return dots_rows<T, VB, Q, 5>(d, i0, i1);
    case 6: return dots_rows<T, VB, Q, 6>(d, i0, i1);
    case 7: return dots_rows<T, VB, Q, 7>(d, i0, i1);
    default: return dots_rows<T, VB, Q, 8>(d, i0, i1);
  }
}

// part[s * wp + w] += Σ_i C[s, i] L[i, w] for s < ns, over rows i of a range.
template <typename T> struct Axpys {
  const T* l;    // the long operand: row i at l + i * lrs, its `wide` values contiguous
  int64_t lrs, wide;
  const T* c;    // the coefficients: C[s, i] at c + s * crs + i * cis
  int64_t crs, cis;
  int ns;
  int64_t wp;    // wide rounded up to whole vectors: the row length of a partial sum
  int64_t safe;  // rows [0, safe) of L may be read wp values at a time
  int64_t block; // rows summed in registers before their sums are added to the partial
};

// acc[s][u] += C[s, i] · L[i, (v + u)·L : (v + u + 1)·L].
template <typename T, int VB, int NS, int VW, bool First, typename V>
RV_ALWAYS_INLINE void axpys_row(const Axpys<T>& a, int64_t i, int64_t v, V (*acc)[VW]) {
  constexpr int L = VB / int(sizeof(T));
  const T* row = a.l + i * a.lrs;
  const T* ci = a.c + i * a.cis;
  if constexpr (First) prefetch_ahead(row, a.lrs);  // the first pass over a block reads it from memory
  V x[VW];
RV_UNROLL
  for (int u = 0; u < VW; u++) x[u] = load_vec<V>(row + (v + u) * L);
RV_UNROLL
  for (int s = 0; s < NS; s++) {
    const T cs = ci[s * a.crs];
RV_UNROLL
    for (int u = 0; u < VW; u++) acc[s][u] += x[u] * cs;
  }
}

// Vectors [v, v + VW) of rows [i0, i1), summed in registers. With few accumulators per row,
// RU rows go to separate ones, so that enough multiply-adds are in flight.
template <typename T, int VB, int NS, int VW, bool First>
RV_ALWAYS_INLINE void axpys_block(const Axpys<T>& a, int64_t i0, int64_t i1, int64_t v, T* part) {
  using V = typename VecOf<T, VB>::type;
  constexpr int L = VB / int(sizeof(T));
  constexpr int RU = NS * VW >= 8 ? 1 : 8 / (NS * VW);
  V acc[RU][NS][VW];
RV_UNROLL
  for (int r = 0; r < RU; r++) {
RV_UNROLL
    for (int s = 0; s < NS; s++) {
RV_UNROLL
      for (int u = 0; u < VW; u++) acc[r][s][u] = V{};
    }
  }
  int64_t i = i0;
  for (; i + RU <= i1; i += RU) {
RV_UNROLL
    for (int r = 0; r < RU; r++) axpys_row<T, VB, NS, VW, First>(a, i + r, v, acc[r]);
  }
  for (; i < i1; i++) axpys_row<T, VB, NS, VW, First>(a, i, v, acc[0]);
RV_UNROLL
  for (int s = 0; s < NS; s++) {
RV_UNROLL
    for (int u = 0; u < VW; u++) {
      T* p = part + s * a.wp + (v + u) * L;
      V sum = load_vec<V>(p);
RV_UNROLL
      for (int r = 0; r < RU; r++) sum += acc[r][s][u];
      std::memcpy(p, &sum, sizeof(V));
    }
  }
}

// Vectors [v, nv) of rows [i0, i1): VW at a time, then the rest (fewer than VW) at once.
template <typename T, int VB, int NS, int VW>
RV_ALWAYS_INLINE void axpys_vectors(const Axpys<T>& a, int64_t i0, int64_t i1, int64_t v, int64_t nv, T* part) {
  for (; v + VW <= nv; v += VW) {
    if (v == 0) axpys_block<T, VB, NS, VW, true>(a, i0, i1, v, part);
    else axpys_block<T, VB, NS, VW, false>(a, i0, i1, v, part);
  }
  if constexpr (VW > 1) {
    if (v < nv) axpys_vectors<T, VB, NS, VW - 1>(a, i0, i1, v, nv, part);
  }
}

// The most vectors per row (at most 8) whose NS·VW accumulators fit in A registers.
constexpr int axpys_width(int a, int ns) { return std::clamp(a / ns, 1, 8); }

// Rows [i0, i1), block by block: a block's rows stay in L1 while its vectors are summed.
template <typename T, int VB, int A, int NS>
RV_ALWAYS_INLINE void axpys_rows(const Axpys<T>& a, int64_t i0, int64_t i1, T* part) {
  constexpr int L = VB / int(sizeof(T));
  const int64_t end = std::min(i1, std::max(i0, a.safe));
  for (int64_t b = i0; b < end; b += a.block) {
    axpys_vectors<T, VB, NS, axpys_width(A, NS)>(a, b, std::min(end, b + a.block), 0, a.wp / L, part);
  }
  for (int64_t i = std::max(i0, end); i < i1; i++) {
    const T* row = a.l + i * a.lrs;
    for (int s = 0; s < NS; s++) {
      const T cs = a.c[s * a.crs + i * a.cis];
      for (int64_t w = 0; w < a.wide; w++) part[s * a.wp + w] += cs * row[w];
    }
  }
}

template <typename T, int VB, int A>
RV_ALWAYS_INLINE void axpys_range(const Axpys<T>& a, int64_t i0, int64_t i1, T* part) {
  switch (a.ns) {
    case 1: return axpys_rows<T, VB, A, 1>(a, i0, i1, part);
    case 2: return axpys_rows<T, VB, A, 2>(a, i0, i1, part);
    case 3: return axpys_rows<T, VB, A, 3>(a, i0, i1, part);
    case 4: return axpys_rows<T, VB, A, 4>(a, i0, i1, part);
    case 5: return axpys_rows<T, VB, A, 5>(a, i0, i1, part);
    case 6: return axpys_rows<T, VB, A, 6>(a, i0, i1, part);
    case 7: return axpys_rows<T, VB, A, 7>(a, i0, i1, part);
    default: return axpys_rows<T, VB, A, 8>(a, i0, i1, part);
  }
}

// One pair of kernels per instruction set, as for the GEMM tiles: VB-byte vectors, Q
// accumulators for dots and A for axpys (32 vector registers with AVX-512, 16 otherwise).
#define RV_DEFINE_SKINNY(SUFFIX, ATTR, VB, Q, A)                                                         \
  ATTR void dots_f32_##SUFFIX(const Dots<float>& d, int64_t i0, int64_t i1) { dots_range<float, VB, Q>(d, i0, i1); } \
  ATTR void dots_f64_##SUFFIX(const Dots<double>& d, int64_t i0, int64_t i1) { dots_range<double, VB, Q>(d, i0, i1); } \
  ATTR void axpys_f32_##SUFFIX(const Axpys<float>& a, int64_t i0, int64_t i1, float* part) {                \
    axpys_range<float, VB, A>(a, i0, i1, part);                                                           \
  }                                                                                                       \
  ATTR void axpys_f64_##SUFFIX(const Axpys<double>& a, int64_t i0, int64_t i1, double* part) {             \
    axpys_range<double, VB, A>(a, i0, i1, part);                                                          \
  }

#ifdef RV_GEMM_X86
RV_DEFINE_SKINNY(avx512, __attribute__((target("avx512f,avx2,fma"))), 64, 16, 24)
RV_DEFINE_SKINNY(avx2, __attribute__((target("avx2,fma"))), 32, 8, 12)
#endif
RV_DEFINE_SKINNY(base, , 16, 8, 12)

template <typename T> struct SkinnyKernels {
  void (*dots)(const Dots<T>&, int64_t, int64_t);
  void (*axpys)(const Axpys<T>&, int64_t, int64_t, T*);
  int lanes;
};

template <typename T> SkinnyKernels<T> skinny_kernels() {
  static const Isa isa = detect_isa();
  constexpr bool f32 = sizeof(T) == 4;
#ifdef RV_GEMM_X86
  if (isa == Isa::Avx512) {
    if constexpr (f32) return {dots_f32_avx512, axpys_f32_avx512, 16};
    else return {dots_f64_avx512, axpys_f64_avx512, 8};
  }
  if (isa == Isa::Avx2) {
    if constexpr (f32) return {dots_f32_avx2, axpys_f32_avx2, 8};
    else return {dots_f64_avx2, axpys_f64_avx2, 4};
  }
#endif
  (void)isa;
  if constexpr (f32) return {dots_f32_base, axpys_f32_base, 4};
  else return {dots_f64_base, axpys_f64_base, 2};
}

// Rows [0, result) of a long operand (count rows, lrs >= 1 apart) can be read `over` values
// past their end without passing the operand's last value.
int64_t skinny_safe_rows(int64_t count, int64_t lrs, int64_t over) {
  if (over == 0) return count;
  return std::max<int64_t>(0, count - (over + lrs - 1) / lrs);
}

// One product as the skinny kernels run it, over the `count` rows of a long operand L (row i
// at l + i * lrs, its values contiguous):
//   dots:  out[s * os + i * oi] = Σ_p S[s, p] L[i, p] for s < ns, i < count (S any strides);
//   axpys: out[s * os + w * ow] = Σ_i C[s, i] L[i, w] for s < ns, w < wide, C[s, i] at
//          c + s * crs + i * cis.
template <typename T> struct SkinnyPlan {
  bool dots = false;
  int ns = 0;
  int64_t count = 0, depth = 0;  // rows of L, and values per row (k for dots, wide for axpys)
  const T* l = nullptr;
  int64_t lrs = 0;
  MatRef<T> small{nullptr, 0, 0};  // dots
  const T* c = nullptr;            // axpys
  int64_t crs = 0, cis = 0;
  T* out = nullptr;
  int64_t os = 0, oi = 0;  // oi: the stride of out along i (dots) or w (axpys)
};

// Dots on rows of L: the small side packed once, then any rows, in any split.
template <typename T> struct DotsWork {
  const SkinnyKernels<T> kern = skinny_kernels<T>();
  const int64_t kp;
  Scratch packed;
  Dots<T> d;
  DotsWork(const SkinnyPlan<T>& p, const char* what)
      : kp(round_up(p.depth, kern.lanes)), packed(sizeof(T) * size_t(p.ns) * size_t(kp), what) {
    T* sp = packed.as<T>();
    for (int s = 0; s < p.ns; s++) {
      for (int64_t q = 0; q < kp; q++) sp[s * kp + q] = q < p.depth ? p.small.p[s * p.small.rs + q * p.small.cs] : T(0);
    }
    d = Dots<T>{p.l, p.lrs, p.depth, sp, kp, p.ns, p.out, p.os, p.oi, skinny_safe_rows(p.count, p.lrs, kp - p.depth)};
  }
  void rows(int64_t i0, int64_t i1) const { kern.dots(d, i0, i1); }
};

// Axpys on rows of L: chunks of rows fixed by the shape, each with its partial sum, added in
// order at the end (finish), so the bits do not depend on the threads.
template <typename T> struct AxpysWork {
  const SkinnyKernels<T> kern = skinny_kernels<T>();
  const SkinnyPlan<T>& p;
  const int64_t wp, block, size;
  int64_t chunk = 0, chunks = 0;
  Scratch partial;
  Axpys<T> a;
  AxpysWork(const SkinnyPlan<T>& plan, const char* what)
      : p(plan),
        wp(round_up(plan.depth, kern.lanes)),
        block(std::clamp<int64_t>(kSkinnyBlock / (plan.depth * int64_t(sizeof(T))), 8, 512)),
        size(plan.ns * wp),
        chunk(chunk_rows()),
        chunks((plan.count + chunk - 1) / chunk),
        partial(sizeof(T) * size_t(chunks) * size_t(size), what) {
    a = Axpys<T>{p.l, p.lrs, p.depth, p.c, p.crs, p.cis, p.ns, wp, skinny_safe_rows(p.count, p.lrs, wp - p.depth), block};
  }
  // Rows per chunk: whole blocks, fixed by the shape alone (block and size are set).
  int64_t chunk_rows() const {
    const int64_t max_chunks = std::clamp<int64_t>(kSkinnyPartials / (size * int64_t(sizeof(T))), 16, 512);
    const int64_t rows = std::max(kSkinnyChunk / p.depth, (p.count + max_chunks - 1) / max_chunks);
    return round_up(rows, block);
  }
  int64_t begin(int64_t ch) const { return ch * chunk; }
  int64_t end(int64_t ch) const { return std::min(p.count, (ch + 1) * chunk); }
  void rows_of(int64_t ch) const {
    T* part = partial.as<T>() + ch * size;
    std::fill(part, part + size, T(0));
    kern.axpys(a, begin(ch), end(ch), part);
  }
  void finish() const {
    T* part = partial.as<T>();
    for (int64_t ch = 1; ch < chunks; ch++) {
      const T* q = part + ch * size;
      for (int64_t j = 0; j < size; j++) part[j] += q[j];
    }
    for (int s = 0; s < p.ns; s++) {
      for (int64_t w = 0; w < p.depth; w++) p.out[s * p.os + w * p.oi] = part[s * wp + w];
    }
  }
};

template <typename T> void skinny_run(const SkinnyPlan<T>& p, const char* what) {
  if (p.dots) {
    const DotsWork<T> work(p, what);
    maybe_parallel(true, p.count, std::max<int64_t>(64, kSkinnyGrain / p.depth), [&](int64_t begin, int64_t end) {
      work.rows(begin, end);
    });
    return;
  }
  const AxpysWork<T> work(p, what);
  maybe_parallel(true, work.chunks, 1, [&](int64_t begin, int64_t end) {
    for (int64_t ch = begin; ch < end; ch++) work.rows_of(ch);
  });
  work.finish();
}

// How the skinny kernels would compute C (m x n, contiguous) = A · B, when the shape and
// layout suit them; false otherwise.
template <typename T>
bool skinny_plan(int64_t m, int64_t n, int64_t k, MatRef<T> a, MatRef<T> b, T* c, SkinnyPlan<T>& plan) {
  // Values along an axis are contiguous if their stride is 1 or there is only one.
  auto unit = [](int64_t extent, int64_t stride) { return stride == 1 || extent == 1; };
  // With one row (or column) on the small side the product is a matrix-vector one, and the
  // matrix-vector kernels are as fast unless rows of the long operand are 16-256 values.
  auto vector_ok = [](int64_t small, int64_t row) { return small > 1 || (row >= 16 && row <= kSkinnyMaxVectorRow); };
  // dots: the rows of A against the columns of B (k contiguous), or the mirror. Rows shorter
  // than kSkinnyMinDepth cost more in lane sums than they save.
  const bool depth = k >= kSkinnyMinDepth && k * std::min(m, n) * int64_t(sizeof(T)) <= kSkinnyMaxPacked;
  plan = SkinnyPlan<T>{};
  plan.out = c;
  if (m <= kSkinnyMax && n >= kSkinnyMinLong && depth && vector_ok(m, k) && unit(k, b.rs) && b.cs >= 1) {
    plan.dots = true, plan.ns = int(m), plan.count = n, plan.depth = k, plan.small = a;
    plan.l = b.p, plan.lrs = b.cs, plan.os = n, plan.oi = 1;
    return true;
  }
  if (n <= kSkinnyMax && m >= kSkinnyMinLong && depth && vector_ok(n, k) && unit(k, a.cs) && a.rs >= 1) {
    plan.dots = true, plan.ns = int(n), plan.count = m, plan.depth = k, plan.small = MatRef<T>{b.p, b.cs, b.rs};
    plan.l = a.p, plan.lrs = a.rs, plan.os = 1, plan.oi = n;
    return true;
  }
  // axpys: the rows of B (n contiguous) scaled by the columns of A, or the mirror. Rows of
  // one value would make it a matrix-vector product of the other operand.
  auto wide_ok = [&](int64_t small, int64_t wide) { return wide >= 2 && wide <= kSkinnyMaxWide && vector_ok(small, wide); };
  if (m <= kSkinnyMax && k >= kSkinnyMinLong && wide_ok(m, n) && unit(n, b.cs) && b.rs >= 1) {
    plan.ns = int(m), plan.count = k, plan.depth = n, plan.c = a.p, plan.crs = a.rs, plan.cis = a.cs;
    plan.l = b.p, plan.lrs = b.rs, plan.os = n, plan.oi = 1;
    return true;
  }
  if (n <= kSkinnyMax && k >= kSkinnyMinLong && wide_ok(n, m) && unit(m, a.rs) && a.cs >= 1) {
    plan.ns = int(n), plan.count = k, plan.depth = m, plan.c = b.p, plan.crs = b.cs, plan.cis = b.rs;
    plan.l = a.p, plan.lrs = a.cs, plan.os = 1, plan.oi = n;
    return true;
  }
  return false;
}

// C (m x n, contiguous) = A · B on the skinny kernels when the shape and layout suit them;
// false (nothing done) otherwise.
template <typename T>
bool skinny_product(int64_t m, int64_t n, int64_t k, MatRef<T> a, MatRef<T> b, T* c, const char* what) {
  SkinnyPlan<T> plan;
  if (!skinny_plan(m, n, k, a, b, c, plan)) return false;
  skinny_run(plan, what);
  return true;
}

// The plan of a checked product's one matrix (no batches), or false.
template <typename T> bool plan_of(const Product& p, T* out, SkinnyPlan<T>& plan) {
  return p.batches == 1 && skinny_plan<T>(p.m, p.n, p.k, MatRef<T>{p.a.t.ptr<T>(), p.a.rs, p.a.cs},
                                          MatRef<T>{p.b.t.ptr<T>(), p.b.rs, p.b.cs}, out, plan);
}

template <typename T> bool pair_product(const Product& first, T* z, const Product& second, T* r, const PairStep& between,
                                        const char* what) {
  SkinnyPlan<T> p1, p2;
  if (!plan_of(first, z, p1) || !plan_of(second, r, p2)) return false;
  // Dots then axpys over the same rows of one long operand; the second reads its coefficients
  // (s, i) where the first wrote (s, i).
  if (!p1.dots || p2.dots || p1.l != p2.l || p1.lrs != p2.lrs || p1.count != p2.count || p1.ns != p2.ns) return false;
  if (p2.cis != p1.oi || (p1.ns > 1 && p2.crs != p1.os)) return false;
  const DotsWork<T> dots(p1, what);
  const AxpysWork<T> axpys(p2, what);
  const PairRows rows{p1.ns, p1.os, p1.oi};
  maybe_parallel(true, axpys.chunks, 1, [&](int64_t begin, int64_t end) {
    for (int64_t ch = begin; ch < end; ch++) {
      dots.rows(axpys.begin(ch), axpys.end(ch));
      between(rows, axpys.begin(ch), axpys.end(ch));
      axpys.rows_of(ch);  // the chunk's rows of L are still in cache
    }
  });
  axpys.finish();
  return true;
}

#else

template <typename T> bool skinny_product(int64_t, int64_t, int64_t, MatRef<T>, MatRef<T>, T*, const char*) { return false; }

template <typename T> bool pair_product(const Product&, T*, const Product&, T*, const PairStep&, const char*) { return false; }

#endif  // RV_SKINNY

}  // namespace

namespace matmul {
template <typename T>
bool skinny_pair(const Product& first, T* z, const Product& second, T* r, const PairStep& between, const char* what) {
  return pair_product<T>(first, z, second, r, between, what);
}
template bool skinny_pair<float>(const Product&, float*, const Product&, float*, const PairStep&, const char*);
template bool skinny_pair<double>(const Product&, double*, const Product&, double*, const PairStep&, const char*);
}  // namespace matmul

namespace {

// Products below this many multiply-adds skip packing.
constexpr int64_t kSmallProduct = 8192;

// C (m x n, contiguous) = A · B with the built-in kernels; k >= 1.
template <typename T>
void matmul_builtin(int64_t m, int64_t n, int64_t k, MatRef<T> a, MatRef<T> b, T* c, bool parallel, const char* what) {
  if (n == 1) return gemv_builtin(m, k, a, b.p, b.rs, c, parallel, what);
  // A row vector times B is Bᵀ times a column vector: C is 1 x n either way.
  if (m == 1) return gemv_builtin(n, k, MatRef<T>{b.p, b.cs, b.rs}, a.p, a.cs, c, parallel, what);
  if (double(m) * double(n) * double(k) <= kSmallProduct) return gemm_small(m, n, k, a, b, c, n);
  gemm_packed(m, n, k, a, b, c, n, parallel, what);
}

// ---------------------------------------------------------------------------------------------
// Through a BLAS.

// How BLAS sees a rows x cols matrix: row-major as it lies (NoTrans) or as the transpose of a
// row-major matrix (Trans), with its leading dimension; `ok` false if neither describes it.
struct BlasLayout {
  bool ok = false;
  int trans = kCblasNoTrans;
  int ld = 1;
};

BlasLayout blas_layout(int64_t rows, int64_t cols, int64_t rs, int64_t cs) {
  BlasLayout l;
  auto fits = [](int64_t v) { return v >= 1 && v <= INT_MAX; };
  if ((cols == 1 || cs == 1) && (rows == 1 || rs >= std::max<int64_t>(1, cols))) {
    int64_t ld = rows == 1 ? std::max<int64_t>(1, cols) : rs;
    if (fits(ld)) return {true, kCblasNoTrans, int(ld)};
  }
  if ((rows == 1 || rs == 1) && (cols == 1 || cs >= std::max<int64_t>(1, rows))) {
    int64_t ld = cols == 1 ? std::max<int64_t>(1, rows) : cs;
    if (fits(ld)) return {true, kCblasTrans, int(ld)};
  }
  return l;
}

// A vector's increment for gemv: positive and an int (BLAS reads negative ones from the end).
bool blas_increment(int64_t length, int64_t stride, int& inc) {
  if (length == 1) stride = 1;
  if (stride < 1 || stride > INT_MAX) return false;
  inc = int(stride);
  return true;
}

// Whether BLAS takes operand a (or b) as it lies for an m x n x k product: as a matrix, or as
// the vector of a matrix-vector product when one side is a vector and the library has gemv.
bool blas_takes(const Blas& blas, bool is_a, bool use_gemv, int64_t m, int64_t n, int64_t k, int64_t rs, int64_t cs) {
  int inc;
  if (use_gemv && n == 1) return is_a ? blas_layout(m, k, rs, cs).ok : blas_increment(k, rs, inc);
  if (use_gemv && m == 1) return is_a ? blas_increment(k, cs, inc) : blas_layout(n, k, cs, rs).ok;
  return is_a ? blas_layout(m, k, rs, cs).ok : blas_layout(k, n, rs, cs).ok;
}

// One product through the BLAS, for operands it takes (blas_takes).
template <typename T>
void blas_product(const Blas& blas, bool use_gemv, int64_t m, int64_t n, int64_t k, MatRef<T> a, MatRef<T> b, T* c) {
  if (use_gemv && (n == 1 || m == 1)) {
    // One side is a vector: y = A·x (n == 1) or yᵀ = Bᵀ·aᵀ (m == 1).
    const bool column = n == 1;
    const int64_t rows = column ? m : n;
    const MatRef<T> mat = column ? a : MatRef<T>{b.p, b.cs, b.rs};
    const BlasLayout l = blas_layout(rows, k, mat.rs, mat.cs);
    int inc = 1;
    blas_increment(k, column ? b.rs : a.cs, inc);
    const T* x = column ? b.p : a.p;
    const auto gemv = blas.gemv<T>();
    if (l.trans == kCblasNoTrans) gemv(kCblasRowMajor, kCblasNoTrans, int(rows), int(k), T(1), mat.p, l.ld, x, inc, T(0), c, 1);
    else gemv(kCblasRowMajor, kCblasTrans, int(k), int(rows), T(1), mat.p, l.ld, x, inc, T(0), c, 1);
    return;
  }
  const BlasLayout la = blas_layout(m, k, a.rs, a.cs), lb = blas_layout(k, n, b.rs, b.cs);
  blas.gemm<T>()(kCblasRowMajor, la.trans, lb.trans, int(m), int(n), int(k), T(1), a.p, la.ld, b.p, lb.ld, T(0), c, int(n));
}

// ---------------------------------------------------------------------------------------------
// The op.

using matmul::Operand;
using matmul::describe;

// The operand with its matrices copied into dense row-major order; batch dimensions that
// broadcast (stride 0) stay unexpanded.
Operand densified(const Operand& o, bool transpose, bool is_a, const char* what) {
  Dims shape = o.t.shape, strides = o.t.strides;
  for (int d = 0; d < o.batch_rank; d++) {
    if (strides[d] == 0) shape[d] = 1;
  }
  count_blas_operand_copy();
  Tensor dense = empty_tensor(o.t.dtype, shape, what);
  copy_into(dense, make_view(o.t, shape, strides, o.t.offset));
  return describe(dense, transpose, is_a);
}

// Element offset of batch entry `flat` (row-major over out_batch) in an operand.
int64_t batch_offset(const Operand& o, const Dims& out_batch, int64_t flat) {
  int64_t off = 0;
  for (int d = out_batch.n - 1, od = o.batch_rank - 1; d >= 0 && od >= 0; d--, od--) {
    const int64_t idx = flat % out_batch[d];
    flat /= out_batch[d];
    if (o.batch_shape[od] != 1) off += idx * o.batch_strides[od];
  }
  return off;
}

// Batches of matrices at most this many multiply-adds each are spread over our pool, one
// product per task. OpenBLAS runs gemm this small on one thread itself; its gemv threads from
// about 10^4, so batches of matrix-vector products spread only below that.
constexpr int64_t kBatchParallelProduct = int64_t(1) << 18;
constexpr int64_t kBatchParallelGemv = int64_t(1) << 13;

// When every matrix of a batch of A's meets the same B (B broadcast over the batch) and A's
// rows run at one stride through the whole batch (A's batch axes are its rows, continued), the
// batch is one product of batches·m rows: one call instead of many, and larger blocks. Returns
// the row stride of that A, or 0 if the batch does not fold.
int64_t folded_row_stride(const Operand& a, const Operand& b, const Dims& batch, int64_t m) {
  for (int d = 0; d < b.batch_rank; d++) {
    if (b.batch_shape[d] != 1 && b.batch_strides[d] != 0) return 0;
  }
  if (a.batch_rank != batch.n) return 0;
  int64_t rs = m > 1 ? a.rs : 0;  // one row: its stride is free, the batch sets it
  int64_t expected = 0;
  for (int d = batch.n - 1; d >= 0; d--) {
    if (batch[d] == 1) continue;
    if (a.batch_shape[d] != batch[d]) return 0;  // A itself is broadcast along this axis
    if (rs == 0) rs = a.batch_strides[d];
    if (expected == 0) expected = m * rs;
    if (a.batch_strides[d] != expected || expected == 0) return 0;
    expected *= batch[d];
  }
  return rs;
}

template <typename T>
void matmul_batches(const KernelCall& c, Operand& a, Operand& b, bool trans_a, bool trans_b, const Dims& batch,
                    int64_t batches, int64_t m, int64_t n, int64_t k, T* out) {
  // One product with a small side and a long one: the skinny kernels, whatever the BLAS.
  if (batches == 1 &&
      skinny_product<T>(m, n, k, MatRef<T>{a.t.ptr<T>(), a.rs, a.cs}, MatRef<T>{b.t.ptr<T>(), b.rs, b.cs}, out, c.name)) {
    count_skinny_product();
    return;
  }
  const Blas* blas = active_blas(c.name);
  if (m > INT_MAX || n > INT_MAX || k > INT_MAX) blas = nullptr;  // past BLAS's int: the built-in kernel
  const bool use_gemv = blas && blas->gemv<T>() != nullptr;
  if (blas) {
    // Every matrix of an operand has the same strides: copy, once, what BLAS cannot take.
    if (!blas_takes(*blas, true, use_gemv, m, n, k, a.rs, a.cs)) a = densified(a, trans_a, true, c.name);
    if (!blas_takes(*blas, false, use_gemv, m, n, k, b.rs, b.cs)) b = densified(b, trans_b, false, c.name);
  }
  if (batches > 1) {
    const int64_t rs = folded_row_stride(a, b, batch, m), rows = m * batches;
    const bool ok = rs != 0 && (!blas || (rows <= INT_MAX && blas_takes(*blas, true, use_gemv, rows, n, k, rs, a.cs) &&
                                          blas_takes(*blas, false, use_gemv, rows, n, k, b.rs, b.cs)));
    if (ok) {
      // One matrix of batches·m rows, with no batch axes left.
      a.rs = rs;
      a.batch_rank = 0;
      b.batch_rank = 0;
      m = rows;
      batches = 1;
    }
  }
  // Multiply-adds per product, in double: views broadcast with stride 0 can be huge.
  const double work = double(m) * double(n) * double(k);
  const bool spread = batches > 1 && work <= kBatchParallelProduct;
  const int64_t grain = spread ? std::max<int64_t>(1, 65536 / std::max<int64_t>(1, m * n * k)) : 1;
  auto matrix = [&](const Operand& o, int64_t flat) {
    return MatRef<T>{o.t.ptr<T>() + batch_offset(o, batch, flat), o.rs, o.cs};
  };
  if (blas) {
    auto one = [&](int64_t f) { blas_product<T>(*blas, use_gemv, m, n, k, matrix(a, f), matrix(b, f), out + f * m * n); };
    if (spread && (!use_gemv || (m != 1 && n != 1) || work <= kBatchParallelGemv)) {
      parallel_for(batches, grain, [&](int64_t begin, int64_t end) {
        for (int64_t f = begin; f < end; f++) one(f);
      });
      return;
    }
    // Large products: called from this thread, the library threads each one itself.
    blas->match_threads();
    for (int64_t f = 0; f < batches; f++) one(f);
    return;
  }
  if (spread) {
    parallel_for(batches, grain, [&](int64_t begin, int64_t end) {
      for (int64_t f = begin; f < end; f++) matmul_builtin<T>(m, n, k, matrix(a, f), matrix(b, f), out + f * m * n, false, c.name);
    });
    return;
  }
  for (int64_t f = 0; f < batches; f++) matmul_builtin<T>(m, n, k, matrix(a, f), matrix(b, f), out + f * m * n, true, c.name);
}

// Attributes [transposeA, transposeB] (0 or 1); inputs a and b of one float dtype, rank >= 1.
Tensor matmul_kernel(const KernelCall& c) {
  matmul::Product p = matmul::check_matmul(c);
  Operand& a = p.a;
  Operand& b = p.b;
  const bool trans_a = p.trans_a, trans_b = p.trans_b;
  const int64_t m = p.m, n = p.n, k = p.k;
  const Dims& batch = p.batch;
  Tensor out = c.make_output();
  const int64_t batches = p.batches;
  if (out.numel() == 0) return out;
  dispatch_float(a.t.dtype, c.name, [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* o = out.ptr<T>();
    if (k == 0) {
      std::fill(o, o + out.numel(), T(0));  // the empty sum
      return;
    }
    matmul_batches<T>(c, a, b, trans_a, trans_b, batch, batches, m, n, k, o);
  });
  return out;
}

// outer(a, b)[i, j] = a[i] · b[j] for vectors a and b of one float dtype.
Tensor outer_kernel(const KernelCall& c) {
  matmul::OuterOperands v = matmul::outer_operands(c);
  Tensor out = c.make_output();
  dispatch_float(out.dtype, c.name, [&](auto tag) {
    using T = typename decltype(tag)::type;
    map2<T, T, T>(out, v.column, v.row, [](T x, T y) { return x * y; });
  });
  return out;
}

KernelRegistrar registrations[] = {
    {"matMul", matmul_kernel},
    {"outer", outer_kernel},
};

}  // namespace

// ---------------------------------------------------------------------------------------------
// The checks shared with the GPU kernels (matmul.h).

namespace matmul {

Operand describe(const Tensor& t, bool transpose, bool is_a) {
  Operand o;
  o.t = t;
  const int r = t.rank();
  if (r == 1) {
    if (is_a) o.rows = 1, o.cols = t.shape[0], o.rs = 0, o.cs = t.strides[0];
    else o.rows = t.shape[0], o.cols = 1, o.rs = t.strides[0], o.cs = 0;
    return o;
  }
  o.rows = t.shape[r - 2], o.cols = t.shape[r - 1], o.rs = t.strides[r - 2], o.cs = t.strides[r - 1];
  if (transpose) std::swap(o.rows, o.cols), std::swap(o.rs, o.cs);
  o.batch_rank = r - 2;
  for (int d = 0; d < r - 2; d++) o.batch_shape[d] = t.shape[d], o.batch_strides[d] = t.strides[d];
  return o;
}

Product check_matmul(const KernelCall& c) {
  c.expect_inputs(2);
  const Tensor& ta = c.input(0);
  const Tensor& tb = c.input(1);
  Product p;
  p.trans_a = c.attr_int(0, 0, 1) == 1, p.trans_b = c.attr_int(1, 0, 1) == 1;
  if (ta.dtype != tb.dtype) throw c.fail(std::string("inputs have dtypes ") + dtype_name(ta.dtype) + " and " + dtype_name(tb.dtype));
  if (!is_float(ta.dtype)) throw c.fail(std::string("dtype ") + dtype_name(ta.dtype) + " is not supported (float32 or float64)");
  if (c.out_dtype != ta.dtype) throw c.fail("output dtype must equal the input dtype");
  if (ta.rank() < 1 || tb.rank() < 1) throw c.fail("inputs must have rank >= 1, got shapes " + ta.shape.to_string() + " and " + tb.shape.to_string());
  p.a = describe(ta, p.trans_a, true), p.b = describe(tb, p.trans_b, false);
  const Operand& a = p.a;
  const Operand& b = p.b;
  p.m = a.rows, p.k = a.cols, p.n = b.cols;
  if (b.rows != p.k) {
    throw c.fail("inner dimensions differ: a " + ta.shape.to_string() + " and b " + tb.shape.to_string() + " give " +
                 std::to_string(p.k) + " and " + std::to_string(b.rows));
  }
  // The batch shape, broadcast, and the output shape it implies.
  const int rank = std::max(a.batch_rank, b.batch_rank);
  for (int d = 0; d < rank; d++) {
    const int da = d - (rank - a.batch_rank), db = d - (rank - b.batch_rank);
    const int64_t sa = da >= 0 ? a.batch_shape[da] : 1, sb = db >= 0 ? b.batch_shape[db] : 1;
    if (sa != sb && sa != 1 && sb != 1) {
      throw c.fail("batch dimensions do not broadcast: a " + ta.shape.to_string() + ", b " + tb.shape.to_string());
    }
    p.batch.push_back(sa == 1 ? sb : sa, c.name);
  }
  Dims expected = p.batch;
  if (ta.rank() >= 2) expected.push_back(p.m, c.name);
  if (tb.rank() >= 2) expected.push_back(p.n, c.name);
  bool same = expected.n == c.out_shape.n;
  for (int d = 0; same && d < expected.n; d++) same = expected[d] == c.out_shape[d];
  if (!same) {
    throw c.fail("output shape " + c.out_shape.to_string() + " does not match a " + ta.shape.to_string() + " times b " +
                 tb.shape.to_string() + " (expected " + expected.to_string() + ")");
  }
  p.batches = checked_numel(p.batch, c.name);
  return p;
}

void check_outer(const KernelCall& c) {
  c.expect_inputs(2);
  const Tensor& a = c.input(0);
  const Tensor& b = c.input(1);
  if (a.dtype != b.dtype) throw c.fail(std::string("inputs have dtypes ") + dtype_name(a.dtype) + " and " + dtype_name(b.dtype));
  if (a.rank() != 1 || b.rank() != 1) throw c.fail("inputs must be vectors, got shapes " + a.shape.to_string() + " and " + b.shape.to_string());
  if (c.out_dtype != a.dtype) throw c.fail("output dtype must equal the input dtype");
  if (c.out_shape.n != 2 || c.out_shape[0] != a.shape[0] || c.out_shape[1] != b.shape[0]) {
    throw c.fail("output shape " + c.out_shape.to_string() + " does not match vectors " + a.shape.to_string() + " and " +
                 b.shape.to_string());
  }
  // The message dispatch_float gives.
  if (!is_float(a.dtype)) throw c.fail(std::string("dtype ") + dtype_name(a.dtype) + " is not supported (float32 or float64 expected)");
}

OuterOperands outer_operands(const KernelCall& c) {
  check_outer(c);
  const Tensor& a = c.input(0);
  const Tensor& b = c.input(1);
  Dims sa = c.out_shape, sb = c.out_shape;
  sa[0] = a.strides[0], sa[1] = 0;
  sb[0] = 0, sb[1] = b.strides[0];
  return {make_view(a, c.out_shape, sa, a.offset), make_view(b, c.out_shape, sb, b.offset)};
}

}  // namespace matmul
}  // namespace rv
