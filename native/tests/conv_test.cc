// Convolution driver on every ISA this machine has against the scalar direct-loop reference: 1x1,
// 3x3, stride, dilation, padding beyond the kernel, groups, depthwise, odd sizes, batch 0, NaN and
// Inf, accumulate and skipped outputs, invalid geometries, and bit-identical results at 1, 2 and
// 5 threads.
#include "kernels/conv/conv.h"

#include <cmath>
#include <limits>
#include <vector>

#include "core/thread_pool.h"
#include "test_util.h"

using namespace gradguard;
using namespace gradguard::kernels;

namespace {

ConvGeometry geo(size_t n, size_t ci, size_t co, size_t h, size_t w, size_t kh, size_t kw,
                 size_t sh = 1, size_t sw = 1, size_t ph = 0, size_t pw = 0, size_t dh = 1,
                 size_t dw = 1, size_t groups = 1) {
  ConvGeometry g;
  g.batch = n, g.in_channels = ci, g.out_channels = co, g.height = h, g.width = w;
  g.kernel_h = kh, g.kernel_w = kw, g.stride_h = sh, g.stride_w = sw, g.pad_h = ph, g.pad_w = pw;
  g.dilation_h = dh, g.dilation_w = dw, g.groups = groups;
  return g;
}

std::vector<ConvGeometry> shapes() {
  return {
      geo(2, 5, 3, 4, 7, 1, 1),                        // 1x1: plain GEMM
      geo(2, 4, 3, 5, 5, 1, 1, 2, 2),                  // 1x1 with stride: im2col
      geo(2, 3, 4, 8, 9, 3, 3, 1, 1, 1, 1),            // 3x3 pad 1
      geo(1, 5, 17, 7, 11, 3, 3, 1, 1, 1, 1),          // out channels past a GEMM tile
      geo(3, 1, 6, 13, 12, 5, 5, 2, 2, 2, 2),          // LeNet-like
      geo(2, 3, 2, 9, 10, 3, 3, 1, 1, 2, 2, 2, 2),     // dilation 2
      geo(2, 4, 6, 6, 5, 3, 3, 1, 1, 1, 1, 1, 1, 2),   // groups 2
      geo(2, 6, 6, 7, 9, 3, 3, 1, 1, 1, 1, 1, 1, 6),   // depthwise
      geo(2, 3, 6, 9, 8, 3, 3, 2, 2, 1, 1, 1, 1, 3),   // depthwise, multiplier 2, stride 2
      geo(2, 6, 4, 9, 11, 3, 2, 2, 1, 2, 1, 2, 3, 2),  // everything at once
      geo(1, 2, 3, 3, 4, 1, 1, 1, 1, 2, 1),            // padding beyond the kernel
      geo(3, 2, 5, 4, 4, 4, 4),                        // output 1x1
      geo(0, 3, 4, 5, 5, 3, 3, 1, 1, 1, 1),            // batch 0
      geo(2, 3, 4, 1, 31, 1, 5, 1, 2, 0, 2),           // conv1d-like
      geo(9, 20, 33, 13, 14, 3, 3, 1, 1, 1, 1),        // several tiles, 9 samples (2 chunks of 5/4)
      geo(17, 3, 5, 6, 7, 3, 3, 1, 1, 1, 1),           // 17 samples: uneven chunk plan
      geo(2, 4, 8, 9, 10, 3, 2, 1, 2, 2, 1, 2, 3, 4),  // direct path: stride, dilation, padding
      geo(3, 3, 15, 7, 6, 3, 3, 2, 1, 1, 1, 1, 1, 3),  // multiplier 5: GEMM path
      geo(2, 0, 4, 3, 3, 1, 1),                        // no input channels: y = bias
  };
}

struct Result {
  std::vector<float> y, gx, gw, gb;
};

struct Data {
  ConvGeometry g;
  std::vector<float> x, w, b, gy;
};

Data make(ConvGeometry g, uint32_t seed) {
  CHECK(conv_prepare(&g) == Status::kOk);
  Data d{g, test::random_floats(g.x_size(), seed), test::random_floats(g.w_size(), seed + 1),
         test::random_floats(g.out_channels, seed + 2), test::random_floats(g.y_size(), seed + 3)};
  return d;
}

Result run(Isa isa, const Data& d, bool accumulate = false) {
  Result r{std::vector<float>(d.g.y_size(), NAN), std::vector<float>(d.g.x_size(), NAN),
           std::vector<float>(d.g.w_size(), accumulate ? 0.5f : NAN),
           std::vector<float>(d.g.out_channels, accumulate ? -0.25f : NAN)};
  CHECK(conv2d_forward(isa, d.g, d.x.data(), d.w.data(), d.b.data(), r.y.data()) == Status::kOk);
  CHECK(conv2d_backward(isa, d.g, d.x.data(), d.w.data(), d.gy.data(), r.gx.data(), r.gw.data(),
                        r.gb.data(), accumulate) == Status::kOk);
  return r;
}

Result reference(const Data& d, bool accumulate = false) {
  Result r{std::vector<float>(d.g.y_size()), std::vector<float>(d.g.x_size()),
           std::vector<float>(d.g.w_size(), accumulate ? 0.5f : 0.f),
           std::vector<float>(d.g.out_channels, accumulate ? -0.25f : 0.f)};
  scalar::conv2d_forward_ref__scalar(d.g, d.x.data(), d.w.data(), d.b.data(), r.y.data());
  scalar::conv2d_backward_ref__scalar(d.g, d.x.data(), d.w.data(), d.gy.data(), r.gx.data(),
                                      r.gw.data(), r.gb.data(), accumulate);
  return r;
}

std::vector<float> absv(const std::vector<float>& v) {
  std::vector<float> o(v.size());
  for (size_t i = 0; i < v.size(); ++i) o[i] = std::fabs(v[i]);
  return o;
}

// The rounding bound of a float32 sum of L terms: 2 (L + 4) eps Σ|terms|, with Σ|terms| from the
// reference run on absolute values.
void compare(const char* what, Isa isa, const ConvGeometry& g, const std::vector<float>& got,
             const std::vector<float>& ref, const std::vector<float>& mag) {
  const double eps = std::numeric_limits<float>::epsilon();
  const double L = double(g.in_channels / g.groups * g.kernel_h * g.kernel_w) +
                   double(g.batch * g.out_height * g.out_width) +
                   double(g.out_channels / g.groups * g.kernel_h * g.kernel_w) + 16;
  int bad = 0;
  for (size_t i = 0; i < got.size() && bad < 3; ++i) {
    const double tol = 2 * (L + 4) * eps * mag[i] + 1e-30;
    if (!test::close(got[i], ref[i], 0, tol)) {
      std::fprintf(stderr,
                   "%s %s n=%zu ci=%zu co=%zu %zux%zu k=%zux%zu g=%zu [%zu]: %.9g vs %.9g\n",
                   isa_name(isa), what, g.batch, g.in_channels, g.out_channels, g.height, g.width,
                   g.kernel_h, g.kernel_w, g.groups, i, got[i], ref[i]);
      ++bad;
      ++test::failures();
    }
  }
}

void check_against_reference(bool accumulate) {
  uint32_t seed = 100;
  for (const ConvGeometry& shape : shapes()) {
    const Data d = make(shape, seed += 10);
    const Result ref = reference(d, accumulate);
    Data a = d;
    a.x = absv(d.x), a.w = absv(d.w), a.b = absv(d.b), a.gy = absv(d.gy);
    Result mag = reference(a, accumulate);
    for (float& v : mag.gw) v += 0.5f;
    for (float& v : mag.gb) v += 0.25f;
    for (Isa isa : test::isas()) {
      const Result r = run(isa, d, accumulate);
      compare("y", isa, d.g, r.y, ref.y, mag.y);
      compare("gradX", isa, d.g, r.gx, ref.gx, mag.gx);
      compare("gradWeight", isa, d.g, r.gw, ref.gw, mag.gw);
      compare("gradBias", isa, d.g, r.gb, ref.gb, mag.gb);
    }
  }
}

void check_threads_identical() {
  const int saved = num_threads();
  uint32_t seed = 500;
  for (const ConvGeometry& shape : shapes()) {
    const Data d = make(shape, seed += 10);
    for (Isa isa : test::isas()) {
      set_num_threads(1);
      const Result one = run(isa, d);
      for (int threads : {2, 5}) {
        set_num_threads(threads);
        const Result r = run(isa, d);
        bool same = true;
        for (size_t i = 0; i < one.y.size(); ++i) same = same && test::bits_equal(one.y[i], r.y[i]);
        for (size_t i = 0; i < one.gx.size(); ++i)
          same = same && test::bits_equal(one.gx[i], r.gx[i]);
        for (size_t i = 0; i < one.gw.size(); ++i)
          same = same && test::bits_equal(one.gw[i], r.gw[i]);
        for (size_t i = 0; i < one.gb.size(); ++i)
          same = same && test::bits_equal(one.gb[i], r.gb[i]);
        CHECK_MSG(same, "%s: %d threads differ from 1 (n=%zu ci=%zu co=%zu)", isa_name(isa),
                  threads, d.g.batch, d.g.in_channels, d.g.out_channels);
      }
    }
  }
  set_num_threads(saved);
}

void check_skipped_outputs_and_nonfinite() {
  Data d = make(geo(2, 4, 6, 6, 5, 3, 3, 1, 1, 1, 1, 1, 1, 2), 900);
  d.x[7] = NAN;
  d.x[40] = INFINITY;
  d.gy[3] = -INFINITY;
  const Result ref = reference(d);
  for (Isa isa : test::isas()) {
    std::vector<float> gw(d.g.w_size(), 3.f), y(d.g.y_size());
    CHECK(conv2d_backward(isa, d.g, d.x.data(), d.w.data(), d.gy.data(), nullptr, gw.data(),
                          nullptr, false) == Status::kOk);
    CHECK(conv2d_forward(isa, d.g, d.x.data(), d.w.data(), nullptr, y.data()) == Status::kOk);
    const Result r = run(isa, d);
    for (size_t i = 0; i < y.size(); ++i) {
      CHECK_MSG(std::isnan(r.y[i]) == std::isnan(ref.y[i]), "%s y[%zu] NaN position", isa_name(isa),
                i);
      CHECK_MSG(std::isinf(r.y[i]) == std::isinf(ref.y[i]), "%s y[%zu] Inf position", isa_name(isa),
                i);
    }
    for (size_t i = 0; i < gw.size(); ++i) {
      CHECK(std::isnan(gw[i]) == std::isnan(ref.gw[i]));
      CHECK(std::isnan(r.gx[i % r.gx.size()]) == std::isnan(ref.gx[i % r.gx.size()]));
    }
  }
}

void check_prepare() {
  ConvGeometry ok = geo(1, 2, 4, 5, 5, 3, 3);
  CHECK(conv_prepare(&ok) == Status::kOk && ok.out_height == 3 && ok.out_width == 3);
  ConvGeometry s = geo(1, 2, 4, 10, 10, 3, 3, 2, 3);  // floor: (10 - 3) / 2 + 1 = 4, / 3 + 1 = 3
  CHECK(conv_prepare(&s) == Status::kOk && s.out_height == 4 && s.out_width == 3);
  const ConvGeometry bad[] = {
      geo(1, 2, 4, 5, 5, 6, 3),                       // kernel larger than the input
      geo(1, 2, 4, 5, 5, 3, 3, 1, 1, 0, 0, 3, 1),     // dilated kernel larger
      geo(1, 2, 4, 5, 5, 3, 3, 0, 1),                 // zero stride
      geo(1, 2, 4, 5, 5, 0, 3),                       // zero kernel
      geo(1, 2, 4, 5, 5, 3, 3, 1, 1, 0, 0, 0, 1),     // zero dilation
      geo(1, 2, 4, 5, 5, 3, 3, 1, 1, 0, 0, 1, 1, 3),  // groups do not divide
      geo(1, 2, 4, 5, 5, 3, 3, 1, 1, 0, 0, 1, 1, 0),  // zero groups
      geo(size_t{1} << 30, size_t{1} << 30, 4, 1 << 20, 1 << 20, 1, 1),  // overflow
  };
  for (ConvGeometry g : bad) CHECK(conv_prepare(&g) == Status::kInvalidArgument);
}

// The direct path's row kernels on every ISA against the scalar ones: vector tails (edge sizes),
// axpy exact up to one FMA rounding per element, dot within a length-n float sum's bound.
void check_row_kernels() {
  for (size_t n : test::edge_sizes()) {
    if (n > 5000) continue;
    const std::vector<float> x = test::random_floats(n + 1, 11 + n),
                             y0 = test::random_floats(n + 1, 12 + n);
    std::vector<float> ref = y0;
    scalar::conv_axpy_f32__scalar(n, 0.75f, x.data(), ref.data());
    const float dref = scalar::conv_dot_f32__scalar(n, x.data(), y0.data());
    double mag = 0.0;
    for (size_t j = 0; j < n; ++j) mag += std::fabs(double(x[j]) * y0[j]);
    const double eps = std::numeric_limits<float>::epsilon();
    for (Isa isa : test::isas()) {
      std::vector<float> y = y0;
      conv_kernels(isa).axpy(n, 0.75f, x.data(), y.data());
      for (size_t j = 0; j < n; ++j) {
        CHECK_MSG(std::fabs(y[j] - ref[j]) <= 2 * eps * (std::fabs(ref[j]) + std::fabs(x[j])),
                  "%s axpy n=%zu [%zu]", isa_name(isa), n, j);
      }
      CHECK_MSG(test::bits_equal(y[n], y0[n]), "%s axpy n=%zu wrote past the end", isa_name(isa),
                n);
      const float d = conv_kernels(isa).dot(n, x.data(), y0.data());
      CHECK_MSG(std::fabs(d - dref) <= 2 * (double(n) + 4) * eps * mag + 1e-30,
                "%s dot n=%zu: %g vs %g", isa_name(isa), n, d, dref);
    }
  }
}

}  // namespace

int main() {
  check_row_kernels();
  check_prepare();
  check_against_reference(false);
  check_against_reference(true);
  check_threads_identical();
  check_skipped_outputs_and_nonfinite();
  return test::finish("conv_test");
}
