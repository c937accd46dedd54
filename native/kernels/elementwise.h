// Elementwise maps over the strided loop. Each has a contiguous fast path the compiler
// vectorises (and scalar-broadcast paths for binary ops); every other layout takes the
// strided path, so kernels are correct on any view and any broadcast.
#pragma once
#include <cstdint>

#include "../strided_loop.h"

namespace rv {

// Marks a contiguous-row function to be compiled for several instruction sets and picked at
// load time (the library itself targets the baseline ISA so prebuilt binaries run anywhere).
#if defined(__x86_64__) && defined(__linux__) && defined(__has_attribute)
#if __has_attribute(target_clones)
#define RV_MULTIVERSION __attribute__((target_clones("avx512f", "avx2", "default")))
#endif
#endif
#ifndef RV_MULTIVERSION
#define RV_MULTIVERSION
#endif

// `contiguous`, when given, replaces the generic loop on contiguous rows (a multiversioned,
// vectorised routine). `grain` is the smallest parallel chunk: costly functions (special
// functions) pass a smaller one.
template <typename Out, typename In, typename F>
void map1(const Tensor& out, const Tensor& in, F f, void (*contiguous)(Out*, const In*, int64_t) = nullptr,
          int64_t grain = kElementwiseGrain) {
  StridedLoop loop(out.shape, {&out, &in});
  loop.run([&f, contiguous](char** p, const int64_t* s, int64_t n) {
    if (s[0] == sizeof(Out) && s[1] == sizeof(In)) {
      Out* __restrict o = reinterpret_cast<Out*>(p[0]);
      const In* __restrict a = reinterpret_cast<const In*>(p[1]);
      if (contiguous) {
        contiguous(o, a, n);
        return;
      }
      for (int64_t i = 0; i < n; i++) o[i] = f(a[i]);
      return;
    }
    char* o = p[0];
    const char* a = p[1];
    for (int64_t i = 0; i < n; i++, o += s[0], a += s[1]) {
      *reinterpret_cast<Out*>(o) = f(*reinterpret_cast<const In*>(a));
    }
  }, grain);
}

template <typename Out, typename A, typename B, typename F>
void map2(const Tensor& out, const Tensor& a, const Tensor& b, F f, int64_t grain = kElementwiseGrain) {
  StridedLoop loop(out.shape, {&out, &a, &b});
  loop.run([&f](char** p, const int64_t* s, int64_t n) {
    Out* __restrict o = reinterpret_cast<Out*>(p[0]);
    const A* __restrict x = reinterpret_cast<const A*>(p[1]);
    const B* __restrict y = reinterpret_cast<const B*>(p[2]);
    if (s[0] == sizeof(Out)) {
      if (s[1] == sizeof(A) && s[2] == sizeof(B)) {
        for (int64_t i = 0; i < n; i++) o[i] = f(x[i], y[i]);
        return;
      }
      if (s[1] == sizeof(A) && s[2] == 0) {
        const B yv = *y;
        for (int64_t i = 0; i < n; i++) o[i] = f(x[i], yv);
        return;
      }
      if (s[1] == 0 && s[2] == sizeof(B)) {
        const A xv = *x;
        for (int64_t i = 0; i < n; i++) o[i] = f(xv, y[i]);
        return;
      }
    }
    char* po = p[0];
    const char* pa = p[1];
    const char* pb = p[2];
    for (int64_t i = 0; i < n; i++, po += s[0], pa += s[1], pb += s[2]) {
      *reinterpret_cast<Out*>(po) = f(*reinterpret_cast<const A*>(pa), *reinterpret_cast<const B*>(pb));
    }
  }, grain);
}

template <typename Out, typename A, typename B, typename C, typename F>
void map3(const Tensor& out, const Tensor& a, const Tensor& b, const Tensor& c, F f, int64_t grain = kElementwiseGrain) {
  StridedLoop loop(out.shape, {&out, &a, &b, &c});
  loop.run([&f](char** p, const int64_t* s, int64_t n) {
    if (s[0] == sizeof(Out) && s[1] == sizeof(A) && s[2] == sizeof(B) && s[3] == sizeof(C)) {
      Out* __restrict o = reinterpret_cast<Out*>(p[0]);
      const A* __restrict x = reinterpret_cast<const A*>(p[1]);
      const B* __restrict y = reinterpret_cast<const B*>(p[2]);
      const C* __restrict z = reinterpret_cast<const C*>(p[3]);
      for (int64_t i = 0; i < n; i++) o[i] = f(x[i], y[i], z[i]);
      return;
    }
    char* po = p[0];
    const char* pa = p[1];
    const char* pb = p[2];
    const char* pc = p[3];
    for (int64_t i = 0; i < n; i++, po += s[0], pa += s[1], pb += s[2], pc += s[3]) {
      *reinterpret_cast<Out*>(po) = f(*reinterpret_cast<const A*>(pa), *reinterpret_cast<const B*>(pb),
                                      *reinterpret_cast<const C*>(pc));
    }
  }, grain);
}

// One operand's elements [0, len) of a row that starts at `base` with byte stride `stride`, as a
// contiguous array: the row itself when unit-stride, else `buffer` filled with them (a broadcast
// value, stride 0, only when `refill`: the chunked kernels that stage a row in pieces fill it
// once, at the row's first piece).
template <typename T>
const T* stage_operand(const char* base, int64_t stride, int64_t len, T* buffer, bool refill) {
  if (stride == int64_t(sizeof(T))) return reinterpret_cast<const T*>(base);
  if (stride == 0) {
    if (refill) {
      const T v = *reinterpret_cast<const T*>(base);
      for (int64_t i = 0; i < len; i++) buffer[i] = v;
    }
    return buffer;
  }
  for (int64_t i = 0; i < len; i++) buffer[i] = *reinterpret_cast<const T*>(base + i * stride);
  return buffer;
}

}  // namespace rv
