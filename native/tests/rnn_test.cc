// RNN/LSTM kernels on every ISA: forward against a double-precision reference, backward against
// the scalar ISA's result, an empty sequence, gradient accumulation, bit-identical results for 1, 2
// and 3 threads, per-step hidden-gradient clipping against BPTT rebuilt from unclipped steps, and
// the weight gradients of a sequence longer than one of the kernel's copy chunks against central
// differences of the double-precision reference.
#include "kernels/rnn/rnn.h"

#include <cmath>
#include <vector>

#include "core/thread_pool.h"
#include "test_util.h"

using namespace gradguard;
using namespace gradguard::kernels;

namespace {

struct Case {
  RecurrentMode mode;
  RecurrentDims d;
  std::vector<float> x, h0, c0, wih, whh, bih, bhh, go, ghn, gcn;
  Case(RecurrentMode m, RecurrentDims dims, uint32_t seed) : mode(m), d(dims) {
    const size_t G = recurrent_gates(m), H = d.hidden_size, B = d.batch, T = d.seq_len;
    x = test::random_floats(T * B * d.input_size, seed);
    h0 = test::random_floats(B * H, seed + 1);
    c0 = test::random_floats(B * H, seed + 2);
    wih = test::random_floats(G * H * d.input_size, seed + 3, -0.5f, 0.5f);
    whh = test::random_floats(G * H * H, seed + 4, -0.5f, 0.5f);
    bih = test::random_floats(G * H, seed + 5);
    bhh = test::random_floats(G * H, seed + 6);
    go = test::random_floats(T * B * H, seed + 7);
    ghn = test::random_floats(B * H, seed + 8);
    gcn = test::random_floats(B * H, seed + 9);
  }
};

struct Result {
  std::vector<float> out, hn, cn, ws, gx, gh0, gc0, gwih, gwhh, gbih, gbhh;
};

Result run(Isa isa, const Case& c, bool accumulate = false, float clip = 0.f) {
  const size_t G = recurrent_gates(c.mode), H = c.d.hidden_size, B = c.d.batch, T = c.d.seq_len;
  Result r;
  r.out.resize(T * B * H);
  r.hn.resize(B * H);
  r.cn.resize(B * H);
  r.ws.resize(recurrent_workspace_size(c.mode, c.d));
  CHECK(recurrent_forward_f32(isa, c.mode, c.d, c.x.data(), c.h0.data(), c.c0.data(), c.wih.data(),
                              c.whh.data(), c.bih.data(), c.bhh.data(), r.out.data(), r.hn.data(),
                              r.cn.data(), r.ws.data()) == Status::kOk);
  r.gx.resize(c.x.size());
  r.gh0.resize(B * H);
  r.gc0.resize(B * H);
  r.gwih.assign(G * H * c.d.input_size, accumulate ? 1.f : 0.f);
  r.gwhh.assign(G * H * H, accumulate ? 1.f : 0.f);
  r.gbih.assign(G * H, accumulate ? 1.f : 0.f);
  r.gbhh.assign(G * H, accumulate ? 1.f : 0.f);
  CHECK(recurrent_backward_f32(isa, c.mode, c.d, c.x.data(), c.h0.data(), c.c0.data(), c.wih.data(),
                               c.whh.data(), r.ws.data(), c.go.data(), c.ghn.data(), c.gcn.data(),
                               r.gx.data(), r.gh0.data(), r.gc0.data(), r.gwih.data(),
                               r.gwhh.data(), r.gbih.data(), r.gbhh.data(), accumulate,
                               clip) == Status::kOk);
  return r;
}

// Double-precision forward: the outputs [T, B, H].
std::vector<double> reference(const Case& c) {
  const size_t G = recurrent_gates(c.mode), H = c.d.hidden_size, B = c.d.batch;
  const size_t T = c.d.seq_len, I = c.d.input_size;
  std::vector<double> h(c.h0.begin(), c.h0.end()), cc(c.c0.begin(), c.c0.end()), out;
  auto sig = [](double v) { return 1.0 / (1.0 + std::exp(-v)); };
  for (size_t t = 0; t < T; ++t) {
    std::vector<double> hn(B * H), cn(B * H);
    for (size_t b = 0; b < B; ++b) {
      std::vector<double> pre(G * H);
      for (size_t r = 0; r < G * H; ++r) {
        double acc = double(c.bih[r]) + c.bhh[r];
        for (size_t k = 0; k < I; ++k) acc += double(c.x[(t * B + b) * I + k]) * c.wih[r * I + k];
        for (size_t k = 0; k < H; ++k) acc += h[b * H + k] * c.whh[r * H + k];
        pre[r] = acc;
      }
      for (size_t j = 0; j < H; ++j) {
        if (c.mode == RecurrentMode::kLstm) {
          cn[b * H + j] = sig(pre[H + j]) * cc[b * H + j] + sig(pre[j]) * std::tanh(pre[2 * H + j]);
          hn[b * H + j] = sig(pre[3 * H + j]) * std::tanh(cn[b * H + j]);
        } else {
          hn[b * H + j] =
              c.mode == RecurrentMode::kRnnTanh ? std::tanh(pre[j]) : std::fmax(pre[j], 0.0);
        }
      }
    }
    h = hn;
    cc = cn;
    out.insert(out.end(), hn.begin(), hn.end());
  }
  return out;
}

bool all_close(const std::vector<float>& a, const std::vector<float>& e, double tol) {
  if (a.size() != e.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (!test::close(a[i], e[i], tol, tol)) return false;
  }
  return true;
}

void test_cases() {
  const RecurrentDims dims[] = {{1, 1, 1, 1}, {5, 3, 4, 6}, {20, 2, 7, 9}, {7, 5, 33, 17}};
  uint32_t seed = 100;
  for (RecurrentMode m : {RecurrentMode::kRnnTanh, RecurrentMode::kRnnRelu, RecurrentMode::kLstm}) {
    for (const RecurrentDims& d : dims) {
      const Case c(m, d, seed += 10);
      const Result ref = run(Isa::kScalar, c);
      const std::vector<double> want = reference(c);
      for (Isa isa : test::isas()) {
        const Result r = run(isa, c);
        bool fwd = true;
        for (size_t i = 0; i < want.size(); ++i)
          fwd = fwd && test::close(r.out[i], want[i], 1e-4, 1e-5);
        CHECK_MSG(fwd, "%s mode %d T=%zu: forward", isa_name(isa), int(m), d.seq_len);
        CHECK_MSG(all_close(r.gx, ref.gx, 1e-3) && all_close(r.gh0, ref.gh0, 1e-3) &&
                      all_close(r.gwih, ref.gwih, 1e-3) && all_close(r.gwhh, ref.gwhh, 1e-3) &&
                      all_close(r.gbih, ref.gbih, 1e-3) && all_close(r.gbih, r.gbhh, 0),
                  "%s mode %d T=%zu: backward differs from scalar", isa_name(isa), int(m),
                  d.seq_len);
        const Result acc = run(isa, c, true);
        bool ok = true;
        for (size_t i = 0; i < r.gwhh.size(); ++i)
          ok = ok && test::close(acc.gwhh[i], 1.0 + r.gwhh[i], 1e-5, 1e-5);
        for (size_t i = 0; i < r.gbih.size(); ++i)
          ok = ok && test::close(acc.gbih[i], 1.0 + r.gbih[i], 1e-5, 1e-5);
        CHECK_MSG(ok, "%s mode %d: accumulate", isa_name(isa), int(m));
      }
    }
  }
}

void test_empty_sequence() {
  const Case c(RecurrentMode::kLstm, {0, 2, 3, 4}, 7);
  const Result r = run(Isa::kScalar, c);
  CHECK(all_close(r.hn, c.h0, 0) && all_close(r.cn, c.c0, 0));
  CHECK(all_close(r.gh0, c.ghn, 0) && all_close(r.gc0, c.gcn, 0));
  for (float v : r.gwhh) CHECK(v == 0.f);
}

bool bits_equal(const std::vector<float>& a, const std::vector<float>& e) {
  if (a.size() != e.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (!test::bits_equal(a[i], e[i])) return false;
  }
  return true;
}

bool same_result(const Result& a, const Result& b) {
  return bits_equal(a.out, b.out) && bits_equal(a.hn, b.hn) && bits_equal(a.cn, b.cn) &&
         bits_equal(a.ws, b.ws) && bits_equal(a.gx, b.gx) && bits_equal(a.gh0, b.gh0) &&
         bits_equal(a.gc0, b.gc0) && bits_equal(a.gwih, b.gwih) && bits_equal(a.gwhh, b.gwhh) &&
         bits_equal(a.gbih, b.gbih) && bits_equal(a.gbhh, b.gbhh);
}

// Shapes big enough for the step kernels and GEMMs to split across threads, and small batches (9
// and 5 rows: fewer rows than a micro-tile, split unevenly between 2 and 3 threads).
void test_thread_determinism() {
  const int saved = num_threads();
  const Case cases[] = {Case(RecurrentMode::kLstm, {5, 64, 20, 70}, 400),
                        Case(RecurrentMode::kRnnTanh, {4, 64, 10, 300}, 410),
                        Case(RecurrentMode::kRnnRelu, {3, 61, 9, 290}, 420),
                        Case(RecurrentMode::kLstm, {6, 9, 13, 75}, 430),
                        Case(RecurrentMode::kLstm, {4, 5, 12, 300}, 440)};
  for (Isa isa : test::isas()) {
    for (const Case& c : cases) {
      for (float clip : {0.f, 0.1f}) {
        set_num_threads(1);
        const Result one = run(isa, c, false, clip);
        for (int threads : {2, 3}) {
          set_num_threads(threads);
          CHECK_MSG(same_result(run(isa, c, false, clip), one),
                    "%s mode %d clip %g: threads=%d differs from threads=1", isa_name(isa),
                    int(c.mode), double(clip), threads);
        }
      }
    }
  }
  set_num_threads(saved);
}

// Clipped BPTT equals BPTT rebuilt from one-step, unclipped backward calls where the test itself
// clips each sample's dh_t = (dh from step t+1) + grad_output[t] before feeding it in as that
// step's output gradient. Also: clipping far above every norm changes no bit.
void test_clip_bptt() {
  for (RecurrentMode m : {RecurrentMode::kRnnTanh, RecurrentMode::kRnnRelu, RecurrentMode::kLstm}) {
    const Case c(m, {6, 3, 5, 7}, 500 + int(m));
    const size_t T = c.d.seq_len, B = c.d.batch, I = c.d.input_size, H = c.d.hidden_size;
    const size_t G = recurrent_gates(m);
    const bool lstm = m == RecurrentMode::kLstm;
    const float clip = 0.05f;
    for (Isa isa : test::isas()) {
      const Result full = run(isa, c, false, clip);
      const Result plain = run(isa, c);
      CHECK_MSG(same_result(run(isa, c, false, 1e30f), plain), "%s mode %d: huge clip",
                isa_name(isa), int(m));
      CHECK(!all_close(full.gwhh, plain.gwhh, 1e-3));  // the threshold is active in this case
      // States before each step, from the full forward.
      std::vector<std::vector<float>> hs(T + 1), cs(T + 1);
      hs[0] = c.h0;
      cs[0] = c.c0;
      for (size_t t = 0; t < T; ++t) {
        hs[t + 1].assign(full.out.begin() + t * B * H, full.out.begin() + (t + 1) * B * H);
        if (lstm) {
          const float* cells = full.ws.data() + T * B * G * H;
          cs[t + 1].assign(cells + t * B * H, cells + (t + 1) * B * H);
        } else {
          cs[t + 1] = c.c0;
        }
      }
      std::vector<float> dh = c.ghn, dc = c.gcn;
      std::vector<float> gx(T * B * I), gwih(G * H * I, 0.f), gwhh(G * H * H, 0.f),
          gbih(G * H, 0.f), gbhh(G * H, 0.f);
      for (size_t t = T; t-- > 0;) {
        Case step = c;
        step.d.seq_len = 1;
        step.x.assign(c.x.begin() + t * B * I, c.x.begin() + (t + 1) * B * I);
        step.h0 = hs[t];
        step.c0 = cs[t];
        step.go.resize(B * H);
        for (size_t b = 0; b < B; ++b) {
          double ss = 0;
          for (size_t j = 0; j < H; ++j) {
            const double v = double(dh[b * H + j] + c.go[(t * B + b) * H + j]);
            ss += v * v;
          }
          const double coef = std::fmin(1.0, clip / (std::sqrt(ss) + 1e-6));
          for (size_t j = 0; j < H; ++j) {
            step.go[b * H + j] = float((dh[b * H + j] + c.go[(t * B + b) * H + j]) * coef);
          }
        }
        step.ghn.assign(B * H, 0.f);
        step.gcn = dc;
        const Result r = run(Isa::kScalar, step);
        std::copy(r.gx.begin(), r.gx.end(), gx.begin() + t * B * I);
        for (size_t i = 0; i < gwih.size(); ++i) gwih[i] += r.gwih[i];
        for (size_t i = 0; i < gwhh.size(); ++i) gwhh[i] += r.gwhh[i];
        for (size_t i = 0; i < gbih.size(); ++i) gbih[i] += r.gbih[i];
        dh = r.gh0;
        if (lstm) dc = r.gc0;
      }
      CHECK_MSG(all_close(full.gx, gx, 1e-4) && all_close(full.gh0, dh, 1e-4) &&
                    all_close(full.gwih, gwih, 1e-4) && all_close(full.gwhh, gwhh, 1e-4) &&
                    all_close(full.gbih, gbih, 1e-4) && (!lstm || all_close(full.gc0, dc, 1e-4)),
                "%s mode %d: clipped BPTT differs from the step-by-step reference", isa_name(isa),
                int(m));
    }
  }
}

// T * B = 8400 rows: past the 8192 rows the weight-gradient products copy and accumulate at a
// time (rnn.cc weight_grads), so the second chunk and the boundary between the two are exercised.
// The scalar run is no independent check here (it goes through the same chunking): the weight
// gradients are compared with central differences of the double-precision reference forward, the
// loss sum(out * go) + sum(h_T * ghn) (gcn zero: the reference keeps no cell state).
void test_long_sequence_weight_grads() {
  for (RecurrentMode m : {RecurrentMode::kRnnTanh, RecurrentMode::kLstm}) {
    Case c(m, {4200, 2, 2, 3}, 900 + int(m));
    const size_t B = c.d.batch, H = c.d.hidden_size, T = c.d.seq_len;
    c.gcn.assign(B * H, 0.f);
    auto loss = [&](const Case& cc) {
      const std::vector<double> out = reference(cc);
      double l = 0;
      for (size_t i = 0; i < out.size(); ++i) l += out[i] * cc.go[i];
      for (size_t i = 0; i < B * H; ++i) l += out[(T - 1) * B * H + i] * cc.ghn[i];
      return l;
    };
    // d loss / d w[i] for the weight array picked by `pick`
    auto numeric = [&](std::vector<float> Case::*pick, size_t i) {
      Case plus = c, minus = c;
      const float w = (c.*pick)[i];
      (plus.*pick)[i] = w + 1e-3f;
      (minus.*pick)[i] = w - 1e-3f;
      const double step = double((plus.*pick)[i]) - double((minus.*pick)[i]);
      return (loss(plus) - loss(minus)) / step;
    };
    std::vector<double> want_ih(c.wih.size()), want_hh(c.whh.size());
    for (size_t i = 0; i < c.wih.size(); ++i) want_ih[i] = numeric(&Case::wih, i);
    for (size_t i = 0; i < c.whh.size(); ++i) want_hh[i] = numeric(&Case::whh, i);
    for (Isa isa : test::isas()) {
      const Result r = run(isa, c);
      bool ok = true;
      for (size_t i = 0; i < want_ih.size(); ++i)
        ok = ok && std::fabs(r.gwih[i] - want_ih[i]) <= 2e-3 * (1.0 + std::fabs(want_ih[i]));
      for (size_t i = 0; i < want_hh.size(); ++i)
        ok = ok && std::fabs(r.gwhh[i] - want_hh[i]) <= 2e-3 * (1.0 + std::fabs(want_hh[i]));
      CHECK_MSG(ok, "%s mode %d T*B=%zu: weight gradients differ from finite differences",
                isa_name(isa), int(m), T * B);
    }
  }
}

}  // namespace

int main() {
  test_cases();
  test_thread_determinism();
  test_clip_bptt();
  test_empty_sequence();
  test_long_sequence_weight_grads();
  return test::finish("rnn_test");
}
