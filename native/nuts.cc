#include "nuts.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <string>

#include "device.h"
#include "error.h"

namespace rv {
namespace {

using Tensors = std::vector<Tensor>;

constexpr double kMaxEnergyError = 1000;  // Stan's divergence threshold, as lib/inference/mcmc/transition.ts

// One chain's sfc32 step, as lib/inference/mcmc/rng.ts: a uniform draw in [0, 1).
double uniform(uint32_t* w) {
  uint32_t a = w[0], b = w[1], c = w[2], d = w[3];
  uint32_t t = a + b + d;
  w[0] = b ^ (b >> 9);
  w[1] = c + (c << 3);
  w[2] = ((c << 21) | (c >> 11)) + t;
  w[3] = d + 1;
  return double(t) / 4294967296.0;
}

double log_add_exp(double a, double b) {
  double hi = a > b ? a : b;
  if (hi == -INFINITY) return -INFINITY;
  return hi + std::log(std::exp(a - hi) + std::exp(b - hi));
}

double acceptance(double start, double energy) {
  double log_ratio = start - energy;
  if (std::isnan(log_ratio)) return 0;
  return log_ratio > 0 ? 1 : std::exp(log_ratio);
}

bool divergent(double start, double energy) { return !std::isfinite(energy) || energy - start > kMaxEnergyError; }

// Whether a join's six dot products (at values[6c..]) show a U-turn.
bool turned(const std::vector<double>& dots, int64_t c) {
  for (int i = 0; i < 6; i++) {
    if (!(dots[size_t(6 * c + i)] > 0)) return true;
  }
  return false;
}

struct Runner {
  Executor execute;

  Tensors operator()(const Graph& g, const char* what, std::initializer_list<const Tensors*> lists,
                     std::initializer_list<const Tensor*> singles) const {
    std::vector<const Tensor*> inputs;
    for (const Tensors* l : lists) {
      for (const Tensor& t : *l) inputs.push_back(&t);
    }
    for (const Tensor* t : singles) {
      if (t) inputs.push_back(t);
    }
    if (inputs.size() != g.input_slots.size()) {
      throw Error(std::string("nuts: the ") + what + " graph takes " + std::to_string(g.input_slots.size()) +
                  " inputs, got " + std::to_string(inputs.size()));
    }
    return run_graph(g, inputs, execute);
  }
};

Tensors slice(const Tensors& t, size_t begin, size_t count, const char* what) {
  if (begin + count > t.size()) throw Error(std::string("nuts: the ") + what + " graph gave too few outputs");
  return Tensors(t.begin() + long(begin), t.begin() + long(begin + count));
}

// A bool [chains] tensor on `device` from one flag per chain.
Tensor mask(const std::vector<uint8_t>& flags, int device) {
  Dims shape = Dims::of_rank(1, "nuts");
  shape[0] = int64_t(flags.size());
  Tensor host = empty_tensor(DType::Bool, shape, "nuts", kCpu);
  if (!flags.empty()) std::memcpy(host.data(), flags.data(), flags.size());
  return device == kCpu ? host : to_device(host, device, "nuts");
}

// The values of small float tensors for the host, as doubles, tensor k holding counts[k]. On a GPU
// the copies are queued behind the work queued so far and taken later, waiting for them alone:
// the host can queue the next leaf first, and decide on this one while the device computes that.
class Readout {
 public:
  Readout(const Tensors& ts, std::vector<int64_t> counts, const std::vector<const char*>& what)
      : counts_(std::move(counts)), host_(ts.size()) {
    std::vector<cuda::ByteRange> reads;
    Tensors dense;
    for (size_t k = 0; k < ts.size(); k++) {
      const Tensor& t = ts[k];
      if (t.numel() != counts_[k]) {
        throw Error(std::string("nuts: the ") + what[k] + " graph gave " + std::to_string(t.numel()) + " values, expected " +
                    std::to_string(counts_[k]) + " (graphs captured for another number of chains?)");
      }
      if (t.dtype != DType::Float32 && t.dtype != DType::Float64) throw Error("nuts: energies and dot products must be float32 or float64");
      if (t.device() != ts[0].device()) throw Error(std::string("nuts: the ") + what[k] + " values are on another device than the leaf's");
      dtypes_.push_back(t.dtype);
      // Freed before the copy runs, the contiguous copy's memory is reused only by work queued after it.
      dense.push_back(contiguous(t, "nuts"));
      host_[k].resize(size_t(t.numel()) * itemsize(t.dtype));
      reads.push_back({host_[k].data(), dense.back().data(), host_[k].size()});
    }
    const int device = ts.empty() ? kCpu : ts[0].device();
    if (device == kCpu) {
      for (const cuda::ByteRange& r : reads) std::memcpy(r.dst, r.src, r.bytes);
    } else {
      pending_ = cuda::begin_read(reads.data(), reads.size(), device, "nuts");
    }
  }
  ~Readout() { cuda::end_read(pending_, false, "nuts"); }
  Readout(const Readout&) = delete;
  Readout& operator=(const Readout&) = delete;

  std::vector<std::vector<double>> take() {
    void* pending = pending_;
    pending_ = nullptr;
    cuda::end_read(pending, true, "nuts");
    std::vector<std::vector<double>> out(host_.size());
    for (size_t k = 0; k < host_.size(); k++) {
      out[k].resize(size_t(counts_[k]));
      if (dtypes_[k] == DType::Float32) {
        const float* f = reinterpret_cast<const float*>(host_[k].data());
        for (size_t i = 0; i < out[k].size(); i++) out[k][i] = double(f[i]);
      } else {
        std::memcpy(out[k].data(), host_[k].data(), host_[k].size());
      }
    }
    return out;
  }

 private:
  std::vector<int64_t> counts_;
  std::vector<DType> dtypes_;
  std::vector<std::vector<unsigned char>> host_;
  void* pending_ = nullptr;
};

// A leaf queued: its fresh Leaf, and its readout (energies, the dot products of the joins it
// completes, at the tree's first leaf the start energies).
struct Queued {
  Tensors fresh;
  std::unique_ptr<Readout> readout;
  int closes = 0;  // the subtrees it completes (slots 0 up)
  bool last = false;  // the subtree's last leaf: it also joins the trajectory
  bool with_start = false;
};

// The flag (0 or 1) every chain in `among` has (every chain when null; 0 when it holds none), or
// -1 where they differ. A selection by a flag the chains that matter share is the one tensor or
// the other as it is: no upload of a mask and no graph run (always so with one chain).
int common_flag(const std::vector<uint8_t>& flags, const std::vector<uint8_t>* among = nullptr) {
  int common = -2;
  for (size_t i = 0; i < flags.size(); i++) {
    if (among && !(*among)[i]) continue;
    const int f = flags[i] ? 1 : 0;
    if (common == -2) common = f;
    else if (f != common) return -1;
  }
  return common == -2 ? 0 : common;
}

// Position (q, grad, logp) of a Leaf.
Tensors position_of(const Tensors& leaf) { return {leaf[0], leaf[2], leaf[3]}; }

// Span (pFirst, vFirst, pLast, vLast, rho) of a single leaf.
Tensors leaf_span(const Tensors& leaf) { return {leaf[1], leaf[4], leaf[1], leaf[4], leaf[1]}; }

}  // namespace

std::vector<Tensor> nuts_tree(const NutsGraphs& graphs, Executor execute, const std::vector<Tensor>& leaf,
                              const std::vector<Tensor>& sample_in, const Tensor& start_energy_tensor,
                              const Tensor& step_size, const Tensor* inverse, int max_depth, bool speculate,
                              NutsChains& chains) {
  if (leaf.size() != 5 || sample_in.size() != 3) throw Error("nuts: a leaf has 5 tensors and a position 3");
  const Runner run{execute};
  const int64_t n = chains.count;
  const size_t count = size_t(n);
  const int device = leaf[0].device();
  Tensors forward = leaf, backward = leaf, sample = sample_in;
  Tensor rho = leaf[1];
  std::vector<uint8_t> active(count, 1), turns_at_join(count, 0);
  std::vector<double> log_weight(count, 0.0), subtree_log_weight(count, -INFINITY), candidate_energy(count, 0.0);
  // The start energies, read with the first leaf's (or alone, when no leaf is built).
  std::vector<double> start_energy;
  auto read_start = [&](std::vector<double> values) {
    start_energy = std::move(values);
    std::copy(start_energy.begin(), start_energy.end(), chains.energy);
  };
  auto any_active = [&] {
    for (uint8_t a : active) {
      if (a) return true;
    }
    return false;
  };

  bool start_queued = false;  // whether a leaf's readout carries the start energies
  Tensor backward_step;  // −step size, once a grow graph has given it
  for (int depth = 0; depth < max_depth && any_active(); depth++) {
    // Each chain flips its own coin for the direction of this doubling (a stopped chain draws none).
    std::vector<uint8_t> forward_flags(count);
    for (int64_t c = 0; c < n; c++) forward_flags[size_t(c)] = !active[size_t(c)] || uniform(chains.rng + 4 * c) < 0.5;
    // The end each chain grows from, the trajectory before this subtree (first = the end away from
    // it, last = the end it grows from) and the signed step sizes: picked as they are where every
    // chain goes one way (the grow graph's selections would give the same bits), else the graph's.
    const int all_forward = common_flag(forward_flags);
    Tensor direction;
    Tensors start, trajectory;
    Tensor signed_step;
    if (all_forward == 1 || (all_forward == 0 && backward_step.storage)) {
      const Tensors& far = all_forward ? backward : forward;
      start = all_forward ? forward : backward;
      trajectory = {far[1], far[4], start[1], start[4], rho};
      signed_step = all_forward ? step_size : backward_step;
    } else {
      direction = mask(forward_flags, device);
      Tensors grown = run(*graphs.grow, "grow", {&forward, &backward}, {&rho, &direction, &step_size});
      start = slice(grown, 0, 5, "grow");
      trajectory = {grown.at(5), grown.at(6), start[1], start[4], rho};
      signed_step = grown.at(7);
      if (all_forward == 0) backward_step = signed_step;
    }
    std::fill(subtree_log_weight.begin(), subtree_log_weight.end(), -INFINITY);

    // The subtree's first leaf takes no candidate from before it: every valid chain takes it.
    Tensors fresh, candidate = position_of(start);
    std::vector<uint8_t> last_take;  // the last leaf's choice, left to the merge
    std::vector<Tensors> slots(size_t(depth) + 1);
    Tensors joined;
    const int64_t num_leaves = int64_t(1) << depth;
    // Queues leaf `index`, a leapfrog step from `from`: the subtrees it completes, then, at the
    // last leaf, the trajectory joined with the whole subtree, and its readout, so that a GPU
    // waits for the host once per leaf. The joins depend on the leaves only, not on decisions.
    auto queue = [&](int64_t index, const Tensors& from) {
      Queued q;
      q.last = index == num_leaves - 1;
      while ((index >> q.closes) & 1) q.closes++;
      Tensors out = run(*graphs.leaf, "leaf", {&from}, {&signed_step, inverse});
      q.fresh = slice(out, 0, 5, "leaf");
      Tensors readouts{out.at(5)};
      std::vector<int64_t> counts{n};
      std::vector<const char*> names{"leaf"};
      Tensors node = leaf_span(q.fresh);
      auto join = [&](const Tensors& first, const Tensors& second) {
        Tensors r = run(*graphs.join, "join", {&first, &second}, {});
        readouts.push_back(r.at(1));
        counts.push_back(6 * n);
        names.push_back("join");
        return Tensors{first[0], first[1], second[2], second[3], r.at(0)};
      };
      for (int h = 0; h < q.closes; h++) {
        node = join(slots[size_t(h)], node);
        slots[size_t(h)].clear();
      }
      if (q.last) joined = join(trajectory, node);
      else slots[size_t(q.closes)] = node;
      if (!start_queued) {
        readouts.push_back(start_energy_tensor);
        counts.push_back(n);
        names.push_back("start energy");
        q.with_start = start_queued = true;
      }
      q.readout = std::make_unique<Readout>(readouts, std::move(counts), names);
      return q;
    };

    Queued current = queue(0, start);
    for (int64_t index = 0;; index++) {
      // Ahead of the decisions on this leaf, the next leaf, whose leapfrog step does not depend on
      // them: the device computes it while the host decides (wasted when every chain stops here).
      Queued next;
      const bool ahead = speculate && !current.last;
      if (ahead) next = queue(index + 1, current.fresh);
      std::vector<std::vector<double>> dots = current.readout->take();
      if (current.with_start) {
        read_start(std::move(dots.back()));
        dots.pop_back();
      }
      const std::vector<double> energies = std::move(dots[0]);
      dots.erase(dots.begin());

      std::vector<uint8_t> take_flags(count, 0);
      for (int64_t c = 0; c < n; c++) {
        size_t i = size_t(c);
        if (!active[i]) continue;
        double energy = energies[i], start = start_energy[i];
        chains.num_steps[i] += 1;
        chains.accept_sum[i] += acceptance(start, energy);
        if (divergent(start, energy)) {
          chains.diverging[i] = 1;
          active[i] = 0;
          continue;
        }
        // Multinomial sampling within the subtree, one leaf at a time.
        double log_w = start - energy;
        double total = log_add_exp(subtree_log_weight[i], log_w);
        if (uniform(chains.rng + 4 * c) < std::exp(log_w - total)) {
          take_flags[i] = 1;
          candidate_energy[i] = energy;
        }
        subtree_log_weight[i] = total;
        for (int j = 0; j < current.closes; j++) {
          if (turned(dots[size_t(j)], c)) active[i] = 0;
        }
        if (current.last) turns_at_join[i] = turned(dots[size_t(current.closes)], c);
      }
      fresh = std::move(current.fresh);
      if (current.last || !any_active()) {
        last_take = std::move(take_flags);
        break;
      }
      // The choice applied now (a stopped chain's candidate is of no account); the last leaf's is
      // left to the merge.
      const int take_all = common_flag(take_flags, &active);
      if (take_all == 1) {
        candidate = position_of(fresh);
      } else if (take_all < 0) {
        Tensor take = mask(take_flags, device);
        candidate = run(*graphs.choose, "choose", {&candidate}, {&fresh[0], &fresh[2], &fresh[3], &take});
      }
      current = ahead ? std::move(next) : queue(index + 1, fresh);
    }
    if (!any_active()) break;

    // Biased progressive sampling: the subtree's candidate becomes the draw with probability
    // min(1, W_subtree / W_old).
    std::vector<uint8_t> accept(count, 0);
    for (int64_t c = 0; c < n; c++) {
      size_t i = size_t(c);
      if (!active[i]) continue;
      chains.tree_depth[i] = depth + 1;
      if (subtree_log_weight[i] > log_weight[i] ||
          uniform(chains.rng + 4 * c) < std::exp(subtree_log_weight[i] - log_weight[i])) {
        accept[i] = 1;
        chains.energy[i] = candidate_energy[i];
      }
      log_weight[i] = log_add_exp(log_weight[i], subtree_log_weight[i]);
      if (turns_at_join[i]) active[i] = 0;
    }
    // The merge: the subtree's far end becomes the trajectory's end in each chain's direction, and
    // its candidate (after the last leaf's choice) the draw where accepted. Where every chain
    // shares each flag, that is picking tensors as they are; else the merge graph.
    const int take_all = common_flag(last_take), accept_all = common_flag(accept);
    if (all_forward >= 0 && take_all >= 0 && accept_all >= 0) {
      (all_forward ? forward : backward) = fresh;
      if (accept_all) sample = take_all ? position_of(fresh) : candidate;
    } else {
      if (!direction.storage) direction = mask(forward_flags, device);
      Tensor take = mask(last_take, device), accepted = mask(accept, device);
      Tensors merged = run(*graphs.merge, "merge", {&forward, &backward, &fresh, &candidate, &sample},
                           {&take, &direction, &accepted});
      forward = slice(merged, 0, 5, "merge");
      backward = slice(merged, 5, 5, "merge");
      sample = slice(merged, 10, 3, "merge");
    }
    rho = joined.at(4);
  }
  if (start_energy.empty()) {
    read_start(std::move(Readout({start_energy_tensor}, {n}, {"start energy"}).take()[0]));
  }
  return sample;
}

}  // namespace rv
