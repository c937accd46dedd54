#include "allocator.h"

#include <atomic>
#include <cstdlib>
#include <cstring>
#if defined(__unix__) || defined(__APPLE__)
#include <unistd.h>
#endif
#include <mutex>
#include <string>
#include <vector>

#include "device.h"
#include "error.h"

namespace rv {
namespace {

// Size classes: multiples of 64 bytes up to 1 KiB, then four classes per power of two
// (1, 1.25, 1.5, 1.75 x 2^k), so at most 25% of a block is slack.
size_t size_class(size_t bytes) {
  if (bytes <= 1024) return ((bytes + kAlignment - 1) / kAlignment) * kAlignment + (bytes == 0 ? kAlignment : 0);
  size_t power = size_t(1) << (63 - __builtin_clzll(bytes));
  size_t quarter = power / 4;
  size_t rounded = ((bytes + quarter - 1) / quarter) * quarter;
  return rounded;
}

// The index of a size class (a value size_class gives): 0-15 for the 64-byte multiples, then four a
// power of two. A free list per index in an array: no hashing on the hot path.
constexpr size_t kNumClasses = 16 + 4 * 54;
size_t class_index(size_t capacity) {
  if (capacity <= 1024) return capacity / kAlignment - 1;
  const int power = 63 - __builtin_clzll(capacity);
  return 16 + size_t(power - 10) * 4 + ((capacity >> (power - 2)) - 4);
}

int64_t cache_limit() {
  const char* env = std::getenv("RANDVAR_CACHE_BYTES");
  if (env) {
    char* end = nullptr;
    long long v = std::strtoll(env, &end, 10);
    if (end != env && v >= 0) return v;
  }
  return int64_t(1) << 30;
}

// One per device. The CPU cache keeps at most RANDVAR_CACHE_BYTES (1 GiB by default); a GPU's
// keeps every block (as other GPU frameworks do) and is emptied when cudaMalloc fails.
struct Cache {
  int device = kCpu;
  std::mutex mutex;
  std::vector<void*> free_lists[kNumClasses];  // by class_index
  int64_t cached_bytes = 0;
  int64_t limit = 0;
  int64_t hits = 0, misses = 0;
  std::atomic<int64_t> live_bytes{0};
};

Cache& cache(int device) {
  // Never destroyed: blocks may be released during exit.
  static Cache* caches = [] {
    Cache* c = new Cache[kMaxDevices + 1];
    for (int i = 0; i <= kMaxDevices; i++) {
      c[i].device = i - 1;
      c[i].limit = i == 0 ? cache_limit() : INT64_MAX;
    }
    return c;
  }();
  return caches[device + 1];
}

std::atomic<int64_t> live_bytes{0};  // over every device
thread_local int held_device = kCpu;
thread_local std::vector<Block>* held_blocks = nullptr;
std::atomic<int64_t> reported_bytes{0};

void* raw_alloc(int device, size_t capacity) {
  return device == kCpu ? std::aligned_alloc(kAlignment, capacity) : cuda::raw_malloc(device, capacity);
}

void raw_free(int device, void* p) {
  if (device == kCpu) std::free(p);
  else cuda::raw_free(device, p);
}

void free_cached_locked(Cache& c) {
  for (auto& list : c.free_lists) {
    for (void* p : list) raw_free(c.device, p);
    list.clear();
  }
  c.cached_bytes = 0;
}

}  // namespace

// No single tensor may exceed the machine's physical memory: past it, an overcommitting kernel
// would let the allocation succeed and kill the process when the pages are touched.
uint64_t max_allocation() {
  static uint64_t limit = [] {
    uint64_t physical = 0;
#if defined(_SC_PHYS_PAGES) && defined(_SC_PAGESIZE)
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    if (pages > 0 && page > 0) physical = uint64_t(pages) * uint64_t(page);
#endif
    return physical > 0 && physical < kMaxAllocationBytes ? physical : kMaxAllocationBytes;
  }();
  return limit;
}

Block allocate(size_t bytes, const char* what, int device) {
  if (device != kCpu) cuda::check_device(device, what);
  if (device == kCpu && uint64_t(bytes) > max_allocation()) {
    throw Error(std::string(what) + ": allocation of " + std::to_string(bytes) + " bytes is too large (limit " +
                std::to_string(max_allocation()) + " bytes, the physical memory)");
  }
  if (uint64_t(bytes) > kMaxAllocationBytes) {  // beyond any GPU's memory; its size class would not fit 64 bits
    throw Error(std::string(what) + ": allocation of " + std::to_string(bytes) + " bytes on " + device_name(device) +
                " is too large (limit " + std::to_string(kMaxAllocationBytes) + " bytes)");
  }
  size_t capacity = size_class(bytes);
  Cache& c = cache(device);
  {
    std::lock_guard<std::mutex> lock(c.mutex);
    std::vector<void*>& list = c.free_lists[class_index(capacity)];
    if (!list.empty()) {
      void* p = list.back();
      list.pop_back();
      c.cached_bytes -= int64_t(capacity);
      c.hits++;
      c.live_bytes += int64_t(capacity);
      live_bytes += int64_t(capacity);
      return {p, capacity, device};
    }
    c.misses++;
  }
  void* p = raw_alloc(device, capacity);
  if (!p) {
    std::lock_guard<std::mutex> lock(c.mutex);
    free_cached_locked(c);
    p = raw_alloc(device, capacity);
  }
  if (!p) {
    throw Error(std::string(what) + ": out of memory allocating " + std::to_string(bytes) + " bytes on " +
                device_name(device));
  }
  c.live_bytes += int64_t(capacity);
  live_bytes += int64_t(capacity);
  return {p, capacity, device};
}

HoldReleases::HoldReleases(int device, std::vector<Block>* held) : previous_device_(held_device), previous_(held_blocks) {
  held_device = device;
  held_blocks = held;
}

HoldReleases::~HoldReleases() {
  held_device = previous_device_;
  held_blocks = previous_;
}

void release(Block block) {
  if (!block.data) return;
  if (held_blocks && block.device == held_device) {
    held_blocks->push_back(block);
    return;
  }
  live_bytes -= int64_t(block.capacity);
  Cache& c = cache(block.device);
  c.live_bytes -= int64_t(block.capacity);
  {
    std::lock_guard<std::mutex> lock(c.mutex);
    if (c.cached_bytes + int64_t(block.capacity) <= c.limit) {
      c.free_lists[class_index(block.capacity)].push_back(block.data);
      c.cached_bytes += int64_t(block.capacity);
      return;
    }
  }
  raw_free(block.device, block.data);
}

AllocatorStats allocator_stats(int device) {
  if (device == kAllDevices) return {live_bytes.load(), 0, 0, 0};
  Cache& c = cache(device);
  std::lock_guard<std::mutex> lock(c.mutex);
  return {c.live_bytes.load(), c.cached_bytes, c.hits, c.misses};
}

void empty_cache() {
  for (int d = kCpu; d < kMaxDevices; d++) {
    Cache& c = cache(d);
    std::lock_guard<std::mutex> lock(c.mutex);
    free_cached_locked(c);
  }
}

// V8 starts a collection when the reported total rises some tens of MB above its lowest point
// since the last full collection. Reporting every rise and fall made a loop that allocates and
// disposes tens of MB or more per iteration look like that much new garbage each time: the
// batched 4-chain logistic-regression gradient (live 140 -> 208 -> 140 MB) ran a mark-compact
// on most iterations. So the figure has hysteresis: a rise is reported once live bytes exceed
// the last report R by R/2 (and by `threshold`), a fall once they drop below R/2; an oscillation
// within [R/2, 1.5R] reports nothing. Growth left to the GC still reaches V8, within a factor
// 1.5; the price is that a collection which frees only part of the garbage may go unreported
// until a later one leaves live bytes under R/2, so V8 may think up to twice the live bytes
// are held, and garbage of large tensors peaks somewhat higher before it is collected.
int64_t take_unreported_bytes(int64_t threshold) {
  const int64_t live = live_bytes.load();
  const int64_t reported = reported_bytes.load();
  const int64_t rise = live - reported;
  const bool grew = rise >= threshold && rise >= reported / 2;
  const bool shrank = -rise >= threshold && live <= reported / 2;
  if (!grew && !shrank) return 0;
  // The exchange keeps the sum of the deltas returned equal to the last figure stored.
  return live - reported_bytes.exchange(live);
}

}  // namespace rv
