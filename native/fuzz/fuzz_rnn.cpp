// libFuzzer target: the one-layer RNN (tanh, relu) and LSTM forward and backward over random shapes
// (T, B, I, H from 0, hence empty sequences, batches and layers), optional biases, optional
// upstream gradients, accumulate on/off and per-step hidden-gradient clipping. Every buffer is
// exactly as long as its shape (ASan sees any overrun). Each SIMD ISA must agree with the scalar
// reference (tanh and LSTM: within float32 gate-math round-off; relu only where no pre-activation
// sits at the kink, so: finite wherever the reference is).
#include <cmath>
#include <vector>

#include "fuzz/fuzz_util.h"
#include "kernels/rnn/rnn.h"

using namespace gradguard;
using namespace gradguard::kernels;
using gradguard::fuzz::Buffer;

namespace {

struct Run {
  std::vector<float> out, hn, cn, gx, gh0, gc0, gwih, gwhh, gbih, gbhh;
};

std::vector<float> fill(FuzzedDataProvider& in, size_t n, float scale) {
  std::vector<float> v(n);
  const float base = in.ConsumeFloatingPointInRange<float>(-scale, scale);
  const float step = in.ConsumeFloatingPointInRange<float>(-0.37f, 0.37f);
  // A cheap deterministic pattern from two fuzzed numbers, with a few fuzzed entries on top.
  for (size_t i = 0; i < n; ++i) v[i] = scale * std::sin(base + step * float(i) + 0.1f * float(i % 7));
  for (size_t e = in.ConsumeIntegralInRange<size_t>(0, 6); e > 0 && n > 0; --e) {
    v[in.ConsumeIntegralInRange<size_t>(0, n - 1)] = in.ConsumeFloatingPointInRange<float>(-scale, scale);
  }
  return v;
}

// Copies v into an exact-length buffer (so ASan sees overruns); null when absent.
struct Exact {
  Buffer b;
  explicit Exact(const std::vector<float>& v) : b(v.size(), 0) {
    if (!v.empty()) std::memcpy(b.data, v.data(), v.size() * sizeof(float));
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t len) {
  FuzzedDataProvider in(bytes, len);
  const RecurrentMode mode = static_cast<RecurrentMode>(in.ConsumeIntegralInRange<int>(0, 2));
  auto dim = [&](size_t hi) {
    return in.ConsumeIntegralInRange<int>(0, 9) == 0 ? 0 : in.ConsumeIntegralInRange<size_t>(1, hi);
  };
  const RecurrentDims d{dim(7), dim(5), dim(13), in.ConsumeIntegralInRange<int>(0, 7) == 0 ? size_t{40} : dim(12)};
  const size_t T = d.seq_len, B = d.batch, I = d.input_size, H = d.hidden_size;
  const size_t G = recurrent_gates(mode), GH = G * H;
  const bool lstm = mode == RecurrentMode::kLstm;
  const bool with_bias = in.ConsumeBool(), with_go = in.ConsumeBool(), with_ghn = in.ConsumeBool();
  const bool accumulate = in.ConsumeBool();
  const float clip = in.ConsumeBool() ? in.ConsumeFloatingPointInRange<float>(0.01f, 3.f) : 0.f;

  const std::vector<float> x = fill(in, T * B * I, 1.f), h0 = fill(in, B * H, 0.5f), c0 = fill(in, B * H, 0.5f);
  const std::vector<float> wih = fill(in, GH * I, 0.4f), whh = fill(in, GH * H, 0.4f);
  const std::vector<float> bih = fill(in, GH, 0.2f), bhh = fill(in, GH, 0.2f);
  const std::vector<float> go = fill(in, T * B * H, 1.f), ghn = fill(in, B * H, 1.f), gcn = fill(in, B * H, 1.f);
  const std::vector<float> acc0 = fill(in, GH * (I + H + 2), 0.1f);

  auto run = [&](Isa isa, Run* r) {
    Exact ex(x), eh0(h0), ec0(c0), ewih(wih), ewhh(whh), ebih(bih), ebhh(bhh), ego(go), eghn(ghn), egcn(gcn);
    Buffer out(T * B * H, 0), hn(B * H, 0), cn(lstm ? B * H : 0, 0), ws(recurrent_workspace_size(mode, d), 0);
    Status s = recurrent_forward_f32(isa, mode, d, ex.b.data, eh0.b.data, lstm ? ec0.b.data : nullptr,
                                     ewih.b.data, ewhh.b.data, with_bias ? ebih.b.data : nullptr,
                                     with_bias ? ebhh.b.data : nullptr, out.data, hn.data,
                                     lstm ? cn.data : nullptr, ws.data);
    FUZZ_CHECK(s == Status::kOk, "forward status", isa_name(isa), double(s), 0);
    Buffer gx(T * B * I, 0), gh0(B * H, 0), gc0(lstm ? B * H : 0, 0), gwih(GH * I, 0), gwhh(GH * H, 0),
        gbih(GH, 0), gbhh(GH, 0);
    // accumulate adds to what is there: start every gradient from the same fuzzed values.
    if (GH > 0) {
      const float* a = acc0.data();
      std::memcpy(gwih.data, a, GH * I * sizeof(float));
      std::memcpy(gwhh.data, a + GH * I, GH * H * sizeof(float));
      std::memcpy(gbih.data, a + GH * (I + H), GH * sizeof(float));
      std::memcpy(gbhh.data, a + GH * (I + H + 1), GH * sizeof(float));
    }
    s = recurrent_backward_f32(isa, mode, d, ex.b.data, eh0.b.data, lstm ? ec0.b.data : nullptr, ewih.b.data,
                               ewhh.b.data, ws.data, with_go ? ego.b.data : nullptr,
                               with_ghn ? eghn.b.data : nullptr, lstm ? egcn.b.data : nullptr, gx.data,
                               gh0.data, lstm ? gc0.data : nullptr, gwih.data, gwhh.data,
                               with_bias ? gbih.data : nullptr, with_bias ? gbhh.data : nullptr, accumulate,
                               clip);
    FUZZ_CHECK(s == Status::kOk, "backward status", isa_name(isa), double(s), 0);
    auto v = [](const Buffer& b) { return std::vector<float>(b.data, b.data + b.size); };
    *r = Run{v(out), v(hn), v(cn), v(gx), v(gh0), v(gc0), v(gwih), v(gwhh), v(gbih), v(gbhh)};
  };

  Run ref;
  run(Isa::kScalar, &ref);
  for (Isa isa : fuzz::simd_isas()) {
    Run got;
    run(isa, &got);
    const char* name = isa_name(isa);
    auto cmp = [&](const std::vector<float>& g, const std::vector<float>& w, const char* what) {
      float scale = 1.f;
      for (float e : w) scale = std::fmax(scale, std::fabs(e));
      for (size_t i = 0; i < w.size(); ++i) {
        if (!std::isfinite(w[i])) continue;  // overflow in the reference: nothing to compare
        if (mode == RecurrentMode::kRnnRelu) {
          FUZZ_CHECK(std::isfinite(g[i]), what, name, g[i], w[i]);
        } else {
          FUZZ_CHECK(std::fabs(double(g[i]) - w[i]) <= 2e-3 * scale, what, name, g[i], w[i]);
        }
      }
    };
    cmp(got.out, ref.out, "output");
    cmp(got.hn, ref.hn, "h_n");
    cmp(got.cn, ref.cn, "c_n");
    cmp(got.gx, ref.gx, "grad_x");
    cmp(got.gh0, ref.gh0, "grad_h0");
    cmp(got.gc0, ref.gc0, "grad_c0");
    cmp(got.gwih, ref.gwih, "grad_w_ih");
    cmp(got.gwhh, ref.gwhh, "grad_w_hh");
    if (with_bias) {
      cmp(got.gbih, ref.gbih, "grad_b_ih");
      cmp(got.gbhh, ref.gbhh, "grad_b_hh");
    }
  }
  return 0;
}
