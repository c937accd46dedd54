// Value conversion between dtypes without undefined behaviour: float to int32 saturates
// (NaN becomes 0), anything to bool is `v != 0`. RV_HD: the GPU cast kernel calls it too.
#pragma once
#include <cstdint>
#include <limits>
#include <type_traits>

#include "device.h"

namespace rv {

template <typename To, typename From>
RV_HD inline To convert_value(From v) {
  if constexpr (std::is_same_v<To, uint8_t>) {
    return v != From(0);
  } else if constexpr (std::is_same_v<To, int32_t> && std::is_floating_point_v<From>) {
    if (!(v == v)) return 0;
    if (v >= From(2147483647.0)) return std::numeric_limits<int32_t>::max();
    if (v <= From(-2147483648.0)) return std::numeric_limits<int32_t>::min();
    return int32_t(v);
  } else {
    return To(v);
  }
}

}  // namespace rv
