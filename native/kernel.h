// The kernel interface: every op the TypeScript op table declares names one native kernel,
// registered here by name. A kernel gets its inputs, the output shape and dtype the op's
// shape rule computed, and numeric attributes; it checks whatever memory safety depends on
// (the TypeScript layer gives the friendly errors) and returns the result tensor.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "tensor.h"

namespace rv {

struct KernelCall {
  const char* name = "";
  std::vector<const Tensor*> inputs;
  Dims out_shape;
  DType out_dtype = DType::Float32;
  std::vector<double> attrs;
  int device = kCpu;  // where the inputs are and the output goes

  const Tensor& input(size_t i) const;
  size_t num_inputs() const { return inputs.size(); }
  // Throws unless there are exactly n inputs.
  void expect_inputs(size_t n) const;
  // Throws unless input i has dtype d.
  void expect_dtype(size_t i, DType d) const;
  // Throws unless out_shape and out_dtype are x's (ops that keep their input's shape).
  void expect_output_like(const Tensor& x) const;
  // The `axis` attribute at index i, checked against x's rank (x must have rank >= 1).
  int axis_attr(size_t i, const Tensor& x) const;
  double attr(size_t i) const;
  // An attribute that must be an integer in [lo, hi].
  int64_t attr_int(size_t i, int64_t lo, int64_t hi) const;
  Error fail(const std::string& message) const { return Error(std::string(name) + ": " + message); }
  // A fresh contiguous output of out_shape and out_dtype, on the call's device.
  Tensor make_output() const { return empty_tensor(out_dtype, out_shape, name, device); }
};

// x made contiguous and seen as [outer, length, inner] around one axis: the layout of every
// kernel that works along an axis (scans, arg-reductions, softmax).
struct AxisView {
  Tensor x;
  int64_t outer, length, inner;
};
AxisView axis_view(const Tensor& x, int axis, const char* what);

using Kernel = Tensor (*)(const KernelCall&);

struct KernelEntry {
  std::string name;
  Kernel fn;
};

void register_kernel(const char* name, Kernel fn);
const std::vector<KernelEntry>& kernels();
// The index in kernels() of the kernel named `name`, or kernels().size() when there is none.
size_t kernel_index(const char* name);

// Registers a kernel at load time: `static KernelRegistrar r("exp", exp_kernel);`.
struct KernelRegistrar {
  KernelRegistrar(const char* name, Kernel fn) { register_kernel(name, fn); }
};

// The GPU kernel of the same name (native/cuda/), registered the same way; a kernel without one
// runs on the CPU with its inputs and output copied (the binding does that, and counts it).
void register_cuda_kernel(const char* name, Kernel fn);
// The GPU kernel of kernels()[id], or null.
Kernel cuda_kernel(size_t id);
struct CudaKernelRegistrar {
  CudaKernelRegistrar(const char* name, Kernel fn) { register_cuda_kernel(name, fn); }
};

}  // namespace rv
