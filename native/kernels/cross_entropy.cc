// The binary cross-entropy kernels, each one pass over its operands:
//   sigmoidCrossEntropy(labels, logits[, trials])          sign·(labels·logits − trials·softplus(logits))
//   sigmoidCrossEntropyGrad(dy, labels, logits[, trials])  sign·dy·(labels − trials·σ(logits))
// with broadcasting, float32 or float64, trials 1 when absent. The composed forms take three
// passes (softplus, mul, sub) forward and five (sigmoid, two muls, neg, add) backward, each
// writing a full-size temporary. The scalar math is kernels/cross_entropy.h (shared with the GPU).
#include <cstdint>

#include "../kernel.h"
#include "../strided_loop.h"
#include "cross_entropy.h"
#include "elementwise.h"

namespace rv {
namespace xent {

// The contiguous routines: every operand unit-stride. Compiled per ISA (elementwise.h), as the
// float32 math vectorises only with AVX2 / AVX-512.
static RV_MULTIVERSION void log_likelihood_f32(float* __restrict o, const float* __restrict s, const float* __restrict l,
                                        const float* __restrict n, int64_t len, double sign) {
  for (int64_t i = 0; i < len; i++) o[i] = xent::log_likelihood<float>(s[i], n[i], l[i], sign);
}
static RV_MULTIVERSION void log_likelihood_grad_f32(float* __restrict o, const float* __restrict dy, const float* __restrict s,
                                             const float* __restrict l, const float* __restrict n, int64_t len,
                                             double sign) {
  for (int64_t i = 0; i < len; i++) o[i] = xent::log_likelihood_grad<float>(dy[i], s[i], n[i], l[i], sign);
}
static void log_likelihood_f64(double* __restrict o, const double* __restrict s, const double* __restrict l,
                        const double* __restrict n, int64_t len, double sign) {
  for (int64_t i = 0; i < len; i++) o[i] = xent::log_likelihood<double>(s[i], n[i], l[i], sign);
}
static void log_likelihood_grad_f64(double* __restrict o, const double* __restrict dy, const double* __restrict s,
                             const double* __restrict l, const double* __restrict n, int64_t len, double sign) {
  for (int64_t i = 0; i < len; i++) o[i] = xent::log_likelihood_grad<double>(dy[i], s[i], n[i], l[i], sign);
}

void rows(float* o, const float* const* in, int64_t len, double sign, bool grad) {
  if (grad) log_likelihood_grad_f32(o, in[0], in[1], in[2], in[3], len, sign);
  else log_likelihood_f32(o, in[0], in[1], in[2], len, sign);
}
void rows(double* o, const double* const* in, int64_t len, double sign, bool grad) {
  if (grad) log_likelihood_grad_f64(o, in[0], in[1], in[2], in[3], len, sign);
  else log_likelihood_f64(o, in[0], in[1], in[2], len, sign);
}

}  // namespace xent

namespace {

using xent::rows;

// Elements per staging chunk: the operands of one chunk stay in L1.
constexpr int64_t kChunk = 512;
// Parallel grain: an element costs an exp and a log (about 10 ns in float64's libm).
constexpr int64_t kGrain = 8192;

// Runs the kernel over out and `inputs` (in the contiguous routine's order; `trials` last, or
// null for 1). Rows whose operands are all unit-stride go to the routine in place; any other
// operand (broadcast: stride 0, or strided) is gathered into a buffer chunk by chunk, so that
// one vectorised routine serves every layout.
template <typename T>
void run(const KernelCall& c, const Tensor& out, const Tensor* const* inputs, int num_inputs, const Tensor* trials,
         double sign, bool grad) {
  static const T kOne = T(1);
  const int k = num_inputs + 1;  // with trials, given or not
  Dims shape = out.shape;
  StridedLoop loop = num_inputs == 2
      ? (trials ? StridedLoop(shape, {&out, inputs[0], inputs[1], trials}, c.name)
                : StridedLoop(shape, {&out, inputs[0], inputs[1]}, c.name))
      : (trials ? StridedLoop(shape, {&out, inputs[0], inputs[1], inputs[2], trials}, c.name)
                : StridedLoop(shape, {&out, inputs[0], inputs[1], inputs[2]}, c.name));
  loop.run([&](char** p, const int64_t* st, int64_t n) {
    T buffers[4][kChunk];  // at most dy, labels, logits, trials
    const T* in[4];
    for (int64_t done = 0; done < n; done += kChunk) {
      const int64_t len = n - done < kChunk ? n - done : kChunk;
      for (int j = 0; j < k; j++) {
        if (j == num_inputs && !trials) {
          if (done == 0) for (int64_t i = 0; i < len; i++) buffers[j][i] = kOne;
          in[j] = buffers[j];
          continue;
        }
        in[j] = stage_operand<T>(p[j + 1] + done * st[j + 1], st[j + 1], len, buffers[j], done == 0);
      }
      char* o = p[0] + done * st[0];
      if (st[0] == int64_t(sizeof(T))) {
        rows(reinterpret_cast<T*>(o), in, len, sign, grad);
      } else {
        T staged[kChunk];
        rows(staged, in, len, sign, grad);
        for (int64_t i = 0; i < len; i++) *reinterpret_cast<T*>(o + i * st[0]) = staged[i];
      }
    }
  }, kGrain);
}

// sigmoidCrossEntropy(labels, logits[, trials]); attrs [sign].
Tensor cross_entropy_kernel(const KernelCall& c) {
  const double sign = xent::check_call(c, 2);
  Tensor out = c.make_output();
  const Tensor* inputs[2] = {&c.input(0), &c.input(1)};
  const Tensor* trials = c.num_inputs() == 3 ? &c.input(2) : nullptr;
  dispatch_float(out.dtype, c.name, [&](auto tag) {
    using T = typename decltype(tag)::type;
    run<T>(c, out, inputs, 2, trials, sign, false);
  });
  return out;
}

// sigmoidCrossEntropyGrad(dy, labels, logits[, trials]); attrs [sign].
Tensor cross_entropy_grad_kernel(const KernelCall& c) {
  const double sign = xent::check_call(c, 3);
  Tensor out = c.make_output();
  const Tensor* inputs[3] = {&c.input(0), &c.input(1), &c.input(2)};
  const Tensor* trials = c.num_inputs() == 4 ? &c.input(3) : nullptr;
  dispatch_float(out.dtype, c.name, [&](auto tag) {
    using T = typename decltype(tag)::type;
    run<T>(c, out, inputs, 3, trials, sign, true);
  });
  return out;
}

KernelRegistrar registrations[] = {
    {"sigmoidCrossEntropy", cross_entropy_kernel},
    {"sigmoidCrossEntropyGrad", cross_entropy_grad_kernel},
};

}  // namespace
}  // namespace rv
