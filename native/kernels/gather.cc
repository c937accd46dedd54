// gather, gatherND and scatterAdd. Indices are int32, made contiguous, and every one is
// checked against its range before anything is written. The output is a list of rows,
// each a block of x's trailing axes: gather and gatherND compute one source offset per row
// and copy the row (memcpy when x's block is contiguous, a strided copy otherwise), in
// parallel over rows. scatterAdd, gather's adjoint, adds rows back; it splits work only
// over outer rows and column ranges, so duplicate indices never race and sums are
// accumulated in index order (deterministic). The checks of shapes and attributes are shared
// with the GPU versions (native/cuda/indexing.cu) through layout.h.
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>

#include "../kernel.h"
#include "../strided_loop.h"
#include "layout.h"

namespace rv {
namespace {

// A block of x's axes [from, rank) walked as one run of `n` elements `stride` apart, if the
// strides allow it (size-1 axes are ignored).
bool single_run(const Tensor& x, int from, int64_t& n, int64_t& stride) {
  n = 1;
  stride = 1;
  bool started = false;
  for (int d = x.rank() - 1; d >= from; d--) {
    if (x.shape[d] == 1) continue;
    if (!started) {
      stride = x.strides[d];
      started = true;
    } else if (x.strides[d] != stride * n) {
      return false;
    }
    n *= x.shape[d];
  }
  return true;
}

// x itself when its axes [from, rank) form a single run, else a contiguous copy.
Tensor with_single_run(const Tensor& x, int from, int64_t& stride, const char* what) {
  int64_t n;
  if (single_run(x, from, n, stride)) return x;
  Tensor copy = contiguous(x, what);
  single_run(copy, from, n, stride);
  return copy;
}

// Copies one row of n elements, `stride` apart in the source, to contiguous dst.
template <typename T>
inline void copy_row(T* dst, const T* src, int64_t n, int64_t stride) {
  if (n == 1) {
    *dst = *src;
  } else if (stride == 1) {
    std::memcpy(dst, src, size_t(n) * sizeof(T));
  } else {
    for (int64_t e = 0; e < n; e++) dst[e] = src[e * stride];
  }
}

// Rows per parallel chunk for rows of `row` elements.
inline int64_t row_grain(int64_t row) { return kElementwiseGrain / (row > 0 ? row : 1) + 1; }

int64_t product(const Dims& shape, int from, int to) {
  int64_t p = 1;
  for (int d = from; d < to; d++) p *= shape[d];
  return p;
}

// Throws unless out_shape equals the concatenation of the given pieces of shapes.
struct ShapeBuilder {
  Dims dims;
  bool overflow = false;
  void append(const Dims& s, int from, int to) {
    for (int d = from; d < to; d++) {
      if (dims.n >= kMaxRank) {
        overflow = true;
        return;
      }
      dims.v[dims.n++] = s[d];
    }
  }
  void expect(const KernelCall& c) const {
    bool same = !overflow && dims.n == c.out_shape.n;
    for (int d = 0; same && d < dims.n; d++) same = dims[d] == c.out_shape[d];
    if (!same) throw c.fail("output shape " + c.out_shape.to_string() + " does not match the inputs");
  }
};

// Throws, naming the op, the value and the valid range, unless every index is in [0, n).
// The scan runs in parallel; only when it finds a bad index is the first one looked up.
void check_indices(const KernelCall& c, const int32_t* idx, int64_t count, int64_t n, const std::string& what) {
  std::atomic<bool> bad{false};
  parallel_for(count, 1 << 16, [&](int64_t begin, int64_t end) {
    bool found = false;
    for (int64_t k = begin; k < end; k++) found |= idx[k] < 0 || idx[k] >= n;
    if (found) bad.store(true, std::memory_order_relaxed);
  });
  if (!bad.load()) return;
  for (int64_t k = 0; k < count; k++) {
    if (idx[k] < 0 || idx[k] >= n) throw index_out_of_range(c, idx[k], k, n, what);
  }
}

// Output: x.shape[:axis] + indices.shape[batchDims:] + x.shape[axis+1:].
Tensor gather_kernel(const KernelCall& c) {
  const GatherLayout g = check_gather(c);
  const Tensor& x0 = c.input(0);
  const int axis = g.axis;
  const int64_t O = g.O, N = g.N, I = g.I, inner = g.inner;
  Tensor idx = contiguous(c.input(1), c.name);
  const int32_t* ip = idx.numel() ? idx.ptr<int32_t>() : nullptr;
  check_indices(c, ip, idx.numel(), N, axis_of_x(axis));

  Tensor out = c.make_output();
  if (out.numel() == 0) return out;
  int64_t inner_stride;
  Tensor x = with_single_run(x0, axis + 1, inner_stride, c.name);
  const int64_t axis_stride = x.strides[axis];
  // Output row r = p * I + i holds x[p, indices[b, i], ...] for the outer position
  // p = b * O + o over x's axes before `axis`; each chunk unravels p once, then steps.
  dispatch_bytes(x.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* xp = reinterpret_cast<const T*>(x.data());
    T* op = out.ptr<T>();
    parallel_for(g.B * O * I, row_grain(inner), [&](int64_t begin, int64_t end) {
      int64_t p = begin / I, i = begin % I, o = p % O;
      int64_t index[kMaxRank], base = 0;
      for (int d = axis - 1; d >= 0; d--) {
        index[d] = p % x.shape[d];
        p /= x.shape[d];
        base += index[d] * x.strides[d];
      }
      const int32_t* row_indices = ip + (begin / I / O) * I;
      T* dst = op + begin * inner;
      for (int64_t r = begin; r < end; r++, dst += inner) {
        copy_row(dst, xp + base + int64_t(row_indices[i]) * axis_stride, inner, inner_stride);
        if (++i < I || r + 1 == end) continue;
        i = 0;
        if (++o == O) {
          o = 0;
          row_indices += I;
        }
        for (int d = axis - 1; d >= 0; d--) {
          base += x.strides[d];
          if (++index[d] < x.shape[d]) break;
          base -= x.shape[d] * x.strides[d];
          index[d] = 0;
        }
      }
    });
  });
  return out;
}

// Output: indices.shape[:-1] + x.shape[K:], K = indices.shape[-1] <= rank of x.
Tensor gather_nd_kernel(const KernelCall& c) {
  const GatherNDLayout g = check_gather_nd(c);
  const Tensor& x0 = c.input(0);
  const int k = g.k;
  const int64_t M = g.M, inner = g.inner;
  Tensor idx = contiguous(c.input(1), c.name);
  const int32_t* ip = idx.numel() ? idx.ptr<int32_t>() : nullptr;
  std::atomic<bool> bad{false};
  parallel_for(M, (1 << 16) / (k > 0 ? k : 1) + 1, [&](int64_t begin, int64_t end) {
    bool found = false;
    for (int64_t m = begin; m < end; m++) {
      for (int j = 0; j < k; j++) found |= ip[m * k + j] < 0 || ip[m * k + j] >= x0.shape[j];
    }
    if (found) bad.store(true, std::memory_order_relaxed);
  });
  for (int64_t m = 0; bad.load() && m < M; m++) {
    for (int j = 0; j < k; j++) {
      int64_t v = ip[m * k + j], n = x0.shape[j];
      if (v < 0 || v >= n) throw index_out_of_range(c, v, m * k + j, n, axis_of_x(j));
    }
  }
  Tensor out = c.make_output();
  if (out.numel() == 0) return out;
  int64_t inner_stride;
  Tensor x = with_single_run(x0, k, inner_stride, c.name);
  dispatch_bytes(x.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* xp = reinterpret_cast<const T*>(x.data());
    T* op = out.ptr<T>();
    parallel_for(M, row_grain(inner), [&](int64_t begin, int64_t end) {
      for (int64_t m = begin; m < end; m++) {
        int64_t off = 0;
        for (int j = 0; j < k; j++) off += int64_t(ip[m * k + j]) * x.strides[j];
        copy_row(op + m * inner, xp + off, inner, inner_stride);
      }
    });
  });
  return out;
}

template <typename T> inline T wrap_add(T a, T b) {
  if constexpr (std::is_same_v<T, int32_t>) return int32_t(uint32_t(a) + uint32_t(b));
  else return a + b;
}

// A copy of x with updates (of gather's output shape, batchDims 0) added at the indices along
// axis; duplicates accumulate.
Tensor scatter_add_kernel(const KernelCall& c) {
  const ScatterAddLayout g = check_scatter_add(c);
  const Tensor& x = c.input(0);
  const Tensor& updates0 = c.input(2);
  const int64_t O = g.O, N = g.N, I = g.I, inner = g.inner;
  Tensor idx = contiguous(c.input(1), c.name);
  const int32_t* ip = I ? idx.ptr<int32_t>() : nullptr;
  check_indices(c, ip, I, N, axis_of_x(g.axis));

  Tensor out = c.make_output();
  if (out.numel() == 0) return out;
  copy_into(out, x);
  if (I == 0) return out;
  Tensor updates = contiguous(updates0, c.name);
  // Tasks: (outer row, column range); each owns its output elements outright.
  const int64_t width = std::min(inner, std::max<int64_t>(512, (O * inner + 63) / 64));
  const int64_t columns = (inner + width - 1) / width;
  dispatch_numeric(x.dtype, c.name, [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* o = out.ptr<T>();
    const T* u = updates.ptr<T>();
    parallel_for(O * columns, kElementwiseGrain / (I * width) + 1, [&](int64_t begin, int64_t end) {
      for (int64_t t = begin; t < end; t++) {
        const int64_t row = t / columns, lo = (t % columns) * width, n = std::min(width, inner - lo);
        if (inner == 1) {
          T* __restrict dst = o + row * N;
          const T* __restrict src = u + row * I;
          for (int64_t i = 0; i < I; i++) dst[ip[i]] = wrap_add(dst[ip[i]], src[i]);
          continue;
        }
        for (int64_t i = 0; i < I; i++) {
          T* __restrict dst = o + (row * N + ip[i]) * inner + lo;
          const T* __restrict src = u + (row * I + i) * inner + lo;
          for (int64_t e = 0; e < n; e++) dst[e] = wrap_add(dst[e], src[e]);
        }
      }
    });
  });
  return out;
}

KernelRegistrar registrations[] = {
    {"gather", gather_kernel},
    {"gatherND", gather_nd_kernel},
    {"scatterAdd", scatter_add_kernel},
};

}  // namespace

std::string axis_of_x(int64_t axis) { return "axis " + std::to_string(axis) + " of x"; }

Error index_out_of_range(const KernelCall& c, int64_t value, int64_t position, int64_t n, const std::string& what) {
  return c.fail("index " + std::to_string(value) + " (at position " + std::to_string(position) +
                " of 'indices') is out of range [0, " + std::to_string(n) + ") for " + what);
}

// attrs: [axis, batchDims].
GatherLayout check_gather(const KernelCall& c) {
  c.expect_inputs(2);
  c.expect_dtype(1, DType::Int32);
  const Tensor& x = c.input(0);
  const Tensor& indices = c.input(1);
  if (c.out_dtype != x.dtype) throw c.fail("output dtype must equal the dtype of x");
  if (x.rank() == 0) throw c.fail("x must have rank >= 1");
  const int batch = int(c.attr_int(1, 0, indices.rank()));
  const int axis = int(c.attr_int(0, batch, x.rank() - 1));
  for (int d = 0; d < batch; d++) {
    if (x.shape[d] != indices.shape[d]) throw c.fail("x and indices differ in their batch dimensions");
  }
  ShapeBuilder expected;
  expected.append(x.shape, 0, axis);
  expected.append(indices.shape, batch, indices.rank());
  expected.append(x.shape, axis + 1, x.rank());
  expected.expect(c);
  return {axis,
          batch,
          product(x.shape, 0, batch),
          product(x.shape, batch, axis),
          x.shape[axis],
          product(indices.shape, batch, indices.rank()),
          product(x.shape, axis + 1, x.rank())};
}

GatherNDLayout check_gather_nd(const KernelCall& c) {
  c.expect_inputs(2);
  c.expect_dtype(1, DType::Int32);
  const Tensor& x = c.input(0);
  const Tensor& indices = c.input(1);
  if (c.out_dtype != x.dtype) throw c.fail("output dtype must equal the dtype of x");
  if (indices.rank() == 0) throw c.fail("indices must have rank >= 1");
  const int64_t K = indices.shape[indices.rank() - 1];
  if (K > x.rank()) {
    throw c.fail("indices.shape[-1] = " + std::to_string(K) + " exceeds the rank " + std::to_string(x.rank()) + " of x");
  }
  const int k = int(K);
  ShapeBuilder expected;
  expected.append(indices.shape, 0, indices.rank() - 1);
  expected.append(x.shape, k, x.rank());
  expected.expect(c);
  return {k, product(indices.shape, 0, indices.rank() - 1), product(x.shape, k, x.rank())};
}

// attrs: [axis].
ScatterAddLayout check_scatter_add(const KernelCall& c) {
  c.expect_inputs(3);
  c.expect_dtype(1, DType::Int32);
  const Tensor& x = c.input(0);
  const Tensor& indices = c.input(1);
  const Tensor& updates = c.input(2);
  if (updates.dtype != x.dtype || c.out_dtype != x.dtype) throw c.fail("x, updates and the output must share one dtype");
  if (x.rank() == 0) throw c.fail("x must have rank >= 1");
  const int axis = int(c.attr_int(0, 0, x.rank() - 1));
  ShapeBuilder out_shape;
  out_shape.append(x.shape, 0, x.rank());
  out_shape.expect(c);
  ShapeBuilder gathered;
  gathered.append(x.shape, 0, axis);
  gathered.append(indices.shape, 0, indices.rank());
  gathered.append(x.shape, axis + 1, x.rank());
  bool same = !gathered.overflow && gathered.dims.n == updates.rank();
  for (int d = 0; same && d < updates.rank(); d++) same = gathered.dims[d] == updates.shape[d];
  if (!same) throw c.fail("updates of shape " + updates.shape.to_string() + " do not have gather's output shape");
  return {axis, product(x.shape, 0, axis), x.shape[axis], indices.numel(), product(x.shape, axis + 1, x.rank())};
}

}  // namespace rv
