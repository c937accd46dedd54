// Concatenation and stacking. Each input is copied into a view of its slab of the output
// (copy_into: any strides, parallel); when every input is contiguous and the slabs are
// short rows, one parallel pass over the output rows memcpys each input's piece instead.
// These kernels move bytes, so every dtype takes the same path. On a GPU the same functions
// run: only the row pass is CPU-only, and copy_into runs as a GPU strided copy.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "../kernel.h"
#include "../strided_loop.h"

namespace rv {
namespace {

// Rows shorter than this (bytes) take the row-interleaved path when every part is contiguous.
constexpr int64_t kShortRowBytes = 1 << 16;

// Copies `rows` pieces of N bytes, contiguous in src, to dst rows `dst_stride` bytes apart.
template <int N>
void copy_pieces(char* dst, int64_t dst_stride, const char* src, int64_t rows) {
  for (int64_t r = 0; r < rows; r++) std::memcpy(dst + r * dst_stride, src + r * N, N);
}

void copy_pieces(char* dst, int64_t dst_stride, const char* src, int64_t piece, int64_t rows) {
  switch (piece) {
    case 1: copy_pieces<1>(dst, dst_stride, src, rows); return;
    case 2: copy_pieces<2>(dst, dst_stride, src, rows); return;
    case 4: copy_pieces<4>(dst, dst_stride, src, rows); return;
    case 8: copy_pieces<8>(dst, dst_stride, src, rows); return;
    case 12: copy_pieces<12>(dst, dst_stride, src, rows); return;
    case 16: copy_pieces<16>(dst, dst_stride, src, rows); return;
    case 32: copy_pieces<32>(dst, dst_stride, src, rows); return;
    default:
      for (int64_t r = 0; r < rows; r++) std::memcpy(dst + r * dst_stride, src + r * piece, size_t(piece));
  }
}

// Copies parts into out along `axis`: every part has out's shape except along axis, where
// their sizes add up to out's (the caller has checked).
void concat_parts(const Tensor& out, const std::vector<Tensor>& parts, int axis) {
  if (out.numel() == 0) return;
  const int64_t size = int64_t(itemsize(out.dtype));
  int64_t outer = 1;
  for (int d = 0; d < axis; d++) outer *= out.shape[d];
  const int64_t row_bytes = (out.numel() / outer) * size;

  bool all_contiguous = true;
  for (const Tensor& p : parts) all_contiguous = all_contiguous && p.is_contiguous();
  if (out.on_cpu() && all_contiguous && outer > 1 && row_bytes < kShortRowBytes) {
    std::vector<const char*> src(parts.size());
    std::vector<int64_t> piece(parts.size());  // bytes per output row
    for (size_t k = 0; k < parts.size(); k++) {
      piece[k] = parts[k].numel() / outer * size;
      src[k] = piece[k] ? parts[k].data() : nullptr;
    }
    char* dst = out.data();
    // Blocks of rows small enough to stay in cache while each part fills its columns.
    const int64_t block = (kShortRowBytes / 2) / row_bytes + 1;
    parallel_for(outer, block, [&](int64_t begin, int64_t end) {
      for (int64_t r0 = begin; r0 < end; r0 += block) {
        const int64_t rows = std::min(block, end - r0);
        int64_t column = 0;
        for (size_t k = 0; k < parts.size(); k++) {
          if (piece[k] == 0) continue;
          copy_pieces(dst + r0 * row_bytes + column, row_bytes, src[k] + r0 * piece[k], piece[k], rows);
          column += piece[k];
        }
      }
    });
    return;
  }

  int64_t start = 0;
  for (const Tensor& p : parts) {
    int64_t n = p.shape[axis];
    if (n > 0 && p.numel() > 0) {
      Tensor slab = make_view(out, p.shape, out.strides, out.offset + start * out.strides[axis]);
      copy_into(slab, p);
    }
    start += n;
  }
}

void expect_out_dtype(const KernelCall& c) {
  for (size_t k = 0; k < c.num_inputs(); k++) {
    if (c.input(k).dtype != c.out_dtype) {
      throw c.fail("input " + std::to_string(k) + " has dtype " + dtype_name(c.input(k).dtype) + ", expected " +
                   dtype_name(c.out_dtype) + " (the op table promotes inputs first)");
    }
  }
}

// attrs: [axis]. Inputs share out's rank and shape except along axis.
Tensor concat_kernel(const KernelCall& c) {
  if (c.num_inputs() == 0) throw c.fail("expected at least one input");
  expect_out_dtype(c);
  const int rank = c.out_shape.n;
  if (rank == 0) throw c.fail("cannot concatenate scalars");
  const int axis = int(c.attr_int(0, 0, rank - 1));
  int64_t total = 0;
  std::vector<Tensor> parts;
  parts.reserve(c.num_inputs());
  for (size_t k = 0; k < c.num_inputs(); k++) {
    const Tensor& t = c.input(k);
    bool ok = t.rank() == rank;
    for (int d = 0; ok && d < rank; d++) ok = d == axis || t.shape[d] == c.out_shape[d];
    if (!ok) {
      throw c.fail("input " + std::to_string(k) + " of shape " + t.shape.to_string() + " does not match output " +
                   c.out_shape.to_string() + " outside axis " + std::to_string(axis));
    }
    if (t.shape[axis] > c.out_shape[axis] - total) throw c.fail("input sizes along the axis exceed the output's");
    total += t.shape[axis];
    parts.push_back(t);
  }
  if (total != c.out_shape[axis]) throw c.fail("input sizes along the axis do not add up to the output's");
  Tensor out = c.make_output();
  concat_parts(out, parts, axis);
  return out;
}

// attrs: [axis]. Inputs share one shape; the output inserts an axis of their count.
Tensor stack_kernel(const KernelCall& c) {
  if (c.num_inputs() == 0) throw c.fail("expected at least one input");
  expect_out_dtype(c);
  const int rank = c.out_shape.n;
  if (rank == 0) throw c.fail("output must have rank >= 1");
  const int axis = int(c.attr_int(0, 0, rank - 1));
  if (c.out_shape[axis] != int64_t(c.num_inputs())) throw c.fail("output size along the axis must be the number of inputs");
  std::vector<Tensor> parts;
  parts.reserve(c.num_inputs());
  for (size_t k = 0; k < c.num_inputs(); k++) {
    const Tensor& t = c.input(k);
    bool ok = t.rank() == rank - 1;
    for (int d = 0; ok && d < rank - 1; d++) ok = t.shape[d] == c.out_shape[d < axis ? d : d + 1];
    if (!ok) {
      throw c.fail("input " + std::to_string(k) + " of shape " + t.shape.to_string() + " does not match output " +
                   c.out_shape.to_string());
    }
    // The same elements with a size-1 axis inserted: concatenating these stacks.
    Dims shape = Dims::of_rank(rank, c.name), strides = Dims::of_rank(rank, c.name);
    for (int d = 0, s = 0; d < rank; d++) {
      if (d == axis) {
        shape[d] = 1;
        strides[d] = 0;
      } else {
        shape[d] = t.shape[s];
        strides[d] = t.strides[s];
        s++;
      }
    }
    parts.push_back(make_view(t, shape, strides, t.offset));
  }
  Tensor out = c.make_output();
  concat_parts(out, parts, axis);
  return out;
}

KernelRegistrar registrations[] = {
    {"concat", concat_kernel},
    {"stack", stack_kernel},
};
CudaKernelRegistrar cuda_registrations[] = {
    {"concat", concat_kernel},
    {"stack", stack_kernel},
};

}  // namespace
}  // namespace rv
