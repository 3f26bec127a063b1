// The clip's static two-pass path (multi_tensor_clip_by_norm on parallel_parts, the scaling pass in
// reverse chunk order): the same total and the same bits as a separate norm pass plus a scale pass,
// for 1, 2, 3 and 8 threads on every ISA; odd sizes, empty tensors, one element, many tiny tensors,
// lists below and above the parallel threshold, NaN and Inf. And the part cut of the chunk plan.
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "core/thread_pool.h"
#include "kernels/chunk_plan.h"
#include "kernels/norm/multi_tensor.h"
#include "test_util.h"

using namespace gradguard;
using namespace gradguard::kernels;

namespace {

using Tensors = std::vector<std::vector<float>>;

std::vector<Span> spans_of(Tensors& ts) {
  std::vector<Span> s;
  for (auto& t : ts) s.push_back(Span{t.data(), t.size()});
  return s;
}

bool same_bits(const Tensors& a, const Tensors& b) {
  for (size_t t = 0; t < a.size(); ++t) {
    if (a[t].size() != b[t].size()) return false;
    if (!a[t].empty() && std::memcmp(a[t].data(), b[t].data(), a[t].size() * 4) != 0) return false;
  }
  return true;
}

Tensors make(const std::vector<size_t>& sizes, uint32_t seed) {
  Tensors ts;
  for (size_t n : sizes) ts.push_back(test::random_floats(n, seed++, -3.f, 3.f));
  return ts;
}

// Lists that exercise the part cut: one element, odd sizes around a chunk with empty tensors in
// between, one tensor bigger than everything else (a part boundary falls inside it), many tiny
// tensors (each one a chunk), and a list just under the parallel threshold (inline path).
std::vector<std::vector<size_t>> lists() {
  std::vector<size_t> tiny;
  for (size_t i = 0; i < 1500; ++i) tiny.push_back(65 + (i * 7919) % 960);
  return {
      {1},     {0, 16383, 0, 16385, 1, 7, 0}, {3, 250001, 17, 40000, 16384, 5}, tiny,
      {65535}, {70001, 0, 33, 200000, 9},
  };
}

void test_clip_matches_separate_passes() {
  const double inf = std::numeric_limits<double>::infinity();
  for (Isa isa : test::isas()) {
    for (const auto& sizes : lists()) {
      for (double p : {2.0, 1.0, 3.0, inf}) {
        // The reference: multi_tensor_norm (dynamic blocks) then multi_tensor_scale, one thread.
        set_num_threads(1);
        Tensors expect = make(sizes, 7);
        std::vector<Span> es = spans_of(expect);
        std::vector<double> expect_per(sizes.size());
        const double norm = multi_tensor_norm(isa, es.data(), es.size(), p, expect_per.data());
        const double max_norm = norm / 5;
        multi_tensor_scale(isa, es.data(), es.size(),
                           static_cast<float>(clip_coefficient(max_norm, norm)));
        for (int threads : {1, 2, 3, 8}) {
          set_num_threads(threads);
          Tensors got = make(sizes, 7);
          std::vector<Span> gs = spans_of(got);
          std::vector<double> per(sizes.size(), -1.0);
          double total = -1;
          CHECK(multi_tensor_clip_by_norm(isa, gs.data(), gs.size(), max_norm, p, true, &total,
                                          per.data()) == Status::kOk);
          CHECK_MSG(std::memcmp(&total, &norm, sizeof(double)) == 0 && per == expect_per &&
                        same_bits(got, expect),
                    "%s p=%g threads=%d list of %zu: %.17g vs %.17g", isa_name(isa), p, threads,
                    sizes.size(), total, norm);
          // Not clipping: one read pass, nothing written, the same total.
          Tensors kept = make(sizes, 7);
          const Tensors original = kept;
          std::vector<Span> ks = spans_of(kept);
          CHECK(multi_tensor_clip_by_norm(isa, ks.data(), ks.size(), norm * 2 + 1, p, false, &total,
                                          nullptr) == Status::kOk);
          CHECK(std::memcmp(&total, &norm, sizeof(double)) == 0 && same_bits(kept, original));
        }
      }
    }
  }
  set_num_threads(usable_cores());
}

// NaN and Inf at a part boundary and deep inside a part: the same outcome for every thread count.
void test_nonfinite_any_threads() {
  const std::vector<size_t> sizes = {3, 250001, 17, 40000, 16384, 5};
  for (Isa isa : test::isas()) {
    for (float bad :
         {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
          -std::numeric_limits<float>::infinity()}) {
      Tensors first;
      for (int threads : {1, 2, 3, 8}) {
        set_num_threads(threads);
        Tensors ts = make(sizes, 3);
        ts[1][155000] = bad;
        ts[4][16383] = bad;
        const Tensors original = ts;
        std::vector<Span> s = spans_of(ts);
        double total = 0;
        CHECK(multi_tensor_clip_by_norm(isa, s.data(), s.size(), 1.0, 2.0, true, &total, nullptr) ==
              Status::kNonFinite);
        CHECK(!std::isfinite(total) && same_bits(ts, original));
        CHECK(multi_tensor_clip_by_norm(isa, s.data(), s.size(), 1.0, 2.0, false, &total,
                                        nullptr) == Status::kOk);
        if (std::isnan(bad)) {
          CHECK(std::isnan(total) && std::isnan(ts[0][0]) && std::isnan(ts[5][4]));
        } else {
          // Infinite total: coefficient 0, so finite values become 0 and the infinities NaN.
          CHECK(total == std::numeric_limits<double>::infinity() && ts[0][0] == 0.f &&
                std::isnan(ts[1][155000]) && ts[5][4] == 0.f);
        }
        if (first.empty()) {
          first = ts;
        } else {
          CHECK_MSG(same_bits(ts, first), "%s threads=%d", isa_name(isa), threads);
        }
      }
    }
    // No tensors, and only empty ones: a zero norm and nothing to do at any thread count.
    for (int threads : {1, 8}) {
      set_num_threads(threads);
      double total = -1;
      CHECK(multi_tensor_clip_by_norm(isa, nullptr, 0, 1.0, 2.0, true, &total, nullptr) ==
                Status::kOk &&
            total == 0.0);
      Tensors empty = {{}, {}};
      std::vector<Span> s = spans_of(empty);
      total = -1;
      CHECK(multi_tensor_clip_by_norm(isa, s.data(), s.size(), 0.0, 2.0, true, &total, nullptr) ==
                Status::kOk &&
            total == 0.0);
    }
  }
  set_num_threads(usable_cores());
}

// part_range: every chunk in exactly one part, parts contiguous and in order, each part within a
// chunk of its share of the elements.
void test_part_cut() {
  for (const auto& sizes : lists()) {
    Tensors ts = make(sizes, 1);
    std::vector<Span> s = spans_of(ts);
    ChunkPlan plan;
    plan.build(s.data(), s.size());
    for (size_t parts = 1; parts <= 9; ++parts) {
      size_t expect_lo = 0;
      for (size_t part = 0; part < parts; ++part) {
        size_t lo = 0, hi = 0;
        plan.part_range(part, parts, &lo, &hi);
        CHECK_MSG(lo == expect_lo && lo <= hi && hi <= plan.chunks.size(),
                  "parts=%zu part=%zu [%zu, %zu)", parts, part, lo, hi);
        size_t elems = 0;
        for (size_t c = lo; c < hi; ++c) elems += plan.chunks[c].size;
        const double share = static_cast<double>(plan.elements) / static_cast<double>(parts);
        CHECK_MSG(std::fabs(static_cast<double>(elems) - share) <= static_cast<double>(kChunk),
                  "parts=%zu part=%zu: %zu elements, share %.1f", parts, part, elems, share);
        expect_lo = hi;
      }
      CHECK(expect_lo == plan.chunks.size());
    }
  }
  ChunkPlan empty;
  empty.build(nullptr, 0);
  size_t lo = 1, hi = 1;
  empty.part_range(0, 2, &lo, &hi);
  CHECK(lo == 0 && hi == 0);
  empty.part_range(1, 2, &lo, &hi);
  CHECK(lo == 0 && hi == 0);
}

}  // namespace

int main() {
  test_part_cut();
  test_clip_matches_separate_passes();
  test_nonfinite_any_threads();
  return test::finish("norm_clip_parts_test");
}
