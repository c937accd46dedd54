// tile: one strided copy. The output, of shape [r0*d0, r1*d1, ...], is viewed as
// [r0, d0, r1, d1, ...]; x is viewed with the same shape and stride 0 along every r axis,
// so copy_into (parallel, any strides) repeats it. Axes of size 1 are left out; beyond
// kMaxRank interleaved axes, the outermost are looped over here. Views and copy_into work on
// either device, so the GPU runs this same function.
#include <cstdint>

#include "../kernel.h"
#include "../strided_loop.h"

namespace rv {
namespace {

// attrs: reps, one per axis of x.
Tensor tile_kernel(const KernelCall& c) {
  c.expect_inputs(1);
  const Tensor& x = c.input(0);
  const int rank = x.rank();
  if (c.out_dtype != x.dtype) throw c.fail("output dtype must equal the input dtype");
  if (c.out_shape.n != rank) throw c.fail("output rank must equal the rank of x");
  if (c.attrs.size() != size_t(rank)) {
    throw c.fail("expected " + std::to_string(rank) + " reps, got " + std::to_string(c.attrs.size()));
  }
  int64_t reps[kMaxRank];
  for (int d = 0; d < rank; d++) {
    reps[d] = c.attr_int(size_t(d), 0, int64_t(1) << 53);
    int64_t n = x.shape[d], want = c.out_shape[d];
    bool ok = n == 0 ? want == 0 : (reps[d] <= want / n && n * reps[d] == want);
    if (!ok) {
      throw c.fail("output shape " + c.out_shape.to_string() + " is not x's shape " + x.shape.to_string() +
                   " times reps along axis " + std::to_string(d));
    }
  }
  Tensor out = c.make_output();
  if (out.numel() == 0) return out;

  int64_t shape[2 * kMaxRank], out_strides[2 * kMaxRank], in_strides[2 * kMaxRank];
  int n = 0;
  for (int d = 0; d < rank; d++) {
    if (reps[d] != 1) {
      shape[n] = reps[d];
      out_strides[n] = x.shape[d] * out.strides[d];
      in_strides[n] = 0;
      n++;
    }
    if (x.shape[d] != 1) {
      shape[n] = x.shape[d];
      out_strides[n] = out.strides[d];
      in_strides[n] = x.strides[d];
      n++;
    }
  }
  const int peel = n > kMaxRank ? n - kMaxRank : 0;
  Dims view_shape = Dims::of_rank(n - peel, c.name);
  Dims view_out = Dims::of_rank(n - peel, c.name), view_in = Dims::of_rank(n - peel, c.name);
  for (int k = peel; k < n; k++) {
    view_shape[k - peel] = shape[k];
    view_out[k - peel] = out_strides[k];
    view_in[k - peel] = in_strides[k];
  }
  int64_t count = 1;
  for (int k = 0; k < peel; k++) count *= shape[k];
  for (int64_t i = 0; i < count; i++) {
    int64_t rem = i, out_offset = out.offset, in_offset = x.offset;
    for (int k = peel - 1; k >= 0; k--) {
      int64_t idx = rem % shape[k];
      rem /= shape[k];
      out_offset += idx * out_strides[k];
      in_offset += idx * in_strides[k];
    }
    copy_into(make_view(out, view_shape, view_out, out_offset), make_view(x, view_shape, view_in, in_offset));
  }
  return out;
}

KernelRegistrar registrations[] = {
    {"tile", tile_kernel},
};
CudaKernelRegistrar cuda_registrations[] = {
    {"tile", tile_kernel},
};

}  // namespace
}  // namespace rv
