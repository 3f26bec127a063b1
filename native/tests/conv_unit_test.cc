// The unit-stride convolution path (conv_unit.cc) and its tiles on every ISA this machine has:
// each ISA's tile, gradWeight tile and gradWeight GEMM over positions (gw_cl, where it has one)
// against plain loops (partial row / tap counts, odd depths and row lengths around the vector
// width, offsets at every alignment), whole convolutions that take the path (channels past a tile,
// dilation, asymmetric padding, groups, 1x1, wide kernels, 24+ output channels per group) against
// the scalar reference, a NaN at the end of an input row that must reach only the taps reading it
// (the masked row tails), and bit-identical results at 1, 2 and 3 threads.
#include "kernels/conv/conv_unit.h"

#include <cmath>
#include <limits>
#include <vector>

#include "core/thread_pool.h"
#include "kernels/conv/conv.h"
#include "test_util.h"

using namespace gradguard;
using namespace gradguard::kernels;

namespace {

const double kEps = std::numeric_limits<float>::epsilon();

void check_tile() {
  for (Isa isa : test::isas()) {
    const ConvKernels& ck = conv_kernels(isa);
    for (size_t kc : {size_t{1}, size_t{2}, size_t{7}, size_t{33}}) {
      for (size_t rows = 1; rows <= ck.tile_mr; rows += (ck.tile_mr > 4 ? 3 : 1)) {
        const std::vector<float> ap = test::random_floats(kc * ck.tile_mr, 3 + kc);
        const std::vector<float> xb = test::random_floats(kc * 5 + ck.tile_nr + 8, 4 + kc);
        std::vector<size_t> offs(kc);
        for (size_t p = 0; p < kc; ++p) offs[p] = (p * 5 + 3) % (kc * 5 + 1);  // any alignment
        const size_t ldc = ck.tile_nr + 3;
        std::vector<float> c(ck.tile_mr * ldc + 1, 7.f);
        ck.tile(kc, ap.data(), xb.data(), offs.data(), c.data(), ldc, rows);
        for (size_t i = 0; i < ck.tile_mr; ++i) {
          for (size_t j = 0; j < ldc; ++j) {
            const float got = c[i * ldc + j];
            if (i >= rows || j >= ck.tile_nr) {
              CHECK_MSG(got == 7.f, "%s tile wrote (%zu, %zu) outside rows %zu", isa_name(isa), i,
                        j, rows);
              continue;
            }
            double ref = 0, mag = 0;
            for (size_t p = 0; p < kc; ++p) {
              ref += double(ap[p * ck.tile_mr + i]) * xb[offs[p] + j];
              mag += std::fabs(double(ap[p * ck.tile_mr + i]) * xb[offs[p] + j]);
            }
            CHECK_MSG(std::fabs(got - ref) <= 2 * (kc + 2) * kEps * mag + 1e-30,
                      "%s tile kc=%zu (%zu, %zu): %g vs %g", isa_name(isa), kc, i, j, got, ref);
          }
        }
      }
    }
  }
}

void check_gw_tile() {
  for (Isa isa : test::isas()) {
    const ConvKernels& ck = conv_kernels(isa);
    for (size_t len : {size_t{1}, size_t{3}, size_t{4}, size_t{15}, size_t{16}, size_t{17},
                       size_t{28}, size_t{33}}) {
      for (size_t mo = 1; mo <= ck.gw_mo; ++mo) {
        for (size_t nt = 1; nt <= ck.gw_nt; nt += 2) {
          const size_t samples = 2, rows = 3, gy_row = len + 2, gy_ch = rows * gy_row + 1;
          const size_t x_row = len + 40;
          const size_t gy_sample = ck.gw_mo * gy_ch + 2, x_sample = rows * x_row + 40;
          std::vector<float> gy = test::random_floats(samples * gy_sample, 21 + len);
          std::vector<float> xb = test::random_floats(samples * x_sample + 64, 22 + len);
          std::vector<size_t> offs(nt);
          for (size_t t = 0; t < nt; ++t) offs[t] = t * 3 + (t % 2);
          // NaN just past every tap's row where no tap's row covers it: a product with one of
          // them (a lane past the row) would show.
          for (size_t s = 0; s < samples; ++s) {
            for (size_t h = 0; h < rows; ++h) {
              for (size_t t = 0; t < nt; ++t) {
                bool covered = false;
                for (size_t u = 0; u < nt; ++u) {
                  covered = covered || (offs[t] + len >= offs[u] && offs[t] + len < offs[u] + len);
                }
                if (!covered) xb[s * x_sample + offs[t] + h * x_row + len] = NAN;
              }
            }
          }
          const size_t ldc = ck.gw_nt + 1;
          std::vector<float> c(ck.gw_mo * ldc, 0.5f);
          ck.gw_tile(samples, rows, len, gy.data(), gy_sample, gy_ch, gy_row, mo, xb.data(),
                     x_sample, x_row, offs.data(), nt, c.data(), ldc);
          for (size_t i = 0; i < ck.gw_mo; ++i) {
            for (size_t t = 0; t < ldc; ++t) {
              const float got = c[i * ldc + t];
              if (i >= mo || t >= nt) {
                CHECK_MSG(got == 0.5f, "%s gw_tile wrote (%zu, %zu)", isa_name(isa), i, t);
                continue;
              }
              double ref = 0.5, mag = 0.5;
              for (size_t s = 0; s < samples; ++s) {
                for (size_t h = 0; h < rows; ++h) {
                  for (size_t j = 0; j < len; ++j) {
                    const double v = double(gy[s * gy_sample + i * gy_ch + h * gy_row + j]) *
                                     xb[s * x_sample + offs[t] + h * x_row + j];
                    ref += v, mag += std::fabs(v);
                  }
                }
              }
              const double n = samples * rows * len;
              CHECK_MSG(std::fabs(got - ref) <= 2 * (n + 20) * kEps * mag,
                        "%s gw_tile len=%zu mo=%zu nt=%zu (%zu, %zu): %g vs %g", isa_name(isa), len,
                        mo, nt, i, t, got, ref);
            }
          }
        }
      }
    }
  }
}

// ConvKernels::gw_cl where an ISA has one: every (tap, channel) against plain loops, row counts and
// widths around the vector width, taps short of a full tile (nothing stored past nt or the tile's
// gw_cl_mo lanes).
void check_gw_cl() {
  for (Isa isa : test::isas()) {
    const ConvKernels& ck = conv_kernels(isa);
    if (ck.gw_cl == nullptr) continue;
    const size_t MO = ck.gw_cl_mo, NT = ck.gw_cl_nt;
    CHECK_MSG(MO % 16 == 0 && MO > 0 && NT > 0 && ck.gw_cl_min > 0 && ck.gw_cl_min <= MO,
              "%s gw_cl tile %zu x %zu from %zu channels", isa_name(isa), MO, NT, ck.gw_cl_min);
    for (size_t rows : {size_t{1}, size_t{3}}) {
      for (size_t ow : {size_t{1}, size_t{5}, size_t{17}, size_t{28}}) {
        for (size_t nt : {size_t{1}, size_t{5}, NT - 1, NT}) {
          const size_t ld = MO + 3, x_row = ow + 7, ldc = MO + 5;
          const std::vector<float> gyt = test::random_floats(rows * ow * ld, 31 + ow);
          const std::vector<float> xb = test::random_floats(rows * x_row + 3 * NT, 32 + ow);
          std::vector<size_t> offs(nt);
          for (size_t t = 0; t < nt; ++t) offs[t] = t * 3 + (t % 2);
          std::vector<float> c((NT + 1) * ldc, 0.5f);
          ck.gw_cl(rows, ow, gyt.data(), ld, xb.data(), x_row, offs.data(), nt, c.data(), ldc);
          for (size_t t = 0; t <= NT; ++t) {
            for (size_t i = 0; i < ldc; ++i) {
              const float got = c[t * ldc + i];
              if (t >= nt || i >= MO) {
                CHECK_MSG(got == 0.5f, "%s gw_cl wrote (%zu, %zu)", isa_name(isa), t, i);
                continue;
              }
              double ref = 0.5, mag = 0.5;
              for (size_t h = 0; h < rows; ++h) {
                for (size_t w = 0; w < ow; ++w) {
                  const double v = double(gyt[(h * ow + w) * ld + i]) * xb[offs[t] + h * x_row + w];
                  ref += v, mag += std::fabs(v);
                }
              }
              CHECK_MSG(std::fabs(got - ref) <= 2 * (rows * ow + 4) * kEps * mag,
                        "%s gw_cl rows=%zu ow=%zu nt=%zu (%zu, %zu): %g vs %g", isa_name(isa), rows,
                        ow, nt, t, i, got, ref);
            }
          }
        }
      }
    }
  }
}

// ConvKernels::gw_pack where an ISA has one: the exact transpose, whole 16 x 16 blocks and edges,
// nothing written outside it.
void check_gw_pack() {
  for (Isa isa : test::isas()) {
    const ConvKernels& ck = conv_kernels(isa);
    CHECK_MSG((ck.gw_pack == nullptr) == (ck.gw_cl == nullptr), "%s gw_pack without gw_cl",
              isa_name(isa));
    if (ck.gw_pack == nullptr) continue;
    for (size_t og : {size_t{1}, size_t{5}, size_t{16}, size_t{17}, size_t{33}}) {
      for (size_t P : {size_t{1}, size_t{15}, size_t{16}, size_t{17}, size_t{40}}) {
        const size_t ld = og + 3;
        const std::vector<float> src = test::random_floats(og * P, 41 + og + P);
        std::vector<float> dst(P * ld + 5, 9.f);
        ck.gw_pack(og, P, src.data(), dst.data(), ld);
        for (size_t e = 0; e < dst.size(); ++e) {
          const size_t p = e / ld, o = e % ld;
          const float want = p < P && o < og ? src[o * P + p] : 9.f;
          CHECK_MSG(test::bits_equal(dst[e], want), "%s gw_pack og=%zu P=%zu [%zu]: %g vs %g",
                    isa_name(isa), og, P, e, dst[e], want);
        }
      }
    }
  }
}

ConvGeometry geo(size_t n, size_t ci, size_t co, size_t h, size_t w, size_t kh, size_t kw,
                 size_t ph, size_t pw, size_t dh = 1, size_t dw = 1, size_t groups = 1) {
  ConvGeometry g;
  g.batch = n, g.in_channels = ci, g.out_channels = co, g.height = h, g.width = w;
  g.kernel_h = kh, g.kernel_w = kw, g.pad_h = ph, g.pad_w = pw;
  g.dilation_h = dh, g.dilation_w = dw, g.groups = groups;
  CHECK(conv_prepare(&g) == Status::kOk);
  return g;
}

struct Out {
  std::vector<float> y, gx, gw, gb;
};

Out run(Isa isa, const ConvGeometry& g, const std::vector<float>& x, const std::vector<float>& w,
        const std::vector<float>& b, const std::vector<float>& gy) {
  Out o{std::vector<float>(g.y_size(), NAN), std::vector<float>(g.x_size(), NAN),
        std::vector<float>(g.w_size(), NAN), std::vector<float>(g.out_channels, NAN)};
  CHECK(conv2d_forward(isa, g, x.data(), w.data(), b.data(), o.y.data()) == Status::kOk);
  CHECK(conv2d_backward(isa, g, x.data(), w.data(), gy.data(), o.gx.data(), o.gw.data(),
                        o.gb.data(), false) == Status::kOk);
  return o;
}

void compare(const char* what, Isa isa, const ConvGeometry& g, const std::vector<float>& got,
             const std::vector<float>& ref, const std::vector<float>& mag) {
  const double L = double(g.in_channels / g.groups * g.kernel_h * g.kernel_w) +
                   double(g.batch * g.out_height * g.out_width) +
                   double(g.out_channels / g.groups * g.kernel_h * g.kernel_w) + 16;
  int bad = 0;
  for (size_t i = 0; i < got.size() && bad < 3; ++i) {
    const bool ok = std::isnan(ref[i])
                        ? std::isnan(got[i])
                        : std::fabs(got[i] - ref[i]) <= 2 * (L + 4) * kEps * mag[i] + 1e-30;
    if (!ok) {
      std::fprintf(stderr, "%s %s n=%zu ci=%zu co=%zu %zux%zu k=%zux%zu [%zu]: %.9g vs %.9g\n",
                   isa_name(isa), what, g.batch, g.in_channels, g.out_channels, g.height, g.width,
                   g.kernel_h, g.kernel_w, i, got[i], ref[i]);
      ++bad;
      ++test::failures();
    }
  }
}

void check_convolutions() {
  const ConvGeometry shapes[] = {
      geo(3, 17, 19, 9, 11, 3, 3, 1, 1),          // channels past the tiles, odd sizes
      geo(2, 9, 8, 7, 33, 3, 3, 1, 1),            // rows past a 16-lane vector
      geo(2, 6, 10, 12, 10, 3, 5, 2, 1, 2, 1),    // dilation, asymmetric kernel and padding
      geo(2, 16, 12, 6, 7, 3, 3, 1, 1, 1, 1, 2),  // groups, 8 channels each
      geo(2, 12, 20, 5, 6, 1, 1, 0, 0),           // 1x1
      geo(1, 5, 3, 6, 6, 5, 5, 4, 4),             // padding k - 1 (full convolution)
      geo(9, 8, 9, 4, 5, 2, 3, 0, 0),             // no padding, 9 samples (2 chunks)
      geo(2, 8, 4, 1, 37, 1, 5, 0, 2),            // conv1d-like
      geo(3, 5, 33, 7, 9, 3, 3, 1, 1),            // gw_cl: 33 channels (a 1-channel tile)
      geo(9, 6, 56, 5, 40, 3, 3, 1, 1, 1, 1, 2),  // gw_cl: groups of 28, 40 columns, 2 chunks
      geo(2, 3, 18, 5, 7, 3, 3, 0, 1),            // no row padding: a plane's last row overhangs
                                                  // into the next plane's left padding
      geo(2, 4, 5, 5, 6, 3, 3, 3, 3),             // padding past the kernel: row stride OW
  };
  uint32_t seed = 700;
  for (const ConvGeometry& g : shapes) {
    CHECK(unit_forward_applies(g) && unit_grad_w_applies(g));
    std::vector<float> x = test::random_floats(g.x_size(), seed += 7),
                       w = test::random_floats(g.w_size(), seed + 1),
                       b = test::random_floats(g.out_channels, seed + 2),
                       gy = test::random_floats(g.y_size(), seed + 3);
    // A NaN at the end of the first row of the first plane: only the taps that read it get NaN.
    x[g.width - 1] = NAN;
    Out ref{std::vector<float>(g.y_size()), std::vector<float>(g.x_size()),
            std::vector<float>(g.w_size()), std::vector<float>(g.out_channels)};
    scalar::conv2d_forward_ref__scalar(g, x.data(), w.data(), b.data(), ref.y.data());
    scalar::conv2d_backward_ref__scalar(g, x.data(), w.data(), gy.data(), ref.gx.data(),
                                        ref.gw.data(), ref.gb.data(), false);
    auto absv = [](std::vector<float> v) {
      for (float& e : v) e = std::fabs(e);
      return v;
    };
    Out mag{std::vector<float>(g.y_size()), std::vector<float>(g.x_size()),
            std::vector<float>(g.w_size()), std::vector<float>(g.out_channels)};
    const std::vector<float> ax = absv(x), aw = absv(w), ab = absv(b), agy = absv(gy);
    scalar::conv2d_forward_ref__scalar(g, ax.data(), aw.data(), ab.data(), mag.y.data());
    scalar::conv2d_backward_ref__scalar(g, ax.data(), aw.data(), agy.data(), mag.gx.data(),
                                        mag.gw.data(), mag.gb.data(), false);
    for (Isa isa : test::isas()) {
      const int saved = num_threads();
      set_num_threads(1);
      const Out one = run(isa, g, x, w, b, gy);
      compare("y", isa, g, one.y, ref.y, mag.y);
      compare("gradX", isa, g, one.gx, ref.gx, mag.gx);
      compare("gradWeight", isa, g, one.gw, ref.gw, mag.gw);
      compare("gradBias", isa, g, one.gb, ref.gb, mag.gb);
      {
        // accumulate, gX skipped: gW and gB (summed with gW on the gw_cl path) add to 0.5.
        std::vector<float> gw(g.w_size(), 0.5f), gb(g.out_channels, 0.5f);
        CHECK(conv2d_backward(isa, g, x.data(), w.data(), gy.data(), nullptr, gw.data(), gb.data(),
                              true) == Status::kOk);
        auto shifted = [](std::vector<float> v) {
          for (float& e : v) e += 0.5f;
          return v;
        };
        compare("gradWeight accumulate", isa, g, gw, shifted(ref.gw), shifted(mag.gw));
        compare("gradBias accumulate", isa, g, gb, shifted(ref.gb), shifted(mag.gb));
      }
      for (int threads : {2, 3}) {
        set_num_threads(threads);
        const Out r = run(isa, g, x, w, b, gy);
        bool same = true;
        for (size_t i = 0; i < r.y.size(); ++i) same = same && test::bits_equal(r.y[i], one.y[i]);
        for (size_t i = 0; i < r.gx.size(); ++i)
          same = same && test::bits_equal(r.gx[i], one.gx[i]);
        for (size_t i = 0; i < r.gw.size(); ++i)
          same = same && test::bits_equal(r.gw[i], one.gw[i]);
        for (size_t i = 0; i < r.gb.size(); ++i)
          same = same && test::bits_equal(r.gb[i], one.gb[i]);
        CHECK_MSG(same, "%s: %d threads differ from 1 (ci=%zu co=%zu)", isa_name(isa), threads,
                  g.in_channels, g.out_channels);
      }
      set_num_threads(saved);
    }
  }
}

}  // namespace

int main() {
  check_tile();
  check_gw_tile();
  check_gw_cl();
  check_gw_pack();
  check_convolutions();
  return test::finish("conv_unit_test");
}
