// Reference timings for bench/cholesky.ts, compiled by it at run time with the addon's flags:
//   cholesky_reference N REPEATS
// prints one JSON line with median milliseconds of
//   - "lapack": dpotrf from the LAPACK found with dlopen (RANDVAR_LAPACK, else OpenBLAS, else
//     the reference liblapack), with that library's own threading; null when none loads;
//   - "loop": a plain unblocked Cholesky (row-major, dot-product form) on one thread: what a
//     straightforward native loop gives for the same n³/3 flops.
// Both factor the same kind of matrix the benchmark uses: A = M Mᵀ / n + I, M uniform in [-1, 1).
#include <dlfcn.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

using Potrf = void (*)(const char* uplo, const int* n, double* a, const int* lda, int* info);

static double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

static double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// Row-major lower Cholesky in place; returns false if not positive definite.
static bool loop_cholesky(int n, double* a) {
  for (int j = 0; j < n; j++) {
    double* rj = a + size_t(j) * n;
    double d = rj[j];
    for (int p = 0; p < j; p++) d -= rj[p] * rj[p];
    if (!(d > 0)) return false;
    rj[j] = std::sqrt(d);
    for (int i = j + 1; i < n; i++) {
      double* ri = a + size_t(i) * n;
      double s = ri[j];
      for (int p = 0; p < j; p++) s -= ri[p] * rj[p];
      ri[j] = s / rj[j];
    }
  }
  return true;
}

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 512;
  const int repeats = argc > 2 ? std::atoi(argv[2]) : 11;
  std::vector<double> m(size_t(n) * n), a(size_t(n) * n), work(a.size());
  unsigned s = 12345;
  for (double& v : m) {
    s = s * 1664525u + 1013904223u;
    v = double(s >> 8) / double(1u << 24) * 2 - 1;
  }
  for (int i = 0; i < n; i++) {
    for (int j = 0; j < n; j++) {
      double acc = 0;
      for (int p = 0; p < n; p++) acc += m[size_t(i) * n + p] * m[size_t(j) * n + p];
      a[size_t(i) * n + j] = acc / n + (i == j ? 1 : 0);
    }
  }

  Potrf potrf = nullptr;
  const char* found = nullptr;
  const char* env = std::getenv("RANDVAR_LAPACK");
  const char* candidates[] = {env, "libopenblas.so.0", "libopenblas.so", "liblapack.so.3", "liblapack.so"};
  for (const char* name : candidates) {
    if (!name) continue;
    if (void* h = dlopen(name, RTLD_NOW | RTLD_LOCAL)) {
      potrf = reinterpret_cast<Potrf>(dlsym(h, "dpotrf_"));
      if (potrf) {
        found = name;
        break;
      }
    }
  }

  auto time = [&](auto&& factor) {
    std::vector<double> t;
    for (int r = 0; r < repeats + 2; r++) {
      work = a;
      double t0 = now();
      factor();
      if (r >= 2) t.push_back(now() - t0);
    }
    return median(t) * 1e3;
  };

  double lapack_ms = -1;
  if (potrf) {
    // Row-major lower is column-major upper.
    lapack_ms = time([&] {
      int info = 0, nn = n;
      potrf("U", &nn, work.data(), &nn, &info);
      if (info != 0) std::fprintf(stderr, "dpotrf info %d\n", info);
    });
  }
  double loop_ms = time([&] {
    if (!loop_cholesky(n, work.data())) std::fprintf(stderr, "loop: not positive definite\n");
  });
  if (potrf) {
    std::printf("{\"n\":%d,\"lapack\":%.6f,\"lapackName\":\"%s\",\"loop\":%.6f}\n", n, lapack_ms, found, loop_ms);
  } else {
    std::printf("{\"n\":%d,\"lapack\":null,\"lapackName\":null,\"loop\":%.6f}\n", n, loop_ms);
  }
  return 0;
}
