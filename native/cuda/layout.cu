// pad on a GPU (concat, stack and tile run their CPU kernel functions, which only copy views
// with copy_into and so work on either device). One kernel writes every output element: the
// constant outside x's box, x's element inside it. Checks are the CPU kernel's (layout.h).
#include "../convert.h"
#include "../kernels/layout.h"
#include "common.cuh"

namespace rv {
namespace {

template <typename Index>
struct PadArgs {
  int ndim;
  Index dims[kMaxRank];  // the output's, with unpadded size-1 axes left out
  int64_t before[kMaxRank], x_dims[kMaxRank], x_strides[kMaxRank];
};

template <typename T, typename Index>
__global__ void pad_elements(int64_t n, T* __restrict__ out, const T* __restrict__ x, PadArgs<Index> a, T value) {
  for (int64_t g = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; g < n; g += int64_t(gridDim.x) * blockDim.x) {
    Index i = Index(g);
    int64_t off = 0;
    bool inside = true;
    for (int d = a.ndim - 1; d >= 0; d--) {
      const Index q = i / a.dims[d];
      const int64_t at = int64_t(i - q * a.dims[d]) - a.before[d];  // the coordinate in x
      i = q;
      inside = inside && at >= 0 && at < a.x_dims[d];
      off += at * a.x_strides[d];
    }
    out[g] = inside ? x[off] : value;  // x is read only inside its box
  }
}

template <typename Index>
PadArgs<Index> pad_args(const Tensor& x, const Tensor& out, const PadLayout& pad) {
  PadArgs<Index> a;
  a.ndim = 0;
  for (int d = 0; d < x.rank(); d++) {
    if (out.shape[d] == 1 && x.shape[d] == 1) continue;  // unpadded: x's coordinate is 0 there
    a.dims[a.ndim] = Index(out.shape[d]);
    a.before[a.ndim] = pad.before[d];
    a.x_dims[a.ndim] = x.shape[d];
    a.x_strides[a.ndim] = x.strides[d];
    a.ndim++;
  }
  return a;
}

Tensor pad_gpu(const KernelCall& c) {
  const PadLayout pad = check_pad(c);
  const Tensor& x = c.input(0);
  Tensor out = c.make_output();
  const int64_t n = out.numel();
  if (n == 0) return out;
  cudaStream_t s = cuda::stream(c.device);
  dispatch_all(out.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    // Converted once on the host, as the CPU kernel does.
    const T value = convert_value<T, double>(pad.value);
    const T* xp = reinterpret_cast<const T*>(x.data());
    if (n <= int64_t(UINT32_MAX)) {
      pad_elements<T, uint32_t><<<cuda::blocks_for(n), cuda::kBlock, 0, s>>>(n, out.ptr<T>(), xp,
                                                                             pad_args<uint32_t>(x, out, pad), value);
    } else {
      pad_elements<T, int64_t><<<cuda::blocks_for(n), cuda::kBlock, 0, s>>>(n, out.ptr<T>(), xp,
                                                                            pad_args<int64_t>(x, out, pad), value);
    }
  });
  cuda::check_launch(c.name);
  return out;
}

CudaKernelRegistrar cuda_registrations[] = {
    {"pad", pad_gpu},
};

}  // namespace
}  // namespace rv
