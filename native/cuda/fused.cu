// The fused elementwise kernel on the GPU (the program: kernels/fused_ops.h): one thread per
// element runs the program in registers with the unfused kernels' functors, so one launch
// replaces one per op (what costs most in the small steps of a sampler) with the same bits.
// fusedSum reduces the program's values in the reduction kernels as they are computed.
#include "fused.cuh"
#include "reduce.cuh"

namespace rv {
namespace {

using cuda::FlatInputs;
using fused::kMaxInputs;
using fused::kMaxRegisters;
using fused::Program;

template <typename T>
__global__ void fused_flat(int64_t n, T* __restrict__ out, FlatInputs<T> in, Program p) {
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    out[i] = in.value(p, i);
  }
}

template <typename T, typename Index>
__global__ void fused_strided(Index n, cuda::Indexer<kMaxOperands, Index> ix, Program p) {
  for (Index i = Index(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += Index(gridDim.x) * blockDim.x) {
    char* ptr[kMaxOperands];
    ix.offsets(i, ptr);
    T r[kMaxRegisters];
    for (int k = 0; k < p.inputs; k++) r[k] = *reinterpret_cast<const T*>(ptr[k + 1]);
    *reinterpret_cast<T*>(ptr[0]) = cuda::evaluate<T>(p, r);
  }
}

// The strided layout of `loop`'s operands; operands past its count read nothing (null, stride 0).
template <typename Index> cuda::Indexer<kMaxOperands, Index> indexer(const StridedLoop& loop, int operands) {
  cuda::Indexer<kMaxOperands, Index> ix;
  ix.ndim = loop.ndim();
  for (int d = 0; d < loop.ndim(); d++) {
    ix.dims[d] = Index(loop.dim(d));
    for (int k = 0; k < kMaxOperands; k++) ix.strides[k][d] = k < operands ? loop.stride(k, d) : 0;
  }
  for (int k = 0; k < kMaxOperands; k++) ix.base[k] = k < operands ? loop.base(k) : nullptr;
  return ix;
}

template <typename T> void launch(const KernelCall& c, const Program& p, const Tensor& out) {
  const int64_t n = out.numel();
  if (n == 0) return;
  cudaStream_t s = cuda::stream(out.device());
  FlatInputs<T> in;
  if (cuda::flat_inputs<T>(c, p, out.shape, in)) {
    fused_flat<T><<<cuda::blocks_for(n), cuda::kBlock, 0, s>>>(n, out.ptr<T>(), in, p);
  } else {
    const Tensor* operands[kMaxOperands] = {&out};
    for (int k = 0; k < p.inputs; k++) operands[k + 1] = &c.input(size_t(k));
    StridedLoop loop(out.shape, operands, p.inputs + 1, c.name);
    // 32-bit indices only while i + the grid-stride step cannot wrap past 2^32.
    if (n <= int64_t(INT32_MAX)) {
      fused_strided<T, uint32_t><<<cuda::blocks_for(n), cuda::kBlock, 0, s>>>(uint32_t(n), indexer<uint32_t>(loop, p.inputs + 1), p);
    } else {
      fused_strided<T, int64_t><<<cuda::blocks_for(n), cuda::kBlock, 0, s>>>(n, indexer<int64_t>(loop, p.inputs + 1), p);
    }
  }
  cuda::check_launch(c.name);
}

Tensor fused_gpu(const KernelCall& c) {
  const Program p = fused::parse(c);
  Tensor out = c.make_output();
  dispatch_float(out.dtype, c.name, [&](auto tag) { launch<typename decltype(tag)::type>(c, p, out); });
  return out;
}

// The program's values as the reduction kernels' source (cuda/reduce.cuh).
template <class Red, typename T> struct ProgramValues {
  using Acc = typename Red::Acc;
  using In = T;
  FlatInputs<T> in;
  Program p;
  __device__ __forceinline__ T load(int64_t i) const { return in.value(p, i); }
  __device__ __forceinline__ static Acc apply(Acc acc, T v, int64_t) { return Red::step(acc, v, T(0)); }
};

// One launch when the inputs are flat and the sum is over trailing axes (the row kernels, as the
// unfused sum of a contiguous tensor takes them: the same bits); else the two kernels in turn.
Tensor fused_sum_gpu(const KernelCall& c) {
  static const Kernel sum = cuda_kernel(kernel_index("sum"));
  const fused::FusedSum f = fused::parse_sum(c);
  const KernelCall values_call = fused::program_call(c, f);
  const Program p = fused::parse(values_call);
  Tensor like;  // the program's output as read_reduction sees it: shape and dtype
  like.shape = f.shape;
  like.dtype = c.out_dtype;
  const KernelCall sum_call = fused::sum_call(c, f, like);
  const uint32_t mask = reduction::read_reduction(sum_call, like);
  const int rank = f.shape.n;
  int reduced = 0;
  while (reduced < rank && (mask >> (rank - 1 - reduced) & 1)) reduced++;
  const bool trailing = reduced > 0 && mask == ((uint32_t(1) << rank) - 1) - ((uint32_t(1) << (rank - reduced)) - 1);
  bool done = false;
  Tensor out;
  if (trailing) {
    dispatch_float(c.out_dtype, c.name, [&](auto tag) {
      using T = typename decltype(tag)::type;
      FlatInputs<T> in;
      if (!cuda::flat_inputs<T>(c, p, f.shape, in)) return;
      int64_t A = 1, R = 1;
      for (int d = 0; d < rank; d++) (d < rank - reduced ? A : R) *= f.shape[d];
      out = c.make_output();
      if (out.numel() > 0) {
        using Red = reduction::Sum<T>;
        cuda::red::reduce_src<Red, T>(ProgramValues<Red, T>{in, p}, static_cast<const T*>(nullptr),
                                      cuda::red::Finish<Red, T, T>{out.ptr<T>(), R, 1}, A, R, 1, c.device, c.name);
      }
      done = true;
    });
  }
  if (done) return out;
  const Tensor values = fused_gpu(values_call);
  return sum(fused::sum_call(c, f, values));
}

CudaKernelRegistrar cuda_registrations[] = {{"fused", fused_gpu}, {"fusedSum", fused_sum_gpu}};

}  // namespace
}  // namespace rv
