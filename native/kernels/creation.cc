// Creation kernels: fill, arange, linspace, eye. No inputs; values come as attributes. The
// per-element formulas are in layout.h, shared with the GPU versions (native/cuda/creation.cu).
#include <cmath>
#include <cstdint>

#include "../convert.h"
#include "../kernel.h"
#include "../thread_pool.h"
#include "layout.h"

namespace rv {
namespace {


// Fills out[i] = value(i) for every element, in parallel for large outputs.
template <typename F>
void generate(Tensor& out, F value) {
  dispatch_all(out.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* p = out.ptr<T>();
    parallel_for(out.numel(), 1 << 16, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; i++) p[i] = convert_value<T, double>(value(i));
    });
  });
}

Tensor fill_kernel(const KernelCall& c) {
  c.expect_inputs(0);
  Tensor out = c.make_output();
  double v = c.attr(0);
  dispatch_all(out.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    T value = convert_value<T, double>(v);
    T* p = out.ptr<T>();
    parallel_for(out.numel(), 1 << 16, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; i++) p[i] = value;
    });
  });
  return out;
}

Tensor arange_kernel(const KernelCall& c) {
  c.expect_inputs(0);
  Tensor out = c.make_output();
  generate(out, arange_value(c));
  return out;
}

Tensor linspace_kernel(const KernelCall& c) {
  c.expect_inputs(0);
  Tensor out = c.make_output();
  generate(out, linspace_value(c, out.numel()));
  return out;
}

// Identity matrices in the last two dimensions, repeated over leading (batch) dimensions.
Tensor eye_kernel(const KernelCall& c) {
  c.expect_inputs(0);
  const EyeValue value = eye_value(c);
  Tensor out = c.make_output();
  generate(out, value);
  return out;
}

KernelRegistrar registrations[] = {
    {"fill", fill_kernel},
    {"arange", arange_kernel},
    {"linspace", linspace_kernel},
    {"eye", eye_kernel},
};

}  // namespace
}  // namespace rv
