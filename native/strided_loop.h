// The one loop every elementwise kernel runs on: an output and inputs that broadcast to its
// shape, each with its own strides. Dimensions of size 1 are dropped and adjacent dimensions
// merged where every operand allows, so most calls reduce to one contiguous row.
#pragma once
#include <cstdint>
#include <initializer_list>
#include <string>

#include "tensor.h"
#include "thread_pool.h"

namespace rv {

// An output and up to eight inputs (a fused elementwise program's, kernels/fused_ops.h).
constexpr int kMaxOperands = 9;
// Elements per parallel chunk below which a kernel is not worth splitting.
constexpr int64_t kElementwiseGrain = 32768;

class StridedLoop {
 public:
  // operands[0] is written; its shape must equal `shape`; the others broadcast to it.
  StridedLoop(const Dims& shape, std::initializer_list<const Tensor*> operands, const char* what = "elementwise")
      : StridedLoop(shape, operands.begin(), int(operands.size()), what) {}
  // operands[0..count-1], as above.
  StridedLoop(const Dims& shape, const Tensor* const* operands, int count, const char* what);

  int64_t numel() const { return numel_; }
  // The merged layout (the GPU kernels index with it): dimensions, byte strides, base pointers.
  int ndim() const { return ndim_; }
  int64_t dim(int d) const { return shape_[d]; }
  int64_t stride(int operand, int d) const { return strides_[operand][d]; }
  char* base(int operand) const { return base_[operand]; }

  // Calls row(ptrs, strides, n): n elements, operand k at ptrs[k] with byte stride strides[k].
  template <typename Row>
  void run(Row&& row, int64_t grain = kElementwiseGrain) const {
    if (numel_ == 0) return;
    parallel_for(numel_, grain, [&](int64_t begin, int64_t end) { run_range(row, begin, end); });
  }

  template <typename Row>
  void run_range(Row& row, int64_t begin, int64_t end) const {
    int64_t index[kMaxRank];
    char* ptrs[kMaxOperands];
    int64_t rem = begin;
    for (int d = ndim_ - 1; d >= 0; d--) {
      index[d] = rem % shape_[d];
      rem /= shape_[d];
    }
    for (int k = 0; k < nops_; k++) {
      ptrs[k] = base_[k];
      for (int d = 0; d < ndim_; d++) ptrs[k] += index[d] * strides_[k][d];
    }
    const int last = ndim_ - 1;
    int64_t inner[kMaxOperands];
    for (int k = 0; k < nops_; k++) inner[k] = strides_[k][last];
    int64_t pos = begin;
    while (pos < end) {
      int64_t n = shape_[last] - index[last];
      if (n > end - pos) n = end - pos;
      row(ptrs, inner, n);
      pos += n;
      if (pos >= end) break;
      // The row ended: step to the next one, carrying into outer dimensions.
      for (int k = 0; k < nops_; k++) ptrs[k] += n * inner[k];
      index[last] += n;
      for (int d = last; d > 0 && index[d] == shape_[d]; d--) {
        index[d] = 0;
        index[d - 1]++;
        for (int k = 0; k < nops_; k++) ptrs[k] += strides_[k][d - 1] - shape_[d] * strides_[k][d];
      }
    }
  }

 private:
  int ndim_ = 0;
  int nops_ = 0;
  int64_t numel_ = 0;
  int64_t shape_[kMaxRank];
  int64_t strides_[kMaxOperands][kMaxRank];  // bytes
  char* base_[kMaxOperands];
};

// Throws unless `from` broadcasts to `to` (NumPy rules).
void check_broadcast(const Dims& from, const Dims& to, const char* what, const char* argument);

}  // namespace rv
