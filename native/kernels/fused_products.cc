// fusedProducts: the two products with one long matrix X that a gradient through X makes,
// with the elementwise step between them, in one pass over X (native/graph_products.cc builds
// it from a captured graph):
//   Z = first product of X and a small B        (logits = B·Xᵀ)
//   G = an elementwise program of Z and others   (the residual, dy·(y − σ(logits)))
//   R = second product of X and G                (the gradient G·X)
// Unfused, X is read from memory twice, once per product; here the skinny kernels take X's
// rows chunk by chunk, and the second product sums each chunk's rows while they are still in
// cache (matmul.h skinny_pair). The three results have the bits of the three steps alone.
//
// Attributes: [transposeA, transposeB, x_is_b of the first product, the same for the second,
// then the program (kernels/fused_ops.h)]. Inputs: X, B, then the program's other inputs; the
// program's register 0 is Z. X is a matrix and B a matrix or a vector (then Z is a vector, as
// matMul makes it). The output is one flat tensor: Z (Z's shape, row-major), unused values up to
// a multiple of 16, then R (R's shape, row-major), which the graph takes apart with views. A GPU
// runs the op in cuda/fused_products.cu.
#include <cstdint>
#include <string>
#include <vector>

#include "../kernel.h"
#include "../strided_loop.h"
#include "fused_ops.h"
#include "fused_products.h"
#include "matmul.h"

namespace rv {
namespace products {
namespace {

struct Side {
  bool trans_a, trans_b, x_is_b;
};

// The output shape of op(a)·op(b): a vector where one of them is a vector (matMul's rule).
Dims product_shape(const Tensor& a, const Tensor& b, const Side& side, const char* what) {
  Dims d;
  if (a.rank() == 2) d.push_back(side.trans_a ? a.shape[1] : a.shape[0], what);
  if (b.rank() == 2) d.push_back(side.trans_b ? b.shape[0] : b.shape[1], what);
  return d;
}

// The checked product of X and `other` on one side.
matmul::Product product(const KernelCall& c, const Tensor& x, const Tensor& other, const Side& side, KernelCall& call) {
  call = c;
  call.inputs = side.x_is_b ? std::vector<const Tensor*>{&other, &x} : std::vector<const Tensor*>{&x, &other};
  call.attrs = {double(side.trans_a), double(side.trans_b)};
  call.out_dtype = x.dtype;
  call.out_shape = product_shape(*call.inputs[0], *call.inputs[1], side, c.name);
  return matmul::check_matmul(call);
}

}  // namespace

Call::Call(const KernelCall& c) {
  if (c.attrs.size() < kFixedAttrs) throw c.fail("expected attributes [transposeA, transposeB, xIsB] for each product, then the program");
  auto flag = [&](size_t i) { return c.attr_int(i, 0, 1) == 1; };
  const Side first_side{flag(0), flag(1), flag(2)}, second_side{flag(3), flag(4), flag(5)};
  if (c.num_inputs() < 2) throw c.fail("expected inputs X, B and the program's others, got " + std::to_string(c.num_inputs()));
  const Tensor& x = c.input(0);
  const Tensor& b = c.input(1);
  if (x.rank() != 2 || b.rank() < 1 || b.rank() > 2) {
    throw c.fail("X must be a matrix and B a matrix or a vector, got shapes " + x.shape.to_string() + " and " + b.shape.to_string());
  }
  first = product(c, x, b, first_side, first_call);
  const Dims& zshape = first_call.out_shape;
  const int64_t zpad = padded(checked_numel(zshape, c.name));
  g = empty_tensor(x.dtype, zshape, c.name, c.device);
  second = product(c, x, g, second_side, second_call);
  const Dims& rshape = second_call.out_shape;
  const int64_t rn = checked_numel(rshape, c.name);
  if (c.out_shape.n != 1 || c.out_shape[0] != zpad + rn || c.out_dtype != x.dtype) {
    throw c.fail("output must be " + std::string(dtype_name(x.dtype)) + " [" + std::to_string(zpad + rn) + "] (Z " +
                 zshape.to_string() + " padded to " + std::to_string(zpad) + " values, then R " + rshape.to_string() +
                 "), got " + dtype_name(c.out_dtype) + " " + c.out_shape.to_string());
  }
  out = c.make_output();
  z = make_view(out, zshape, contiguous_strides(zshape), out.offset);
  r = make_view(out, rshape, contiguous_strides(rshape), out.offset + zpad);
  // The program over Z and the other inputs, as the fused kernel would run it on Z's shape.
  program_call = c;
  program_call.inputs = {&z};
  for (size_t k = 2; k < c.num_inputs(); k++) {
    others.push_back(&c.input(k));
    program_call.inputs.push_back(&c.input(k));
    check_broadcast(c.input(k).shape, zshape, c.name, ("input " + std::to_string(k)).c_str());
  }
  program_call.attrs.assign(c.attrs.begin() + kFixedAttrs, c.attrs.end());
  program_call.out_shape = zshape;
  program = fused::parse(program_call);
}

void broadcast_along(const Tensor& t, const Tensor& z, int64_t zi, int64_t& along_i, int64_t& along_s) {
  // Z seen as [d0, d1] (a vector [n] as [1, n]); t's strides there, 0 where it broadcasts.
  const int64_t shape[2] = {z.rank() == 2 ? z.shape[0] : 1, z.shape[z.rank() - 1]};
  int64_t e[2] = {0, 0};
  for (int d = 0; d < 2; d++) {
    const int td = d - (2 - t.rank());
    if (td >= 0 && t.shape[td] == shape[d]) e[d] = t.strides[td];
  }
  // Z is contiguous: along i its offset moves by zi, down a column when that is the row length.
  const bool down = zi == shape[1];
  along_i = down ? e[0] : e[1];
  along_s = down ? e[1] : e[0];
}

fused::ProgramInputs program_inputs(const Call& call, int64_t zi) {
  fused::ProgramInputs in;
  in.count = int(call.others.size());
  for (int k = 0; k < in.count; k++) {
    in.p[k] = call.others[size_t(k)]->data();
    broadcast_along(*call.others[size_t(k)], call.z, zi, in.along_i[k], in.along_s[k]);
  }
  return in;
}

}  // namespace products

namespace {

template <typename T>
void run_between(const products::Call& call, const matmul::PairRows& rows, int64_t i0, int64_t i1) {
  char* ptr[kMaxOperands];
  int64_t st[kMaxOperands];
  const fused::ProgramInputs in = products::program_inputs(call, rows.zi);
  for (int s = 0; s < rows.ns; s++) {
    // G has Z's layout: element (s, i) of both at the same offset.
    const int64_t o = s * rows.zs + i0 * rows.zi;
    ptr[0] = reinterpret_cast<char*>(call.g.ptr<T>() + o);
    ptr[1] = reinterpret_cast<char*>(call.z.ptr<T>() + o);
    st[0] = st[1] = rows.zi * int64_t(sizeof(T));
    for (int k = 0; k < in.count; k++) {
      ptr[k + 2] = reinterpret_cast<char*>(call.others[size_t(k)]->ptr<T>() + s * in.along_s[k] + i0 * in.along_i[k]);
      st[k + 2] = in.along_i[k] * int64_t(sizeof(T));
    }
    fused::run_program_row<T>(call.program, ptr, st, i1 - i0);
  }
}

Tensor fused_products_kernel(const KernelCall& c) {
  const products::Call call(c);
  if (call.out.numel() == 0) return call.out;
  const bool fused = dispatch_float(call.out.dtype, c.name, [&](auto tag) {
    using T = typename decltype(tag)::type;
    return matmul::skinny_pair<T>(call.first, call.z.ptr<T>(), call.second, call.r.ptr<T>(),
                               [&](const matmul::PairRows& rows, int64_t i0, int64_t i1) { run_between<T>(call, rows, i0, i1); },
                               c.name);
  });
  if (!fused) {
    // Shapes or layouts the skinny kernels do not take: the three kernels in turn.
    static const Kernel matmul_fn = kernels()[kernel_index("matMul")].fn;
    static const Kernel program_fn = kernels()[kernel_index("fused")].fn;
    copy_into(call.z, matmul_fn(call.first_call));
    copy_into(call.g, program_fn(call.program_call));
    copy_into(call.r, matmul_fn(call.second_call));
  }
  return call.out;
}

KernelRegistrar registrations[] = {{"fusedProducts", fused_products_kernel}};

}  // namespace
}  // namespace rv
