// Fused attention kernels on every ISA against the float64 row-at-a-time reference: shapes at and
// around the block sizes (32 or 64 query rows, 128 keys) and SIMD widths, causal, additive masks
// with -inf, causal + mask, explicit scales, peaked scores, lk = 1, lk = 0, lq = 0, a fully masked
// row (the PyTorch NaN rule), NaN inputs, null gradients; 1/2/many threads bit-identical; the
// strided (packed self-attention) layout bit-identical to the contiguous one.
#include "kernels/attention/attention.h"

#include <cmath>
#include <vector>

#include "core/thread_pool.h"
#include "test_util.h"

using namespace gradguard;
using namespace gradguard::kernels;

namespace {

struct Case {
  AttentionShape s;
  std::vector<float> q, k, v, go, mask;
};

Case make(size_t b, size_t h, size_t lq, size_t lk, size_t d, size_t dv, bool causal,
          bool with_mask, float scale, uint32_t seed, float q_gain = 1.f) {
  Case c;
  c.q = test::random_floats(b * h * lq * d, seed, -q_gain, q_gain);
  c.k = test::random_floats(b * h * lk * d, seed + 1);
  c.v = test::random_floats(b * h * lk * dv, seed + 2);
  c.go = test::random_floats(b * h * lq * dv, seed + 3);
  if (with_mask) {
    c.mask = test::random_floats(lq * lk, seed + 4, -2.f, 2.f);
    for (size_t i = 0; i < c.mask.size(); i += 3) c.mask[i] = -INFINITY;
    for (size_t i = 0; i < lq && lk > 0; ++i) c.mask[i * lk + i % lk] = 0.f;  // no row fully masked
  }
  c.s = AttentionShape{b, h, lq, lk, d, dv, causal, with_mask ? c.mask.data() : nullptr, scale};
  return c;
}

struct Result {
  std::vector<float> out, lse, gq, gk, gv;
};

Result run(Isa isa, const Case& c) {
  const AttentionShape& s = c.s;
  Result r{std::vector<float>(s.batch * s.heads * s.lq * s.dv, -7.f),
           std::vector<float>(s.batch * s.heads * s.lq, -7.f), std::vector<float>(c.q.size(), -7.f),
           std::vector<float>(c.k.size(), -7.f), std::vector<float>(c.v.size(), -7.f)};
  CHECK(attention_forward_f32(isa, s, c.q.data(), c.k.data(), c.v.data(), r.out.data(),
                              r.lse.data()) == Status::kOk);
  CHECK(attention_backward_f32(isa, s, c.q.data(), c.k.data(), c.v.data(), r.out.data(),
                               r.lse.data(), c.go.data(), r.gq.data(), r.gk.data(),
                               r.gv.data()) == Status::kOk);
  return r;
}

Result reference(const Case& c) {
  const AttentionShape& s = c.s;
  Result r{std::vector<float>(s.batch * s.heads * s.lq * s.dv),
           std::vector<float>(s.batch * s.heads * s.lq), std::vector<float>(c.q.size()),
           std::vector<float>(c.k.size()), std::vector<float>(c.v.size())};
  scalar::attention_forward_ref__scalar(s, c.q.data(), c.k.data(), c.v.data(), r.out.data(),
                                        r.lse.data());
  scalar::attention_backward_ref__scalar(s, c.q.data(), c.k.data(), c.v.data(), r.out.data(),
                                         r.lse.data(), c.go.data(), r.gq.data(), r.gk.data(),
                                         r.gv.data());
  return r;
}

// Within float32 rounding of sums of up to lk terms: relative 1e-4 of the array's scale.
bool near_all(const std::vector<float>& a, const std::vector<float>& e, const char* what,
              const char* isa, size_t tag) {
  double scale = 1e-3;
  for (float x : e) scale = std::isfinite(x) && std::fabs(x) > scale ? std::fabs(x) : scale;
  for (size_t i = 0; i < e.size(); ++i) {
    if (!test::close(a[i], e[i], 1e-4, 2e-5 * scale)) {
      std::fprintf(stderr, "%s case %zu %s[%zu]: %g vs reference %g\n", isa, tag, what, i, a[i],
                   e[i]);
      return false;
    }
  }
  return true;
}

void compare(Isa isa, const Case& c, size_t tag) {
  const Result r = run(isa, c), e = reference(c);
  const char* n = isa_name(isa);
  CHECK(near_all(r.out, e.out, "out", n, tag));
  CHECK(near_all(r.lse, e.lse, "lse", n, tag));
  CHECK(near_all(r.gq, e.gq, "gradQ", n, tag));
  CHECK(near_all(r.gk, e.gk, "gradK", n, tag));
  CHECK(near_all(r.gv, e.gv, "gradV", n, tag));
}

void test_shapes(Isa isa) {
  struct S {
    size_t b, h, lq, lk, d, dv;
    bool causal, mask;
    float scale;
  };
  const S shapes[] = {
      {1, 1, 1, 1, 1, 1, false, false, 1.f},        {2, 3, 5, 5, 4, 4, false, false, 0.5f},
      {1, 2, 3, 7, 8, 5, false, false, 0.35f},      {1, 1, 63, 127, 16, 15, false, false, 0.25f},
      {1, 1, 64, 128, 17, 33, false, true, 0.25f},  {1, 1, 65, 129, 64, 64, false, false, 0.125f},
      {2, 2, 130, 130, 32, 32, true, false, 0.18f}, {1, 1, 200, 200, 8, 8, true, true, 0.35f},
      {1, 3, 17, 300, 5, 3, false, true, -0.7f},    {1, 1, 129, 129, 1, 1, true, false, 1.f},
      {1, 2, 257, 257, 8, 8, true, true, 0.3f},  // causal past 256 keys: 64-row blocks
  };
  size_t tag = 0;
  for (const S& s : shapes) {
    compare(isa, make(s.b, s.h, s.lq, s.lk, s.d, s.dv, s.causal, s.mask, s.scale, 10 + tag), tag);
    ++tag;
  }
  // peaked scores
  compare(isa, make(1, 2, 40, 50, 16, 8, false, false, 0.25f, 90, 8.f), 100);
}

void test_edges(Isa isa) {
  // lk = 1: out = v (broadcast), gradQ = gradK = 0 up to rounding
  {
    Case c = make(2, 1, 5, 1, 4, 3, false, false, 0.5f, 200);
    const Result r = run(isa, c);
    for (size_t bh = 0; bh < 2; ++bh) {
      for (size_t i = 0; i < 5; ++i) {
        for (size_t j = 0; j < 3; ++j) CHECK(r.out[(bh * 5 + i) * 3 + j] == c.v[bh * 3 + j]);
      }
    }
    for (float x : r.gq) CHECK(std::fabs(x) < 1e-6);
  }
  // lk = 0: out 0, lse -inf, gradQ 0; lq = 0: gradK, gradV 0
  {
    Case c = make(1, 2, 3, 0, 4, 2, false, false, 0.5f, 210);
    const Result r = run(isa, c);
    for (float x : r.out) CHECK(x == 0.f);
    for (float x : r.lse) CHECK(x == -INFINITY);
    for (float x : r.gq) CHECK(x == 0.f);
    Case e = make(1, 1, 0, 3, 2, 2, false, false, 0.5f, 220);
    const Result z = run(isa, e);
    for (float x : z.gk) CHECK(x == 0.f);
    for (float x : z.gv) CHECK(x == 0.f);
  }
  // a fully masked row (with causal too, so block skipping is exercised): NaN in that row of out,
  // lse and gradQ; NaN in every gradK/gradV entry of every (batch, head); other rows normal
  for (bool causal : {false, true}) {
    const size_t L = 150;
    Case c = make(2, 1, L, L, 4, 3, causal, true, 0.5f, 230);
    for (size_t j = 0; j < L; ++j) c.mask[7 * L + j] = -INFINITY;
    const Result r = run(isa, c), e = reference(c);
    for (size_t bh = 0; bh < 2; ++bh) {
      for (size_t i = 0; i < L; ++i) {
        const bool nan = i == 7;
        CHECK(std::isnan(r.lse[bh * L + i]) == nan);
        CHECK(std::isnan(r.out[(bh * L + i) * 3]) == nan);
        CHECK(std::isnan(r.gq[(bh * L + i) * 4 + 3]) == nan);
      }
    }
    for (float x : r.gk) CHECK(std::isnan(x));
    for (float x : r.gv) CHECK(std::isnan(x));
    CHECK(near_all(r.out, e.out, "out(masked row)", isa_name(isa), 300 + causal));
    CHECK(near_all(r.gq, e.gq, "gradQ(masked row)", isa_name(isa), 300 + causal));
  }
  // a NaN in k: every score against that key is NaN, so every output row of its head is NaN
  {
    Case c = make(1, 2, 9, 11, 4, 4, false, false, 0.5f, 240);
    c.k[3 * 4 + 1] = NAN;  // head 0, key 3
    const Result r = run(isa, c);
    for (size_t i = 0; i < 9 * 4; ++i) CHECK(std::isnan(r.out[i]));
    for (size_t i = 9 * 4; i < 18 * 4; ++i) CHECK(!std::isnan(r.out[i]));
  }
  // null gradients are skipped; the others unchanged
  {
    Case c = make(1, 2, 70, 130, 8, 8, false, true, 0.3f, 250);
    const Result full = run(isa, c);
    std::vector<float> gk(c.k.size(), -1.f);
    CHECK(attention_backward_f32(isa, c.s, c.q.data(), c.k.data(), c.v.data(), full.out.data(),
                                 full.lse.data(), c.go.data(), nullptr, gk.data(),
                                 nullptr) == Status::kOk);
    bool same = true;
    for (size_t i = 0; i < gk.size(); ++i) same = same && test::bits_equal(gk[i], full.gk[i]);
    CHECK(same);
  }
}

void test_threads(Isa isa) {
  const int saved = num_threads();
  Case c = make(3, 3, 97, 97, 16, 16, true, true, 0.25f, 400);
  set_num_threads(1);
  const Result one = run(isa, c);
  for (int t : {2, 3, 8}) {
    set_num_threads(t);
    const Result many = run(isa, c);
    bool same = true;
    const std::vector<float>* a[] = {&one.out, &one.lse, &one.gq, &one.gk, &one.gv};
    const std::vector<float>* b[] = {&many.out, &many.lse, &many.gq, &many.gk, &many.gv};
    for (int k = 0; k < 5; ++k) {
      for (size_t i = 0; i < a[k]->size(); ++i)
        same = same && test::bits_equal((*a[k])[i], (*b[k])[i]);
    }
    CHECK_MSG(same, "%s threads=%d differs from 1", isa_name(isa), t);
  }
  set_num_threads(saved);
}

// The packed self-attention layout ([L, b, 3·h·d] rows in, [L, b, h·d] rows out) through the
// strided entries: the same bits as the contiguous kernel on the heads copied out.
void test_strided(Isa isa) {
  const size_t L = 131, B = 2, H = 3, D = 16, E = H * D;
  for (bool causal : {false, true}) {
    Case c = make(B, H, L, L, D, D, causal, true, 0.25f, 500 + causal);
    const Result e = run(isa, c);
    // rows (l, b): q | k | v, head h at h·D; qkv[(l·B + b)·3E + part·E + h·D + j]
    std::vector<float> qkv(L * B * 3 * E), go(L * B * E);
    const auto at = [&](size_t b, size_t h, size_t l, size_t j) {
      return ((b * H + h) * L + l) * D + j;
    };
    for (size_t l = 0; l < L; ++l)
      for (size_t b = 0; b < B; ++b)
        for (size_t h = 0; h < H; ++h)
          for (size_t j = 0; j < D; ++j) {
            const size_t r = (l * B + b) * 3 * E + h * D + j;
            qkv[r] = c.q[at(b, h, l, j)];
            qkv[r + E] = c.k[at(b, h, l, j)];
            qkv[r + 2 * E] = c.v[at(b, h, l, j)];
            go[(l * B + b) * E + h * D + j] = c.go[at(b, h, l, j)];
          }
    const AttentionStrides in{3 * E, D, B * 3 * E}, o{E, D, B * E};
    const AttentionLayout lay{in, in, in, o};
    std::vector<float> out(L * B * E, -7.f), lse(B * H * L, -7.f), g(qkv.size(), -7.f);
    CHECK(attention_forward_strided_f32(isa, c.s, lay, qkv.data(), qkv.data() + E,
                                        qkv.data() + 2 * E, out.data(), lse.data()) == Status::kOk);
    CHECK(attention_backward_strided_f32(isa, c.s, lay, qkv.data(), qkv.data() + E,
                                         qkv.data() + 2 * E, out.data(), lse.data(), go.data(),
                                         g.data(), g.data() + E, g.data() + 2 * E) == Status::kOk);
    bool same = true;
    for (size_t i = 0; i < lse.size(); ++i) same = same && test::bits_equal(lse[i], e.lse[i]);
    for (size_t l = 0; l < L; ++l)
      for (size_t b = 0; b < B; ++b)
        for (size_t h = 0; h < H; ++h)
          for (size_t j = 0; j < D; ++j) {
            const size_t r = (l * B + b) * 3 * E + h * D + j, t = at(b, h, l, j);
            same = same && test::bits_equal(out[(l * B + b) * E + h * D + j], e.out[t]);
            same = same && test::bits_equal(g[r], e.gq[t]) && test::bits_equal(g[r + E], e.gk[t]) &&
                   test::bits_equal(g[r + 2 * E], e.gv[t]);
          }
    CHECK_MSG(same, "%s strided (causal %d) differs from contiguous", isa_name(isa), causal);
  }
}

}  // namespace

int main() {
  for (Isa isa : test::isas()) {
    test_shapes(isa);
    test_edges(isa);
    test_threads(isa);
    test_strided(isa);
  }
  return test::finish("attention_test");
}
