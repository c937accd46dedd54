// Integer division rounded up, and rounding up to a multiple: counts of blocks, padded sizes.
// On the CPU and in GPU code alike.
#pragma once
#include <cstdint>

#include "device.h"

namespace rv {

RV_HD inline int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// a rounded up to a multiple of m (m > 0, a >= 0).
RV_HD inline int64_t round_up(int64_t a, int64_t m) { return ceil_div(a, m) * m; }

}  // namespace rv
