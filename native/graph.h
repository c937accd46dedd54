// A captured computation: the kernel calls one run of a TypeScript function made, recorded once
// (lib/autodiff/jit.ts) and replayed as one native call, with no JavaScript between the kernels.
// Values live in numbered slots: the graph's inputs, constants it holds (tensors the function
// closed over, JS numbers it converted), and each step's output. A slot is released after its last
// use, so intermediates are freed as early as in eager execution.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "kernel.h"
#include "tensor.h"

namespace rv {

struct GraphStep {
  size_t kernel;  // index into kernels()
  Dims out_shape;
  DType out_dtype;
  std::vector<double> attrs;
  int device;  // for steps without inputs
  std::vector<int> inputs;  // slots
  int output;  // slot
};

struct DeviceReplay;  // graph_replay.cc

struct Graph {
  int num_slots = 0;
  std::vector<int> input_slots;
  std::vector<std::pair<int, Tensor>> constants;
  std::vector<GraphStep> steps;
  std::vector<int> output_slots;
  std::vector<int> last_use;  // per slot: the last step reading it (-1: none); outputs never released
  bool disposed = false;  // dispose() released its constants; it cannot run any more

  // On a GPU, the replay as one CUDA graph (graph_replay.cc), recorded at the second run; null
  // before, or when this graph cannot be recorded (replay_failed).
  mutable std::shared_ptr<DeviceReplay> replay;
  mutable int runs = 0;
  mutable bool replay_failed = false;

  // Releases the constants (tensors the function closed over) now rather than at garbage collection.
  void dispose() {
    replay.reset();
    constants.clear();
    steps.clear();
    disposed = true;
  }

  // Checks the slot numbering (every read slot is written before, once) and computes last_use;
  // throws an Error naming `what` on an inconsistent graph.
  void finish(const char* what);
};

using Executor = Tensor (*)(size_t kernel, KernelCall& call);

// Runs the steps on `inputs` (one per input slot) and returns the output slots' tensors. With
// `step_seconds` (one entry per step), waits for the device after each step and adds the step's
// time, from its launch to its completion, to its entry (a profile; kernels no longer overlap).
std::vector<Tensor> run_graph(const Graph& g, const std::vector<const Tensor*>& inputs, Executor execute,
                              std::vector<double>* step_seconds = nullptr);

// run_graph's step-by-step path: every step's kernel called in turn.
std::vector<Tensor> run_steps(const Graph& g, const std::vector<const Tensor*>& inputs, Executor execute,
                              std::vector<double>* step_seconds);

// Runs g as one CUDA graph when its inputs are on a GPU and it can be recorded (graph_replay.cc):
// true with `out` set, else false and nothing done (run_steps then runs it).
bool replay_on_device(const Graph& g, const std::vector<const Tensor*>& inputs, Executor execute,
                      std::vector<Tensor>& out);

// What replay_on_device did with g: "none" (not recorded yet, or not on a GPU), "recorded" or "failed".
const char* replay_state(const Graph& g);

}  // namespace rv
