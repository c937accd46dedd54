// cuBLAS loaded at run time (cublas.h): the library search, one handle per device bound to that
// device's stream, and thin typed wrappers that turn a failing status into an Error.
//
// The C ABI used here is the documented one of cublas_api.h: a handle is an opaque pointer,
// cublasStatus_t and the enums are C ints (CUBLAS_OP_N = 0, CUBLAS_OP_T = 1; FILL_MODE_LOWER
// = 0, UPPER = 1; SIDE_LEFT = 0, RIGHT = 1; DIAG_NON_UNIT = 0), scalars are passed by host
// pointer (the default pointer mode), and matrices are column-major. libcublas uses the
// driver's primary context, as our runtime does, so our streams and pointers are valid there.
#include <dlfcn.h>
#include <glob.h>
#include <sys/stat.h>

#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <type_traits>
#include <vector>

#include "common.cuh"
#include "cublas.h"

namespace rv {
namespace cuda {
namespace {

using Handle = void*;  // cublasHandle_t
using Status = int;    // cublasStatus_t
constexpr Status kSuccess = 0;
constexpr int kDiagNonUnit = 0;

const char* status_name(Status s) {
  switch (s) {
    case 0: return "CUBLAS_STATUS_SUCCESS";
    case 1: return "CUBLAS_STATUS_NOT_INITIALIZED";
    case 3: return "CUBLAS_STATUS_ALLOC_FAILED";
    case 7: return "CUBLAS_STATUS_INVALID_VALUE";
    case 8: return "CUBLAS_STATUS_ARCH_MISMATCH";
    case 11: return "CUBLAS_STATUS_MAPPING_ERROR";
    case 13: return "CUBLAS_STATUS_EXECUTION_FAILED";
    case 14: return "CUBLAS_STATUS_INTERNAL_ERROR";
    case 15: return "CUBLAS_STATUS_NOT_SUPPORTED";
    case 16: return "CUBLAS_STATUS_LICENSE_ERROR";
  }
  return "an unknown cuBLAS status";
}

template <typename T>
using GemmFn = Status (*)(Handle, int, int, int, int, int, const T*, const T*, int, const T*, int, const T*, T*, int);
template <typename T>
using GemmBatchedFn = Status (*)(Handle, int, int, int, int, int, const T*, const T*, int, long long, const T*, int,
                                 long long, const T*, T*, int, long long, int);
template <typename T>
using TrsmFn = Status (*)(Handle, int, int, int, int, int, int, const T*, const T*, int, T*, int);
template <typename T>
using SyrkFn = Status (*)(Handle, int, int, int, int, const T*, const T*, int, const T*, T*, int);

// The entry points, from one library file.
struct Api {
  std::string path;
  Status (*create)(Handle*) = nullptr;
  Status (*set_stream)(Handle, cudaStream_t) = nullptr;
  Status (*get_property)(int, int*) = nullptr;  // optional; libraryPropertyType MAJOR 0, MINOR 1, PATCH 2
  GemmFn<float> sgemm = nullptr;
  GemmFn<double> dgemm = nullptr;
  GemmBatchedFn<float> sgemm_batched = nullptr;
  GemmBatchedFn<double> dgemm_batched = nullptr;
  TrsmFn<float> strsm = nullptr;
  TrsmFn<double> dtrsm = nullptr;
  SyrkFn<float> ssyrk = nullptr;
  SyrkFn<double> dsyrk = nullptr;

  template <typename T> GemmFn<T> gemm() const {
    if constexpr (std::is_same_v<T, float>) return sgemm;
    else return dgemm;
  }
  template <typename T> GemmBatchedFn<T> gemm_batched() const {
    if constexpr (std::is_same_v<T, float>) return sgemm_batched;
    else return dgemm_batched;
  }
  template <typename T> TrsmFn<T> trsm() const {
    if constexpr (std::is_same_v<T, float>) return strsm;
    else return dtrsm;
  }
  template <typename T> SyrkFn<T> syrk() const {
    if constexpr (std::is_same_v<T, float>) return ssyrk;
    else return dsyrk;
  }
};

bool exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

bool is_directory(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

// Folders matching a glob pattern, newest-looking (last in sort order) first.
std::vector<std::string> glob_folders(const std::string& pattern) {
  std::vector<std::string> out;
  glob_t g;
  if (glob(pattern.c_str(), GLOB_ONLYDIR, nullptr, &g) == 0) {
    for (size_t i = g.gl_pathc; i-- > 0;) out.push_back(g.gl_pathv[i]);
  }
  globfree(&g);
  return out;
}

template <typename F> bool bind(void* lib, const char* name, F& fn, std::string& missing) {
  fn = reinterpret_cast<F>(dlsym(lib, name));
  if (!fn) missing += std::string(missing.empty() ? "" : ", ") + name;
  return fn != nullptr;
}

// Opens one library file (its libcublasLt first, from the same folder, as a global so that
// libcublas's dependency resolves to it) and reads the entry points. False, with the reason
// appended to `tried`, when it cannot be used. Libraries are never closed.
bool open_api(const std::string& file, Api& api, std::string& tried) {
  const size_t slash = file.rfind('/');
  if (slash != std::string::npos) {
    const std::string folder = file.substr(0, slash + 1), base = file.substr(slash + 1);
    if (base.rfind("libcublas.", 0) == 0) {
      const std::string lt = folder + "libcublasLt." + base.substr(std::strlen("libcublas."));
      if (exists(lt)) dlopen(lt.c_str(), RTLD_NOW | RTLD_GLOBAL);  // a failure shows when libcublas opens
    }
  }
  dlerror();
  void* lib = dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    const char* why = dlerror();
    tried += "\n  " + file + ": " + (why ? why : "cannot be opened");
    return false;
  }
  std::string missing;
  bind(lib, "cublasCreate_v2", api.create, missing);
  bind(lib, "cublasSetStream_v2", api.set_stream, missing);
  bind(lib, "cublasSgemm_v2", api.sgemm, missing);
  bind(lib, "cublasDgemm_v2", api.dgemm, missing);
  bind(lib, "cublasSgemmStridedBatched", api.sgemm_batched, missing);
  bind(lib, "cublasDgemmStridedBatched", api.dgemm_batched, missing);
  bind(lib, "cublasStrsm_v2", api.strsm, missing);
  bind(lib, "cublasDtrsm_v2", api.dtrsm, missing);
  bind(lib, "cublasSsyrk_v2", api.ssyrk, missing);
  bind(lib, "cublasDsyrk_v2", api.dsyrk, missing);
  if (!missing.empty()) {
    tried += "\n  " + file + ": lacks " + missing;
    return false;
  }
  std::string optional;
  bind(lib, "cublasGetProperty", api.get_property, optional);
  api.path = file;
  return true;
}

const char* const kSonames[] = {"libcublas.so.13", "libcublas.so.12", "libcublas.so"};

// The folders to look in, in order (see cublas.h), without repeats.
std::vector<std::string> candidate_folders() {
  std::vector<std::string> folders;
  auto add = [&](const std::string& f) {
    if (f.empty() || f == "/lib64" || f == "/lib") return;
    for (const std::string& g : folders) {
      if (g == f) return;
    }
    if (is_directory(f)) folders.push_back(f);
  };
  // The CUDA toolkit.
  for (const char* var : {"CUDA_HOME", "CUDA_PATH", "CUDA_ROOT"}) {
    const std::string home = env(var);
    if (!home.empty()) add(home + "/lib64"), add(home + "/lib");
  }
  add("/usr/local/cuda/lib64");
  for (const std::string& f : glob_folders("/usr/local/cuda-*/lib64")) add(f);
  // NVIDIA's pip wheels (nvidia-cublas-cu12: nvidia/cublas/lib; CUDA 13's: nvidia/cu13/lib),
  // under each Python prefix: environments first, then the user's and the system's.
  std::vector<std::string> prefixes;
  for (const char* var : {"VIRTUAL_ENV", "CONDA_PREFIX"}) prefixes.push_back(env(var));
  const std::string path = env("PATH");
  for (size_t at = 0; at <= path.size();) {
    size_t end = path.find(':', at);
    if (end == std::string::npos) end = path.size();
    std::string entry = path.substr(at, end - at);
    while (entry.size() > 1 && entry.back() == '/') entry.pop_back();
    if (entry.size() > 4 && entry.compare(entry.size() - 4, 4, "/bin") == 0) {
      prefixes.push_back(entry.substr(0, entry.size() - 4));
    }
    at = end + 1;
  }
  const std::string home = env("HOME");
  if (!home.empty()) prefixes.push_back(home + "/.local");
  for (const char* p : {"/usr/local", "/usr", "/opt/conda"}) prefixes.push_back(p);
  std::vector<std::string> site_folders;
  const std::string pythonpath = env("PYTHONPATH");
  for (size_t at = 0; at < pythonpath.size();) {
    size_t end = pythonpath.find(':', at);
    if (end == std::string::npos) end = pythonpath.size();
    if (end > at) site_folders.push_back(pythonpath.substr(at, end - at));
    at = end + 1;
  }
  for (const std::string& prefix : prefixes) {
    if (prefix.empty()) continue;
    for (const char* lib : {"/lib/", "/lib64/"}) {
      for (const char* kind : {"site-packages", "dist-packages"}) {
        for (const std::string& f : glob_folders(prefix + lib + "python3*/" + kind)) site_folders.push_back(f);
      }
    }
  }
  for (const std::string& site : site_folders) {
    add(site + "/nvidia/cu13/lib");
    add(site + "/nvidia/cublas/lib");
  }
  // Conda's own CUDA packages put the library in the environment's lib.
  const std::string conda = env("CONDA_PREFIX");
  if (!conda.empty()) add(conda + "/lib");
  return folders;
}

struct Loaded {
  bool ok = false;
  Api api;
  std::string error;
};

Loaded load() {
  Loaded r;
  std::string tried;
  auto try_folder = [&](const std::string& folder) {
    for (const char* name : kSonames) {
      const std::string file = folder + "/" + name;
      if (exists(file) && open_api(file, r.api, tried)) return true;
    }
    return false;
  };
  const std::string chosen = env("RANDVAR_CUDA_LIB_PATH");
  if (!chosen.empty()) {
    // Named explicitly: that place or nothing, never a silent substitute.
    const bool ok = is_directory(chosen) ? try_folder(chosen) : exists(chosen) && open_api(chosen, r.api, tried);
    if (ok) {
      r.ok = true;
    } else {
      r.error = "RANDVAR_CUDA_LIB_PATH=" + chosen + " holds no usable cuBLAS (libcublas.so.13, .so.12 or .so)" +
                (tried.empty() ? std::string() : ":" + tried);
    }
    return r;
  }
  for (const std::string& folder : candidate_folders()) {
    if (try_folder(folder)) {
      r.ok = true;
      return r;
    }
  }
  for (const char* name : kSonames) {
    if (open_api(name, r.api, tried)) {
      r.ok = true;
      return r;
    }
  }
  r.error = "cuBLAS (libcublas.so.13 or .so.12) was not found in the CUDA toolkit, NVIDIA's pip wheels or the "
            "loader's path; set RANDVAR_CUDA_LIB_PATH to the folder that holds it" +
            (tried.empty() ? std::string() : " (tried:" + tried + ")");
  return r;
}

const Loaded& loaded() {
  static const Loaded* l = new Loaded(load());  // never freed: handles outlive static destructors
  return *l;
}

const Api& api(const char* what) {
  const Loaded& l = loaded();
  if (!l.ok) throw Error(std::string(what) + ": " + l.error);
  return l.api;
}

void check_status(Status s, const char* what, const char* call) {
  if (s != kSuccess) {
    throw Error(std::string(what) + ": " + call + " failed: " + status_name(s) + " (" + std::to_string(s) + ")");
  }
}

// The device's handle, made on first use and bound to the device's one stream. Handles live as
// long as the process (destroying them at exit could race the driver's own teardown).
Handle handle(int device, const char* what) {
  static Handle handles[kMaxDevices] = {};
  static std::mutex mutex;
  const Api& a = api(what);
  cudaStream_t s = stream(device);  // also makes `device` current, so the handle is made there
  std::lock_guard<std::mutex> lock(mutex);
  if (!handles[device]) {
    Handle h = nullptr;
    check_status(a.create(&h), what, "cublasCreate_v2");
    check_status(a.set_stream(h, s), what, "cublasSetStream_v2");
    handles[device] = h;
  }
  return handles[device];
}

void check_sizes(const char* what, std::initializer_list<int64_t> sizes) {
  for (int64_t v : sizes) {
    if (!fits_int(v)) {
      throw Error(std::string(what) + ": a matrix size or leading dimension (" + std::to_string(v) + ") exceeds cuBLAS's int");
    }
  }
}

}  // namespace

const char* cublas_path() {
  const Loaded& l = loaded();
  return l.ok ? l.api.path.c_str() : nullptr;
}

std::string cublas_error() { return loaded().error; }

std::string cublas_version() {
  const Loaded& l = loaded();
  if (!l.ok || !l.api.get_property) return std::string();
  int v[3] = {0, 0, 0};
  for (int i = 0; i < 3; i++) {
    if (l.api.get_property(i, &v[i]) != kSuccess) return std::string();
  }
  return std::to_string(v[0]) + "." + std::to_string(v[1]) + "." + std::to_string(v[2]);
}

bool cublas_available() { return loaded().ok; }

void require_cublas(const char* what) { api(what); }

template <typename T>
void gemm(int device, Op op_a, Op op_b, int64_t m, int64_t n, int64_t k, T alpha, const T* a, int64_t lda, const T* b,
          int64_t ldb, T beta, T* c, int64_t ldc, const char* what) {
  check_sizes(what, {m, n, k, lda, ldb, ldc});
  Handle h = handle(device, what);
  Status s = api(what).gemm<T>()(h, int(op_a), int(op_b), int(m), int(n), int(k), &alpha, a, int(lda), b, int(ldb), &beta, c,
                                 int(ldc));
  check_status(s, what, std::is_same_v<T, float> ? "cublasSgemm_v2" : "cublasDgemm_v2");
}

template <typename T>
void gemm_strided_batched(int device, Op op_a, Op op_b, int64_t m, int64_t n, int64_t k, T alpha, const T* a,
                          int64_t lda, int64_t stride_a, const T* b, int64_t ldb, int64_t stride_b, T beta, T* c,
                          int64_t ldc, int64_t stride_c, int64_t batches, const char* what) {
  check_sizes(what, {m, n, k, lda, ldb, ldc});
  Handle h = handle(device, what);
  const auto fn = api(what).gemm_batched<T>();
  // Batches in chunks the grid of any cuBLAS version takes.
  constexpr int64_t kChunk = 65535;
  for (int64_t b0 = 0; b0 < batches; b0 += kChunk) {
    const int count = int(std::min(kChunk, batches - b0));
    Status s = fn(h, int(op_a), int(op_b), int(m), int(n), int(k), &alpha, a + b0 * stride_a, int(lda), stride_a,
                  b + b0 * stride_b, int(ldb), stride_b, &beta, c + b0 * stride_c, int(ldc), stride_c, count);
    check_status(s, what, std::is_same_v<T, float> ? "cublasSgemmStridedBatched" : "cublasDgemmStridedBatched");
  }
}

template <typename T>
void trsm(int device, Side side, Fill fill, Op op_a, int64_t m, int64_t n, T alpha, const T* a, int64_t lda, T* b,
          int64_t ldb, const char* what) {
  check_sizes(what, {m, n, lda, ldb});
  Handle h = handle(device, what);
  Status s = api(what).trsm<T>()(h, int(side), int(fill), int(op_a), kDiagNonUnit, int(m), int(n), &alpha, a, int(lda), b,
                                 int(ldb));
  check_status(s, what, std::is_same_v<T, float> ? "cublasStrsm_v2" : "cublasDtrsm_v2");
}

template <typename T>
void syrk(int device, Fill fill, Op op_a, int64_t n, int64_t k, T alpha, const T* a, int64_t lda, T beta, T* c,
          int64_t ldc, const char* what) {
  check_sizes(what, {n, k, lda, ldc});
  Handle h = handle(device, what);
  Status s = api(what).syrk<T>()(h, int(fill), int(op_a), int(n), int(k), &alpha, a, int(lda), &beta, c, int(ldc));
  check_status(s, what, std::is_same_v<T, float> ? "cublasSsyrk_v2" : "cublasDsyrk_v2");
}

#define RV_CUBLAS_INSTANTIATE(T)                                                                                        \
  template void gemm<T>(int, Op, Op, int64_t, int64_t, int64_t, T, const T*, int64_t, const T*, int64_t, T, T*, int64_t, \
                        const char*);                                                                                  \
  template void gemm_strided_batched<T>(int, Op, Op, int64_t, int64_t, int64_t, T, const T*, int64_t, int64_t, const T*, \
                                        int64_t, int64_t, T, T*, int64_t, int64_t, int64_t, const char*);              \
  template void trsm<T>(int, Side, Fill, Op, int64_t, int64_t, T, const T*, int64_t, T*, int64_t, const char*);        \
  template void syrk<T>(int, Fill, Op, int64_t, int64_t, T, const T*, int64_t, T, T*, int64_t, const char*);
RV_CUBLAS_INSTANTIATE(float)
RV_CUBLAS_INSTANTIATE(double)
#undef RV_CUBLAS_INSTANTIATE

void gemm_direct(const Tensor& c, const Tensor& a, const Tensor& b) {
  const char* what = "gemmDirect";
  const int device = c.device();
  if (device == kCpu || a.device() != device || b.device() != device) {
    throw Error(std::string(what) + ": a, b and c must be on one GPU, got " + device_name(a.device()) + ", " +
                device_name(b.device()) + " and " + device_name(device));
  }
  if (!is_float(c.dtype) || a.dtype != c.dtype || b.dtype != c.dtype) {
    throw Error(std::string(what) + ": a, b and c must be all float32 or all float64, got " + dtype_name(a.dtype) + ", " +
                dtype_name(b.dtype) + " and " + dtype_name(c.dtype));
  }
  if (a.rank() != 2 || b.rank() != 2 || c.rank() != 2 || a.shape[1] != b.shape[0] || c.shape[0] != a.shape[0] ||
      c.shape[1] != b.shape[1]) {
    throw Error(std::string(what) + ": shapes " + a.shape.to_string() + " times " + b.shape.to_string() + " into " +
                c.shape.to_string() + " do not make a matrix product");
  }
  if (!a.is_contiguous() || !b.is_contiguous() || !c.is_contiguous()) {
    throw Error(std::string(what) + ": a, b and c must be contiguous");
  }
  const int64_t m = a.shape[0], k = a.shape[1], n = b.shape[1];
  if (m == 0 || n == 0) return;
  if (k == 0) {
    check(cudaMemsetAsync(c.data(), 0, size_t(m * n) * itemsize(c.dtype), stream(device)), what);
    return;
  }
  // Row-major C = A·B is column-major Cᵀ = Bᵀ·Aᵀ: the operands swap, nothing is transposed.
  if (c.dtype == DType::Float32) {
    gemm<float>(device, Op::N, Op::N, n, m, k, 1.0f, b.ptr<float>(), n, a.ptr<float>(), k, 0.0f, c.ptr<float>(), n, what);
  } else {
    gemm<double>(device, Op::N, Op::N, n, m, k, 1.0, b.ptr<double>(), n, a.ptr<double>(), k, 0.0, c.ptr<double>(), n, what);
  }
}

}  // namespace cuda
}  // namespace rv
