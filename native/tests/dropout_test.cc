// The dropout multiply (kernels/dropout) on every ISA: bit-identical to the scalar reference and to
// x * scale / 0 by definition over edge sizes and group sizes 1, 3, 8, 9, 64; a dropped NaN or Inf
// gives +0; in place; 1, 2 and many threads bit-identical.
#include "kernels/dropout/dropout.h"

#include <cmath>
#include <limits>
#include <vector>

#include "core/thread_pool.h"
#include "test_util.h"

using namespace gradguard;
using namespace gradguard::kernels;

namespace {

std::vector<uint8_t> mask_for(size_t groups, uint32_t seed) {
  std::vector<uint8_t> m(groups);
  uint32_t s = seed;
  for (auto& b : m) {
    s = s * 1664525u + 1013904223u;
    b = (s >> 28) & 1 ? static_cast<uint8_t>((s >> 20) | 1) : 0;  // any nonzero byte keeps
  }
  return m;
}

void test_definition(Isa isa) {
  const float scale = 1.f / 0.7f;
  for (size_t group : {1, 3, 8, 9, 64}) {
    for (size_t n0 : test::edge_sizes()) {
      const size_t n = n0 * group;
      if (n > 300000) continue;
      std::vector<float> x = test::random_floats(n, static_cast<uint32_t>(n + group), -5.f, 5.f);
      if (n > 10) {
        x[1] = NAN;
        x[4] = std::numeric_limits<float>::infinity();
      }
      const std::vector<uint8_t> m = mask_for(n / group, static_cast<uint32_t>(n));
      std::vector<float> y(n, 7.f), in_place = x;
      dropout_apply_f32(isa, x.data(), m.data(), n, group, scale, y.data());
      dropout_apply_f32(isa, in_place.data(), m.data(), n, group, scale, in_place.data());
      bool ok = true;
      for (size_t i = 0; i < n; ++i) {
        const float e = m[i / group] ? x[i] * scale : 0.0f;
        ok = ok && test::bits_equal(y[i], e) && test::bits_equal(in_place[i], e);
      }
      CHECK_MSG(ok, "isa %s n %zu group %zu", isa_name(isa), n, group);
    }
  }
}

void test_threads(Isa isa) {
  const int saved = num_threads();
  const size_t n = 1 << 20;
  const std::vector<float> x = test::random_floats(n, 1);
  const std::vector<uint8_t> m = mask_for(n / 4, 2);
  std::vector<float> one(n), many(n);
  set_num_threads(1);
  dropout_apply_f32(isa, x.data(), m.data(), n, 4, 2.f, one.data());
  for (int t : {2, 3, 8}) {
    set_num_threads(t);
    dropout_apply_f32(isa, x.data(), m.data(), n, 4, 2.f, many.data());
    bool same = true;
    for (size_t i = 0; i < n; ++i) same = same && test::bits_equal(one[i], many[i]);
    CHECK(same);
  }
  set_num_threads(saved);
}

}  // namespace

int main() {
  for (Isa isa : test::isas()) {
    test_definition(isa);
    test_threads(isa);
  }
  return test::finish("dropout_test");
}
