// A tensor is a strided view (shape, strides, offset) over shared, reference-counted storage,
// so reshape, transpose, slice and broadcast are views without copies.
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include "allocator.h"
#include "device.h"
#include "dtype.h"
#include "error.h"

namespace rv {

constexpr int kMaxRank = 16;

// Fixed-capacity list of dimensions (or strides): no heap allocation per tensor.
struct Dims {
  int n = 0;
  int64_t v[kMaxRank] = {};

  Dims() = default;
  static Dims of_rank(int rank, const char* what);
  int64_t& operator[](int i) { return v[i]; }
  int64_t operator[](int i) const { return v[i]; }
  int size() const { return n; }
  void push_back(int64_t x, const char* what);
  std::string to_string() const;
};

struct Storage {
  Block block;
  explicit Storage(Block b) : block(b) {}
  ~Storage() { release(block); }
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;
};

struct Tensor {
  std::shared_ptr<Storage> storage;  // null once disposed
  DType dtype = DType::Float32;
  Dims shape;
  Dims strides;  // in elements; 0 for broadcast dimensions, negative for reversed ones
  int64_t offset = 0;  // in elements

  int rank() const { return shape.n; }
  int device() const { return storage->block.device; }
  bool on_cpu() const { return storage->block.device == kCpu; }
  int64_t numel() const;
  bool is_contiguous() const;
  char* data() const {
    return static_cast<char*>(storage->block.data) + offset * int64_t(itemsize(dtype));
  }
  template <typename T> T* ptr() const { return reinterpret_cast<T*>(data()); }
};

// Product of dimensions, throwing if it overflows or a dimension is negative.
int64_t checked_numel(const Dims& shape, const char* what);
Dims contiguous_strides(const Dims& shape);
// Whether two shapes (or stride lists) are equal: same rank, same entries.
bool same_dims(const Dims& a, const Dims& b);

// A new contiguous tensor with uninitialised contents, on the CPU or a GPU.
Tensor empty_tensor(DType dtype, const Dims& shape, const char* what, int device = kCpu);
// A view over t's storage.
Tensor make_view(const Tensor& t, const Dims& shape, const Dims& strides, int64_t offset);
// t itself if contiguous, otherwise a contiguous copy; errors name `what`.
Tensor contiguous(const Tensor& t, const char* what);
// Copies src into dst elementwise; src broadcasts to dst's shape; dtypes and devices must match.
void copy_into(const Tensor& dst, const Tensor& src);
// A contiguous copy of t on `device` (t itself when it is already contiguous there).
Tensor to_device(const Tensor& t, int device, const char* what);

// copy_into on a GPU (native/cuda/copy.cu; the stub throws).
void cuda_copy_into(const Tensor& dst, const Tensor& src);

}  // namespace rv
