// The embedding streaming row store's kernel table (core/kernel_table.h). AVX-512 has its own
// full-line store. AVX2 keeps the base 16-byte one: a 32-byte streaming store was measured slower
// than it on the Xeon this was tuned on (embedding bench, fwd+bwd 2.0 ms against 1.45 ms,
// interleaved in one process). NEON keeps the base store (plain stores on AArch64).
#include "core/kernel_table.h"
#include "kernels/embedding/embedding.h"

namespace gradguard {
namespace kernels {
namespace {

constexpr KernelTable<EmbeddingStreamRowFn> kStreamRow = [] {
  KernelTable<EmbeddingStreamRowFn> t(scalar::embedding_stream_row__scalar);
  if constexpr (isa_built(Isa::kAvx512)) t.set(Isa::kAvx512, avx512::embedding_stream_row__avx512);
  return t;
}();

}  // namespace

EmbeddingStreamRowFn embedding_stream_row_kernel(Isa isa) { return kStreamRow[isa]; }

}  // namespace kernels
}  // namespace gradguard
