// Caching allocator for tensor storage: freed blocks are kept in size classes and
// reused, so steady-state tensor code never reaches malloc/free.
#pragma once
#include <cstddef>
#include <cstdint>

namespace rv {

constexpr size_t kAlignment = 64;
// Largest single allocation we attempt; beyond it, a clear error instead of an OOM kill.
constexpr uint64_t kMaxAllocationBytes = uint64_t(1) << 40;

struct Block {
  void* data;
  size_t capacity;  // size class actually reserved
};

// Throws rv::Error naming `what` if the request is too large or the system is out of memory.
Block allocate(size_t bytes, const char* what);
void release(Block block);

struct AllocatorStats {
  int64_t live_bytes;    // held by live storages
  int64_t cached_bytes;  // kept for reuse
  int64_t hits;
  int64_t misses;
};
AllocatorStats allocator_stats();
// Returns every cached block to the system.
void empty_cache();

// Bytes of live storage not yet reported to V8; the binding reports them in batches.
int64_t take_unreported_bytes(int64_t threshold);

}  // namespace rv
