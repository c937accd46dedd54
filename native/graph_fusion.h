// Elementwise fusion of a captured graph: each chain of float unary and binary steps of one
// output shape whose intermediate results nothing else reads becomes one step of the fused kernel
// (kernels/fused_ops.h), computed in registers: one kernel launch and no intermediate tensors
// instead of one of each per op, with the same bits.
#pragma once
#include "graph.h"

namespace rv {

// Rewrites g's steps; g must have passed finish(), and must pass it again after (last uses move).
// Returns the number of steps removed.
int fuse_elementwise(Graph& g);

}  // namespace rv
