// View kernels: reshape, transpose, strided slice and broadcast return tensors that share
// their input's storage (reshape copies only when no strides express the new shape).
#include <cstdint>
#include <vector>

#include "../kernel.h"
#include "../strided_loop.h"

namespace rv {
namespace {

// Strides giving `shape` over x's elements in row-major order without a copy, if any do
// (NumPy's rule: each group of old axes merged into new axes must be contiguous).
bool reshape_strides(const Tensor& x, const Dims& shape, Dims& strides) {
  strides = Dims::of_rank(shape.n, "reshape");
  if (x.numel() == 0) {
    strides = contiguous_strides(shape);
    return true;
  }
  int64_t old_dims[kMaxRank], old_strides[kMaxRank];
  int old_n = 0;
  for (int i = 0; i < x.rank(); i++) {
    if (x.shape[i] == 1) continue;
    old_dims[old_n] = x.shape[i];
    old_strides[old_n] = x.strides[i];
    old_n++;
  }
  int oi = 0, oj = 1, ni = 0, nj = 1;
  while (ni < shape.n && oi < old_n) {
    int64_t np = shape[ni], op = old_dims[oi];
    while (np != op) {
      if (np < op) {
        if (nj >= shape.n) return false;
        np *= shape[nj++];
      } else {
        if (oj >= old_n) return false;
        op *= old_dims[oj++];
      }
    }
    for (int ok = oi; ok < oj - 1; ok++) {
      if (old_strides[ok] != old_dims[ok + 1] * old_strides[ok + 1]) return false;
    }
    strides[nj - 1] = old_strides[oj - 1];
    for (int nk = nj - 1; nk > ni; nk--) strides[nk - 1] = strides[nk] * shape[nk];
    ni = nj++;
    oi = oj++;
  }
  for (int k = ni; k < shape.n; k++) strides[k] = 1;  // trailing size-1 dimensions
  return true;
}

Tensor reshape_kernel(const KernelCall& c) {
  c.expect_inputs(1);
  const Tensor& x = c.input(0);
  if (checked_numel(c.out_shape, c.name) != x.numel()) {
    throw c.fail("cannot reshape " + x.shape.to_string() + " to " + c.out_shape.to_string());
  }
  Dims strides;
  if (reshape_strides(x, c.out_shape, strides)) return make_view(x, c.out_shape, strides, x.offset);
  Tensor copy = contiguous(x, c.name);
  return make_view(copy, c.out_shape, contiguous_strides(c.out_shape), copy.offset);
}

// attrs: the permutation.
Tensor transpose_kernel(const KernelCall& c) {
  c.expect_inputs(1);
  const Tensor& x = c.input(0);
  int rank = x.rank();
  if (int(c.attrs.size()) != rank || c.out_shape.n != rank) throw c.fail("permutation length must equal the rank");
  Dims shape = Dims::of_rank(rank, c.name), strides = Dims::of_rank(rank, c.name);
  bool used[kMaxRank] = {};
  for (int i = 0; i < rank; i++) {
    int64_t p = c.attr_int(size_t(i), 0, rank - 1);
    if (used[p]) throw c.fail("permutation repeats axis " + std::to_string(p));
    used[p] = true;
    shape[i] = x.shape[int(p)];
    strides[i] = x.strides[int(p)];
    if (shape[i] != c.out_shape[i]) throw c.fail("output shape does not match the permutation");
  }
  return make_view(x, shape, strides, x.offset);
}

// attrs: begin per axis, then step per axis (non-zero, may be negative); out_shape holds the
// number of elements taken along each axis.
Tensor slice_kernel(const KernelCall& c) {
  c.expect_inputs(1);
  const Tensor& x = c.input(0);
  int rank = x.rank();
  if (int(c.attrs.size()) != 2 * rank || c.out_shape.n != rank) throw c.fail("expected begin and step for every axis");
  Dims strides = Dims::of_rank(rank, c.name);
  int64_t offset = x.offset;
  for (int i = 0; i < rank; i++) {
    int64_t dim = x.shape[i];
    int64_t size = c.out_shape[i];
    int64_t step = c.attr_int(size_t(rank + i), -(int64_t(1) << 53), int64_t(1) << 53);
    if (step == 0) throw c.fail("step along axis " + std::to_string(i) + " is 0");
    int64_t begin = c.attr_int(size_t(i), 0, dim);
    if (size > 0) {
      int64_t last = begin + (size - 1) * step;
      if (begin >= dim || last < 0 || last >= dim) {
        throw c.fail("slice of " + std::to_string(size) + " elements from " + std::to_string(begin) + " by " +
                     std::to_string(step) + " leaves axis " + std::to_string(i) + " of size " + std::to_string(dim));
      }
      offset += begin * x.strides[i];
    }
    // With one element taken the step is never applied; keep the stride small.
    strides[i] = size > 1 ? x.strides[i] * step : x.strides[i];
  }
  return make_view(x, c.out_shape, strides, offset);
}

Tensor broadcast_to_kernel(const KernelCall& c) {
  c.expect_inputs(1);
  const Tensor& x = c.input(0);
  check_broadcast(x.shape, c.out_shape, c.name, "x");
  Dims strides = Dims::of_rank(c.out_shape.n, c.name);
  int lead = c.out_shape.n - x.rank();
  for (int d = 0; d < c.out_shape.n; d++) {
    int xd = d - lead;
    strides[d] = (xd < 0 || x.shape[xd] != c.out_shape[d]) ? 0 : x.strides[xd];
  }
  return make_view(x, c.out_shape, strides, x.offset);
}

// A contiguous copy (clone): the one view-layer op that never shares storage.
Tensor clone_kernel(const KernelCall& c) {
  c.expect_inputs(1);
  const Tensor& x = c.input(0);
  Tensor out = empty_tensor(x.dtype, x.shape, c.name, x.device());
  copy_into(out, x);
  return out;
}

KernelRegistrar registrations[] = {
    {"reshape", reshape_kernel},
    {"transpose", transpose_kernel},
    {"slice", slice_kernel},
    {"broadcastTo", broadcast_to_kernel},
    {"clone", clone_kernel},
};

// Views touch no data, and clone copies with copy_into: the same kernels serve a GPU.
CudaKernelRegistrar cuda_registrations[] = {
    {"reshape", reshape_kernel},
    {"transpose", transpose_kernel},
    {"slice", slice_kernel},
    {"broadcastTo", broadcast_to_kernel},
    {"clone", clone_kernel},
};

}  // namespace
}  // namespace rv
