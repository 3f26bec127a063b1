// The unit-stride convolution path (conv_unit.cc): no im2col. Each (sample, group) input is copied
// once into a zero-padded frame whose rows share their padding: row stride S = max(W + pad_w, OW)
// (a tap reading past a row's end lands in the next row's left padding); an output at (h, w) is
// then stored at flat position f = h·S + w, and the input it reads through tap r = (c, a, b) sits
// at f + offs[r] with offs[r] = c·plane + a·dil_h·S + b·dil_w: every depth row of the implicit
// GEMM is a contiguous run of the frame, which the ISA's tile (conv.h, ConvKernels::tile) reads in
// place. The w >= OW columns of f are computed and dropped. gradX of a unit-stride conv is the
// same convolution of gY (padded by dil·(k−1) − pad) with the flipped, transposed weights;
// gradWeight is a GEMM over positions where the ISA has ConvKernels::gw_cl and a group has at least
// gw_cl_min output channels (avx512 24, avx2 8, neon 12) (vectors over channels of a
// channels-last gY copy times frame broadcasts); otherwise dot products of gY rows with shifted
// frame rows (ConvKernels::gw_tile), on frames and gY copies whose rows start on 64-byte boundaries
// (aligned loads; masked row tails).
#pragma once

#include "kernels/conv/conv.h"

namespace gradguard {
namespace kernels {

// gradWeight splits the samples into at most this many chunks (a plan fixed by the batch, not the
// thread count), one float32 partial per chunk; every path (GEMM, direct, unit-stride) uses it.
constexpr size_t kWeightChunks = 8;

// gw[e] = (accumulate ? gw[e] : 0) + Σ_c part[c·wsize + e], in chunk order in float64, so the
// result is bit-identical for any thread count.
void reduce_weight_chunks(const float* part, size_t chunks, size_t wsize, bool accumulate,
                          float* gw);

// Whether the path takes the forward / gradX / gradWeight of g (g has passed conv_prepare and is
// not the depthwise direct path's); tile_mr is the ISA's ConvKernels::tile_mr.
bool unit_forward_applies(const ConvGeometry& g);
bool unit_grad_x_applies(const ConvGeometry& g, size_t tile_mr);
bool unit_grad_w_applies(const ConvGeometry& g);

// As conv2d_forward / the gradX and gradWeight parts of conv2d_backward, for geometries the path
// takes. gradWeight: per-chunk partials over conv_weight_chunk_plan, reduced in chunk order in
// float64 (bit-identical for any thread count).
Status unit_forward(const ConvKernels& ck, const ConvGeometry& g, const float* x, const float* w,
                    const float* bias, float* y);
Status unit_grad_x(const ConvKernels& ck, const ConvGeometry& g, const float* w, const float* gy,
                   float* gx);
// gb: gradBias (the same (+)= Σ gY as conv2d_backward's), only where unit_grad_w_sums_bias (the
// gw_cl path sums it from its channels-last gY copy, saving a pass over gY); null otherwise.
Status unit_grad_w(const ConvKernels& ck, const ConvGeometry& g, const float* x, const float* gy,
                   float* gw, float* gb, bool accumulate);
bool unit_grad_w_sums_bias(const ConvKernels& ck, const ConvGeometry& g);

}  // namespace kernels
}  // namespace gradguard
