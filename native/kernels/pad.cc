// Constant padding. The output splits into the interior, a view that x is copied into, and
// one pair of border boxes per axis (before and after x along that axis, inside x's extent
// along earlier axes, full along later ones), each a view filled with the constant: every
// output element is written once, and every write is a strided loop over a view. The GPU
// version (native/cuda/layout.cu) writes each output element in one kernel instead.
#include <cstdint>
#include <type_traits>

#include "../convert.h"
#include "../kernel.h"
#include "../strided_loop.h"
#include "layout.h"

namespace rv {
namespace {

// Writes `value` to every element of the view v.
void fill_view(const Tensor& v, double value) {
  if (v.numel() == 0) return;
  dispatch_all(v.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T x = convert_value<T, double>(value);
    StridedLoop loop(v.shape, {&v}, "pad");
    loop.run([x](char** p, const int64_t* s, int64_t n) {
      if (s[0] == int64_t(sizeof(T))) {
        T* o = reinterpret_cast<T*>(p[0]);
        for (int64_t i = 0; i < n; i++) o[i] = x;
        return;
      }
      char* o = p[0];
      for (int64_t i = 0; i < n; i++, o += s[0]) *reinterpret_cast<T*>(o) = x;
    });
  });
}

Tensor pad_kernel(const KernelCall& c) {
  const PadLayout pad = check_pad(c);
  const Tensor& x = c.input(0);
  const int rank = x.rank();
  const double value = pad.value;
  const int64_t* before = pad.before;
  const int64_t* after = pad.after;
  Tensor out = c.make_output();
  if (out.numel() == 0) return out;

  // Border boxes: axes before d restricted to x's extent, axis d to one side of it.
  for (int d = 0; d < rank; d++) {
    Dims shape = out.shape;
    int64_t offset = out.offset;
    for (int j = 0; j < d; j++) {
      shape[j] = x.shape[j];
      offset += before[j] * out.strides[j];
    }
    shape[d] = before[d];
    fill_view(make_view(out, shape, out.strides, offset), value);
    shape[d] = after[d];
    fill_view(make_view(out, shape, out.strides, offset + (before[d] + x.shape[d]) * out.strides[d]), value);
  }
  if (x.numel() > 0) {
    int64_t offset = out.offset;
    for (int d = 0; d < rank; d++) offset += before[d] * out.strides[d];
    copy_into(make_view(out, x.shape, out.strides, offset), x);
  }
  return out;
}

KernelRegistrar registrations[] = {
    {"pad", pad_kernel},
};

}  // namespace

// attrs: [constantValue, before_0, after_0, before_1, after_1, ...], one pair per axis of x.
PadLayout check_pad(const KernelCall& c) {
  c.expect_inputs(1);
  const Tensor& x = c.input(0);
  const int rank = x.rank();
  if (c.out_dtype != x.dtype) throw c.fail("output dtype must equal the input dtype");
  if (c.out_shape.n != rank) throw c.fail("output rank must equal the rank of x");
  if (c.attrs.size() != size_t(1 + 2 * rank)) {
    throw c.fail("expected a constant and " + std::to_string(2 * rank) + " padding amounts, got " +
                 std::to_string(c.attrs.size()) + " attributes");
  }
  PadLayout pad;
  pad.value = c.attr(0);
  for (int d = 0; d < rank; d++) {
    // Each amount is bounded by the output's size, so the sum below cannot overflow.
    pad.before[d] = c.attr_int(size_t(1 + 2 * d), 0, c.out_shape[d]);
    pad.after[d] = c.attr_int(size_t(2 + 2 * d), 0, c.out_shape[d]);
    if (x.shape[d] + pad.before[d] + pad.after[d] != c.out_shape[d]) {
      throw c.fail("output shape " + c.out_shape.to_string() + " does not match x of shape " + x.shape.to_string() +
                   " padded along axis " + std::to_string(d));
    }
  }
  return pad;
}

}  // namespace rv
