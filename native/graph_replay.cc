// A captured graph replayed on a GPU as one CUDA graph. Replayed step by step, each step costs a
// kernel launch: several microseconds of host time and a gap on the device, which for the small
// steps of a sampler (a leapfrog step on 55 coefficients) cost more than their kernels. So at a
// graph's second run on a GPU (the first loads its kernels and libraries), its steps are recorded
// once with stream capture and then launched together. A CUDA graph reads and writes the
// addresses it was recorded with, so the graph owns buffers for its inputs (each run copies the
// caller's inputs in, in one batched kernel) and for everything its kernels used (kept from the
// allocator while it lives); the outputs are copied out into fresh tensors, also in one kernel.
// What cannot be recorded (a step that waits for the device, inputs that change shape, large
// inputs or outputs not worth copying) runs step by step as before. RANDVAR_CUDA_GRAPHS=0 turns
// it off, to compare.
#include <cstdlib>
#include <cstring>

#include "allocator.h"
#include "device.h"
#include "graph.h"

namespace rv {

struct DeviceReplay {
  int device = kCpu;
  void* exec = nullptr;
  std::vector<Tensor> inputs;   // the buffers the recorded kernels read the inputs from
  std::vector<Tensor> outputs;  // the output slots as recorded
  // Per output: the input it is (returned as the caller's tensor, as step by step), else -1;
  // and whether a step computes it (copied out each run), else it is a constant (returned as is).
  std::vector<int> output_input;
  std::vector<char> output_computed;
  std::vector<Block> held;      // memory released while recording, which the graph still uses

  ~DeviceReplay() {
    cuda::destroy_graph(exec);
    for (const Block& b : held) release(b);
  }
};

namespace {

// Inputs and outputs copied per run, at most: beyond, the copies would cost more than launches.
constexpr size_t kMaxCopiedBytes = size_t(16) << 20;

bool enabled() {
  static const bool on = [] {
    const char* env = std::getenv("RANDVAR_CUDA_GRAPHS");
    return !(env && std::strcmp(env, "0") == 0) && !cuda::emulated();
  }();
  return on;
}

size_t bytes_of(const Tensor& t) { return size_t(t.numel()) * itemsize(t.dtype); }

// The slot's index in `slots`, or -1.
int index_of(const std::vector<int>& slots, int slot) {
  for (size_t i = 0; i < slots.size(); i++) {
    if (slots[i] == slot) return int(i);
  }
  return -1;
}

// Copies each src into dst (same shapes): contiguous ones in one batched kernel, others by a
// strided copy each.
void copy_all(const std::vector<const Tensor*>& dst, const std::vector<const Tensor*>& src, int device) {
  std::vector<cuda::ByteRange> ranges;
  for (size_t i = 0; i < dst.size(); i++) {
    if (!dst[i] || dst[i]->data() == src[i]->data()) continue;
    if (src[i]->is_contiguous()) ranges.push_back({dst[i]->data(), src[i]->data(), bytes_of(*src[i])});
    else copy_into(*dst[i], *src[i]);
  }
  cuda::copy_ranges(ranges.data(), ranges.size(), device, "runGraph");
}

// Records g's steps as run on buffers like `inputs`; null when some step cannot be recorded.
std::shared_ptr<DeviceReplay> record(const Graph& g, const std::vector<const Tensor*>& inputs, Executor execute,
                                     int device) {
  auto r = std::make_shared<DeviceReplay>();
  r->device = device;
  std::vector<const Tensor*> buffers;
  for (const Tensor* t : inputs) r->inputs.push_back(empty_tensor(t->dtype, t->shape, "runGraph", device));
  for (const Tensor& t : r->inputs) buffers.push_back(&t);
  HoldReleases hold(device, &r->held);
  try {
    cuda::begin_capture(device, "runGraph");
    r->outputs = run_steps(g, buffers, execute, nullptr);
  } catch (...) {
    // Nothing recorded has run: the caller runs the steps one by one, which reports a real error.
    cuda::destroy_graph(cuda::end_capture(device));
    return nullptr;
  }
  r->exec = cuda::end_capture(device);
  if (!r->exec) return nullptr;
  for (int slot : g.output_slots) {
    bool constant = false;
    for (const auto& c : g.constants) constant = constant || c.first == slot;
    const int input = index_of(g.input_slots, slot);
    r->output_input.push_back(input);
    r->output_computed.push_back(input < 0 && !constant);
  }
  return r;
}

}  // namespace

const char* replay_state(const Graph& g) { return g.replay ? "recorded" : g.replay_failed ? "failed" : "none"; }

bool replay_on_device(const Graph& g, const std::vector<const Tensor*>& inputs, Executor execute,
                      std::vector<Tensor>& out) {
  if (g.replay_failed || inputs.empty() || !enabled()) return false;
  const int device = inputs[0]->device();
  if (device == kCpu) return false;
  size_t copied = 0;
  for (const Tensor* t : inputs) {
    if (t->device() != device) return false;
    copied += bytes_of(*t);
  }
  if (!g.replay) {
    for (const auto& c : g.constants) {
      if (c.second.device() != device) return false;
    }
    for (const GraphStep& st : g.steps) {
      if (st.inputs.empty() && st.device != device) return false;
    }
    if (++g.runs < 2) return false;  // the first run loads the kernels (and cuBLAS) as usual
    g.replay = record(g, inputs, execute, device);
    if (g.replay) {
      for (const Tensor& t : g.replay->outputs) copied += bytes_of(t);
    }
    if (!g.replay || copied > kMaxCopiedBytes) {
      g.replay.reset();
      g.replay_failed = true;
      return false;
    }
  }
  DeviceReplay& r = *g.replay;
  if (r.device != device) return false;
  for (size_t i = 0; i < inputs.size(); i++) {
    if (inputs[i]->dtype != r.inputs[i].dtype || !same_dims(inputs[i]->shape, r.inputs[i].shape)) return false;
  }
  std::vector<const Tensor*> dst, src;
  for (size_t i = 0; i < inputs.size(); i++) dst.push_back(&r.inputs[i]), src.push_back(inputs[i]);
  copy_all(dst, src, device);
  cuda::launch_graph(r.exec, device, "runGraph");
  // Outputs: an input or a constant is returned as the step-by-step run returns it; a step's
  // result is copied out of the graph's memory, which the next run overwrites.
  out.assign(g.output_slots.size(), Tensor());
  dst.clear(), src.clear();
  for (size_t k = 0; k < out.size(); k++) {
    if (r.output_input[k] >= 0) {
      out[k] = *inputs[size_t(r.output_input[k])];
    } else if (!r.output_computed[k]) {
      out[k] = r.outputs[k];
    } else {
      out[k] = empty_tensor(r.outputs[k].dtype, r.outputs[k].shape, "runGraph", device);
      dst.push_back(&out[k]), src.push_back(&r.outputs[k]);
    }
  }
  copy_all(dst, src, device);
  return true;
}

}  // namespace rv
