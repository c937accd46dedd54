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
// matMul makes it); the output is one flat tensor: Z (Z's shape,
// row-major), unused values up to a multiple of 16, then R (R's shape, row-major), which the
// graph takes apart with views.
#include <cstdint>
#include <string>
#include <vector>

#include "../kernel.h"
#include "../strided_loop.h"
#include "fused_ops.h"
#include "matmul.h"

namespace rv {
namespace {

constexpr int64_t kAlign = 16;  // values: R starts at a multiple of 64 bytes (float32)

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
matmul::Product product(const KernelCall& c, const Tensor& x, const Tensor& other, const Side& side, Dims& shape,
                        KernelCall& call) {
  call = c;
  call.inputs = side.x_is_b ? std::vector<const Tensor*>{&other, &x} : std::vector<const Tensor*>{&x, &other};
  call.attrs = {double(side.trans_a), double(side.trans_b)};
  call.out_dtype = x.dtype;
  shape = product_shape(*call.inputs[0], *call.inputs[1], side, c.name);
  call.out_shape = shape;
  return matmul::check_matmul(call);
}

// Element strides of t broadcast to a shape [d0, d1] (t's rank at most 2).
void broadcast_strides(const Tensor& t, const int64_t* shape, int64_t& s0, int64_t& s1) {
  int64_t s[2] = {0, 0};
  for (int d = 0; d < 2; d++) {
    const int td = d - (2 - t.rank());
    if (td >= 0 && t.shape[td] == shape[d]) s[d] = t.strides[td];
  }
  s0 = s[0];
  s1 = s[1];
}

template <typename T>
void run_between(const fused::Program& prog, const Tensor& z, const Tensor& g, const std::vector<const Tensor*>& others,
                 const matmul::PairRows& rows, int64_t i0, int64_t i1) {
  // Z and G are contiguous with one shape, seen as [d0, d1] (a vector [n] as [1, n]); along i,
  // Z's offset moves by zi: down a column when zi is the row length d1, else (zi = 1) along a row.
  const int64_t shape[2] = {z.rank() == 2 ? z.shape[0] : 1, z.shape[z.rank() - 1]};
  const int64_t d1 = shape[1];
  const bool down = rows.zi == d1;
  char* ptr[kMaxOperands];
  int64_t st[kMaxOperands];
  for (int s = 0; s < rows.ns; s++) {
    const int64_t o = s * rows.zs + i0 * rows.zi;
    ptr[0] = reinterpret_cast<char*>(g.ptr<T>() + o);
    ptr[1] = reinterpret_cast<char*>(z.ptr<T>() + o);
    st[0] = st[1] = rows.zi * int64_t(sizeof(T));
    for (size_t k = 0; k < others.size(); k++) {
      int64_t e0, e1;
      broadcast_strides(*others[k], shape, e0, e1);
      ptr[k + 2] = reinterpret_cast<char*>(others[k]->ptr<T>() + (o / d1) * e0 + (o % d1) * e1);
      st[k + 2] = (down ? e0 : e1) * int64_t(sizeof(T));
    }
    fused::run_program_row<T>(prog, ptr, st, i1 - i0);
  }
}

Tensor fused_products_kernel(const KernelCall& c) {
  if (c.attrs.size() < 6) throw c.fail("expected attributes [transposeA, transposeB, xIsB] for each product, then the program");
  auto flag = [&](size_t i) { return c.attr_int(i, 0, 1) == 1; };
  const Side first{flag(0), flag(1), flag(2)}, second{flag(3), flag(4), flag(5)};
  if (c.num_inputs() < 2) throw c.fail("expected inputs X, B and the program's others, got " + std::to_string(c.num_inputs()));
  const Tensor& x = c.input(0);
  const Tensor& b = c.input(1);
  if (x.rank() != 2 || b.rank() < 1 || b.rank() > 2) {
    throw c.fail("X must be a matrix and B a matrix or a vector, got shapes " + x.shape.to_string() + " and " + b.shape.to_string());
  }
  Dims zshape, rshape;
  KernelCall first_call, second_call;
  const matmul::Product p1 = product(c, x, b, first, zshape, first_call);
  // The output, and Z and R as views of it; G in a tensor of its own.
  const int64_t zn = checked_numel(zshape, c.name), zpad = (zn + kAlign - 1) / kAlign * kAlign;
  const DType dtype = x.dtype;
  Tensor g = empty_tensor(dtype, zshape, c.name, c.device);
  const matmul::Product p2 = product(c, x, g, second, rshape, second_call);
  const int64_t rn = checked_numel(rshape, c.name);
  if (c.out_shape.n != 1 || c.out_shape[0] != zpad + rn || c.out_dtype != dtype) {
    throw c.fail("output must be " + std::string(dtype_name(dtype)) + " [" + std::to_string(zpad + rn) +
                 "] (Z " + zshape.to_string() + " padded to " + std::to_string(zpad) + " values, then R " + rshape.to_string() +
                 "), got " + dtype_name(c.out_dtype) + " " + c.out_shape.to_string());
  }
  Tensor out = c.make_output();
  const Tensor z = make_view(out, zshape, contiguous_strides(zshape), out.offset);
  const Tensor r = make_view(out, rshape, contiguous_strides(rshape), out.offset + zpad);
  // The program over Z and the other inputs, as the fused kernel would run it on Z's shape.
  KernelCall program_call = c;
  program_call.inputs = {&z};
  std::vector<const Tensor*> others;
  for (size_t k = 2; k < c.num_inputs(); k++) {
    others.push_back(&c.input(k));
    program_call.inputs.push_back(&c.input(k));
    check_broadcast(c.input(k).shape, zshape, c.name, ("input " + std::to_string(k)).c_str());
  }
  program_call.attrs.assign(c.attrs.begin() + 6, c.attrs.end());
  program_call.out_shape = zshape;
  const fused::Program prog = fused::parse(program_call);
  if (out.numel() == 0) return out;
  const bool fused = dispatch_float(dtype, c.name, [&](auto tag) {
    using T = typename decltype(tag)::type;
    return matmul::skinny_pair(p1, z.ptr<T>(), p2, r.ptr<T>(), [&](const matmul::PairRows& rows, int64_t i0, int64_t i1) {
      run_between<T>(prog, z, g, others, rows, i0, i1);
    }, c.name);
  });
  if (!fused) {
    // Shapes or layouts the skinny kernels do not take: the three kernels in turn.
    static const Kernel matmul_fn = kernels()[kernel_index("matMul")].fn;
    static const Kernel program_fn = kernels()[kernel_index("fused")].fn;
    copy_into(z, matmul_fn(first_call));
    copy_into(g, program_fn(program_call));
    copy_into(r, matmul_fn(second_call));
  }
  return out;
}

KernelRegistrar registrations[] = {{"fusedProducts", fused_products_kernel}};

}  // namespace
}  // namespace rv
