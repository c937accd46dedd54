// Elementwise fusion of a captured graph: each chain of float unary and binary steps of one
// output shape becomes one step of the fused kernel (kernels/fused_ops.h), computed in registers:
// one kernel launch and no intermediate tensors instead of one of each per op, with the same
// bits. An intermediate result that only such chains read is computed inside each of them (a few
// operations per element) rather than written once and read by each; graph outputs, and results
// that other steps read, stay tensors. A sum of such a chain (or of one such op) that nothing else
// reads becomes one fusedSum step.
#pragma once
#include "graph.h"

namespace rv {

// Rewrites g's steps; g must have passed finish(), and must pass it again after (last uses move).
// Returns the number of steps removed.
int fuse_elementwise(Graph& g);

}  // namespace rv
