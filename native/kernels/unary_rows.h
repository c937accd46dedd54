// The vectorised contiguous rows of the unary float32 kernels (unary.cc), for the kernels that
// must give the same bits (the fused elementwise kernel, fused.cc): compiled per instruction set,
// they can round differently from the same functor compiled for the baseline.
#pragma once
#include <cstdint>
#include <type_traits>

#include "unary_ops.h"

namespace rv {

void exp_f32_rows(float* __restrict o, const float* __restrict a, int64_t n);
void log1p_f32_rows(float* __restrict o, const float* __restrict a, int64_t n);
void softplus_f32_rows(float* __restrict o, const float* __restrict a, int64_t n);
void log_sigmoid_f32_rows(float* __restrict o, const float* __restrict a, int64_t n);
void sigmoid_f32_rows(float* __restrict o, const float* __restrict a, int64_t n);

// The vectorised contiguous routine of (Op, T), or null where the generic loop serves.
template <typename Op, typename T> constexpr void (*contiguous_rows())(T*, const T*, int64_t) {
  using namespace ops;
  if constexpr (!std::is_same_v<T, float>) return nullptr;
  else if constexpr (std::is_same_v<Op, Exp>) return exp_f32_rows;
  else if constexpr (std::is_same_v<Op, Log1p>) return log1p_f32_rows;
  else if constexpr (std::is_same_v<Op, Softplus>) return softplus_f32_rows;
  else if constexpr (std::is_same_v<Op, LogSigmoid>) return log_sigmoid_f32_rows;
  else if constexpr (std::is_same_v<Op, Sigmoid>) return sigmoid_f32_rows;
  else return nullptr;
}

}  // namespace rv
