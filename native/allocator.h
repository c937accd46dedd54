// Caching allocator for tensor storage: freed blocks are kept in size classes and
// reused, so steady-state tensor code never reaches malloc/free.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace rv {

constexpr size_t kAlignment = 64;
// Largest single allocation we attempt; beyond it, a clear error instead of an OOM kill.
constexpr uint64_t kMaxAllocationBytes = uint64_t(1) << 40;

struct Block {
  void* data;
  size_t capacity;  // size class actually reserved
  int device;       // kCpu (-1) or a CUDA ordinal (device.h)
};

// Throws rv::Error naming `what` if the request is too large or the device is out of memory.
// Each device has its own cache; CUDA blocks come from cudaMalloc only on a cache miss.
Block allocate(size_t bytes, const char* what, int device = -1);
void release(Block block);

// While one lives on this thread, blocks of `device` released here are kept in `held` (still
// counted live) instead of going back to the cache: a CUDA graph captured meanwhile keeps writing
// the memory its kernels used, so none of it may be handed out again while the graph lives.
class HoldReleases {
 public:
  HoldReleases(int device, std::vector<Block>* held);
  ~HoldReleases();
  HoldReleases(const HoldReleases&) = delete;
  HoldReleases& operator=(const HoldReleases&) = delete;

 private:
  int previous_device_;
  std::vector<Block>* previous_;
};

struct AllocatorStats {
  int64_t live_bytes;    // held by live storages
  int64_t cached_bytes;  // kept for reuse
  int64_t hits;
  int64_t misses;
};
// One device's blocks; live_bytes of kAllDevices is the total over every device.
constexpr int kAllDevices = -2;
AllocatorStats allocator_stats(int device = -1);
// Returns every cached block (of every device) to the system.
void empty_cache();

// Bytes of live storage (every device) not yet reported to V8; the binding reports them in batches,
// with hysteresis (allocator.cc): 0 until the change is at least `threshold` and large in proportion.
int64_t take_unreported_bytes(int64_t threshold);

}  // namespace rv
