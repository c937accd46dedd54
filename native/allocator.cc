#include "allocator.h"

#include <atomic>
#include <cstdlib>
#include <cstring>
#if defined(__unix__) || defined(__APPLE__)
#include <unistd.h>
#endif
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

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

int64_t cache_limit() {
  const char* env = std::getenv("RANDVAR_CACHE_BYTES");
  if (env) {
    char* end = nullptr;
    long long v = std::strtoll(env, &end, 10);
    if (end != env && v >= 0) return v;
  }
  return int64_t(1) << 30;
}

struct Cache {
  std::mutex mutex;
  std::unordered_map<size_t, std::vector<void*>> free_lists;
  int64_t cached_bytes = 0;
  int64_t limit = cache_limit();
  int64_t hits = 0, misses = 0;
};

Cache& cache() {
  static Cache* c = new Cache();  // never destroyed: blocks may be released during exit
  return *c;
}

std::atomic<int64_t> live_bytes{0};
std::atomic<int64_t> reported_bytes{0};

void free_cached_locked(Cache& c) {
  for (auto& [size, list] : c.free_lists) {
    for (void* p : list) std::free(p);
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

Block allocate(size_t bytes, const char* what) {
  if (uint64_t(bytes) > max_allocation()) {
    throw Error(std::string(what) + ": allocation of " + std::to_string(bytes) + " bytes is too large (limit " +
                std::to_string(max_allocation()) + " bytes, the physical memory)");
  }
  size_t capacity = size_class(bytes);
  Cache& c = cache();
  {
    std::lock_guard<std::mutex> lock(c.mutex);
    auto it = c.free_lists.find(capacity);
    if (it != c.free_lists.end() && !it->second.empty()) {
      void* p = it->second.back();
      it->second.pop_back();
      c.cached_bytes -= int64_t(capacity);
      c.hits++;
      live_bytes += int64_t(capacity);
      return {p, capacity};
    }
    c.misses++;
  }
  void* p = std::aligned_alloc(kAlignment, capacity);
  if (!p) {
    std::lock_guard<std::mutex> lock(c.mutex);
    free_cached_locked(c);
    p = std::aligned_alloc(kAlignment, capacity);
  }
  if (!p) throw Error(std::string(what) + ": out of memory allocating " + std::to_string(bytes) + " bytes");
  live_bytes += int64_t(capacity);
  return {p, capacity};
}

void release(Block block) {
  if (!block.data) return;
  live_bytes -= int64_t(block.capacity);
  Cache& c = cache();
  {
    std::lock_guard<std::mutex> lock(c.mutex);
    if (c.cached_bytes + int64_t(block.capacity) <= c.limit) {
      c.free_lists[block.capacity].push_back(block.data);
      c.cached_bytes += int64_t(block.capacity);
      return;
    }
  }
  std::free(block.data);
}

AllocatorStats allocator_stats() {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  return {live_bytes.load(), c.cached_bytes, c.hits, c.misses};
}

void empty_cache() {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  free_cached_locked(c);
}

int64_t take_unreported_bytes(int64_t threshold) {
  int64_t delta = live_bytes.load() - reported_bytes.load();
  if (delta < threshold && delta > -threshold) return 0;
  reported_bytes += delta;
  return delta;
}

}  // namespace rv
