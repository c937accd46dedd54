// Philox4x32-10 (Salmon, Moraes, Dror and Shaw, "Parallel random numbers: as easy as 1, 2, 3",
// SC 2011): a counter-based generator. A 64-bit key and a 128-bit counter map to 128 random
// bits through ten rounds of multiply-and-xor; there is no state to advance, so any element's
// bits can be computed directly from (key, counter) on any thread.
//
// How randvar lays out its counters (native/kernels/random.h):
//   words (c0, c1) = a 64-bit position (an element, or a block of elements),
//   c2             = the block number within that position's own stream,
//   c3             = a domain tag, so blocked draws, per-element streams and key derivation
//                    never share a counter.
//
// Every function here is RV_HD: the CPU kernels and the GPU kernels (native/cuda/random*.cu)
// compute the same words from one definition.
#pragma once
#include <cstdint>

#include "device.h"

namespace rv {
namespace philox {

// The multipliers and Weyl key increments of Philox4x32 (published constants).
constexpr uint32_t kM0 = 0xD2511F53u;
constexpr uint32_t kM1 = 0xCD9E8D57u;
constexpr uint32_t kW0 = 0x9E3779B9u;
constexpr uint32_t kW1 = 0xBB67AE85u;

struct Key {
  uint32_t k0 = 0, k1 = 0;
};

struct Block {
  uint32_t w[4];
};

// One round on (x0..x3) with round key (k0, k1).
RV_HD inline void round(uint32_t& x0, uint32_t& x1, uint32_t& x2, uint32_t& x3, uint32_t k0, uint32_t k1) {
  uint64_t p0 = uint64_t(kM0) * x0;
  uint64_t p1 = uint64_t(kM1) * x2;
  uint32_t y0 = uint32_t(p1 >> 32) ^ x1 ^ k0;
  uint32_t y2 = uint32_t(p0 >> 32) ^ x3 ^ k1;
  x0 = y0;
  x1 = uint32_t(p1);
  x2 = y2;
  x3 = uint32_t(p0);
}

// The ten rounds, the key bumped between them. Written on scalars so that loops calling it on
// independent counters vectorise (32x32->64 multiplies map to vpmuludq).
RV_HD inline void rounds10(uint32_t& x0, uint32_t& x1, uint32_t& x2, uint32_t& x3, uint32_t k0, uint32_t k1) {
  for (int r = 0; r < 10; r++) {
    round(x0, x1, x2, x3, k0, k1);
    k0 += kW0;
    k1 += kW1;
  }
}

RV_HD inline Block block(Key key, uint32_t c0, uint32_t c1, uint32_t c2, uint32_t c3) {
  rounds10(c0, c1, c2, c3, key.k0, key.k1);
  return Block{{c0, c1, c2, c3}};
}

// Domain tags (counter word c3).
constexpr uint32_t kTagBlocked = 0;          // fixed-size draws: uniform, normal, exponential...
constexpr uint32_t kTagElementStream = 1;    // 1 + s: sub-stream s of one element (rejection samplers)
constexpr uint32_t kTagFold = 0x464F4C44u;   // "FOLD": a call's key from (key, stream number)

// The key one call draws with: the user's key folded with the call's stream number (0 for an
// explicit seed; the global generator's draw count otherwise), so consecutive unseeded calls
// draw from unrelated keys.
RV_HD inline Key fold(Key key, uint64_t stream) {
  Block b = block(key, uint32_t(stream), uint32_t(stream >> 32), 0, kTagFold);
  return Key{b.w[0], b.w[1]};
}

}  // namespace philox
}  // namespace rv
