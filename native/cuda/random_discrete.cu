// GPU versions of random_discrete.cc's kernels: randomPoisson and randomBinomial (per-element
// rejection samplers), multinomial (categorical draws by inversion) and randomMultinomial
// (counts by sequential binomials, a row per thread). The samplers, rows and counters are
// random.h's, as on the CPU, so the same key gives the same draws.
#include "random.cuh"

namespace rv {
namespace {

using philox::Key;
namespace rng = cuda::rng;

Tensor poisson_gpu(const KernelCall& c) { return rng::per_element_sampler<random::PoissonDraw>(c); }
Tensor binomial_gpu(const KernelCall& c) { return rng::per_element_sampler<random::BinomialDraw>(c); }

// ---------------------------------------------------------------------------------------------
// multinomial: the rows' cumulative weights (a thread per row, summed in the CPU's order), then
// a thread per sample.

template <typename P>
__global__ void row_cdfs(const P* x, int64_t rows, int64_t k, bool normalized, double* cdf, uint8_t* valid) {
  for (int64_t r = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; r < rows; r += int64_t(gridDim.x) * blockDim.x) {
    valid[r] = random::row_cdf(x + r * k, k, normalized, cdf + r * k);
  }
}

// Element i = r * samples + s: a 53-bit uniform from Philox block i / 2 (words (w0, w1) for
// even i, (w2, w3) for odd), as the CPU's batches give it.
__global__ void categorical_samples(int64_t n, int64_t samples, int64_t k, Key key, const double* cdf,
                                    const uint8_t* valid, int32_t* out) {
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t r = i / samples;
    if (!valid[r]) {
      out[i] = -1;
      continue;
    }
    const uint64_t block = uint64_t(i) / 2;
    const philox::Block w = philox::block(key, uint32_t(block), uint32_t(block >> 32), 0, philox::kTagBlocked);
    const double u = (i & 1) ? random::uniform53(w.w[2], w.w[3]) : random::uniform53(w.w[0], w.w[1]);
    out[i] = random::categorical_pick(cdf + r * k, k, u);
  }
}

Tensor flat_tensor(DType dtype, int64_t n, const KernelCall& c) {
  Dims shape = Dims::of_rank(1, c.name);
  shape[0] = n;
  return empty_tensor(dtype, shape, c.name, c.device);
}

Tensor categorical_gpu(const KernelCall& c) {
  Key key = random::call_key(c);
  const random::CategoricalCall cat = random::categorical_call(c);
  const int64_t rows = cat.rows, k = cat.k, samples = cat.samples;
  Tensor out = c.make_output();
  if (rows * samples == 0) return out;
  Tensor x = contiguous(c.input(0), c.name);
  Tensor cdf = flat_tensor(DType::Float64, rows * k, c);
  Tensor valid = flat_tensor(DType::Bool, rows, c);
  cudaStream_t s = cuda::stream(c.device);
  dispatch_float(x.dtype, c.name, [&](auto tag) {
    using P = typename decltype(tag)::type;
    row_cdfs<P><<<cuda::blocks_for(rows), cuda::kBlock, 0, s>>>(x.ptr<P>(), rows, k, cat.normalized, cdf.ptr<double>(),
                                                                valid.ptr<uint8_t>());
  });
  cuda::check_launch(c.name);
  const int64_t n = rows * samples;
  categorical_samples<<<cuda::blocks_for(n), cuda::kBlock, 0, s>>>(n, samples, k, key, cdf.ptr<double>(),
                                                                   valid.ptr<uint8_t>(), out.ptr<int32_t>());
  cuda::check_launch(c.name);
  return out;
}

// ---------------------------------------------------------------------------------------------
// randomMultinomial: a thread per row (the classes of a row are sequential: each binomial
// depends on the count left by the ones before), `rest` holding each row's k + 1 suffix sums.

template <typename T, typename P>
__global__ void multinomial_rows(int64_t rows, int64_t k, Key key, const P* totals, const P* probs, double* rest, T* out) {
  random::BinomialSampler binomial;
  for (int64_t r = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; r < rows; r += int64_t(gridDim.x) * blockDim.x) {
    random::multinomial_row(key, uint64_t(r), double(totals[r]), probs + r * k, k, rest + r * (k + 1), binomial,
                            out + r * k);
  }
}

Tensor multinomial_counts_gpu(const KernelCall& c) {
  Key key = random::call_key(c);
  if (c.out_shape.n < 1) throw c.fail("output must have a class axis");
  Tensor out = c.make_output();
  const random::MultinomialCall mc = random::multinomial_call(c, out);
  const int64_t rows = mc.rows, k = mc.k;
  if (rows == 0) return out;
  Tensor rest = flat_tensor(DType::Float64, rows * (k + 1), c);  // rows * k is the output's size: no overflow
  random::dispatch_sampler(c, true, [&](auto out_tag, auto p_tag) {
    using T = typename decltype(out_tag)::type;
    using P = typename decltype(p_tag)::type;
    multinomial_rows<T, P><<<cuda::blocks_for(rows), cuda::kBlock, 0, cuda::stream(c.device)>>>(
        rows, k, key, mc.totals.ptr<P>(), mc.probs.ptr<P>(), rest.ptr<double>(), out.ptr<T>());
  });
  cuda::check_launch(c.name);
  return out;
}

CudaKernelRegistrar cuda_registrations[] = {
    {"randomPoisson", poisson_gpu},
    {"randomBinomial", binomial_gpu},
    {"multinomial", categorical_gpu},
    {"randomMultinomial", multinomial_counts_gpu},
};

}  // namespace
}  // namespace rv
