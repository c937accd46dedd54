// The fused elementwise kernel on the CPU (the program: kernels/fused_ops.h). Each row of the
// output is computed in chunks that stay in L1: the chunk's inputs are staged, then each
// instruction runs over the whole chunk with its op's own contiguous loop (vectorised, and for
// the float32 special functions the very routine the unfused kernel calls), so the bits are the
// unfused kernels' and one pass over memory replaces one per op.
#include "fused_ops.h"

#include <cstdint>
#include <string>
#include <unordered_map>

#include "../kernel.h"
#include "../strided_loop.h"
#include "cross_entropy.h"
#include "elementwise.h"
#include "unary_rows.h"

namespace rv {
namespace fused {

int opcode_of(const std::string& kernel_name, const std::vector<double>& attrs, size_t inputs) {
  static const std::unordered_map<std::string, int> table = {
#define RV_FUSED_ENTRY(NAME, OP) {#NAME, op_##NAME},
      RV_FUSED_UNARY_OPS(RV_FUSED_ENTRY) RV_FUSED_BINARY_OPS(RV_FUSED_ENTRY)
#undef RV_FUSED_ENTRY
  };
  // The cross-entropy kernels without trials; the sign attribute picks the opcode.
  const bool plus = attrs.size() == 1 && attrs[0] == 1.0, minus = attrs.size() == 1 && attrs[0] == -1.0;
  if (kernel_name == "sigmoidCrossEntropy" && inputs == 2 && (plus || minus)) return plus ? op_logLikelihood : op_crossEntropy;
  if (kernel_name == "sigmoidCrossEntropyGrad" && inputs == 3 && (plus || minus)) {
    return plus ? op_logLikelihoodGrad : op_crossEntropyGrad;
  }
  auto it = table.find(kernel_name);
  if (it == table.end() || !attrs.empty() || inputs != size_t(arity(it->second))) return -1;
  return it->second;
}

Program parse(const KernelCall& c) {
  if (c.attrs.size() < 2) throw c.fail("expected the program as attributes [inputs, instructions, (opcode, a, b, c)...]");
  Program p;
  p.inputs = int(c.attr_int(0, 1, kMaxInputs));
  p.instructions = int(c.attr_int(1, 1, kMaxInstructions));
  if (c.attrs.size() != size_t(2 + 4 * p.instructions)) {
    throw c.fail("a program of " + std::to_string(p.instructions) + " instructions has " +
                 std::to_string(2 + 4 * p.instructions) + " attributes, got " + std::to_string(c.attrs.size()));
  }
  if (c.num_inputs() != size_t(p.inputs)) {
    throw c.fail("the program reads " + std::to_string(p.inputs) + " inputs, got " + std::to_string(c.num_inputs()));
  }
  for (int j = 0; j < p.instructions; j++) {
    const size_t at = size_t(2 + 4 * j);
    const int written = p.inputs + j;  // registers written before instruction j
    const int64_t op = c.attr_int(at, 0, kNumOpcodes - 1);
    p.op[j] = uint8_t(op);
    p.a[j] = uint8_t(c.attr_int(at + 1, 0, written - 1));
    p.b[j] = arity(op) >= 2 ? uint8_t(c.attr_int(at + 2, 0, written - 1)) : p.a[j];
    p.c[j] = arity(op) == 3 ? uint8_t(c.attr_int(at + 3, 0, written - 1)) : p.a[j];
  }
  if (c.out_dtype != DType::Float32 && c.out_dtype != DType::Float64) {
    throw c.fail(std::string("output dtype ") + dtype_name(c.out_dtype) + " is not supported (float32 or float64 expected)");
  }
  for (size_t i = 0; i < c.num_inputs(); i++) {
    if (c.input(i).dtype != c.out_dtype) {
      throw c.fail("input " + std::to_string(i) + " has dtype " + dtype_name(c.input(i).dtype) + ", the output " +
                   dtype_name(c.out_dtype));
    }
  }
  return p;
}

FusedSum parse_sum(const KernelCall& c) {
  FusedSum f;
  const size_t rank = size_t(c.attr_int(0, 0, kMaxRank));
  for (size_t d = 0; d < rank; d++) f.shape.push_back(c.attr_int(1 + d, 0, int64_t(1) << 62), c.name);
  const size_t n = size_t(c.attr_int(1 + rank, 1, 1 + int64_t(rank)));
  const size_t first = 2 + rank;
  if (c.attrs.size() < first + n) throw c.fail("the sum's " + std::to_string(n) + " attributes are missing");
  f.sum_attrs.assign(c.attrs.begin() + long(first), c.attrs.begin() + long(first + n));
  f.program_attrs.assign(c.attrs.begin() + long(first + n), c.attrs.end());
  return f;
}

KernelCall program_call(const KernelCall& c, const FusedSum& f) {
  KernelCall p = c;
  p.out_shape = f.shape;
  p.attrs = f.program_attrs;
  return p;
}

KernelCall sum_call(const KernelCall& c, const FusedSum& f, const Tensor& values) {
  KernelCall r = c;
  r.inputs = {&values};
  r.attrs = f.sum_attrs;
  return r;
}

}  // namespace fused

namespace {

using namespace fused;

// Elements per chunk: every register of a chunk (at most kMaxRegisters) stays in L1.
constexpr int64_t kChunk = 128;

template <typename Op, typename T> void unary_rows(T* o, const T* x, int64_t n) {
  if constexpr (contiguous_rows<Op, T>() != nullptr) {
    contiguous_rows<Op, T>()(o, x, n);
  } else {
    for (int64_t i = 0; i < n; i++) o[i] = Op{}(x[i]);
  }
}

template <typename Op, typename T> void binary_rows(T* o, const T* x, const T* y, int64_t n) {
  for (int64_t i = 0; i < n; i++) o[i] = Op{}(x[i], y[i]);
}

// Trials of 1 for the cross-entropy routines, a chunk's worth.
template <typename T> const T* ones() {
  static const struct Ones {
    T v[kChunk];
    Ones() {
      for (T& x : v) x = T(1);
    }
  } table;
  return table.v;
}

// o = op(x, y, z) over n elements (n <= kChunk).
template <typename T> void run_instruction(int opcode, T* o, const T* x, const T* y, const T* z, int64_t n) {
  using namespace ops;
  switch (opcode) {
#define RV_FUSED_UNARY_CASE(NAME, OP) \
  case op_##NAME: return unary_rows<OP, T>(o, x, n);
    RV_FUSED_UNARY_OPS(RV_FUSED_UNARY_CASE)
#undef RV_FUSED_UNARY_CASE
#define RV_FUSED_BINARY_CASE(NAME, OP) \
  case op_##NAME: return binary_rows<OP, T>(o, x, y, n);
    RV_FUSED_BINARY_OPS(RV_FUSED_BINARY_CASE)
#undef RV_FUSED_BINARY_CASE
    case op_logLikelihood:
    case op_crossEntropy: {
      const T* in[3] = {x, y, ones<T>()};
      return xent::rows(o, in, n, opcode == op_logLikelihood ? 1.0 : -1.0, false);
    }
    case op_logLikelihoodGrad:
    case op_crossEntropyGrad: {
      const T* in[4] = {x, y, z, ones<T>()};
      return xent::rows(o, in, n, opcode == op_logLikelihoodGrad ? 1.0 : -1.0, true);
    }
    default: return;  // parse() admits no other opcode
  }
}

}  // namespace

namespace fused {

template <typename T> void run_program_row(const Program& p, char** ptr, const int64_t* st, int64_t n) {
  T registers[kMaxRegisters][kChunk];
  const T* reg[kMaxRegisters];
  const int last = p.inputs + p.instructions - 1;
  for (int64_t done = 0; done < n; done += kChunk) {
    const int64_t len = n - done < kChunk ? n - done : kChunk;
    for (int k = 0; k < p.inputs; k++) {
      reg[k] = stage_operand<T>(ptr[k + 1] + done * st[k + 1], st[k + 1], len, registers[k], done == 0);
    }
    // The output is contiguous; only a one-element output (stride 0) goes through a register.
    T* out = reinterpret_cast<T*>(ptr[0] + done * st[0]);
    const bool direct = st[0] == int64_t(sizeof(T));
    for (int j = 0; j < p.instructions; j++) {
      const int r = p.inputs + j;
      T* o = r == last && direct ? out : registers[r];
      run_instruction<T>(p.op[j], o, reg[p.a[j]], reg[p.b[j]], reg[p.c[j]], len);
      reg[r] = o;
    }
    if (!direct) {
      for (int64_t i = 0; i < len; i++) *reinterpret_cast<T*>(ptr[0] + (done + i) * st[0]) = reg[last][i];
    }
  }
}
template void run_program_row<float>(const Program&, char**, const int64_t*, int64_t);
template void run_program_row<double>(const Program&, char**, const int64_t*, int64_t);

}  // namespace fused

namespace {

template <typename T> void run_program(const Program& p, const StridedLoop& loop) {
  // Special functions cost tens of times an add: split smaller work into threads.
  const int64_t grain = kElementwiseGrain / p.instructions;
  loop.run([&p](char** ptr, const int64_t* st, int64_t n) { run_program_row<T>(p, ptr, st, n); }, grain < 1024 ? 1024 : grain);
}

Tensor fused_kernel(const KernelCall& c) {
  const Program p = parse(c);
  Tensor out = c.make_output();
  const Tensor* operands[kMaxOperands] = {&out};
  for (int k = 0; k < p.inputs; k++) operands[k + 1] = &c.input(size_t(k));
  StridedLoop loop(out.shape, operands, p.inputs + 1, c.name);
  dispatch_float(out.dtype, c.name, [&](auto tag) { run_program<typename decltype(tag)::type>(p, loop); });
  return out;
}

// The program's values, then the sum kernel's sum of them.
Tensor fused_sum_kernel(const KernelCall& c) {
  static const Kernel sum = kernels()[kernel_index("sum")].fn;
  const FusedSum f = parse_sum(c);
  const Tensor values = fused_kernel(program_call(c, f));
  return sum(sum_call(c, f, values));
}

KernelRegistrar registrations[] = {{"fused", fused_kernel}, {"fusedSum", fused_sum_kernel}};

}  // namespace
}  // namespace rv
