#include "thread_pool.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace rv {
namespace {

thread_local bool inside_pool = false;

int default_threads() {
  if (const char* env = std::getenv("RANDVAR_NUM_THREADS")) {
    int n = std::atoi(env);
    if (n >= 1) return std::min(n, 256);
  }
  unsigned hw = std::thread::hardware_concurrency();
  return hw == 0 ? 1 : int(std::min(hw, 256u));
}

class Pool {
 public:
  explicit Pool(int threads) : target_(threads) {}

  int threads() const { return target_; }
  void set_threads(int n) {
    std::lock_guard<std::mutex> job(job_mutex_);
    target_ = std::max(1, n);
  }

  void run(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) {
    std::unique_lock<std::mutex> job(job_mutex_, std::try_to_lock);
    // Nested or concurrent calls (another JS thread) run inline: correct, never deadlocks.
    if (inside_pool || !job.owns_lock() || target_ <= 1) {
      fn(0, n);
      return;
    }
    int64_t max_chunks = n / std::max<int64_t>(grain, 1);
    int64_t chunks = std::min<int64_t>(max_chunks, int64_t(target_) * 4);
    if (chunks < 2) {
      fn(0, n);
      return;
    }
    ensure_workers(target_ - 1);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      fn_ = &fn;
      total_ = n;
      chunks_ = chunks;
      next_.store(0);
      done_.store(0);
      active_workers_ = target_ - 1;
      generation_++;
    }
    wake_.notify_all();
    work();
    std::unique_lock<std::mutex> lock(mutex_);
    finished_.wait(lock, [&] { return done_.load() == chunks_ && busy_ == 0; });
    fn_ = nullptr;
    // A chunk that threw still counted as done, so no thread touches this job any more.
    std::exception_ptr error = error_;
    error_ = nullptr;
    lock.unlock();
    if (error) std::rethrow_exception(error);
  }

 private:
  void ensure_workers(int count) {
    while (int(workers_.size()) < count) {
      int id = int(workers_.size());
      workers_.emplace_back([this, id] { loop(id); });
      workers_.back().detach();
    }
  }

  void work() {
    for (;;) {
      int64_t c = next_.fetch_add(1);
      if (c >= chunks_) return;
      int64_t begin = total_ * c / chunks_;
      int64_t end = total_ * (c + 1) / chunks_;
      try {
        (*fn_)(begin, end);
      } catch (...) {
        std::lock_guard<std::mutex> lock(mutex_);
        if (!error_) error_ = std::current_exception();
      }
      done_.fetch_add(1);
    }
  }

  void loop(int id) {
    inside_pool = true;
    uint64_t seen = 0;
    for (;;) {
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return generation_ != seen && id < active_workers_; });
        seen = generation_;
        // The job this wake-up was for may have been finished by the caller alone (fn_ is
        // cleared under this lock when a job ends). Joining it late would race the set-up of
        // the next job: a stale chunk claim could overcount done_ and hang the caller.
        if (fn_ == nullptr) continue;
        busy_++;
      }
      work();
      {
        std::lock_guard<std::mutex> lock(mutex_);
        busy_--;
      }
      finished_.notify_all();
    }
  }

  std::mutex job_mutex_;  // one parallel job at a time
  std::mutex mutex_;
  std::condition_variable wake_, finished_;
  std::vector<std::thread> workers_;
  const std::function<void(int64_t, int64_t)>* fn_ = nullptr;
  int64_t total_ = 0, chunks_ = 0;
  std::atomic<int64_t> next_{0}, done_{0};
  int active_workers_ = 0, busy_ = 0;
  std::exception_ptr error_;  // the first exception a chunk threw, rethrown by the caller
  uint64_t generation_ = 0;
  int target_;
};

Pool& pool() {
  static Pool* p = new Pool(default_threads());  // never destroyed: workers are detached
  return *p;
}

}  // namespace

int num_threads() { return pool().threads(); }
void set_num_threads(int n) { pool().set_threads(n); }

void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) {
  if (n <= 0) return;
  if (n < 2 * grain) {
    fn(0, n);
    return;
  }
  pool().run(n, grain, fn);
}

}  // namespace rv
