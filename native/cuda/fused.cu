// The fused elementwise kernel on the GPU (the program: kernels/fused_ops.h; how it runs:
// fused.cuh): each thread runs the program on E elements at once (16 bytes: 4 float32, 2
// float64) with the unfused kernels' functors, its value slots in shared memory, so one launch
// replaces one per op (what costs most in the small steps of a sampler) with the same bits.
// fusedSum reduces the program's values in the reduction kernels as they are computed.
#include <algorithm>

#include "fused.cuh"
#include "reduce.cuh"

namespace rv {
namespace {

using cuda::Code;
using cuda::FlatArgs;
using cuda::FlatInputs;
using cuda::kNoSlot;
using cuda::Lanes;
using fused::kMaxInputs;
using fused::Program;

constexpr int kFusedBlock = 128;
template <typename T> constexpr int kE = cuda::kLanes<T>;

// This thread's slots in the block's shared memory.
template <typename T, int E> __device__ __forceinline__ cuda::StridedSlots<T, E> shared_slots() {
  extern __shared__ __align__(16) unsigned char slots[];
  return {reinterpret_cast<Lanes<T, E>*>(slots) + threadIdx.x, kFusedBlock};
}

template <typename T>
__global__ void __launch_bounds__(kFusedBlock) fused_flat(const __grid_constant__ FlatArgs<T> a) {
  const cuda::StridedSlots<T, kE<T>> s = shared_slots<T, kE<T>>();
  const int64_t groups = a.groups + 2;
  for (int64_t g = int64_t(blockIdx.x) * kFusedBlock + threadIdx.x; g < groups; g += int64_t(gridDim.x) * kFusedBlock) {
    cuda::flat_group<T>(a, s, g);
  }
}

// Any strides and broadcasting: a thread's E elements are i, i + step, ... (step: the grid's
// threads), so each load of a warp stays as coalesced as the layout allows.
template <typename T, typename Index> struct StridedArgs {
  Index n;
  cuda::Indexer<kMaxOperands, Index> ix;
  Code code;
};

template <typename T, typename Index>
__global__ void __launch_bounds__(kFusedBlock) fused_strided(const __grid_constant__ StridedArgs<T, Index> a) {
  constexpr int E = kE<T>;
  const cuda::StridedSlots<T, E> s = shared_slots<T, E>();
  const Index step = Index(gridDim.x) * kFusedBlock;
  for (Index first = Index(blockIdx.x) * kFusedBlock + threadIdx.x; first < a.n; first += step * E) {
    Lanes<T, E> x[kMaxInputs];
    T* out[E];
#pragma unroll
    for (int e = 0; e < E; e++) {
      const Index i = first + Index(e) * step;
      const bool valid = i < a.n;
      char* p[kMaxOperands];
      a.ix.offsets(valid ? i : first, p);  // lanes past n: any element
      out[e] = valid ? reinterpret_cast<T*>(p[0]) : nullptr;
#pragma unroll
      for (int k = 0; k < kMaxInputs; k++) {
        if (k < a.code.inputs && a.code.input_slot[k] != kNoSlot) x[k].v[e] = *reinterpret_cast<const T*>(p[k + 1]);
      }
    }
#pragma unroll
    for (int k = 0; k < kMaxInputs; k++) {
      if (k < a.code.inputs && a.code.input_slot[k] != kNoSlot) s.store(a.code.input_slot[k], x[k]);
    }
    const Lanes<T, E> o = cuda::run_code<T, E>(a.code, s);
#pragma unroll
    for (int e = 0; e < E; e++) {
      if (out[e]) *out[e] = o.v[e];
    }
  }
}

// A block's shared memory: its threads' slots.
template <typename T> size_t slot_bytes(int slots) {
  return size_t(std::max(slots, 1)) * kFusedBlock * sizeof(Lanes<T, kE<T>>);
}

// Blocks for `threads` threads of kKernel with the program's shared memory: at most what the
// device holds at once (every kernel here loops over its work; only the speed depends on it).
template <auto kKernel, typename T> unsigned blocks(int64_t threads, int device, int slots, const char* what) {
  return cuda::grid_for<kKernel>(cuda::ceil_div(threads, kFusedBlock), device, what, kFusedBlock, slot_bytes<T>(slots));
}

template <typename T> void launch(const KernelCall& c, const Program& p, const Tensor& out) {
  constexpr int E = kE<T>;
  const int64_t n = out.numel();
  if (n == 0) return;
  const int device = out.device();
  cudaStream_t s = cuda::stream(device);
  const Code code = cuda::compile(p);
  const size_t bytes = slot_bytes<T>(code.slots);
  FlatInputs<T> in;
  if (cuda::flat_inputs<T>(c, p, out.shape, in)) {
    const FlatArgs<T> a = cuda::flat_args<T>(in, out.ptr<T>(), n, code);
    constexpr auto kernel = fused_flat<T>;
    kernel<<<blocks<kernel, T>(a.groups + 2, device, code.slots, c.name), kFusedBlock, bytes, s>>>(a);
  } else {
    const Tensor* operands[kMaxOperands] = {&out};
    for (int k = 0; k < p.inputs; k++) operands[k + 1] = &c.input(size_t(k));
    StridedLoop loop(out.shape, operands, p.inputs + 1, c.name);
    const int64_t threads = (n + E - 1) / E;
    // 32-bit indices only while i + E grid-strides cannot wrap past 2^32 (grids stay under 2^26 threads).
    if (n <= int64_t(INT32_MAX)) {
      constexpr auto kernel = fused_strided<T, uint32_t>;
      kernel<<<blocks<kernel, T>(threads, device, code.slots, c.name), kFusedBlock, bytes, s>>>(
          StridedArgs<T, uint32_t>{uint32_t(n), cuda::make_indexer<kMaxOperands, uint32_t>(loop, p.inputs + 1), code});
    } else {
      constexpr auto kernel = fused_strided<T, int64_t>;
      kernel<<<blocks<kernel, T>(threads, device, code.slots, c.name), kFusedBlock, bytes, s>>>(
          StridedArgs<T, int64_t>{n, cuda::make_indexer<kMaxOperands, int64_t>(loop, p.inputs + 1), code});
    }
  }
  cuda::check_launch(c.name);
}

// The fused kernel's output for c running the (parsed) program p.
Tensor run_program(const KernelCall& c, const Program& p) {
  Tensor out = c.make_output();
  dispatch_float(out.dtype, c.name, [&](auto tag) { launch<typename decltype(tag)::type>(c, p, out); });
  return out;
}

Tensor fused_gpu(const KernelCall& c) { return run_program(c, fused::parse(c)); }

// The program's values as the reduction kernels' source (cuda/reduce.cuh): one position a load.
template <class Red, typename T> struct ProgramValues {
  using Acc = typename Red::Acc;
  using In = T;
  FlatInputs<T> in;
  Code code;
  __device__ __forceinline__ T load(int64_t i) const { return cuda::value_at<T>(in, code, i); }
  __device__ __forceinline__ static Acc apply(Acc acc, T v, int64_t) { return Red::step(acc, v, T(0)); }
};

// Values up to which fusedSum computes the program inside the reduction. That saves a launch and
// a round trip through memory, which is what counts for the small sums of a sampler; but the
// reduction evaluates the program one element at a time, so on large inputs the fused kernel
// (several elements a thread) and then the sum kernel are faster, with the same bits.
constexpr int64_t kOneLaunchValues = int64_t(1) << 16;

// One launch when the values are few, the inputs flat and the sum over trailing axes (the row
// kernels, as the unfused sum of a contiguous tensor takes them: the same bits); else the two
// kernels in turn.
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
  const bool one_launch = reduced > 0 && like.numel() <= kOneLaunchValues && mask == ((uint32_t(1) << reduced) - 1) << (rank - reduced);
  bool done = false;
  Tensor out;
  if (one_launch) {
    dispatch_float(c.out_dtype, c.name, [&](auto tag) {
      using T = typename decltype(tag)::type;
      FlatInputs<T> in;
      if (!cuda::flat_inputs<T>(c, p, f.shape, in)) return;
      int64_t A = 1, R = 1;
      for (int d = 0; d < rank; d++) (d < rank - reduced ? A : R) *= f.shape[d];
      out = c.make_output();
      if (out.numel() > 0) {
        using Red = reduction::Sum<T>;
        cuda::red::reduce_src<Red, T>(ProgramValues<Red, T>{in, cuda::compile(p)}, static_cast<const T*>(nullptr),
                                      cuda::red::Finish<Red, T, T>{out.ptr<T>(), R, 1}, A, R, 1, c.device, c.name);
      }
      done = true;
    });
  }
  if (done) return out;
  const Tensor values = run_program(values_call, p);
  return sum(fused::sum_call(c, f, values));
}

CudaKernelRegistrar cuda_registrations[] = {{"fused", fused_gpu}, {"fusedSum", fused_sum_gpu}};

}  // namespace
}  // namespace rv
