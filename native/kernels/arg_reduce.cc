// argMax and argMin along one axis, as int32 indices. Ties keep the first occurrence; NaN
// counts as the extreme, and the first NaN wins (as NumPy). The input is viewed as a dense
// [A, R, B] block (copied first if it is not contiguous); a long single row splits into
// fixed-size chunks combined in order, and B > 1 walks rows of a tile of outputs.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <vector>

#include "../kernel.h"
#include "../thread_pool.h"
#include "reduce.h"

namespace rv {
namespace {

using namespace reduction;

constexpr int64_t kChunk = 1 << 15;
constexpr int64_t kGrain = 1 << 15;
constexpr int64_t kTile = 512;

// better<kMax>(x, best), whether x replaces the current best, is reduce.h's (the GPU's too).

template <typename T> struct Best {
  T value;
  int64_t index;
};

// The best of x[0:n) (n >= 1), indices relative to x: the extreme by the vectorised row
// reduction, then the first position holding it (the first NaN if it is NaN).
template <bool kMax, typename T>
Best<T> best_of_row(const T* x, int64_t n) {
  using Red = std::conditional_t<kMax, Max<T>, Min<T>>;
  T m = reduce_row<Red>(x, n, T(0));
  int64_t i = 0;
  if (m != m) {
    while (x[i] == x[i]) i++;
  } else {
    while (x[i] != m) i++;
  }
  return {m, i};
}

template <bool kMax, typename T>
void arg_rows(const T* x, int64_t A, int64_t R, int32_t* out) {
  if (R <= kChunk || A > 1) {
    int64_t grain = std::max<int64_t>(1, kGrain / R);
    parallel_for(A, grain, [&](int64_t begin, int64_t end) {
      for (int64_t a = begin; a < end; a++) out[a] = int32_t(best_of_row<kMax>(x + a * R, R).index);
    });
    return;
  }
  // One long row: chunk bests, combined left to right (a later chunk wins only if better).
  const int64_t chunks = (R + kChunk - 1) / kChunk;
  std::vector<Best<T>> partial(static_cast<size_t>(chunks));
  parallel_for(chunks, 1, [&](int64_t begin, int64_t end) {
    for (int64_t c = begin; c < end; c++) {
      int64_t start = c * kChunk;
      Best<T> b = best_of_row<kMax>(x + start, std::min(kChunk, R - start));
      partial[size_t(c)] = {b.value, b.index + start};
    }
  });
  Best<T> b = partial[0];
  for (int64_t c = 1; c < chunks; c++) {
    if (better<kMax>(partial[size_t(c)].value, b.value)) b = partial[size_t(c)];
  }
  out[0] = int32_t(b.index);
}

template <bool kMax, typename T>
void arg_columns(const T* x, int64_t A, int64_t R, int64_t B, int32_t* out) {
  const int64_t tile = std::min(B, kTile);
  const int64_t tiles = (B + tile - 1) / tile;
  int64_t grain = std::max<int64_t>(1, kGrain / (tile * R));
  parallel_for(A * tiles, grain, [&](int64_t begin, int64_t end) {
    T best[kTile];
    for (int64_t item = begin; item < end; item++) {
      int64_t a = item / tiles, b0 = (item % tiles) * tile, w = std::min(tile, B - b0);
      const T* xa = x + a * R * B + b0;
      int32_t* o = out + a * B + b0;
      for (int64_t j = 0; j < w; j++) best[j] = xa[j], o[j] = 0;
      for (int64_t r = 1; r < R; r++) {
        const T* row = xa + r * B;
        for (int64_t j = 0; j < w; j++) {
          bool u = better<kMax>(row[j], best[j]);
          best[j] = u ? row[j] : best[j];
          o[j] = u ? int32_t(r) : o[j];
        }
      }
    }
  });
}

}  // namespace

namespace reduction {

int read_arg_axis(const KernelCall& c, const Tensor& x) {
  int axis = c.axis_attr(0, x);
  Dims expected;
  for (int d = 0; d < x.rank(); d++) {
    if (d != axis) expected.push_back(x.shape[d], c.name);
  }
  bool same = expected.n == c.out_shape.n;
  for (int d = 0; same && d < expected.n; d++) same = expected[d] == c.out_shape[d];
  if (!same) {
    throw c.fail("output shape " + c.out_shape.to_string() + " does not match input shape " + x.shape.to_string() +
                 " without axis " + std::to_string(axis));
  }
  if (c.out_dtype != DType::Int32) throw c.fail("output dtype must be int32");
  const int64_t R = x.shape[axis];
  if (R == 0) throw c.fail("axis " + std::to_string(axis) + " has size 0");
  if (R > int64_t(std::numeric_limits<int32_t>::max())) throw c.fail("axis is too long for int32 indices");
  return axis;
}

}  // namespace reduction

namespace {

template <bool kMax>
Tensor arg_kernel(const KernelCall& c) {
  c.expect_inputs(1);
  const Tensor& x = c.input(0);
  const int axis = read_arg_axis(c, x);
  const int64_t R = x.shape[axis];
  Tensor out = c.make_output();
  if (out.numel() == 0) return out;
  AxisView v = axis_view(x, axis, c.name);
  dispatch_numeric(x.dtype, c.name, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if (v.inner == 1) arg_rows<kMax, T>(v.x.ptr<T>(), v.outer, R, out.ptr<int32_t>());
    else arg_columns<kMax, T>(v.x.ptr<T>(), v.outer, R, v.inner, out.ptr<int32_t>());
  });
  return out;
}

KernelRegistrar registrations[] = {
    {"argMax", arg_kernel<true>},
    {"argMin", arg_kernel<false>},
};

}  // namespace
}  // namespace rv
