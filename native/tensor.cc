#include "tensor.h"

#include <cstring>

#include "strided_loop.h"

namespace rv {

Dims Dims::of_rank(int rank, const char* what) {
  if (rank < 0 || rank > kMaxRank) {
    throw Error(std::string(what) + ": rank " + std::to_string(rank) + " exceeds the maximum rank " +
                std::to_string(kMaxRank));
  }
  Dims d;
  d.n = rank;
  return d;
}

void Dims::push_back(int64_t x, const char* what) {
  if (n >= kMaxRank) {
    throw Error(std::string(what) + ": rank exceeds the maximum rank " + std::to_string(kMaxRank));
  }
  v[n++] = x;
}

std::string Dims::to_string() const {
  std::string s = "[";
  for (int i = 0; i < n; i++) {
    if (i) s += ", ";
    s += std::to_string(v[i]);
  }
  return s + "]";
}

int64_t checked_numel(const Dims& shape, const char* what) {
  int64_t total = 1;
  for (int i = 0; i < shape.n; i++) {
    int64_t d = shape[i];
    if (d < 0) throw Error(std::string(what) + ": negative dimension in shape " + shape.to_string());
    if (d != 0 && total > (int64_t(1) << 53) / d) {
      throw Error(std::string(what) + ": shape " + shape.to_string() + " has too many elements");
    }
    total *= d;
  }
  return total;
}

int64_t Tensor::numel() const {
  int64_t total = 1;
  for (int i = 0; i < shape.n; i++) total *= shape[i];
  return total;
}

bool same_dims(const Dims& a, const Dims& b) {
  if (a.n != b.n) return false;
  for (int d = 0; d < a.n; d++) {
    if (a[d] != b[d]) return false;
  }
  return true;
}

Dims contiguous_strides(const Dims& shape) {
  Dims s;
  s.n = shape.n;
  int64_t stride = 1;
  for (int i = shape.n - 1; i >= 0; i--) {
    s[i] = stride;
    stride *= shape[i] > 0 ? shape[i] : 1;
  }
  return s;
}

bool Tensor::is_contiguous() const {
  if (numel() == 0) return true;
  int64_t expected = 1;
  for (int i = shape.n - 1; i >= 0; i--) {
    if (shape[i] == 1) continue;
    if (strides[i] != expected) return false;
    expected *= shape[i];
  }
  return true;
}

Tensor empty_tensor(DType dtype, const Dims& shape, const char* what, int device) {
  int64_t n = checked_numel(shape, what);
  uint64_t bytes = uint64_t(n) * itemsize(dtype);
  if (bytes > kMaxAllocationBytes) {
    throw Error(std::string(what) + ": a " + dtype_name(dtype) + " tensor of shape " + shape.to_string() +
                " is too large to allocate (" + std::to_string(bytes) + " bytes)");
  }
  Tensor t;
  t.storage = std::make_shared<Storage>(allocate(size_t(bytes), what, device));
  t.dtype = dtype;
  t.shape = shape;
  t.strides = contiguous_strides(shape);
  t.offset = 0;
  return t;
}

Tensor make_view(const Tensor& t, const Dims& shape, const Dims& strides, int64_t offset) {
  Tensor v;
  v.storage = t.storage;
  v.dtype = t.dtype;
  v.shape = shape;
  v.strides = strides;
  v.offset = offset;
  return v;
}

namespace {
template <typename T>
void strided_copy(char** p, const int64_t* s, int64_t n) {
  char* out = p[0];
  const char* in = p[1];
  for (int64_t i = 0; i < n; i++) {
    *reinterpret_cast<T*>(out) = *reinterpret_cast<const T*>(in);
    out += s[0];
    in += s[1];
  }
}
}  // namespace

void copy_into(const Tensor& dst, const Tensor& src) {
  if (dst.device() != src.device()) {
    throw Error("copy: source on " + device_name(src.device()) + ", destination on " + device_name(dst.device()));
  }
  if (!dst.on_cpu() && !cuda::emulated()) {
    cuda_copy_into(dst, src);
    return;
  }
  size_t size = itemsize(dst.dtype);
  StridedLoop loop(dst.shape, {&dst, &src});
  loop.run([size](char** p, const int64_t* s, int64_t n) {
    if (s[0] == int64_t(size) && s[1] == int64_t(size)) {
      std::memcpy(p[0], p[1], size_t(n) * size);
      return;
    }
    switch (size) {
      case 1: strided_copy<uint8_t>(p, s, n); break;
      case 4: strided_copy<uint32_t>(p, s, n); break;
      default: strided_copy<uint64_t>(p, s, n); break;
    }
  });
}

Tensor contiguous(const Tensor& t, const char* what) {
  if (t.is_contiguous()) return t;
  Tensor out = empty_tensor(t.dtype, t.shape, what, t.device());
  copy_into(out, t);
  return out;
}

Tensor to_device(const Tensor& t, int device, const char* what) {
  if (t.device() == device) return contiguous(t, what);
  Tensor c = contiguous(t, what);
  Tensor out = empty_tensor(t.dtype, t.shape, what, device);
  size_t bytes = size_t(c.numel()) * itemsize(c.dtype);
  if (bytes) cuda::copy_bytes(out.data(), device, c.data(), c.device(), bytes, what);
  return out;
}

}  // namespace rv
