// The attention drivers' packs (attention_pack.h): every ISA's transposing pack_rows against the
// layout's definition and bit-identical to the scalar reference, on every panel width a
// micro-kernel has (4, 6, 8, 14, 16, 32) and odd ones, partial last panels, depths around the
// 8-step blocks, a leading dimension past the depth, NaN/Inf/-0 payloads copied as bits, and the
// padding written as zeros over a destination prefilled with garbage; the copying pack_cols against
// its definition on the same widths.
#include "kernels/attention/attention_pack.h"

#include <cmath>
#include <cstring>
#include <vector>

#include "test_util.h"

using namespace gradguard;
using namespace gradguard::kernels;

namespace {

void check_one(Isa isa, size_t rows, size_t depth, size_t w, size_t ld) {
  std::vector<float> src =
      test::random_floats(rows * ld + 1, static_cast<uint32_t>(rows * 131 + depth * 7 + w));
  if (!src.empty()) {
    src[0] = NAN;
    if (src.size() > 3) src[3] = -0.0f;
    if (src.size() > 5) src[5] = INFINITY;
  }
  const size_t panels = (rows + w - 1) / w;
  const size_t size = panels * depth * w;
  std::vector<float> got(size + 8, 1234.5f), ref(size + 8, 1234.5f);
  attention_pack_kernels(isa).pack_rows(src.data(), ld, rows, depth, w, got.data());
  scalar::att_pack_rows__scalar(src.data(), ld, rows, depth, w, ref.data());
  bool same = true, defined = true;
  for (size_t i = 0; i < got.size(); ++i) same = same && test::bits_equal(got[i], ref[i]);
  for (size_t r = 0; r < panels * w; ++r) {
    for (size_t p = 0; p < depth; ++p) {
      const float want = r < rows ? src[r * ld + p] : 0.0f;
      const float have = got[(r / w) * depth * w + p * w + r % w];
      defined = defined && test::bits_equal(have, want);
    }
  }
  for (size_t i = size; i < got.size(); ++i) defined = defined && got[i] == 1234.5f;  // no overrun
  CHECK_MSG(same, "%s pack_rows rows %zu depth %zu w %zu ld %zu differs from scalar", isa_name(isa),
            rows, depth, w, ld);
  CHECK_MSG(defined, "%s pack_rows rows %zu depth %zu w %zu ld %zu: wrong layout", isa_name(isa),
            rows, depth, w, ld);
}

// pack_cols (one inline version for every ISA; the micro-kernel widths take fixed-length loops):
// against the definition, over garbage.
void check_cols(size_t depth, size_t cols, size_t w, size_t ld) {
  std::vector<float> src =
      test::random_floats(depth * ld + 1, static_cast<uint32_t>(depth * 17 + cols * 3 + w));
  const size_t panels = (cols + w - 1) / w;
  const size_t size = panels * depth * w;
  std::vector<float> got(size + 8, 1234.5f);
  attention_pack::pack_cols(src.data(), ld, depth, cols, w, got.data());
  bool ok = true;
  for (size_t c = 0; c < panels * w; ++c) {
    for (size_t p = 0; p < depth; ++p) {
      const float want = c < cols ? src[p * ld + c] : 0.0f;
      ok = ok && test::bits_equal(got[(c / w) * depth * w + p * w + c % w], want);
    }
  }
  for (size_t i = size; i < got.size(); ++i) ok = ok && got[i] == 1234.5f;
  CHECK_MSG(ok, "pack_cols depth %zu cols %zu w %zu ld %zu: wrong layout", depth, cols, w, ld);
}

}  // namespace

int main() {
  for (size_t w : {1, 4, 6, 8, 9, 14, 16, 32}) {
    for (size_t cols : {0, 1, 5, 6, 7, 8, 13, 14, 15, 31, 33, 64, 70}) {
      for (size_t depth : {0, 1, 3, 8, 17, 64}) {
        check_cols(depth, cols, w, cols);
        check_cols(depth, cols, w, cols + 5);
      }
    }
  }
  for (Isa isa : test::isas()) {
    for (size_t w : {1, 4, 6, 8, 9, 14, 16, 32}) {
      for (size_t rows : {0, 1, 5, 6, 7, 8, 13, 14, 15, 31, 33, 64, 70}) {
        for (size_t depth : {0, 1, 3, 7, 8, 9, 16, 17, 64, 65}) {
          check_one(isa, rows, depth, w, depth);
          check_one(isa, rows, depth, w, depth + 3);
        }
      }
    }
  }
  return test::finish("attention_pack_test");
}
