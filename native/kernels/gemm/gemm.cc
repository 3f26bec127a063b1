// Blocked SGEMM driver (BLIS loop nest): packs B into kc x NR and A into MR x kc panels (resolving
// transposes), then runs the ISA's micro-kernel over C tiles. float32 accumulation in a fixed k
// order, unlike PyTorch's BLAS: bit-identical for any thread count, rounding differs slightly.
#include <atomic>
#include <cstdint>
#include <cstring>
#include <vector>

#if defined(__SSE2__)
#include <xmmintrin.h>
#endif

#include "core/memory.h"
#include "core/thread_pool.h"
#include "kernels/gemm/gemm.h"
#include "kernels/gemm/gemm_blocking.h"
#include "kernels/gemm/tile_sumsq.h"

namespace gradguard {
namespace kernels {
namespace {

// kc, mc, nc and mo (the cache blocking) come from gemm_blocking(isa), derived from the CPU's
// caches.
constexpr size_t kTaskCols = 256;  // columns of C per task, at most
constexpr size_t kPackCols = 128;  // columns of a transposed B per packing job
constexpr size_t kPackRows = 16;   // rows of a plain B per packing job (whole rows read in order)
// m * n * k below this runs on one thread: about 50 us of work, under which a parallel region's
// fork/join (and, on a busy machine, waiting for a descheduled worker) costs more than it saves.
constexpr size_t kInlineWork = size_t{128} * 128 * 128;

inline size_t min_sz(size_t a, size_t b) { return a < b ? a : b; }
inline size_t ceil_div(size_t a, size_t b) { return (a + b - 1) / b; }

// Packing buffers per thread, kept for the thread's lifetime so steady-state calls do not allocate.
thread_local ScratchBuffer t_pack_a;
thread_local ScratchBuffer t_pack_b;

// dst[p * W + i] = r[i][p] for p in [0, kc), i in [0, W): interleaves W rows (a transpose).
template <size_t W>
void interleave_rows(const float* const* r, size_t kc, float* dst) {
  size_t p = 0;
#if defined(__SSE2__)
  static_assert(W % 2 == 0, "interleave_rows: W must be even");
  for (; p + 4 <= kc; p += 4) {
    float* d = dst + p * W;
    size_t i = 0;
    for (; i + 4 <= W; i += 4) {
      __m128 x0 = _mm_loadu_ps(r[i] + p), x1 = _mm_loadu_ps(r[i + 1] + p);
      __m128 x2 = _mm_loadu_ps(r[i + 2] + p), x3 = _mm_loadu_ps(r[i + 3] + p);
      _MM_TRANSPOSE4_PS(x0, x1, x2, x3);
      _mm_storeu_ps(d + i, x0);
      _mm_storeu_ps(d + W + i, x1);
      _mm_storeu_ps(d + 2 * W + i, x2);
      _mm_storeu_ps(d + 3 * W + i, x3);
    }
    if (i < W) {  // the last two rows
      const __m128 y0 = _mm_loadu_ps(r[i] + p), y1 = _mm_loadu_ps(r[i + 1] + p);
      const __m128 lo = _mm_unpacklo_ps(y0, y1), hi = _mm_unpackhi_ps(y0, y1);
      _mm_storel_pi(reinterpret_cast<__m64*>(d + i), lo);
      _mm_storeh_pi(reinterpret_cast<__m64*>(d + W + i), lo);
      _mm_storel_pi(reinterpret_cast<__m64*>(d + 2 * W + i), hi);
      _mm_storeh_pi(reinterpret_cast<__m64*>(d + 3 * W + i), hi);
    }
  }
#endif
  for (; p < kc; ++p) {
    for (size_t i = 0; i < W; ++i) dst[p * W + i] = r[i][p];
  }
}

// Packs rows [i0, i0 + rows) (rows <= MR) and depth [p0, p0 + kc) of op(A) into dst[p * MR + i],
// zero-padding rows >= `rows`.
template <size_t MR>
void pack_a_panel(bool trans, const float* a, size_t lda, size_t i0, size_t rows, size_t p0,
                  size_t kc, float* dst) {
  if (trans) {  // op(A)(i, p) = a[p * lda + i]: each depth step is contiguous
    for (size_t p = 0; p < kc; ++p) {
      const float* src = a + (p0 + p) * lda + i0;
      float* d = dst + p * MR;
      if (rows == MR) {
        std::memcpy(d, src, MR * sizeof(float));
      } else {
        for (size_t i = 0; i < MR; ++i) d[i] = i < rows ? src[i] : 0.f;
      }
    }
    return;
  }
  if (rows == MR) {
    const float* r[MR];
    for (size_t i = 0; i < MR; ++i) r[i] = a + (i0 + i) * lda + p0;
    interleave_rows<MR>(r, kc, dst);
    return;
  }
  for (size_t p = 0; p < kc; ++p) {
    for (size_t i = 0; i < MR; ++i) dst[p * MR + i] = i < rows ? a[(i0 + i) * lda + p0 + p] : 0.f;
  }
}

// Packs columns [j0, j0 + cols) and depth rows [p0 + r0, p0 + r1) of a kc-deep slice of op(B)
// into ceil(cols / NR) panels, dst[(jp * kc + p) * NR + j], zero-padding the last panel's columns
// beyond `cols`.
template <size_t NR>
void pack_b_panels(bool trans, const float* b, size_t ldb, size_t p0, size_t kc, size_t r0,
                   size_t r1, size_t j0, size_t cols, float* dst) {
  const size_t panels = (cols + NR - 1) / NR;
  if (!trans) {  // op(B)(p, j) = b[p * ldb + j]: walk whole rows of B, left to right
    for (size_t p = r0; p < r1; ++p) {
      const float* src = b + (p0 + p) * ldb + j0;
      for (size_t jp = 0; jp < panels; ++jp) {
        float* d = dst + (jp * kc + p) * NR;
        const float* s = src + jp * NR;
        if ((jp + 1) * NR <= cols) {
          std::memcpy(d, s, NR * sizeof(float));
        } else {
          const size_t valid = cols - jp * NR;
          for (size_t j = 0; j < NR; ++j) d[j] = j < valid ? s[j] : 0.f;
        }
      }
    }
    return;
  }
  for (size_t jp = 0; jp < panels; ++jp) {  // op(B)(p, j) = b[j * ldb + p]: NR rows of b per panel
    float* d = dst + jp * kc * NR;
    const size_t jb = j0 + jp * NR;
    if ((jp + 1) * NR <= cols) {
      const float* r[NR];
      for (size_t j = 0; j < NR; ++j) r[j] = b + (jb + j) * ldb + p0 + r0;
      interleave_rows<NR>(r, r1 - r0, d + r0 * NR);
    } else {
      const size_t valid = cols - jp * NR;
      for (size_t p = r0; p < r1; ++p) {
        for (size_t j = 0; j < NR; ++j) {
          d[p * NR + j] = j < valid ? b[(jb + j) * ldb + p0 + p] : 0.f;
        }
      }
    }
  }
}

using PackAFn = void (*)(bool, const float*, size_t, size_t, size_t, size_t, size_t, float*);
using PackBFn = void (*)(bool, const float*, size_t, size_t, size_t, size_t, size_t, size_t, size_t,
                         float*);

PackAFn pack_a_for(size_t mr) {
  switch (mr) {
    case 4: return pack_a_panel<4>;
    case 6: return pack_a_panel<6>;
    case 8: return pack_a_panel<8>;
    case 12: return pack_a_panel<12>;
    case 14: return pack_a_panel<14>;
    default: return nullptr;
  }
}

PackBFn pack_b_for(size_t nr) {
  switch (nr) {
    case 8: return pack_b_panels<8>;
    case 16: return pack_b_panels<16>;
    case 32: return pack_b_panels<32>;
    default: return nullptr;
  }
}

// C = beta * C without reading C when beta == 0.
void scale_c(size_t m, size_t n, float beta, float* c, size_t ldc) {
  if (beta == 1.f) return;
  for (size_t i = 0; i < m; ++i) {
    float* row = c + i * ldc;
    if (beta == 0.f) {
      std::memset(row, 0, n * sizeof(float));
    } else {
      for (size_t j = 0; j < n; ++j) row[j] *= beta;
    }
  }
}

// Runs fn over [0, count) on the pool when `threaded`, else inline on this thread.
template <typename F>
void run_range(bool threaded, size_t count, size_t grain, const F& fn) {
  if (count == 0) return;
  if (threaded) {
    parallel_for(0, count, grain, fn);
  } else {
    fn(size_t{0}, count);
  }
}

// Threads a product of m x n x k uses: one below kInlineWork, else the pool's size.
size_t threads_for(size_t m, size_t n, size_t k) {
  const bool small = static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k) <
                     static_cast<double>(kInlineWork);
  return small ? 1 : static_cast<size_t>(num_threads());
}

// Rows of C per task: at most mc (the A block that stays in L2), evened out so the last block is
// not a sliver (m = 1024 with mc = 476 runs as 3 x 342, not 476 + 476 + 72), and cut finer when the
// columns alone give fewer than kMinTasks tasks (a tall, thin product), down to 4 micro-tiles of
// rows. A multiple of mr. Independent of the thread count, so a per-block reduction over these
// blocks (the sum-of-squares epilogue) combines the same partials on any number of threads.
constexpr size_t kMinTasks = 32;
size_t task_rows(size_t rows, size_t mc, size_t mr, size_t b_panels) {
  size_t blocks = ceil_div(rows, mc);
  if (blocks * b_panels < kMinTasks) {
    const size_t finest = ceil_div(rows, 4 * mr);
    blocks = min_sz(ceil_div(kMinTasks, b_panels), finest > blocks ? finest : blocks);
  }
  return ceil_div(ceil_div(rows, blocks), mr) * mr;
}

// Tasks are (task_rows) x (panels * nr columns) blocks of C; enough of them to keep every thread
// busy. The tile grid (and so every result bit) does not depend on them.
struct TaskGrid {
  size_t panels;     // B panels per task
  size_t col_tasks;  // tasks across the columns
};

TaskGrid task_grid(size_t threads, size_t m_blocks, size_t b_panels, size_t nr) {
  size_t panels = kTaskCols / nr;
  if (threads > 1) {
    const size_t want_cols = ceil_div(4 * threads, m_blocks);
    const size_t fit = ceil_div(b_panels, want_cols);
    if (fit < panels) panels = fit > 0 ? fit : 1;
  }
  return TaskGrid{panels, ceil_div(b_panels, panels)};
}

// Offset (floats) of the packed (jc, pc) block in a whole pre-packed B: every earlier column block
// is nc_max wide (the blocking's nc, a multiple of nr) and k deep; earlier slices of this block are
// panels * nr wide.
size_t packed_block_offset(size_t k, size_t n, size_t nr, size_t nc_max, size_t jc, size_t pc) {
  const size_t nc = min_sz(nc_max, n - jc);
  return jc * k + ceil_div(nc, nr) * nr * pc;
}

// ---- Sum-of-squares epilogue (sgemm_sumsq) ----
// Tiles of `t` along a dimension of `total` cut into blocks of `block` (each block restarts the
// tiling), and the index of the first tile of the block starting at `start`.
size_t tiles_along(size_t total, size_t block, size_t t) {
  return total / block * ceil_div(block, t) + ceil_div(total % block, t);
}
size_t first_tile(size_t start, size_t block, size_t t) {
  return start / block * ceil_div(block, t);
}

// One float64 slot per C strip (a task's rows x one micro-tile's nr columns), indexed by the
// strip's first row panel and its column tile, written by whichever thread finishes the strip and
// summed in index order afterwards (slots no strip starts at stay 0): the strips come from
// task_rows, which does not depend on the thread count, so neither does the total. Kept per calling
// thread: steady state does not allocate.
thread_local std::vector<double> t_tile_sumsq;

// Σ c² over C [m x n], one row at a time in order (the paths that never run the micro-kernel).
double plain_sumsq(TileSumsqFn tile_sumsq, size_t m, size_t n, const float* c, size_t ldc) {
  double s = 0.0;
  for (size_t i = 0; i < m; ++i) s += tile_sumsq(c + i * ldc, ldc, 1, n);
  return s;
}

// The driver behind sgemm and sgemm_packed: with packed_b set, B is read from that whole pre-packed
// copy (sgemm_pack_b) and b/ldb/trans_b are unused. With sumsq set, *sumsq = Σ C² of the result
// (the tile epilogue above).
Status sgemm_driver(Isa isa, bool trans_a, bool trans_b, size_t m, size_t n, size_t k, float alpha,
                    const float* a, size_t lda, const float* b, size_t ldb, const float* packed_b,
                    float beta, float* c, size_t ldc, double* sumsq = nullptr) {
  if (k == 0 || alpha == 0.f) {
    scale_c(m, n, beta, c, ldc);
    if (sumsq != nullptr) *sumsq = plain_sumsq(tile_sumsq_kernel(isa), m, n, c, ldc);
    return Status::kOk;
  }
  const GemmKernels& kern = gemm_kernels(isa);
  const GemmBlocking& blk = gemm_blocking(isa);
  const size_t mr = kern.mr, nr = kern.nr;
  const PackAFn pack_a = pack_a_for(mr);
  const PackBFn pack_b = pack_b_for(nr);
  if (pack_a == nullptr || pack_b == nullptr || blk.mc % mr != 0) return Status::kInternal;

  const size_t threads = threads_for(m, n, k);
  const bool threaded = threads > 1;

  // Depth slices of (nearly) equal size: k = 257 runs as 129 + 128, not 256 + 1.
  const size_t kc_step = ceil_div(k, ceil_div(k, blk.kc));
  const size_t nc_max = min_sz(n, blk.nc), kc_max = kc_step, mo_max = min_sz(m, blk.mo);
  float* bp_own = packed_b != nullptr ? nullptr : t_pack_b.get(ceil_div(nc_max, nr) * nr * kc_max);
  float* ap = t_pack_a.get(ceil_div(mo_max, mr) * mr * kc_max);
  if (ap == nullptr || (packed_b == nullptr && bp_own == nullptr)) return Status::kOutOfMemory;
  const size_t tile_cols = tiles_along(n, blk.nc, nr);
  double* slots = nullptr;
  const TileSumsqFn tile_sumsq = tile_sumsq_kernel(isa);
  // The ISA's micro-kernel with the sum in its epilogue, when it has one for this very tile and
  // every row of C starts on a cache line (a flat store's gradients do). With C off the lines the
  // tile's stores split across two lines each, and the epilogue cost +45 % on the 4096 x 2048 x 8
  // weight-gradient product at 1 thread (AVX-512, against +5-10 % for the strip sums); aligned,
  // +0-4 % (strip sums +5-18 %).
  const GemmSumsqKernel& sk = gemm_sumsq_kernel(isa);
  const bool c_on_lines = reinterpret_cast<uintptr_t>(c) % 64 == 0 && ldc * sizeof(float) % 64 == 0;
  const GemmSumsqMicroKernel micro_sumsq =
      sumsq != nullptr && c_on_lines && sk.micro != nullptr && sk.mr == mr && sk.nr == nr ? sk.micro
                                                                                          : nullptr;
  if (sumsq != nullptr) {
    t_tile_sumsq.assign(ceil_div(m, mr) * tile_cols, 0.0);
    slots = t_tile_sumsq.data();
  }

  for (size_t jc = 0; jc < n; jc += blk.nc) {
    const size_t nc = min_sz(blk.nc, n - jc);
    const size_t b_panels = ceil_div(nc, nr);
    for (size_t pc = 0; pc < k; pc += kc_step) {
      const size_t kc = min_sz(kc_step, k - pc);
      // Later slices accumulate onto the C the first slice wrote (the k order is always the same).
      const float beta_eff = pc == 0 ? beta : 1.f;
      const float* bp =
          packed_b != nullptr ? packed_b + packed_block_offset(k, n, nr, blk.nc, jc, pc) : bp_own;
      for (size_t io = 0; io < m; io += blk.mo) {
        const size_t mo = min_sz(blk.mo, m - io);
        const size_t a_panels = ceil_div(mo, mr);
        // Pack this A block, and the B block too on the first row pass, in one parallel region.
        // A plain B is packed in jobs of whole rows, a transposed one in jobs of whole columns.
        const size_t b_cols = trans_b ? kPackCols / nr * nr : nc;
        const size_t b_rows = trans_b ? kc : kPackRows;
        const size_t b_col_jobs = ceil_div(nc, b_cols), b_row_jobs = ceil_div(kc, b_rows);
        const size_t b_jobs = io == 0 && packed_b == nullptr ? b_col_jobs * b_row_jobs : 0;
        run_range(threaded, b_jobs + a_panels, 2, [&](size_t lo, size_t hi) {
          for (size_t t = lo; t < hi; ++t) {
            if (t < b_jobs) {
              const size_t j = t % b_col_jobs * b_cols, r = t / b_col_jobs * b_rows;
              pack_b(trans_b, b, ldb, pc, kc, r, min_sz(r + b_rows, kc), jc + j,
                     min_sz(b_cols, nc - j), bp_own + j * kc);
            } else {
              const size_t i = (t - b_jobs) * mr;
              pack_a(trans_a, a, lda, io + i, min_sz(mr, mo - i), pc, kc,
                     ap + (t - b_jobs) * mr * kc);
            }
          }
        });
        const size_t mc = task_rows(mo, blk.mc, mr, b_panels);
        const size_t m_blocks = ceil_div(mo, mc);
        const TaskGrid grid = task_grid(threads, m_blocks, b_panels, nr);
        const size_t task_panels = grid.panels, col_tasks = grid.col_tasks;
        run_range(threaded, m_blocks * col_tasks, 1, [&](size_t lo, size_t hi) {
          for (size_t t = lo; t < hi; ++t) {
            const size_t mb = t / col_tasks, ct = t % col_tasks;
            const size_t ip_begin = mb * mc / mr;
            const size_t ip_end = min_sz(ceil_div(mb * mc + mc, mr), a_panels);
            const size_t jp_begin = ct * task_panels;
            const size_t jp_end = min_sz(jp_begin + task_panels, b_panels);
            // On the last slice each strip of C (this row block x one B panel's nr columns) is
            // final once its panel's micro-kernel calls are done. Where the ISA has a
            // sum-of-squares micro-kernel (tile_sumsq.h), the strip's slot is the sum of its
            // tiles' sums in row order, squared from the registers as they are stored: no loads,
            // and no wait on the stores. Otherwise its sum of squares goes into the strip's slot
            // one panel later, while the next panel's tiles stream to memory. The strip (mc x nr
            // floats: 12 KiB at 96 x 32) is then still in L1 and its stores have left the store
            // buffer, and the float64 widening and FMAs can overlap the next tiles'
            // memory traffic; summed after the whole task instead, its block (mc x 256 columns)
            // came back from L2 with nothing to overlap. Summing a tile right after its own store
            // waits for the stores' line fills (C is usually not cached), which serialised them
            // and cost as much as a read pass. Strips and their slots do not depend on the thread
            // count, so neither does the total.
            const bool last_slice = slots != nullptr && pc + kc == k;
            const bool in_epilogue = last_slice && micro_sumsq != nullptr;
            const bool sum_strips = last_slice && !in_epilogue;
            const size_t r0 = mb * mc, strip_rows = min_sz(mc, mo - r0);
            double* row_slots =
                last_slice ? slots + (io + r0) / mr * tile_cols + first_tile(jc, blk.nc, nr)
                           : nullptr;
            const auto sum_strip = [&](size_t jp) {
              row_slots[jp] = tile_sumsq(c + (io + r0) * ldc + jc + jp * nr, ldc, strip_rows,
                                         min_sz(nr, nc - jp * nr));
            };
            for (size_t jp = jp_begin; jp < jp_end; ++jp) {
              const float* bpanel = bp + jp * nr * kc;
              const size_t cols = min_sz(nr, nc - jp * nr);
              if (in_epilogue) {
                double strip = 0.0;
                for (size_t ip = ip_begin; ip < ip_end; ++ip) {
                  const size_t rows = min_sz(mr, mo - ip * mr);
                  float* ctile = c + (io + ip * mr) * ldc + jc + jp * nr;
                  strip += micro_sumsq(kc, ap + ip * mr * kc, bpanel, ctile, ldc, rows, cols, alpha,
                                       beta_eff);
                }
                row_slots[jp] = strip;
                continue;
              }
              for (size_t ip = ip_begin; ip < ip_end; ++ip) {
                const size_t rows = min_sz(mr, mo - ip * mr);
                float* ctile = c + (io + ip * mr) * ldc + jc + jp * nr;
                kern.micro(kc, ap + ip * mr * kc, bpanel, ctile, ldc, rows, cols, alpha, beta_eff);
              }
              if (sum_strips && jp > jp_begin) sum_strip(jp - 1);
            }
            if (sum_strips && jp_end > jp_begin) sum_strip(jp_end - 1);
          }
        });
      }
    }
  }
  if (slots != nullptr) {
    double s = 0.0;
    for (const double v : t_tile_sumsq) s += v;
    *sumsq = s;
  }
  return Status::kOk;
}

// The packed A of a threaded sgemm_short_a call, one unit per (depth slice, row panel), packed by
// the tasks that use it rather than by the caller before the parallel region: packed up front it
// was serial, 5 us of the 60 us of 64 x 256 x 256 (measured, AVX-512), a cap on the 2-thread
// scaling. A task claims a free unit and packs it into the shared buffer (each thread packs its
// own B panels first, so both threads reach A together and share it out). A unit another thread
// is packing is waited for briefly (one packs in about a microsecond), then packed again into
// this thread's spare buffer: a packer descheduled mid-unit never stalls the others. Packing is
// deterministic, so either copy holds the same bits.
class SharedPackA {
 public:
  // state: one per unit, all kFree; shared: the buffer every thread reads, unit u at
  // shared + u * unit_floats.
  SharedPackA(std::atomic<unsigned char>* state, float* shared, size_t unit_floats)
      : state_(state), shared_(shared), unit_floats_(unit_floats) {}

  // out[i] = the packed unit first + i, i < count: the shared copy, or this thread's own in the
  // buffer spare() returns. False if that buffer was needed and could not be allocated. Packs
  // every free unit first and only then waits for the ones other threads hold: waiting in unit
  // order would trail a thread that is one unit ahead and leave it all the packing.
  template <typename PackUnit, typename Spare>
  bool get(size_t first, size_t count, const float** out, const PackUnit& pack_unit,
           const Spare& spare) {
    for (size_t i = 0; i < count; ++i) {
      const size_t u = first + i;
      unsigned char s = state_[u].load(std::memory_order_acquire);
      out[i] = nullptr;
      if (s == kFree && state_[u].compare_exchange_strong(s, kClaimed, std::memory_order_acquire)) {
        pack_unit(u, shared_);
        state_[u].store(kReady, std::memory_order_release);
        s = kReady;
      }
      if (s == kReady) out[i] = shared_ + u * unit_floats_;
    }
    for (size_t i = 0; i < count; ++i) {
      if (out[i] != nullptr) continue;
      const size_t u = first + i;
      unsigned char s = state_[u].load(std::memory_order_acquire);
      for (int spin = 0; s != kReady && spin < kWaitPolls; ++spin) {
        pause();
        s = state_[u].load(std::memory_order_acquire);
      }
      if (s == kReady) {
        out[i] = shared_ + u * unit_floats_;
        continue;
      }
      float* own = spare();
      if (own == nullptr) return false;
      pack_unit(u, own);
      out[i] = own + u * unit_floats_;
    }
    return true;
  }

  static constexpr unsigned char kFree = 0, kClaimed = 1, kReady = 2;

 private:
  // ~3-15 us of polling (PAUSE: 10-140 cycles by CPU), a few units' packing time.
  static constexpr int kWaitPolls = 1024;
  static void pause() {
#if defined(__SSE2__)
    _mm_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
  }
  std::atomic<unsigned char>* state_;
  float* shared_;
  size_t unit_floats_;
};

// Per thread, kept across calls (steady state does not allocate): the unit states (the calling
// thread's), a spare packed A (a worker's, or the caller's when another thread holds a unit), and
// a task's pointers to the units of one slice.
thread_local std::vector<std::atomic<unsigned char>> t_pack_a_state;
thread_local ScratchBuffer t_pack_a_spare;
thread_local std::vector<const float*> t_pack_a_units;

// sgemm and sgemm_packed for a short A (an RNN step: m = batch; the 64 x 256 x 256 product): ONE
// parallel region computes C, each task running all depth slices of its tiles in order; A is
// packed whole (every depth slice) by the tasks as they first need it (SharedPackA; inline before
// the loop on one thread). Without a pre-packed B (packed_b null) each task packs its own columns
// of B, slice by slice, into its thread's buffer: A fits one row block (m <= mc), so every B panel
// is still packed once, and packing runs in the same region as the compute (no fork/join between
// them). Same tiles, same slice order per tile, same micro-kernel calls as sgemm_driver, so the
// same bits; but 1 parallel region per call instead of 2 per depth slice. Returns false (nothing
// done) when A is too large to pack whole.
bool sgemm_short_a(Isa isa, bool trans_a, bool trans_b, size_t m, size_t n, size_t k, float alpha,
                   const float* a, size_t lda, const float* b, size_t ldb, const float* packed_b,
                   float beta, float* c, size_t ldc, Status* status) {
  constexpr size_t kMaxPackedA = size_t{1} << 20;  // floats (4 MiB)
  const GemmKernels& kern = gemm_kernels(isa);
  const GemmBlocking& blk = gemm_blocking(isa);
  const size_t mr = kern.mr, nr = kern.nr;
  const PackAFn pack_a = pack_a_for(mr);
  const PackBFn pack_b = pack_b_for(nr);
  if (m > blk.mo || n > blk.nc || pack_a == nullptr || pack_b == nullptr || blk.mc % mr != 0) {
    return false;
  }
  // Packing B per task pays when every B panel is packed once (one row block: m <= mc) and there
  // are enough column tasks to share out (else the driver's row blocks give the parallelism).
  const bool pack_own_b = packed_b == nullptr;
  if (pack_own_b && (m > blk.mc || ceil_div(n, nr) < kMinTasks / 4)) return false;
  const size_t a_panels = ceil_div(m, mr);
  const size_t kc_step = ceil_div(k, ceil_div(k, blk.kc));
  const size_t slices = ceil_div(k, kc_step);
  // Every slice is laid out kc_step deep (the last, shorter one too), so the buffer holds
  // slices * kc_step >= k depth steps per panel: sized by k alone, a short last slice of a panel
  // past the first was written past the end (k > kc, k % kc_step != 0, m > mr).
  const size_t unit_floats = mr * kc_step;
  const size_t units = slices * a_panels;
  const size_t a_floats = units * unit_floats;
  if (a_floats > kMaxPackedA) return false;
  float* ap = t_pack_a.get(a_floats);
  if (ap == nullptr) {
    *status = Status::kOutOfMemory;
    return true;
  }
  // Unit u = (slice u / a_panels, panel u % a_panels) at base + u * unit_floats (a short last
  // slice packs short).
  const auto pack_unit = [&](size_t u, float* base) {
    const size_t sl = u / a_panels, ip = u % a_panels;
    const size_t pc = sl * kc_step, kc = min_sz(kc_step, k - pc);
    pack_a(trans_a, a, lda, ip * mr, min_sz(mr, m - ip * mr), pc, kc, base + u * unit_floats);
  };
  const size_t threads = threads_for(m, n, k);
  const bool threaded = threads > 1;
  if (threaded) {
    if (t_pack_a_state.size() < units)
      t_pack_a_state = std::vector<std::atomic<unsigned char>>(units);
    for (size_t u = 0; u < units; ++u) {
      t_pack_a_state[u].store(SharedPackA::kFree, std::memory_order_relaxed);
    }
  } else {
    for (size_t u = 0; u < units; ++u) pack_unit(u, ap);
  }
  // The region's start (the pool's job hand-off) orders the resets above before any task's claim.
  SharedPackA shared_a(t_pack_a_state.data(), ap, unit_floats);
  const size_t b_panels = ceil_div(n, nr);
  const size_t mc = pack_own_b ? a_panels * mr : task_rows(m, blk.mc, mr, b_panels);
  const size_t m_blocks = ceil_div(m, mc);
  const TaskGrid grid = task_grid(threads, m_blocks, b_panels, nr);
  const size_t task_panels = grid.panels, col_tasks = grid.col_tasks;
  std::atomic<bool> out_of_memory{false};
  run_range(threaded, m_blocks * col_tasks, 1, [&](size_t lo, size_t hi) {
    // This thread's B panels for one task and slice (packed_b null), reused by its next task.
    float* own_b = packed_b != nullptr ? nullptr : t_pack_b.get(task_panels * nr * kc_step);
    if (packed_b == nullptr && own_b == nullptr) {
      out_of_memory.store(true, std::memory_order_relaxed);
      return;
    }
    std::vector<const float*>& a_unit = t_pack_a_units;
    float* spare = nullptr;  // this thread's own copy of A, allocated the first time it is needed
    for (size_t t = lo; t < hi; ++t) {
      const size_t mb = t / col_tasks, ct = t % col_tasks;
      const size_t ip_begin = mb * mc / mr;
      const size_t ip_end = min_sz(ceil_div(mb * mc + mc, mr), a_panels);
      const size_t jp_begin = ct * task_panels;
      const size_t jp_end = min_sz(jp_begin + task_panels, b_panels);
      for (size_t sl = 0; sl < slices; ++sl) {
        const size_t pc = sl * kc_step, kc = min_sz(kc_step, k - pc);
        const float beta_eff = pc == 0 ? beta : 1.f;
        const float* bp = own_b;  // holds panels jp_begin.. of this slice
        size_t jp_base = jp_begin;
        if (packed_b != nullptr) {
          bp = packed_b + packed_block_offset(k, n, nr, blk.nc, 0, pc);
          jp_base = 0;
        } else {
          const size_t j0 = jp_begin * nr;
          pack_b(trans_b, b, ldb, pc, kc, 0, kc, j0, min_sz((jp_end - jp_begin) * nr, n - j0),
                 own_b);
        }
        a_unit.resize(ip_end - ip_begin);
        const size_t u0 = sl * a_panels + ip_begin;  // this slice's first unit for these rows
        if (!threaded) {
          for (size_t i = 0; i < a_unit.size(); ++i) a_unit[i] = ap + (u0 + i) * unit_floats;
        } else if (!shared_a.get(u0, a_unit.size(), a_unit.data(), pack_unit, [&] {
                     if (spare == nullptr) spare = t_pack_a_spare.get(a_floats);
                     return spare;
                   })) {
          out_of_memory.store(true, std::memory_order_relaxed);
          return;
        }
        for (size_t jp = jp_begin; jp < jp_end; ++jp) {
          const float* bpanel = bp + (jp - jp_base) * nr * kc;
          const size_t cols = min_sz(nr, n - jp * nr);
          for (size_t ip = ip_begin; ip < ip_end; ++ip) {
            const size_t rows = min_sz(mr, m - ip * mr);
            kern.micro(kc, a_unit[ip - ip_begin], bpanel, c + ip * mr * ldc + jp * nr, ldc, rows,
                       cols, alpha, beta_eff);
          }
        }
      }
    }
  });
  *status = out_of_memory.load() ? Status::kOutOfMemory : Status::kOk;
  return true;
}

}  // namespace

Status sgemm(Isa isa, bool trans_a, bool trans_b, size_t m, size_t n, size_t k, float alpha,
             const float* a, size_t lda, const float* b, size_t ldb, float beta, float* c,
             size_t ldc) {
  if (m == 0 || n == 0) return Status::kOk;
  if (ldc < n || lda < (trans_a ? m : k) || ldb < (trans_b ? k : n)) {
    return Status::kInvalidArgument;
  }
  if (k == 0 || alpha == 0.f) {
    scale_c(m, n, beta, c, ldc);
    return Status::kOk;
  }
  Status s = Status::kOk;
  if (sgemm_short_a(isa, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, nullptr, beta, c, ldc,
                    &s)) {
    return s;
  }
  return sgemm_driver(isa, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, nullptr, beta, c, ldc);
}

Status sgemm_sumsq(Isa isa, bool trans_a, bool trans_b, size_t m, size_t n, size_t k, float alpha,
                   const float* a, size_t lda, const float* b, size_t ldb, float beta, float* c,
                   size_t ldc, double* sumsq) {
  *sumsq = 0.0;
  if (m == 0 || n == 0) return Status::kOk;
  if (ldc < n || lda < (trans_a ? m : k) || ldb < (trans_b ? k : n)) {
    return Status::kInvalidArgument;
  }
  return sgemm_driver(isa, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, nullptr, beta, c, ldc,
                      sumsq);
}

size_t sgemm_packed_b_size(Isa isa, size_t k, size_t n) {
  const size_t nr = gemm_kernels(isa).nr;
  return ceil_div(n, nr) * nr * k;
}

Status sgemm_pack_b(Isa isa, bool trans_b, size_t k, size_t n, const float* b, size_t ldb,
                    float* packed) {
  if (k == 0 || n == 0) return Status::kOk;
  if (ldb < (trans_b ? k : n)) return Status::kInvalidArgument;
  const size_t nr = gemm_kernels(isa).nr;
  const GemmBlocking& blk = gemm_blocking(isa);
  const PackBFn pack_b = pack_b_for(nr);
  if (pack_b == nullptr) return Status::kInternal;
  // The same slicing as the driver, so it finds each (jc, pc) block where it would have packed it.
  const size_t kc_step = ceil_div(k, ceil_div(k, blk.kc));
  size_t blocks = 0;
  for (size_t jc = 0; jc < n; jc += blk.nc) blocks += ceil_div(k, kc_step);
  const size_t per_jc = ceil_div(k, kc_step);
  parallel_for(0, blocks, 1, [&](size_t lo, size_t hi) {
    for (size_t t = lo; t < hi; ++t) {
      const size_t jc = t / per_jc * blk.nc, pc = t % per_jc * kc_step;
      const size_t nc = min_sz(blk.nc, n - jc), kc = min_sz(kc_step, k - pc);
      pack_b(trans_b, b, ldb, pc, kc, 0, kc, jc, nc,
             packed + packed_block_offset(k, n, nr, blk.nc, jc, pc));
    }
  });
  return Status::kOk;
}

Status sgemm_packed(Isa isa, bool trans_a, size_t m, size_t n, size_t k, float alpha,
                    const float* a, size_t lda, const float* packed_b, float beta, float* c,
                    size_t ldc) {
  if (m == 0 || n == 0) return Status::kOk;
  if (ldc < n || lda < (trans_a ? m : k)) return Status::kInvalidArgument;
  if (k == 0 || alpha == 0.f) {
    scale_c(m, n, beta, c, ldc);
    return Status::kOk;
  }
  Status s = Status::kOk;
  if (sgemm_short_a(isa, trans_a, false, m, n, k, alpha, a, lda, nullptr, 0, packed_b, beta, c, ldc,
                    &s)) {
    return s;
  }
  return sgemm_driver(isa, trans_a, false, m, n, k, alpha, a, lda, nullptr, 0, packed_b, beta, c,
                      ldc);
}

}  // namespace kernels
}  // namespace gradguard
