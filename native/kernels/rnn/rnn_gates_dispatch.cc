// The RNN/LSTM step kernels' table per ISA. Baseline flags: only takes the addresses of ISA
// functions.
#include "kernels/rnn/rnn_gates.h"

namespace gradguard {
namespace kernels {

#define GG_RNN_GATES_TABLE(ns)                                                            \
  {                                                                                       \
    ns::lstm_fwd_rows_f32__##ns, ns::lstm_bwd_rows_f32__##ns, ns::rnn_fwd_rows_f32__##ns, \
        ns::rnn_bwd_rows_f32__##ns                                                        \
  }

const RnnGateKernels& rnn_gates_kernels(Isa isa) {
  static const RnnGateKernels kScalar = GG_RNN_GATES_TABLE(scalar);
#if defined(__x86_64__) || defined(_M_X64)
  static const RnnGateKernels kAvx2 = GG_RNN_GATES_TABLE(avx2);
  static const RnnGateKernels kAvx512 = GG_RNN_GATES_TABLE(avx512);
  if (isa == Isa::kAvx512) return kAvx512;
  if (isa == Isa::kAvx2) return kAvx2;
#elif defined(__aarch64__)
  static const RnnGateKernels kNeon = GG_RNN_GATES_TABLE(neon);
  if (isa == Isa::kNeon) return kNeon;
#endif
  return kScalar;
}

#undef GG_RNN_GATES_TABLE

}  // namespace kernels
}  // namespace gradguard
