// What the CPU and the OS support, read once (CPUID + XGETBV on x86-64, HWCAP on AArch64): the
// features the rows of core/isa_list.h require. A new ISA that needs a feature not listed here adds
// its bit and its test in cpu_features.cc.
#pragma once

#include <cstdint>

namespace gradguard {

enum CpuFeature : uint32_t {
  kCpuAvx2 = 1u << 0,     // AVX2, with the OS saving YMM state
  kCpuFma = 1u << 1,      // FMA3, with the OS saving YMM state
  kCpuAvx512f = 1u << 2,  // AVX-512F, with the OS saving ZMM and opmask state
  kCpuAsimd = 1u << 3,    // AArch64 Advanced SIMD (NEON)
};

// The CpuFeature bits this CPU and OS support.
uint32_t cpu_features();

}  // namespace gradguard
