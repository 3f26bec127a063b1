// Optimiser kernels on every ISA this machine has against the scalar reference (within a few ulps
// of the operands: SIMD code may contract multiply-adds into FMAs), hand-computed values, NaN
// propagation, size checks, and the multi-tensor driver's bit-identical results at 1, 2, 7 threads.
#include "kernels/optim/optim.h"

#include <cmath>
#include <limits>
#include <vector>

#include "core/thread_pool.h"
#include "kernels/optim/multi_tensor_optim.h"
#include "test_util.h"

using namespace gradguard;
using namespace gradguard::kernels;
using gradguard::test::close;

namespace {

bool all_close(const std::vector<float>& a, const std::vector<float>& e, double rtol, double atol) {
  if (a.size() != e.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (!close(a[i], e[i], rtol, atol)) {
      std::fprintf(stderr, "  [%zu] got %.9g expected %.9g\n", i, a[i], e[i]);
      return false;
    }
  }
  return true;
}

std::vector<SgdConsts> sgd_configs() {
  std::vector<SgdConsts> out;
  for (int cfg = 0; cfg < 6; ++cfg) {
    SgdConsts c;
    c.lr = 0.05f;
    c.grad_scale = cfg == 5 ? 0.37f : 1.f;
    c.momentum = cfg >= 1 ? 0.9f : 0.f;
    c.one_minus_dampening = cfg == 2 ? 0.75f : 1.f;
    c.nesterov = cfg == 3;
    c.weight_decay = cfg >= 4 ? 0.01f : 0.f;
    c.maximize = cfg == 4;
    out.push_back(c);
  }
  return out;
}

std::vector<AdamConsts> adam_configs(double step) {
  std::vector<AdamConsts> out;
  for (int cfg = 0; cfg < 5; ++cfg) {
    const double wd = cfg == 1 || cfg == 2 ? 0.01 : 0.0;
    out.push_back(adam_consts(1e-3, 0.9, cfg == 3 ? 0.95 : 0.999, 1e-8, wd, cfg == 2, cfg == 3,
                              cfg == 4, step, cfg == 4 ? 0.5 : 1.0));
  }
  return out;
}

void test_sgd_matches_scalar() {
  const OptimKernels& ref = optim_kernels(Isa::kScalar);
  for (Isa isa : test::isas()) {
    const OptimKernels& k = optim_kernels(isa);
    for (size_t n : test::edge_sizes()) {
      for (SgdConsts c : sgd_configs()) {
        std::vector<float> p = test::random_floats(n, 1 + static_cast<uint32_t>(n), -2.f, 2.f);
        std::vector<float> b = test::random_floats(n, 2 + static_cast<uint32_t>(n));
        std::vector<float> p2 = p, b2 = b;
        for (int step = 0; step < 3; ++step) {
          c.first_step = step == 0;
          const std::vector<float> g = test::random_floats(n, 3 + step + static_cast<uint32_t>(n));
          k.sgd(p.data(), g.data(), b.data(), n, c);
          ref.sgd(p2.data(), g.data(), b2.data(), n, c);
        }
        CHECK_MSG(all_close(p, p2, 1e-6, 1e-6) && all_close(b, b2, 1e-6, 1e-6), "%s sgd n=%zu",
                  isa_name(isa), n);
      }
    }
  }
}

void test_adam_matches_scalar() {
  const OptimKernels& ref = optim_kernels(Isa::kScalar);
  for (Isa isa : test::isas()) {
    const OptimKernels& k = optim_kernels(isa);
    for (size_t n : test::edge_sizes()) {
      for (int cfg = 0; cfg < 5; ++cfg) {
        std::vector<float> p = test::random_floats(n, 11 + static_cast<uint32_t>(n), -2.f, 2.f);
        std::vector<float> m(n, 0.f), v(n, 0.f), vm(n, 0.f);
        std::vector<float> p2 = p, m2 = m, v2 = v, vm2 = vm;
        for (int step = 1; step <= 3; ++step) {
          const AdamConsts c = adam_configs(step)[cfg];
          const std::vector<float> g = test::random_floats(n, 17 + step + static_cast<uint32_t>(n));
          k.adam(p.data(), g.data(), m.data(), v.data(), vm.data(), n, c);
          ref.adam(p2.data(), g.data(), m2.data(), v2.data(), vm2.data(), n, c);
        }
        CHECK_MSG(all_close(p, p2, 1e-6, 1e-6) && all_close(m, m2, 1e-6, 1e-7) &&
                      all_close(v, v2, 1e-6, 1e-9) && all_close(vm, vm2, 1e-6, 1e-9),
                  "%s adam cfg=%d n=%zu", isa_name(isa), cfg, n);
      }
    }
  }
}

void test_exact_values() {
  for (Isa isa : test::isas()) {
    const OptimKernels& k = optim_kernels(isa);
    // SGD momentum 0.5, first step: buf = g, p -= lr*g; second: buf = 0.5*buf + g.
    std::vector<float> p = {1.f, -1.f}, g = {2.f, 4.f}, b = {0.f, 0.f};
    SgdConsts c;
    c.lr = 0.5f;
    c.momentum = 0.5f;
    c.first_step = true;
    k.sgd(p.data(), g.data(), b.data(), 2, c);
    CHECK(p[0] == 0.f && p[1] == -3.f && b[0] == 2.f && b[1] == 4.f);
    c.first_step = false;
    k.sgd(p.data(), g.data(), b.data(), 2, c);
    CHECK(b[0] == 3.f && b[1] == 6.f && p[0] == -1.5f && p[1] == -6.f);
    // Adam step 1 moves every element by ~lr * sign(g).
    std::vector<float> q = {0.f, 0.f, 0.f}, h = {3.f, -0.5f, 1e-3f}, m(3, 0.f), v(3, 0.f);
    const AdamConsts a = adam_consts(0.1, 0.9, 0.999, 1e-8, 0, false, false, false, 1, 1);
    k.adam(q.data(), h.data(), m.data(), v.data(), nullptr, 3, a);
    CHECK(close(q[0], -0.1, 1e-5, 0) && close(q[1], 0.1, 1e-5, 0) && close(q[2], -0.1, 1e-4, 0));
  }
}

void test_nan_propagation() {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  for (Isa isa : test::isas()) {
    const OptimKernels& k = optim_kernels(isa);
    for (size_t n : {size_t{4}, size_t{17}}) {
      std::vector<float> p(n, 1.f), g(n, 0.5f), m(n, 0.f), v(n, 0.f), vm(n, 0.f);
      vm[1] = nan;  // an old NaN in the running max must survive (torch.maximum)
      g[2] = nan;   // a new NaN gradient poisons m, v, vmax and p
      const AdamConsts a = adam_consts(0.1, 0.9, 0.999, 1e-8, 0, false, true, false, 1, 1);
      k.adam(p.data(), g.data(), m.data(), v.data(), vm.data(), n, a);
      CHECK_MSG(std::isnan(vm[1]) && std::isnan(p[1]), "%s old NaN n=%zu", isa_name(isa), n);
      CHECK_MSG(std::isnan(vm[2]) && std::isnan(p[2]) && std::isnan(m[2]), "%s new NaN n=%zu",
                isa_name(isa), n);
      CHECK_MSG(std::isfinite(p[0]) && std::isfinite(p[n - 1]), "%s finite n=%zu", isa_name(isa),
                n);
    }
  }
}

void test_multi_tensor() {
  // Sizes mismatch -> kInvalidArgument and nothing written.
  {
    std::vector<float> p = {1, 2, 3}, g = {1, 1}, b = {0, 0, 0};
    Span ps[] = {{p.data(), 3}}, gs[] = {{g.data(), 2}}, bs[] = {{b.data(), 3}};
    SgdConsts c;
    c.lr = 1.f;
    CHECK(multi_tensor_sgd(Isa::kScalar, ps, gs, bs, 1, c) == Status::kInvalidArgument);
    CHECK(p[0] == 1.f && p[2] == 3.f);
    c.momentum = 0.9f;
    Span gs3[] = {{b.data(), 3}};
    CHECK(multi_tensor_sgd(Isa::kScalar, ps, gs3, nullptr, 1, c) == Status::kInvalidArgument);
  }
  // Bit-identical across thread counts, many tensors of awkward sizes.
  const std::vector<size_t> sizes = {0, 1, 7, 16385, 100000, 33, 200003};
  const int saved = num_threads();
  for (Isa isa : test::isas()) {
    std::vector<std::vector<float>> ref;
    for (int threads : {1, 2, 7}) {
      set_num_threads(threads);
      std::vector<std::vector<float>> p, g, m, v, vm;
      std::vector<Span> ps, gs, ms, vs, vms;
      for (size_t t = 0; t < sizes.size(); ++t) {
        p.push_back(test::random_floats(sizes[t], 100 + static_cast<uint32_t>(t)));
        g.push_back(test::random_floats(sizes[t], 200 + static_cast<uint32_t>(t)));
        m.emplace_back(sizes[t], 0.f);
        v.emplace_back(sizes[t], 0.f);
        vm.emplace_back(sizes[t], 0.f);
      }
      for (size_t t = 0; t < sizes.size(); ++t) {
        ps.push_back({p[t].data(), sizes[t]});
        gs.push_back({g[t].data(), sizes[t]});
        ms.push_back({m[t].data(), sizes[t]});
        vs.push_back({v[t].data(), sizes[t]});
        vms.push_back({vm[t].data(), sizes[t]});
      }
      for (int step = 1; step <= 2; ++step) {
        const AdamConsts a = adam_consts(1e-2, 0.9, 0.999, 1e-8, 0.1, true, true, false, step, 0.7);
        CHECK(multi_tensor_adam(isa, ps.data(), gs.data(), ms.data(), vs.data(), vms.data(),
                                ps.size(), a) == Status::kOk);
      }
      // The same as one call of the kernel per tensor.
      if (ref.empty()) {
        ref = p;
      } else {
        bool same = true;
        for (size_t t = 0; t < sizes.size(); ++t) {
          // An empty tensor's data() may be null, and memcmp on null is undefined even for 0 bytes.
          same = same && (sizes[t] == 0 ||
                          std::memcmp(ref[t].data(), p[t].data(), sizes[t] * sizeof(float)) == 0);
        }
        CHECK_MSG(same, "%s threads=%d", isa_name(isa), threads);
      }
    }
  }
  set_num_threads(saved);
}

}  // namespace

int main() {
  test_sgd_matches_scalar();
  test_adam_matches_scalar();
  test_exact_values();
  test_nan_propagation();
  test_multi_tensor();
  return test::finish("optim_test");
}
