// Devices: the CPU (-1) and CUDA GPUs by ordinal (0, 1, ...). A storage block lives on one
// device; an op runs on the device of its inputs. The CUDA part (native/cuda/) implements the
// functions in namespace cuda when the full build finds nvcc; otherwise native/cuda_stub.cc
// does, and reports that no GPU is available.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace rv {

constexpr int kCpu = -1;
constexpr int kMaxDevices = 16;

inline std::string device_name(int device) {
  return device == kCpu ? std::string("cpu") : "cuda:" + std::to_string(device);
}

// Marks functions that kernels call on both the CPU and a GPU (special functions, the RNG).
#ifdef __CUDACC__
#define RV_HD __host__ __device__
#define RV_TABLE __device__ constexpr
#else
#define RV_HD
#define RV_TABLE constexpr
#endif

namespace cuda {

// Usable GPUs: 0 when built without CUDA, without a driver, or without a device.
int device_count();
// True when RANDVAR_FAKE_CUDA=1 stands in one "GPU" made of host memory on a machine without
// one: every GPU call then takes the CPU fallback, so the device plumbing (placement, copies,
// errors, the test and benchmark scripts) can be exercised without a GPU. Never on a real GPU.
bool emulated();
// Why device_count() is 0 (empty when it is not).
std::string unavailable_reason();
// Throws a clear Error naming `what` unless `device` is a usable GPU.
void check_device(int device, const char* what);

struct DeviceInfo {
  std::string name;
  int64_t total_memory;
  int compute_major, compute_minor;
  int multiprocessors;
};
DeviceInfo device_info(int device);

// Raw device memory for the caching allocator (allocator.cc): null when out of memory.
void* raw_malloc(int device, size_t bytes);
void raw_free(int device, void* p);

// Copies bytes between host and device memory (either side may be the CPU); returns once dst
// holds the data (device-to-device copies are ordered on the device's stream).
void copy_bytes(void* dst, int dst_device, const void* src, int src_device, size_t bytes, const char* what);
// Waits for every kernel queued on the device; throws an Error naming `what` on a CUDA error.
void synchronize(int device, const char* what);

// One range of bytes to copy: a read's (device to host) and copy_ranges' (on one device).
struct ByteRange {
  void* dst;
  const void* src;
  size_t bytes;
};

// Reads of one device's memory by the host that wait for nothing queued after them: begin_read
// queues copies of the ranges (src on `device`, dst on the host) into pinned staging memory behind
// the work queued so far, and returns a handle; end_read with `copy_out` waits for those copies
// alone and fills each dst. So the host can queue more work before it takes the values. Every
// handle is ended once; end_read without copy_out (an abandoned read) neither waits nor throws. A
// null handle is a read already done (on the emulated device, or without pinned memory: copied
// at once).
void* begin_read(const ByteRange* reads, size_t count, int device, const char* what);
void end_read(void* read, bool copy_out, const char* what);

// Queues the copies on the device's stream in one kernel launch (per 32 ranges).
void copy_ranges(const ByteRange* ranges, size_t count, int device, const char* what);

// CUDA graphs. begin_capture starts recording the work this thread queues on the device's stream
// instead of running it; end_capture stops and returns the recorded work instantiated as a
// launchable graph, or null when the capture failed (some call in it cannot be captured: a
// wait for the device, say), with the error cleared. Nothing captured has run.
void begin_capture(int device, const char* what);
void* end_capture(int device);
void launch_graph(void* exec, int device, const char* what);
void destroy_graph(void* exec);

}  // namespace cuda
}  // namespace rv
