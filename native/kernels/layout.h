// What the layout, indexing and creation kernels share between their CPU versions
// (native/kernels/*.cc) and GPU versions (native/cuda/*.cu): the checks of shapes and
// attributes, the errors, and the per-element formulas, written once so both devices accept
// the same calls and compute the same values.
#pragma once
#include <cstdint>
#include <string>

#include "../device.h"
#include "../kernel.h"
#include "fast_math.h"

namespace rv {

// ---- gather, gatherND, scatterAdd (gather.cc) ----

// gather's layout. x is seen as [B, O, N, inner] (batch axes, the other axes before `axis`,
// the axis, the axes after it) and indices as [B, I]; output row r = p * I + i, for the outer
// position p = b * O + o, holds x[p, indices[b, i], :].
struct GatherLayout {
  int axis, batch;
  int64_t B, O, N, I, inner;
};
// Checks the attrs [axis, batchDims], the dtypes and the output shape (not the index values).
GatherLayout check_gather(const KernelCall& c);

// gatherND's layout: indices seen as [M, k]; output row m holds x[indices[m, 0..k), ...], a
// block of `inner` elements over x's axes [k, rank).
struct GatherNDLayout {
  int k;
  int64_t M, inner;
};
GatherNDLayout check_gather_nd(const KernelCall& c);

// scatterAdd's layout: x seen as [O, N, inner], indices flattened to I, updates as [O, I, inner].
struct ScatterAddLayout {
  int axis;
  int64_t O, N, I, inner;
};
ScatterAddLayout check_scatter_add(const KernelCall& c);

// The error for the first index out of [0, n): `value` at `position` of the flattened indices,
// for `what` (e.g. "axis 1 of x"). Both devices report the same (lowest) position.
Error index_out_of_range(const KernelCall& c, int64_t value, int64_t position, int64_t n, const std::string& what);
std::string axis_of_x(int64_t axis);

// ---- pad (pad.cc) ----

// pad's attrs [constantValue, before_0, after_0, ...], checked against x and the output.
struct PadLayout {
  double value;
  int64_t before[kMaxRank], after[kMaxRank];
};
PadLayout check_pad(const KernelCall& c);

// ---- oneHot (one_hot.cc) ----

// oneHot's attrs [depth, onValue, offValue], checked against indices and the output.
struct OneHotLayout {
  int64_t depth;
  double on, off;
};
OneHotLayout check_one_hot(const KernelCall& c);

// ---- fill, arange, linspace, eye (creation.cc) ----
// Each value functor gives element i as a double, which the kernel converts to the output dtype
// (convert_value's rules). Index is int64_t on the CPU; a GPU kernel may pass uint32_t.

// arange's attrs [start, step]: element i is start + i * step.
struct ArangeValue {
  double start, step;
  template <typename Index> RV_HD double operator()(Index i) const { return add_mul(start, double(i), step); }
};
inline ArangeValue arange_value(const KernelCall& c) { return {c.attr(0), c.attr(1)}; }

// linspace's attrs [start, stop] over n = the output's size: the last element is stop exactly.
struct LinspaceValue {
  double start, stop, step;
  int64_t n;
  template <typename Index> RV_HD double operator()(Index i) const {
    return int64_t(i) == n - 1 && n > 1 ? stop : add_mul(start, double(i), step);
  }
};
inline LinspaceValue linspace_value(const KernelCall& c, int64_t n) {
  double start = c.attr(0), stop = c.attr(1);
  return {start, stop, n > 1 ? (stop - start) / double(n - 1) : 0.0, n};
}

// eye: identity matrices in the last two axes, repeated over the leading (batch) axes.
struct EyeValue {
  int64_t per, cols;  // elements per matrix, columns
  template <typename Index> RV_HD double operator()(Index i) const {
    Index k = per == 0 ? Index(0) : i % Index(per);
    return k / Index(cols) == k % Index(cols) ? 1.0 : 0.0;
  }
};
// Throws unless the output has rank >= 2 and a valid shape.
inline EyeValue eye_value(const KernelCall& c) {
  if (c.out_shape.n < 2) throw c.fail("output must have rank >= 2");
  const int64_t rows = c.out_shape[c.out_shape.n - 2], cols = c.out_shape[c.out_shape.n - 1];
  // The functor runs only on a non-empty output, and then rows * cols cannot overflow.
  const int64_t n = checked_numel(c.out_shape, c.name);
  return {n == 0 ? 0 : rows * cols, cols};
}

}  // namespace rv
