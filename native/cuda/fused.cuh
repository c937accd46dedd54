// A fused elementwise program on the GPU (kernels/fused_ops.h): for the fused kernel (fused.cu)
// and as the source of a reduction (fusedSum).
//
// The program is interpreted, so the costs are the dispatch on each instruction's opcode and
// the values it reads and writes. Both are cut down here:
//   - a thread runs each instruction on E elements at once (Lanes<T, E>, 16 bytes): one
//     dispatch per E elements, and E independent evaluations of the op's functor in flight;
//   - compile() turns the program into one 32-bit word per instruction, with its operands
//     and result in value slots given out by liveness: an operand that is the previous
//     instruction's result stays in registers, and a result gets a slot (and is stored) only
//     when an instruction after the next reads it; slots are reused once their value is dead.
//     The fused kernel keeps a thread's slots in shared memory (sized by the slots the program
//     needs), so they never leave the SM.
// Each element of each instruction is still the op's own functor on the same values in the same
// precision, as the CPU's fused kernel computes it: the bits of the unfused kernels.
#pragma once
#include <cstdint>
#include <string>

#include "../kernels/fused_ops.h"
#include "common.cuh"

#ifdef __CUDACC__
#define RV_FUSED_INLINE __forceinline__
#else
#define RV_FUSED_INLINE inline
#endif

namespace rv {
namespace cuda {

// ---- The program as the GPU runs it.

// An instruction word: the opcode, then operand a, operand b (binary ops only) and the result,
// each a slot number with a flag (a, b: the previous instruction's result, in registers; the
// result: stored in its slot).
namespace word {
constexpr uint32_t kOp = 0xffu;
constexpr int kAShift = 8, kBShift = 16, kOutShift = 24;
constexpr uint32_t kSlot = 31u;  // slot numbers below kMaxRegisters (32)
constexpr uint32_t kAPrevious = 1u << 13;
constexpr uint32_t kBPrevious = 1u << 21;
constexpr uint32_t kBinary = 1u << 22;
constexpr uint32_t kStore = 1u << 29;
}  // namespace word
static_assert(fused::kMaxRegisters <= 32 && fused::kNumOpcodes <= 256, "slots and opcodes fit their fields");

constexpr uint8_t kNoSlot = 0xff;

struct Code {
  int inputs = 0;        // as the program's
  int instructions = 0;  // as the program's
  int slots = 0;         // value slots a thread needs
  uint8_t input_slot[fused::kMaxInputs];   // where input k goes, or kNoSlot when no slot reads it
  uint32_t word[fused::kMaxInstructions + 1];  // one past the last is 0 (read ahead, never run)
};

// The program's code: operands of the previous result forwarded, slots by liveness.
inline Code compile(const fused::Program& p) {
  Code c;
  c.inputs = p.inputs;
  c.instructions = p.instructions;
  const int values = p.inputs + p.instructions;
  // The last instruction reading each value from its slot (-1: none does).
  int last_read[fused::kMaxRegisters];
  for (int v = 0; v < values; v++) last_read[v] = -1;
  auto forwarded = [&](int j, int v) { return j > 0 && v == p.inputs + j - 1; };
  for (int j = 0; j < p.instructions; j++) {
    // graph_fusion.cc gives a GPU no CPU-only opcode; a hand-made program is refused here.
    if (fused::cpu_only(p.op[j])) throw Error("fused: opcode " + std::to_string(int(p.op[j])) + " runs on the CPU only");
    if (!forwarded(j, p.a[j])) last_read[p.a[j]] = j;
    if (fused::is_binary(p.op[j]) && !forwarded(j, p.b[j])) last_read[p.b[j]] = j;
  }
  uint32_t free_slots = ~0u;
  int slot_of[fused::kMaxRegisters];
  auto take = [&]() {
    int s = 0;
    while (!(free_slots >> s & 1u)) s++;
    free_slots &= ~(1u << s);
    if (s + 1 > c.slots) c.slots = s + 1;
    return s;
  };
  for (int k = 0; k < fused::kMaxInputs; k++) {
    c.input_slot[k] = kNoSlot;
    if (k < p.inputs && last_read[k] >= 0) c.input_slot[k] = uint8_t(slot_of[k] = take());
  }
  for (int j = 0; j <= fused::kMaxInstructions; j++) c.word[j] = 0;
  for (int j = 0; j < p.instructions; j++) {
    const bool binary = fused::is_binary(p.op[j]);
    uint32_t w = p.op[j];
    if (binary) w |= word::kBinary;
    w |= forwarded(j, p.a[j]) ? word::kAPrevious : uint32_t(slot_of[p.a[j]]) << word::kAShift;
    if (binary) w |= forwarded(j, p.b[j]) ? word::kBPrevious : uint32_t(slot_of[p.b[j]]) << word::kBShift;
    // Operands read for the last time free their slots, which the result may take: a thread
    // loads its operands before it stores the result.
    if (last_read[p.a[j]] == j) free_slots |= 1u << slot_of[p.a[j]];
    if (binary && last_read[p.b[j]] == j) free_slots |= 1u << slot_of[p.b[j]];
    const int r = p.inputs + j;
    if (last_read[r] >= 0) {
      slot_of[r] = take();
      w |= word::kStore | uint32_t(slot_of[r]) << word::kOutShift;
    }
    c.word[j] = w;
  }
  return c;
}

// ---- Running it on E elements.

template <typename Op, typename T, int E> RV_HD RV_FUSED_INLINE Lanes<T, E> unary_lanes(const Lanes<T, E>& x) {
  Lanes<T, E> o;
#pragma unroll
  for (int e = 0; e < E; e++) o.v[e] = Op{}(x.v[e]);
  return o;
}

template <typename Op, typename T, int E>
RV_HD RV_FUSED_INLINE Lanes<T, E> binary_lanes(const Lanes<T, E>& x, const Lanes<T, E>& y) {
  Lanes<T, E> o;
#pragma unroll
  for (int e = 0; e < E; e++) o.v[e] = Op{}(x.v[e], y.v[e]);
  return o;
}

// fused::apply on each of E elements: one dispatch, then the functor E times.
template <typename T, int E> RV_HD RV_FUSED_INLINE Lanes<T, E> apply_lanes(int opcode, const Lanes<T, E>& x, const Lanes<T, E>& y) {
  using namespace ops;
  switch (opcode) {
#define RV_FUSED_UNARY_CASE(NAME, OP) \
  case fused::op_##NAME: return unary_lanes<OP, T, E>(x);
    RV_FUSED_UNARY_OPS(RV_FUSED_UNARY_CASE)
#undef RV_FUSED_UNARY_CASE
#define RV_FUSED_BINARY_CASE(NAME, OP) \
  case fused::op_##NAME: return binary_lanes<OP, T, E>(x, y);
    RV_FUSED_BINARY_OPS(RV_FUSED_BINARY_CASE)
#undef RV_FUSED_BINARY_CASE
    default: return x;  // parse() admits no other opcode
  }
}

// A thread's value slots: slot k at base[k * stride] (the fused kernel: shared memory, one
// thread's slots a block's width apart, so a warp's accesses are contiguous).
template <typename T, int E> struct StridedSlots {
  Lanes<T, E>* base;
  int stride;
  RV_HD RV_FUSED_INLINE Lanes<T, E> load(int k) const { return base[k * stride]; }
  RV_HD RV_FUSED_INLINE void store(int k, const Lanes<T, E>& v) const { base[k * stride] = v; }
};

// Slots in the thread's own (local) memory: the reduction source, which has no shared memory.
template <typename T, int E> struct LocalSlots {
  Lanes<T, E> r[fused::kMaxRegisters];
  RV_HD RV_FUSED_INLINE Lanes<T, E> load(int k) const { return r[k]; }
  RV_HD RV_FUSED_INLINE void store(int k, const Lanes<T, E>& v) { r[k] = v; }
};

// The program's values at E elements whose inputs are in their slots (c.input_slot).
template <typename T, int E, class Slots> RV_HD RV_FUSED_INLINE Lanes<T, E> run_code(const Code& c, Slots& s) {
  Lanes<T, E> last{};
  uint32_t w = c.word[0];
  for (int j = 0; j < c.instructions; j++) {
    const uint32_t next = c.word[j + 1];  // the next word's load overlaps this instruction
    const Lanes<T, E> x = (w & word::kAPrevious) ? last : s.load(int(w >> word::kAShift & word::kSlot));
    Lanes<T, E> y = x;
    if (w & word::kBinary) y = (w & word::kBPrevious) ? last : s.load(int(w >> word::kBShift & word::kSlot));
    last = apply_lanes<T, E>(int(w & word::kOp), x, y);
    if (w & word::kStore) s.store(int(w >> word::kOutShift & word::kSlot), last);
    w = next;
  }
  return last;
}

// ---- Inputs.

// Inputs each contiguous with the output's shape, or one element (bit k of the scalar mask).
template <typename T> struct FlatInputs {
  const T* in[fused::kMaxInputs];
  unsigned scalar_mask;
};

// The flat inputs of c for an output of `shape`, or false when some input is neither.
template <typename T> bool flat_inputs(const KernelCall& c, const fused::Program& p, const Dims& shape, FlatInputs<T>& in) {
  Tensor like;  // same_contiguous and single_element read the shape only
  like.shape = shape;
  in = FlatInputs<T>{};
  for (int k = 0; k < p.inputs; k++) {
    const Tensor& x = c.input(size_t(k));
    check_not_disposed(x, c.name);
    in.in[k] = x.ptr<T>();
    if (single_element(like, x) && !same_contiguous(like, x)) in.scalar_mask |= 1u << k;
    else if (!same_contiguous(like, x)) return false;
  }
  return true;
}

// The program's value at element i of flat inputs, one element at a time in the thread's own
// memory: for the reduction kernels, whose sources give one position a call (cuda/reduce.cuh).
template <typename T> RV_HD RV_FUSED_INLINE T value_at(const FlatInputs<T>& in, const Code& c, int64_t i) {
  LocalSlots<T, 1> s;
#pragma unroll
  for (int k = 0; k < fused::kMaxInputs; k++) {
    if (k < c.inputs && c.input_slot[k] != kNoSlot) s.r[c.input_slot[k]].v[0] = in.in[k][((in.scalar_mask >> k) & 1u) ? 0 : i];
  }
  return run_code<T, 1>(c, s).v[0];
}

// ---- The fused kernel's flat path: out contiguous, every input contiguous with its shape or
// one element. Elements [head, head + groups E) go E at a time, as 16-byte vectors when
// `aligned` (every streamed pointer is then at a vector boundary at `head`); the `head` elements
// before them and the few after them are two more groups.

template <typename T> constexpr int kLanes = int(16 / sizeof(T));  // E: elements a thread runs at once

template <typename T> struct FlatArgs {
  FlatInputs<T> in;
  bool aligned;
  T* out;
  int64_t n, head, groups;
  Code code;
};

template <typename T> FlatArgs<T> flat_args(const FlatInputs<T>& in, T* out, int64_t n, const Code& code) {
  constexpr int E = kLanes<T>;
  FlatArgs<T> a;
  a.in = in;
  a.out = out;
  a.n = n;
  a.code = code;
  // Vectors need every streamed operand at the same distance from a vector boundary.
  int64_t head = elements_to_boundary<T>(out, E);
  bool aligned = head >= 0;
  for (int k = 0; k < code.inputs; k++) {
    if (!((in.scalar_mask >> k) & 1u)) aligned = aligned && elements_to_boundary<T>(in.in[k], E) == head;
  }
  if (head > n) aligned = false;  // too short to reach a boundary
  if (!aligned) head = 0;
  a.aligned = aligned;
  a.head = head;
  a.groups = (n - head) / E;
  return a;
}

// Group g (< groups + 2) of a flat launch, with the thread's slots s.
template <typename T, class Slots> RV_HD RV_FUSED_INLINE void flat_group(const FlatArgs<T>& a, Slots& s, int64_t g) {
  constexpr int E = kLanes<T>;
  int64_t start = a.head + g * E;
  int count = E;
  if (g >= a.groups) {  // the elements before the first vector, then those after the last
    const int64_t tail = a.head + a.groups * E;
    start = g == a.groups ? 0 : tail;
    count = int(g == a.groups ? a.head : a.n - tail);
    if (count == 0) return;
  }
  const bool vector = a.aligned && count == E;
  // Every load is issued before the slots are written.
  Lanes<T, E> x[fused::kMaxInputs];
#pragma unroll
  for (int k = 0; k < fused::kMaxInputs; k++) {
    if (k < a.code.inputs && a.code.input_slot[k] != kNoSlot) {
      x[k] = load_lanes<T, E>(a.in.in[k], start, (a.in.scalar_mask >> k) & 1u, vector, count);
    }
  }
#pragma unroll
  for (int k = 0; k < fused::kMaxInputs; k++) {
    if (k < a.code.inputs && a.code.input_slot[k] != kNoSlot) s.store(a.code.input_slot[k], x[k]);
  }
  const Lanes<T, E> o = run_code<T, E>(a.code, s);
  if (vector) {
    *reinterpret_cast<Lanes<T, E>*>(a.out + start) = o;
  } else {
#pragma unroll
    for (int e = 0; e < E; e++) {
      if (e < count) a.out[start + e] = o.v[e];
    }
  }
}

}  // namespace cuda
}  // namespace rv
