// Discrete random-number kernels: poisson, binomial, categorical (multinomial in TensorFlow.js's
// sense) and multinomial counts. Counter layouts and determinism: random.h.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "../kernel.h"
#include "../thread_pool.h"
#include "random.h"

namespace rv {
namespace {

using namespace random;

// The draws and rows are random.h's, shared with the GPU (native/cuda/random_discrete.cu).

Tensor poisson_kernel(const KernelCall& c) { return per_element_sampler<PoissonDraw>(c, 1024, 1); }
Tensor binomial_kernel(const KernelCall& c) { return per_element_sampler<BinomialDraw>(c, 1024, 1); }

// The cumulative weights of each row of x [rows, k] (row_cdf), into cdf, and whether each row
// is a valid distribution.
template <typename P>
void row_cdfs(const P* x, int64_t rows, int64_t k, bool normalized, double* cdf, uint8_t* valid) {
  parallel_for(rows, std::max<int64_t>(1, 16384 / std::max<int64_t>(k, 1)), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; r++) valid[r] = row_cdf(x + r * k, k, normalized, cdf + r * k);
  });
}

// multinomial(logits [rows, k]) -> [rows, samples] int32 class indices, by inversion: element
// (r, s) takes a 53-bit uniform from Philox block floor(i / 2) (i = r * samples + s; words
// (w0, w1) for even i, (w2, w3) for odd) and picks its class with categorical_pick.
Tensor categorical_kernel(const KernelCall& c) {
  Key key = call_key(c);
  const CategoricalCall cat = categorical_call(c);
  const int64_t rows = cat.rows, k = cat.k, samples = cat.samples;
  Tensor out = c.make_output();
  if (rows * samples == 0) return out;
  Tensor x = contiguous(c.input(0), c.name);
  std::vector<double> cdf(size_t(rows * k));
  std::vector<uint8_t> valid(static_cast<size_t>(rows));
  dispatch_float(x.dtype, c.name, [&](auto tag) {
    using P = typename decltype(tag)::type;
    row_cdfs(x.ptr<P>(), rows, k, cat.normalized, cdf.data(), valid.data());
  });
  int32_t* o = out.ptr<int32_t>();
  parallel_for(rows * samples, 4096, [&](int64_t begin, int64_t end) {
    PhiloxWords words;
    int64_t batch = -1;
    for (int64_t i = begin; i < end; i++) {
      const int64_t r = i / samples;
      if (!valid[size_t(r)]) {
        o[i] = -1;
        continue;
      }
      const int64_t block = i / 2;
      if (block / kBatch != batch) {
        batch = block / kBatch;
        philox_batch(key, uint64_t(batch * kBatch), 0, philox::kTagBlocked, words);
      }
      const int64_t lane = block - batch * kBatch;
      const double u = (i & 1) ? uniform53(words.w2[lane], words.w3[lane]) : uniform53(words.w0[lane], words.w1[lane]);
      o[i] = categorical_pick(cdf.data() + r * k, k, u);
    }
  });
  return out;
}

// randomMultinomial(totalCount, probs): counts over the last axis, a row at a time
// (multinomial_row: sequential conditional binomials on the row's sub-streams).
Tensor multinomial_counts_kernel(const KernelCall& c) {
  Key key = call_key(c);
  if (c.out_shape.n < 1) throw c.fail("output must have a class axis");
  Tensor out = c.make_output();
  const MultinomialCall mc = multinomial_call(c, out);
  const int64_t rows = mc.rows, k = mc.k;
  if (rows == 0) return out;
  dispatch_sampler(c, true, [&](auto out_tag, auto p_tag) {
    using T = typename decltype(out_tag)::type;
    using P = typename decltype(p_tag)::type;
    const P* n_of = mc.totals.ptr<P>();
    const P* p_of = mc.probs.ptr<P>();
    T* o = out.ptr<T>();
    parallel_for(rows, std::max<int64_t>(1, 256 / k), [&](int64_t begin, int64_t end) {
      std::vector<double> rest(size_t(k) + 1);
      BinomialSampler binomial;
      for (int64_t r = begin; r < end; r++) {
        multinomial_row(key, uint64_t(r), double(n_of[r]), p_of + r * k, k, rest.data(), binomial, o + r * k);
      }
    });
  });
  return out;
}

KernelRegistrar registrations[] = {
    {"randomPoisson", poisson_kernel},
    {"randomBinomial", binomial_kernel},
    {"multinomial", categorical_kernel},
    {"randomMultinomial", multinomial_counts_kernel},
};

}  // namespace
}  // namespace rv
