// RNN/LSTM kernels on every ISA: forward against a double-precision reference, backward against
// the scalar ISA's result, an empty sequence, and gradient accumulation.
#include <cmath>
#include <vector>

#include "kernels/rnn/rnn.h"
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

Result run(Isa isa, const Case& c, bool accumulate = false) {
  const size_t G = recurrent_gates(c.mode), H = c.d.hidden_size, B = c.d.batch, T = c.d.seq_len;
  Result r;
  r.out.resize(T * B * H);
  r.hn.resize(B * H);
  r.cn.resize(B * H);
  r.ws.resize(recurrent_workspace_size(c.mode, c.d));
  CHECK(recurrent_forward_f32(isa, c.mode, c.d, c.x.data(), c.h0.data(), c.c0.data(),
                              c.wih.data(), c.whh.data(), c.bih.data(), c.bhh.data(),
                              r.out.data(), r.hn.data(), r.cn.data(), r.ws.data()) == Status::kOk);
  r.gx.resize(c.x.size());
  r.gh0.resize(B * H);
  r.gc0.resize(B * H);
  r.gwih.assign(G * H * c.d.input_size, accumulate ? 1.f : 0.f);
  r.gwhh.assign(G * H * H, accumulate ? 1.f : 0.f);
  r.gbih.assign(G * H, accumulate ? 1.f : 0.f);
  r.gbhh.assign(G * H, accumulate ? 1.f : 0.f);
  CHECK(recurrent_backward_f32(isa, c.mode, c.d, c.x.data(), c.h0.data(), c.c0.data(),
                               c.wih.data(), c.whh.data(), r.ws.data(), c.go.data(),
                               c.ghn.data(), c.gcn.data(), r.gx.data(), r.gh0.data(),
                               r.gc0.data(), r.gwih.data(), r.gwhh.data(), r.gbih.data(),
                               r.gbhh.data(), accumulate) == Status::kOk);
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
          hn[b * H + j] = c.mode == RecurrentMode::kRnnTanh ? std::tanh(pre[j]) : std::fmax(pre[j], 0.0);
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
        for (size_t i = 0; i < want.size(); ++i) fwd = fwd && test::close(r.out[i], want[i], 1e-4, 1e-5);
        CHECK_MSG(fwd, "%s mode %d T=%zu: forward", isa_name(isa), int(m), d.seq_len);
        CHECK_MSG(all_close(r.gx, ref.gx, 1e-3) && all_close(r.gh0, ref.gh0, 1e-3) &&
                      all_close(r.gwih, ref.gwih, 1e-3) && all_close(r.gwhh, ref.gwhh, 1e-3) &&
                      all_close(r.gbih, ref.gbih, 1e-3) && all_close(r.gbih, r.gbhh, 0),
                  "%s mode %d T=%zu: backward differs from scalar", isa_name(isa), int(m), d.seq_len);
        const Result acc = run(isa, c, true);
        bool ok = true;
        for (size_t i = 0; i < r.gwhh.size(); ++i) ok = ok && test::close(acc.gwhh[i], 1.0 + r.gwhh[i], 1e-5, 1e-5);
        for (size_t i = 0; i < r.gbih.size(); ++i) ok = ok && test::close(acc.gbih[i], 1.0 + r.gbih[i], 1e-5, 1e-5);
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

}  // namespace

int main() {
  test_cases();
  test_empty_sequence();
  return test::finish("rnn_test");
}
