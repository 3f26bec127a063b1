// The conv family's kernel table (core/kernel_table.h): the direct path's row kernels and
// the unit-stride path's tiles. Baseline
// flags: only takes the addresses of ISA functions.
#include "core/kernel_table.h"
#include "kernels/conv/conv.h"

namespace gradguard {
namespace kernels {
namespace {

// The tile sizes are those the ISA's tiles (conv_tile_<isa>.cc) are written for.
#define GG_CONV_ROW(ns, mr, nr, mo, nt, cl, pack, cl_mo, cl_nt, cl_min)               \
  ConvKernels {                                                                       \
    ns::conv_axpy_f32__##ns, ns::conv_dot_f32__##ns, ns::conv_tile_f32__##ns, mr, nr, \
        ns::conv_gw_tile_f32__##ns, mo, nt, cl, pack, cl_mo, cl_nt, cl_min            \
  }

constexpr KernelTable<ConvKernels> kConv = [] {
  KernelTable<ConvKernels> t(GG_CONV_ROW(scalar, 4, 4, 2, 2, nullptr, nullptr, 0, 0, 0));
  if constexpr (isa_built(Isa::kNeon))
    t.set(Isa::kNeon, GG_CONV_ROW(neon, 8, 12, 4, 6, neon::conv_gw_cl_f32__neon,
                                  neon::conv_gw_pack_f32__neon, 16, 6, 12));
  if constexpr (isa_built(Isa::kAvx2))
    t.set(Isa::kAvx2, GG_CONV_ROW(avx2, 4, 24, 3, 4, avx2::conv_gw_cl_f32__avx2,
                                  avx2::conv_gw_pack_f32__avx2, 16, 6, 8));
  if constexpr (isa_built(Isa::kAvx512))
    t.set(Isa::kAvx512, GG_CONV_ROW(avx512, 8, 48, 4, 6, avx512::conv_gw_cl_f32__avx512,
                                    avx512::conv_gw_pack_f32__avx512, 32, 12, 24));
  return t;
}();

#undef GG_CONV_ROW

}  // namespace

const ConvKernels& conv_kernels(Isa isa) { return kConv[isa]; }

}  // namespace kernels
}  // namespace gradguard
