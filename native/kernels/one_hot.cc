// oneHot: each index becomes a row of `depth` values, onValue at the index and offValue
// elsewhere; indices outside [0, depth) give a row of offValue (TensorFlow's rule). The GPU
// version is in native/cuda/indexing.cu.
#include <cstdint>
#include <type_traits>

#include "../convert.h"
#include "../kernel.h"
#include "../strided_loop.h"
#include "layout.h"

namespace rv {
namespace {

// Output: indices.shape + [depth].
Tensor one_hot_kernel(const KernelCall& c) {
  const OneHotLayout h = check_one_hot(c);
  const int64_t depth = h.depth;
  const double on = h.on, off = h.off;
  Tensor out = c.make_output();
  if (out.numel() == 0) return out;
  Tensor idx = contiguous(c.input(0), c.name);
  const int32_t* ip = idx.ptr<int32_t>();
  dispatch_all(out.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T on_value = convert_value<T, double>(on), off_value = convert_value<T, double>(off);
    T* o = out.ptr<T>();
    parallel_for(idx.numel(), kElementwiseGrain / depth + 1, [&](int64_t begin, int64_t end) {
      for (int64_t p = begin; p < end; p++) {
        T* row = o + p * depth;
        for (int64_t e = 0; e < depth; e++) row[e] = off_value;
        int64_t v = ip[p];
        if (v >= 0 && v < depth) row[v] = on_value;
      }
    });
  });
  return out;
}

KernelRegistrar registrations[] = {
    {"oneHot", one_hot_kernel},
};

}  // namespace

// attrs: [depth, onValue, offValue]. Output: indices.shape + [depth].
OneHotLayout check_one_hot(const KernelCall& c) {
  c.expect_inputs(1);
  c.expect_dtype(0, DType::Int32);
  const Tensor& indices = c.input(0);
  const int rank = indices.rank();
  if (c.out_shape.n != rank + 1) throw c.fail("output rank must be the rank of indices plus one");
  for (int d = 0; d < rank; d++) {
    if (c.out_shape[d] != indices.shape[d]) throw c.fail("output shape must start with the shape of indices");
  }
  const int64_t depth = c.attr_int(0, 0, c.out_shape[rank]);
  if (depth != c.out_shape[rank]) throw c.fail("output's last dimension must be depth");
  return {depth, c.attr(1), c.attr(2)};
}

}  // namespace rv
