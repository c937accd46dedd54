// The CUDA entry points of device.h for builds without CUDA (node-gyp, or no nvcc): no GPU.
#ifndef RANDVAR_CUDA
#include "device.h"
#include "error.h"
#include "tensor.h"
#include "cuda/cublas.h"
#include "cuda/matmul_skinny.h"

namespace rv {
namespace cuda {

int device_count() { return 0; }
bool emulated() { return false; }
std::string unavailable_reason() { return "this build of randvar has no CUDA support (built without nvcc)"; }
void check_device(int device, const char* what) {
  throw Error(std::string(what) + ": " + device_name(device) + " is not available: " + unavailable_reason());
}
DeviceInfo device_info(int device) {
  check_device(device, "device_info");
  return {};
}
void* raw_malloc(int, size_t) { return nullptr; }
void raw_free(int, void*) {}
void copy_bytes(void*, int dst_device, const void*, int src_device, size_t, const char* what) {
  check_device(dst_device == -1 ? src_device : dst_device, what);
}
void synchronize(int device, const char* what) { check_device(device, what); }
void* begin_read(const ByteRange*, size_t, int device, const char* what) {
  check_device(device, what);
  return nullptr;
}
void end_read(void*, bool, const char*) {}
void copy_ranges(const ByteRange*, size_t, int device, const char* what) { check_device(device, what); }
void begin_capture(int device, const char* what) { check_device(device, what); }
void* end_capture(int) { return nullptr; }
void launch_graph(void*, int device, const char* what) { check_device(device, what); }
void destroy_graph(void*) {}
const char* cublas_path() { return nullptr; }
std::string cublas_error() { return unavailable_reason(); }
std::string cublas_version() { return ""; }
void gemm_direct(const Tensor& c, const Tensor&, const Tensor&) { check_device(c.device(), "cudaGemm"); }
int64_t skinny_products() { return 0; }

}  // namespace cuda

void cuda_copy_into(const Tensor& dst, const Tensor&) { cuda::check_device(dst.device(), "copy"); }

}  // namespace rv
#endif
