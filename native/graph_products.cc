#include "graph_products.h"

#include <algorithm>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "kernels/fused_ops.h"
#include "kernels/fused_products.h"

namespace rv {
namespace {

constexpr int64_t kMaxSmall = 8;  // the skinny kernels' small side, at most
constexpr int64_t kMinRows = 1024;  // rows of X below which one more pass over X costs little

// Whether steps on `device` are fused: the CPU's; a GPU's only with RANDVAR_GPU_FUSED_PRODUCTS=1,
// until its one-pass kernel (cuda/matmul_skinny.cu) has been run on one.
bool fuses_on(int device) {
  static const bool gpu = [] {
    const char* v = std::getenv("RANDVAR_GPU_FUSED_PRODUCTS");
    return v != nullptr && std::string(v) == "1";
  }();
  return device == kCpu || gpu;
}

struct Pair {
  int first, between, second;  // step indices
  int x, b, z;                 // slots
  bool x_is_b1, x_is_b2;
  std::vector<int> others;     // the program's inputs after Z
  std::vector<double> program;
  std::vector<int> hoisted;    // steps between the products that make others, moved before them
};

class Products {
 public:
  explicit Products(Graph& g) : g_(g) {
    producer_.assign(size_t(g.num_slots), -1);
    reads_.assign(size_t(g.num_slots), 0);
    for (size_t i = 0; i < g.steps.size(); i++) {
      producer_[size_t(g.steps[i].output)] = int(i);
      for (int s : g.steps[i].inputs) reads_[size_t(s)]++;
    }
    for (int s : g.output_slots) reads_[size_t(s)]++;
    matmul_ = kernel_index("matMul");
    fused_ = kernel_index("fused");
  }

  int run() {
    const size_t kernel = kernel_index("fusedProducts");
    if (kernel == kernels().size()) return 0;
    std::vector<Pair> pairs;
    std::vector<char> taken(g_.steps.size(), 0);
    for (size_t i = 0; i < g_.steps.size(); i++) {
      std::optional<Pair> p = match(int(i));
      if (!p) continue;
      std::vector<int> touched{p->first, p->between, p->second};
      touched.insert(touched.end(), p->hoisted.begin(), p->hoisted.end());
      if (std::any_of(touched.begin(), touched.end(), [&](int s) { return taken[size_t(s)] != 0; })) continue;
      for (int s : touched) taken[size_t(s)] = 1;
      pairs.push_back(std::move(*p));
    }
    if (pairs.empty()) return 0;
    // The steps replacing each first product: the hoisted ones in their order, then the fused step and its views.
    std::vector<std::vector<GraphStep>> at(g_.steps.size());
    for (const Pair& p : pairs) {
      for (int h : p.hoisted) at[size_t(p.first)].push_back(g_.steps[size_t(h)]);
      for (GraphStep& st : replacement(p, kernel)) at[size_t(p.first)].push_back(std::move(st));
    }
    std::vector<GraphStep> steps;
    for (size_t i = 0; i < g_.steps.size(); i++) {
      if (!taken[i]) steps.push_back(std::move(g_.steps[i]));
      for (GraphStep& st : at[i]) steps.push_back(std::move(st));
    }
    g_.steps = std::move(steps);
    return int(pairs.size());
  }

 private:
  // The shape of a slot when the graph knows it (a step's output or a constant).
  std::optional<Dims> shape_of(int slot) const {
    if (producer_[size_t(slot)] >= 0) return g_.steps[size_t(producer_[size_t(slot)])].out_shape;
    auto it = std::find_if(g_.constants.begin(), g_.constants.end(), [&](const auto& c) { return c.first == slot; });
    if (it != g_.constants.end()) return it->second.shape;
    return std::nullopt;
  }

  // A matMul step on the CPU, with its two attributes (a malformed one is left to the kernel's checks).
  bool is_product(const GraphStep& st) const {
    return st.kernel == matmul_ && st.inputs.size() == 2 && st.attrs.size() == 2 && fuses_on(st.device);
  }

  bool is_matrix(int slot) const {
    const std::optional<Dims> s = shape_of(slot);
    return s && s->n == 2;
  }

  // Whether slot can be available before step `before`: an input, a constant or an earlier
  // result, or made by steps after it from such values alone (short of the products
  // themselves), which are then added to `hoist`.
  bool ready(int slot, int before, std::vector<int>& hoist, int depth = 0) const {
    const int p = producer_[size_t(slot)];
    if (p < before) return true;
    if (p == before || depth > 8) return false;
    if (std::find(hoist.begin(), hoist.end(), p) != hoist.end()) return true;
    for (int s : g_.steps[size_t(p)].inputs) {
      if (!ready(s, before, hoist, depth + 1)) return false;
    }
    hoist.push_back(p);
    return true;
  }

  // The pair whose second product is step j, if any.
  std::optional<Pair> match(int j) const {
    const GraphStep& second = g_.steps[size_t(j)];
    if (!is_product(second)) return std::nullopt;
    if (second.out_dtype != DType::Float32 && second.out_dtype != DType::Float64) return std::nullopt;
    for (int side = 0; side < 2; side++) {
      Pair p;
      p.second = j;
      p.x = second.inputs[size_t(side)];
      p.x_is_b2 = side == 1;
      const int g = second.inputs[size_t(1 - side)];
      p.between = producer_[size_t(g)];
      if (p.between < 0 || reads_[size_t(g)] != 1 || !is_matrix(p.x)) continue;
      const GraphStep& between = g_.steps[size_t(p.between)];
      if (!program_of(between, p.program)) continue;
      // Z: a program input made by a product of X and a small matrix B, of the program's shape.
      for (int z : between.inputs) {
        const int f = producer_[size_t(z)];
        if (f < 0) continue;
        const GraphStep& first = g_.steps[size_t(f)];
        if (!is_product(first) || first.out_dtype != second.out_dtype) continue;
        if (!same_dims(first.out_shape, between.out_shape) || first.out_shape.n < 1 || first.out_shape.n > 2) continue;
        const int xs = first.inputs[0] == p.x ? 0 : first.inputs[1] == p.x ? 1 : -1;
        if (xs < 0 || first.inputs[0] == first.inputs[1]) continue;
        p.first = f;
        p.z = z;
        p.x_is_b1 = xs == 1;
        p.b = first.inputs[size_t(1 - xs)];  // a matrix: the product of it and X is one
        if (!suits(first.out_shape, *shape_of(p.x))) continue;
        if (!reorder(between, p)) continue;
        return p;
      }
    }
    return std::nullopt;
  }

  // Z [c, n], [n, c] or [n] with c small and n X's rows, and X long enough to be worth it.
  static bool suits(const Dims& z, const Dims& x) {
    const int64_t rows = x[0] > x[1] ? x[0] : x[1];
    if (z.n == 1) return z[0] == rows && rows >= kMinRows;
    const bool rows_first = z[0] == rows, rows_second = z[1] == rows;
    const int64_t small = rows_first ? z[1] : z[0];
    return (rows_first || rows_second) && small >= 1 && small <= kMaxSmall && rows >= kMinRows;
  }

  // The program a step computes (a fused step's, or one fusable op as one instruction).
  bool program_of(const GraphStep& st, std::vector<double>& program) const {
    if (!fuses_on(st.device) || (st.out_dtype != DType::Float32 && st.out_dtype != DType::Float64)) return false;
    if (st.kernel == fused_) {
      program = st.attrs;
      return well_formed(program, st.inputs.size());
    }
    const int op = fused::opcode_of(kernels()[st.kernel].name, st.attrs, st.inputs.size());
    if (op < 0) return false;
    program = fused::single_instruction(op);
    return true;
  }

  // Whether a fused step's attributes are a program over `inputs` registers that reorder() can
  // renumber (a graph made by hand may hold anything; the kernel reports what is wrong).
  static bool well_formed(const std::vector<double>& p, size_t inputs) {
    if (p.size() < 2 || p[0] != double(inputs) || p[1] < 1 || p[1] > fused::kMaxInstructions) return false;
    if (p.size() != 2 + 4 * size_t(p[1])) return false;
    for (size_t j = 0; j < size_t(p[1]); j++) {
      const double written = double(inputs + j);
      if (!(p[2 + 4 * j] >= 0 && p[2 + 4 * j] < fused::kNumOpcodes)) return false;
      for (size_t r = 1; r < 4; r++) {
        const double v = p[2 + 4 * j + r];
        if (!(v >= 0 && v < written) || v != double(int64_t(v))) return false;
      }
    }
    return true;
  }

  // The program's registers renumbered so that Z is register 0 and the other inputs follow,
  // each once; false when an input is not ready at the first product.
  bool reorder(const GraphStep& between, Pair& p) const {
    const int inputs = int(p.program[0]);
    std::vector<int> reg(static_cast<size_t>(inputs), 0);
    p.others.clear();
    p.hoisted.clear();
    for (int k = 0; k < inputs; k++) {
      const int slot = between.inputs[size_t(k)];
      if (slot == p.z) {
        reg[size_t(k)] = 0;
        continue;
      }
      if (!ready(slot, p.first, p.hoisted)) return false;
      auto it = std::find(p.others.begin(), p.others.end(), slot);
      if (it == p.others.end()) it = p.others.insert(p.others.end(), slot);
      reg[size_t(k)] = 1 + int(it - p.others.begin());
    }
    const int now = 1 + int(p.others.size());
    if (now > fused::kMaxInputs) return false;
    auto renumber = [&](double r) { return r < inputs ? double(reg[size_t(r)]) : r - inputs + now; };
    std::vector<double> program{double(now), p.program[1]};
    for (size_t at = 2; at + 4 <= p.program.size(); at += 4) {
      program.insert(program.end(), {p.program[at], renumber(p.program[at + 1]), renumber(p.program[at + 2]), renumber(p.program[at + 3])});
    }
    p.program = std::move(program);
    std::sort(p.hoisted.begin(), p.hoisted.end());  // in their order in the graph
    return true;
  }

  // fusedProducts, then Z and R as views of its output, into the first and second products' slots.
  std::vector<GraphStep> replacement(const Pair& p, size_t kernel) {
    const GraphStep& first = g_.steps[size_t(p.first)];
    const GraphStep& second = g_.steps[size_t(p.second)];
    const int64_t zn = checked_numel(first.out_shape, "fusedProducts"), rn = checked_numel(second.out_shape, "fusedProducts");
    const int64_t zpad = products::padded(zn);
    auto flat = [](int64_t n) {
      Dims d;
      d.push_back(n, "fusedProducts");
      return d;
    };
    GraphStep fused;
    fused.kernel = kernel;
    fused.out_shape = flat(zpad + rn);
    fused.out_dtype = first.out_dtype;
    fused.device = first.device;
    fused.inputs = {p.x, p.b};
    fused.inputs.insert(fused.inputs.end(), p.others.begin(), p.others.end());
    fused.output = g_.num_slots++;
    fused.attrs = {first.attrs[0], first.attrs[1], double(p.x_is_b1), second.attrs[0], second.attrs[1], double(p.x_is_b2)};
    fused.attrs.insert(fused.attrs.end(), p.program.begin(), p.program.end());
    std::vector<GraphStep> out{fused};
    // A slice of the flat output (a view), reshaped (a view) into `slot`.
    auto take = [&](int64_t begin, int64_t n, const Dims& shape, int slot) {
      GraphStep slice{kernel_index("slice"), flat(n), fused.out_dtype, {double(begin), 1}, fused.device, {fused.output}, g_.num_slots++};
      GraphStep reshape{kernel_index("reshape"), shape, fused.out_dtype, {}, fused.device, {slice.output}, slot};
      out.push_back(slice);
      out.push_back(reshape);
    };
    if (reads_[size_t(first.output)] > 1) take(0, zn, first.out_shape, first.output);  // read by more than the program
    take(zpad, rn, second.out_shape, second.output);
    return out;
  }

  Graph& g_;
  std::vector<int> producer_, reads_;
  size_t matmul_ = 0, fused_ = 0;
};

}  // namespace

int fuse_products(Graph& g) { return Products(g).run(); }

}  // namespace rv
