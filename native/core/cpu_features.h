// What the CPU and the OS support, read once (CPUID + XGETBV on x86-64, HWCAP on AArch64).
#pragma once

namespace gradguard {

struct CpuFeatures {
  bool avx2_fma = false;  // AVX2 and FMA3, with the OS saving YMM state
  bool avx512f = false;   // AVX-512F (+FMA), with the OS saving ZMM and opmask state
  bool neon = false;      // Advanced SIMD (always present on AArch64)
};

const CpuFeatures& cpu_features();

}  // namespace gradguard
