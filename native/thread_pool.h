// One process-wide pool of worker threads. Large kernels split their index range across it;
// small ones run inline on the caller's thread.
#pragma once
#include <cstdint>
#include <functional>

namespace rv {

int num_threads();
// Sets the number of threads used from now on (1 runs everything inline).
void set_num_threads(int n);

// Calls fn(begin, end) over disjoint chunks covering [0, n). Chunks hold at least `grain`
// items; with fewer than 2*grain items everything runs inline. fn must not throw.
void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn);

}  // namespace rv
