// Adam's denominator on the SIMD kernels, which multiply sqrt(v) by 1 / sqrt(1 - beta2^t) (fused
// with + eps) where the scalar reference divides: the same results within the kernels' tolerance
// for gradients from 0 to overflow (v = Inf, so the step is 0 / NaN exactly as the reference),
// eps = 0 (a 0 / 0 on a zero gradient: NaN in both), steps 1 to 4 and tail lengths.
#include <cmath>
#include <limits>
#include <vector>

#include "kernels/optim/optim.h"
#include "test_util.h"

using namespace gradguard;
using namespace gradguard::kernels;
using gradguard::test::close;

namespace {

void test_denominator_edges() {
  const float inf = std::numeric_limits<float>::infinity();
  const std::vector<float> grads = {0.f,    1e-30f,   -1e-20f, 1e-3f,  -0.5f, 3.f,    1e19f, 1e20f,
                                    -3e38f, inf,      -inf,    2e-45f, 7.f,   -1e-8f, 1e-8f, 0.25f,
                                    -1e10f, 1.5e-38f, 42.f,    -42.f,  1e30f, -1e30f, 0.001f};
  const OptimKernels& ref = optim_kernels(Isa::kScalar);
  for (Isa isa : test::isas()) {
    const OptimKernels& k = optim_kernels(isa);
    for (double eps : {1e-8, 0.0}) {
      for (double beta2 : {0.999, 0.5}) {
        for (size_t n : {grads.size(), size_t{9}, size_t{1}}) {
          std::vector<float> p(n), m(n, 0.f), v(n, 0.f);
          for (size_t i = 0; i < n; ++i) p[i] = 0.1f * static_cast<float>(i) - 1.f;
          std::vector<float> p2 = p, m2 = m, v2 = v;
          for (int step = 1; step <= 4; ++step) {
            const AdamConsts c =
                adam_consts(1e-3, 0.9, beta2, eps, 0, false, false, false, step, 1.0);
            std::vector<float> g(grads.begin(), grads.begin() + static_cast<long>(n));
            k.adam(p.data(), g.data(), m.data(), v.data(), nullptr, n, c);
            ref.adam(p2.data(), g.data(), m2.data(), v2.data(), nullptr, n, c);
            for (size_t i = 0; i < n; ++i) {
              // m and v may be subnormal (g = 1e-20 gives v ~ 1e-41), where an ulp is 1.4e-45
              // and NEON's v (7.50003e-41 vs 7.49989e-41 here, 10 ulps) differs from the
              // reference: the absolute tolerance covers the subnormal range only.
              CHECK_MSG(
                  close(p[i], p2[i], 1e-6, 1e-7) && close(m[i], m2[i], 1e-6, 1e-43) &&
                      close(v[i], v2[i], 1e-6, 1e-43),
                  "%s eps=%g beta2=%g n=%zu step %d [%zu] g=%g: p %.9g vs %.9g, m %.9g vs %.9g, "
                  "v %.9g vs %.9g",
                  isa_name(isa), eps, beta2, n, step, i, static_cast<double>(g[i]),
                  static_cast<double>(p[i]), static_cast<double>(p2[i]), static_cast<double>(m[i]),
                  static_cast<double>(m2[i]), static_cast<double>(v[i]),
                  static_cast<double>(v2[i]));
            }
          }
        }
      }
    }
  }
}

// The constant itself: 1 / sqrt(1 - beta2^t) rounded once, and the reciprocal of bc2_sqrt to
// within an ulp.
void test_constant() {
  for (double step : {1.0, 2.0, 10.0, 1000.0, 1e6}) {
    const AdamConsts c = adam_consts(1e-3, 0.9, 0.999, 1e-8, 0, false, false, false, step, 1.0);
    const double expect = 1.0 / std::sqrt(1.0 - std::pow(0.999, step));
    CHECK(c.inv_bc2_sqrt == static_cast<float>(expect));
    CHECK(close(static_cast<double>(c.inv_bc2_sqrt) * c.bc2_sqrt, 1.0, 2.5e-7, 0));
  }
}

}  // namespace

int main() {
  test_constant();
  test_denominator_edges();
  return test::finish("optim_adam_denom_test");
}
