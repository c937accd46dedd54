// The CUDA runtime side of device.h: devices, one stream per device, raw memory for the caching
// allocator, copies and error checks. cudart is linked statically, so the addon loads on a
// machine without a driver; cudaGetDeviceCount's error then means "no GPU".
#include <cuda_runtime.h>

#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <vector>

#include "common.cuh"

namespace rv {
namespace cuda {
namespace {

struct Runtime {
  int count = 0;
  bool fake = false;
  std::string reason;
  cudaStream_t streams[kMaxDevices] = {};
  std::mutex mutex;
};

Runtime& runtime() {
  static Runtime* r = [] {
    Runtime* rt = new Runtime();
    int n = 0;
    cudaError_t e = cudaGetDeviceCount(&n);
    if (e != cudaSuccess) {
      rt->reason = std::string("no usable CUDA driver or GPU (") + cudaGetErrorString(e) + ")";
      cudaGetLastError();
      n = 0;
    } else if (n == 0) {
      rt->reason = "no CUDA GPU found";
    }
    rt->count = n > kMaxDevices ? kMaxDevices : n;
    const char* fake = std::getenv("RANDVAR_FAKE_CUDA");
    if (n == 0 && fake && std::strcmp(fake, "1") == 0) {
      rt->fake = true;
      rt->count = 1;
    }
    return rt;
  }();
  return *r;
}

int current = -2;  // the device cudaSetDevice last selected on this (the JS) thread

// Small host-to-device copies (scalars and short vectors from JS) travel as a kernel argument:
// a cudaMemcpyAsync from pageable memory would wait for the stream to drain first, so every JS
// number in an expression would stall the GPU pipeline.
constexpr size_t kArgumentUpload = 1024;
struct Payload {
  unsigned char bytes[kArgumentUpload];
};
__global__ void write_payload(unsigned char* dst, Payload p, unsigned n) {
  for (unsigned i = threadIdx.x; i < n; i += blockDim.x) dst[i] = p.bytes[i];
}

}  // namespace

void check(cudaError_t e, const char* what) {
  if (e != cudaSuccess) {
    cudaGetLastError();  // clear a non-sticky error so later calls are not blamed for it
    throw Error(std::string(what) + ": CUDA error " + cudaGetErrorName(e) + ": " + cudaGetErrorString(e));
  }
}

void check_launch(const char* what) { check(cudaGetLastError(), what); }

int device_count() { return runtime().count; }

bool emulated() { return runtime().fake; }

std::string unavailable_reason() { return runtime().count > 0 ? std::string() : runtime().reason; }

void check_device(int device, const char* what) {
  Runtime& rt = runtime();
  if (device < 0 || device >= rt.count) {
    std::string why = rt.count == 0 ? rt.reason : "this machine has " + std::to_string(rt.count) + " CUDA device(s)";
    throw Error(std::string(what) + ": " + device_name(device) + " is not available: " + why);
  }
}

cudaStream_t stream(int device) {
  Runtime& rt = runtime();
  if (rt.fake) throw Error("randvar: a GPU kernel was called on the emulated device (RANDVAR_FAKE_CUDA)");
  if (device != current) {
    check(cudaSetDevice(device), "cudaSetDevice");
    current = device;
  }
  if (!rt.streams[device]) {
    std::lock_guard<std::mutex> lock(rt.mutex);
    if (!rt.streams[device]) check(cudaStreamCreateWithFlags(&rt.streams[device], cudaStreamNonBlocking), "cudaStreamCreate");
  }
  return rt.streams[device];
}

DeviceInfo device_info(int device) {
  check_device(device, "devices");
  if (runtime().fake) return {"emulated (host memory, RANDVAR_FAKE_CUDA=1)", int64_t(1) << 32, 0, 0, 1};
  cudaDeviceProp p;
  check(cudaGetDeviceProperties(&p, device), "devices");
  return {p.name, int64_t(p.totalGlobalMem), p.major, p.minor, p.multiProcessorCount};
}

void* raw_malloc(int device, size_t bytes) {
  if (runtime().fake) return std::aligned_alloc(64, bytes);
  stream(device);
  void* p = nullptr;
  if (cudaMalloc(&p, bytes) != cudaSuccess) {
    cudaGetLastError();
    return nullptr;
  }
  return p;
}

void raw_free(int device, void* p) {
  // Called from GC finalizers too: never throws. The stream's work on the block is finished
  // before cudaFree returns (it synchronises the device).
  if (runtime().fake) {
    std::free(p);
    return;
  }
  if (cudaSetDevice(device) == cudaSuccess) current = device;
  cudaFree(p);
  cudaGetLastError();
}

void copy_bytes(void* dst, int dst_device, const void* src, int src_device, size_t bytes, const char* what) {
  if (bytes == 0) return;
  if (runtime().fake) {
    std::memcpy(dst, src, bytes);
    return;
  }
  if (dst_device != kCpu && src_device != kCpu && dst_device != src_device) {
    // Between two GPUs: through the host (peer access is a later concern).
    std::string host(bytes, '\0');
    copy_bytes(&host[0], kCpu, src, src_device, bytes, what);
    copy_bytes(dst, dst_device, &host[0], kCpu, bytes, what);
    return;
  }
  int device = dst_device != kCpu ? dst_device : src_device;
  cudaStream_t s = stream(device);
  cudaMemcpyKind kind = dst_device == kCpu ? cudaMemcpyDeviceToHost
                        : src_device == kCpu ? cudaMemcpyHostToDevice
                                             : cudaMemcpyDeviceToDevice;
  if (kind == cudaMemcpyHostToDevice && bytes <= kArgumentUpload) {
    Payload p;
    std::memcpy(p.bytes, src, bytes);
    write_payload<<<1, 128, 0, s>>>(static_cast<unsigned char*>(dst), p, unsigned(bytes));
    check_launch(what);
    return;
  }
  check(cudaMemcpyAsync(dst, src, bytes, kind, s), what);
  // The host side of a copy may be freed as soon as we return.
  if (kind != cudaMemcpyDeviceToDevice) check(cudaStreamSynchronize(s), what);
}

namespace {

// A read in flight: the event that marks its copies done, and pinned staging memory kept for the
// process and reused by later reads (a sampler reads a few bytes per chain per leaf).
struct HostRead {
  cudaEvent_t event = nullptr;
  unsigned char* staging = nullptr;
  size_t capacity = 0;
  int device = 0;
  std::vector<ByteRange> ranges;  // dst on the host, src in staging
};

struct ReadPool {
  std::mutex mutex;
  std::vector<HostRead*> free;
  std::vector<HostRead*> draining;  // abandoned while their copies may still run: free once their events have fired
  bool no_pinned = false;  // a pinned allocation failed: later reads copy at once, without trying again
};
ReadPool read_pools[kMaxDevices];

constexpr size_t kStagingAlign = 64;

// Bytes a range takes in the staging memory (each starts on a kStagingAlign boundary).
size_t staged(size_t bytes) { return (bytes + kStagingAlign - 1) / kStagingAlign * kStagingAlign; }

void give_back(HostRead* r) {
  ReadPool& pool = read_pools[r->device];
  std::lock_guard<std::mutex> lock(pool.mutex);
  pool.free.push_back(r);
}

// A pooled read for `device` with room for `bytes`, or null when pinned memory is not to be had.
HostRead* take_read(int device, size_t bytes, const char* what) {
  HostRead* r = nullptr;
  ReadPool& pool = read_pools[device];
  {
    std::lock_guard<std::mutex> lock(pool.mutex);
    if (pool.no_pinned) return nullptr;
    for (size_t i = 0; i < pool.draining.size();) {
      if (cudaEventQuery(pool.draining[i]->event) == cudaErrorNotReady) {
        i++;
        continue;
      }
      cudaGetLastError();
      pool.free.push_back(pool.draining[i]);
      pool.draining.erase(pool.draining.begin() + long(i));
    }
    if (!pool.free.empty()) {
      r = pool.free.back();
      pool.free.pop_back();
    }
  }
  if (!r) {
    r = new HostRead();
    r->device = device;
    cudaError_t e = cudaEventCreateWithFlags(&r->event, cudaEventDisableTiming);
    if (e != cudaSuccess) {
      delete r;
      check(e, what);
    }
  }
  if (r->capacity < bytes) {
    // At least a page: growing means cudaFreeHost, which waits for the device.
    bytes = bytes > 4096 ? bytes : 4096;
    if (r->staging) cudaFreeHost(r->staging);
    r->staging = nullptr;
    r->capacity = 0;
    void* p = nullptr;
    if (cudaHostAlloc(&p, bytes, cudaHostAllocDefault) != cudaSuccess) {
      cudaGetLastError();
      give_back(r);
      std::lock_guard<std::mutex> lock(pool.mutex);
      pool.no_pinned = true;
      return nullptr;
    }
    r->staging = static_cast<unsigned char*>(p);
    r->capacity = bytes;
  }
  return r;
}

}  // namespace

void* begin_read(const ByteRange* reads, size_t count, int device, const char* what) {
  check_device(device, what);
  if (runtime().fake) {
    for (size_t i = 0; i < count; i++) std::memcpy(reads[i].dst, reads[i].src, reads[i].bytes);
    return nullptr;
  }
  size_t total = 0;
  for (size_t i = 0; i < count; i++) total += staged(reads[i].bytes);
  if (total == 0) return nullptr;
  cudaStream_t s = stream(device);
  HostRead* r = take_read(device, total, what);
  if (!r) {
    // No pinned memory: one waiting copy per range.
    for (size_t i = 0; i < count; i++) copy_bytes(reads[i].dst, kCpu, reads[i].src, device, reads[i].bytes, what);
    return nullptr;
  }
  r->ranges.clear();
  size_t offset = 0;
  try {
    for (size_t i = 0; i < count; i++) {
      if (reads[i].bytes) {
        check(cudaMemcpyAsync(r->staging + offset, reads[i].src, reads[i].bytes, cudaMemcpyDeviceToHost, s), what);
        r->ranges.push_back({reads[i].dst, r->staging + offset, reads[i].bytes});
      }
      offset += staged(reads[i].bytes);
    }
    check(cudaEventRecord(r->event, s), what);
  } catch (...) {
    give_back(r);
    throw;
  }
  return r;
}

void end_read(void* read, bool copy_out, const char* what) {
  if (!read) return;
  HostRead* r = static_cast<HostRead*>(read);
  if (!copy_out) {
    // Abandoned (a leaf queued ahead that no chain needs): no wait, so the host goes on while the
    // device finishes it; its staging memory is reused once its copies are done.
    ReadPool& pool = read_pools[r->device];
    std::lock_guard<std::mutex> lock(pool.mutex);
    pool.draining.push_back(r);
    return;
  }
  cudaError_t e = cudaEventSynchronize(r->event);
  if (e == cudaSuccess) {
    for (const ByteRange& range : r->ranges) std::memcpy(range.dst, range.src, range.bytes);
  }
  give_back(r);
  check(e, what);
}

void synchronize(int device, const char* what) {
  check_device(device, what);
  if (runtime().fake) return;
  check(cudaStreamSynchronize(stream(device)), what);
}

}  // namespace cuda
}  // namespace rv
