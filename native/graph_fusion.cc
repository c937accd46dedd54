#include "graph_fusion.h"

#include <algorithm>
#include <unordered_map>
#include <vector>

#include "kernels/fused_ops.h"

namespace rv {
namespace {

constexpr int kNotFusable = -1;

// The fused program's opcode for a step, or kNotFusable: on a GPU, the opcodes its kernel runs.
int step_opcode(const GraphStep& st) {
  const int op = fused::opcode_of(kernels()[st.kernel].name, st.attrs, st.inputs.size());
  return op >= 0 && st.device != kCpu && fused::cpu_only(op) ? kNotFusable : op;
}
constexpr int kAlias = -2;  // a reshape to the shape it already has: its input's register

// One group being grown from its root (the last step it replaces) towards its inputs.
struct Group {
  std::vector<int> members;  // step indices
  std::vector<int> externals;  // slots it reads from outside, in register order
  int instructions = 0;
};

class Fusion {
 public:
  explicit Fusion(Graph& g) : g_(g), n_(int(g.steps.size())) {
    producer_.assign(size_t(g.num_slots), -1);
    readers_.assign(size_t(g.num_slots), {});
    live_reads_.assign(size_t(g.num_slots), 0);
    is_output_.assign(size_t(g.num_slots), 0);
    for (int i = 0; i < n_; i++) {
      producer_[size_t(g.steps[size_t(i)].output)] = i;
      for (int s : g.steps[size_t(i)].inputs) {
        readers_[size_t(s)].push_back(i);
        live_reads_[size_t(s)]++;
      }
    }
    for (int s : g.output_slots) is_output_[size_t(s)] = 1;
    const size_t reshape = kernel_index("reshape");
    kind_.assign(size_t(n_), kNotFusable);
    for (int i = 0; i < n_; i++) {
      const GraphStep& st = g.steps[size_t(i)];
      if (st.out_dtype != DType::Float32 && st.out_dtype != DType::Float64) continue;
      const int op = step_opcode(st);
      if (op >= 0) {
        kind_[size_t(i)] = op;
      } else if (st.kernel == reshape && st.inputs.size() == 1) {
        const int from = producer_[size_t(st.inputs[0])];
        if (from >= 0 && g.steps[size_t(from)].out_dtype == st.out_dtype && same_dims(g.steps[size_t(from)].out_shape, st.out_shape)) {
          kind_[size_t(i)] = kAlias;
        }
      }
    }
  }

  // Steps are visited from the last: when a step is reached, every step reading its result has
  // been settled (fused or kept), so a step whose result no kept step reads any more (every
  // reader computes it in its own program) is dropped; any other fusable step roots a group.
  int run() {
    const size_t fused_kernel = kernel_index("fused");
    if (fused_kernel == kernels().size()) return 0;
    std::vector<char> removed(size_t(n_), 0);
    std::unordered_map<int, GraphStep> replacement;  // by root
    for (int root = n_ - 1; root >= 0; root--) {
      if (kind_[size_t(root)] == kNotFusable) continue;
      const GraphStep& top = g_.steps[size_t(root)];
      if (live_reads_[size_t(top.output)] == 0 && !is_output_[size_t(top.output)]) {
        removed[size_t(root)] = 1;
        for (int s : top.inputs) live_reads_[size_t(s)]--;
        continue;
      }
      Group grown = grow(root);
      if (grown.instructions < 2) continue;
      // The fused step replaces the root; the other members stay until visited (dropped there
      // when no kept step reads them any more).
      GraphStep step = fused_step(grown, root, fused_kernel);
      for (int s : top.inputs) live_reads_[size_t(s)]--;
      for (int s : step.inputs) live_reads_[size_t(s)]++;
      replacement[root] = std::move(step);
    }
    std::vector<GraphStep> steps;
    int dropped = 0;
    for (int i = 0; i < n_; i++) {
      if (removed[size_t(i)]) {
        dropped++;
        continue;
      }
      auto it = replacement.find(i);
      steps.push_back(it == replacement.end() ? std::move(g_.steps[size_t(i)]) : std::move(it->second));
    }
    g_.steps = std::move(steps);
    return dropped;
  }

 private:
  // Whether the program of a group may compute `from` (the producer of a member's input): a
  // fusable step of the root's shape and dtype whose result is no graph output and is read only
  // by fusable steps of that shape, which will compute it too, so that it can be dropped.
  // A one-element producer (a step size halved) broadcasts to any shape of at least its rank: each
  // element computes it from inputs that broadcast as it did, so the value is the same.
  bool absorbable(int from, const GraphStep& top) const {
    if (from < 0 || kind_[size_t(from)] == kNotFusable) return false;
    const GraphStep& st = g_.steps[size_t(from)];
    if (is_output_[size_t(st.output)] || st.out_dtype != top.out_dtype) return false;
    const bool scalar = checked_numel(st.out_shape, "fusion") == 1 && st.out_shape.n <= top.out_shape.n;
    if (!scalar && !same_dims(st.out_shape, top.out_shape)) return false;
    for (int r : readers_[size_t(st.output)]) {
      if (kind_[size_t(r)] == kNotFusable || (!scalar && !same_dims(g_.steps[size_t(r)].out_shape, top.out_shape))) return false;
    }
    return true;
  }

  static bool contains(const Group& grp, int step) {
    return std::find(grp.members.begin(), grp.members.end(), step) != grp.members.end();
  }

  // The group of `root` and the producers it takes in, while the program fits. A producer read
  // by other groups too is computed by each (it costs a few operations per element, and saves
  // writing and reading its result).
  Group grow(int root) {
    Group grp;
    grp.members.push_back(root);
    const GraphStep& top = g_.steps[size_t(root)];
    for (bool changed = true; changed;) {
      changed = false;
      for (size_t m = 0; m < grp.members.size(); m++) {
        for (int s : g_.steps[size_t(grp.members[m])].inputs) {
          const int from = producer_[size_t(s)];
          if (!absorbable(from, top) || contains(grp, from)) continue;
          grp.members.push_back(from);
          if (!fits(grp)) {
            grp.members.erase(std::find(grp.members.begin(), grp.members.end(), from));  // fits() sorted them
            continue;
          }
          changed = true;
        }
      }
    }
    fits(grp);  // leaves externals and instructions as counted for the final members
    return grp;
  }

  // Counts grp's external inputs and instructions; whether the fused kernel can take them.
  bool fits(Group& grp) {
    grp.externals.clear();
    grp.instructions = 0;
    std::sort(grp.members.begin(), grp.members.end());
    for (int m : grp.members) {
      if (kind_[size_t(m)] >= 0) grp.instructions++;
      for (int s : g_.steps[size_t(m)].inputs) {
        const int from = producer_[size_t(s)];
        const bool inside = from >= 0 && contains(grp, from);
        if (!inside && std::find(grp.externals.begin(), grp.externals.end(), s) == grp.externals.end()) grp.externals.push_back(s);
      }
    }
    return int(grp.externals.size()) <= fused::kMaxInputs && grp.instructions <= fused::kMaxInstructions;
  }
  // The fused step computing grp at the root's place: registers are the externals, then one per
  // instruction; an alias takes its input's register.
  GraphStep fused_step(const Group& grp, int root, size_t fused_kernel) {
    std::unordered_map<int, int> reg;  // slot -> register
    for (size_t k = 0; k < grp.externals.size(); k++) reg[grp.externals[k]] = int(k);
    GraphStep out;
    out.kernel = fused_kernel;
    out.out_shape = g_.steps[size_t(root)].out_shape;
    out.out_dtype = g_.steps[size_t(root)].out_dtype;
    out.device = g_.steps[size_t(root)].device;
    out.inputs = grp.externals;
    out.output = g_.steps[size_t(root)].output;
    out.attrs = {double(grp.externals.size()), double(grp.instructions)};
    int next = int(grp.externals.size());
    for (int m : grp.members) {  // sorted: each after the steps it reads
      const GraphStep& st = g_.steps[size_t(m)];
      if (kind_[size_t(m)] == kAlias) {
        reg[st.output] = reg.at(st.inputs[0]);
        continue;
      }
      const int a = reg.at(st.inputs[0]);
      const int b = st.inputs.size() > 1 ? reg.at(st.inputs[1]) : a;
      const int c = st.inputs.size() > 2 ? reg.at(st.inputs[2]) : a;
      out.attrs.insert(out.attrs.end(), {double(kind_[size_t(m)]), double(a), double(b), double(c)});
      reg[st.output] = next++;
    }
    // The root's value is the last instruction's (everything else feeds it).
    if (reg.at(out.output) != next - 1) throw Error("makeGraph: elementwise fusion ordered a group wrongly");
    return out;
  }

  Graph& g_;
  const int n_;
  std::vector<int> producer_;  // slot -> the step writing it, or -1
  std::vector<std::vector<int>> readers_;  // slot -> the steps reading it (once per read)
  std::vector<char> is_output_;
  std::vector<int> live_reads_;  // slot -> reads by the steps kept so far (and by fused steps)
  std::vector<int> kind_;  // step -> opcode, kAlias or kNotFusable
};

// A sum whose input only it reads, made by a fused step or a single fusable op, becomes one
// fusedSum step (kernels/fused_ops.h): on a GPU one launch instead of two where the sum is over
// trailing axes. Returns the number of steps removed.
int fuse_sums(Graph& g) {
  const size_t fused_kernel = kernel_index("fused"), sum_kernel = kernel_index("sum"), fused_sum = kernel_index("fusedSum");
  if (fused_sum == kernels().size() || sum_kernel == kernels().size()) return 0;
  std::vector<int> producer(size_t(g.num_slots), -1), reads(size_t(g.num_slots), 0);
  for (size_t i = 0; i < g.steps.size(); i++) {
    producer[size_t(g.steps[i].output)] = int(i);
    for (int s : g.steps[i].inputs) reads[size_t(s)]++;
  }
  for (int s : g.output_slots) reads[size_t(s)]++;  // an output is read after the graph
  std::vector<char> removed(g.steps.size(), 0);
  for (GraphStep& st : g.steps) {
    if (st.kernel != sum_kernel || st.inputs.size() != 1 || reads[size_t(st.inputs[0])] != 1) continue;
    const int from = producer[size_t(st.inputs[0])];
    if (from < 0) continue;
    const GraphStep& f = g.steps[size_t(from)];
    if (f.out_dtype != st.out_dtype || (f.out_dtype != DType::Float32 && f.out_dtype != DType::Float64)) continue;
    std::vector<double> program;
    if (f.kernel == fused_kernel) {
      program = f.attrs;
    } else {
      const int op = step_opcode(f);
      if (op < 0) continue;
      program = fused::single_instruction(op);
    }
    std::vector<double> attrs{double(f.out_shape.n)};
    for (int d = 0; d < f.out_shape.n; d++) attrs.push_back(double(f.out_shape[d]));
    attrs.push_back(double(st.attrs.size()));
    attrs.insert(attrs.end(), st.attrs.begin(), st.attrs.end());
    attrs.insert(attrs.end(), program.begin(), program.end());
    st.kernel = fused_sum;
    st.attrs = std::move(attrs);
    st.inputs = f.inputs;
    removed[size_t(from)] = 1;
  }
  std::vector<GraphStep> kept;
  for (size_t i = 0; i < g.steps.size(); i++) {
    if (!removed[i]) kept.push_back(std::move(g.steps[i]));
  }
  const int dropped = int(g.steps.size() - kept.size());
  g.steps = std::move(kept);
  return dropped;
}

}  // namespace

int fuse_elementwise(Graph& g) {
  const int dropped = Fusion(g).run();
  return dropped + fuse_sums(g);
}

}  // namespace rv
