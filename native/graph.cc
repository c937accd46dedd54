#include "graph.h"

#include <chrono>
#include <string>

#include "device.h"

namespace rv {

void Graph::finish(const char* what) {
  auto fail = [&](const std::string& m) { return Error(std::string(what) + ": " + m); };
  if (num_slots < 0) throw fail("negative slot count");
  std::vector<char> written(size_t(num_slots), 0);
  auto write = [&](int slot) {
    if (slot < 0 || slot >= num_slots) throw fail("slot " + std::to_string(slot) + " out of range");
    if (written[size_t(slot)]) throw fail("slot " + std::to_string(slot) + " is written twice");
    written[size_t(slot)] = 1;
  };
  for (int s : input_slots) write(s);
  for (auto& c : constants) {
    write(c.first);
    if (!c.second.storage) throw fail("a constant is disposed");
  }
  last_use.assign(size_t(num_slots), -1);
  for (size_t i = 0; i < steps.size(); i++) {
    const GraphStep& st = steps[i];
    if (st.kernel >= kernels().size()) throw fail("unknown kernel");
    for (int s : st.inputs) {
      if (s < 0 || s >= num_slots || !written[size_t(s)]) throw fail("step " + std::to_string(i) + " reads an unwritten slot");
      last_use[size_t(s)] = int(i);
    }
    write(st.output);
  }
  for (int s : output_slots) {
    if (s < 0 || s >= num_slots || !written[size_t(s)]) throw fail("an output slot is never written");
    last_use[size_t(s)] = int(steps.size());  // kept to the end
  }
}

namespace {

// Waits for the queued work of `device` (kernels on the CPU are done when they return).
void wait_for(int device) {
  if (device != kCpu) cuda::synchronize(device, "profileGraph");
}

}  // namespace

std::vector<Tensor> run_graph(const Graph& g, const std::vector<const Tensor*>& inputs, Executor execute,
                              std::vector<double>* step_seconds) {
  if (g.disposed) throw Error("runGraph: the graph is disposed");
  if (inputs.size() != g.input_slots.size()) {
    throw Error("runGraph: the graph takes " + std::to_string(g.input_slots.size()) + " inputs, got " +
                std::to_string(inputs.size()));
  }
  std::vector<Tensor> out;
  if (!step_seconds && replay_on_device(g, inputs, execute, out)) return out;
  return run_steps(g, inputs, execute, step_seconds);
}

std::vector<Tensor> run_steps(const Graph& g, const std::vector<const Tensor*>& inputs, Executor execute,
                              std::vector<double>* step_seconds) {
  std::vector<Tensor> slots(size_t(g.num_slots));
  for (size_t i = 0; i < g.input_slots.size(); i++) slots[size_t(g.input_slots[i])] = *inputs[i];
  for (const auto& c : g.constants) slots[size_t(c.first)] = c.second;
  if (step_seconds) {
    step_seconds->resize(g.steps.size(), 0.0);
    for (const Tensor* t : inputs) wait_for(t->device());
  }
  for (size_t i = 0; i < g.steps.size(); i++) {
    const GraphStep& st = g.steps[i];
    const auto start = std::chrono::steady_clock::now();
    KernelCall call;
    call.name = kernels()[st.kernel].name.c_str();
    call.out_shape = st.out_shape;
    call.out_dtype = st.out_dtype;
    call.attrs = st.attrs;
    for (int s : st.inputs) call.inputs.push_back(&slots[size_t(s)]);
    call.device = st.inputs.empty() ? st.device : call.inputs[0]->device();
    for (const Tensor* t : call.inputs) {
      if (t->device() != call.device) throw Error(std::string(call.name) + ": inputs on different devices");
    }
    slots[size_t(st.output)] = execute(st.kernel, call);
    if (step_seconds) {
      wait_for(call.device);
      (*step_seconds)[i] += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    }
    // Release what no later step reads (views keep their storage through shared ownership).
    for (int s : st.inputs) {
      if (g.last_use[size_t(s)] == int(i)) slots[size_t(s)] = Tensor();
    }
    if (g.last_use[size_t(st.output)] == -1) slots[size_t(st.output)] = Tensor();  // never read
  }
  std::vector<Tensor> out;
  out.reserve(g.output_slots.size());
  for (int s : g.output_slots) out.push_back(slots[size_t(s)]);
  return out;
}

}  // namespace rv
