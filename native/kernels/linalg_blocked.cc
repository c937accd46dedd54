// The blocked linear-algebra core (linalg.h).
//
// One register-blocked update, C -= A·B, does nearly all the arithmetic. B is packed into
// panels of NR columns, A read in place when its rows are contiguous (else packed into panels
// of MR rows), and a micro-kernel keeps an MR x NR tile of C in vector registers: per step,
// one vector of B and MR broadcasts of A. MR and NR depend on the instruction set, so the
// micro-kernel is compiled once per ISA (AVX-512, AVX2+FMA, baseline) and picked at load time.
// (RV_MULTIVERSION clones one body for every ISA; here the register tile itself differs, and
// the AVX2 clone of target_clones would lack FMA.) The micro-kernel fuses multiply-adds, so
// results differ in the last bits between ISAs; they never depend on the thread count.
//
// The factorisations recurse on halves (Gustavson's recursive Cholesky): the off-diagonal
// blocks become large updates through the micro-kernel, and only small diagonal blocks
// (kLeaf x kLeaf) are solved element by element, NR rows at a time in vector lanes.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <utility>
#include <vector>

#include "../thread_pool.h"
#include "elementwise.h"
#include "linalg.h"

namespace rv {
namespace linalg {
namespace {

constexpr int kMaxMR = 16, kMaxNR = 16;
constexpr int64_t kKC = 256;   // depth of one packed panel (its B panel stays in L1)
constexpr int64_t kMC = 256;   // rows of A per block (the block stays in L2)
constexpr int kLeaf = 16;      // diagonal blocks at most this size are solved element by element

#if defined(__GNUC__)
#define RV_LINALG_VECTORS 1
#define RV_INLINE inline __attribute__((always_inline))
#define RV_PRAGMA(x) _Pragma(#x)
#define RV_UNROLL RV_PRAGMA(GCC unroll 16)
#else
#define RV_LINALG_VECTORS 0
#define RV_INLINE inline
#define RV_UNROLL
#endif

#if RV_LINALG_VECTORS
template <typename T, int N>
struct VecOf {
  typedef T type __attribute__((vector_size(sizeof(T) * N)));
};
#endif

// In-register transposes of N x N blocks need __builtin_shufflevector (clang, GCC 12+);
// without it the same data moves element by element.
#if RV_LINALG_VECTORS && (defined(__clang__) || __GNUC__ >= 12)
#define RV_LINALG_SHUFFLE 1
// out = (a0, b0, a1, b1, ...) from the low halves of a and b, or from the high halves.
template <typename V, int N, size_t... I>
RV_INLINE void zip_low(V& out, const V& a, const V& b, std::index_sequence<I...>) {
  out = __builtin_shufflevector(a, b, ((I % 2) ? N + int(I) / 2 : int(I) / 2)...);
}
template <typename V, int N, size_t... I>
RV_INLINE void zip_high(V& out, const V& a, const V& b, std::index_sequence<I...>) {
  out = __builtin_shufflevector(a, b, ((I % 2) ? N + N / 2 + int(I) / 2 : N / 2 + int(I) / 2)...);
}
// Transposes the N x N block whose rows are r[0..N): log2 N rounds of pairing row i with row
// i + N/2 (a perfect shuffle of the rows each round).
template <typename V, int N>
RV_INLINE void transpose_block(V* r) {
  for (int round = 1; round < N; round *= 2) {
    V t[N];
    for (int i = 0; i < N / 2; i++) {
      zip_low<V, N>(t[2 * i], r[i], r[i + N / 2], std::make_index_sequence<N>{});
      zip_high<V, N>(t[2 * i + 1], r[i], r[i + N / 2], std::make_index_sequence<N>{});
    }
    for (int i = 0; i < N; i++) r[i] = t[i];
  }
}
#else
#define RV_LINALG_SHUFFLE 0
#endif

// c[r * ldc + j] -= Σ_p a[r * ars + p * acs] · b[p * NR + j] for r < MR, j < NR: A either
// packed (ars = 1, acs = MR) or read in place from rows with unit stride (ars = lda, acs = 1),
// which saves packing it; B always packed.
template <typename T, int MR, int NR>
RV_INLINE void micro_impl(int64_t kc, const T* __restrict a, int64_t ars, int64_t acs, const T* __restrict b,
                          T* __restrict c, int64_t ldc) {
#if RV_LINALG_VECTORS
  using V = typename VecOf<T, NR>::type;
  V acc[MR];
  for (int r = 0; r < MR; r++) acc[r] = V{};
  for (int64_t p = 0; p < kc; p++) {
    V bv;
    std::memcpy(&bv, b + p * NR, sizeof bv);
    for (int r = 0; r < MR; r++) acc[r] += a[r * ars + p * acs] * bv;
  }
  for (int r = 0; r < MR; r++) {
    V cv;
    std::memcpy(&cv, c + r * ldc, sizeof cv);
    cv -= acc[r];
    std::memcpy(c + r * ldc, &cv, sizeof cv);
  }
#else
  T acc[MR][NR] = {};
  for (int64_t p = 0; p < kc; p++) {
    for (int r = 0; r < MR; r++) {
      for (int j = 0; j < NR; j++) acc[r][j] += a[r * ars + p * acs] * b[p * NR + j];
    }
  }
  for (int r = 0; r < MR; r++) {
    for (int j = 0; j < NR; j++) c[r * ldc + j] -= acc[r][j];
  }
#endif
}

// The Cholesky panel's diagonal-block solve, X Lᵀ = B for a kLeaf x kLeaf block, with NR
// rows of X side by side in one vector: lt[j * kLeaf + q] = L(q, j) below the diagonal (0
// elsewhere, and in padding), inv[j] = 1 / L(j, j). Column j of the tile is final once the
// earlier columns are subtracted (axpy order: the updates of one step are independent).
#if RV_LINALG_VECTORS
// Loads rows [0, g) x columns [0, k) of x into a tile (column j of x in tile[j], padded with 0).
template <typename T, int NR, typename V>
RV_INLINE void load_tile(V* tile, const T* rows, int g, int64_t k, int64_t ldx) {
#if RV_LINALG_SHUFFLE
  if (g == NR && k == kLeaf) {
    // kLeaf / NR square blocks, each transposed in registers.
    for (int h = 0; h < kLeaf / NR; h++) {
      V block[NR];
      for (int r = 0; r < NR; r++) std::memcpy(&block[r], rows + r * ldx + h * NR, sizeof(V));
      transpose_block<V, NR>(block);
      for (int c = 0; c < NR; c++) tile[h * NR + c] = block[c];
    }
    return;
  }
#endif
  for (int j = 0; j < kLeaf; j++) {
    for (int r = 0; r < NR; r++) tile[j][r] = (r < g && j < k) ? rows[r * ldx + j] : T(0);
  }
}

template <typename T, int NR, typename V>
RV_INLINE void store_tile(const V* tile, T* rows, int g, int64_t k, int64_t ldx) {
#if RV_LINALG_SHUFFLE
  if (g == NR && k == kLeaf) {
    for (int h = 0; h < kLeaf / NR; h++) {
      V block[NR];
      for (int c = 0; c < NR; c++) block[c] = tile[h * NR + c];
      transpose_block<V, NR>(block);
      for (int r = 0; r < NR; r++) std::memcpy(rows + r * ldx + h * NR, &block[r], sizeof(V));
    }
    return;
  }
#endif
  for (int j = 0; j < k; j++) {
    for (int r = 0; r < g; r++) rows[r * ldx + j] = tile[j][r];
  }
}

template <typename T, int NR>
RV_INLINE void leaf_impl(int64_t m, int64_t k, const T* __restrict lt, const T* __restrict inv, T* __restrict x, int64_t ldx) {
  using V = typename VecOf<T, NR>::type;
  V tile[kLeaf];
  for (int64_t i0 = 0; i0 < m; i0 += NR) {
    const int g = int(std::min<int64_t>(NR, m - i0));
    load_tile<T, NR>(tile, x + i0 * ldx, g, k, ldx);
    // Fully unrolled, the tile stays in registers.
    RV_UNROLL
    for (int j = 0; j < kLeaf; j++) {
      tile[j] = tile[j] * inv[j];
      RV_UNROLL
      for (int q = j + 1; q < kLeaf; q++) tile[q] -= tile[j] * lt[j * kLeaf + q];
    }
    store_tile<T, NR>(tile, x + i0 * ldx, g, k, ldx);
  }
}
#else
template <typename T, int NR>
RV_INLINE void leaf_impl(int64_t m, int64_t k, const T* lt, const T* inv, T* x, int64_t ldx) {
  T tile[kLeaf][NR];
  for (int64_t i0 = 0; i0 < m; i0 += NR) {
    const int g = int(std::min<int64_t>(NR, m - i0));
    T* rows = x + i0 * ldx;
    for (int j = 0; j < kLeaf; j++) {
      for (int r = 0; r < NR; r++) tile[j][r] = (r < g && j < k) ? rows[r * ldx + j] : T(0);
    }
    for (int j = 0; j < kLeaf; j++) {
      for (int r = 0; r < NR; r++) tile[j][r] *= inv[j];
      for (int q = j + 1; q < kLeaf; q++) {
        for (int r = 0; r < NR; r++) tile[q][r] -= tile[j][r] * lt[j * kLeaf + q];
      }
    }
    for (int j = 0; j < k; j++) {
      for (int r = 0; r < g; r++) rows[r * ldx + j] = tile[j][r];
    }
  }
}
#endif

// Packs a full B panel whose NR columns are rows of memory: dst[p * NR + j] = src[j * ld + p]
// for p < kc (B's transposed layout, e.g. Lᵀ), by NR x NR blocks transposed in registers.
template <typename T, int NR>
RV_INLINE void pack_rows_impl(const T* __restrict src, int64_t ld, int64_t kc, T* __restrict dst) {
  int64_t p = 0;
#if RV_LINALG_SHUFFLE
  using V = typename VecOf<T, NR>::type;
  for (; p + NR <= kc; p += NR) {
    V block[NR];
    for (int j = 0; j < NR; j++) std::memcpy(&block[j], src + j * ld + p, sizeof(V));
    transpose_block<V, NR>(block);
    for (int c = 0; c < NR; c++) std::memcpy(dst + (p + c) * NR, &block[c], sizeof(V));
  }
#endif
  for (; p < kc; p++) {
    for (int j = 0; j < NR; j++) dst[p * NR + j] = src[j * ld + p];
  }
}

template <typename T>
struct Isa {
  int mr, nr;
  void (*micro)(int64_t kc, const T* a, const T* b, T* c, int64_t ldc);               // A packed
  void (*micro_rows)(int64_t kc, const T* a, int64_t lda, const T* b, T* c, int64_t ldc);  // A rows in place
  void (*leaf)(int64_t m, int64_t k, const T* lt, const T* inv, T* x, int64_t ldx);
  void (*pack_rows)(const T* src, int64_t ld, int64_t kc, T* dst);  // full panel, B's rows stride 1
};

// Per-ISA instantiations. GCC needs fp-contract=fast to fuse a*b+c under -std=c++17; clang
// fuses within an expression by default.
#if defined(__GNUC__) && !defined(__clang__)
#define RV_LINALG_TARGET(isa) __attribute__((target(isa), optimize("fp-contract=fast")))
#elif defined(__clang__)
#define RV_LINALG_TARGET(isa) __attribute__((target(isa)))
#endif

#define RV_LINALG_KERNELS(NAME, ATTR, T, MR, NR)                                                          \
  ATTR void micro_##NAME(int64_t kc, const T* a, const T* b, T* c, int64_t ldc) {                       \
    micro_impl<T, MR, NR>(kc, a, 1, MR, b, c, ldc);                                                       \
  }                                                                                                       \
  ATTR void micro_rows_##NAME(int64_t kc, const T* a, int64_t lda, const T* b, T* c, int64_t ldc) {      \
    micro_impl<T, MR, NR>(kc, a, lda, 1, b, c, ldc);                                                      \
  }                                                                                                       \
  ATTR void leaf_##NAME(int64_t m, int64_t k, const T* lt, const T* inv, T* x, int64_t ldx) {           \
    leaf_impl<T, NR>(m, k, lt, inv, x, ldx);                                                              \
  }                                                                                                       \
  ATTR void pack_rows_##NAME(const T* src, int64_t ld, int64_t kc, T* dst) {                            \
    pack_rows_impl<T, NR>(src, ld, kc, dst);                                                              \
  }

#if RV_LINALG_VECTORS && defined(__x86_64__) && defined(RV_LINALG_TARGET)
#define RV_LINALG_X86 1
// Register tiles measured on the micro-kernel alone: one vector of NR lanes per row.
RV_LINALG_KERNELS(f64_avx512, RV_LINALG_TARGET("avx512f"), double, 8, 8)
RV_LINALG_KERNELS(f32_avx512, RV_LINALG_TARGET("avx512f"), float, 8, 16)
RV_LINALG_KERNELS(f64_avx2, RV_LINALG_TARGET("avx2,fma"), double, 12, 4)
RV_LINALG_KERNELS(f32_avx2, RV_LINALG_TARGET("avx2,fma"), float, 12, 8)
RV_LINALG_KERNELS(f64_base, , double, 8, 2)
RV_LINALG_KERNELS(f32_base, , float, 8, 4)
#elif RV_LINALG_VECTORS
#define RV_LINALG_X86 0
RV_LINALG_KERNELS(f64_base, , double, 8, 4)
RV_LINALG_KERNELS(f32_base, , float, 8, 8)
#else
#define RV_LINALG_X86 0
RV_LINALG_KERNELS(f64_base, , double, 4, 4)
RV_LINALG_KERNELS(f32_base, , float, 4, 4)
#endif

enum class Level { Avx512, Avx2, Base };

// The best kernel set this CPU runs. RANDVAR_LINALG_KERNEL=avx2 or baseline caps it, so tests
// can exercise every set on one machine (it never raises the level above what the CPU has).
Level cpu_level() {
  Level level = Level::Base;
#if RV_LINALG_X86
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) level = Level::Avx512;
  else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) level = Level::Avx2;
#endif
  if (const char* cap = std::getenv("RANDVAR_LINALG_KERNEL")) {
    if (std::strcmp(cap, "baseline") == 0) level = Level::Base;
    if (std::strcmp(cap, "avx2") == 0 && level == Level::Avx512) level = Level::Avx2;
  }
  return level;
}

template <typename T> const Isa<T>& isa();

template <>
const Isa<double>& isa<double>() {
  static const Isa<double> chosen = [] {
#if RV_LINALG_X86
    switch (cpu_level()) {
      case Level::Avx512: return Isa<double>{8, 8, micro_f64_avx512, micro_rows_f64_avx512, leaf_f64_avx512, pack_rows_f64_avx512};
      case Level::Avx2: return Isa<double>{12, 4, micro_f64_avx2, micro_rows_f64_avx2, leaf_f64_avx2, pack_rows_f64_avx2};
      case Level::Base: return Isa<double>{8, 2, micro_f64_base, micro_rows_f64_base, leaf_f64_base, pack_rows_f64_base};
    }
#elif RV_LINALG_VECTORS
    return Isa<double>{8, 4, micro_f64_base, micro_rows_f64_base, leaf_f64_base, pack_rows_f64_base};
#endif
    return Isa<double>{4, 4, micro_f64_base, micro_rows_f64_base, leaf_f64_base, pack_rows_f64_base};
  }();
  return chosen;
}

template <>
const Isa<float>& isa<float>() {
  static const Isa<float> chosen = [] {
#if RV_LINALG_X86
    switch (cpu_level()) {
      case Level::Avx512: return Isa<float>{8, 16, micro_f32_avx512, micro_rows_f32_avx512, leaf_f32_avx512, pack_rows_f32_avx512};
      case Level::Avx2: return Isa<float>{12, 8, micro_f32_avx2, micro_rows_f32_avx2, leaf_f32_avx2, pack_rows_f32_avx2};
      case Level::Base: return Isa<float>{8, 4, micro_f32_base, micro_rows_f32_base, leaf_f32_base, pack_rows_f32_base};
    }
#elif RV_LINALG_VECTORS
    return Isa<float>{8, 8, micro_f32_base, micro_rows_f32_base, leaf_f32_base, pack_rows_f32_base};
#endif
    return Isa<float>{4, 4, micro_f32_base, micro_rows_f32_base, leaf_f32_base, pack_rows_f32_base};
  }();
  return chosen;
}

// Scratch memory, 64-byte aligned. Small requests reuse a per-thread buffer (no allocation
// on the hot path); large ones get their own, freed afterwards, so no thread keeps megabytes.
template <typename T>
class Scratch {
 public:
  Scratch(int slot, size_t count) {
    constexpr size_t kKeep = size_t(4) << 20;  // bytes a thread may keep per slot
    size_t bytes = count * sizeof(T) + 64;
    thread_local std::vector<char> kept[3];
    std::vector<char>& buf = bytes <= kKeep ? kept[slot] : own_;
    if (buf.size() < bytes) buf.resize(bytes);
    uintptr_t at = reinterpret_cast<uintptr_t>(buf.data());
    data_ = reinterpret_cast<T*>((at + 63) & ~uintptr_t(63));
  }
  T* get() const { return data_; }

 private:
  std::vector<char> own_;
  T* data_;
};

// Packs rows [i0, i0 + mr) of A, depth [p0, p0 + kc), as dst[p * mr + r]; rows past m are 0.
template <typename T>
void pack_a(const Mat<T>& a, int64_t m, int64_t i0, int64_t p0, int64_t kc, int mr, T* dst) {
  const int rows = int(std::min<int64_t>(mr, m - i0));
  if (a.cs == 1) {
    for (int r = 0; r < rows; r++) {
      const T* src = &a(i0 + r, p0);
      for (int64_t p = 0; p < kc; p++) dst[p * mr + r] = src[p];
    }
    for (int r = rows; r < mr; r++) {
      for (int64_t p = 0; p < kc; p++) dst[p * mr + r] = T(0);
    }
    return;
  }
  for (int64_t p = 0; p < kc; p++) {
    const T* src = &a(i0, p0 + p);
    T* d = dst + p * mr;
    for (int r = 0; r < rows; r++) d[r] = src[r * a.rs];
    for (int r = rows; r < mr; r++) d[r] = T(0);
  }
}

// Packs columns [j0, j0 + nr) of B, depth [p0, p0 + kc), as dst[p * nr + j]; columns past n are 0.
template <typename T>
void pack_b(const Mat<T>& b, int64_t n, int64_t j0, int64_t p0, int64_t kc, int nr, T* dst) {
  const int cols = int(std::min<int64_t>(nr, n - j0));
  if (b.rs == 1 && cols == nr) {
    isa<T>().pack_rows(&b(p0, j0), b.cs, kc, dst);
    return;
  }
  if (b.rs == 1) {
    for (int j = 0; j < cols; j++) {
      const T* src = &b(p0, j0 + j);
      for (int64_t p = 0; p < kc; p++) dst[p * nr + j] = src[p];
    }
    for (int j = cols; j < nr; j++) {
      for (int64_t p = 0; p < kc; p++) dst[p * nr + j] = T(0);
    }
    return;
  }
  for (int64_t p = 0; p < kc; p++) {
    const T* src = &b(p0 + p, j0);
    T* d = dst + p * nr;
    for (int j = 0; j < cols; j++) d[j] = src[j * b.cs];
    for (int j = cols; j < nr; j++) d[j] = T(0);
  }
}

// Flops a parallel chunk should hold at least: below this, waking threads costs more than it saves.
constexpr int64_t kChunkFlops = 1 << 18;

}  // namespace

template <typename T>
void gemm_sub(int64_t m, int64_t n, int64_t k, Mat<T> a, Mat<T> b, Mat<T> c, Part part) {
  if (m <= 0 || n <= 0 || k <= 0) return;
  if (c.cs != 1 && c.rs != 1) {
    // Not reached by this file's callers (their C always has a unit stride); kept correct anyway.
    for (int64_t i = 0; i < m; i++) {
      for (int64_t j = 0; j < n; j++) {
        T s = 0;
        for (int64_t p = 0; p < k; p++) s += a(i, p) * b(p, j);
        c(i, j) -= s;
      }
    }
    return;
  }
  if (c.cs != 1) {
    // Cᵀ -= Bᵀ·Aᵀ has unit column stride; the lower part of C is the upper part of Cᵀ.
    Part flipped = part == Part::Lower ? Part::Upper : part == Part::Upper ? Part::Lower : Part::All;
    gemm_sub<T>(n, m, k, b.t(), a.t(), c.t(), flipped);
    return;
  }
  const Isa<T>& K = isa<T>();
  const int mr = K.mr, nr = K.nr;
  // A whose rows are contiguous is read in place, all but a last partial row panel.
  const bool direct = a.cs == 1;
  const int64_t col_panels = (n + nr - 1) / nr;
  const int64_t mc = std::max<int64_t>(mr, kMC / mr * mr);
  const int64_t kc_max = std::min(k, kKC);
  const int64_t a_rows = direct ? mr : std::min(mc, (m + mr - 1) / mr * mr);
  Scratch<T> bbuf(0, size_t(col_panels * nr * kc_max));
  Scratch<T> abuf(1, size_t(a_rows * kc_max));
  T* bp = bbuf.get();
  T* ap = abuf.get();
  std::vector<int64_t> first(size_t(col_panels) + 1);  // per column panel: tiles before it
  // Packing is cheap next to the update; it is split across threads only when large.
  constexpr int64_t kPackGrain = 1 << 16;
  for (int64_t p0 = 0; p0 < k; p0 += kKC) {
    const int64_t kc = std::min(kKC, k - p0);
    parallel_for(col_panels, std::max<int64_t>(1, kPackGrain / (nr * kc)), [&](int64_t begin, int64_t end) {
      for (int64_t jp = begin; jp < end; jp++) pack_b(b, n, jp * nr, p0, kc, nr, bp + jp * nr * kc);
    });
    for (int64_t i0 = 0; i0 < m; i0 += mc) {
      const int64_t rows = std::min(mc, m - i0);
      const int64_t row_panels = (rows + mr - 1) / mr;
      if (direct) {
        if (rows % mr != 0) pack_a(a, m, i0 + (row_panels - 1) * mr, p0, kc, mr, ap);
      } else {
        parallel_for(row_panels, std::max<int64_t>(1, kPackGrain / (mr * kc)), [&](int64_t begin, int64_t end) {
          for (int64_t ip = begin; ip < end; ip++) pack_a(a, m, i0 + ip * mr, p0, kc, mr, ap + ip * mr * kc);
        });
      }
      // The row panels each column panel needs: those that reach the wanted triangle.
      auto row_range = [&](int64_t jp, int64_t& lo, int64_t& hi) {
        lo = 0;
        hi = row_panels;
        const int64_t j0 = jp * nr, j1 = std::min(n, j0 + nr) - 1;
        if (part == Part::Lower) lo = std::min(row_panels, std::max<int64_t>(0, (j0 - i0) / mr));
        if (part == Part::Upper) hi = std::max<int64_t>(0, std::min(row_panels, (j1 - i0) / mr + 1));
        if (hi < lo) hi = lo;
      };
      for (int64_t jp = 0; jp < col_panels; jp++) {
        int64_t lo, hi;
        row_range(jp, lo, hi);
        first[size_t(jp) + 1] = first[size_t(jp)] + (hi - lo);
      }
      const int64_t tiles = first[size_t(col_panels)];
      const int64_t grain = std::max<int64_t>(1, kChunkFlops / (2 * mr * nr * kc));
      parallel_for(tiles, grain, [&](int64_t begin, int64_t end) {
        T tmp[kMaxMR * kMaxNR];
        int64_t jp = std::upper_bound(first.begin(), first.end(), begin) - first.begin() - 1;
        for (int64_t t = begin; t < end; t++) {
          while (t >= first[size_t(jp) + 1]) jp++;
          int64_t lo, hi;
          row_range(jp, lo, hi);
          const int64_t ip = lo + (t - first[size_t(jp)]);
          const int64_t r0 = i0 + ip * mr, j0 = jp * nr;
          const T* pb = bp + jp * nr * kc;
          T* pc = &c(r0, j0);
          const int64_t h = std::min<int64_t>(mr, m - r0), w = std::min<int64_t>(nr, n - j0);
          const bool in_place = direct && h == mr;
          const T* pa = in_place ? &a(r0, p0) : direct ? ap : ap + ip * mr * kc;
          T* dst = pc;
          int64_t ldd = c.rs;
          if (h < mr || w < nr) {
            std::fill(tmp, tmp + mr * nr, T(0));
            dst = tmp;
            ldd = nr;
          }
          if (in_place) K.micro_rows(kc, pa, a.rs, pb, dst, ldd);
          else K.micro(kc, pa, pb, dst, ldd);
          if (dst == tmp) {
            for (int64_t r = 0; r < h; r++) {
              for (int64_t j = 0; j < w; j++) pc[r * c.rs + j] += tmp[r * nr + j];
            }
          }
        }
      });
    }
  }
}

namespace {

// A split of n > kLeaf into two parts, the first a multiple of kLeaf, about half.
int64_t split(int64_t n) {
  int64_t half = (n / 2 + kLeaf - 1) / kLeaf * kLeaf;
  return std::min(half, n - 1);
}

// Unblocked Cholesky of n <= kLeaf (dot-product form; rows are contiguous).
template <typename T>
int64_t cholesky_leaf(int64_t n, T* a, int64_t lda, T* pivot) {
  for (int64_t j = 0; j < n; j++) {
    T* rj = a + j * lda;
    T d = rj[j];
    for (int64_t p = 0; p < j; p++) d -= rj[p] * rj[p];
    if (!(d > T(0))) {
      *pivot = d;
      return j;
    }
    const T ljj = std::sqrt(d);
    rj[j] = ljj;
    const T inv = T(1) / ljj;  // scaling by the reciprocal, as LAPACK's potf2
    for (int64_t i = j + 1; i < n; i++) {
      T* ri = a + i * lda;
      T s = ri[j];
      for (int64_t p = 0; p < j; p++) s -= ri[p] * rj[p];
      ri[j] = s * inv;
    }
  }
  return -1;
}

// X Lᵀ = B in place for X of m rows, L k x k lower (row stride ldl), on one thread.
template <typename T>
void solve_right_lt_serial(int64_t m, int64_t k, const T* l, int64_t ldl, T* x, int64_t ldx) {
  if (m <= 0 || k <= 0) return;
  if (k <= kLeaf) {
    T lt[kLeaf * kLeaf] = {};
    T inv[kLeaf];
    for (int j = 0; j < kLeaf; j++) {
      inv[j] = j < k ? T(1) / l[j * ldl + j] : T(1);
      for (int q = j + 1; q < k; q++) lt[j * kLeaf + q] = l[q * ldl + j];
    }
    isa<T>().leaf(m, k, lt, inv, x, ldx);
    return;
  }
  const int64_t k1 = split(k), k2 = k - k1;
  solve_right_lt_serial(m, k1, l, ldl, x, ldx);
  T* lp = const_cast<T*>(l);
  gemm_sub<T>(m, k2, k1, Mat<T>{x, ldx, 1}, Mat<T>{lp + k1 * ldl, 1, ldl}, Mat<T>{x + k1, ldx, 1}, Part::All);
  solve_right_lt_serial(m, k2, l + k1 * ldl + k1, ldl, x + k1, ldx);
}

// Rows of X are independent: split them across threads, each solving its rows in full. One
// block of rows per thread, of 64 rows at least: every block packs the same pieces of L again,
// so fewer is better (the work per row is uniform, so nothing is lost in balance).
template <typename T>
void solve_right_lt(int64_t m, int64_t k, const T* l, int64_t ldl, T* x, int64_t ldx) {
  constexpr int64_t kRows = 16;
  const int64_t blocks = (m + kRows - 1) / kRows;
  const int64_t per_thread = std::max<int64_t>(4, (blocks + num_threads() - 1) / num_threads());
  const int64_t grain = std::max<int64_t>(per_thread, int64_t(kParallelFlops) / std::max<int64_t>(1, kRows * k * k));
  parallel_for(blocks, grain, [&](int64_t begin, int64_t end) {
    const int64_t r0 = begin * kRows, r1 = std::min(m, end * kRows);
    solve_right_lt_serial(r1 - r0, k, l, ldl, x + r0 * ldx, ldx);
  });
}

}  // namespace

template <typename T>
int64_t cholesky_in_place(int64_t n, T* a, int64_t lda, T* pivot) {
  if (n <= kLeaf) return cholesky_leaf(n, a, lda, pivot);
  const int64_t n1 = split(n), n2 = n - n1;
  int64_t f = cholesky_in_place(n1, a, lda, pivot);
  if (f >= 0) return f;
  T* a21 = a + n1 * lda;
  solve_right_lt(n2, n1, a, lda, a21, lda);                                                         // L21 = A21 L11⁻ᵀ
  gemm_sub<T>(n2, n2, n1, Mat<T>{a21, lda, 1}, Mat<T>{a21, 1, lda}, Mat<T>{a21 + n1, lda, 1}, Part::Lower);  // A22 -= L21 L21ᵀ
  f = cholesky_in_place(n2, a21 + n1, lda, pivot);
  return f >= 0 ? n1 + f : -1;
}

namespace {

// y[0:n] -= s · x[0:n]
template <typename T>
RV_MULTIVERSION void axpy_sub(T* __restrict y, const T* __restrict x, T s, int64_t n) {
  for (int64_t j = 0; j < n; j++) y[j] -= s * x[j];
}
template <typename T>
RV_MULTIVERSION void divide_row(T* __restrict y, T d, int64_t n) {
  for (int64_t j = 0; j < n; j++) y[j] /= d;
}
// Σ a[p]·b[p] with eight running sums, so it vectorises (a fixed order: results depend on n only).
template <typename T>
RV_MULTIVERSION T dot(const T* __restrict a, const T* __restrict b, int64_t n) {
  T part[8] = {};
  int64_t p = 0;
  for (; p + 8 <= n; p += 8) {
    for (int l = 0; l < 8; l++) part[l] += a[p + l] * b[p + l];
  }
  T sum = 0;
  for (int l = 0; l < 8; l++) sum += part[l];
  for (; p < n; p++) sum += a[p] * b[p];
  return sum;
}

// T X = B for T lower, X with unit column stride, on one thread (recursive on rows).
template <typename T>
void solve_left_lower_serial(int64_t M, int64_t K, Mat<T> t, T* x, int64_t ldx) {
  if (M <= 0 || K <= 0) return;
  if (M <= kLeaf) {
    for (int64_t i = 0; i < M; i++) {
      T* xi = x + i * ldx;
      for (int64_t p = 0; p < i; p++) axpy_sub(xi, x + p * ldx, t(i, p), K);
      divide_row(xi, t(i, i), K);
    }
    return;
  }
  const int64_t m1 = split(M), m2 = M - m1;
  solve_left_lower_serial(m1, K, t, x, ldx);
  gemm_sub<T>(m2, K, m1, t.block(m1, 0), Mat<T>{x, ldx, 1}, Mat<T>{x + m1 * ldx, ldx, 1}, Part::All);
  solve_left_lower_serial(m2, K, t.block(m1, m1), x + m1 * ldx, ldx);
}

// One right-hand side at a time (few columns): substitution reading T along its unit stride.
template <typename T>
void solve_columns(int64_t M, int64_t K, Mat<T> t, bool lower, T* x, int64_t ldx) {
  Scratch<T> buf(2, size_t(M));
  T* y = buf.get();
  for (int64_t col = 0; col < K; col++) {
    for (int64_t i = 0; i < M; i++) y[i] = x[i * ldx + col];
    if (t.cs == 1) {
      // Dot-product form: row i of T is contiguous.
      for (int64_t s = 0; s < M; s++) {
        const int64_t i = lower ? s : M - 1 - s;
        const T* ti = &t(i, 0);
        const T acc = lower ? y[i] - dot(ti, y, i) : y[i] - dot(ti + i + 1, y + i + 1, M - i - 1);
        y[i] = acc / ti[i];
      }
    } else {
      // Column form: column p of T (contiguous when its row stride is 1) updates the rest.
      for (int64_t s = 0; s < M; s++) {
        const int64_t p = lower ? s : M - 1 - s;
        const T yp = y[p] / t(p, p);
        y[p] = yp;
        if (lower) {
          for (int64_t i = p + 1; i < M; i++) y[i] -= t(i, p) * yp;
        } else {
          for (int64_t i = 0; i < p; i++) y[i] -= t(i, p) * yp;
        }
      }
    }
    for (int64_t i = 0; i < M; i++) x[i * ldx + col] = y[i];
  }
}

}  // namespace

template <typename T>
void triangular_solve_in_place(int64_t M, int64_t K, Mat<T> t, bool lower, T* x, int64_t ldx) {
  if (M <= 0 || K <= 0) return;
  constexpr int64_t kFewColumns = 4;
  if (K < kFewColumns) {
    solve_columns(M, K, t, lower, x, ldx);
    return;
  }
  if (!lower) {
    // Reversing rows and columns turns an upper triangular system into a lower one.
    t = t.reversed(M, M);
    x += (M - 1) * ldx;
    ldx = -ldx;
  }
  // Columns of X are independent: split them across threads in whole vector panels.
  const int64_t width = std::max<int64_t>(isa<T>().nr, 32);
  const int64_t chunks = (K + width - 1) / width;
  const int64_t grain = std::max<int64_t>(1, int64_t(kParallelFlops) / std::max<int64_t>(1, M * M * width));
  parallel_for(chunks, grain, [&](int64_t begin, int64_t end) {
    const int64_t c0 = begin * width, c1 = std::min(K, end * width);
    solve_left_lower_serial(M, c1 - c0, t, x + c0, ldx);
  });
}

template <typename T>
void cholesky_inverse(int64_t n, Mat<T> l, T* out, int64_t ldo, T* work) {
  if (n <= 0) return;
  // work = L⁻¹ (solving L X = I), then out = L⁻ᵀ L⁻¹ from its lower part, mirrored.
  for (int64_t i = 0; i < n; i++) {
    std::fill(work + i * n, work + (i + 1) * n, T(0));
    work[i * n + i] = T(1);
  }
  triangular_solve_in_place(n, n, l, true, work, n);
  for (int64_t i = 0; i < n; i++) std::fill(out + i * ldo, out + i * ldo + n, T(0));
  gemm_sub<T>(n, n, n, Mat<T>{work, 1, n}, Mat<T>{work, n, 1}, Mat<T>{out, ldo, 1}, Part::Lower);
  for (int64_t i = 0; i < n; i++) {
    for (int64_t j = 0; j <= i; j++) {
      out[i * ldo + j] = T(0) - out[i * ldo + j];  // not -x: an exact 0 stays +0
      out[j * ldo + i] = out[i * ldo + j];
    }
  }
}

template void gemm_sub<float>(int64_t, int64_t, int64_t, Mat<float>, Mat<float>, Mat<float>, Part);
template void gemm_sub<double>(int64_t, int64_t, int64_t, Mat<double>, Mat<double>, Mat<double>, Part);
template int64_t cholesky_in_place<float>(int64_t, float*, int64_t, float*);
template int64_t cholesky_in_place<double>(int64_t, double*, int64_t, double*);
template void triangular_solve_in_place<float>(int64_t, int64_t, Mat<float>, bool, float*, int64_t);
template void triangular_solve_in_place<double>(int64_t, int64_t, Mat<double>, bool, double*, int64_t);
template void cholesky_inverse<float>(int64_t, Mat<float>, float*, int64_t, float*);
template void cholesky_inverse<double>(int64_t, Mat<double>, double*, int64_t, double*);

}  // namespace linalg
}  // namespace rv
