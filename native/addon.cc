// The JS <-> native surface: a handful of generic entry points. Tensors cross as tagged
// externals; an op is one call to run() with a kernel id, the output shape and dtype the
// TypeScript shape rule computed, numeric attributes and the input tensors.
#include <napi.h>

#include <atomic>
#include <chrono>

#include <cmath>
#include <memory>
#include <cstring>
#include <vector>

#include <atomic>
#include <chrono>
#include "allocator.h"
#include "blas.h"
#include "graph.h"
#include "graph_fusion.h"
#include "graph_products.h"
#include "nuts.h"
#include "cuda/cublas.h"
#include "cuda/matmul_skinny.h"
#include "kernel.h"
#include "tensor.h"
#include "thread_pool.h"

namespace rv {
namespace {

// Identifies externals made by this addon, so a foreign value is never read as a tensor.
const napi_type_tag kTensorTag = {0x72616e6476617231ULL, 0x74656e736f723031ULL};
bool tagging_supported = true;

// Reports live native bytes to V8 in batches, so its GC heuristics see tensor memory. Called
// from JS-facing calls only, never from a finalizer (see finalize_tensor).
void report_memory(node_api_basic_env env) {
  int64_t delta = take_unreported_bytes(256 * 1024);
  if (delta != 0) {
    int64_t ignored;
    napi_adjust_external_memory(env, delta, &ignored);
  }
}

// A basic finalizer: it touches no JS value, so Node runs it inside the garbage collection
// that found the handle unreachable (not later from the event loop), and a synchronous loop
// that leaves tensors to the GC stays bounded. Needs NAPI_EXPERIMENTAL on Node 20. It does not
// report the freed bytes: adjusting V8's external memory from inside a collection can start
// another marking cycle mid-collection (seen as V8's fatal "Check failed: marking_done_"); the
// next op reports them.
void finalize_tensor(Napi::BasicEnv, Tensor* t) { delete t; }

Napi::Value wrap(Napi::Env env, Tensor&& t) {
  auto ext = Napi::External<Tensor>::New(env, new Tensor(std::move(t)), finalize_tensor);
  if (tagging_supported) {
    if (napi_type_tag_object(env, ext, &kTensorTag) != napi_ok) {
      tagging_supported = false;
      env.GetAndClearPendingException();
    }
  }
  report_memory(env);
  return ext;
}

// Node-API calls check their arguments' types themselves: their status stands in for a typeof
// (one Node-API call fewer per argument of every op).
Tensor* unwrap(Napi::Env env, Napi::Value v, const char* what, size_t index) {
  void* data = nullptr;
  if (napi_get_value_external(env, v, &data) != napi_ok) {
    throw Error(std::string(what) + ": argument " + std::to_string(index) + " is not a tensor");
  }
  if (tagging_supported) {
    bool ok = false;
    napi_check_object_type_tag(env, v, &kTensorTag, &ok);
    if (!ok) throw Error(std::string(what) + ": argument " + std::to_string(index) + " is not a randvar tensor");
  }
  Tensor* t = static_cast<Tensor*>(data);
  if (!t->storage) throw Error(std::string(what) + ": tensor argument " + std::to_string(index) + " is disposed");
  return t;
}

double number(Napi::Value v, const char* what, const char* name) {
  double x = 0;
  if (napi_get_value_double(v.Env(), v, &x) != napi_ok) throw Error(std::string(what) + ": " + name + " must be a number");
  return x;
}

// Whether v is undefined or null (one typeof).
bool absent(Napi::Value v) {
  napi_valuetype type = napi_undefined;
  napi_typeof(v.Env(), v, &type);
  return type == napi_undefined || type == napi_null;
}

// The elements of the array v as numbers, each checked by `check` (which throws); `expected`
// says what v must be.
template <typename Check>
void read_array(Napi::Value v, const char* what, const char* expected, const char* name, Check check) {
  napi_env env = v.Env();
  uint32_t n = 0;
  if (napi_get_array_length(env, v, &n) != napi_ok) throw Error(std::string(what) + ": " + expected);
  for (uint32_t i = 0; i < n; i++) {
    napi_value e = nullptr;
    if (napi_get_element(env, v, i, &e) != napi_ok) throw Error(std::string(what) + ": " + expected);
    check(i, n, number(Napi::Value(env, e), what, name));
  }
}

Dims read_shape(Napi::Value v, const char* what) {
  Dims d;
  read_array(v, what, "shape must be an array", "shape entry", [&](uint32_t i, uint32_t n, double x) {
    if (i == 0) d = Dims::of_rank(int(std::min<uint32_t>(n, kMaxRank + 1)), what);
    if (!(x >= 0) || std::floor(x) != x || x > 9007199254740991.0) {
      throw Error(std::string(what) + ": shape entries must be non-negative integers, got " + std::to_string(x));
    }
    d[int(i)] = int64_t(x);
  });
  checked_numel(d, what);
  return d;
}

std::vector<double> read_numbers(Napi::Value v, const char* what) {
  std::vector<double> out;
  if (absent(v)) return out;
  read_array(v, what, "attributes must be an array of numbers", "attribute", [&](uint32_t i, uint32_t n, double x) {
    if (i == 0) out.reserve(n);
    out.push_back(x);
  });
  return out;
}

// Runs body. A failure comes back as an Error value, which lib/backend/binding.ts throws: an
// exception left pending when a native call returns is rethrown by Node, and a garbage collection
// during that rethrow runs the tensors' finalizers (basic finalizers run inside the collection)
// while Node still holds the exception, which it then treats as thrown by the finalizer: a fatal
// "AllowJavascriptExecution" abort (Node 20; a loop of failing calls with garbage tensors about
// hits it).
template <typename Body>
Napi::Value guarded(const Napi::CallbackInfo& info, Body body) {
  Napi::Env env = info.Env();
  try {
    return body(env);
  } catch (const Napi::Error& e) {
    return e.Value();  // a JS exception a Node-API call met, taken off the environment
  } catch (const std::bad_alloc&) {
    return Napi::Error::New(env, "randvar: out of memory").Value();
  } catch (const std::exception& e) {
    return Napi::Error::New(env, e.what()).Value();
  }
}

// kernels() -> { name: id }
Napi::Value Kernels(const Napi::CallbackInfo& info) {
  Napi::Object out = Napi::Object::New(info.Env());
  const auto& list = kernels();
  for (size_t i = 0; i < list.size(); i++) out.Set(list[i].name, Napi::Number::New(info.Env(), double(i)));
  return out;
}

// A device code from JS: -1 for the CPU, else a CUDA ordinal that must be usable.
int read_device(Napi::Value v, const char* what) {
  if (absent(v)) return kCpu;
  double d = number(v, what, "device");
  if (!(d >= -1 && d < kMaxDevices) || std::floor(d) != d) throw Error(std::string(what) + ": unknown device code");
  if (d != kCpu) cuda::check_device(int(d), what);
  return int(d);
}

// Kernels that ran on the CPU for a GPU call (no GPU kernel yet), by kernel id.
std::vector<int64_t>& fallback_counts() {
  static std::vector<int64_t> counts(kernels().size(), 0);
  return counts;
}

// A GPU call of a kernel that has no GPU version: inputs copied to the CPU, the CPU kernel, the
// output copied back. Correct and slow; cudaInfo().fallbacks counts these.
Tensor run_on_cpu(const KernelEntry& entry, KernelCall& call, size_t id) {
  fallback_counts()[id]++;
  std::vector<Tensor> host;
  host.reserve(call.inputs.size());
  for (const Tensor* t : call.inputs) host.push_back(to_device(*t, kCpu, call.name));
  KernelCall cpu = call;
  cpu.device = kCpu;
  for (size_t i = 0; i < host.size(); i++) cpu.inputs[i] = &host[i];
  return to_device(entry.fn(cpu), call.device, call.name);
}

// The call's device: its inputs' (all on one device), else `device` (ops without inputs).
void place(KernelCall& call, int device) {
  if (call.inputs.empty()) {
    call.device = device;
    return;
  }
  call.device = call.inputs[0]->device();
  for (size_t i = 1; i < call.inputs.size(); i++) {
    if (call.inputs[i]->device() != call.device) {
      throw Error(std::string(call.name) + ": input 0 is on " + device_name(call.device) + ", input " +
                  std::to_string(i) + " on " + device_name(call.inputs[i]->device()) +
                  " (move tensors with .to(device) first)");
    }
  }
}

// Runs kernel `id` on the call's device: the CPU kernel, the GPU kernel, or the CPU fallback.
Tensor execute(size_t id, KernelCall& call) {
  const KernelEntry& entry = kernels()[id];
  if (call.device == kCpu) return entry.fn(call);
  Kernel gpu = cuda::emulated() ? nullptr : cuda_kernel(id);
  return gpu ? gpu(call) : run_on_cpu(entry, call, id);
}

// Puts the tensor `make` gives into info[0], the handle of a disposed tensor of this addon's,
// and gives that handle (runInto, fromDataInto).
template <typename Make>
Napi::Value into_spare(const Napi::CallbackInfo& info, const char* what, Make make) {
  return guarded(info, [&](Napi::Env env) -> Napi::Value {
    void* data = nullptr;
    bool ours = false;
    if (napi_get_value_external(env, info[0], &data) == napi_ok) napi_check_object_type_tag(env, info[0], &kTensorTag, &ours);
    if (!ours || !tagging_supported) throw Error(std::string(what) + ": argument 0 is not a randvar tensor");
    Tensor* spare = static_cast<Tensor*>(data);
    if (spare->storage) throw Error(std::string(what) + ": argument 0 is a live tensor, not a disposed one");
    *spare = make(env);
    report_memory(env);
    return info[0];
  });
}

// The kernel call that arguments first, first + 1, ... describe: (kernelId, outShape, outDtype,
// attrs, device, ...inputs), run. `device` places ops without inputs (creation, random); with
// inputs, they must all be on one device, and it is used.
Tensor run_call(Napi::Env env, const Napi::CallbackInfo& info, size_t first) {
  const auto& list = kernels();
  double id = number(info[first], "run", "kernel id");
  if (!(id >= 0 && id < double(list.size())) || std::floor(id) != id) throw Error("run: unknown kernel id");
  const KernelEntry& entry = list[size_t(id)];
  KernelCall call;
  call.name = entry.name.c_str();
  if (!absent(info[first + 1])) call.out_shape = read_shape(info[first + 1], call.name);
  call.out_dtype = dtype_from_code(int64_t(number(info[first + 2], call.name, "dtype")));
  call.attrs = read_numbers(info[first + 3], call.name);
  const size_t inputs = first + 5;
  if (info.Length() > inputs) call.inputs.reserve(info.Length() - inputs);
  for (size_t i = inputs; i < info.Length(); i++) call.inputs.push_back(unwrap(env, info[i], call.name, i - inputs));
  // With inputs, they give the device, and the argument is not read.
  place(call, call.inputs.empty() ? read_device(info[first + 4], call.name) : kCpu);
  return execute(size_t(id), call);
}

// run(kernelId, outShape, outDtype, attrs, device, ...inputs) -> tensor.
Napi::Value Run(const Napi::CallbackInfo& info) {
  return guarded(info, [&](Napi::Env env) -> Napi::Value { return wrap(env, run_call(env, info, 0)); });
}

// runInto(spare, kernelId, outShape, outDtype, attrs, device, ...inputs) -> spare: run(), with the
// result in `spare`, a disposed tensor's handle, instead of a new one. Making a handle (an external
// with a finalizer) and collecting it cost as much as a small op itself; a loop of ops whose
// results are disposed then makes none (lib/tensor/tensor.ts keeps disposed tensors' handles).
Napi::Value RunInto(const Napi::CallbackInfo& info) {
  return into_spare(info, "runInto", [&](Napi::Env env) { return run_call(env, info, 1); });
}

// Copies `bytes` of host memory into t's storage, on whichever device it is.
void copy_from_host(const Tensor& t, const void* src, size_t bytes) {
  if (t.on_cpu()) std::memcpy(t.data(), src, bytes);
  else cuda::copy_bytes(t.data(), t.device(), src, kCpu, bytes, "tensor");
}

// The tensor holding a copy of the data that arguments first, first + 1, ... describe: (dtype,
// shape, typedArray, device).
Tensor from_data(const Napi::CallbackInfo& info, size_t first) {
  DType dtype = dtype_from_code(int64_t(number(info[first], "tensor", "dtype")));
  Dims shape = read_shape(info[first + 1], "tensor");
  int device = read_device(info[first + 3], "tensor");
  if (!info[first + 2].IsTypedArray()) throw Error("tensor: data must be a typed array");
  Napi::TypedArray array = info[first + 2].As<Napi::TypedArray>();
  size_t bytes = size_t(checked_numel(shape, "tensor")) * itemsize(dtype);
  if (array.ByteLength() != bytes) {
    throw Error("tensor: data has " + std::to_string(array.ByteLength()) + " bytes, shape " + shape.to_string() +
                " of " + dtype_name(dtype) + " needs " + std::to_string(bytes));
  }
  const uint8_t* src = static_cast<const uint8_t*>(array.ArrayBuffer().Data()) + array.ByteOffset();
  // Bool bytes are normalised to 0/1 on the host first; other data go straight to the device.
  bool normalise = dtype == DType::Bool;
  Tensor t = empty_tensor(dtype, shape, "tensor", normalise ? kCpu : device);
  if (bytes) copy_from_host(t, src, bytes);
  if (normalise) {
    uint8_t* p = t.ptr<uint8_t>();
    for (size_t i = 0; i < bytes; i++) p[i] = p[i] != 0;
    if (device != kCpu) return to_device(t, device, "tensor");
  }
  return t;
}

// fromData(dtype, shape, typedArray, device) -> tensor holding a copy of the data.
Napi::Value FromData(const Napi::CallbackInfo& info) {
  return guarded(info, [&](Napi::Env env) -> Napi::Value { return wrap(env, from_data(info, 0)); });
}

// fromDataInto(spare, dtype, shape, typedArray, device) -> spare: fromData() into a disposed
// tensor's handle (see runInto).
Napi::Value FromDataInto(const Napi::CallbackInfo& info) {
  return into_spare(info, "fromDataInto", [&](Napi::Env) { return from_data(info, 1); });
}

// toData(tensor) -> a new typed array with the elements in row-major order.
Napi::Value ToData(const Napi::CallbackInfo& info) {
  return guarded(info, [&](Napi::Env env) -> Napi::Value {
    Tensor* t = unwrap(env, info[0], "dataSync", 0);
    Tensor c = to_device(*t, kCpu, "dataSync");
    size_t n = size_t(c.numel());
    size_t bytes = n * itemsize(c.dtype);
    Napi::ArrayBuffer buffer = Napi::ArrayBuffer::New(env, bytes);
    if (bytes) std::memcpy(buffer.Data(), c.data(), bytes);
    switch (c.dtype) {
      case DType::Float32: return Napi::Float32Array::New(env, n, buffer, 0);
      case DType::Float64: return Napi::Float64Array::New(env, n, buffer, 0);
      case DType::Int32: return Napi::Int32Array::New(env, n, buffer, 0);
      case DType::Bool: return Napi::Uint8Array::New(env, n, buffer, 0);
    }
    throw Error("dataSync: unknown dtype");
  });
}

// dispose(tensor): releases this handle's reference to the storage now.
Napi::Value Dispose(const Napi::CallbackInfo& info) {
  return guarded(info, [&](Napi::Env env) -> Napi::Value {
    Tensor* t = unwrap(env, info[0], "dispose", 0);
    t->storage.reset();
    report_memory(env);
    return env.Undefined();
  });
}

// layout(tensor) -> { strides, offset, contiguous, storageId } for tests and debugging.
Napi::Value Layout(const Napi::CallbackInfo& info) {
  return guarded(info, [&](Napi::Env env) -> Napi::Value {
    Tensor* t = unwrap(env, info[0], "layout", 0);
    Napi::Object out = Napi::Object::New(env);
    Napi::Array strides = Napi::Array::New(env, size_t(t->strides.n));
    for (int i = 0; i < t->strides.n; i++) strides.Set(uint32_t(i), double(t->strides[i]));
    out.Set("strides", strides);
    out.Set("offset", double(t->offset));
    out.Set("contiguous", t->is_contiguous());
    out.Set("storage", double(reinterpret_cast<uintptr_t>(t->storage.get()) & 0xffffffffffffULL));
    out.Set("device", double(t->device()));
    return out;
  });
}

// toDevice(tensor, device) -> the tensor on `device`: a contiguous copy from another device; a
// handle of its own to the same storage, layout kept, when it is there already (a captured
// graph's constant then reads a closed-over view as the function did).
Napi::Value ToDevice(const Napi::CallbackInfo& info) {
  return guarded(info, [&](Napi::Env env) -> Napi::Value {
    Tensor* t = unwrap(env, info[0], "to", 0);
    int device = read_device(info[1], "to");
    if (t->device() == device) return wrap(env, Tensor(*t));
    return wrap(env, to_device(*t, device, "to"));
  });
}

// devices() -> [{ code, name, ... }]: the CPU, then every usable GPU.
Napi::Value Devices(const Napi::CallbackInfo& info) {
  return guarded(info, [&](Napi::Env env) -> Napi::Value {
    int n = cuda::device_count();
    Napi::Array out = Napi::Array::New(env, size_t(n) + 1);
    Napi::Object cpu = Napi::Object::New(env);
    cpu.Set("code", double(kCpu));
    cpu.Set("name", "cpu");
    out.Set(0u, cpu);
    for (int d = 0; d < n; d++) {
      cuda::DeviceInfo di = cuda::device_info(d);
      Napi::Object o = Napi::Object::New(env);
      o.Set("code", double(d));
      o.Set("name", device_name(d));
      o.Set("model", di.name);
      o.Set("totalMemory", double(di.total_memory));
      o.Set("computeCapability", std::to_string(di.compute_major) + "." + std::to_string(di.compute_minor));
      o.Set("multiprocessors", double(di.multiprocessors));
      out.Set(uint32_t(d + 1), o);
    }
    return out;
  });
}

// cudaInfo() -> { available, reason, fallbacks: { kernel: count }, cpuOnlyKernels, cublas, skinnyProducts }.
Napi::Value CudaInfo(const Napi::CallbackInfo& info) {
  return guarded(info, [&](Napi::Env env) -> Napi::Value {
    Napi::Object out = Napi::Object::New(env);
    out.Set("available", cuda::device_count() > 0);
    out.Set("reason", cuda::unavailable_reason());
    Napi::Object fallbacks = Napi::Object::New(env);
    const auto& list = kernels();
    for (size_t i = 0; i < list.size(); i++) {
      if (fallback_counts()[i] > 0) fallbacks.Set(list[i].name, double(fallback_counts()[i]));
    }
    out.Set("fallbacks", fallbacks);
    Napi::Array missing = Napi::Array::New(env);
    for (size_t i = 0; i < list.size(); i++) {
      if (!cuda_kernel(i)) missing.Set(missing.Length(), list[i].name);
    }
    out.Set("cpuOnlyKernels", missing);
    // cuBLAS is opened on the first GPU matMul: report it once it has been.
    const char* path = cuda::cublas_path();
    out.Set("cublas", path ? Napi::Value(Napi::String::New(env, std::string(path) + " (" + cuda::cublas_version() + ")"))
                           : Napi::Value(Napi::String::New(env, cuda::cublas_error())));
    out.Set("skinnyProducts", double(cuda::skinny_products()));
    return out;
  });
}

// synchronize(device): waits for the device's queued kernels; throws on a CUDA error.
Napi::Value Synchronize(const Napi::CallbackInfo& info) {
  return guarded(info, [&](Napi::Env env) -> Napi::Value {
    int device = read_device(info[0], "synchronize");
    if (device != kCpu) cuda::synchronize(device, "synchronize");
    return env.Undefined();
  });
}

Napi::Value Memory(const Napi::CallbackInfo& info) {
  int device = info.Length() > 0 ? read_device(info[0], "memory") : kCpu;
  AllocatorStats s = allocator_stats(device);
  Napi::Object out = Napi::Object::New(info.Env());
  out.Set("liveBytes", double(s.live_bytes));
  out.Set("cachedBytes", double(s.cached_bytes));
  out.Set("cacheHits", double(s.hits));
  out.Set("cacheMisses", double(s.misses));
  return out;
}

Napi::Value EmptyCache(const Napi::CallbackInfo& info) {
  empty_cache();
  return info.Env().Undefined();
}

Napi::Value NumThreads(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), num_threads()); }

Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
  return guarded(info, [&](Napi::Env env) -> Napi::Value {
    double n = number(info[0], "setNumThreads", "n");
    if (!(n >= 1 && n <= 256) || std::floor(n) != n) throw Error("setNumThreads: n must be an integer in [1, 256]");
    set_num_threads(int(n));
    return env.Undefined();
  });
}

// memcpy(dst, src): copies src's bytes into dst with std::memcpy split across the thread pool;
// the reference that bandwidth benchmarks are measured against. Both must be contiguous and of
// one byte size (any dtypes), so the benchmark copies between the very buffers its ops use.
Napi::Value Memcpy(const Napi::CallbackInfo& info) {
  return guarded(info, [&](Napi::Env env) -> Napi::Value {
    Tensor* dst = unwrap(env, info[0], "memcpy", 0);
    Tensor* src = unwrap(env, info[1], "memcpy", 1);
    size_t bytes = size_t(src->numel()) * itemsize(src->dtype);
    if (!dst->is_contiguous() || !src->is_contiguous() || size_t(dst->numel()) * itemsize(dst->dtype) != bytes) {
      throw Error("memcpy: dst and src must be contiguous and of one byte size");
    }
    if (dst->device() != kCpu || src->device() != kCpu) {
      // On a GPU: cudaMemcpyAsync on the device's stream (the device-to-device reference).
      cuda::copy_bytes(dst->data(), dst->device(), src->data(), src->device(), bytes, "memcpy");
      return env.Undefined();
    }
    char* to = dst->data();
    const char* from = src->data();
    parallel_for(int64_t(bytes), 1 << 20, [&](int64_t begin, int64_t end) {
      std::memcpy(to + begin, from + begin, size_t(end - begin));
    });
    return env.Undefined();
  });
}

// blasInfo() -> { name, path, config, operandCopies, skinnyProducts }: the library matMul calls (name
// 'builtin', path null when none). Throws if RANDVAR_BLAS names a library that cannot be used.
Napi::Value BlasInfo(const Napi::CallbackInfo& info) {
  return guarded(info, [&](Napi::Env env) -> Napi::Value {
    const Blas* blas = active_blas("blasInfo");
    Napi::Object out = Napi::Object::New(env);
    out.Set("name", blas ? blas->name : "builtin");
    out.Set("path", blas ? Napi::Value(Napi::String::New(env, blas->path)) : env.Null());
    out.Set("config", blas ? Napi::Value(Napi::String::New(env, blas->config)) : env.Null());
    out.Set("operandCopies", double(blas_operand_copies()));
    out.Set("skinnyProducts", double(skinny_products()));
    return out;
  });
}

// setBlas(mode): 'auto' (search), 'builtin', or a library path or soname.
Napi::Value SetBlas(const Napi::CallbackInfo& info) {
  return guarded(info, [&](Napi::Env env) -> Napi::Value {
    if (!info[0].IsString()) throw Error("setBlas: mode must be 'auto', 'builtin' or a library path");
    select_blas("setBlas", info[0].As<Napi::String>().Utf8Value());
    return env.Undefined();
  });
}

// blasGemm(c, a, b): C = A·B straight into the BLAS for contiguous matrices a [m, k], b [k, n],
// c [m, n] of one float dtype: the matMul benchmark's reference, without the op machinery.
Napi::Value BlasGemm(const Napi::CallbackInfo& info) {
  return guarded(info, [&](Napi::Env env) -> Napi::Value {
    Tensor* c = unwrap(env, info[0], "blasGemm", 0);
    Tensor* a = unwrap(env, info[1], "blasGemm", 1);
    Tensor* b = unwrap(env, info[2], "blasGemm", 2);
    bool ok = a->rank() == 2 && b->rank() == 2 && c->rank() == 2 && is_float(a->dtype) && a->dtype == b->dtype &&
              a->dtype == c->dtype && a->is_contiguous() && b->is_contiguous() && c->is_contiguous() &&
              a->shape[1] == b->shape[0] && c->shape[0] == a->shape[0] && c->shape[1] == b->shape[1] &&
              a->on_cpu() && b->on_cpu() && c->on_cpu();
    if (!ok) throw Error("blasGemm: expected contiguous float CPU matrices c [m, n], a [m, k], b [k, n] of one dtype");
    blas_gemm_direct(a->dtype == DType::Float32 ? 0 : 1, a->shape[0], b->shape[1], a->shape[1], a->data(), b->data(), c->data());
    return env.Undefined();
  });
}

// Graphs (lib/autodiff/jit.ts): makeGraph(spec) -> handle; runGraph(graph, ...inputs) -> [outputs].
// spec = { numSlots, inputs: [slot], constants: [[slot, tensor]], outputs: [slot],
//          steps: [[kernelId, outShape, dtypeCode, attrs, device, [inputSlots], outputSlot]],
//          fuse?: boolean (fuse elementwise chains, graph_fusion.h) }.
const napi_type_tag kGraphTag = {0x72616e6476617231ULL, 0x6772617068303031ULL};

int slot_number(Napi::Value v) {
  double x = number(v, "makeGraph", "slot");
  if (!(x >= 0 && x < 2147483647.0) || std::floor(x) != x) throw Error("makeGraph: slots must be non-negative integers");
  return int(x);
}

std::vector<int> slot_list(Napi::Value v) {
  if (!v.IsArray()) throw Error("makeGraph: expected an array of slots");
  Napi::Array a = v.As<Napi::Array>();
  std::vector<int> out;
  for (uint32_t i = 0; i < a.Length(); i++) out.push_back(slot_number(a.Get(i)));
  return out;
}

Napi::Value MakeGraph(const Napi::CallbackInfo& info) {
  return guarded(info, [&](Napi::Env env) -> Napi::Value {
    if (!info[0].IsObject()) throw Error("makeGraph: expected a graph description");
    Napi::Object spec = info[0].As<Napi::Object>();
    auto g = std::make_unique<Graph>();
    g->num_slots = slot_number(spec.Get("numSlots"));
    g->input_slots = slot_list(spec.Get("inputs"));
    g->output_slots = slot_list(spec.Get("outputs"));
    Napi::Value constants = spec.Get("constants");
    if (!constants.IsArray()) throw Error("makeGraph: constants must be an array");
    Napi::Array ca = constants.As<Napi::Array>();
    for (uint32_t i = 0; i < ca.Length(); i++) {
      Napi::Value entry = ca.Get(i);
      if (!entry.IsArray()) throw Error("makeGraph: a constant must be [slot, tensor]");
      Napi::Array pair = entry.As<Napi::Array>();
      g->constants.emplace_back(slot_number(pair.Get(0u)), *unwrap(env, pair.Get(1u), "makeGraph", i));
    }
    Napi::Value steps = spec.Get("steps");
    if (!steps.IsArray()) throw Error("makeGraph: steps must be an array");
    Napi::Array sa = steps.As<Napi::Array>();
    const auto& list = kernels();
    for (uint32_t i = 0; i < sa.Length(); i++) {
      Napi::Value entry = sa.Get(i);
      if (!entry.IsArray() || entry.As<Napi::Array>().Length() != 7) throw Error("makeGraph: a step must have 7 entries");
      Napi::Array st = entry.As<Napi::Array>();
      GraphStep step;
      double id = number(st.Get(0u), "makeGraph", "kernel id");
      if (!(id >= 0 && id < double(list.size())) || std::floor(id) != id) throw Error("makeGraph: unknown kernel id");
      step.kernel = size_t(id);
      const char* name = list[step.kernel].name.c_str();
      Napi::Value shape = st.Get(1u);
      if (!shape.IsUndefined() && !shape.IsNull()) step.out_shape = read_shape(shape, name);
      step.out_dtype = dtype_from_code(int64_t(number(st.Get(2u), name, "dtype")));
      step.attrs = read_numbers(st.Get(3u), name);
      step.device = read_device(st.Get(4u), name);
      step.inputs = slot_list(st.Get(5u));
      step.output = slot_number(st.Get(6u));
      g->steps.push_back(std::move(step));
    }
    g->finish("makeGraph");
    Napi::Value fuse = spec.Get("fuse");
    Napi::Value products = spec.Get("fuseProducts");
    auto on = [](const Napi::Value& v) { return v.IsBoolean() && v.As<Napi::Boolean>().Value(); };
    if (on(fuse)) {
      int fused = fuse_elementwise(*g);  // first: the products take the programs it makes
      if (on(products)) fused += fuse_products(*g);
      if (fused > 0) g->finish("makeGraph");
    }
    auto ext = Napi::External<Graph>::New(env, g.release(), [](Napi::BasicEnv, Graph* graph) { delete graph; });
    napi_type_tag_object(env, ext, &kGraphTag);
    return ext;
  });
}

// The graph a makeGraph external holds; throws, naming `what`, for any other value.
Graph& graph_arg(Napi::Env env, Napi::Value v, const char* what) {
  bool ok = v.IsExternal();
  if (ok) napi_check_object_type_tag(env, v, &kGraphTag, &ok);
  if (!ok) throw Error(std::string(what) + ": not a graph");
  return *v.As<Napi::External<Graph>>().Data();
}

// Arguments first, first + 1, ... as tensors (a graph's inputs).
std::vector<const Tensor*> tensor_args(Napi::Env env, const Napi::CallbackInfo& info, size_t first, const char* what) {
  std::vector<const Tensor*> out;
  for (size_t i = first; i < info.Length(); i++) out.push_back(unwrap(env, info[i], what, i - first));
  return out;
}

// Tensors as a JS array of handles.
Napi::Array wrap_all(Napi::Env env, std::vector<Tensor>&& ts) {
  Napi::Array out = Napi::Array::New(env, ts.size());
  for (size_t i = 0; i < ts.size(); i++) out.Set(uint32_t(i), wrap(env, std::move(ts[i])));
  return out;
}

Napi::Value RunGraph(const Napi::CallbackInfo& info) {
  return guarded(info, [&](Napi::Env env) -> Napi::Value {
    const Graph& g = graph_arg(env, info[0], "runGraph");
    return wrap_all(env, run_graph(g, tensor_args(env, info, 1, "runGraph"), execute));
  });
}

// profileGraph(graph, repeats, ...inputs): each step's mean seconds over `repeats` runs, from its
// launch to its completion (the device is waited for after every step; outputs are dropped).
Napi::Value ProfileGraph(const Napi::CallbackInfo& info) {
  return guarded(info, [&](Napi::Env env) -> Napi::Value {
    const Graph& g = graph_arg(env, info[0], "profileGraph");
    double repeats = number(info[1], "profileGraph", "repeats");
    if (!(repeats >= 1 && repeats <= 1e6) || std::floor(repeats) != repeats) throw Error("profileGraph: repeats must be an integer in [1, 1e6]");
    const std::vector<const Tensor*> inputs = tensor_args(env, info, 2, "profileGraph");
    std::vector<double> seconds;
    for (int r = 0; r < int(repeats); r++) run_graph(g, inputs, execute, &seconds);
    Napi::Array out = Napi::Array::New(env, seconds.size());
    for (size_t i = 0; i < seconds.size(); i++) out.Set(uint32_t(i), Napi::Number::New(env, seconds[i] / repeats));
    return out;
  });
}

std::vector<Tensor> tensor_list(Napi::Env env, Napi::Value v, size_t count, const char* what) {
  if (!v.IsArray() || v.As<Napi::Array>().Length() != count) {
    throw Error(std::string(what) + ": expected an array of " + std::to_string(count) + " tensors");
  }
  Napi::Array a = v.As<Napi::Array>();
  std::vector<Tensor> out;
  for (uint32_t i = 0; i < count; i++) out.push_back(*unwrap(env, a.Get(i), what, i));
  return out;
}

// A typed array of `count` elements of T (checked by its byte size and element kind).
template <typename T, napi_typedarray_type Kind>
T* typed(Napi::Value v, size_t count, const char* what, const char* name) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != Kind ||
      v.As<Napi::TypedArray>().ElementLength() != count) {
    throw Error(std::string(what) + ": " + name + " must be a typed array of " + std::to_string(count) + " elements");
  }
  Napi::TypedArray a = v.As<Napi::TypedArray>();
  return reinterpret_cast<T*>(static_cast<uint8_t*>(a.ArrayBuffer().Data()) + a.ByteOffset());
}

// nutsTree([grow, leaf, choose, join, merge], leaf[5], sample[3], stepSize, inverse | null, maxDepth,
// speculate, startEnergy, rng, treeDepth, numSteps, diverging, energy, acceptSum) -> sample[3]: the
// tree building of one NUTS transition (native/nuts.h); the per-chain typed arrays are updated in place.
Napi::Value NutsTree(const Napi::CallbackInfo& info) {
  return guarded(info, [&](Napi::Env env) -> Napi::Value {
    const char* what = "nutsTree";
    if (info.Length() != 14) throw Error("nutsTree: expected 14 arguments");
    if (!info[0].IsArray() || info[0].As<Napi::Array>().Length() != 5) {
      throw Error("nutsTree: expected an array of 5 graphs (grow, leaf, choose, join, merge)");
    }
    Napi::Array g = info[0].As<Napi::Array>();
    NutsGraphs graphs{&graph_arg(env, g.Get(0u), what), &graph_arg(env, g.Get(1u), what), &graph_arg(env, g.Get(2u), what),
                      &graph_arg(env, g.Get(3u), what), &graph_arg(env, g.Get(4u), what)};
    std::vector<Tensor> leaf = tensor_list(env, info[1], 5, what);
    std::vector<Tensor> sample = tensor_list(env, info[2], 3, what);
    const Tensor* step_size = unwrap(env, info[3], what, 3);
    const Tensor* inverse = info[4].IsNull() ? nullptr : unwrap(env, info[4], what, 4);
    double depth = number(info[5], what, "maxDepth");
    if (!(depth >= 0 && depth <= 30) || std::floor(depth) != depth) throw Error("nutsTree: maxDepth must be an integer in [0, 30]");
    if (!info[6].IsBoolean()) throw Error("nutsTree: speculate must be a boolean");
    const bool speculate = info[6].As<Napi::Boolean>().Value();
    if (leaf[0].shape.size() < 1) throw Error("nutsTree: positions must be [chains, dim]");
    size_t n = size_t(leaf[0].shape[0]);
    const Tensor* start_energy = unwrap(env, info[7], what, 7);
    if (start_energy->numel() != int64_t(n) || (start_energy->dtype != DType::Float32 && start_energy->dtype != DType::Float64)) {
      throw Error("nutsTree: startEnergy must be a float tensor of " + std::to_string(n) + " values (one per chain), got " +
                  dtype_name(start_energy->dtype) + " " + start_energy->shape.to_string());
    }
    NutsChains chains{int64_t(n),
                      typed<uint32_t, napi_uint32_array>(info[8], 4 * n, what, "rng"),
                      typed<int32_t, napi_int32_array>(info[9], n, what, "treeDepth"),
                      typed<int32_t, napi_int32_array>(info[10], n, what, "numSteps"),
                      typed<uint8_t, napi_uint8_array>(info[11], n, what, "diverging"),
                      typed<double, napi_float64_array>(info[12], n, what, "energy"),
                      typed<double, napi_float64_array>(info[13], n, what, "acceptSum")};
    return wrap_all(env, nuts_tree(graphs, execute, leaf, sample, *start_energy, *step_size, inverse, int(depth), speculate,
                                   chains));
  });
}

// graphSteps(graph): the kernel name of each step, in order (what fusion left, for tests and profiles).
Napi::Value GraphSteps(const Napi::CallbackInfo& info) {
  return guarded(info, [&](Napi::Env env) -> Napi::Value {
    const Graph& g = graph_arg(env, info[0], "graphSteps");
    Napi::Array names = Napi::Array::New(env, g.steps.size());
    for (size_t i = 0; i < g.steps.size(); i++) names.Set(uint32_t(i), Napi::String::New(env, kernels()[g.steps[i].kernel].name));
    return names;
  });
}

// graphReplay(graph): how runGraph runs it on a GPU: "none" (step by step: not on a GPU, or not
// yet recorded), "recorded" (as one CUDA graph) or "failed" (it could not be recorded).
Napi::Value GraphReplay(const Napi::CallbackInfo& info) {
  return guarded(info, [&](Napi::Env env) -> Napi::Value {
    return Napi::String::New(env, replay_state(graph_arg(env, info[0], "graphReplay")));
  });
}

// disposeGraph(graph): releases the tensors a graph holds (its constants) now; it cannot run after.
Napi::Value DisposeGraph(const Napi::CallbackInfo& info) {
  return guarded(info, [&](Napi::Env env) -> Napi::Value {
    graph_arg(env, info[0], "disposeGraph").dispose();
    report_memory(env);
    return env.Undefined();
  });
}

// cudaGemm(c, a, b): C = A·B with cuBLAS directly, for contiguous float matrices on one GPU
// (queued on the device's stream): the GPU matMul benchmark's reference.
Napi::Value CudaGemm(const Napi::CallbackInfo& info) {
  return guarded(info, [&](Napi::Env env) -> Napi::Value {
    Tensor* c = unwrap(env, info[0], "cudaGemm", 0);
    Tensor* a = unwrap(env, info[1], "cudaGemm", 1);
    Tensor* b = unwrap(env, info[2], "cudaGemm", 2);
    cuda::gemm_direct(*c, *a, *b);
    return env.Undefined();
  });
}

// Time spent inside the addon's functions while timing is on: bench:logreg reports the share of
// a sampler step spent outside them (JS and dispatch). Measured here, not by wrapping the
// functions in JS, whose own clock reads and closures would count as time outside.
std::atomic<bool> timing{false};
std::atomic<int64_t> inside_ns{0};

// Every export runs through it, guarded as well: no C++ exception leaves the addon (one would
// abort the process), whether or not the function guards itself.
template <Napi::Value (*F)(const Napi::CallbackInfo&)>
Napi::Value Timed(const Napi::CallbackInfo& info) {
  auto call = [&](Napi::Env) { return F(info); };
  if (!timing.load(std::memory_order_relaxed)) return guarded(info, call);
  struct Clock {
    std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
    ~Clock() { inside_ns += std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start).count(); }
  } clock;
  return guarded(info, call);
}

// timeCalls(on): switches the timing of the addon's functions on (from zero) or off; returns the
// nanoseconds spent inside them since it was last switched on.
Napi::Value TimeCalls(const Napi::CallbackInfo& info) {
  return guarded(info, [&](Napi::Env env) -> Napi::Value {
    if (info.Length() < 1 || !info[0].IsBoolean()) throw Error("timeCalls: argument 'on' must be a boolean");
    bool on = info[0].As<Napi::Boolean>().Value();
    double total = double(inside_ns.load());
    if (on) inside_ns = 0;
    timing = on;
    return Napi::Number::New(env, total);
  });
}

}  // namespace

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("kernels", Napi::Function::New(env, Timed<Kernels>));
  exports.Set("run", Napi::Function::New(env, Timed<Run>));
  exports.Set("runInto", Napi::Function::New(env, Timed<RunInto>));
  exports.Set("fromData", Napi::Function::New(env, Timed<FromData>));
  exports.Set("fromDataInto", Napi::Function::New(env, Timed<FromDataInto>));
  exports.Set("toData", Napi::Function::New(env, Timed<ToData>));
  exports.Set("dispose", Napi::Function::New(env, Timed<Dispose>));
  exports.Set("layout", Napi::Function::New(env, Timed<Layout>));
  exports.Set("memory", Napi::Function::New(env, Timed<Memory>));
  exports.Set("toDevice", Napi::Function::New(env, Timed<ToDevice>));
  exports.Set("devices", Napi::Function::New(env, Timed<Devices>));
  exports.Set("cudaInfo", Napi::Function::New(env, Timed<CudaInfo>));
  exports.Set("synchronize", Napi::Function::New(env, Timed<Synchronize>));
  exports.Set("emptyCache", Napi::Function::New(env, Timed<EmptyCache>));
  exports.Set("numThreads", Napi::Function::New(env, Timed<NumThreads>));
  exports.Set("setNumThreads", Napi::Function::New(env, Timed<SetNumThreads>));
  exports.Set("memcpy", Napi::Function::New(env, Timed<Memcpy>));
  exports.Set("blasInfo", Napi::Function::New(env, Timed<BlasInfo>));
  exports.Set("setBlas", Napi::Function::New(env, Timed<SetBlas>));
  exports.Set("blasGemm", Napi::Function::New(env, Timed<BlasGemm>));
  exports.Set("cudaGemm", Napi::Function::New(env, Timed<CudaGemm>));
  exports.Set("makeGraph", Napi::Function::New(env, Timed<MakeGraph>));
  exports.Set("runGraph", Napi::Function::New(env, Timed<RunGraph>));
  exports.Set("graphSteps", Napi::Function::New(env, Timed<GraphSteps>));
  exports.Set("profileGraph", Napi::Function::New(env, Timed<ProfileGraph>));
  exports.Set("graphReplay", Napi::Function::New(env, Timed<GraphReplay>));
  exports.Set("disposeGraph", Napi::Function::New(env, Timed<DisposeGraph>));
  exports.Set("nutsTree", Napi::Function::New(env, Timed<NutsTree>));
  exports.Set("timeCalls", Napi::Function::New(env, TimeCalls));
  return exports;
}

}  // namespace rv

static Napi::Object InitRandvar(Napi::Env env, Napi::Object exports) { return rv::Init(env, exports); }
NODE_API_MODULE(randvar, InitRandvar)
