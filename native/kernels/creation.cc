// Creation kernels: fill, arange, linspace, eye. No inputs; values come as attributes.
#include <cmath>
#include <cstdint>

#include "../convert.h"
#include "../kernel.h"
#include "../thread_pool.h"

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
  double start = c.attr(0), step = c.attr(1);
  generate(out, [=](int64_t i) { return start + double(i) * step; });
  return out;
}

Tensor linspace_kernel(const KernelCall& c) {
  c.expect_inputs(0);
  Tensor out = c.make_output();
  double start = c.attr(0), stop = c.attr(1);
  int64_t n = out.numel();
  double step = n > 1 ? (stop - start) / double(n - 1) : 0.0;
  generate(out, [=](int64_t i) { return i == n - 1 && n > 1 ? stop : start + double(i) * step; });
  return out;
}

// Identity matrices in the last two dimensions, repeated over leading (batch) dimensions.
Tensor eye_kernel(const KernelCall& c) {
  c.expect_inputs(0);
  if (c.out_shape.n < 2) throw c.fail("output must have rank >= 2");
  Tensor out = c.make_output();
  int64_t rows = c.out_shape[c.out_shape.n - 2], cols = c.out_shape[c.out_shape.n - 1];
  int64_t per = rows * cols;
  generate(out, [=](int64_t i) {
    int64_t k = per == 0 ? 0 : i % per;
    return (k / cols) == (k % cols) ? 1.0 : 0.0;
  });
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
