// Product fusion of a captured graph: a product of a long matrix X with a small one, an
// elementwise step on its result, and a product of that step's result with the same X (the
// forward and backward passes of a linear layer, logits = B·Xᵀ and gradient G·X) become one
// fusedProducts step (kernels/fused_products.cc), which reads X from memory once instead of twice,
// with the same bits. Z and R come out as views of that step's output.
#pragma once
#include "graph.h"

namespace rv {

// Rewrites g's steps (run after fuse_elementwise); g must pass finish() again after. Returns the
// number of product pairs fused. Only steps on the CPU are fused, unless RANDVAR_GPU_FUSED_PRODUCTS=1:
// the GPU's one-pass kernel has not been run on a GPU yet.
int fuse_products(Graph& g);

}  // namespace rv
