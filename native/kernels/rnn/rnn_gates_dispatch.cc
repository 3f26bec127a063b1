// The RNN/LSTM/GRU step kernels' table (core/kernel_table.h). Baseline flags: only takes the
// addresses of ISA functions. AVX-512 has its own 16-lane epilogues: at 8 lanes they were a tenth
// of an LSTM step once the step GEMMs ran on the 16-lane micro-kernel (perf).
#include "core/kernel_table.h"
#include "kernels/rnn/rnn_gates.h"

namespace gradguard {
namespace kernels {
namespace {

#define GG_RNN_GATES_ROW(ns)                                                               \
  RnnGateKernels {                                                                         \
    ns::lstm_fwd_rows_f32__##ns, ns::lstm_bwd_rows_f32__##ns, ns::rnn_fwd_rows_f32__##ns,  \
        ns::rnn_bwd_rows_f32__##ns, ns::gru_fwd_rows_f32__##ns, ns::gru_bwd_rows_f32__##ns \
  }

constexpr KernelTable<RnnGateKernels> kRnnGates = [] {
  KernelTable<RnnGateKernels> t(GG_RNN_GATES_ROW(scalar));
  if constexpr (isa_built(Isa::kNeon)) t.set(Isa::kNeon, GG_RNN_GATES_ROW(neon));
  if constexpr (isa_built(Isa::kAvx2)) t.set(Isa::kAvx2, GG_RNN_GATES_ROW(avx2));
  if constexpr (isa_built(Isa::kAvx512)) t.set(Isa::kAvx512, GG_RNN_GATES_ROW(avx512));
  return t;
}();

#undef GG_RNN_GATES_ROW

}  // namespace

const RnnGateKernels& rnn_gates_kernels(Isa isa) { return kRnnGates[isa]; }

}  // namespace kernels
}  // namespace gradguard
