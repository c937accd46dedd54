// A fused elementwise program: a chain of float unary and binary ops over one output shape,
// computed element by element in registers instead of one kernel and one intermediate tensor per
// op (native/graph_fusion.cc builds them from captured graphs). Shared by the CPU kernel
// (fused.cc) and the GPU kernel (cuda/fused.cu): both apply each instruction with the functor
// of the op's own kernel, so a fused result has the bits the unfused kernels would give.
//
// Encoding (the kernel's attributes, so a program travels as any kernel call does):
//   [inputs, instructions, then per instruction: opcode, a, b, c]
// Registers 0..inputs-1 hold the inputs (broadcast to the output shape); instruction j writes
// register inputs + j from registers a (b for binary and ternary ops, c for ternary ones)
// written before it; the output is the last register. Operands an op does not take repeat a.
//
// The binary cross-entropy ops (kernels/cross_entropy.h, without trials) are fusable on the CPU
// only: the GPU's program words have no third operand (cuda/fused.cuh), and graph_fusion.cc
// leaves them alone on a GPU.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "../device.h"
#include "../kernel.h"
#include "../strided_loop.h"
#include "binary_ops.h"
#include "unary_ops.h"

namespace rv {
namespace fused {

// The fusable ops: kernel name and functor, unary then binary (float32 and float64 only).
#define RV_FUSED_UNARY_OPS(X)                                                                          \
  X(neg, Neg) X(abs, Abs) X(sign, Sign) X(square, Square) X(exp, Exp) X(expm1, Expm1) X(log, Log)     \
  X(log1p, Log1p) X(sqrt, Sqrt) X(rsqrt, Rsqrt) X(reciprocal, Reciprocal) X(sigmoid, Sigmoid)          \
  X(logSigmoid, LogSigmoid) X(softplus, Softplus) X(tanh, Tanh) X(sin, Sin) X(cos, Cos) X(floor, Floor) \
  X(ceil, Ceil) X(round, Round)
#define RV_FUSED_BINARY_OPS(X)                                                                        \
  X(add, Add) X(sub, Sub) X(mul, Mul) X(div, Div) X(pow, Pow) X(maximum, Maximum) X(minimum, Minimum) \
  X(squaredDifference, SquaredDifference) X(atan2, Atan2)

enum Opcode : uint8_t {
#define RV_FUSED_ENUM(NAME, OP) op_##NAME,
  RV_FUSED_UNARY_OPS(RV_FUSED_ENUM) kFirstBinary, kBeforeBinary = kFirstBinary - 1,
  RV_FUSED_BINARY_OPS(RV_FUSED_ENUM)
#undef RV_FUSED_ENUM
  // sigmoidCrossEntropy (labels, logits) with sign +1 and -1, then its gradient (dy, labels, logits).
  op_logLikelihood, op_crossEntropy, kFirstTernary, kBeforeTernary = kFirstTernary - 1,
  op_logLikelihoodGrad, op_crossEntropyGrad, kNumOpcodes
};
constexpr int kFirstCpuOnly = op_logLikelihood;

constexpr int kMaxInputs = kMaxOperands - 1;  // the CPU kernel runs on one StridedLoop
constexpr int kMaxInstructions = 24;
constexpr int kMaxRegisters = kMaxInputs + kMaxInstructions;

// Operands an opcode reads: 1, 2 or 3.
inline int arity(int opcode) { return opcode >= kFirstTernary ? 3 : opcode >= kFirstBinary ? 2 : 1; }
inline bool is_binary(int opcode) { return arity(opcode) == 2; }
// Whether only the CPU kernel runs the opcode.
inline bool cpu_only(int opcode) { return opcode >= kFirstCpuOnly; }

// Passed to the GPU kernel by value.
struct Program {
  int inputs = 0;
  int instructions = 0;
  uint8_t op[kMaxInstructions];
  uint8_t a[kMaxInstructions];
  uint8_t b[kMaxInstructions];
  uint8_t c[kMaxInstructions];
};

// The program of one op alone: its operands in registers 0, 1, 2 (as many as it reads).
inline std::vector<double> single_instruction(int opcode) {
  const int n = arity(opcode);
  return {double(n), 1, double(opcode), 0, double(n > 1 ? 1 : 0), double(n > 2 ? 2 : 0)};
}

// A program's inputs after register 0 over a product's rows (fusedProducts,
// kernels/fused_products.h; on a GPU read by cuda/program_eval.cuh): input k's value for element
// (i, s) at p[k][i * along_i[k] + s * along_s[k]], in elements of the program's dtype.
struct ProgramInputs {
  int count = 0;
  const void* p[kMaxInputs] = {};
  int64_t along_i[kMaxInputs] = {};
  int64_t along_s[kMaxInputs] = {};
};

// The opcode of a step of kernel `kernel_name` with these attributes and `inputs` inputs, or -1
// when it is not fusable.
int opcode_of(const std::string& kernel_name, const std::vector<double>& attrs, size_t inputs);

// The program in c's attributes, checked against c's inputs and output: throws an Error naming
// the kernel and what is wrong (any caller may pass any attributes).
Program parse(const KernelCall& c);

// fusedSum: a program's values summed over axes (graph_fusion.cc makes it from a program, or a
// single fusable op, that only a sum reads). Attributes:
//   [rank, dims..., n, the sum's n attributes (keepDims, axes...), the program's attributes...]
// Each device computes the program and then its sum kernel's sum of those values, so the bits
// are those of the two steps unfused; a GPU does both in one launch where it can.
struct FusedSum {
  Dims shape;  // the program's output: the sum's input
  std::vector<double> sum_attrs;
  std::vector<double> program_attrs;
};
FusedSum parse_sum(const KernelCall& c);
// The calls of the program (output f.shape) and of the sum over its values.
KernelCall program_call(const KernelCall& c, const FusedSum& f);
KernelCall sum_call(const KernelCall& c, const FusedSum& f, const Tensor& values);

// The program's values over n elements of one row: ptr[0] and st[0] the output, ptr[k + 1] and
// st[k + 1] input k (byte strides; 0 broadcasts), as a StridedLoop's inner loop gives them. The
// fused CPU kernel runs it over its loop; fusedProducts (kernels/matmul.cc) over rows of chunks.
template <typename T> void run_program_row(const Program& p, char** ptr, const int64_t* st, int64_t n);

}  // namespace fused
}  // namespace rv
