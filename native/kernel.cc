#include "kernel.h"

#include <cmath>

namespace rv {

const Tensor& KernelCall::input(size_t i) const {
  if (i >= inputs.size()) throw fail("expected at least " + std::to_string(i + 1) + " inputs");
  return *inputs[i];
}

void KernelCall::expect_inputs(size_t n) const {
  if (inputs.size() != n) {
    throw fail("expected " + std::to_string(n) + " inputs, got " + std::to_string(inputs.size()));
  }
}

void KernelCall::expect_dtype(size_t i, DType d) const {
  if (input(i).dtype != d) {
    throw fail("input " + std::to_string(i) + " has dtype " + dtype_name(input(i).dtype) + ", expected " +
               dtype_name(d));
  }
}

void KernelCall::expect_output_like(const Tensor& x) const {
  bool same = out_shape.n == x.rank();
  for (int d = 0; same && d < x.rank(); d++) same = out_shape[d] == x.shape[d];
  if (!same) throw fail("output shape " + out_shape.to_string() + " differs from the input shape " + x.shape.to_string());
  if (out_dtype != x.dtype) throw fail("output dtype must equal the input dtype");
}

int KernelCall::axis_attr(size_t i, const Tensor& x) const {
  if (x.rank() == 0) throw fail("a scalar has no axis");
  return int(attr_int(i, 0, x.rank() - 1));
}

AxisView axis_view(const Tensor& x, int axis, const char* what) {
  AxisView v{contiguous(x, what), 1, x.shape[axis], 1};
  for (int d = 0; d < axis; d++) v.outer *= x.shape[d];
  for (int d = axis + 1; d < x.rank(); d++) v.inner *= x.shape[d];
  return v;
}

double KernelCall::attr(size_t i) const {
  if (i >= attrs.size()) throw fail("missing attribute " + std::to_string(i));
  return attrs[i];
}

int64_t KernelCall::attr_int(size_t i, int64_t lo, int64_t hi) const {
  double v = attr(i);
  if (!(v >= double(lo) && v <= double(hi)) || std::floor(v) != v) {
    throw fail("attribute " + std::to_string(i) + " = " + std::to_string(v) + " is not an integer in [" +
               std::to_string(lo) + ", " + std::to_string(hi) + "]");
  }
  return int64_t(v);
}

static std::vector<KernelEntry>& registry() {
  static std::vector<KernelEntry>* r = new std::vector<KernelEntry>();
  return *r;
}

void register_kernel(const char* name, Kernel fn) { registry().push_back({name, fn}); }
const std::vector<KernelEntry>& kernels() { return registry(); }

static std::vector<KernelEntry>& cuda_registry() {
  static std::vector<KernelEntry>* r = new std::vector<KernelEntry>();
  return *r;
}

size_t kernel_index(const char* name) {
  const auto& list = kernels();
  for (size_t i = 0; i < list.size(); i++) {
    if (list[i].name == name) return i;
  }
  return list.size();
}

void register_cuda_kernel(const char* name, Kernel fn) { cuda_registry().push_back({name, fn}); }

Kernel cuda_kernel(size_t id) {
  // Both registries are complete once the addon has loaded: index them by id on first use.
  static std::vector<Kernel> by_id = [] {
    std::vector<Kernel> out(registry().size(), nullptr);
    for (const KernelEntry& e : cuda_registry()) {
      for (size_t i = 0; i < registry().size(); i++) {
        if (registry()[i].name == e.name) out[i] = e.fn;
      }
    }
    return out;
  }();
  return id < by_id.size() ? by_id[id] : nullptr;
}

}  // namespace rv
