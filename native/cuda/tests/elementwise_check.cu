// A standalone GPU check of the elementwise and special-function kernels (not part of the
// addon: CMake's glob takes native/cuda/*.cu only). It runs every kernel's CPU and GPU versions
// on the same inputs, over contiguous, misaligned, strided and broadcast layouts, and compares:
// bitwise for integer, bool and exact float ops, in ulps for float math. It then checks that
// bad arguments give the CPU kernels' errors, and times some ops at 256 MB against a
// device-to-device copy. Build (from the repository root; a few minutes on 2 cores):
//   nvcc -std=c++17 --expt-relaxed-constexpr --extended-lambda -O3 -arch=sm_90 -DRANDVAR_CUDA -Inative \
//     native/cuda/tests/elementwise_check.cu native/cuda/{runtime,copy,elementwise,special}.cu \
//     native/{allocator,kernel,strided_loop,tensor,thread_pool}.cc native/kernels/{unary,binary,special}.cc \
//     -Xcompiler=-fno-math-errno -Xcompiler=-static-libstdc++ -o elementwise_check
// Run: ./elementwise_check [--no-bench]. Exit status 1 when a comparison fails.
#include <cuda_runtime.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "../../kernel.h"
#include "../../tensor.h"
#include "../common.cuh"

using namespace rv;

namespace {

int failures = 0;
std::mt19937_64 rng(12345);

Kernel find(const char* name, bool gpu) {
  const auto& list = kernels();
  for (size_t i = 0; i < list.size(); i++) {
    if (list[i].name == name) return gpu ? cuda_kernel(i) : list[i].fn;
  }
  return nullptr;
}

Dims dims(std::initializer_list<int64_t> v) {
  Dims d;
  for (int64_t x : v) d.push_back(x, "check");
  return d;
}

// Value families for inputs.
enum class Domain { Any, Positive, Unit, OpenUnit, Signed1, Small, IntAny, IntSmall, IntExp, Bool, GammaA, BetaAB, Cast };

double special_value(std::mt19937_64& g) {
  static const double v[] = {0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 1.5, 2.5, -2.5, 3.0, 1e-300, -1e-300, 1e300, -1e300,
                             std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity(),
                             std::numeric_limits<double>::quiet_NaN(), 88.7, -103.9, 710.0, -745.0, 1e-8, 27.0,
                             0.46, 0.75, 2147483647.5, -2147483648.5, 3e9, -3e9, 4.9e-324};
  return v[g() % (sizeof(v) / sizeof(v[0]))];
}

double draw(Domain d, std::mt19937_64& g) {
  std::uniform_real_distribution<double> u(0.0, 1.0);
  bool special = g() % 16 == 0;
  switch (d) {
    case Domain::Any:
      if (special) return special_value(g);
      return (u(g) - 0.5) * std::pow(10.0, (u(g) - 0.5) * 8);
    case Domain::Positive:
      if (special) return std::fabs(special_value(g));
      return std::pow(10.0, (u(g) - 0.5) * 8);
    case Domain::Unit:
      if (special) return g() % 2 ? 0.0 : 1.0;
      return u(g);
    case Domain::OpenUnit: return 2 * u(g) - 1;
    case Domain::Signed1: return (u(g) - 0.5) * 20;
    case Domain::Small: return (u(g) - 0.5) * 60;
    case Domain::IntAny: {
      static const int64_t v[] = {0, 1, -1, 2147483647, -2147483647 - 1, 65536, -65536, 46341};
      if (special) return double(v[g() % 8]);
      return double(int32_t(uint32_t(g())));
    }
    case Domain::IntSmall: return double(int64_t(g() % 41) - 20);
    case Domain::IntExp: return double(int64_t(g() % 40) - 5);
    case Domain::Bool: return double(g() % 2);
    case Domain::GammaA:
      if (special) return special_value(g);
      return g() % 4 == 0 ? 20 + u(g) * 2000 : u(g) * 30;
    case Domain::BetaAB:
      if (special) return std::fabs(special_value(g));
      return g() % 4 == 0 ? u(g) * 0.9 : 0.5 + u(g) * 60;
    case Domain::Cast:
      if (g() % 4 == 0) return special_value(g);
      return (u(g) - 0.5) * 6;
  }
  return 0;
}

// A CPU tensor of `shape` filled with draws from d (bool and int32 convert as a cast would not:
// they take the drawn integer).
Tensor filled(DType dt, const Dims& shape, Domain d) {
  Tensor t = empty_tensor(dt, shape, "check");
  int64_t n = t.numel();
  for (int64_t i = 0; i < n; i++) {
    double v = draw(d, rng);
    switch (dt) {
      case DType::Float32: t.ptr<float>()[i] = float(v); break;
      case DType::Float64: t.ptr<double>()[i] = v; break;
      case DType::Int32: t.ptr<int32_t>()[i] = (v == v && std::fabs(v) < 2.2e9) ? int32_t(int64_t(v)) : 7; break;
      case DType::Bool: t.ptr<uint8_t>()[i] = v != 0; break;
    }
  }
  return t;
}

// A layout of an input: the same values seen as contiguous, at an odd offset, or transposed.
enum class Layout { Contiguous, Offset, Transposed };

// A GPU tensor with the values of cpu (contiguous) in the given layout.
Tensor on_gpu(const Tensor& cpu, Layout layout) {
  if (layout == Layout::Contiguous) return to_device(cpu, 0, "check");
  if (layout == Layout::Offset) {
    Dims big = dims({cpu.numel() + 1});
    Tensor g = empty_tensor(cpu.dtype, big, "check", 0);
    Tensor view = make_view(g, cpu.shape, contiguous_strides(cpu.shape), 1);
    copy_into(view, to_device(cpu, 0, "check"));
    return view;
  }
  // Transposed: storage holds the transpose; the view swaps the last two dimensions back.
  int r = cpu.rank();
  if (r < 2) return on_gpu(cpu, Layout::Offset);
  Dims tshape = cpu.shape;
  std::swap(tshape[r - 1], tshape[r - 2]);
  Tensor g = empty_tensor(cpu.dtype, tshape, "check", 0);
  Dims vstr = contiguous_strides(tshape);
  std::swap(vstr[r - 1], vstr[r - 2]);
  Tensor view = make_view(g, cpu.shape, vstr, 0);
  copy_into(view, to_device(cpu, 0, "check"));
  return view;
}

int64_t ordered(double x) {
  int64_t i;
  std::memcpy(&i, &x, 8);
  return i < 0 ? std::numeric_limits<int64_t>::min() - i : i;
}
int64_t ordered(float x) {
  int32_t i;
  std::memcpy(&i, &x, 4);
  return i < 0 ? int64_t(std::numeric_limits<int32_t>::min()) - i : i;
}

std::string show(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

double element(const Tensor& t, int64_t i) {
  switch (t.dtype) {
    case DType::Float32: return t.ptr<float>()[i];
    case DType::Float64: return t.ptr<double>()[i];
    case DType::Int32: return t.ptr<int32_t>()[i];
    case DType::Bool: return t.ptr<uint8_t>()[i];
  }
  return 0;
}

// Compares CPU and GPU outputs; returns the largest ulp difference (floats) and reports.
// Ulps are of the result, except that a difference below tolerance_ulps ulps of 1 (abs_floor)
// also passes: near the zeros of lgamma, digamma and betaln the result is a difference of terms
// of order 1, and both devices are accurate to a few ulps of those terms, not of the result.
bool abs_floor = false;

void compare(const std::string& label, const Tensor& cpu, const Tensor& gpu_out, int64_t tolerance_ulps,
             const std::vector<const Tensor*>& cpu_inputs) {
  Tensor gpu = to_device(gpu_out, kCpu, "check");
  if (gpu.dtype != cpu.dtype || gpu.numel() != cpu.numel()) {
    std::printf("FAIL %s: dtype/shape differ\n", label.c_str());
    failures++;
    return;
  }
  int64_t n = cpu.numel(), worst = 0, worst_i = -1, bad = 0;
  for (int64_t i = 0; i < n; i++) {
    int64_t d = 0;
    switch (cpu.dtype) {
      case DType::Float32: {
        float a = cpu.ptr<float>()[i], b = gpu.ptr<float>()[i];
        if (a != a || b != b) d = (a != a) == (b != b) ? 0 : INT64_MAX;
        else d = std::llabs(ordered(a) - ordered(b));
        break;
      }
      case DType::Float64: {
        double a = cpu.ptr<double>()[i], b = gpu.ptr<double>()[i];
        if (a != a || b != b) {
          d = (a != a) == (b != b) ? 0 : INT64_MAX;
        } else {
          int64_t x = ordered(a), y = ordered(b);
          uint64_t diff = x > y ? uint64_t(x) - uint64_t(y) : uint64_t(y) - uint64_t(x);
          d = diff > uint64_t(INT64_MAX) ? INT64_MAX : int64_t(diff);
        }
        break;
      }
      case DType::Int32: d = cpu.ptr<int32_t>()[i] != gpu.ptr<int32_t>()[i] ? INT64_MAX : 0; break;
      case DType::Bool: d = cpu.ptr<uint8_t>()[i] != gpu.ptr<uint8_t>()[i] ? INT64_MAX : 0; break;
    }
    if (d > tolerance_ulps) {
      double a = element(cpu, i), b = element(gpu, i);
      double unit = cpu.dtype == DType::Float32 ? 0x1p-23 : 0x1p-52;
      if (!(abs_floor && std::fabs(a - b) <= tolerance_ulps * unit)) bad++;
    }
    if (d > worst) {
      worst = d;
      worst_i = i;
    }
  }
  bool ok = bad == 0;
  if (!ok) failures++;
  std::printf("%s %-48s n=%-8lld max ulp %lld", ok ? "ok  " : "FAIL", label.c_str(), (long long)n,
              (long long)(worst == INT64_MAX ? -1 : worst));
  if (!ok || worst > 0) {
    std::printf("  (%lld over %lld) at %lld: cpu %s gpu %s inputs", (long long)bad, (long long)tolerance_ulps,
                (long long)worst_i, show(element(cpu, worst_i)).c_str(), show(element(gpu, worst_i)).c_str());
    // Inputs at that position, when they have the output's shape.
    for (const Tensor* t : cpu_inputs) {
      if (t->numel() == n) std::printf(" %s", show(element(*t, worst_i)).c_str());
      else if (t->numel() == 1) std::printf(" %s(scalar)", show(element(*t, 0)).c_str());
    }
  }
  std::printf("\n");
}

// Runs kernel `name` on CPU inputs and on GPU copies in `layouts`, compares.
void check_case(const char* name, const std::vector<Tensor>& inputs, const std::vector<Layout>& layouts,
                const Dims& out_shape, DType out_dtype, int64_t tolerance, const std::string& what) {
  Kernel cpu = find(name, false), gpu = find(name, true);
  if (!cpu || !gpu) {
    std::printf("FAIL %s: %s\n", name, !cpu ? "no CPU kernel" : "no GPU kernel");
    failures++;
    return;
  }
  KernelCall c;
  c.name = name;
  c.out_shape = out_shape;
  c.out_dtype = out_dtype;
  std::vector<const Tensor*> cpu_ptrs;
  for (const Tensor& t : inputs) cpu_ptrs.push_back(&t);
  c.inputs = cpu_ptrs;
  Tensor expected;
  try {
    expected = cpu(c);
  } catch (const std::exception& e) {
    std::printf("FAIL %s %s: the CPU kernel threw: %s\n", name, what.c_str(), e.what());
    failures++;
    return;
  }
  std::vector<Tensor> gpu_inputs;
  for (size_t i = 0; i < inputs.size(); i++) gpu_inputs.push_back(on_gpu(inputs[i], layouts[i]));
  KernelCall g = c;
  g.device = 0;
  g.inputs.clear();
  for (const Tensor& t : gpu_inputs) g.inputs.push_back(&t);
  try {
    Tensor got = gpu(g);
    cuda::synchronize(0, name);
    compare(std::string(name) + " " + what, expected, got, tolerance, cpu_ptrs);
  } catch (const std::exception& e) {
    std::printf("FAIL %s %s: %s\n", name, what.c_str(), e.what());
    failures++;
  }
}

const char* dtname(DType d) { return dtype_name(d); }

std::string layout_name(Layout l) {
  return l == Layout::Contiguous ? "contig" : l == Layout::Offset ? "offset" : "transposed";
}

// Unary op over several shapes and layouts.
void check_unary(const char* name, DType in, DType out, Domain d, int64_t tol) {
  const Dims shapes[] = {dims({100003}), dims({37, 53}), dims({3}), dims({}), dims({0}), dims({2, 1, 17})};
  for (const Dims& s : shapes) {
    for (Layout l : {Layout::Contiguous, Layout::Offset, Layout::Transposed}) {
      if (l == Layout::Transposed && s.n < 2) continue;
      Tensor x = filled(in, s, d);
      check_case(name, {x}, {l}, s, out, tol,
                 std::string(dtname(in)) + "->" + dtname(out) + " " + s.to_string() + " " + layout_name(l));
    }
  }
}

// Binary (or special binary) op over broadcast shapes and layouts.
void check_binary(const char* name, DType in, DType out, Domain da, Domain db, int64_t tol) {
  struct Case {
    Dims a, b, out;
    Layout la, lb;
  };
  const Case cases[] = {
      {dims({100003}), dims({100003}), dims({100003}), Layout::Contiguous, Layout::Contiguous},
      {dims({100003}), dims({100003}), dims({100003}), Layout::Offset, Layout::Contiguous},
      {dims({100003}), dims({100003}), dims({100003}), Layout::Offset, Layout::Offset},
      {dims({100003}), dims({}), dims({100003}), Layout::Contiguous, Layout::Contiguous},
      {dims({}), dims({4099}), dims({4099}), Layout::Contiguous, Layout::Offset},
      {dims({1}), dims({7, 9}), dims({7, 9}), Layout::Contiguous, Layout::Contiguous},
      {dims({37, 1}), dims({1, 53}), dims({37, 53}), Layout::Contiguous, Layout::Contiguous},
      {dims({37, 53}), dims({53}), dims({37, 53}), Layout::Transposed, Layout::Contiguous},
      {dims({37, 53}), dims({37, 53}), dims({37, 53}), Layout::Transposed, Layout::Offset},
      {dims({5}), dims({5}), dims({5}), Layout::Contiguous, Layout::Contiguous},
      {dims({}), dims({}), dims({}), Layout::Contiguous, Layout::Contiguous},
      {dims({0, 3}), dims({3}), dims({0, 3}), Layout::Contiguous, Layout::Contiguous},
  };
  for (const Case& k : cases) {
    Tensor a = filled(in, k.a, da), b = filled(in, k.b, db);
    check_case(name, {a, b}, {k.la, k.lb}, k.out, out, tol,
               std::string(dtname(in)) + " " + k.a.to_string() + layout_name(k.la) + " " + k.b.to_string() +
                   layout_name(k.lb));
  }
}

void check_ternary(const char* name, DType cond_dt, DType dt, Domain d0, Domain d1, Domain d2, int64_t tol) {
  struct Case {
    Dims a, b, c, out;
    Layout la, lb, lc;
  };
  const Case cases[] = {
      {dims({100003}), dims({100003}), dims({100003}), dims({100003}), Layout::Contiguous, Layout::Contiguous,
       Layout::Contiguous},
      {dims({100003}), dims({100003}), dims({100003}), dims({100003}), Layout::Offset, Layout::Contiguous,
       Layout::Offset},
      {dims({37, 1}), dims({1, 53}), dims({}), dims({37, 53}), Layout::Contiguous, Layout::Contiguous,
       Layout::Contiguous},
      {dims({37, 53}), dims({37, 53}), dims({53}), dims({37, 53}), Layout::Transposed, Layout::Contiguous,
       Layout::Offset},
      {dims({}), dims({4099}), dims({}), dims({4099}), Layout::Contiguous, Layout::Offset, Layout::Contiguous},
      {dims({3, 1, 5}), dims({4, 1}), dims({1, 5}), dims({3, 4, 5}), Layout::Offset, Layout::Contiguous,
       Layout::Contiguous},
  };
  for (const Case& k : cases) {
    Tensor a = filled(cond_dt, k.a, d0), b = filled(dt, k.b, d1), c = filled(dt, k.c, d2);
    check_case(name, {a, b, c}, {k.la, k.lb, k.lc}, k.out, dt, tol,
               std::string(dtname(dt)) + " " + k.a.to_string() + layout_name(k.la) + " " + k.b.to_string() +
                   layout_name(k.lb) + " " + k.c.to_string() + layout_name(k.lc));
  }
}

// The GPU kernel must reject what the CPU kernel rejects, with the same message.
void check_error(const char* name, const std::vector<Tensor>& inputs, const Dims& out_shape, DType out_dtype) {
  KernelCall c;
  c.name = name;
  c.out_shape = out_shape;
  c.out_dtype = out_dtype;
  for (const Tensor& t : inputs) c.inputs.push_back(&t);
  std::string cpu_msg = "(no error)", gpu_msg = "(no error)";
  try {
    find(name, false)(c);
  } catch (const std::exception& e) {
    cpu_msg = e.what();
  }
  std::vector<Tensor> g;
  for (const Tensor& t : inputs) g.push_back(to_device(t, 0, "check"));
  KernelCall gc = c;
  gc.device = 0;
  gc.inputs.clear();
  for (const Tensor& t : g) gc.inputs.push_back(&t);
  try {
    find(name, true)(gc);
    cuda::synchronize(0, name);
  } catch (const std::exception& e) {
    gpu_msg = e.what();
  }
  // The CPU maps name their broadcast errors "elementwise"; the GPU map names the op.
  if (cpu_msg.rfind("elementwise: ", 0) == 0) cpu_msg = std::string(name) + ": " + cpu_msg.substr(13);
  bool ok = cpu_msg == gpu_msg && cpu_msg != "(no error)";
  if (!ok) failures++;
  std::printf("%s error %s: cpu \"%s\" gpu \"%s\"\n", ok ? "ok  " : "FAIL", name, cpu_msg.c_str(), gpu_msg.c_str());
}

// Times fn (which launches on device 0's stream) in milliseconds per call.
double time_ms(const std::function<void()>& fn, int reps = 20) {
  cudaStream_t s = cuda::stream(0);
  fn();
  fn();
  cudaEvent_t a, b;
  cudaEventCreate(&a);
  cudaEventCreate(&b);
  cudaEventRecord(a, s);
  for (int i = 0; i < reps; i++) fn();
  cudaEventRecord(b, s);
  cudaEventSynchronize(b);
  float ms = 0;
  cudaEventElapsedTime(&ms, a, b);
  cudaEventDestroy(a);
  cudaEventDestroy(b);
  return ms / reps;
}

// Cheap pseudo-random values in [0.5, 8) (bool: 0 or 1) for the large benchmark operands.
Tensor quick_filled(DType dt, const Dims& shape) {
  Tensor t = empty_tensor(dt, shape, "bench");
  int64_t n = t.numel();
  uint64_t state = 88172645463325252ull;
  for (int64_t i = 0; i < n; i++) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    double v = 0.5 + double(state >> 11) * (7.5 / 9007199254740992.0);
    switch (dt) {
      case DType::Float32: t.ptr<float>()[i] = float(v); break;
      case DType::Float64: t.ptr<double>()[i] = v; break;
      case DType::Int32: t.ptr<int32_t>()[i] = int32_t(state); break;
      case DType::Bool: t.ptr<uint8_t>()[i] = state & 1; break;
    }
  }
  return t;
}

void bench() {
  const int64_t bytes = 256ll << 20;
  const int64_t n32 = bytes / 4, n64 = bytes / 8;
  std::printf("\nbench: 256 MB operands on %s\n", cuda::device_info(0).name.c_str());
  Tensor src = to_device(quick_filled(DType::Float32, dims({n32})), 0, "bench");
  Tensor dst = empty_tensor(DType::Float32, dims({n32}), "bench", 0);
  double copy_ms = time_ms([&] {
    cuda::check(cudaMemcpyAsync(dst.data(), src.data(), bytes, cudaMemcpyDeviceToDevice, cuda::stream(0)), "copy");
  });
  double copy_gbs = 2.0 * bytes / copy_ms / 1e6;
  std::printf("  cudaMemcpy D2D        %.3f ms  %.0f GB/s (read + write)\n", copy_ms, copy_gbs);
  struct B {
    const char* name;
    DType dt;
    int inputs;  // 1, 2 or 3 (where)
    bool scalar_b;
    Layout la;
  };
  const B list[] = {
      {"neg", DType::Float32, 1, false, Layout::Contiguous},   {"exp", DType::Float32, 1, false, Layout::Contiguous},
      {"log", DType::Float32, 1, false, Layout::Contiguous},   {"sigmoid", DType::Float32, 1, false, Layout::Contiguous},
      {"softplus", DType::Float32, 1, false, Layout::Contiguous}, {"tanh", DType::Float32, 1, false, Layout::Contiguous},
      {"neg", DType::Float64, 1, false, Layout::Contiguous},   {"exp", DType::Float64, 1, false, Layout::Contiguous},
      {"add", DType::Float32, 2, false, Layout::Contiguous},   {"mul", DType::Float32, 2, true, Layout::Contiguous},
      {"add", DType::Float64, 2, false, Layout::Contiguous},   {"add", DType::Int32, 2, false, Layout::Contiguous},
      {"greater", DType::Float32, 2, false, Layout::Contiguous}, {"pow", DType::Float32, 2, false, Layout::Contiguous},
      {"where", DType::Float32, 3, false, Layout::Contiguous}, {"logicalNot", DType::Bool, 1, false, Layout::Contiguous},
      {"add", DType::Float32, 2, false, Layout::Offset},       {"add", DType::Float32, 2, false, Layout::Transposed},
      {"erf", DType::Float64, 1, false, Layout::Contiguous},   {"lgamma", DType::Float32, 1, false, Layout::Contiguous},
      {"xlogy", DType::Float32, 2, false, Layout::Contiguous},
      {"log1p", DType::Float32, 1, false, Layout::Contiguous}, {"logSigmoid", DType::Float32, 1, false, Layout::Contiguous},
      {"expm1", DType::Float32, 1, false, Layout::Contiguous}, {"sqrt", DType::Float32, 1, false, Layout::Contiguous},
      {"round", DType::Float32, 1, false, Layout::Contiguous}, {"sin", DType::Float32, 1, false, Layout::Contiguous},
      {"div", DType::Float32, 2, false, Layout::Contiguous},   {"atan2", DType::Float32, 2, false, Layout::Contiguous},
      {"maximum", DType::Float32, 2, false, Layout::Contiguous}, {"log", DType::Float64, 1, false, Layout::Contiguous},
      {"log1p", DType::Float64, 1, false, Layout::Contiguous}, {"sin", DType::Float64, 1, false, Layout::Contiguous},
      {"tanh", DType::Float64, 1, false, Layout::Contiguous},  {"sigmoid", DType::Float64, 1, false, Layout::Contiguous},
      {"softplus", DType::Float64, 1, false, Layout::Contiguous}, {"pow", DType::Float64, 2, false, Layout::Contiguous},
      {"div", DType::Float64, 2, false, Layout::Contiguous},   {"sub", DType::Float32, 2, true, Layout::Contiguous},
      {"erf", DType::Float32, 1, false, Layout::Contiguous},   {"digamma", DType::Float32, 1, false, Layout::Contiguous},
  };
  for (const B& b : list) {
    int64_t n = b.dt == DType::Float64 ? n64 : b.dt == DType::Bool ? bytes : n32;
    Dims shape = b.la == Layout::Transposed ? dims({8192, n / 8192}) : dims({n});
    Tensor a_cpu = quick_filled(b.dt, shape);
    Tensor a = on_gpu(a_cpu, b.la);
    Tensor x2, x3, cond;
    KernelCall c;
    c.name = b.name;
    c.device = 0;
    c.out_shape = shape;
    c.out_dtype = b.dt;
    if (b.inputs == 3) {
      cond = to_device(quick_filled(DType::Bool, shape), 0, "bench");
      x2 = to_device(quick_filled(b.dt, shape), 0, "bench");
      c.inputs = {&cond, &a, &x2};
    } else if (b.inputs == 2) {
      x2 = to_device(quick_filled(b.dt, b.scalar_b ? dims({}) : shape), 0, "bench");
      c.inputs = {&a, &x2};
    } else {
      c.inputs = {&a};
    }
    Kernel k = find(b.name, true);
    Tensor out;
    double ms = time_ms([&] { out = k(c); });
    cuda::synchronize(0, b.name);
    // Bytes moved: each streamed input and the output once.
    double moved = double(out.numel()) * itemsize(out.dtype);
    for (const Tensor* t : c.inputs) moved += t->numel() == 1 ? 0.0 : double(t->numel()) * itemsize(t->dtype);
    double gbs = moved / ms / 1e6;
    std::printf("  %-10s %-7s %-10s %s %.3f ms  %.0f GB/s  %.0f%% of copy\n", b.name, dtname(b.dt),
                layout_name(b.la).c_str(), b.scalar_b ? "scalar" : "      ", ms, gbs, 100 * gbs / copy_gbs);
  }
}


}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // a run stopped at its time limit still shows its lines
  bool run_bench = !(argc > 1 && std::string(argv[1]) == "--no-bench");
  if (cuda::device_count() == 0) {
    std::printf("no GPU: %s\n", cuda::unavailable_reason().c_str());
    return 2;
  }
  const DType F32 = DType::Float32, F64 = DType::Float64, I32 = DType::Int32, B8 = DType::Bool;
  try {
    // Ops computed exactly on both devices (bitwise), then the math functions (CUDA's libm
    // versus glibc: a few ulps at most).
    for (DType t : {F32, F64, I32}) {
      Domain d = t == I32 ? Domain::IntAny : Domain::Any;
      check_unary("neg", t, t, d, 0);
      check_unary("abs", t, t, d, 0);
      check_unary("sign", t, t, d, 0);
      check_unary("square", t, t, d, 0);
    }
    for (DType t : {F32, F64}) {
      for (const char* op : {"floor", "ceil", "round", "sqrt", "reciprocal"}) check_unary(op, t, t, Domain::Any, 0);
      check_unary("rsqrt", t, t, Domain::Positive, 1);
      // float32 exp, log1p, softplus, logSigmoid, sigmoid use fast_math.h's double formulas on
      // both sides (FMA contraction on the GPU may move a rare result by an ulp).
      for (const char* op : {"exp", "log1p", "softplus", "logSigmoid", "sigmoid"}) {
        check_unary(op, t, t, Domain::Small, t == F32 ? 1 : 2);
      }
      // CUDA's libm and glibc: each within an ulp or two of the exact result.
      for (const char* op : {"expm1", "tanh"}) check_unary(op, t, t, Domain::Small, 4);
      for (const char* op : {"log", "sin", "cos"}) check_unary(op, t, t, Domain::Any, 4);
    }
    for (DType t : {F32, F64, I32, B8}) {
      Domain d = t == I32 ? Domain::IntAny : t == B8 ? Domain::Bool : Domain::Any;
      check_unary("isFinite", t, B8, d, 0);
      check_unary("isNaN", t, B8, d, 0);
      for (DType to : {F32, F64, I32, B8}) check_unary("cast", t, to, t == I32 || t == B8 ? d : Domain::Cast, 0);
    }
    check_unary("logicalNot", B8, B8, Domain::Bool, 0);

    for (DType t : {F32, F64, I32}) {
      Domain d = t == I32 ? Domain::IntAny : Domain::Any;
      for (const char* op : {"add", "sub", "mul", "maximum", "minimum", "squaredDifference"}) check_binary(op, t, t, d, d, 0);
      if (t == I32) check_binary("pow", t, t, Domain::IntSmall, Domain::IntExp, 0);
      else check_binary("pow", t, t, Domain::Positive, Domain::Signed1, 4);
    }
    for (DType t : {F32, F64}) {
      check_binary("div", t, t, Domain::Any, Domain::Any, 0);
      check_binary("atan2", t, t, Domain::Any, Domain::Any, 4);
    }
    for (DType t : {F32, F64, I32, B8}) {
      Domain d = t == I32 ? Domain::IntSmall : t == B8 ? Domain::Bool : Domain::Signed1;
      for (const char* op : {"equal", "notEqual", "less", "lessEqual", "greater", "greaterEqual"}) {
        check_binary(op, t, B8, d, d, 0);
      }
      check_ternary("where", B8, t, Domain::Bool, d, d, 0);
    }
    for (const char* op : {"logicalAnd", "logicalOr", "logicalXor"}) check_binary(op, B8, B8, Domain::Bool, Domain::Bool, 0);

    // Special functions: the same double code on both sides; CUDA's exp/log/log1p differ from
    // glibc's by an ulp here and there, and FMA contraction moves roundings.
    abs_floor = true;
    for (DType t : {F64, F32}) {
      int64_t tol = t == F32 ? 1 : 64;
      check_unary("lgamma", t, t, Domain::Small, tol);
      check_unary("digamma", t, t, Domain::Small, tol);
      check_unary("erf", t, t, Domain::Signed1, tol);
      check_unary("erfc", t, t, Domain::Small, tol);
      check_unary("erfinv", t, t, Domain::OpenUnit, tol);
      check_unary("ndtri", t, t, Domain::Unit, tol);
      check_unary("log1mexp", t, t, Domain::Small, tol);
      check_unary("log1pexp", t, t, Domain::Small, tol);
      check_unary("besselI0e", t, t, Domain::Small, tol);
      check_unary("besselI1e", t, t, Domain::Small, tol);
      check_binary("betaln", t, t, Domain::BetaAB, Domain::BetaAB, tol);
      check_binary("igamma", t, t, Domain::GammaA, Domain::GammaA, tol);
      check_binary("igammac", t, t, Domain::GammaA, Domain::GammaA, tol);
      check_binary("xlogy", t, t, Domain::Any, Domain::Positive, tol);
      check_binary("xlog1py", t, t, Domain::Any, Domain::Positive, tol);
      check_ternary("betainc", t, t, Domain::BetaAB, Domain::BetaAB, Domain::Unit, tol);
    }

    abs_floor = false;

    // Argument errors: the GPU kernels reuse the CPU kernels' checks.
    Tensor f32 = filled(F32, dims({4}), Domain::Any), f64 = filled(F64, dims({4}), Domain::Any);
    Tensor i32 = filled(I32, dims({4}), Domain::IntAny), b8 = filled(B8, dims({4}), Domain::Bool);
    check_error("add", {f32, f64}, dims({4}), F32);
    check_error("add", {b8, b8}, dims({4}), B8);
    check_error("div", {i32, i32}, dims({4}), I32);
    check_error("exp", {i32}, dims({4}), I32);
    check_error("exp", {f32}, dims({4}), F64);
    check_error("neg", {b8}, dims({4}), B8);
    check_error("logicalAnd", {f32, b8}, dims({4}), B8);
    check_error("logicalNot", {i32}, dims({4}), B8);
    check_error("where", {f32, f32, f32}, dims({4}), F32);
    check_error("where", {b8, f32, f64}, dims({4}), F32);
    check_error("less", {f32, i32}, dims({4}), B8);
    check_error("erf", {i32}, dims({4}), I32);
    check_error("erf", {f32}, dims({5}), F32);
    check_error("igamma", {f32, f64}, dims({4}), F32);
    check_error("betainc", {f64, f64, f64}, dims({4}), F32);
    check_error("add", {f32, filled(F32, dims({3}), Domain::Any)}, dims({4}), F32);
    check_error("neg", {f32, f32}, dims({4}), F32);

    if (run_bench) bench();
  } catch (const std::exception& e) {
    std::printf("FAIL exception: %s\n", e.what());
    failures++;
  }
  std::printf("\n%d failure(s)\n", failures);
  return failures ? 1 : 0;
}
