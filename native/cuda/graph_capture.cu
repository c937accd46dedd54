// CUDA graphs for replayed captured computations (graph_replay.cc): recording a stream's work,
// launching it as one graph, and the batched copies that move a graph's inputs and outputs in and
// out of the fixed buffers it was recorded with.
#include <cstdint>

#include "common.cuh"

namespace rv {
namespace cuda {
namespace {

constexpr int kRangesPerLaunch = 32;

struct Ranges {
  unsigned char* dst[kRangesPerLaunch];
  const unsigned char* src[kRangesPerLaunch];
  uint64_t bytes[kRangesPerLaunch];
};

// Range blockIdx.y, in 16-byte words when both ends are aligned to them, else in bytes.
__global__ void copy_ranges_kernel(Ranges r) {
  const int k = blockIdx.y;
  unsigned char* d = r.dst[k];
  const unsigned char* s = r.src[k];
  const uint64_t n = r.bytes[k];
  const uint64_t first = uint64_t(blockIdx.x) * blockDim.x + threadIdx.x, step = uint64_t(gridDim.x) * blockDim.x;
  uint64_t done = 0;
  if (((reinterpret_cast<uintptr_t>(d) | reinterpret_cast<uintptr_t>(s)) & 15) == 0) {
    const uint64_t words = n / 16;
    for (uint64_t i = first; i < words; i += step) reinterpret_cast<uint4*>(d)[i] = reinterpret_cast<const uint4*>(s)[i];
    done = words * 16;
  }
  for (uint64_t i = done + first; i < n; i += step) d[i] = s[i];
}

}  // namespace

void copy_ranges(const ByteRange* ranges, size_t count, int device, const char* what) {
  cudaStream_t s = stream(device);
  for (size_t begin = 0; begin < count; begin += kRangesPerLaunch) {
    Ranges r{};
    uint64_t largest = 0;
    unsigned n = 0;
    for (size_t i = begin; i < count && n < kRangesPerLaunch; i++) {
      if (ranges[i].bytes == 0) continue;
      r.dst[n] = static_cast<unsigned char*>(ranges[i].dst);
      r.src[n] = static_cast<const unsigned char*>(ranges[i].src);
      r.bytes[n] = ranges[i].bytes;
      largest = r.bytes[n] > largest ? r.bytes[n] : largest;
      n++;
    }
    if (n == 0) continue;
    const dim3 grid(blocks_for(int64_t((largest + 15) / 16)), n);
    copy_ranges_kernel<<<grid, kBlock, 0, s>>>(r);
    check_launch(what);
  }
}

void begin_capture(int device, const char* what) {
  check_device(device, what);
  // Relaxed: the caching allocator may still call cudaMalloc on a miss while recording.
  check(cudaStreamBeginCapture(stream(device), cudaStreamCaptureModeRelaxed), what);
}

void* end_capture(int device) {
  cudaGraph_t graph = nullptr;
  cudaError_t e = cudaStreamEndCapture(stream(device), &graph);
  if (e != cudaSuccess || !graph) {
    cudaGetLastError();
    if (graph) cudaGraphDestroy(graph);
    return nullptr;
  }
  cudaGraphExec_t exec = nullptr;
  e = cudaGraphInstantiate(&exec, graph, 0);
  cudaGraphDestroy(graph);
  if (e != cudaSuccess) {
    cudaGetLastError();
    return nullptr;
  }
  return exec;
}

void launch_graph(void* exec, int device, const char* what) {
  check(cudaGraphLaunch(static_cast<cudaGraphExec_t>(exec), stream(device)), what);
}

void destroy_graph(void* exec) {
  if (exec) cudaGraphExecDestroy(static_cast<cudaGraphExec_t>(exec));
}

}  // namespace cuda
}  // namespace rv
