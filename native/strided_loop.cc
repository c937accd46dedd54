#include "strided_loop.h"

namespace rv {

void check_broadcast(const Dims& from, const Dims& to, const char* what, const char* argument) {
  bool ok = from.n <= to.n;
  for (int i = 0; ok && i < from.n; i++) {
    int64_t f = from[from.n - 1 - i], t = to[to.n - 1 - i];
    ok = f == t || f == 1;
  }
  if (!ok) {
    throw Error(std::string(what) + ": " + argument + " of shape " + from.to_string() +
                " does not broadcast to shape " + to.to_string());
  }
}

StridedLoop::StridedLoop(const Dims& shape, const Tensor* const* operands, int count, const char* what) {
  nops_ = count;
  if (nops_ < 1 || nops_ > kMaxOperands) throw Error(std::string(what) + ": " + std::to_string(count) + " operands (1 to " + std::to_string(kMaxOperands) + " allowed)");
  numel_ = checked_numel(shape, what);
  int k = 0;
  int64_t full[kMaxOperands][kMaxRank];
  for (int op = 0; op < count; op++) {
    const Tensor* t = operands[op];
    if (!t->storage) throw Error(std::string(what) + ": tensor is disposed");
    if (k == 0) {
      bool same = t->shape.n == shape.n;
      for (int d = 0; same && d < shape.n; d++) same = t->shape[d] == shape[d];
      if (!same) {
        throw Error(std::string(what) + ": output shape " + t->shape.to_string() + " differs from " + shape.to_string());
      }
    }
    check_broadcast(t->shape, shape, what, k == 0 ? "output" : "input");
    int64_t size = int64_t(itemsize(t->dtype));
    int lead = shape.n - t->shape.n;
    for (int d = 0; d < shape.n; d++) {
      int td = d - lead;
      full[k][d] = (td < 0 || t->shape[td] == 1) ? 0 : t->strides[td] * size;
    }
    base_[k] = numel_ == 0 ? nullptr : t->data();
    k++;
  }
  // Drop size-1 dimensions, then merge each dimension into the previous kept one when
  // every operand steps through them as one.
  ndim_ = 0;
  for (int d = 0; d < shape.n; d++) {
    if (shape[d] == 1) continue;
    if (ndim_ > 0) {
      bool mergeable = true;
      for (int j = 0; j < nops_; j++) {
        if (strides_[j][ndim_ - 1] != full[j][d] * shape[d]) mergeable = false;
      }
      if (mergeable) {
        shape_[ndim_ - 1] *= shape[d];
        for (int j = 0; j < nops_; j++) strides_[j][ndim_ - 1] = full[j][d];
        continue;
      }
    }
    shape_[ndim_] = shape[d];
    for (int j = 0; j < nops_; j++) strides_[j][ndim_] = full[j][d];
    ndim_++;
  }
  if (ndim_ == 0) {
    ndim_ = 1;
    shape_[0] = 1;
    for (int j = 0; j < nops_; j++) strides_[j][0] = 0;
  }
}

}  // namespace rv
