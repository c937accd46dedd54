// The BLAS loader (see blas.h). Libraries are opened with RTLD_LOCAL, so their symbols never
// interpose on anyone else's, and are never closed: OpenBLAS keeps worker threads alive, and
// closing it under them is a known crash.
#include "../blas.h"

#include <atomic>
#include <climits>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <vector>

#include "../error.h"
#include "../thread_pool.h"

#if defined(__unix__) || defined(__APPLE__)
#include <dlfcn.h>
#define RV_HAVE_DLOPEN 1
#endif

namespace rv {
namespace {

// The search order: OpenBLAS (its pthread and OpenMP builds' names too), BLIS, reference BLAS.
const char* const kCandidates[] = {
#if defined(__APPLE__)
    "libopenblas.0.dylib", "libopenblas.dylib", "/opt/homebrew/opt/openblas/lib/libopenblas.dylib",
    "/usr/local/opt/openblas/lib/libopenblas.dylib", "libblis.4.dylib", "libblis.dylib",
#else
    "libopenblas.so.0", "libopenblasp.so.0", "libopenblaso.so.0", "libopenblas.so",
#if defined(__x86_64__)
    "/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0",
#elif defined(__aarch64__)
    "/usr/lib/aarch64-linux-gnu/openblas-pthread/libopenblas.so.0",
#endif
    "libblis.so.4", "libblis.so", "libblas.so.3", "libcblas.so.3",
#endif
};

struct State {
  std::mutex mutex;
  bool resolved = false;      // RANDVAR_BLAS has been read
  bool searched = false;      // the search has run (its result is `found`)
  const Blas* found = nullptr;
  const Blas* active = nullptr;
  std::string error;          // why RANDVAR_BLAS's library could not be used
  std::vector<std::unique_ptr<Blas>> loaded;  // never freed (see above)
};

State& state() {
  static State* s = new State();
  return *s;
}

std::atomic<int64_t> copies{0};
std::atomic<int64_t> skinny{0};

#ifdef RV_HAVE_DLOPEN
// Opens `name` and reads its gemm entry points; null (with `why` set) if it has none.
std::unique_ptr<Blas> open_library(const std::string& name, std::string& why) {
  void* handle = dlopen(name.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char* e = dlerror();
    why = e ? e : "dlopen failed";
    return nullptr;
  }
  auto blas = std::make_unique<Blas>();
  blas->sgemm = reinterpret_cast<SgemmFn>(dlsym(handle, "cblas_sgemm"));
  blas->dgemm = reinterpret_cast<DgemmFn>(dlsym(handle, "cblas_dgemm"));
  if (!blas->sgemm || !blas->dgemm) {
    why = name + " has no cblas_sgemm/cblas_dgemm";
    // Never closed: a library with threads of its own may have started them on load.
    return nullptr;
  }
  blas->sgemv = reinterpret_cast<SgemvFn>(dlsym(handle, "cblas_sgemv"));
  blas->dgemv = reinterpret_cast<DgemvFn>(dlsym(handle, "cblas_dgemv"));
  using Text = const char* (*)();
  if (auto config = reinterpret_cast<Text>(dlsym(handle, "openblas_get_config"))) {
    blas->name = "OpenBLAS";
    blas->config = config();
    if (auto core = reinterpret_cast<Text>(dlsym(handle, "openblas_get_corename"))) {
      blas->config += std::string(" (core ") + core() + ")";
    }
    blas->set_threads = reinterpret_cast<void (*)(int)>(dlsym(handle, "openblas_set_num_threads"));
  } else if (auto version = reinterpret_cast<Text>(dlsym(handle, "bli_info_get_version_str"))) {
    blas->name = "BLIS";
    blas->config = std::string("BLIS ") + version();
    blas->set_threads_i64 = reinterpret_cast<void (*)(int64_t)>(dlsym(handle, "bli_thread_set_num_threads"));
  } else {
    blas->name = "BLAS";
  }
  Dl_info info;
  if (dladdr(reinterpret_cast<void*>(blas->sgemm), &info) && info.dli_fname) {
    // The file itself, past symlinks and distribution alternatives.
    char* real = realpath(info.dli_fname, nullptr);
    blas->path = real ? real : info.dli_fname;
    std::free(real);
  } else {
    blas->path = name;
  }
  return blas;
}
#else
std::unique_ptr<Blas> open_library(const std::string&, std::string& why) {
  why = "this platform has no dlopen";
  return nullptr;
}
#endif

// Resolves a mode to a library (null for builtin); throws with the reason on failure.
const Blas* resolve(State& s, const std::string& mode) {
  if (mode == "builtin") return nullptr;
  std::string why;
  if (mode.empty() || mode == "auto") {
    if (s.searched) return s.found;
    s.searched = true;
    for (const char* name : kCandidates) {
      if (auto blas = open_library(name, why)) {
        s.loaded.push_back(std::move(blas));
        return s.found = s.loaded.back().get();
      }
    }
    return nullptr;  // none found: the built-in kernel
  }
  auto blas = open_library(mode, why);
  if (!blas) throw Error("cannot use BLAS library '" + mode + "': " + why);
  // A library opened before under another name is the same library (dlopen shares the handle).
  for (auto& b : s.loaded) {
    if (b->path == blas->path) return b.get();
  }
  s.loaded.push_back(std::move(blas));
  return s.loaded.back().get();
}

void resolve_from_environment(State& s) {
  if (s.resolved) return;
  s.resolved = true;
  const char* env = std::getenv("RANDVAR_BLAS");
  std::string mode = env ? env : "";
  try {
    s.active = resolve(s, mode);
  } catch (const Error& e) {
    s.error = std::string("RANDVAR_BLAS: ") + e.what() + " (unset it to search, or set it to 'builtin')";
  }
}

}  // namespace

void Blas::match_threads() const {
  // The pool's count may change at any time (setNumThreads); the library hears of each change.
  int n = num_threads();
  if (threads_set.exchange(n) == n) return;
  if (set_threads) set_threads(n);
  else if (set_threads_i64) set_threads_i64(int64_t(n));
}

const Blas* active_blas(const char* what) {
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  resolve_from_environment(s);
  if (!s.error.empty()) throw Error(std::string(what) + ": " + s.error);
  return s.active;
}

void select_blas(const char* what, const std::string& mode) {
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  const Blas* chosen;
  try {
    chosen = resolve(s, mode);
  } catch (const Error& e) {
    throw Error(std::string(what) + ": " + e.what());  // the current choice stays
  }
  s.resolved = true;
  s.error.clear();
  s.active = chosen;
}

void blas_gemm_direct(int dtype, int64_t m, int64_t n, int64_t k, const void* a, const void* b, void* c) {
  const Blas* blas = active_blas("blasGemm");
  if (!blas) throw Error("blasGemm: no BLAS library is active");
  const int64_t limit = 0x7fffffff;
  if (m < 1 || n < 1 || k < 1 || m > limit || n > limit || k > limit) throw Error("blasGemm: dimensions must be in [1, 2^31)");
  blas->match_threads();
  if (dtype == 0) {
    blas->sgemm(kCblasRowMajor, kCblasNoTrans, kCblasNoTrans, int(m), int(n), int(k), 1.0f, static_cast<const float*>(a),
                int(k), static_cast<const float*>(b), int(n), 0.0f, static_cast<float*>(c), int(n));
  } else {
    blas->dgemm(kCblasRowMajor, kCblasNoTrans, kCblasNoTrans, int(m), int(n), int(k), 1.0, static_cast<const double*>(a),
                int(k), static_cast<const double*>(b), int(n), 0.0, static_cast<double*>(c), int(n));
  }
}

int64_t blas_operand_copies() { return copies.load(); }
void count_blas_operand_copy() { copies.fetch_add(1); }
int64_t skinny_products() { return skinny.load(); }
void count_skinny_product() { skinny.fetch_add(1); }

}  // namespace rv
