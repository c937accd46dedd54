// Scalar math and checks of the binary cross-entropy kernels, shared by the CPU kernels
// (kernels/cross_entropy.cc) and the GPU kernels (cuda/cross_entropy.cu) so that both devices
// compute each element with one definition.
//
// The log-likelihood of s successes in n trials of log-odds l, without the binomial
// coefficient, is s·log σ(l) + (n − s)·log σ(−l) = s·l − n·softplus(l). With
// softplus(l) = max(l, 0) + log(1 + e^−|l|) it is
//     c·l − n·log(1 + e^−|l|),   c = s − n where l ≥ 0, else s,
// which never subtracts two large numbers: when the labels match the logits' sign (the common
// case: s = n and l ≫ 0, or s = 0 and l ≪ 0) c is 0 and the result is the small log term,
// to full relative accuracy (s·l − softplus(l) in float32 rounds it away entirely past l ≈ 17).
// c·l is taken as 0 where c is 0, so l = ±∞ gives the limits (0 for a certain, observed
// outcome) instead of ∞ − ∞. Its derivative in l is s − n·σ(l) = c + n·σ(−l) for l ≥ 0 and
// c − n·σ(−l) for l < 0 (σ(−|l|) = e^−|l| / (1 + e^−|l|)), again free of cancellation.
//
// `sign` is +1 for the log-likelihood and −1 for the loss (TensorFlow's
// sigmoid_cross_entropy_with_logits, softplus(l) − labels·l); `trials` is 1 when the call has
// no trials input. float32 computes in double and rounds once, branch-free (vectorised on the
// CPU) with fast_math.h's exp and the series below; float64 uses the C library's exp and log1p.
#pragma once
#include <cmath>
#include <string>

#include "../device.h"
#include "../kernel.h"
#include "fast_math.h"

namespace rv {
namespace xent {

// e^−a for a = |l| ≥ 0 (or NaN). The float32 form is clamped at e^−708, the smallest that
// exp_clamped_f64 scales right; past it trials·e^−a is below float32's range for any trials.
RV_HD inline double exp_neg(float, double a) { return exp_clamped_f64(a > 708.0 ? -708.0 : -a); }
RV_HD inline double exp_neg(double, double a) { return exp(-a); }

// log(1 + e^−a) for a ≥ 0. In float32, with e = e^−a in (0, 1]: 2·atanh(t) for t = e/(2 + e) in
// [0, 1/3], the series 2t(1 + t²/3 + ... + t²⁰/21), within 2e-12 relative for every e (tiny e
// included, with no branch to a separate small-e form): a third cheaper than a general log.
RV_HD inline double log1p_exp_neg(float, double a) {
  double e = exp_neg(0.0f, a);
  return twice_atanh_small(e / (2.0 + e));
}
RV_HD inline double log1p_exp_neg(double, double a) { return log1p(exp(-a)); }

// sign·(s·l − n·softplus(l)), in T's precision (float32 through double).
template <typename T>
RV_HD inline T log_likelihood(T s, T n, T l, double sign) {
  double x = l;
  double ax = x < 0.0 ? -x : x;
  double c = x >= 0.0 ? double(s) - double(n) : double(s);
  double linear = c == 0.0 ? 0.0 : c * x;
  double r = linear - double(n) * log1p_exp_neg(T(0), ax);
  r = x != x ? x : r;  // NaN logits give NaN without relying on the exp's bit tricks
  return T(sign * r);
}

// sign·dy·(s − n·σ(l)): the derivative of log_likelihood in l times the cotangent dy.
template <typename T>
RV_HD inline T log_likelihood_grad(T dy, T s, T n, T l, double sign) {
  double x = l;
  double ax = x < 0.0 ? -x : x;
  double e = exp_neg(T(0), ax);
  double q = e / (1.0 + e);  // σ(−|l|), never 1 − (something close to 1)
  double c = x >= 0.0 ? double(s) - double(n) : double(s);
  double g = c + (x >= 0.0 ? double(n) : -double(n)) * q;
  g = x != x ? x : g;
  return T(sign * double(dy) * g);
}

// The CPU kernel's contiguous routines (cross_entropy.cc), which the fused kernel also runs:
// o[i] = the value (in = {labels, logits, trials}) or, with grad, the gradient (in = {dy,
// labels, logits, trials}) over len elements.
void rows(float* o, const float* const* in, int64_t len, double sign, bool grad);
void rows(double* o, const double* const* in, int64_t len, double sign, bool grad);

// The checks both devices make: the sign attribute, the input count (with or without
// trials), and one float dtype for every input and the output. Returns the sign.
inline double check_call(const KernelCall& c, size_t base_inputs) {
  if (c.num_inputs() != base_inputs && c.num_inputs() != base_inputs + 1) {
    throw c.fail("expected " + std::to_string(base_inputs) + " or " + std::to_string(base_inputs + 1) +
                 " inputs, got " + std::to_string(c.num_inputs()));
  }
  if (c.attrs.size() != 1) throw c.fail("expected 1 attribute (the sign), got " + std::to_string(c.attrs.size()));
  const int64_t sign = c.attr_int(0, -1, 1);
  if (sign == 0) throw c.fail("the sign attribute must be 1 or -1");
  const DType d = c.input(0).dtype;
  if (d != DType::Float32 && d != DType::Float64) {
    throw c.fail(std::string("dtype ") + dtype_name(d) + " is not supported (float32 or float64 expected)");
  }
  for (size_t i = 1; i < c.num_inputs(); i++) {
    if (c.input(i).dtype != d) {
      throw c.fail(std::string("inputs have dtypes ") + dtype_name(d) + " and " + dtype_name(c.input(i).dtype) +
                   "; the op table must cast them to one float dtype first");
    }
  }
  if (c.out_dtype != d) throw c.fail("output dtype must equal the input dtype");
  return double(sign);
}

}  // namespace xent
}  // namespace rv
