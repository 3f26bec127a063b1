// The one selector of every kernel family: a table with a row per ISA of core/isa_list.h (a struct
// of function pointers, or a single one), built at compile time and indexed by the active ISA.
// Every slot starts as the scalar reference's row; set() gives an ISA a row of its own, and every
// ISA without one takes its base's (AVX-512 the AVX2 kernels, say), so no kernel file exists only
// to forward to a lower ISA. A row may mix ISAs, e.g. start from the base's row and replace the
// entries an ISA does better. Include it from baseline (no ISA flags) files only.
//
//   constexpr KernelTable<FooKernels> kFoo = [] {
//     KernelTable<FooKernels> t({scalar::foo__scalar});
//     if constexpr (isa_built(Isa::kAvx2)) t.set(Isa::kAvx2, {avx2::foo__avx2});
//     return t;
//   }();
//   const FooKernels& foo_kernels(Isa isa) { return kFoo[isa]; }
//
// `if constexpr (isa_built(...))`: another architecture's kernels are declared but not compiled for
// this target, and a function named only in a discarded statement needs no definition.
#pragma once

#include "core/dispatch.h"

namespace gradguard {

template <typename Row>
class KernelTable {
 public:
  constexpr explicit KernelTable(const Row& scalar) : rows_{}, own_{} {
    for (int i = 0; i < kIsaCount; ++i) rows_[i] = scalar;
    own_[0] = true;
  }

  // `isa` gets `row`; every ISA that has no row of its own follows its base again.
  constexpr void set(Isa isa, const Row& row) {
    rows_[static_cast<int>(isa)] = row;
    own_[static_cast<int>(isa)] = true;
    for (int i = 1; i < kIsaCount; ++i) {
      if (!own_[i]) rows_[i] = rows_[static_cast<int>(kIsaBase[i])];
    }
  }

  constexpr const Row& operator[](Isa isa) const { return rows_[static_cast<int>(isa)]; }

 private:
  Row rows_[kIsaCount];
  bool own_[kIsaCount];
};

}  // namespace gradguard
