// The RNN/LSTM step kernels (rnn_gates.h) on every ISA this machine has against the scalar
// reference: odd widths (vector tails), several rows, with and without bias / output copy / output
// gradient, NaN and ±Inf inputs, and the per-sample hidden-gradient clipping (off, inactive below
// the threshold, and equal to pre-scaling dh_t by the clip factor computed here in float64).
#include "kernels/rnn/rnn_gates.h"

#include <cmath>
#include <limits>
#include <vector>

#include "test_util.h"

using namespace gradguard;
using namespace gradguard::kernels;

namespace {

const float kNaN = std::numeric_limits<float>::quiet_NaN();
const float kInf = std::numeric_limits<float>::infinity();
const size_t kWidths[] = {1, 3, 7, 8, 9, 15, 16, 17, 33, 64, 65};

// SIMD sigmoid/tanh are a few ulp from std::exp/std::tanh; everything downstream inherits that.
bool near(const std::vector<float>& a, const std::vector<float>& e) {
  if (a.size() != e.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (!test::close(a[i], e[i], 2e-5, 2e-6)) return false;
  }
  return true;
}

bool bits_equal(const std::vector<float>& a, const std::vector<float>& e) {
  if (a.size() != e.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (!test::bits_equal(a[i], e[i])) return false;
  }
  return true;
}

struct LstmFwd {
  std::vector<float> g, c, h, out;
};

LstmFwd lstm_fwd(Isa isa, size_t rows, size_t H, const std::vector<float>& pre,
                 const std::vector<float>* bias, const std::vector<float>& cp, bool with_out) {
  LstmFwd r{pre, std::vector<float>(rows * H), std::vector<float>(rows * H),
            std::vector<float>(rows * H, -7.f)};
  rnn_gates_kernels(isa).lstm_forward(rows, H, r.g.data(), bias ? bias->data() : nullptr, cp.data(),
                                      r.c.data(), r.h.data(), with_out ? r.out.data() : nullptr);
  return r;
}

struct LstmBwd {
  std::vector<float> dc, dg;
};

LstmBwd lstm_bwd(Isa isa, size_t rows, size_t H, const std::vector<float>& g,
                 const std::vector<float>& c, const std::vector<float>& cp,
                 const std::vector<float>& dh, const std::vector<float>* go, float clip,
                 const std::vector<float>& dc) {
  LstmBwd r{dc, std::vector<float>(rows * 4 * H)};
  rnn_gates_kernels(isa).lstm_backward(rows, H, g.data(), c.data(), cp.data(), dh.data(),
                                       go ? go->data() : nullptr, clip, r.dc.data(), r.dg.data());
  return r;
}

void test_lstm_forward() {
  for (Isa isa : test::isas()) {
    for (size_t H : kWidths) {
      for (size_t rows : {1, 3}) {
        const uint32_t seed = static_cast<uint32_t>(H * 10 + rows);
        std::vector<float> pre = test::random_floats(rows * 4 * H, seed, -6.f, 6.f);
        const std::vector<float> bias = test::random_floats(4 * H, seed + 1);
        std::vector<float> cp = test::random_floats(rows * H, seed + 2, -3.f, 3.f);
        if (H > 2) {  // saturating and non-finite inputs
          pre[0] = kNaN;
          pre[H + 1] = kInf;
          pre[2 * H + 1] = -kInf;
          pre[3 * H + 2] = 100.f;
          cp[2] = kNaN;
        }
        for (bool with_bias : {false, true}) {
          for (bool with_out : {false, true}) {
            const auto* b = with_bias ? &bias : nullptr;
            const LstmFwd ref = lstm_fwd(Isa::kScalar, rows, H, pre, b, cp, with_out);
            const LstmFwd r = lstm_fwd(isa, rows, H, pre, b, cp, with_out);
            CHECK_MSG(
                near(r.g, ref.g) && near(r.c, ref.c) && near(r.h, ref.h) && near(r.out, ref.out),
                "%s lstm forward H=%zu rows=%zu bias=%d out=%d", isa_name(isa), H, rows,
                int(with_bias), int(with_out));
            if (with_out) CHECK(bits_equal(r.out, r.h));
            if (H > 2) CHECK(std::isnan(r.h[0]) && std::isnan(r.h[2]) && std::isnan(r.g[0]));
          }
        }
      }
    }
  }
}

void test_lstm_backward() {
  for (Isa isa : test::isas()) {
    for (size_t H : kWidths) {
      const size_t rows = 3;
      const uint32_t seed = static_cast<uint32_t>(H * 7 + 1);
      const std::vector<float> pre = test::random_floats(rows * 4 * H, seed, -4.f, 4.f);
      const std::vector<float> cp = test::random_floats(rows * H, seed + 1, -2.f, 2.f);
      const LstmFwd f = lstm_fwd(Isa::kScalar, rows, H, pre, nullptr, cp, false);
      std::vector<float> dh = test::random_floats(rows * H, seed + 2, -3.f, 3.f);
      const std::vector<float> go = test::random_floats(rows * H, seed + 3);
      std::vector<float> dc = test::random_floats(rows * H, seed + 4);
      if (H > 2) {
        dh[1] = kNaN;
        dh[H + 2] = kInf;  // row 1
        dc[2] = -kInf;
      }
      for (bool with_go : {false, true}) {
        for (float clip : {0.f, 0.5f, 1e30f}) {
          const auto* g = with_go ? &go : nullptr;
          const LstmBwd ref = lstm_bwd(Isa::kScalar, rows, H, f.g, f.c, cp, dh, g, clip, dc);
          const LstmBwd r = lstm_bwd(isa, rows, H, f.g, f.c, cp, dh, g, clip, dc);
          CHECK_MSG(near(r.dc, ref.dc) && near(r.dg, ref.dg),
                    "%s lstm backward H=%zu go=%d clip=%g", isa_name(isa), H, int(with_go),
                    double(clip));
          if (clip > 1e29f) {  // far above every (finite) row norm: exactly the unclipped result
            const std::vector<float> dhf = test::random_floats(rows * H, seed + 5, -3.f, 3.f);
            const LstmBwd on = lstm_bwd(isa, rows, H, f.g, f.c, cp, dhf, g, clip, dc);
            const LstmBwd off = lstm_bwd(isa, rows, H, f.g, f.c, cp, dhf, g, 0.f, dc);
            CHECK(bits_equal(on.dc, off.dc) && bits_equal(on.dg, off.dg));
          }
        }
      }
    }
  }
}

// With finite gradients, clipping equals running unclipped on dh_t scaled per row by
// min(1, clip / (||dh_t row|| + 1e-6)), the factor computed here in float64.
void test_clip_definition() {
  for (Isa isa : test::isas()) {
    for (size_t H : {5, 16, 33}) {
      const size_t rows = 4;
      const uint32_t seed = static_cast<uint32_t>(H + 300);
      const std::vector<float> pre = test::random_floats(rows * 4 * H, seed, -4.f, 4.f);
      const std::vector<float> cp = test::random_floats(rows * H, seed + 1);
      const LstmFwd f = lstm_fwd(Isa::kScalar, rows, H, pre, nullptr, cp, false);
      std::vector<float> dh = test::random_floats(rows * H, seed + 2);
      std::vector<float> go = test::random_floats(rows * H, seed + 3);
      for (size_t j = 0; j < H; ++j) {  // row 2 stays below the threshold
        dh[2 * H + j] *= 1e-3f;
        go[2 * H + j] *= 1e-3f;
      }
      const std::vector<float> dc = test::random_floats(rows * H, seed + 4);
      const float clip = 0.25f;
      std::vector<float> scaled(rows * H);
      std::vector<float> rnn_h = test::random_floats(rows * H, seed + 5, -0.99f, 0.99f);
      for (size_t r = 0; r < rows; ++r) {
        double ss = 0;
        for (size_t j = 0; j < H; ++j) {
          const double v = double(dh[r * H + j] + go[r * H + j]);
          ss += v * v;
        }
        const double coef = std::fmin(1.0, clip / (std::sqrt(ss) + 1e-6));
        if (r == 2) CHECK(coef == 1.0);
        for (size_t j = 0; j < H; ++j) {
          const float v = dh[r * H + j] + go[r * H + j];
          scaled[r * H + j] = coef < 1.0 ? v * static_cast<float>(coef) : v;
        }
      }
      const LstmBwd clipped = lstm_bwd(isa, rows, H, f.g, f.c, cp, dh, &go, clip, dc);
      const LstmBwd want = lstm_bwd(isa, rows, H, f.g, f.c, cp, scaled, nullptr, 0.f, dc);
      CHECK_MSG(near(clipped.dc, want.dc) && near(clipped.dg, want.dg), "%s lstm clip H=%zu",
                isa_name(isa), H);
      for (bool relu : {false, true}) {
        std::vector<float> a(rows * H), b(rows * H);
        rnn_gates_kernels(isa).rnn_backward(relu, rows, H, rnn_h.data(), dh.data(), go.data(), clip,
                                            a.data());
        rnn_gates_kernels(isa).rnn_backward(relu, rows, H, rnn_h.data(), scaled.data(), nullptr,
                                            0.f, b.data());
        CHECK_MSG(near(a, b), "%s rnn clip H=%zu relu=%d", isa_name(isa), H, int(relu));
      }
    }
  }
}

void test_rnn() {
  for (Isa isa : test::isas()) {
    for (size_t H : kWidths) {
      const size_t rows = 2;
      const uint32_t seed = static_cast<uint32_t>(H * 3 + 11);
      std::vector<float> pre = test::random_floats(rows * H, seed, -5.f, 5.f);
      const std::vector<float> bias = test::random_floats(H, seed + 1);
      if (H > 2) {
        pre[0] = kNaN;
        pre[1] = kInf;
        pre[2] = -kInf;
      }
      for (bool relu : {false, true}) {
        for (bool with_bias : {false, true}) {
          std::vector<float> h = pre, hr = pre, out(rows * H, -7.f), outr(rows * H, -7.f);
          const float* b = with_bias ? bias.data() : nullptr;
          rnn_gates_kernels(Isa::kScalar).rnn_forward(relu, rows, H, hr.data(), b, outr.data());
          rnn_gates_kernels(isa).rnn_forward(relu, rows, H, h.data(), b, out.data());
          CHECK_MSG(near(h, hr) && bits_equal(out, h), "%s rnn forward H=%zu relu=%d",
                    isa_name(isa), H, int(relu));
          if (H > 2) CHECK(std::isnan(h[0]));
          std::vector<float> dh = test::random_floats(rows * H, seed + 2);
          const std::vector<float> go = test::random_floats(rows * H, seed + 3);
          if (H > 2) dh[H + 1] = kNaN;
          for (float clip : {0.f, 0.3f}) {
            std::vector<float> dg(rows * H), dgr(rows * H);
            rnn_gates_kernels(Isa::kScalar)
                .rnn_backward(relu, rows, H, hr.data(), dh.data(), go.data(), clip, dgr.data());
            rnn_gates_kernels(isa).rnn_backward(relu, rows, H, hr.data(), dh.data(), go.data(),
                                                clip, dg.data());
            CHECK_MSG(near(dg, dgr), "%s rnn backward H=%zu relu=%d clip=%g", isa_name(isa), H,
                      int(relu), double(clip));
          }
        }
      }
    }
  }
}

}  // namespace

int main() {
  test_lstm_forward();
  test_lstm_backward();
  test_clip_definition();
  test_rnn();
  return test::finish("rnn_gates_test");
}
