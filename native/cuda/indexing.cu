// gather, gatherND, scatterAdd and oneHot on a GPU. The shape and attribute checks are the CPU
// kernels' (layout.h); the index values are checked on the device before anything is read
// through them, and a bad one raises the CPU kernel's error (the same first bad position).
// One thread per output (or update) element; linear indices are unravelled as uint32_t when the
// sizes fit (cheaper division), else int64_t, and grid-stride counters are 64-bit.
#include <climits>

#include "../convert.h"
#include "../kernels/layout.h"
#include "common.cuh"

namespace rv {
namespace {

// ---- index checks ----

// Index k of the flattened indices must lie in [0, n[k % period]).
struct IndexBounds {
  int period;
  int64_t n[kMaxRank];
};

__global__ void find_first_bad_index(int64_t count, const int32_t* __restrict__ idx, IndexBounds b,
                                     unsigned long long* first_bad) {
  for (int64_t k = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; k < count; k += int64_t(gridDim.x) * blockDim.x) {
    const int64_t n = b.period == 1 ? b.n[0] : b.n[k % b.period];
    const int64_t v = idx[k];
    if (v < 0 || v >= n) atomicMin(first_bad, (unsigned long long)k);
  }
}

// Throws the CPU kernel's error for the first index out of its bounds; axes[j] names the axis of
// x that bound j belongs to. The CPU kernels check every index before they write anything and
// throw on a bad one; here the scan runs on the device and its answer must come back before
// this call can return or throw: that one synchronisation per call is the price of the check
// (the gather kernels after it then never read through an unchecked index).
void check_indices(const KernelCall& c, const Tensor& idx, const IndexBounds& b, const int* axes) {
  const int64_t count = idx.numel();
  if (count == 0) return;
  cudaStream_t s = cuda::stream(c.device);
  Dims one = Dims::of_rank(1, c.name);
  one[0] = 1;
  Tensor slot = empty_tensor(DType::Float64, one, c.name, c.device);  // 8 bytes for the position
  auto* first_bad = reinterpret_cast<unsigned long long*>(slot.data());
  cuda::check(cudaMemsetAsync(first_bad, 0xff, sizeof(unsigned long long), s), c.name);  // none yet
  find_first_bad_index<<<cuda::blocks_for(count), cuda::kBlock, 0, s>>>(count, idx.ptr<int32_t>(), b, first_bad);
  cuda::check_launch(c.name);
  unsigned long long found = 0;
  cuda::copy_bytes(&found, kCpu, first_bad, c.device, sizeof found, c.name);
  if (found == ULLONG_MAX) return;
  const int64_t position = int64_t(found);
  int32_t value = 0;
  cuda::copy_bytes(&value, kCpu, idx.ptr<int32_t>() + position, c.device, sizeof value, c.name);
  const int j = b.period == 1 ? 0 : int(position % b.period);
  throw index_out_of_range(c, value, position, b.n[j], axis_of_x(axes[j]));
}

// ---- addressing ----

// Element offsets of a block of a tensor's axes at a linear index over them.
template <typename Index>
struct Unravel {
  int ndim;
  Index dims[kMaxRank];
  int64_t strides[kMaxRank];  // elements

  __device__ int64_t offset(Index i) const {
    int64_t off = 0;
    for (int d = ndim - 1; d >= 0; d--) {
      const Index q = i / dims[d];
      off += int64_t(i - q * dims[d]) * strides[d];
      i = q;
    }
    return off;
  }
};

// x's axes [from, to): size-1 axes dropped, neighbours merged where their strides allow (a
// contiguous block becomes one axis). Their product must fit Index.
template <typename Index>
Unravel<Index> unravel_axes(const Tensor& x, int from, int to) {
  Unravel<Index> u;
  u.ndim = 0;
  for (int d = from; d < to; d++) {
    if (x.shape[d] == 1) continue;
    if (u.ndim > 0 && u.strides[u.ndim - 1] == x.strides[d] * x.shape[d]) {
      u.dims[u.ndim - 1] = Index(int64_t(u.dims[u.ndim - 1]) * x.shape[d]);
      u.strides[u.ndim - 1] = x.strides[d];
    } else {
      u.dims[u.ndim] = Index(x.shape[d]);
      u.strides[u.ndim] = x.strides[d];
      u.ndim++;
    }
  }
  return u;
}

// Calls launch(Index{}) with uint32_t when n fits it, else int64_t.
template <typename Fn>
void with_index_type(int64_t n, Fn&& launch) {
  if (n <= int64_t(UINT32_MAX)) launch(uint32_t{});
  else launch(int64_t{});
}

#define RV_GRID_STRIDE(g, n) \
  for (int64_t g = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; g < (n); g += int64_t(gridDim.x) * blockDim.x)

// ---- gather ----

template <typename Index>
struct GatherArgs {
  Index O, I, inner;
  int64_t axis_stride;
  Unravel<Index> outer;   // x's axes before `axis`: the outer position p
  Unravel<Index> within;  // x's axes after it: the element e of a row
};

// out[(p * I + i) * inner + e] = x[p, indices[p / O, i], e].
template <typename T, typename Index>
__global__ void gather_elements(int64_t n, T* __restrict__ out, const T* __restrict__ x, const int32_t* __restrict__ idx,
                                GatherArgs<Index> a) {
  RV_GRID_STRIDE(g, n) {
    const Index linear = Index(g);
    const Index r = linear / a.inner, e = linear - r * a.inner;
    const Index p = r / a.I, i = r - p * a.I;
    const int64_t v = idx[int64_t(p / a.O) * a.I + i];
    out[g] = x[a.outer.offset(p) + v * a.axis_stride + a.within.offset(e)];
  }
}

Tensor gather_gpu(const KernelCall& c) {
  const GatherLayout g = check_gather(c);
  const Tensor& x = c.input(0);
  Tensor idx = contiguous(c.input(1), c.name);
  IndexBounds bounds{1, {g.N}};
  check_indices(c, idx, bounds, &g.axis);

  Tensor out = c.make_output();
  const int64_t n = out.numel();
  if (n == 0) return out;
  cudaStream_t s = cuda::stream(c.device);
  dispatch_bytes(x.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    with_index_type(n, [&](auto index) {
      using Index = decltype(index);
      GatherArgs<Index> a{Index(g.O), Index(g.I), Index(g.inner), x.strides[g.axis],
                          unravel_axes<Index>(x, 0, g.axis), unravel_axes<Index>(x, g.axis + 1, x.rank())};
      gather_elements<T, Index><<<cuda::blocks_for(n), cuda::kBlock, 0, s>>>(
          n, out.ptr<T>(), reinterpret_cast<const T*>(x.data()), idx.ptr<int32_t>(), a);
    });
  });
  cuda::check_launch(c.name);
  return out;
}

// ---- gatherND ----

template <typename Index>
struct GatherNDArgs {
  int k;
  Index inner;
  int64_t strides[kMaxRank];  // x's strides along the k indexed axes
  Unravel<Index> within;      // x's axes [k, rank)
};

// out[m * inner + e] = x[indices[m, 0], ..., indices[m, k-1], e].
template <typename T, typename Index>
__global__ void gather_nd_elements(int64_t n, T* __restrict__ out, const T* __restrict__ x,
                                   const int32_t* __restrict__ idx, GatherNDArgs<Index> a) {
  RV_GRID_STRIDE(g, n) {
    const Index linear = Index(g);
    const Index m = linear / a.inner, e = linear - m * a.inner;
    const int32_t* row = idx + int64_t(m) * a.k;
    int64_t off = a.within.offset(e);
    for (int j = 0; j < a.k; j++) off += int64_t(row[j]) * a.strides[j];
    out[g] = x[off];
  }
}

Tensor gather_nd_gpu(const KernelCall& c) {
  const GatherNDLayout g = check_gather_nd(c);
  const Tensor& x = c.input(0);
  Tensor idx = contiguous(c.input(1), c.name);
  IndexBounds bounds{g.k > 0 ? g.k : 1, {}};
  int axes[kMaxRank];
  for (int j = 0; j < g.k; j++) {
    bounds.n[j] = x.shape[j];
    axes[j] = j;
  }
  check_indices(c, idx, bounds, axes);  // no indices when k is 0

  Tensor out = c.make_output();
  const int64_t n = out.numel();
  if (n == 0) return out;
  cudaStream_t s = cuda::stream(c.device);
  dispatch_bytes(x.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    with_index_type(n, [&](auto index) {
      using Index = decltype(index);
      GatherNDArgs<Index> a;
      a.k = g.k;
      a.inner = Index(g.inner);
      for (int j = 0; j < g.k; j++) a.strides[j] = x.strides[j];
      a.within = unravel_axes<Index>(x, g.k, x.rank());
      // With k = 0 there are no indices: idx may hold no memory, and no row reads it.
      gather_nd_elements<T, Index><<<cuda::blocks_for(n), cuda::kBlock, 0, s>>>(
          n, out.ptr<T>(), reinterpret_cast<const T*>(x.data()), g.k > 0 ? idx.ptr<int32_t>() : nullptr, a);
    });
  });
  cuda::check_launch(c.name);
  return out;
}

// ---- scatterAdd ----

// out[row, indices[i], e] += updates[row, i, e], atomically: duplicate indices accumulate.
// Float sums therefore depend on the order the atomics land in (the CPU adds in index order),
// and agree with the CPU's within rounding; int32 sums wrap around exactly as the CPU's do.
template <typename T, typename Index>
__global__ void scatter_add_elements(int64_t n, T* __restrict__ out, const T* __restrict__ updates,
                                     const int32_t* __restrict__ idx, Index I, Index inner, int64_t N) {
  RV_GRID_STRIDE(g, n) {
    const Index linear = Index(g);
    const Index r = linear / inner, e = linear - r * inner;
    const Index row = r / I, i = r - row * I;
    atomicAdd(out + (int64_t(row) * N + idx[i]) * int64_t(inner) + e, updates[g]);
  }
}

Tensor scatter_add_gpu(const KernelCall& c) {
  const ScatterAddLayout g = check_scatter_add(c);
  const Tensor& x = c.input(0);
  Tensor idx = contiguous(c.input(1), c.name);
  IndexBounds bounds{1, {g.N}};
  check_indices(c, idx, bounds, &g.axis);

  Tensor out = c.make_output();
  if (out.numel() == 0) return out;
  copy_into(out, x);
  if (g.I == 0) return out;
  Tensor updates = contiguous(c.input(2), c.name);
  const int64_t n = updates.numel();  // O * I * inner, not 0 here
  cudaStream_t s = cuda::stream(c.device);
  dispatch_numeric(x.dtype, c.name, [&](auto tag) {
    using T = typename decltype(tag)::type;
    with_index_type(n, [&](auto index) {
      using Index = decltype(index);
      scatter_add_elements<T, Index><<<cuda::blocks_for(n), cuda::kBlock, 0, s>>>(
          n, out.ptr<T>(), updates.ptr<T>(), idx.ptr<int32_t>(), Index(g.I), Index(g.inner), g.N);
    });
  });
  cuda::check_launch(c.name);
  return out;
}

// ---- oneHot ----

// out[p * depth + e] = indices[p] == e ? on : off; an index outside [0, depth) equals no e.
template <typename T, typename Index>
__global__ void one_hot_elements(int64_t n, T* __restrict__ out, const int32_t* __restrict__ idx, Index depth, T on,
                                 T off) {
  RV_GRID_STRIDE(g, n) {
    const Index linear = Index(g);
    const Index p = linear / depth, e = linear - p * depth;
    out[g] = int64_t(idx[p]) == int64_t(e) ? on : off;
  }
}

Tensor one_hot_gpu(const KernelCall& c) {
  const OneHotLayout h = check_one_hot(c);
  Tensor out = c.make_output();
  const int64_t n = out.numel();
  if (n == 0) return out;
  Tensor idx = contiguous(c.input(0), c.name);
  cudaStream_t s = cuda::stream(c.device);
  dispatch_all(out.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    // Converted once on the host, as the CPU kernel does.
    const T on = convert_value<T, double>(h.on), off = convert_value<T, double>(h.off);
    with_index_type(n, [&](auto index) {
      using Index = decltype(index);
      one_hot_elements<T, Index><<<cuda::blocks_for(n), cuda::kBlock, 0, s>>>(n, out.ptr<T>(), idx.ptr<int32_t>(),
                                                                               Index(h.depth), on, off);
    });
  });
  cuda::check_launch(c.name);
  return out;
}

#undef RV_GRID_STRIDE

CudaKernelRegistrar cuda_registrations[] = {
    {"gather", gather_gpu},
    {"gatherND", gather_nd_gpu},
    {"scatterAdd", scatter_add_gpu},
    {"oneHot", one_hot_gpu},
};

}  // namespace
}  // namespace rv
