// GPU versions of the binary cross-entropy kernels (kernels/cross_entropy.cc): the same checks
// and the same scalar math (kernels/cross_entropy.h) over cuda::map, one pass each.
#include "../kernels/cross_entropy.h"
#include "common.cuh"

namespace rv {
namespace {

// sign·(s·l − n·softplus(l)), n given or 1.
template <typename T> struct LogLikelihood {
  double sign;
  __device__ T operator()(T s, T l) const { return xent::log_likelihood<T>(s, T(1), l, sign); }
  __device__ T operator()(T s, T l, T n) const { return xent::log_likelihood<T>(s, n, l, sign); }
};

// sign·dy·(s − n·σ(l)), n given or 1.
template <typename T> struct LogLikelihoodGrad {
  double sign;
  __device__ T operator()(T dy, T s, T l) const { return xent::log_likelihood_grad<T>(dy, s, T(1), l, sign); }
  __device__ T operator()(T dy, T s, T l, T n) const { return xent::log_likelihood_grad<T>(dy, s, n, l, sign); }
};

// sigmoidCrossEntropy(labels, logits[, trials]); attrs [sign].
Tensor cross_entropy_gpu(const KernelCall& c) {
  const double sign = xent::check_call(c, 2);
  Tensor out = c.make_output();
  dispatch_float(out.dtype, c.name, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if (c.num_inputs() == 3) {
      cuda::map<T, T, T, T>(out, LogLikelihood<T>{sign}, c.name, c.input(0), c.input(1), c.input(2));
    } else {
      cuda::map<T, T, T>(out, LogLikelihood<T>{sign}, c.name, c.input(0), c.input(1));
    }
  });
  return out;
}

// sigmoidCrossEntropyGrad(dy, labels, logits[, trials]); attrs [sign].
Tensor cross_entropy_grad_gpu(const KernelCall& c) {
  const double sign = xent::check_call(c, 3);
  Tensor out = c.make_output();
  dispatch_float(out.dtype, c.name, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if (c.num_inputs() == 4) {
      cuda::map<T, T, T, T, T>(out, LogLikelihoodGrad<T>{sign}, c.name, c.input(0), c.input(1), c.input(2), c.input(3));
    } else {
      cuda::map<T, T, T, T>(out, LogLikelihoodGrad<T>{sign}, c.name, c.input(0), c.input(1), c.input(2));
    }
  });
  return out;
}

CudaKernelRegistrar cuda_registrations[] = {
    {"sigmoidCrossEntropy", cross_entropy_gpu},
    {"sigmoidCrossEntropyGrad", cross_entropy_grad_gpu},
};

}  // namespace
}  // namespace rv
