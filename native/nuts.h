// The No-U-Turn Sampler's tree building for all chains at once, driven natively: the tensor work
// of each step is a captured graph (lib/inference/mcmc/nuts.ts makes and documents them), and the
// per-chain decisions between the steps (divergence, multinomial choice of the candidate, U-turns,
// directions, biased progressive sampling) run here, in double precision, with each chain's sfc32
// generator, exactly as the TypeScript transition makes them. A whole transition then needs no
// JavaScript between its leapfrog steps.
#pragma once
#include <cstdint>
#include <vector>

#include "graph.h"
#include "tensor.h"

namespace rv {

// The five graphs, over flat lists of tensors. Leaf = (q, p, grad, logp, v), Position = (q, grad,
// logp), Span = (pFirst, vFirst, pLast, vLast, rho); masks are bool [chains].
//   grow:   forward Leaf, backward Leaf, rho, direction, stepSize -> start Leaf, far p, far v, signed step size
//   leaf:   Leaf, signed step size [, M⁻¹] -> the Leaf a leapfrog step on, its energy [chains]
//   choose: candidate Position, fresh Position, take -> candidate Position (fresh where take)
//   join:   first Span, second Span -> rho, dots [chains, 6]
//   merge: forward Leaf, backward Leaf, fresh Leaf, candidate Position, sample Position, take, direction, accept
//          -> forward Leaf, backward Leaf, sample Position
struct NutsGraphs {
  const Graph* grow;
  const Graph* leaf;
  const Graph* choose;
  const Graph* join;
  const Graph* merge;
};

// Per-chain values the transition reads and writes (arrays of length chains, owned by JS).
struct NutsChains {
  int64_t count;
  uint32_t* rng;  // 4 words of sfc32 state per chain
  int32_t* tree_depth;
  int32_t* num_steps;
  uint8_t* diverging;
  double* energy;  // set to the draw's energy (the start energy unless a subtree's candidate is accepted)
  double* accept_sum;  // Σ min(1, exp(H₀ − H)) over the new states
};

// Builds the trees from the start `leaf` (Leaf: forward and backward end) and returns the draw
// (Position). `start_energy` is the start's Hamiltonian [chains] (read back with the first leaf's
// energies: a GPU waits once for both); `step_size` is [chains, 1]; `inverse` M⁻¹ (null for the
// unit metric). With `speculate`, each leaf but a subtree's last is followed by the next before
// the host reads it, so that a GPU computes the next leaf while the host decides on this one; the
// draws are the same, and a leaf is computed in vain where every chain stops inside a subtree.
std::vector<Tensor> nuts_tree(const NutsGraphs& graphs, Executor execute, const std::vector<Tensor>& leaf,
                              const std::vector<Tensor>& sample, const Tensor& start_energy, const Tensor& step_size,
                              const Tensor* inverse, int max_depth, bool speculate, NutsChains& chains);

}  // namespace rv
