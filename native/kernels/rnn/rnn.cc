// RNN/LSTM/GRU forward and backward through time over sgemm (native/kernels/gemm): the input
// projection of all steps is one sgemm; each step is one sgemm with weight_hh (packed once per
// call, not once per step) followed by the fused per-ISA gate kernel (rnn_gates.h: bias, gate
// nonlinearities, cell update, h to workspace and output in one pass) split across threads by
// batch rows. Backward mirrors it and forms the weight gradients as large sgemms after the loop.
// Every result is bit-identical for any thread count: GEMMs never split k across threads and the
// gate kernels work on whole rows.
#include "kernels/rnn/rnn.h"

#include <cstring>
#include <vector>

#include "core/memory.h"
#include "core/thread_pool.h"
#include "kernels/gemm/gemm.h"
#include "kernels/rnn/rnn_gates.h"

namespace gradguard {
namespace kernels {
namespace {

// Per-thread scratch (core/memory.h) so a training loop's calls stop allocating: the backward's
// gate gradients are T*B*G*H floats, 13 MB for the LSTM bench case, and a fresh mmap of that costs
// its page faults on every call.
thread_local ScratchBuffer t_packed_whh;  // weight_hh packed for the step GEMMs
thread_local ScratchBuffer t_backward;    // the backward's gate gradients, dh and dc
thread_local ScratchBuffer t_gru_step;    // a GRU forward step's h_{t-1} W_hh^T [B, 3H]
thread_local ScratchBuffer t_step_cat;    // [w_hh | w_ih] and a backward step's [dh | grad_x]
thread_local ScratchBuffer t_weight_t;    // transposed weight gradients and every step's h_{t-1}

// Runs fn(row_begin, row_end) over the batch rows of one step, split across the pool once the step
// is big enough to pay for a parallel region (each row's result is the same either way).
// (Tried and dropped: running a step's product and gate kernel together on a batch slice per
// thread, one parallel region per step, or per sequence. With batch 32 each thread's 16-row product
// leaves a 2-row tail next to the 14-row AVX-512 tile (the column split here keeps 14 + 14 + 4),
// and whole-sequence slices wait tens of ms for a descheduled thread: paired interleaved rounds,
// LSTM 128->256 T100 B32, 2 threads, loaded 2-core VM: 1.04-1.13x the time of this code.)
template <typename F>
void for_rows(size_t rows, size_t floats_per_row, const F& fn) {
  constexpr size_t kMinParallelFloats = 16384;
  const size_t threads = static_cast<size_t>(num_threads());
  if (threads <= 1 || rows < 2 || rows * floats_per_row < kMinParallelFloats) {
    fn(size_t{0}, rows);
    return;
  }
  parallel_for(0, rows, (rows + threads - 1) / threads, fn);
}

// sum[j] (float64) of the columns of m [rows, cols] (row stride ld), each column summed in row
// order; columns are split across threads in fixed blocks (the order per column never changes, so
// neither do the bits). A block is as wide as the split allows, up to kMaxBlock: each row is then
// read as one long run instead of a 64-column piece every ld floats (the matrix is T*B rows and
// does not fit in cache, so this pass is bound by how well the reads stream).
void column_sums(const float* m, size_t rows, size_t cols, size_t ld, double* sum) {
  constexpr size_t kMaxBlock = 1024, kAlign = 64;
  if (cols == 0) return;  // hidden size 0: no column, and a block width of 0 below
  const size_t threads = static_cast<size_t>(num_threads());
  size_t block = (cols + threads - 1) / threads;
  block = (block + kAlign - 1) / kAlign * kAlign;
  if (block > kMaxBlock) block = kMaxBlock;
  parallel_for(0, (cols + block - 1) / block, 1, [&](size_t lo, size_t hi) {
    double acc[kMaxBlock];
    for (size_t blk = lo; blk < hi; ++blk) {
      const size_t j0 = blk * block, n = cols - j0 < block ? cols - j0 : block;
      for (size_t j = 0; j < n; ++j) acc[j] = 0.0;
      for (size_t r = 0; r < rows; ++r) {
        const float* row = m + r * ld + j0;
        for (size_t j = 0; j < n; ++j) acc[j] += static_cast<double>(row[j]);
      }
      for (size_t j = 0; j < n; ++j) sum[j0 + j] = acc[j];
    }
  });
}

// dst [rows, cols] = src^T (src [cols, rows]), added to dst when accumulate is set. Blocks of 32 x
// 32 keep both sides' lines in cache; rows are split across threads (elementwise: same bits).
void transpose_into(const float* src, size_t rows, size_t cols, bool accumulate, float* dst) {
  constexpr size_t kBlock = 32;
  parallel_for(0, (rows + kBlock - 1) / kBlock, 4, [&](size_t lo, size_t hi) {
    for (size_t i0 = lo * kBlock; i0 < hi * kBlock && i0 < rows; i0 += kBlock) {
      const size_t i1 = i0 + kBlock < rows ? i0 + kBlock : rows;
      for (size_t j0 = 0; j0 < cols; j0 += kBlock) {
        const size_t j1 = j0 + kBlock < cols ? j0 + kBlock : cols;
        for (size_t i = i0; i < i1; ++i) {
          float* row = dst + i * cols;
          for (size_t j = j0; j < j1; ++j) {
            row[j] = accumulate ? row[j] + src[j * rows + i] : src[j * rows + i];
          }
        }
      }
    }
  });
}

// grad_w_ih [GH, I] and grad_w_hh [GH, H] (overwritten, or added to) from the gate gradients of
// every step (dgi [T*B, GH] the input side, dgh the recurrent side: the same array except in a
// GRU). Each is computed transposed, grad_w^T = X^T * dg, then transposed into place: the T*B-deep
// gate gradients are then packed as GEMM's B operand, whole rows copied in order, where the plain
// form (dg^T * X) packed them as a transposed A, 48 bytes from every 4 KB row, which took a third
// of those products' time on the LSTM bench case (perf). Every sum runs over the steps in order as
// before. h_{t-1} of every step (h0, then hidden[0 .. T-2]) is copied into one operand.
// (Packing dg once with sgemm_pack_b for both products measured slower: sgemm_packed then streams
// the 13 MB packed copy from memory once per row block instead of once.)
Status weight_grads(Isa isa, const RecurrentDims& d, size_t G, const float* x, const float* h0,
                    const float* hidden, const float* dgi, const float* dgh, float* grad_w_ih,
                    float* grad_w_hh, bool accumulate) {
  const size_t T = d.seq_len, B = d.batch, I = d.input_size, H = d.hidden_size;
  const size_t GH = G * H, TB = T * B;
  if (TB == 0) {
    if (!accumulate) {
      std::memset(grad_w_ih, 0, GH * I * sizeof(float));
      std::memset(grad_w_hh, 0, GH * H * sizeof(float));
    }
    return Status::kOk;
  }
  // One operand [rows, I + H] = [x_t | h_{t-1}] per row when both products share dg (RNN, LSTM):
  // a single product then packs dg once, with I + H rows of output (a whole number of micro-tile
  // rows more often than I or H alone). A GRU keeps the two apart (x is read in place) and copies
  // only h_{t-1}. The copies go through a buffer of at most kChunkRows rows, the products
  // accumulating chunk after chunk in step order, so long sequences need no T*B-row copy.
  constexpr size_t kChunkRows = 8192, kCopyGrain = 256;
  const bool shared = dgh == dgi;
  const size_t ld = shared ? I + H : H;
  const size_t chunk = TB < kChunkRows ? TB : kChunkRows;
  float* wt = t_weight_t.get((I + H) * GH + chunk * ld);
  if (wt == nullptr) return Status::kOutOfMemory;
  float* xh = wt + (I + H) * GH;
  float* hp = shared ? xh + I : xh;  // h_{t-1} of chunk row r at hp + r * ld
  Status s = Status::kOk;
  if (!shared) {
    s = sgemm(isa, true, false, I, GH, TB, 1.f, x, I, dgi, GH, 0.f, wt, GH);
    if (s != Status::kOk) return s;
  }
  for (size_t r0 = 0; r0 < TB; r0 += chunk) {
    const size_t rows = TB - r0 < chunk ? TB - r0 : chunk;
    // Split across threads (a plain copy: same bits): 5 MB on the LSTM bench case, a serial
    // stretch of the 2-thread backward on one thread.
    parallel_for(0, rows, kCopyGrain, [&](size_t lo, size_t hi) {
      for (size_t i = lo; i < hi; ++i) {
        const size_t r = r0 + i;
        if (shared) std::memcpy(xh + i * ld, x + r * I, I * sizeof(float));
        std::memcpy(hp + i * ld, r < B ? h0 + r * H : hidden + (r - B) * H, H * sizeof(float));
      }
    });
    const float beta = r0 == 0 ? 0.f : 1.f;
    if (shared) {
      s = sgemm(isa, true, false, I + H, GH, rows, 1.f, xh, ld, dgi + r0 * GH, GH, beta, wt, GH);
    } else {
      s = sgemm(isa, true, false, H, GH, rows, 1.f, hp, ld, dgh + r0 * GH, GH, beta, wt + I * GH,
                GH);
    }
    if (s != Status::kOk) return s;
  }
  transpose_into(wt, GH, I, accumulate, grad_w_ih);
  transpose_into(wt + I * GH, GH, H, accumulate, grad_w_hh);
  return Status::kOk;
}

}  // namespace

size_t recurrent_workspace_size(RecurrentMode m, const RecurrentDims& d) {
  const size_t tbh = d.seq_len * d.batch * d.hidden_size;
  return m == RecurrentMode::kLstm ? 6 * tbh : m == RecurrentMode::kGru ? 5 * tbh : tbh;
}

Status recurrent_forward_f32(Isa isa, RecurrentMode mode, const RecurrentDims& d, const float* x,
                             const float* h0, const float* c0, const float* w_ih, const float* w_hh,
                             const float* b_ih, const float* b_hh, float* output, float* h_n,
                             float* c_n, float* ws) {
  const size_t T = d.seq_len, B = d.batch, I = d.input_size, H = d.hidden_size;
  const size_t G = recurrent_gates(mode), GH = G * H;
  const bool lstm = mode == RecurrentMode::kLstm, gru = mode == RecurrentMode::kGru;
  const RnnGateKernels& gk = rnn_gates_kernels(isa);
  float* gates = ws;                                // [T, B, GH]
  float* cells = lstm ? ws + T * B * GH : nullptr;  // [T, B, H]
  float* hns = gru ? ws + T * B * GH : nullptr;     // [T, B, H]: W_hn h_{t-1} + b_hn
  // [T, B, H] (RNN: the gates themselves)
  float* hidden = lstm ? cells + T * B * H : gru ? hns + T * B * H : ws;
  // Input projection for every step at once: gates = x * w_ih^T.
  Status s = sgemm(isa, false, true, T * B, GH, I, 1.f, x, I, w_ih, I, 0.f, gates, GH);
  if (s != Status::kOk) return s;
  // b_ih + b_hh, added by the gate kernels. A GRU keeps b_in and b_hn apart (b_hn sits inside the
  // reset product): [b_ir + b_hr, b_iz + b_hz, b_in, b_hn].
  std::vector<float> bias;
  if (b_ih || b_hh) {
    bias.resize(gru ? GH + H : GH);
    const size_t summed = gru ? 2 * H : GH;
    for (size_t j = 0; j < summed; ++j) bias[j] = (b_ih ? b_ih[j] : 0.f) + (b_hh ? b_hh[j] : 0.f);
    for (size_t j = summed; j < bias.size(); ++j) {
      bias[j] = j < GH ? (b_ih ? b_ih[j] : 0.f) : (b_hh ? b_hh[j - H] : 0.f);
    }
  }
  const float* bias_p = bias.empty() ? nullptr : bias.data();
  // w_hh^T packed once for all T steps.
  float* packed = nullptr;
  if (T > 0 && B > 0) {
    packed = t_packed_whh.get(sgemm_packed_b_size(isa, H, GH));
    if (packed == nullptr) return Status::kOutOfMemory;
    s = sgemm_pack_b(isa, true, H, GH, w_hh, H, packed);
    if (s != Status::kOk) return s;
  }
  float* gh = nullptr;  // GRU: h_{t-1} W_hh^T, kept apart from the input side for the reset product
  if (gru && T > 0 && B > 0) {
    gh = t_gru_step.get(B * GH);
    if (gh == nullptr) return Status::kOutOfMemory;
  }
  const float* h_prev = h0;
  const float* c_prev = c0;
  for (size_t t = 0; t < T && B > 0; ++t) {
    float* gt = gates + t * B * GH;
    s = sgemm_packed(isa, false, B, GH, H, 1.f, h_prev, H, packed, gru ? 0.f : 1.f, gru ? gh : gt,
                     GH);
    if (s != Status::kOk) return s;
    float* ht = hidden + t * B * H;
    float* ot = output + t * B * H;
    if (gru) {
      float* hnt = hns + t * B * H;
      for_rows(B, GH, [&](size_t lo, size_t hi) {
        gk.gru_forward(hi - lo, H, gt + lo * GH, gh + lo * GH, bias_p, h_prev + lo * H,
                       hnt + lo * H, ht + lo * H, ot + lo * H);
      });
    } else if (lstm) {
      float* ct = cells + t * B * H;
      for_rows(B, GH, [&](size_t lo, size_t hi) {
        gk.lstm_forward(hi - lo, H, gt + lo * GH, bias_p, c_prev + lo * H, ct + lo * H, ht + lo * H,
                        ot + lo * H);
      });
      c_prev = ct;
    } else {
      const bool relu = mode == RecurrentMode::kRnnRelu;
      for_rows(B, GH, [&](size_t lo, size_t hi) {
        gk.rnn_forward(relu, hi - lo, H, ht + lo * H, bias_p, ot + lo * H);
      });
    }
    h_prev = ht;
  }
  if (B * H > 0) {
    std::memcpy(h_n, h_prev, B * H * sizeof(float));
    if (lstm) std::memcpy(c_n, c_prev, B * H * sizeof(float));
  }
  return Status::kOk;
}

Status recurrent_backward_f32(Isa isa, RecurrentMode mode, const RecurrentDims& d, const float* x,
                              const float* h0, const float* c0, const float* w_ih,
                              const float* w_hh, const float* ws, const float* grad_output,
                              const float* grad_h_n, const float* grad_c_n, float* grad_x,
                              float* grad_h0, float* grad_c0, float* grad_w_ih, float* grad_w_hh,
                              float* grad_b_ih, float* grad_b_hh, bool accumulate,
                              float clip_hidden_grad_norm) {
  const size_t T = d.seq_len, B = d.batch, I = d.input_size, H = d.hidden_size;
  const size_t G = recurrent_gates(mode), GH = G * H;
  const bool lstm = mode == RecurrentMode::kLstm, gru = mode == RecurrentMode::kGru;
  const RnnGateKernels& gk = rnn_gates_kernels(isa);
  const float clip = clip_hidden_grad_norm > 0.f ? clip_hidden_grad_norm : 0.f;
  const float* gates = ws;
  const float* cells = lstm ? ws + T * B * GH : nullptr;
  const float* hns = gru ? ws + T * B * GH : nullptr;
  const float* hidden = lstm ? cells + T * B * H : gru ? hns + T * B * H : ws;
  // dgates [T, B, GH] (a GRU has two: the input side dgi, then the recurrent side dgh, which differ
  // in the n block), then dh and dc [B, H], in one per-thread buffer; w_hh packed (as op(B) of
  // dh_{t-1} = dgates_t * w_hh) for all steps in another.
  // RNN and LSTM (one dgates for both sides) also form grad_x step by step in the same product:
  // [dh_{t-1} | grad_x_t] = dgates_t * [w_hh | w_ih], out of a [B, H + I] tile copied into place.
  // The alternative, one T*B-row product after the loop, packs all of dgates (13 MB on the LSTM
  // bench case) as its A operand from memory: about 4% of an LSTM fwd+bwd (perf); here each step's
  // dgates is packed once, from cache, for both outputs.
  // (Not with H == 0: no gates, nothing to pack; grad_x is then the zero product after the loop.)
  const bool fused_gx = !gru && GH > 0;
  const size_t n_step = fused_gx ? H + I : H;  // columns of the step product
  const size_t packed_floats = T > 0 && B > 0 ? sgemm_packed_b_size(isa, GH, n_step) : 0;
  const size_t dg_floats = (gru ? 2 : 1) * T * B * GH;
  float* dgs = t_backward.get(dg_floats + 2 * B * H + 1);
  float* packed = packed_floats > 0 ? t_packed_whh.get(packed_floats) : nullptr;
  if (dgs == nullptr || (packed_floats > 0 && packed == nullptr)) return Status::kOutOfMemory;
  float* wcat = nullptr;  // [w_hh | w_ih] [GH, H + I], then the step's [B, H + I] product
  if (fused_gx && packed_floats > 0) {
    wcat = t_step_cat.get(GH * n_step + B * n_step);
    if (wcat == nullptr) return Status::kOutOfMemory;
    parallel_for(0, GH, 256, [&](size_t lo, size_t hi) {  // a plain copy: same bits
      for (size_t g = lo; g < hi; ++g) {
        std::memcpy(wcat + g * n_step, w_hh + g * H, H * sizeof(float));
        std::memcpy(wcat + g * n_step + H, w_ih + g * I, I * sizeof(float));
      }
    });
  }
  float* step_out = wcat != nullptr ? wcat + GH * n_step : nullptr;
  float* dgh = gru ? dgs + T * B * GH : dgs;  // the recurrent side's gate gradients
  float* dh = dgs + dg_floats;
  float* dc = dh + B * H;
  if (grad_h_n) {
    std::memcpy(dh, grad_h_n, B * H * sizeof(float));
  } else {
    std::memset(dh, 0, B * H * sizeof(float));
  }
  if (lstm && grad_c_n) {
    std::memcpy(dc, grad_c_n, B * H * sizeof(float));
  } else {
    std::memset(dc, 0, B * H * sizeof(float));
  }
  if (packed_floats > 0) {
    Status s = fused_gx ? sgemm_pack_b(isa, false, GH, n_step, wcat, n_step, packed)
                        : sgemm_pack_b(isa, false, GH, H, w_hh, H, packed);
    if (s != Status::kOk) return s;
  }
  for (size_t t = T; t-- > 0 && B > 0;) {
    const float* gt = gates + t * B * GH;
    float* dg = dgs + t * B * GH;
    const float* go = grad_output ? grad_output + t * B * H : nullptr;
    if (gru) {
      float* dght = dgh + t * B * GH;
      const float* hnt = hns + t * B * H;
      const float* hp = t > 0 ? hidden + (t - 1) * B * H : h0;
      for_rows(B, GH, [&](size_t lo, size_t hi) {
        gk.gru_backward(hi - lo, H, gt + lo * GH, hnt + lo * H, hp + lo * H, dh + lo * H,
                        go ? go + lo * H : nullptr, clip, dg + lo * GH, dght + lo * GH);
      });
      // dh_{t-1} = dh_t * z (left in dh by the gate kernel) + dgh_t * w_hh
      Status s = sgemm_packed(isa, false, B, H, GH, 1.f, dght, GH, packed, 1.f, dh, H);
      if (s != Status::kOk) return s;
      continue;
    }
    if (!lstm) {
      const bool relu = mode == RecurrentMode::kRnnRelu;
      for_rows(B, GH, [&](size_t lo, size_t hi) {
        gk.rnn_backward(relu, hi - lo, H, gt + lo * H, dh + lo * H, go ? go + lo * H : nullptr,
                        clip, dg + lo * H);
      });
    } else {
      const float* ct = cells + t * B * H;
      const float* cp = t > 0 ? cells + (t - 1) * B * H : c0;
      for_rows(B, GH, [&](size_t lo, size_t hi) {
        gk.lstm_backward(hi - lo, H, gt + lo * GH, ct + lo * H, cp + lo * H, dh + lo * H,
                         go ? go + lo * H : nullptr, clip, dc + lo * H, dg + lo * GH);
      });
    }
    // [dh_{t-1} | grad_x_t] = dgates_t * [w_hh | w_ih]
    Status s = sgemm_packed(isa, false, B, n_step, GH, 1.f, dg, GH, packed, 0.f, step_out, n_step);
    if (s != Status::kOk) return s;
    float* gxt = grad_x + t * B * I;
    // An empty input (I == 0) or hidden state (H == 0) may come with a null array: memcpy must
    // not see it even for 0 bytes (undefined behaviour; fuzz_rnn's seed corpus has such a shape).
    for (size_t b = 0; b < B; ++b) {
      if (H > 0) std::memcpy(dh + b * H, step_out + b * n_step, H * sizeof(float));
      if (fused_gx && I > 0) std::memcpy(gxt + b * I, step_out + b * n_step + H, I * sizeof(float));
    }
  }
  if (B * H > 0) {
    std::memcpy(grad_h0, dh, B * H * sizeof(float));
    if (lstm) std::memcpy(grad_c0, dc, B * H * sizeof(float));
  }
  Status s = Status::kOk;
  if (!fused_gx) {
    s = sgemm(isa, false, false, T * B, I, GH, 1.f, dgs, GH, w_ih, I, 0.f, grad_x, I);
    if (s != Status::kOk) return s;
  }
  s = weight_grads(isa, d, G, x, h0, hidden, dgs, dgh, grad_w_ih, grad_w_hh, accumulate);
  if (s != Status::kOk) return s;
  if (grad_b_ih || grad_b_hh) {
    std::vector<double> sum(GH, 0.0), sum_h;
    column_sums(dgs, T * B, GH, GH, sum.data());
    if (gru && grad_b_hh) {
      // The r and z blocks of the two sides hold the same values, so only n's sums differ.
      sum_h = sum;
      column_sums(dgh + 2 * H, T * B, H, GH, sum_h.data() + 2 * H);
    }
    const std::vector<double>& sh = gru ? sum_h : sum;
    for (size_t j = 0; j < GH; ++j) {
      if (grad_b_ih) grad_b_ih[j] = static_cast<float>((accumulate ? grad_b_ih[j] : 0.0) + sum[j]);
      if (grad_b_hh) grad_b_hh[j] = static_cast<float>((accumulate ? grad_b_hh[j] : 0.0) + sh[j]);
    }
  }
  return Status::kOk;
}

}  // namespace kernels
}  // namespace gradguard
