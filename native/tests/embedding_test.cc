// Embedding kernels: the threaded drivers against the single-threaded reference, bit for bit (the
// backward's per-row position order), on edge sizes, repeated indices, a padding row, accumulate,
// NaN/Inf rows; out-of-range indices refused before anything is written; 1/2/many threads
// identical.
#include "kernels/embedding/embedding.h"

#include <cmath>
#include <cstdint>
#include <vector>

#include "core/dispatch.h"
#include "core/thread_pool.h"
#include "test_util.h"

using namespace gradguard;
using namespace gradguard::kernels;

namespace {

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (!test::bits_equal(a[i], b[i])) return false;
  }
  return true;
}

std::vector<int32_t> indices(size_t n, size_t num, uint32_t seed) {
  std::vector<int32_t> idx(n);
  uint32_t s = seed;
  for (size_t p = 0; p < n; ++p) {
    s = s * 1664525u + 1013904223u;
    // skewed: half the positions hit the first few rows (many duplicates)
    idx[p] = static_cast<int32_t>((p % 2 == 0 ? (s >> 8) % 3 : (s >> 8)) % (num == 0 ? 1 : num));
  }
  return idx;
}

void test_matches_reference(Isa isa) {
  for (size_t num : {1, 2, 7, 64, 1000}) {
    for (size_t dim : {1, 3, 8, 17, 256}) {
      for (size_t n : {0, 1, 5, 33, 4097}) {
        const std::vector<int32_t> idx = indices(n, num, static_cast<uint32_t>(num * 31 + dim + n));
        std::vector<float> w = test::random_floats(num * dim, 1);
        w[0] = NAN;
        if (num * dim > 1) w[1] = INFINITY;
        std::vector<float> y(n * dim, -1.f), yr(n * dim, -2.f);
        CHECK(embedding_forward_f32(isa, idx.data(), n, w.data(), num, dim, y.data()) ==
              Status::kOk);
        CHECK(scalar::embedding_forward_ref__scalar(idx.data(), n, w.data(), num, dim, yr.data()) ==
              Status::kOk);
        CHECK_MSG(same_bits(y, yr), "forward num=%zu dim=%zu n=%zu", num, dim, n);
        const std::vector<float> gy = test::random_floats(n * dim, 2, -100.f, 100.f);
        for (long pad : {-1L, 0L, static_cast<long>(num) - 1}) {
          for (bool acc : {false, true}) {
            std::vector<float> g(num * dim, 0.5f), gr(num * dim, 0.5f);
            CHECK(embedding_backward_f32(isa, idx.data(), n, gy.data(), num, dim, pad, acc,
                                         g.data()) == Status::kOk);
            scalar::embedding_backward_ref__scalar(idx.data(), n, gy.data(), num, dim, pad, acc,
                                                   gr.data());
            CHECK_MSG(same_bits(g, gr), "backward num=%zu dim=%zu n=%zu pad=%ld acc=%d", num, dim,
                      n, pad, acc);
            if (pad >= 0) {
              for (size_t j = 0; j < dim; ++j) CHECK(g[pad * dim + j] == (acc ? 0.5f : 0.f));
            }
          }
        }
      }
    }
  }
}

// Tables and outputs of 4 MiB or more take the streaming-store paths: the same bits as the
// reference, -0 included (the forward copies it, the backward's first-hit copy turns it into +0 as
// 0 + -0 does).
void test_streaming_paths(Isa isa) {
  const size_t num = 20000, dim = 67,
               n = 16000;  // 5.4 MB table, 4.3 MB output; odd rows: unaligned
  const std::vector<int32_t> idx = indices(n, num, 77);
  std::vector<float> w = test::random_floats(num * dim, 5);
  std::vector<float> gy = test::random_floats(n * dim, 6);
  for (size_t i = 0; i < w.size(); i += 97) w[i] = -0.0f;
  for (size_t i = 0; i < gy.size(); i += 89) gy[i] = -0.0f;
  gy[5] = NAN;
  std::vector<float> y(n * dim), yr(n * dim);
  embedding_forward_f32(isa, idx.data(), n, w.data(), num, dim, y.data());
  scalar::embedding_forward_ref__scalar(idx.data(), n, w.data(), num, dim, yr.data());
  CHECK(same_bits(y, yr));
  for (long pad : {-1L, 3L}) {
    std::vector<float> g(num * dim, 9.f), gr(num * dim, 9.f);
    embedding_backward_f32(isa, idx.data(), n, gy.data(), num, dim, pad, false, g.data());
    scalar::embedding_backward_ref__scalar(idx.data(), n, gy.data(), num, dim, pad, false,
                                           gr.data());
    CHECK_MSG(same_bits(g, gr), "streaming backward pad=%ld", pad);
  }
}

void test_hand_case(Isa isa) {
  const int32_t idx[] = {2, 0, 2, 1};
  const float w[] = {1, 2, 3, 4, 5, 6};
  float y[8];
  CHECK(embedding_forward_f32(isa, idx, 4, w, 3, 2, y) == Status::kOk);
  const float ey[] = {5, 6, 1, 2, 5, 6, 3, 4};
  for (int i = 0; i < 8; ++i) CHECK(y[i] == ey[i]);
  const float gy[] = {1, 1, 2, 2, 10, 10, 4, 4};
  float gw[6];
  CHECK(embedding_backward_f32(isa, idx, 4, gy, 3, 2, 1, false, gw) == Status::kOk);
  const float egw[] = {2, 2, 0, 0, 11, 11};
  for (int i = 0; i < 6; ++i) CHECK(gw[i] == egw[i]);
}

void test_bad_indices(Isa isa) {
  const float w[] = {1, 2, 3, 4};
  for (int32_t bad : {-1, 2, 1 << 30, INT32_MIN, INT32_MAX}) {
    const int32_t idx[] = {0, 1, bad, 0};
    float y[8];
    for (float& v : y) v = 7.f;
    CHECK(embedding_first_bad_index(idx, 4, 2) == 2);
    CHECK(embedding_forward_f32(isa, idx, 4, w, 2, 2, y) == Status::kInvalidArgument);
    float gw[4] = {7, 7, 7, 7};
    CHECK(embedding_backward_f32(isa, idx, 4, y, 2, 2, -1, false, gw) == Status::kInvalidArgument);
    for (float v : y) CHECK(v == 7.f);
    for (float v : gw) CHECK(v == 7.f);
  }
  // an empty table refuses any index, accepts none
  const int32_t zero[] = {0};
  float y1[1] = {7.f};
  CHECK(embedding_forward_f32(isa, zero, 1, nullptr, 0, 1, y1) == Status::kInvalidArgument);
  CHECK(embedding_forward_f32(isa, zero, 0, nullptr, 0, 1, y1) == Status::kOk);
}

void test_threads(Isa isa) {
  const int saved = num_threads();
  const size_t num = 20000, dim = 64, n = 20000;  // 5 MB table and output: the streaming stores
  const std::vector<int32_t> idx = indices(n, num, 9);
  const std::vector<float> w = test::random_floats(num * dim, 3);
  const std::vector<float> gy = test::random_floats(n * dim, 4, -1e4f, 1e4f);
  auto run = [&] {
    std::vector<float> y(n * dim), g(num * dim);
    embedding_forward_f32(isa, idx.data(), n, w.data(), num, dim, y.data());
    embedding_backward_f32(isa, idx.data(), n, gy.data(), num, dim, 1, false, g.data());
    y.insert(y.end(), g.begin(), g.end());
    return y;
  };
  set_num_threads(1);
  const std::vector<float> one = run();
  for (int t : {2, 3, 8}) {
    set_num_threads(t);
    CHECK_MSG(same_bits(run(), one), "threads=%d differs from 1", t);
  }
  set_num_threads(saved);
}

}  // namespace

// The streaming row store of every ISA against the plain definition, at every alignment of dst
// (prologue, full vectors, tail) and lengths around the vector widths, in its three modes; -0 and
// NaN included (a copy keeps -0, + 0.0f makes it +0).
void test_stream_row(Isa isa) {
  const EmbeddingStreamRowFn put = embedding_stream_row_kernel(isa);
  std::vector<float> src = test::random_floats(200, 8);
  src[3] = -0.0f;
  src[20] = NAN;
  src[41] = -INFINITY;
  alignas(64) float dst[256];
  for (size_t off = 0; off < 16; ++off) {
    for (size_t n : {0, 1, 3, 4, 7, 15, 16, 17, 31, 32, 33, 63, 64, 65, 130}) {
      for (int mode = 0; mode < 3; ++mode) {
        for (float& v : dst) v = 7.f;
        const float* s = mode == 2 ? nullptr : src.data() + off;
        put(dst + off, s, n, mode == 1);
        // no fence: a thread reads its own streaming stores back in program order
        for (size_t j = 0; j < 256; ++j) {
          float want = 7.f;
          if (j >= off && j < off + n) {
            want = mode == 2 ? 0.0f : mode == 1 ? src[j] + 0.0f : src[j];
          }
          CHECK_MSG(test::bits_equal(dst[j], want), "stream row isa=%s off=%zu n=%zu mode=%d j=%zu",
                    isa_name(isa), off, n, mode, j);
        }
      }
    }
  }
}

int main() {
  for (Isa isa : test::isas()) {
    test_stream_row(isa);
    test_hand_case(isa);
    test_matches_reference(isa);
    test_streaming_paths(isa);
    test_bad_indices(isa);
    test_threads(isa);
  }
  return test::finish("embedding_test");
}
