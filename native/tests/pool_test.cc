// Pooling kernels (kernels/pool) on every ISA: the scalar reference against an independent
// long-double/by-definition reference (first maximum on ties, NaN wins, all -Inf windows, the
// avg divisors, uneven adaptive bins), every ISA bit-identical to the scalar reference over output
// widths around the vector widths (1..17, 33, 65), strides 1-3, dilation and padding; 1, 2 and many
// threads bit-identical; the backward scatters; an out-of-range index refused before any write.
#include "kernels/pool/pool.h"

#include <cmath>
#include <limits>
#include <vector>

#include "core/thread_pool.h"
#include "test_util.h"

using namespace gradguard;
using namespace gradguard::kernels;

namespace {

const float kInf = std::numeric_limits<float>::infinity();

size_t out_size(size_t size, size_t k, size_t s, size_t p, size_t d, bool ceil) {
  const long span = static_cast<long>(size + 2 * p) - static_cast<long>(d * (k - 1)) - 1;
  long o = (span + (ceil ? static_cast<long>(s) - 1 : 0)) / static_cast<long>(s) + 1;
  if (ceil && (o - 1) * static_cast<long>(s) >= static_cast<long>(size + p)) --o;
  return static_cast<size_t>(o);
}

PoolGeometry geo(size_t planes, size_t h, size_t w, size_t kh, size_t kw, size_t sh, size_t sw,
                 size_t ph, size_t pw, size_t dh, size_t dw, bool ceil) {
  return {planes,
          h,
          w,
          out_size(h, kh, sh, ph, dh, ceil),
          out_size(w, kw, sw, pw, dw, ceil),
          kh,
          kw,
          sh,
          sw,
          ph,
          pw,
          dh,
          dw};
}

// By definition: collect the window's valid elements in row-major order, pick the first NaN, else
// the first element equal to the maximum.
void reference_max(const std::vector<float>& x, const PoolGeometry& g, std::vector<float>* y,
                   std::vector<int32_t>* idx) {
  y->assign(g.planes * g.oh * g.ow, 0.f);
  idx->assign(y->size(), -2);
  for (size_t p = 0; p < g.planes; ++p) {
    for (size_t i = 0; i < g.oh; ++i) {
      for (size_t j = 0; j < g.ow; ++j) {
        std::vector<std::pair<float, long>> v;
        for (size_t a = 0; a < g.kh; ++a) {
          for (size_t b = 0; b < g.kw; ++b) {
            const long r = static_cast<long>(i * g.sh + a * g.dh) - static_cast<long>(g.ph);
            const long c = static_cast<long>(j * g.sw + b * g.dw) - static_cast<long>(g.pw);
            if (r >= 0 && r < static_cast<long>(g.h) && c >= 0 && c < static_cast<long>(g.w)) {
              v.push_back({x[p * g.h * g.w + r * g.w + c], r * static_cast<long>(g.w) + c});
            }
          }
        }
        float m = -kInf;
        for (auto& e : v)
          m = std::isnan(e.first) || e.first > m ? (std::isnan(m) ? m : e.first) : m;
        long at = -1;
        for (auto& e : v) {
          if (std::isnan(m) ? std::isnan(e.first) : e.first == m) {
            at = e.second;
            break;
          }
        }
        const size_t o = p * g.oh * g.ow + i * g.ow + j;
        (*y)[o] = m;
        (*idx)[o] = static_cast<int32_t>(at);
      }
    }
  }
}

std::vector<float> data(size_t n, uint32_t seed, bool specials) {
  std::vector<float> x = test::random_floats(n, seed, -4.f, 4.f);
  for (float& v : x) v = std::round(v);  // ties everywhere
  if (specials && n > 12) {
    x[2] = NAN;
    x[5] = -kInf;
    x[6] = -kInf;
    x[9] = kInf;
    x[11] = 1e30f;
  }
  return x;
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (!test::bits_equal(a[i], b[i])) return false;
  }
  return true;
}

std::vector<PoolGeometry> geometries() {
  std::vector<PoolGeometry> out;
  for (size_t w : {1, 2, 7, 8, 9, 15, 16, 17, 18, 33, 65, 70}) {
    for (size_t s : {1, 2, 3}) {
      for (size_t k : {1, 2, 3}) {
        for (size_t d : {1, 2}) {
          for (bool ceil : {false, true}) {
            const size_t p = k / 2;
            if (d * (k - 1) + 1 > w + 2 * p || d * (k - 1) + 1 > 5 + 2 * p) continue;
            out.push_back(geo(3, 5, w, k, k, s, s, p, p, d, d, ceil));
          }
        }
      }
    }
  }
  return out;
}

void test_max_reference(Isa isa) {
  for (const PoolGeometry& g : geometries()) {
    const std::vector<float> x =
        data(g.planes * g.h * g.w, static_cast<uint32_t>(g.w * 7 + g.kw), true);
    std::vector<float> ey, y(g.planes * g.oh * g.ow);
    std::vector<int32_t> ei, idx(y.size());
    reference_max(x, g, &ey, &ei);
    CHECK(maxpool2d_forward_f32(isa, x.data(), g, y.data(), idx.data()) == Status::kOk);
    bool ok = same_bits(y, ey) && idx == ei;
    CHECK_MSG(ok, "isa %s w=%zu k=%zu s=%zu d=%zu p=%zu", isa_name(isa), g.w, g.kw, g.sw, g.dw,
              g.pw);
    // Without indices: the same values.
    std::vector<float> y2(y.size());
    maxpool2d_forward_f32(isa, x.data(), g, y2.data(), nullptr);
    CHECK(same_bits(y2, y));
  }
}

void test_max_hand_cases(Isa isa) {
  // 1x4 row, kernel 1x2 stride 1 pad 0 over [-inf, -inf, nan, inf]: -inf at 0; nan at 2; nan at 2.
  const PoolGeometry g = geo(1, 1, 4, 1, 2, 1, 1, 0, 0, 1, 1, false);
  const std::vector<float> x = {-kInf, -kInf, NAN, kInf};
  std::vector<float> y(3);
  std::vector<int32_t> idx(3);
  maxpool2d_forward_f32(isa, x.data(), g, y.data(), idx.data());
  CHECK(y[0] == -kInf && idx[0] == 0);
  CHECK(std::isnan(y[1]) && idx[1] == 2);
  CHECK(std::isnan(y[2]) && idx[2] == 2);
}

void test_max_backward() {
  const PoolGeometry g = geo(2, 4, 5, 3, 3, 1, 1, 1, 1, 1, 1, false);
  const std::vector<float> x = data(2 * 20, 3, false);
  std::vector<float> y(2 * g.oh * g.ow), dy = test::random_floats(y.size(), 4);
  std::vector<int32_t> idx(y.size());
  maxpool2d_forward_f32(Isa::kScalar, x.data(), g, y.data(), idx.data());
  std::vector<float> dx(40, 9.f), e(40, 0.f);
  for (size_t o = 0; o < y.size(); ++o) e[(o / (g.oh * g.ow)) * 20 + idx[o]] += dy[o];
  CHECK(maxpool2d_backward_f32(dy.data(), idx.data(), g, dx.data()) == Status::kOk);
  CHECK(same_bits(dx, e));
  // An index outside its plane: refused, nothing written.
  std::vector<float> untouched(40, 5.f);
  idx[3] = 20;
  CHECK(maxpool2d_backward_f32(dy.data(), idx.data(), g, untouched.data()) ==
        Status::kInvalidArgument);
  idx[3] = -1;
  CHECK(maxpool2d_backward_f32(dy.data(), idx.data(), g, untouched.data()) ==
        Status::kInvalidArgument);
  for (float v : untouched) CHECK(v == 5.f);
}

void test_avg(Isa isa) {
  for (const PoolGeometry& g0 : geometries()) {
    if (g0.dh != 1) continue;
    for (bool include : {true, false}) {
      const PoolGeometry& g = g0;
      const std::vector<float> x = test::random_floats(g.planes * g.h * g.w, 11, -2.f, 2.f);
      std::vector<float> y(g.planes * g.oh * g.ow), ref(y.size());
      avgpool2d_forward_f32(isa, x.data(), g, include, y.data());
      avgpool2d_forward_f32(Isa::kScalar, x.data(), g, include, ref.data());
      CHECK_MSG(same_bits(y, ref), "isa %s avg w=%zu k=%zu s=%zu", isa_name(isa), g.w, g.kw, g.sw);
      for (size_t p = 0; p < g.planes && isa == Isa::kScalar; ++p) {
        for (size_t i = 0; i < g.oh; ++i) {
          for (size_t j = 0; j < g.ow; ++j) {
            const long hs = static_cast<long>(i * g.sh) - static_cast<long>(g.ph);
            const long ws = static_cast<long>(j * g.sw) - static_cast<long>(g.pw);
            long double sum = 0;
            long valid = 0;
            for (long r = hs; r < hs + static_cast<long>(g.kh); ++r) {
              for (long c = ws; c < ws + static_cast<long>(g.kw); ++c) {
                if (r < 0 || c < 0 || r >= static_cast<long>(g.h) || c >= static_cast<long>(g.w))
                  continue;
                sum += x[p * g.h * g.w + r * g.w + c];
                ++valid;
              }
            }
            const long he = std::min(hs + static_cast<long>(g.kh), static_cast<long>(g.h + g.ph));
            const long we = std::min(ws + static_cast<long>(g.kw), static_cast<long>(g.w + g.pw));
            const long div = include ? (he - hs) * (we - ws) : valid;
            CHECK(test::close(y[p * g.oh * g.ow + i * g.ow + j], static_cast<double>(sum / div),
                              1e-6, 1e-7));
          }
        }
      }
    }
  }
}

void test_avg_backward_adjoint() {
  // <dy, A x> == <A^T dy, x> for avg and adaptive pooling.
  for (bool adaptive : {false, true}) {
    PoolGeometry g = geo(2, 7, 9, 3, 3, 2, 2, 1, 1, 1, 1, false);
    if (adaptive) g.oh = 4, g.ow = 2;
    const std::vector<float> x = test::random_floats(2 * 63, 1),
                             dy = test::random_floats(2 * g.oh * g.ow, 2);
    std::vector<float> y(dy.size()), dx(x.size(), 7.f);
    if (adaptive) {
      adaptive_avgpool2d_forward_f32(x.data(), g, y.data());
      adaptive_avgpool2d_backward_f32(dy.data(), g, dx.data());
    } else {
      avgpool2d_forward_f32(Isa::kScalar, x.data(), g, false, y.data());
      avgpool2d_backward_f32(dy.data(), g, false, dx.data());
    }
    double lhs = 0, rhs = 0;
    for (size_t i = 0; i < y.size(); ++i) lhs += static_cast<double>(dy[i]) * y[i];
    for (size_t i = 0; i < x.size(); ++i) rhs += static_cast<double>(dx[i]) * x[i];
    CHECK(test::close(rhs, lhs, 1e-5, 1e-6));
  }
  // Adaptive 3 -> 4 rows (more outputs than inputs): bins [0,1) [0,2) [1,3) [2,3).
  const PoolGeometry g{1, 3, 1, 4, 1, 1, 1, 1, 1, 0, 0, 1, 1};
  const std::vector<float> x = {1.f, 2.f, 4.f};
  std::vector<float> y(4);
  adaptive_avgpool2d_forward_f32(x.data(), g, y.data());
  CHECK(y[0] == 1.f && y[1] == 1.5f && y[2] == 3.f && y[3] == 4.f);
}

void test_threads(Isa isa) {
  const int saved = num_threads();
  const PoolGeometry g = geo(64 * 5, 28, 28, 3, 3, 2, 2, 1, 1, 1, 1, false);
  const std::vector<float> x = data(g.planes * g.h * g.w, 9, true);
  auto run = [&] {
    std::vector<float> y(g.planes * g.oh * g.ow), a(y.size()), dx(x.size());
    std::vector<int32_t> idx(y.size());
    maxpool2d_forward_f32(isa, x.data(), g, y.data(), idx.data());
    maxpool2d_backward_f32(y.data(), idx.data(), g, dx.data());
    avgpool2d_forward_f32(isa, x.data(), g, true, a.data());
    y.insert(y.end(), a.begin(), a.end());
    y.insert(y.end(), dx.begin(), dx.end());
    return y;
  };
  set_num_threads(1);
  const std::vector<float> one = run();
  for (int t : {2, 3, 8}) {
    set_num_threads(t);
    CHECK_MSG(same_bits(run(), one), "isa %s threads %d", isa_name(isa), t);
  }
  set_num_threads(saved);
}

}  // namespace

int main() {
  for (Isa isa : test::isas()) {
    test_max_reference(isa);
    test_max_hand_cases(isa);
    test_avg(isa);
    test_threads(isa);
  }
  test_max_backward();
  test_avg_backward_adjoint();
  return test::finish("pool_test");
}
