// matMul's and outer's operands and checks, shared by the CPU kernels (matmul.cc) and the GPU
// ones (cuda/matmul.cu), so both accept and reject exactly the same calls.
#pragma once
#include <cstdint>
#include <functional>

#include "../kernel.h"

namespace rv {
namespace matmul {

// One operand: its matrix after the transpose flag (element (i, j) at rs·i + cs·j from the
// tensor's data), and its batch dimensions.
struct Operand {
  Tensor t;  // the tensor read (a dense copy when a BLAS could not take the original)
  int64_t rows = 0, cols = 0, rs = 0, cs = 0;
  int batch_rank = 0;
  int64_t batch_shape[kMaxRank] = {};
  int64_t batch_strides[kMaxRank] = {};

  // The element stride along dimension d of the output batch `batch` (right-aligned with this
  // operand's batch dimensions): 0 where the operand broadcasts along it.
  int64_t batch_stride(const Dims& batch, int d) const {
    const int od = d - (batch.n - batch_rank);
    return od >= 0 && batch_shape[od] != 1 ? batch_strides[od] : 0;
  }
};

// A rank-1 operand is a row when it is `a` and a column when it is `b`.
Operand describe(const Tensor& t, bool transpose, bool is_a);

// A checked matMul call: C [batch..., m, n] = op(A) · op(B), each product over k.
struct Product {
  Operand a, b;
  bool trans_a = false, trans_b = false;
  int64_t m = 0, n = 0, k = 0;
  Dims batch;  // the broadcast batch shape
  int64_t batches = 0;
};

// Validates a matMul call (attrs [transposeA, transposeB]; two inputs of one float dtype, rank
// >= 1; inner dimensions equal; batches broadcast; out_shape and out_dtype as implied) and
// describes its operands. Throws c.fail(...) naming what is wrong.
Product check_matmul(const KernelCall& c);

// Validates an outer call: two vectors of one float dtype, output [a.length, b.length].
void check_outer(const KernelCall& c);

// outer's operands after check_outer: a as a column and b as a row of the output's shape, each
// broadcast (stride 0) along the other axis, so outer is an elementwise product of the two.
struct OuterOperands {
  Tensor column, row;
};
OuterOperands outer_operands(const KernelCall& c);

// The rows of the first product's result that skinny_pair hands to `between`: element (s, i),
// s < ns the small side and i a row of the long operand, at s * zs + i * zi.
struct PairRows {
  int ns;
  int64_t zs, zi;
};
using PairStep = std::function<void(const PairRows&, int64_t i0, int64_t i1)>;

// Two checked products over one long operand X, as fusedProducts runs them (kernels/
// fused_products.cc): Z = the first (a row of X against each row of a small side; z its output,
// contiguous), then R = the second (its coefficients from the first's result, the same rows of X
// summed; r its output). Chunk by chunk of X's rows, the skinny kernels compute Z's rows,
// between(rows, i0, i1) computes the second's coefficients for rows [i0, i1) in the same places,
// and the rows of X still in cache are summed into R: X is read from memory once. The bits are
// those of the two products run alone. False (nothing done) unless both run on the skinny
// kernels with the same long operand. T is float or double, the products' dtype.
template <typename T>
bool skinny_pair(const Product& first, T* z, const Product& second, T* r, const PairStep& between, const char* what);

}  // namespace matmul
}  // namespace rv
