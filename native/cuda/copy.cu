// Strided copies on a GPU: contiguous(), clone and every layout kernel built on copy_into.
#include "common.cuh"

namespace rv {

namespace {
template <typename T> struct Identity {
  __device__ T operator()(T x) const { return x; }
};
}  // namespace

void cuda_copy_into(const Tensor& dst, const Tensor& src) {
  if (dst.numel() == 0) return;
  check_broadcast(src.shape, dst.shape, "copy", "source");
  // Copies move bits: pick the element type by size only.
  switch (itemsize(dst.dtype)) {
    case 1: cuda::map<uint8_t, uint8_t>(dst, Identity<uint8_t>(), "copy", src); break;
    case 4: cuda::map<uint32_t, uint32_t>(dst, Identity<uint32_t>(), "copy", src); break;
    default: cuda::map<uint64_t, uint64_t>(dst, Identity<uint64_t>(), "copy", src); break;
  }
}

}  // namespace rv
