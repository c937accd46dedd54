// Element types and compile-time dispatch over them.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

#include "error.h"

namespace rv {

// The codes are part of the binding: lib/tensor/dtype.ts uses the same numbers.
enum class DType : int32_t { Float32 = 0, Float64 = 1, Int32 = 2, Bool = 3 };
constexpr int kNumDTypes = 4;

inline size_t itemsize(DType d) {
  switch (d) {
    case DType::Float32: return 4;
    case DType::Float64: return 8;
    case DType::Int32: return 4;
    case DType::Bool: return 1;
  }
  return 1;
}

inline const char* dtype_name(DType d) {
  switch (d) {
    case DType::Float32: return "float32";
    case DType::Float64: return "float64";
    case DType::Int32: return "int32";
    case DType::Bool: return "bool";
  }
  return "unknown";
}

inline bool is_float(DType d) { return d == DType::Float32 || d == DType::Float64; }

inline DType dtype_from_code(int64_t code) {
  if (code < 0 || code >= kNumDTypes) throw Error("unknown dtype code " + std::to_string(code));
  return static_cast<DType>(code);
}

template <typename T> struct Tag { using type = T; };

// Calls fn(Tag<T>{}) with T an unsigned type of the dtype's size: for kernels that move bytes.
template <typename Fn>
void dispatch_bytes(DType d, Fn&& fn) {
  switch (itemsize(d)) {
    case 1: fn(Tag<uint8_t>{}); break;
    case 4: fn(Tag<uint32_t>{}); break;
    default: fn(Tag<uint64_t>{}); break;
  }
}

// Calls fn(Tag<T>{}) with T the C++ type of d. Bool is stored as uint8_t.
template <typename Fn>
decltype(auto) dispatch_all(DType d, Fn&& fn) {
  switch (d) {
    case DType::Float32: return fn(Tag<float>{});
    case DType::Float64: return fn(Tag<double>{});
    case DType::Int32: return fn(Tag<int32_t>{});
    case DType::Bool: return fn(Tag<uint8_t>{});
  }
  throw Error("unknown dtype");
}

// Numeric types only (no bool).
template <typename Fn>
decltype(auto) dispatch_numeric(DType d, const char* op, Fn&& fn) {
  switch (d) {
    case DType::Float32: return fn(Tag<float>{});
    case DType::Float64: return fn(Tag<double>{});
    case DType::Int32: return fn(Tag<int32_t>{});
    default: throw Error(std::string(op) + ": dtype " + dtype_name(d) + " is not supported");
  }
}

template <typename Fn>
decltype(auto) dispatch_float(DType d, const char* op, Fn&& fn) {
  switch (d) {
    case DType::Float32: return fn(Tag<float>{});
    case DType::Float64: return fn(Tag<double>{});
    default: throw Error(std::string(op) + ": dtype " + dtype_name(d) + " is not supported (float32 or float64 expected)");
  }
}

}  // namespace rv
