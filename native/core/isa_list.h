// The one list of instruction sets (ISAs) the kernels come in, lowest first. Everything per ISA
// follows from it: the Isa enum and its names (GRADGUARD_ISA, setIsa, backendInfo().isa), which
// CPUs run it (core/dispatch.cc, from the CPU features of core/cpu_features.h), the kernel tables
// (a family without a kernel of its own for an ISA uses its base's: core/kernel_table.h), and the
// build: scripts/sources.mjs parses the rows of GG_ISA_LIST and compiles every *_<name>.cc with the
// row's flags, for targets of the row's architecture only.
//
// GG_ISA(Enum, name, base, arch, requires, flags), one row per ISA:
//   Enum      Isa::k<Enum>
//   name      the GRADGUARD_ISA value, the kernel files' suffix and their namespace
//   base      an earlier row whose kernels fill this ISA's table slots that have none of their own;
//             this ISA runs only where its base runs (Scalar is its own base)
//   arch      any | x86_64 | aarch64: the targets its files are built for
//   requires  the CPU features it needs (CpuFeature bits, core/cpu_features.h), or 0
//   flags     the compiler flags of its files, one string literal
// Among the ISAs the CPU runs, the last row wins; GRADGUARD_ISA may choose a lower one.
#pragma once

#define GG_ISA_LIST(GG_ISA)                                              \
  GG_ISA(Scalar, scalar, Scalar, any, 0, "-ffp-contract=off")            \
  GG_ISA(Neon, neon, Scalar, aarch64, kCpuAsimd, "")                     \
  GG_ISA(Avx2, avx2, Scalar, x86_64, kCpuAvx2 | kCpuFma, "-mavx2 -mfma") \
  GG_ISA(Avx512, avx512, Avx2, x86_64, kCpuAvx512f,                      \
         "-mavx512f -mfma -Wno-uninitialized -Wno-maybe-uninitialized")

// The `arch` column: 1 where this translation unit's target is that architecture.
#define GG_ARCH_any 1
#if defined(__x86_64__) || defined(_M_X64)
#define GG_ARCH_x86_64 1
#else
#define GG_ARCH_x86_64 0
#endif
#if defined(__aarch64__) || defined(_M_ARM64)
#define GG_ARCH_aarch64 1
#else
#define GG_ARCH_aarch64 0
#endif
