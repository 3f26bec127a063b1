// The GRU recurrent mode (rnn.h kGru; gates r, z, n, PyTorch's n = tanh(W_in x + b_in + r * (W_hn h
// + b_hn))): its step kernels (rnn_gates.h) on every ISA against the scalar reference (vector
// tails, NaN/Inf, huge values, denormals, bias and output copy on/off, clipping); the whole forward
// and backward against a float64 BPTT written out here (so the two bias gradients' different n
// blocks are checked too); gradient accumulation, no bias, batch 0, and bit-identical results for
// 1, 2 and 3 threads.
#include <cmath>
#include <limits>
#include <vector>

#include "core/thread_pool.h"
#include "kernels/rnn/rnn.h"
#include "kernels/rnn/rnn_gates.h"
#include "test_util.h"

using namespace gradguard;
using namespace gradguard::kernels;

namespace {

const float kNaN = std::numeric_limits<float>::quiet_NaN();
const float kInf = std::numeric_limits<float>::infinity();
const size_t kWidths[] = {1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 33, 64, 65};

// SIMD sigmoid/tanh are a few ulp from std::exp/std::tanh, and FMA contracts; everything
// downstream inherits that (the LSTM step test's tolerance).
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

struct StepFwd {
  std::vector<float> g, hn, h, out;
};

StepFwd step_fwd(Isa isa, size_t rows, size_t H, const std::vector<float>& gi,
                 const std::vector<float>& gh, const std::vector<float>* bias,
                 const std::vector<float>& hp, bool with_out) {
  StepFwd r{gi, std::vector<float>(rows * H), std::vector<float>(rows * H),
            std::vector<float>(rows * H, -7.f)};
  rnn_gates_kernels(isa).gru_forward(rows, H, r.g.data(), gh.data(), bias ? bias->data() : nullptr,
                                     hp.data(), r.hn.data(), r.h.data(),
                                     with_out ? r.out.data() : nullptr);
  return r;
}

struct StepBwd {
  std::vector<float> dh, dgi, dgh;
};

StepBwd step_bwd(Isa isa, size_t rows, size_t H, const StepFwd& f, const std::vector<float>& hp,
                 const std::vector<float>& dh, const std::vector<float>* go, float clip) {
  StepBwd r{dh, std::vector<float>(rows * 3 * H), std::vector<float>(rows * 3 * H)};
  rnn_gates_kernels(isa).gru_backward(rows, H, f.g.data(), f.hn.data(), hp.data(), r.dh.data(),
                                      go ? go->data() : nullptr, clip, r.dgi.data(), r.dgh.data());
  return r;
}

void test_step_kernels() {
  for (Isa isa : test::isas()) {
    for (size_t H : kWidths) {
      const size_t rows = 3;
      const uint32_t seed = static_cast<uint32_t>(H * 7 + 1);
      std::vector<float> gi = test::random_floats(rows * 3 * H, seed, -4.f, 4.f);
      std::vector<float> gh = test::random_floats(rows * 3 * H, seed + 1, -4.f, 4.f);
      const std::vector<float> bias = test::random_floats(4 * H, seed + 2);
      const std::vector<float> hp = test::random_floats(rows * H, seed + 3);
      if (H > 2) {  // NaN and ±Inf in each gate block of row 1
        gi[3 * H + 0] = kNaN;
        gi[3 * H + H + 1] = kInf;
        gh[3 * H + 2 * H + 2] = -kInf;
        gh[3 * H + 2] = kNaN;
      }
      // Row 2: huge pre-activations (saturated gates) and denormals.
      for (size_t j = 0; j < 3 * H; j += 2) gi[6 * H + j] = (j % 4 == 0 ? 1e30f : -1e30f);
      for (size_t j = 1; j < 3 * H; j += 2) gh[6 * H + j] = 1e-40f;
      for (bool with_bias : {false, true}) {
        for (bool with_out : {false, true}) {
          const std::vector<float>* b = with_bias ? &bias : nullptr;
          const StepFwd ref = step_fwd(Isa::kScalar, rows, H, gi, gh, b, hp, with_out);
          const StepFwd r = step_fwd(isa, rows, H, gi, gh, b, hp, with_out);
          CHECK_MSG(near(r.g, ref.g) && near(r.h, ref.h) && bits_equal(r.hn, ref.hn),
                    "%s gru forward H=%zu bias=%d", isa_name(isa), H, int(with_bias));
          CHECK_MSG(with_out ? bits_equal(r.out, r.h) : r.out[0] == -7.f,
                    "%s gru forward out copy H=%zu", isa_name(isa), H);
          if (H > 2) {
            // NaN in r's pre-activation reaches r, n and h of that unit; so does the one in gh_r.
            CHECK(std::isnan(r.g[3 * H]) && std::isnan(r.h[H]) && std::isnan(r.h[H + 2]));
            CHECK(r.g[3 * H + H + 1] == 1.f);  // z = sigmoid(+Inf)
          }
          std::vector<float> dh = test::random_floats(rows * H, seed + 4);
          const std::vector<float> go = test::random_floats(rows * H, seed + 5);
          if (H > 2) dh[2 * H + 1] = kNaN;
          for (float clip : {0.f, 0.3f}) {
            for (bool with_go : {false, true}) {
              const std::vector<float>* g = with_go ? &go : nullptr;
              const StepBwd want = step_bwd(Isa::kScalar, rows, H, ref, hp, dh, g, clip);
              const StepBwd got = step_bwd(isa, rows, H, ref, hp, dh, g, clip);
              CHECK_MSG(near(got.dh, want.dh) && near(got.dgi, want.dgi) && near(got.dgh, want.dgh),
                        "%s gru backward H=%zu clip=%g go=%d", isa_name(isa), H, double(clip),
                        int(with_go));
            }
          }
        }
      }
    }
  }
}

// One step's backward in float64 from the definitions, against the scalar kernel (which the SIMD
// ones are compared with above): dgi = (dr, dz, dn), dgh = (dr, dz, r*dn), dh_prev direct = dh*z.
void test_step_reference() {
  const size_t rows = 2, H = 5;
  const std::vector<float> gi = test::random_floats(rows * 3 * H, 91, -2.f, 2.f);
  const std::vector<float> gh = test::random_floats(rows * 3 * H, 92, -2.f, 2.f);
  const std::vector<float> bias = test::random_floats(4 * H, 93);
  const std::vector<float> hp = test::random_floats(rows * H, 94);
  const std::vector<float> dh = test::random_floats(rows * H, 95);
  const StepFwd f = step_fwd(Isa::kScalar, rows, H, gi, gh, &bias, hp, true);
  const StepBwd b = step_bwd(Isa::kScalar, rows, H, f, hp, dh, nullptr, 0.f);
  auto sig = [](double v) { return 1.0 / (1.0 + std::exp(-v)); };
  for (size_t r = 0; r < rows; ++r) {
    for (size_t j = 0; j < H; ++j) {
      const size_t g = r * 3 * H + j, k = r * H + j;
      const double rg = sig(double(gi[g]) + gh[g] + bias[j]);
      const double zg = sig(double(gi[g + H]) + gh[g + H] + bias[H + j]);
      const double hv = double(gh[g + 2 * H]) + bias[3 * H + j];
      const double ng = std::tanh(double(gi[g + 2 * H]) + bias[2 * H + j] + rg * hv);
      const double h = (1 - zg) * ng + zg * hp[k];
      CHECK(test::close(f.h[k], h, 1e-5, 1e-6) && test::close(f.hn[k], hv, 1e-6, 1e-7));
      const double dn = dh[k] * (1 - zg) * (1 - ng * ng);
      const double dz = dh[k] * (hp[k] - ng) * zg * (1 - zg);
      const double dr = dn * hv * rg * (1 - rg);
      CHECK(test::close(b.dgi[g], dr, 1e-5, 1e-6) && test::close(b.dgi[g + H], dz, 1e-5, 1e-6) &&
            test::close(b.dgi[g + 2 * H], dn, 1e-5, 1e-6));
      CHECK(test::close(b.dgh[g], dr, 1e-5, 1e-6) && test::close(b.dgh[g + H], dz, 1e-5, 1e-6) &&
            test::close(b.dgh[g + 2 * H], rg * dn, 1e-5, 1e-6));
      CHECK(test::close(b.dh[k], dh[k] * zg, 1e-5, 1e-6));
    }
  }
}

struct Case {
  RecurrentDims d;
  bool bias;
  std::vector<float> x, h0, wih, whh, bih, bhh, go, ghn;
  Case(RecurrentDims dims, uint32_t seed, bool with_bias = true) : d(dims), bias(with_bias) {
    const size_t H = d.hidden_size, B = d.batch, T = d.seq_len;
    x = test::random_floats(T * B * d.input_size, seed);
    h0 = test::random_floats(B * H, seed + 1);
    wih = test::random_floats(3 * H * d.input_size, seed + 3, -0.5f, 0.5f);
    whh = test::random_floats(3 * H * H, seed + 4, -0.5f, 0.5f);
    bih = with_bias ? test::random_floats(3 * H, seed + 5) : std::vector<float>(3 * H, 0.f);
    bhh = with_bias ? test::random_floats(3 * H, seed + 6) : std::vector<float>(3 * H, 0.f);
    go = test::random_floats(T * B * H, seed + 7);
    ghn = test::random_floats(B * H, seed + 8);
  }
};

struct Result {
  std::vector<float> out, hn, ws, gx, gh0, gwih, gwhh, gbih, gbhh;
};

Result run(Isa isa, const Case& c, bool accumulate = false, float clip = 0.f) {
  const size_t H = c.d.hidden_size, B = c.d.batch, T = c.d.seq_len;
  const RecurrentMode m = RecurrentMode::kGru;
  Result r;
  r.out.resize(T * B * H);
  r.hn.resize(B * H);
  r.ws.resize(recurrent_workspace_size(m, c.d));
  CHECK(r.ws.size() == 5 * T * B * H);
  const float* bih = c.bias ? c.bih.data() : nullptr;
  const float* bhh = c.bias ? c.bhh.data() : nullptr;
  CHECK(recurrent_forward_f32(isa, m, c.d, c.x.data(), c.h0.data(), nullptr, c.wih.data(),
                              c.whh.data(), bih, bhh, r.out.data(), r.hn.data(), nullptr,
                              r.ws.data()) == Status::kOk);
  r.gx.resize(c.x.size());
  r.gh0.resize(B * H);
  r.gwih.assign(3 * H * c.d.input_size, accumulate ? 1.f : 0.f);
  r.gwhh.assign(3 * H * H, accumulate ? 1.f : 0.f);
  r.gbih.assign(3 * H, accumulate ? 1.f : 0.f);
  r.gbhh.assign(3 * H, accumulate ? 1.f : 0.f);
  CHECK(recurrent_backward_f32(isa, m, c.d, c.x.data(), c.h0.data(), nullptr, c.wih.data(),
                               c.whh.data(), r.ws.data(), c.go.data(), c.ghn.data(), nullptr,
                               r.gx.data(), r.gh0.data(), nullptr, r.gwih.data(), r.gwhh.data(),
                               c.bias ? r.gbih.data() : nullptr, c.bias ? r.gbhh.data() : nullptr,
                               accumulate, clip) == Status::kOk);
  return r;
}

// Forward and BPTT in float64 from the definitions.
struct Ref {
  std::vector<double> out, gx, gh0, gwih, gwhh, gbih, gbhh;
};

Ref reference(const Case& c) {
  const size_t H = c.d.hidden_size, B = c.d.batch, T = c.d.seq_len, I = c.d.input_size;
  const size_t G = 3 * H;
  auto sig = [](double v) { return 1.0 / (1.0 + std::exp(-v)); };
  std::vector<std::vector<double>> hs(T + 1), r(T), z(T), n(T), hn(T);
  hs[0].assign(c.h0.begin(), c.h0.end());
  Ref o;
  for (size_t t = 0; t < T; ++t) {
    hs[t + 1].resize(B * H);
    r[t].resize(B * H);
    z[t].resize(B * H);
    n[t].resize(B * H);
    hn[t].resize(B * H);
    for (size_t b = 0; b < B; ++b) {
      std::vector<double> gi(G), gh(G);
      for (size_t q = 0; q < G; ++q) {
        double a = c.bih[q], e = c.bhh[q];
        for (size_t k = 0; k < I; ++k) a += double(c.x[(t * B + b) * I + k]) * c.wih[q * I + k];
        for (size_t k = 0; k < H; ++k) e += hs[t][b * H + k] * c.whh[q * H + k];
        gi[q] = a;
        gh[q] = e;
      }
      for (size_t j = 0; j < H; ++j) {
        const size_t k = b * H + j;
        r[t][k] = sig(gi[j] + gh[j]);
        z[t][k] = sig(gi[H + j] + gh[H + j]);
        hn[t][k] = gh[2 * H + j];
        n[t][k] = std::tanh(gi[2 * H + j] + r[t][k] * hn[t][k]);
        hs[t + 1][k] = (1 - z[t][k]) * n[t][k] + z[t][k] * hs[t][k];
      }
    }
    o.out.insert(o.out.end(), hs[t + 1].begin(), hs[t + 1].end());
  }
  o.gx.assign(T * B * I, 0);
  o.gwih.assign(G * I, 0);
  o.gwhh.assign(G * H, 0);
  o.gbih.assign(G, 0);
  o.gbhh.assign(G, 0);
  std::vector<double> dh(c.ghn.begin(), c.ghn.end());
  for (size_t t = T; t-- > 0;) {
    std::vector<double> next(B * H, 0.0);
    for (size_t b = 0; b < B; ++b) {
      std::vector<double> dgi(G), dgh(G);
      for (size_t j = 0; j < H; ++j) {
        const size_t k = b * H + j;
        const double d = dh[k] + c.go[t * B * H + k];
        const double dn = d * (1 - z[t][k]) * (1 - n[t][k] * n[t][k]);
        const double dz = d * (hs[t][k] - n[t][k]) * z[t][k] * (1 - z[t][k]);
        const double dr = dn * hn[t][k] * r[t][k] * (1 - r[t][k]);
        dgi[j] = dgh[j] = dr;
        dgi[H + j] = dgh[H + j] = dz;
        dgi[2 * H + j] = dn;
        dgh[2 * H + j] = dn * r[t][k];
        next[k] += d * z[t][k];
      }
      for (size_t q = 0; q < G; ++q) {
        o.gbih[q] += dgi[q];
        o.gbhh[q] += dgh[q];
        for (size_t k = 0; k < I; ++k) {
          o.gx[(t * B + b) * I + k] += dgi[q] * c.wih[q * I + k];
          o.gwih[q * I + k] += dgi[q] * c.x[(t * B + b) * I + k];
        }
        for (size_t k = 0; k < H; ++k) {
          next[b * H + k] += dgh[q] * c.whh[q * H + k];
          o.gwhh[q * H + k] += dgh[q] * hs[t][b * H + k];
        }
      }
    }
    dh = next;
  }
  o.gh0 = dh;
  return o;
}

bool close_to(const std::vector<float>& a, const std::vector<double>& e, double tol) {
  if (a.size() != e.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (!test::close(a[i], e[i], tol, tol)) return false;
  }
  return true;
}

void test_against_reference() {
  const RecurrentDims dims[] = {
      {1, 1, 1, 1}, {5, 3, 4, 6}, {20, 2, 7, 9}, {7, 5, 33, 17}, {3, 2, 5, 4}};
  uint32_t seed = 700;
  for (const RecurrentDims& d : dims) {
    for (bool bias : {true, false}) {
      const Case c(d, seed += 10, bias);
      const Ref want = reference(c);
      for (Isa isa : test::isas()) {
        const Result r = run(isa, c);
        CHECK_MSG(close_to(r.out, want.out, 1e-4), "%s gru T=%zu H=%zu: forward", isa_name(isa),
                  d.seq_len, d.hidden_size);
        CHECK_MSG(close_to(r.gx, want.gx, 1e-3) && close_to(r.gh0, want.gh0, 1e-3) &&
                      close_to(r.gwih, want.gwih, 1e-3) && close_to(r.gwhh, want.gwhh, 1e-3),
                  "%s gru T=%zu H=%zu bias=%d: backward", isa_name(isa), d.seq_len, d.hidden_size,
                  int(bias));
        if (bias) {
          CHECK_MSG(close_to(r.gbih, want.gbih, 1e-3) && close_to(r.gbhh, want.gbhh, 1e-3),
                    "%s gru T=%zu: bias gradients", isa_name(isa), d.seq_len);
        } else {
          for (float v : r.gbih) CHECK(v == 0.f);  // null bias gradients are not written
        }
        const Result acc = run(isa, c, true);
        bool ok = true;
        for (size_t i = 0; i < r.gwhh.size(); ++i)
          ok = ok && test::close(acc.gwhh[i], 1.0 + r.gwhh[i], 1e-5, 1e-5);
        for (size_t i = 0; bias && i < r.gbhh.size(); ++i)
          ok = ok && test::close(acc.gbhh[i], 1.0 + r.gbhh[i], 1e-5, 1e-5);
        CHECK_MSG(ok, "%s gru: accumulate", isa_name(isa));
      }
    }
  }
  // The n blocks of the two bias gradients differ (sum dn vs sum r*dn); r and z agree.
  const Case c({4, 2, 3, 5}, 77);
  const Result r = run(Isa::kScalar, c);
  bool n_differs = false;
  for (size_t j = 0; j < 5; ++j) n_differs = n_differs || r.gbih[10 + j] != r.gbhh[10 + j];
  CHECK(n_differs);
  for (size_t j = 0; j < 10; ++j) CHECK(test::close(r.gbih[j], r.gbhh[j], 1e-6, 1e-7));
}

void test_empty_batch() {
  const Case c({3, 0, 2, 4}, 5);
  const Result r = run(Isa::kScalar, c);
  for (float v : r.gwhh) CHECK(v == 0.f);
  for (float v : r.gbhh) CHECK(v == 0.f);
}

bool same_result(const Result& a, const Result& b) {
  return bits_equal(a.out, b.out) && bits_equal(a.hn, b.hn) && bits_equal(a.ws, b.ws) &&
         bits_equal(a.gx, b.gx) && bits_equal(a.gh0, b.gh0) && bits_equal(a.gwih, b.gwih) &&
         bits_equal(a.gwhh, b.gwhh) && bits_equal(a.gbih, b.gbih) && bits_equal(a.gbhh, b.gbhh);
}

void test_thread_determinism() {
  const int saved = num_threads();
  // The third: a batch of 13 rows, fewer than one AVX-512 micro-tile.
  const Case cases[] = {Case({5, 64, 20, 90}, 800), Case({3, 61, 9, 129}, 810),
                        Case({4, 13, 7, 66}, 820)};
  for (Isa isa : test::isas()) {
    for (const Case& c : cases) {
      for (float clip : {0.f, 0.1f}) {
        set_num_threads(1);
        const Result one = run(isa, c, false, clip);
        for (int threads : {2, 3}) {
          set_num_threads(threads);
          CHECK_MSG(same_result(run(isa, c, false, clip), one),
                    "%s gru clip %g: threads=%d differs from threads=1", isa_name(isa),
                    double(clip), threads);
        }
      }
    }
  }
  set_num_threads(saved);
}

// Clipping far above every norm changes no bit; an active threshold changes the result.
void test_clip() {
  const Case c({6, 3, 5, 7}, 900);
  for (Isa isa : test::isas()) {
    const Result plain = run(isa, c);
    CHECK_MSG(same_result(run(isa, c, false, 1e30f), plain), "%s gru: huge clip", isa_name(isa));
    const Result clipped = run(isa, c, false, 0.05f);
    CHECK_MSG(!bits_equal(clipped.gwhh, plain.gwhh), "%s gru: clip inactive", isa_name(isa));
  }
}

}  // namespace

int main() {
  test_step_kernels();
  test_step_reference();
  test_against_reference();
  test_empty_batch();
  test_thread_determinism();
  test_clip();
  return test::finish("gru_test");
}
