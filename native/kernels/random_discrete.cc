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

// randomPoisson(lam); lam negative, infinite or NaN gives NaN (-1 for int32).
Tensor poisson_kernel(const KernelCall& c) {
  auto draw = [sampler = PoissonSampler()](const ElementStreams& streams, const double* p) mutable {
    Stream s = streams.stream();
    return sampler(p[0], s);
  };
  return per_element_sampler(c, 1, true, draw, 1024, 1, 1);
}

// randomBinomial(counts, probs); counts not a non-negative integer, or probs outside [0, 1],
// gives NaN (-1 for int32).
Tensor binomial_kernel(const KernelCall& c) {
  auto draw = [sampler = BinomialSampler()](const ElementStreams& streams, const double* p) mutable {
    Stream s = streams.stream();
    return sampler(p[0], p[1], s);
  };
  return per_element_sampler(c, 2, true, draw, 1024, 1, 1);
}

// The cumulative weights of each row of x [rows, k] (softmax weights exp(x - max) for logits;
// the values themselves when `normalized`), into cdf; false where a row has no valid
// distribution (a negative or NaN weight, or a total that is not positive and finite).
template <typename P>
void row_cdfs(const P* x, int64_t rows, int64_t k, bool normalized, double* cdf, uint8_t* valid) {
  parallel_for(rows, std::max<int64_t>(1, 16384 / std::max<int64_t>(k, 1)), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; r++) {
      const P* row = x + r * k;
      double* out = cdf + r * k;
      double shift = 0;
      if (!normalized) {
        shift = -INFINITY;
        for (int64_t j = 0; j < k; j++) shift = std::max(shift, double(row[j]));
      }
      double total = 0;
      bool ok = normalized || std::isfinite(shift);
      for (int64_t j = 0; j < k; j++) {
        double w = normalized ? double(row[j]) : std::exp(double(row[j]) - shift);
        if (!(w >= 0.0)) ok = false;  // NaN logits, negative probabilities
        total += w;
        out[j] = total;
      }
      valid[r] = ok && total > 0.0 && std::isfinite(total);
    }
  });
}

// multinomial(logits [rows, k]) -> [rows, samples] int32 class indices, by inversion: element
// (r, s) takes a 53-bit uniform from Philox block floor(i / 2) (i = r * samples + s) and
// finds the first class whose cumulative weight exceeds u * total. attrs[4]: normalized.
Tensor categorical_kernel(const KernelCall& c) {
  c.expect_inputs(1);
  Key key = call_key(c);
  const bool normalized = c.attr_int(4, 0, 1) == 1;
  const Tensor& logits = c.input(0);
  if (logits.rank() < 1 || logits.rank() > 2) throw c.fail("logits must have rank 1 or 2, got " + logits.shape.to_string());
  const int64_t k = logits.shape[logits.rank() - 1];
  const int64_t rows = logits.rank() == 2 ? logits.shape[0] : 1;
  if (k < 1) throw c.fail("logits must have at least one class");
  if (c.out_dtype != DType::Int32 || c.out_shape.n != logits.rank() || (logits.rank() == 2 && c.out_shape[0] != rows)) {
    throw c.fail("output must be int32 of shape [rows, samples], got " + c.out_shape.to_string());
  }
  const int64_t samples = c.out_shape[c.out_shape.n - 1];
  Tensor out = c.make_output();
  if (rows * samples == 0) return out;
  Tensor x = contiguous(logits, c.name);
  std::vector<double> cdf(size_t(rows * k));
  std::vector<uint8_t> valid(static_cast<size_t>(rows));
  dispatch_float(x.dtype, c.name, [&](auto tag) {
    using P = typename decltype(tag)::type;
    row_cdfs(x.ptr<P>(), rows, k, normalized, cdf.data(), valid.data());
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
      const double* row = cdf.data() + r * k;
      const double target = u * row[k - 1];
      // First class whose cumulative weight exceeds the target: zero-weight classes are never chosen.
      int64_t j = std::upper_bound(row, row + k, target) - row;
      // u * total rounded up to total: the last class with positive weight (the first to reach it).
      if (j == k) j = std::lower_bound(row, row + k, row[k - 1]) - row;
      o[i] = int32_t(j);
    }
  });
  return out;
}

// randomMultinomial(totalCount, probs): counts over the last axis by sequential conditional
// binomials, class j ~ Binomial(remaining, p_j / (p_j + ... + p_last)) on sub-stream j of the
// row. Inputs: totalCount broadcast to the output without its last axis ([..., 1] shaped by
// the op), probs broadcast to the output. Rows with a negative, NaN or all-zero probability,
// or an invalid count, are NaN (-1 for int32).
Tensor multinomial_counts_kernel(const KernelCall& c) {
  c.expect_inputs(2);
  Key key = call_key(c);
  if (c.out_shape.n < 1) throw c.fail("output must have a class axis");
  Tensor out = c.make_output();
  const int64_t k = c.out_shape[c.out_shape.n - 1];
  const int64_t rows = k == 0 ? 0 : out.numel() / k;
  // Walk both inputs as [rows, k] through broadcast views: totalCount with a size-1 class axis.
  Dims count_shape = c.out_shape;
  count_shape[count_shape.n - 1] = 1;
  const Tensor& total_in = c.input(0);
  Dims total_shape = total_in.shape, total_strides = total_in.strides;
  total_shape.push_back(1, c.name);
  total_strides.push_back(0, c.name);
  Tensor total_view = make_view(total_in, total_shape, total_strides, total_in.offset);
  check_broadcast(total_view.shape, count_shape, c.name, "totalCount");
  check_broadcast(c.input(1).shape, c.out_shape, c.name, "probs");
  Tensor totals = empty_tensor(param_dtype(c), count_shape, c.name);
  copy_into(totals, total_view);
  Tensor probs = empty_tensor(param_dtype(c), c.out_shape, c.name);
  copy_into(probs, c.input(1));
  if (rows == 0) return out;
  dispatch_sampler(c, true, [&](auto out_tag, auto p_tag) {
    using T = typename decltype(out_tag)::type;
    using P = typename decltype(p_tag)::type;
    const P* n_of = totals.ptr<P>();
    const P* p_of = probs.ptr<P>();
    T* o = out.ptr<T>();
    parallel_for(rows, std::max<int64_t>(1, 256 / k), [&](int64_t begin, int64_t end) {
      std::vector<double> rest(size_t(k) + 1);
      BinomialSampler binomial;
      for (int64_t r = begin; r < end; r++) {
        const P* p = p_of + r * k;
        double n = double(n_of[r]);
        bool ok = n >= 0.0 && std::isfinite(n) && std::floor(n) == n;
        rest[size_t(k)] = 0;
        for (int64_t j = k - 1; j >= 0; j--) {
          double pj = double(p[j]);
          if (!(pj >= 0.0)) ok = false;
          rest[size_t(j)] = rest[size_t(j + 1)] + pj;
        }
        ok = ok && rest[0] > 0.0 && std::isfinite(rest[0]);
        double remaining = n;
        for (int64_t j = 0; j < k; j++) {
          double x;
          if (!ok) {
            x = kNaN;
          } else if (j == k - 1 || remaining == 0.0) {
            x = j == k - 1 ? remaining : 0.0;
          } else {
            double q = rest[size_t(j)] > 0.0 ? std::min(1.0, double(p[j]) / rest[size_t(j)]) : 0.0;
            Stream s(key, uint64_t(r), uint32_t(j));
            x = binomial(remaining, q, s);
          }
          if (ok) remaining -= x;
          o[r * k + j] = store<T>(x);
        }
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
