// Cumulative sums and products along one axis, inclusive or exclusive, forward or reversed
// (TensorFlow's cumsum/cumprod). The input is viewed as a dense [A, R, B] block (copied first
// if it is not contiguous). B == 1 scans contiguous rows; B > 1 carries a tile of running
// values down the rows, so memory is walked contiguously. float32 accumulates in double;
// int32 wraps.
#include <algorithm>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "../kernel.h"
#include "../thread_pool.h"
#include "reduce.h"

namespace rv {
namespace {

constexpr int64_t kGrain = 1 << 15;
constexpr int64_t kTile = 512;  // columns carried together, at least

using namespace reduction;  // CumSum, CumProd (shared with the GPU scans)

// One contiguous row of n elements; the direction and inclusion are template parameters so
// each loop is a plain recurrence.
template <class Op, bool kExclusive, bool kReverse, typename T>
void scan_row(const T* __restrict x, T* __restrict out, int64_t n) {
  typename Op::Acc acc = Op::init();
  for (int64_t k = 0; k < n; k++) {
    int64_t r = kReverse ? n - 1 - k : k;
    if constexpr (kExclusive) {
      out[r] = T(acc);
      acc = Op::step(acc, x[r]);
    } else {
      acc = Op::step(acc, x[r]);
      out[r] = T(acc);
    }
  }
}

template <class Op, typename T>
void scan_rows(const T* x, T* out, int64_t A, int64_t R, bool exclusive, bool reverse) {
  auto row = exclusive ? (reverse ? scan_row<Op, true, true, T> : scan_row<Op, true, false, T>)
                       : (reverse ? scan_row<Op, false, true, T> : scan_row<Op, false, false, T>);
  int64_t grain = std::max<int64_t>(1, kGrain / std::max<int64_t>(R, 1));
  parallel_for(A, grain, [&](int64_t begin, int64_t end) {
    for (int64_t a = begin; a < end; a++) row(x + a * R, out + a * R, R);
  });
}

// B > 1: a tile of running values carried down the rows of x[a, :, b0:b0+w].
template <class Op, bool kExclusive, bool kReverse, typename T>
void scan_tile(const T* x, T* out, int64_t R, int64_t B, int64_t w, typename Op::Acc* __restrict acc) {
  for (int64_t j = 0; j < w; j++) acc[j] = Op::init();
  for (int64_t k = 0; k < R; k++) {
    const int64_t r = kReverse ? R - 1 - k : k;
    const T* __restrict row = x + r * B;
    T* __restrict orow = out + r * B;
    for (int64_t j = 0; j < w; j++) {
      if constexpr (kExclusive) {
        orow[j] = T(acc[j]);
        acc[j] = Op::step(acc[j], row[j]);
      } else {
        acc[j] = Op::step(acc[j], row[j]);
        orow[j] = T(acc[j]);
      }
    }
  }
}

template <class Op, typename T>
void scan_block(const T* x, T* out, int64_t A, int64_t R, int64_t B, bool exclusive, bool reverse) {
  using Acc = typename Op::Acc;
  auto tile_fn = exclusive ? (reverse ? scan_tile<Op, true, true, T> : scan_tile<Op, true, false, T>)
                           : (reverse ? scan_tile<Op, false, true, T> : scan_tile<Op, false, false, T>);
  // Wide tiles keep the rows' runs long (short runs at a large stride thrash the TLB and
  // caches): one tile per thread when A alone cannot occupy them. A column's result does not
  // depend on the tiling.
  const int64_t threads = A >= num_threads() ? 1 : num_threads();
  const int64_t tile = std::min(B, std::max(kTile, (B + threads - 1) / threads));
  const int64_t tiles = (B + tile - 1) / tile;
  int64_t grain = std::max<int64_t>(1, kGrain / std::max<int64_t>(R * tile, 1));
  parallel_for(A * tiles, grain, [&](int64_t begin, int64_t end) {
    std::vector<Acc> acc(static_cast<size_t>(tile));
    for (int64_t item = begin; item < end; item++) {
      int64_t a = item / tiles, b0 = (item % tiles) * tile, w = std::min(tile, B - b0);
      tile_fn(x + a * R * B + b0, out + a * R * B + b0, R, B, w, acc.data());
    }
  });
}

}  // namespace

namespace reduction {

ScanAttrs read_scan(const KernelCall& c, const Tensor& x) {
  ScanAttrs a;
  a.axis = c.axis_attr(0, x);
  a.exclusive = c.attr_int(1, 0, 1) == 1;
  a.reverse = c.attr_int(2, 0, 1) == 1;
  c.expect_output_like(x);
  return a;
}

}  // namespace reduction

namespace {

template <template <typename> class Op>
Tensor scan_kernel(const KernelCall& c) {
  c.expect_inputs(1);
  const Tensor& x = c.input(0);
  const ScanAttrs attrs = read_scan(c, x);
  const int axis = attrs.axis;
  const bool exclusive = attrs.exclusive, reverse = attrs.reverse;
  Tensor out = c.make_output();
  if (out.numel() == 0) return out;
  AxisView v = axis_view(x, axis, c.name);
  dispatch_numeric(x.dtype, c.name, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if (v.inner == 1) scan_rows<Op<T>, T>(v.x.ptr<T>(), out.ptr<T>(), v.outer, v.length, exclusive, reverse);
    else scan_block<Op<T>, T>(v.x.ptr<T>(), out.ptr<T>(), v.outer, v.length, v.inner, exclusive, reverse);
  });
  return out;
}

KernelRegistrar registrations[] = {
    {"cumsum", scan_kernel<CumSum>},
    {"cumprod", scan_kernel<CumProd>},
};

}  // namespace
}  // namespace rv
